//go:build sqlite_ncruces && !sqlite_mattn

package store

import (
	"database/sql"
	"errors"

	"github.com/ncruces/go-sqlite3"
	_ "github.com/ncruces/go-sqlite3/driver" // registers the "sqlite3" database/sql driver
)

const (
	sqliteDriverName   = "sqlite3"
	sqliteDriverModule = "github.com/ncruces/go-sqlite3"
)

// openSQLiteDB opens a pool of connections to a SQLite file, each set up
// with the PRAGMAs given and, for the writer, taking its lock at BEGIN.
func openSQLiteDB(file string, pragmas []string, immediate bool) (*sql.DB, error) {
	return sql.Open(sqliteDriverName, pragmaDSN(file, pragmas, immediate))
}

// sqliteCode is the extended result code of a SQLite error.
func sqliteCode(err error) (int, bool) {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		return int(se.ExtendedCode()), true
	}
	return 0, false
}
