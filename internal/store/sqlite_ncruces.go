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

// sqliteCode is the extended result code of a SQLite error. The driver
// gives an *Error when SQLite says more than its code, and the code alone
// (an ExtendedErrorCode, or an ErrorCode) when it does not: a connection
// refused as busy while another switches the file to WAL is the latter.
func sqliteCode(err error) (int, bool) {
	var se *sqlite3.Error
	if errors.As(err, &se) {
		return int(se.ExtendedCode()), true
	}
	var xc sqlite3.ExtendedErrorCode
	if errors.As(err, &xc) {
		return int(xc), true
	}
	var c sqlite3.ErrorCode
	if errors.As(err, &c) {
		return int(c), true
	}
	return 0, false
}
