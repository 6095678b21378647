package store

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store/pgtest"
)

// seedAudited makes five audited changes as a named actor.
func seedAudited(t *testing.T, s *Store) context.Context {
	t.Helper()
	ctx := audit.WithActor(context.Background(), audit.Actor{ID: "u-1", Label: "jane@clinic.example", Source: "192.0.2.7"})
	o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
	u := &auth.User{Email: "nurse@clinic.example", Name: "Nurse", PasswordHash: "$argon2id$secret-hash"}
	for _, step := range []func() error{
		func() error { return s.CreateOrganization(ctx, o) },
		func() error { return s.CreateUser(ctx, u) },
		func() error { return s.SetMembership(ctx, o.ID, u.ID, auth.Workforce) },
		func() error { o.Name = "Riverside Family Clinic"; return s.UpdateOrganization(ctx, o) },
		func() error { return s.SetPasswordHash(ctx, u.ID, "$argon2id$another-secret") },
	} {
		if err := step(); err != nil {
			t.Fatal(err)
		}
	}
	return ctx
}

func TestAuditChain(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx := seedAudited(t, s)
		// A change that fails leaves no entry.
		if err := s.CreateOrganization(ctx, &org.Organization{Slug: "riverside", Name: "Dup", EntityType: org.Provider}); !errs.Is(err, errs.Conflict) {
			t.Fatalf("duplicate: %v", err)
		}
		v, err := s.VerifyAudit(ctx)
		if err != nil || v.Broken != nil || v.Entries != 5 || v.LastSeq != 5 {
			t.Fatalf("verify: %+v, %v", v, err)
		}
		entries, err := s.AuditLog(ctx, AuditFilter{})
		if err != nil || len(entries) != 5 {
			t.Fatalf("log: %d entries, %v", len(entries), err)
		}
		actions := []string{}
		for _, e := range entries {
			actions = append(actions, e.Action)
			if e.Actor != "jane@clinic.example" || e.Source != "192.0.2.7" || e.ActorID != "u-1" {
				t.Errorf("entry %d: actor %q from %q", e.Seq, e.Actor, e.Source)
			}
			if strings.Contains(e.Before+e.After, "secret") {
				t.Errorf("entry %d records a password hash: %s %s", e.Seq, e.Before, e.After)
			}
		}
		if got := strings.Join(actions, " "); got != "user.password_set org.update membership.set user.create org.create" {
			t.Errorf("actions newest first: %s", got)
		}
		upd := entries[1]
		if !strings.Contains(upd.Before, `"Name":"Riverside"`) || !strings.Contains(upd.After, `"Name":"Riverside Family Clinic"`) {
			t.Errorf("org.update before %s after %s", upd.Before, upd.After)
		}
		if org, _ := s.AuditLog(ctx, AuditFilter{OrgID: entries[4].OrgID}); len(org) != 3 {
			t.Errorf("entries of the organisation: %d, want 3 (create, membership, update)", len(org))
		}
	})
}

// The database refuses to change or remove an entry.
func TestAuditAppendOnly(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx := seedAudited(t, s)
		for _, q := range []string{"UPDATE audit_log SET actor = 'mallory' WHERE seq = 2", "DELETE FROM audit_log WHERE seq = 2"} {
			if _, err := s.write.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want it refused", q, err)
			}
		}
	})
}

// Someone who gets past the trigger and alters a row directly is caught by
// verify, at that row.
func TestAuditVerifyFindsTampering(t *testing.T) {
	disable := map[string][]string{
		SQLite:   {"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"},
		Postgres: {"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"},
	}
	for _, tc := range []struct {
		name   string
		sql    []string
		seq    int64
		reason string
	}{
		{"altered field", []string{"UPDATE audit_log SET actor = 'mallory@evil.example' WHERE seq = 3"}, 3, "altered"},
		{"altered time", []string{"UPDATE audit_log SET at = '2020-01-01T00:00:00.000000Z' WHERE seq = 2"}, 2, "altered"},
		{"deleted entry", []string{"DELETE FROM audit_log WHERE seq = 4"}, 4, "missing"},
		{"re-hashed entry", []string{"UPDATE audit_log SET actor = 'mallory', hash = 'ffff' WHERE seq = 2"}, 2, "altered"},
		{"forged link", []string{"UPDATE audit_log SET prev_hash = 'abcd' WHERE seq = 5"}, 5, "previous-hash"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			eachEngine(t, func(t *testing.T, s *Store) {
				ctx := seedAudited(t, s)
				for _, q := range append(disable[s.engine], tc.sql...) {
					if _, err := s.write.ExecContext(ctx, q); err != nil {
						t.Fatalf("%s: %v", q, err)
					}
				}
				v, err := s.VerifyAudit(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if v.Broken == nil || v.Broken.Seq != tc.seq || !strings.Contains(v.Broken.Reason, tc.reason) {
					t.Errorf("verify = %+v (broken %+v), want a break at %d saying %q", v, v.Broken, tc.seq, tc.reason)
				}
				if v.LastSeq != tc.seq-1 {
					t.Errorf("last good entry %d, want %d", v.LastSeq, tc.seq-1)
				}
			})
		})
	}
}

// Appends from several connections (several nodes, on PostgreSQL) keep one
// chain without gaps or forks.
func TestAuditConcurrentAppends(t *testing.T) {
	for _, engine := range []string{SQLite, Postgres} {
		t.Run(engine, func(t *testing.T) {
			dsn := t.TempDir() + "/c.db"
			if engine == Postgres {
				dsn = pgtest.DSN(t)
			}
			stores := []*Store{openForTest(t, dsn), openForTest(t, dsn), openForTest(t, dsn)}
			var wg sync.WaitGroup
			errc := make(chan error, 60)
			for i, s := range stores {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for j := range 20 {
						if err := s.RecordEvent(context.Background(), "", "test.event", "", map[string]int{"node": i, "n": j}); err != nil {
							errc <- err
						}
					}
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			v, err := stores[0].VerifyAudit(context.Background())
			if err != nil || v.Broken != nil || v.Entries != 60 {
				t.Errorf("after concurrent appends: %+v, %v", v, err)
			}
		})
	}
}

// Who recorded what is kept as entries are appended: AuditActors lists the
// organisation's actors of the actions asked for, most recently active
// first, none whose first such entry came at or after the time given, and
// none of another organisation's or the installation's entries.
func TestAuditActors(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		clock := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)
		s.now = func() time.Time { clock = clock.Add(time.Hour); return clock }
		as := func(label string) context.Context {
			return audit.WithActor(context.Background(), audit.Actor{ID: label, Label: label})
		}
		o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
		other := &org.Organization{Slug: "northside", Name: "Northside", EntityType: org.Provider}
		for _, x := range []*org.Organization{o, other} {
			if err := s.CreateOrganization(as("owner@clinic.example"), x); err != nil {
				t.Fatal(err)
			}
		}
		record := func(ctx context.Context, orgID, action string) time.Time {
			t.Helper()
			if err := s.RecordEvent(ctx, orgID, action, "x", nil); err != nil {
				t.Fatal(err)
			}
			return clock
		}
		record(as("sam@clinic.example"), o.ID, "asset.create")
		record(as("ana@clinic.example"), o.ID, "risk.create")
		record(as("sam@clinic.example"), o.ID, "asset.update") // Sam most recent of the two
		record(as("raj@clinic.example"), o.ID, "user.login")   // not an action asked for
		record(as("nora@northside.example"), other.ID, "asset.create")
		record(as("ops@installation"), "", "asset.create")
		cut := record(as("dana@clinic.example"), o.ID, "org.profile_update")
		record(as("late@clinic.example"), o.ID, "risk.update") // after the document's time
		sc := s.Scope(o)
		got, err := sc.AuditActors(context.Background(), []string{"asset.", "risk.", "org.profile_update"}, cut.Add(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"dana@clinic.example", "sam@clinic.example", "ana@clinic.example"}; !slices.Equal(got, want) {
			t.Errorf("actors: %q, want %q", got, want)
		}
		if got, _ := sc.AuditActors(context.Background(), []string{"risk."}, cut.Add(365*24*time.Hour)); !slices.Equal(got, []string{"late@clinic.example", "ana@clinic.example"}) {
			t.Errorf("risk actors: %q", got)
		}
	})
}

// Migration 0068 fills the actors from the trail already written.
func TestAuditActorsMigration(t *testing.T) {
	for _, engine := range []string{SQLite, Postgres} {
		t.Run(engine, func(t *testing.T) {
			s, o, rest := orgMigratedBelow(t, engine, 68)
			ctx := context.Background()
			for i, e := range []struct{ org, action, actor string }{
				{o.ID, "asset.create", "sam"}, {o.ID, "asset.create", "sam"}, {o.ID, "risk.create", "ana"}, {"", "user.login", "ops"}, {o.ID, "asset.update", ""},
			} {
				if _, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, '', ?, '', ?, '', '', '', 'p', 'h')`),
					100+i, fmt.Sprintf("2026-03-0%dT09:00:00.000000Z", i+1), e.org, e.actor, e.action); err != nil {
					t.Fatal(err)
				}
			}
			rest()
			rows, err := s.read.QueryContext(ctx, `SELECT action, actor, first_seq, first_at, last_seq FROM audit_actors ORDER BY action, actor`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			var got []string
			for rows.Next() {
				var action, actor, at string
				var first, last int
				if err := rows.Scan(&action, &actor, &first, &at, &last); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprintf("%s %s %d %s %d", action, actor, first, at[:10], last))
			}
			// The organisation's creation in orgMigratedBelow has no actor.
			if want := []string{"asset.create sam 100 2026-03-01 101", "risk.create ana 102 2026-03-03 102"}; !slices.Equal(got, want) {
				t.Errorf("audit actors: %q, want %q", got, want)
			}
		})
	}
}
