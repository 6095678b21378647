package store

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store/pgtest"
)

// A bulk load whose foreign key is broken fails as a whole: on SQLite the
// deferred key stops the COMMIT, on PostgreSQL the immediate one stops
// COPY. Nothing lands, and the writer goes back to the pool with no
// transaction left open: the next write lands.
func TestBrokenKeyOfABulkLoadLandsNothing(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider, WorkforceSize: 5, Sites: 1}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			ins := s.newInserter(ctx, tx, "findings", "id, org_id, import_id, asset_id, scanner, host, target, vuln_id, cve, package, installed, fixed, severity, cvss, title", "findings")
			defer ins.close()
			for i, imp := range []string{"no-such-import", "no-such-import"} {
				if err := ins.add("f"+string(rune('a'+i)), o.ID, imp, "", "nessus", "h", "", "v", "", "", "", "", "high", 7.5, "t"); err != nil {
					return err
				}
			}
			return ins.flush()
		})
		if err == nil {
			t.Fatal("findings of an import that does not exist were stored")
		}
		var n int
		if err := s.read.QueryRowContext(ctx, `SELECT count(*) FROM findings`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d findings after the failed load (%v)", n, err)
		}
		other := &org.Organization{Slug: "hillside", Name: "Hillside", EntityType: org.Provider, WorkforceSize: 5, Sites: 1}
		if err := s.CreateOrganization(ctx, other); err != nil {
			t.Fatalf("the write after the failed load: %v", err)
		}
	})
}

// Migration 0065 rebuilds SQLite's bulk-loaded tables with deferred keys
// and keeps their rows, indexes and actions: an organisation's deletion
// still removes its findings, accounts and devices.
func TestDeferredKeysMigration(t *testing.T) {
	ctx := context.Background()
	s, rest := migratedBelow(t, t.TempDir()+"/m.db", 65)
	exec := func(q string, args ...any) {
		t.Helper()
		if _, err := s.write.ExecContext(ctx, q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := s.read.QueryRowContext(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}
	o := orgRow(t, s)
	exec(`INSERT INTO data_imports (id, org_id, kind, filename, sha256, size_bytes, records, imported_at, imported_by) VALUES ('i1', ?, 'nessus', 'f', 's', 1, 1, '2026-03-01T09:00:00Z', '')`, o.ID)
	exec(`INSERT INTO findings (id, org_id, import_id, asset_id, scanner, host, target, vuln_id, cve, package, installed, fixed, severity, cvss, title, place, is_open, rank_cvss)
		VALUES ('f1', ?, 'i1', '', 'nessus', 'h', '', 'v', 'CVE-2026-1', '', '', '', 'high', 7.5, 't', 'h|', 1, -7.5)`, o.ID)
	exec(`INSERT INTO devices (id, org_id, import_id, source, line, device_key, name, os, encrypted) VALUES ('d1', ?, 'i1', 'intune', 2, 'k', 'WS-1', 'Windows', 'no')`, o.ID)
	rest()
	for _, table := range []string{"findings", "accounts", "devices"} {
		var ddl string
		if err := s.read.QueryRowContext(ctx, `SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?`, table).Scan(&ddl); err != nil {
			t.Fatal(err)
		}
		if refs, deferred := strings.Count(ddl, "REFERENCES"), strings.Count(ddl, "DEFERRABLE INITIALLY DEFERRED"); refs == 0 || refs != deferred {
			t.Errorf("%s: %d keys, %d deferred", table, refs, deferred)
		}
	}
	if n := count(`SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN ('findings_import_place', 'findings_open_order',
		'accounts_import', 'accounts_org_source', 'accounts_org_local', 'accounts_org_system', 'devices_source')`); n != 7 {
		t.Errorf("%d of the 7 indexes after the rebuild", n)
	}
	if n := count(`SELECT count(*) FROM findings WHERE id = 'f1' AND cve = 'CVE-2026-1' AND place = 'h|' AND is_open = 1 AND rank_cvss = -7.5`) +
		count(`SELECT count(*) FROM devices WHERE id = 'd1' AND name = 'WS-1' AND encrypted = 'no'`); n != 2 {
		t.Errorf("%d of the 2 rows kept whole by the rebuild", n)
	}
	if err := s.DeleteOrganization(ctx, o.ID); err != nil {
		t.Fatal(err)
	}
	if n := count(`SELECT (SELECT count(*) FROM findings) + (SELECT count(*) FROM devices)`); n != 0 {
		t.Errorf("%d rows of a deleted organisation remain", n)
	}
}

// Migration 0066 gives the people their keys, lower-cased as Go does
// (SQLite's lower() folds ASCII only), and rebuilds SQLite's table with
// foreign keys off: what refers to a person (a training completion) stays,
// the keys are on again afterwards, and the organisation's deletion still
// removes its people and what refers to them.
func TestPeopleKeysMigration(t *testing.T) {
	for _, engine := range []string{SQLite, Postgres} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, o, rest := orgMigratedBelow(t, engine, 66)
			exec := func(q string, args ...any) {
				t.Helper()
				if _, err := s.write.ExecContext(ctx, s.rebind(q), args...); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
			}
			exec(`INSERT INTO people (id, org_id, employee_id, name, email, type, access, systems, created_at, updated_at)
				VALUES ('p1', ?, 'ÄB-7', 'Élodie MARTIN', 'Élodie.Martin@Clinic.example', 'employee', 'none', '[]', 't', 't'),
				('p2', ?, 'E-2', 'Sam Lee', 'no-at-sign', 'employee', 'none', '[]', 't', 't')`, o.ID, o.ID)
			exec(`INSERT INTO training_completions (id, org_id, person_id, module, completed_on, source, recorded_by, recorded_at)
				VALUES ('c1', ?, 'p1', 'hipaa-basics', '2026-01-05', 'manual', 'u', 't')`, o.ID)
			rest()
			want := map[string][4]string{"p1": {"äb-7", "élodie.martin@clinic.example", "élodie martin", "élodie.martin"}, "p2": {"e-2", "no-at-sign", "sam lee", ""}}
			for id, w := range want {
				var k [4]string
				if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT employee_key, email_key, name_key, local_key FROM people WHERE id = ?`), id).Scan(&k[0], &k[1], &k[2], &k[3]); err != nil {
					t.Fatal(err)
				}
				if k != w {
					t.Errorf("%s: keys %q, want %q", id, k, w)
				}
			}
			count := func(q string) int {
				t.Helper()
				var n int
				if err := s.read.QueryRowContext(ctx, q).Scan(&n); err != nil {
					t.Fatalf("%s: %v", q, err)
				}
				return n
			}
			if n := count(`SELECT count(*) FROM training_completions WHERE person_id = 'p1'`); n != 1 {
				t.Errorf("%d training completions of the person after the rebuild, want 1", n)
			}
			if engine == SQLite {
				var on int
				if err := s.write.QueryRowContext(ctx, `PRAGMA foreign_keys`).Scan(&on); err != nil || on != 1 {
					t.Errorf("foreign keys after the migration: %d (%v), want 1", on, err)
				}
			}
			if err := s.DeleteOrganization(ctx, o.ID); err != nil {
				t.Fatal(err)
			}
			if n := count(`SELECT (SELECT count(*) FROM people) + (SELECT count(*) FROM training_completions)`); n != 0 {
				t.Errorf("%d people and completions of a deleted organisation remain", n)
			}
		})
	}
}

// orgMigratedBelow is migratedBelow on a new database of the engine,
// holding one organisation.
func orgMigratedBelow(t *testing.T, engine string, version int) (*Store, *org.Organization, func()) {
	t.Helper()
	dsn := t.TempDir() + "/m.db"
	if engine == Postgres {
		dsn = pgtest.DSN(t)
	}
	s, rest := migratedBelow(t, dsn, version)
	return s, orgRow(t, s), rest
}

// orgRow writes an organisation's row as the first migration made it, for
// a test of a later migration: the store's own writes (CreateOrganization
// and its audit entry) may need tables the database has not yet.
func orgRow(t *testing.T, s *Store) *org.Organization {
	t.Helper()
	o := &org.Organization{ID: "0193b3c2-7a4e-7b1d-9c2f-5e8a1d3c4b6a", Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
	if _, err := s.write.ExecContext(context.Background(), s.rebind(`INSERT INTO organizations (id, slug, name, entity_type, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)`),
		o.ID, o.Slug, o.Name, string(o.EntityType), "2026-01-05T09:00:00.000000Z", "2026-01-05T09:00:00.000000Z"); err != nil {
		t.Fatal(err)
	}
	return o
}

// migratedBelow opens a database migrated up to the migration numbered
// version, not including it, and returns rest, which applies the others.
func migratedBelow(t *testing.T, dsn string, version int) (*Store, func()) {
	t.Helper()
	ctx := context.Background()
	s, err := Open(ctx, dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.write.ExecContext(ctx, createMigrationsTable); err != nil {
		t.Fatal(err)
	}
	ms, err := migrations(s.engine)
	if err != nil {
		t.Fatal(err)
	}
	apply := func(below bool) {
		t.Helper()
		for _, m := range ms {
			if (m.Version < version) == below {
				if _, err := s.applyOne(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	apply(true)
	return s, func() { apply(false) }
}

// Migration 0067 gives each stored account its employee key as the import
// computes it (strings.ToLower), capitals outside ASCII included, on both
// engines.
func TestAccountEmployeeKeyMigration(t *testing.T) {
	for _, engine := range []string{SQLite, Postgres} {
		t.Run(engine, func(t *testing.T) {
			ctx := context.Background()
			s, o, rest := orgMigratedBelow(t, engine, 67)
			if _, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO data_imports (id, org_id, kind, filename, sha256, size_bytes, records, imported_at, imported_by) VALUES ('i1', ?, 'ad-users', 'f', 's', 1, 3, '2026-03-01T09:00:00Z', '')`), o.ID); err != nil {
				t.Fatal(err)
			}
			for id, employeeID := range map[string]string{"a1": "ØS-12", "a2": "AB-7", "a3": ""} {
				if _, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO accounts (id, org_id, import_id, source, system, line, external_id, login, login_key, alt_key, local_key, base_key, email, email_key, name, name_key,
					employee_id, department, title, enabled, status, kind, created, last_login, login_known, password_set, password_no_expiry, mfa, mfa_methods, privileged, privileged_because, mailbox, remote, remote_because, groups)
					VALUES (?, ?, 'i1', 'ad-users', 'Active Directory', 2, ?, ?, ?, '', ?, '', '', '', '', '', ?, '', '', 1, '', '', '', '', 0, '', 0, '', '', '', '', '', '', '', '')`),
					id, o.ID, id, id, id, id, employeeID); err != nil {
					t.Fatal(err)
				}
			}
			rest()
			for id, want := range map[string]string{"a1": "øs-12", "a2": "ab-7", "a3": ""} {
				var key string
				if err := s.read.QueryRowContext(ctx, s.rebind(`SELECT employee_key FROM accounts WHERE id = ?`), id).Scan(&key); err != nil {
					t.Fatal(err)
				}
				if key != want {
					t.Errorf("%s: employee key %q, want %q", id, key, want)
				}
			}
		})
	}
}
