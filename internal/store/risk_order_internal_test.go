package store

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// Migration 0033 works the register's order keys out, for the risks a
// database already holds, as writing them does: on the default matrix for
// an organisation without its own scales, on its own matrix (read from
// the scales' JSON, in each engine's dialect) for one with them; 0034
// counts each inventory and each register as writing them tallies them.
func TestRiskOrderMigrationIsTheWrite(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		custom := risk.Default()
		custom.Matrix[3][4], custom.Matrix[0][0], custom.Matrix[4][1] = 0, 4, 1
		for _, o := range []*org.Organization{
			{Slug: "default", Name: "Default scales", EntityType: org.Provider, WorkforceSize: 5, Sites: 1},
			{Slug: "custom", Name: "Own scales", EntityType: org.Provider, WorkforceSize: 5, Sites: 1},
		} {
			if err := s.CreateOrganization(ctx, o); err != nil {
				t.Fatal(err)
			}
			sc := s.Scope(o)
			if o.Slug == "custom" {
				if err := sc.SaveRiskSettings(ctx, custom, 12); err != nil {
					t.Fatal(err)
				}
			}
			a := &risk.Asset{Name: "EHR", Type: risk.System}
			for _, x := range []*risk.Asset{a, {Name: "Fax", Type: risk.Device, Transmits: o.Slug == "custom"}, {Name: "Badge", Type: risk.System}} {
				if err := sc.CreateAsset(ctx, x); err != nil {
					t.Fatal(err)
				}
			}
			for l := range 6 {
				for i := range 6 {
					r := &risk.Risk{Title: fmt.Sprintf("L%d I%d", l, i), ThreatID: "ransomware", Assets: []string{a.ID}, Likelihood: l, ImpactC: i / 2, ImpactI: i, ImpactA: i % 3}
					if err := sc.CreateRisk(ctx, r); err != nil {
						t.Fatal(err)
					}
				}
			}
		}
		keys := func() string {
			return dump(t, s, `SELECT o.slug, r.title, r.impact, r.rank_band, r.rank_score FROM risks r JOIN organizations o ON o.id = r.org_id ORDER BY o.slug, r.number`)
		}
		written := keys()
		if !strings.Contains(written, "custom L4 I5 5 0 -20") || !strings.Contains(written, "default L4 I5 5 -4 -20") || !strings.Contains(written, "default L0 I3 3 1 0") {
			t.Fatalf("the keys written:\n%s", written)
		}
		ms, err := migrations(s.engine)
		if err != nil {
			t.Fatal(err)
		}
		var backfill []string
		for _, m := range ms {
			if m.Version != 33 {
				continue
			}
			for _, stmt := range strings.Split(m.SQL, ";") {
				if i := strings.Index(stmt, "UPDATE risks"); i >= 0 {
					backfill = append(backfill, stmt[i:])
				}
			}
		}
		if len(backfill) != 3 {
			t.Fatalf("migration 0033 has %d UPDATEs, want 3", len(backfill))
		}
		if _, err := s.write.ExecContext(ctx, `UPDATE risks SET impact = 9, rank_band = 9, rank_score = 9`); err != nil {
			t.Fatal(err)
		}
		for _, stmt := range backfill {
			if _, err := s.write.ExecContext(ctx, stmt); err != nil {
				t.Fatalf("%s: %v", stmt, err)
			}
		}
		if migrated := keys(); migrated != written {
			t.Errorf("the migration's keys:\n%s\nthe writes':\n%s", migrated, written)
		}

		// Migration 0034 counts the inventories as the writes tallied them.
		tallies := func() string {
			return dump(t, s, `SELECT o.slug, t.assets, t.ephi FROM inventory_tallies t JOIN organizations o ON o.id = t.org_id ORDER BY o.slug`)
		}
		written = tallies()
		if written != "custom 3 1\ndefault 3 0\n" {
			t.Errorf("the tallies written:\n%s", written)
		}
		if _, err := s.write.ExecContext(ctx, `DELETE FROM inventory_tallies`); err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Version == 34 {
				i := strings.Index(m.SQL, "INSERT INTO inventory_tallies")
				if _, err := s.write.ExecContext(ctx, m.SQL[i:i+strings.Index(m.SQL[i:], ";")]); err != nil {
					t.Fatal(err)
				}
			}
		}
		if migrated := tallies(); migrated != written {
			t.Errorf("the migration's tallies:\n%s\nthe writes':\n%s", migrated, written)
		}

		// And counts each register as writing its risks tallied it.
		cells := func() string {
			return dump(t, s, `SELECT o.slug, `+cellColumns+`, c.risks FROM risk_cells c JOIN organizations o ON o.id = c.org_id ORDER BY o.slug, `+cellColumns)
		}
		written = cells()
		if strings.Count(written, "\n") < 20 {
			t.Errorf("the register's tally written:\n%s", written)
		}
		if _, err := s.write.ExecContext(ctx, `DELETE FROM risk_cells`); err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Version == 34 {
				i := strings.Index(m.SQL, "INSERT INTO risk_cells")
				if _, err := s.write.ExecContext(ctx, m.SQL[i:i+strings.Index(m.SQL[i:], ";")]); err != nil {
					t.Fatal(err)
				}
			}
		}
		if migrated := cells(); migrated != written {
			t.Errorf("the migration's register tally:\n%s\nthe writes':\n%s", migrated, written)
		}
	})
}

// dump is what a query gives, a row to a line, its values separated by
// spaces.
func dump(t *testing.T, s *Store, q string) string {
	t.Helper()
	rows, err := s.read.QueryContext(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for rows.Next() {
		vals := make([]string, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatal(err)
		}
		b.WriteString(strings.Join(vals, " ") + "\n")
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}
