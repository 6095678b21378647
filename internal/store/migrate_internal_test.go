package store

import (
	"context"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store/pgtest"
)

// These tests reach into schema_migrations, so they live inside the
// package; like the contract suite they run on both engines.
func eachEngine(t *testing.T, fn func(t *testing.T, s *Store)) {
	t.Run(SQLite, func(t *testing.T) { fn(t, openForTest(t, t.TempDir()+"/m.db")) })
	t.Run(Postgres, func(t *testing.T) { fn(t, openForTest(t, pgtest.DSN(t))) })
}

func openForTest(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(context.Background(), dsn, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// A migration edited after it landed stops the start, naming it.
func TestMigrateRefusesEditedMigration(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.write.ExecContext(ctx, "UPDATE schema_migrations SET checksum = 'edited' WHERE version = 1"); err != nil {
			t.Fatal(err)
		}
		_, err := s.Migrate(ctx)
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "0001_organizations was changed") {
			t.Errorf("Migrate = %v, want the edited migration named", err)
		}
	})
}

// A database migrated by a newer binary is refused rather than misread.
func TestMigrateRefusesNewerDatabase(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.write.ExecContext(ctx, s.rebind("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)"),
			999, "future", "x", formatTime(s.now())); err != nil {
			t.Fatal(err)
		}
		_, err := s.Migrate(ctx)
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "schema version 999") {
			t.Errorf("Migrate = %v, want a refusal naming version 999", err)
		}
	})
}

func TestRebind(t *testing.T) {
	s := &Store{engine: Postgres}
	if got := s.rebind("SELECT a FROM t WHERE b = ? AND c = ?"); got != "SELECT a FROM t WHERE b = $1 AND c = $2" {
		t.Errorf("rebind = %q", got)
	}
	s.engine = SQLite
	if got := s.rebind("b = ?"); got != "b = ?" {
		t.Errorf("SQLite rebind = %q", got)
	}
}
