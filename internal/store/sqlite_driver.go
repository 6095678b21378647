package store

import (
	"database/sql"
	"net/url"
	"strings"
)

// SQLite's result codes the store translates (https://sqlite.org/rescode.html).
// They are SQLite's own numbers, the same whichever driver reports them.
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteInterrupt        = 9
	sqliteConstraintCheck  = 275
	sqliteConstraintFK     = 787
	sqliteConstraintNull   = 1299
	sqliteConstraintPK     = 1555
	sqliteConstraintUnique = 2067
)

// sqlitePragmas are the PRAGMA settings every SQLite connection opens
// with, as name(value): busy_timeout first, so that setting WAL waits for
// a lock instead of failing; then WAL, foreign keys, and NORMAL sync (safe
// with WAL).
var sqlitePragmas = []string{"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(ON)", "synchronous(NORMAL)"}

// pragmaDSN is the data source name of modernc.org/sqlite and
// github.com/ncruces/go-sqlite3, which take the same form: each PRAGMA as
// a _pragma parameter, and _txlock=immediate for the writer.
func pragmaDSN(file string, pragmas []string, immediate bool) string {
	q := url.Values{}
	for _, p := range pragmas {
		q.Add("_pragma", p)
	}
	dsn := "file:" + file + "?" + q.Encode()
	if immediate {
		dsn += "&_txlock=immediate"
	}
	return dsn
}

// SQLiteDriver names the SQLite driver this build of Safeguard uses:
// modernc.org/sqlite (SQLite's C translated to Go) unless it was built
// with the tag sqlite_ncruces (github.com/ncruces/go-sqlite3, SQLite
// compiled to WebAssembly and translated to Go) or sqlite_mattn
// (github.com/mattn/go-sqlite3, SQLite's C through cgo). The benchmarks
// name it; the README gives the measurements that kept the default.
func SQLiteDriver() string { return sqliteDriverModule }

// OpenSQLiteFile opens a SQLite file with this build's driver and nothing
// of the store around it, waiting out the store's writer: for the tests
// that change a database behind Safeguard's back.
func OpenSQLiteFile(path string) (*sql.DB, error) {
	return openSQLiteDB(strings.TrimPrefix(path, "file:"), sqlitePragmas[:1], false)
}
