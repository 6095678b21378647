//go:build sqlite_mattn

package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"strings"

	"github.com/mattn/go-sqlite3"
)

const (
	sqliteDriverName   = "sqlite3"
	sqliteDriverModule = "github.com/mattn/go-sqlite3"
)

// openSQLiteDB opens a pool of connections to a SQLite file, each set up
// with the PRAGMAs given and, for the writer, taking its lock at BEGIN.
// The driver's DSN knows only some PRAGMAs, each in a form of its own, so
// each connection runs them as statements when it opens.
func openSQLiteDB(file string, pragmas []string, immediate bool) (*sql.DB, error) {
	d := &sqlite3.SQLiteDriver{ConnectHook: func(c *sqlite3.SQLiteConn) error {
		for _, p := range pragmas {
			name, value, _ := strings.Cut(p, "(")
			if _, err := c.Exec("PRAGMA "+name+" = "+strings.TrimSuffix(value, ")"), nil); err != nil {
				return err
			}
		}
		return nil
	}}
	dsn := "file:" + file
	if immediate {
		dsn += "?_txlock=immediate"
	}
	return sql.OpenDB(connector{d, dsn}), nil
}

type connector struct {
	d   *sqlite3.SQLiteDriver
	dsn string
}

func (c connector) Connect(context.Context) (driver.Conn, error) { return c.d.Open(c.dsn) }
func (c connector) Driver() driver.Driver                        { return c.d }

// sqliteCode is the extended result code of a SQLite error.
func sqliteCode(err error) (int, bool) {
	var se sqlite3.Error
	if errors.As(err, &se) {
		return int(se.ExtendedCode), true
	}
	return 0, false
}
