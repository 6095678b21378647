package store

import (
	"context"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/store/pgtest"
)

// Migration 0040 keys each place's newest scan by scanner, for the
// findings a database already holds: a Nessus finding a Qualys scan of the
// same host had closed is open again (with its keys of the order to fix),
// a host Nessus itself scanned clean keeps its finding closed, and the
// tallies and the trend are counted again.
func TestPlacesPerScannerMigration(t *testing.T) {
	for _, engine := range []string{SQLite, Postgres} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			dsn := t.TempDir() + "/m.db"
			if engine == Postgres {
				dsn = pgtest.DSN(t)
			}
			s, err := Open(ctx, dsn, Options{})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { s.Close() })
			ms, err := migrations(s.engine)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := s.write.ExecContext(ctx, createMigrationsTable); err != nil {
				t.Fatal(err)
			}
			var m40 Migration
			for _, m := range ms {
				if m.Version == 40 {
					m40 = m
				}
				if m.Version >= 40 {
					continue
				}
				if _, err := s.applyOne(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			o := orgRow(t, s)
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := s.write.ExecContext(ctx, s.rebind(q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			for _, d := range [][3]string{{"i1", "nessus", "2026-03-01T09:00:00Z"}, {"i2", "qualys-csv", "2026-03-02T09:00:00Z"}, {"i3", "nessus", "2026-03-03T09:00:00Z"}} {
				exec(`INSERT INTO data_imports (id, org_id, kind, filename, sha256, size_bytes, records, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, 1, 1, ?, '')`,
					d[0], o.ID, d[1], d[0]+".file", d[0]+"-sha", d[2])
			}
			// Before: Qualys's scan of A (day 2) closed Nessus's n1 there;
			// Nessus's own clean scan of B (day 3) closed its n2.
			for _, f := range [][7]any{
				{"n1", "i1", "nessus", "A", "nessus:1", "2026-03-01T09:00:00Z", 0},
				{"n2", "i1", "nessus", "B", "nessus:2", "2026-03-01T09:00:00Z", 0},
				{"q1", "i2", "qualys", "A", "qualys:1", "2026-03-02T09:00:00Z", 1},
			} {
				exec(`INSERT INTO findings (id, org_id, import_id, asset_id, scanner, host, target, vuln_id, cve, package, installed, fixed, severity, cvss, title, place, scanned_at, is_open)
					VALUES (?, ?, ?, '', ?, ?, '', ?, '', '', '', '', 'high', 7.5, '', ?, ?, ?)`, f[0], o.ID, f[1], f[2], f[3], f[4], f[3].(string)+"|", f[5], f[6])
			}
			exec(`INSERT INTO finding_places (org_id, place, import_id, scanned_at, prev_import_id, prev_scanned_at) VALUES (?, 'A|', 'i2', '2026-03-02T09:00:00Z', 'i1', '2026-03-01T09:00:00Z')`, o.ID)
			exec(`INSERT INTO finding_places (org_id, place, import_id, scanned_at, prev_import_id, prev_scanned_at) VALUES (?, 'B|', 'i3', '2026-03-03T09:00:00Z', 'i1', '2026-03-01T09:00:00Z')`, o.ID)
			exec(`INSERT INTO finding_tallies (org_id, open_findings) VALUES (?, 1)`, o.ID)

			if _, err := s.applyOne(ctx, m40); err != nil {
				t.Fatal(err)
			}
			for q, want := range map[string]string{
				`SELECT scanner, place, import_id, prev_import_id, trend_new, trend_fixed, trend_still FROM finding_places ORDER BY scanner, place`: "nessus A| i1  1 0 0\nnessus B| i3 i1 0 1 0\nqualys A| i2  1 0 0\n",
				`SELECT id, is_open, rank_cvss FROM findings ORDER BY id`:                                                                           "n1 1 -7.5\nn2 0 0\nq1 1 0\n",
				`SELECT open_findings, trend_places, trend_new, trend_fixed, trend_still FROM finding_tallies`:                                      "2 3 2 1 0\n",
			} {
				if got := strings.ReplaceAll(dump(t, s, q), ".0\n", "\n"); got != want {
					t.Errorf("%s:\n%s\nwant\n%s", q, got, want)
				}
			}
		})
	}
}
