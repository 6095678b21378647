// Package pgtest creates a PostgreSQL database per test on the server named
// by SAFEGUARD_TEST_POSTGRES_URL and drops it afterwards. It imports nothing
// of Safeguard's, so the store's own tests can use it.
package pgtest

import (
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// Env names the variable holding the URL of a PostgreSQL server the tests
// may create databases on.
const Env = "SAFEGUARD_TEST_POSTGRES_URL"

const skipMessage = "PostgreSQL tests skipped: set " + Env +
	"=postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable to run them"

// DSN creates an empty database for the test, drops it when the test ends,
// and returns its URL. It skips the test, saying how to run it, when Env is
// not set; when Env is set, any failure fails the test.
func DSN(tb testing.TB) string {
	tb.Helper()
	base := os.Getenv(Env)
	if base == "" {
		tb.Skip(skipMessage)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		tb.Fatalf("%s: %v", Env, err)
	}
	var b [6]byte
	rand.Read(b[:])
	name := "sgtest_" + hex.EncodeToString(b[:])
	if _, err := admin.Exec("CREATE DATABASE " + name); err != nil {
		admin.Close()
		tb.Fatalf("create test database on %s: %v", Env, err)
	}
	tb.Cleanup(func() {
		defer admin.Close()
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			tb.Errorf("drop test database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		tb.Fatalf("%s: %v", Env, err)
	}
	u.Path = "/" + name
	return u.String()
}
