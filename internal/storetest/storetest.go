// Package storetest gives tests a real, migrated store on each engine: a
// SQLite file in a temporary folder, and a PostgreSQL database created for
// the test and dropped after it.
package storetest

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/identity"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/store/pgtest"
)

// PostgresEnv names the variable holding the URL of a PostgreSQL server the
// tests may create databases on.
const PostgresEnv = pgtest.Env

// Each runs fn once per engine, as the subtests "sqlite" and "postgres".
func Each(t *testing.T, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run(store.SQLite, func(t *testing.T) { fn(t, SQLite(t)) })
	t.Run(store.Postgres, func(t *testing.T) { fn(t, Postgres(t)) })
}

// EachAt is Each with the stores' clock: now gives the time the store
// records (imports, audit entries).
func EachAt(t *testing.T, now func() time.Time, fn func(t *testing.T, s *store.Store)) {
	t.Helper()
	t.Run(store.SQLite, func(t *testing.T) { fn(t, openWith(t, SQLitePath(t), store.Options{Now: now})) })
	t.Run(store.Postgres, func(t *testing.T) { fn(t, openWith(t, PostgresDSN(t), store.Options{Now: now})) })
}

// SQLitePath returns a database file path in a fresh temporary folder.
func SQLitePath(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(tb.TempDir(), "safeguard.db")
}

// SQLite opens and migrates a store on a fresh SQLite file.
func SQLite(tb testing.TB) *store.Store {
	tb.Helper()
	return open(tb, SQLitePath(tb))
}

// SQLiteAt opens and migrates a store on the SQLite file at path.
func SQLiteAt(tb testing.TB, path string) *store.Store {
	tb.Helper()
	return open(tb, path)
}

// Postgres opens and migrates a store on a fresh PostgreSQL database. It
// skips the test, saying how to run it, when PostgresEnv is not set.
func Postgres(tb testing.TB) *store.Store {
	tb.Helper()
	return open(tb, PostgresDSN(tb))
}

// PostgresDSN creates an empty database for the test, drops it when the test
// ends, and returns its URL. It skips the test when PostgresEnv is not set.
func PostgresDSN(tb testing.TB) string { return pgtest.DSN(tb) }

func open(tb testing.TB, dsn string) *store.Store {
	tb.Helper()
	return openWith(tb, dsn, store.Options{})
}

func openWith(tb testing.TB, dsn string, opts store.Options) *store.Store {
	tb.Helper()
	// The program's rules, as the command line opens the store with them.
	opts.Matching, opts.Checks = identity.Matching, check.Catalog
	ctx := context.Background()
	s, err := store.Open(ctx, dsn, opts)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { s.Close() })
	if _, err := s.Migrate(ctx); err != nil {
		tb.Fatal(err)
	}
	return s
}
