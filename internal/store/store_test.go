package store_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// The contract: every store method behaves the same on both engines.
func TestOrganizations(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := storetest.Clinic("riverside")
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		if o.ID == "" || o.CreatedAt.IsZero() {
			t.Fatalf("create did not set id and timestamps: %+v", o)
		}
		got, err := s.Organization(ctx, o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Slug != "riverside" || got.Name != o.Name || got.EntityType != org.Provider || got.WorkforceSize != 5 || got.Sites != 1 || got.Demo {
			t.Errorf("read back %+v, want %+v", got, o)
		}
		if !got.CreatedAt.Equal(o.CreatedAt.Truncate(time.Microsecond)) {
			t.Errorf("created_at %v, want %v", got.CreatedAt, o.CreatedAt)
		}
		if err := s.CreateOrganization(ctx, storetest.Clinic("riverside")); !errs.Is(err, errs.Conflict) {
			t.Errorf("duplicate slug: err = %v, want conflict", err)
		}
		if err := s.CreateOrganization(ctx, &org.Organization{Slug: "Bad Slug!", Name: "x", EntityType: org.Provider}); !errs.Is(err, errs.Invalid) {
			t.Errorf("bad slug: err = %v, want invalid", err)
		}
		if _, err := s.Organization(ctx, "no-such-id"); !errs.Is(err, errs.NotFound) {
			t.Errorf("missing: err = %v, want not found", err)
		}

		if demo, err := s.HasDemoOrganization(ctx); err != nil || demo {
			t.Errorf("demo before any demo organisation: %v, %v", demo, err)
		}
		got.Name, got.Demo, got.EntityType = "Riverside Clinic", true, org.Hybrid
		if err := s.UpdateOrganization(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, _ := s.OrganizationBySlug(ctx, "riverside")
		if again == nil || again.Name != "Riverside Clinic" || !again.Demo || again.EntityType != org.Hybrid {
			t.Errorf("after update: %+v", again)
		}
		if demo, err := s.HasDemoOrganization(ctx); err != nil || !demo {
			t.Errorf("demo after marking one: %v, %v", demo, err)
		}
		if err := s.UpdateOrganization(ctx, &org.Organization{ID: "nope", Slug: "nope", Name: "n", EntityType: org.Provider}); !errs.Is(err, errs.NotFound) {
			t.Errorf("update missing: err = %v", err)
		}

		// --org: optional with one organisation, required with several.
		if r, err := s.ResolveOrganization(ctx, ""); err != nil || r.ID != o.ID {
			t.Errorf("resolve only org: %v, %v", r, err)
		}
		second := &org.Organization{Slug: "northside", Name: "Northside Health Plan", EntityType: org.HealthPlan}
		if err := s.CreateOrganization(ctx, second); err != nil {
			t.Fatal(err)
		}
		if _, err := s.ResolveOrganization(ctx, ""); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "northside") {
			t.Errorf("resolve ambiguous: %v", err)
		}
		for _, ref := range []string{"northside", second.ID} {
			if r, err := s.ResolveOrganization(ctx, ref); err != nil || r.ID != second.ID {
				t.Errorf("resolve %q: %v, %v", ref, r, err)
			}
		}
		if _, err := s.ResolveOrganization(ctx, "elsewhere"); !errs.Is(err, errs.NotFound) {
			t.Errorf("resolve unknown: %v", err)
		}
		all, err := s.Organizations(ctx)
		if err != nil || len(all) != 2 || all[0].Slug != "northside" {
			t.Errorf("list: %v, %v", all, err)
		}
		if err := s.DeleteOrganization(ctx, second.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteOrganization(ctx, second.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("delete twice: %v", err)
		}
	})
}

func TestMigrate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		v, err := s.SchemaVersion(ctx)
		if err != nil || v != store.Latest() || v == 0 {
			t.Fatalf("schema version %d, %v; want %d", v, err, store.Latest())
		}
		again, err := s.Migrate(ctx)
		if err != nil || len(again) != 0 {
			t.Errorf("second migrate applied %v, %v; want nothing", again, err)
		}
		applied, err := s.AppliedMigrations(ctx)
		if err != nil || len(applied) != store.Latest() || applied[0].Name != "organizations" {
			t.Errorf("applied = %+v, %v", applied, err)
		}
	})
}

// Migrating from several processes at once applies each migration once.
func TestMigrateConcurrently(t *testing.T) {
	for _, engine := range []string{store.SQLite, store.Postgres} {
		t.Run(engine, func(t *testing.T) {
			var dsn string
			if engine == store.SQLite {
				dsn = storetest.SQLitePath(t)
			} else {
				dsn = storetest.PostgresDSN(t)
			}
			ctx := context.Background()
			var wg sync.WaitGroup
			total := make([]int, 4)
			errc := make(chan error, 4)
			for i := range total {
				wg.Add(1)
				go func() {
					defer wg.Done()
					s, err := store.Open(ctx, dsn, store.Options{})
					if err != nil {
						errc <- err
						return
					}
					defer s.Close()
					ms, err := s.Migrate(ctx)
					total[i] = len(ms)
					if err != nil {
						errc <- err
					}
				}()
			}
			wg.Wait()
			close(errc)
			for err := range errc {
				t.Fatal(err)
			}
			sum := 0
			for _, n := range total {
				sum += n
			}
			if sum != store.Latest() {
				t.Errorf("migrations applied %d times in all, want %d", sum, store.Latest())
			}
		})
	}
}

func TestOpenRejectsBadDSN(t *testing.T) {
	ctx := context.Background()
	for dsn, kind := range map[string]errs.Kind{
		"":                                       errs.Invalid,
		"mysql://root@localhost/x":               errs.Invalid,
		"postgres://%zz":                         errs.Invalid,
		"/no/such/folder/safeguard.db":           errs.Invalid,
		"file:x.db?_pragma=journal_mode(DELETE)": errs.Invalid,
		// Nothing listens on port 1.
		"postgres://postgres:secret@127.0.0.1:1/x?sslmode=disable": errs.Unavailable,
	} {
		_, err := store.Open(ctx, dsn, store.Options{ConnectTimeout: 2 * time.Second})
		if !errs.Is(err, kind) {
			t.Errorf("Open(%q) = %v, want %s", dsn, err, kind)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("Open(%q) leaks the password: %v", dsn, err)
		}
	}
}

// SQLite is set up deliberately: WAL, foreign keys on, a busy timeout.
func TestSQLitePragmas(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.db")
	s, err := store.Open(context.Background(), path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for pragma, want := range map[string]string{"journal_mode": "wal", "foreign_keys": "1", "busy_timeout": "10000", "cache_size": "-16384"} {
		got, err := s.Pragma(context.Background(), pragma)
		if err != nil || got != want {
			t.Errorf("PRAGMA %s = %q, %v; want %q", pragma, got, err, want)
		}
	}
	if _, err := os.Stat(path + "-wal"); err != nil && !errors.Is(err, os.ErrNotExist) {
		t.Error(err)
	}
}
