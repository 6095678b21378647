//go:build !sqlite_ncruces && !sqlite_mattn

package store

import (
	"database/sql"
	"errors"

	"modernc.org/sqlite"
)

const (
	sqliteDriverName   = "sqlite"
	sqliteDriverModule = "modernc.org/sqlite"
)

// openSQLiteDB opens a pool of connections to a SQLite file, each set up
// with the PRAGMAs given and, for the writer, taking its lock at BEGIN.
func openSQLiteDB(file string, pragmas []string, immediate bool) (*sql.DB, error) {
	return sql.Open(sqliteDriverName, pragmaDSN(file, pragmas, immediate))
}

// sqliteCode is the extended result code of a SQLite error.
func sqliteCode(err error) (int, bool) {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code(), true
	}
	return 0, false
}
