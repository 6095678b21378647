// Package store keeps Safeguard's records in SQLite (the embedded default)
// or PostgreSQL, behind one set of methods and one set of migrations. Driver
// errors are translated to errs kinds here, by code, and nowhere else.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Engine names.
const (
	SQLite   = "sqlite"
	Postgres = "postgres"
)

// Store is a handle on the database. Methods are safe for concurrent use.
type Store struct {
	engine string
	// write takes every mutation; on SQLite it is one connection, so writers
	// queue in the process instead of failing with SQLITE_BUSY. read serves
	// queries from a pool. On PostgreSQL both are the same pool. heavy is a
	// small pool of its own for the reads that go over many rows (the open
	// findings, the trend, every account, a whole register), so that the
	// light pages never wait behind them for a connection.
	write *sql.DB
	read  *sql.DB
	heavy *sql.DB
	where string // the database, without credentials, for messages
	now   func() time.Time
	// matching and checks are the rules' data Open was given.
	matching Matching
	checks   []CheckDef
	// progress and locks are shared by the copies WithClock makes.
	progress *progress
	locks    *localLocks
	// txConns holds, on PostgreSQL, the connection of each write
	// transaction open, so that a bulk insert can COPY on it (see
	// inserter).
	txConns *sync.Map
	// auditSigner, when set (SignAuditWith), signs a checkpoint of the
	// audit chain every AuditCheckpointEvery entries.
	auditSigner *atomic.Pointer[auditSigner]
}

// Options tune Open.
type Options struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// ConnectTimeout bounds the first contact with PostgreSQL (default 5s).
	ConnectTimeout time.Duration
	// Matching is how imported accounts are matched to the roster
	// (identity.Matching); accounts stay unmatched without it.
	Matching Matching
	// Checks are the checks' definitions (check.Catalog): stored results
	// are read back with their check's and in its order.
	Checks []CheckDef
}

// Open connects to the database named by dsn — a PostgreSQL URL
// (postgres://…) or a SQLite file path (or file: URI) — and checks that it
// answers. It does not migrate; call Migrate. Errors: Invalid for a
// malformed dsn, Unavailable when the database cannot be reached.
func Open(ctx context.Context, dsn string, opt Options) (*Store, error) {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.ConnectTimeout == 0 {
		opt.ConnectTimeout = 5 * time.Second
	}
	dsn = strings.TrimSpace(dsn)
	var s *Store
	var err error
	switch {
	case dsn == "":
		return nil, errs.New(errs.Invalid, "no database given: set --db or SAFEGUARD_DB to a file path or a postgres:// URL")
	case strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://"):
		s, err = openPostgres(dsn, opt)
	case strings.Contains(dsn, "://"):
		scheme, _, _ := strings.Cut(dsn, "://")
		return nil, errs.New(errs.Invalid, fmt.Sprintf("database %q: unsupported scheme %q (use a file path for SQLite or a postgres:// URL)", redact(dsn), scheme))
	default:
		s, err = openSQLite(dsn)
	}
	if err != nil {
		return nil, err
	}
	s.now, s.matching, s.checks = opt.Now, opt.Matching, opt.Checks
	s.progress, s.locks, s.txConns, s.auditSigner = &progress{}, &localLocks{held: map[string]bool{}}, &sync.Map{}, &atomic.Pointer[auditSigner]{}
	pctx, cancel := context.WithTimeout(ctx, opt.ConnectTimeout)
	defer cancel()
	for {
		err := s.Ping(pctx)
		if err == nil {
			return s, nil
		}
		// A new connection to a SQLite file that another process is
		// switching to WAL, or recovering, can be refused as busy at once,
		// without waiting out busy_timeout: it tries again.
		if code, ok := sqliteCode(err); ok && s.engine == SQLite && code&0xff == sqliteBusy && pctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
			continue
		}
		s.Close()
		return nil, err
	}
}

func openSQLite(path string) (*Store, error) {
	file := strings.TrimPrefix(path, "file:")
	if i := strings.IndexByte(file, '?'); i >= 0 {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("database %q: give SQLite a plain file path; Safeguard sets the connection options itself", path))
	}
	if dir := filepath.Dir(file); dir != "." {
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("database %q: folder %s does not exist", path, dir))
		}
	}
	// The writer's page cache is 64 MiB rather than SQLite's 2 MiB: a large
	// import updates indexes all over the file, and with the default cache
	// every page it revisits is read from the file again. The readers keep
	// 16 MiB each. Both are ceilings, filled only as pages are used.
	writer := append(slices.Clip(sqlitePragmas), fmt.Sprintf("cache_size(-%d)", writerCacheKiB))
	reader := append(slices.Clip(sqlitePragmas), fmt.Sprintf("cache_size(-%d)", readerCacheKiB))
	write, err := openSQLiteDB(file, writer, true)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "database "+path, err)
	}
	write.SetMaxOpenConns(1)
	write.SetConnMaxLifetime(0)
	read, err := openSQLiteDB(file, reader, false)
	if err != nil {
		write.Close()
		return nil, errs.Wrap(errs.Invalid, "database "+path, err)
	}
	read.SetMaxOpenConns(4)
	heavy, err := openSQLiteDB(file, reader, false)
	if err != nil {
		write.Close()
		read.Close()
		return nil, errs.Wrap(errs.Invalid, "database "+path, err)
	}
	heavy.SetMaxOpenConns(heavyConns)
	return &Store{engine: SQLite, write: write, read: read, heavy: heavy, where: "SQLite file " + file}, nil
}

func openPostgres(dsn string, opt Options) (*Store, error) {
	u, err := url.Parse(dsn)
	if err != nil || u.Host == "" {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("database %q: not a valid postgres:// URL", redact(dsn)))
	}
	q := u.Query()
	if q.Get("connect_timeout") == "" {
		q.Set("connect_timeout", strconv.Itoa(int(opt.ConnectTimeout.Seconds())))
		u.RawQuery = q.Encode()
	}
	if _, err := pgconn.ParseConfig(u.String()); err != nil {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("database %q: %v", redact(dsn), firstLine(err)))
	}
	db, err := sql.Open("pgx", u.String())
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "database "+redact(dsn), err)
	}
	db.SetMaxOpenConns(20)
	db.SetMaxIdleConns(5)
	db.SetConnMaxIdleTime(5 * time.Minute)
	heavy, err := sql.Open("pgx", u.String())
	if err != nil {
		db.Close()
		return nil, errs.Wrap(errs.Invalid, "database "+redact(dsn), err)
	}
	heavy.SetMaxOpenConns(heavyConns)
	heavy.SetMaxIdleConns(1)
	heavy.SetConnMaxIdleTime(5 * time.Minute)
	return &Store{engine: Postgres, write: db, read: db, heavy: heavy, where: "PostgreSQL at " + u.Host + u.Path}, nil
}

// redact removes the password from a database URL.
func redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return dsn
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}

func firstLine(err error) string {
	s := err.Error()
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	return s
}

// WithClock returns a handle on the same database whose records are dated
// by now: for seeding a demonstration's history. Close the original, not
// the copy.
func (s *Store) WithClock(now func() time.Time) *Store {
	c := *s
	c.now = now
	return &c
}

// Engine returns SQLite or Postgres.
func (s *Store) Engine() string { return s.engine }

// Where describes the database for messages, without credentials.
func (s *Store) Where() string { return s.where }

// Ping checks that the database answers. Errors: Unavailable.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.write.PingContext(ctx); err != nil {
		return errs.Wrap(errs.Unavailable, "cannot reach the database ("+s.where+")", err)
	}
	for _, db := range []*sql.DB{s.read, s.heavy} {
		if db != s.write {
			if err := db.PingContext(ctx); err != nil {
				return errs.Wrap(errs.Unavailable, "cannot reach the database ("+s.where+")", err)
			}
		}
	}
	return nil
}

// Close releases the database.
func (s *Store) Close() error {
	err := errors.Join(s.write.Close(), s.heavy.Close())
	if s.read != s.write {
		err = errors.Join(err, s.read.Close())
	}
	return err
}

// heavyConns is how many connections the reads over many rows share.
const heavyConns = 2

type heavyKey struct{}

// heavy marks ctx as a read over many rows: it runs on the heavy pool.
func heavy(ctx context.Context) context.Context { return context.WithValue(ctx, heavyKey{}, true) }

// reader is the pool a read in ctx runs on.
func (s *Store) reader(ctx context.Context) *sql.DB {
	if ctx.Value(heavyKey{}) != nil {
		return s.heavy
	}
	return s.read
}

// rebind turns the ? placeholders the queries are written with into
// PostgreSQL's $1, $2, … The queries hold no literal question marks.
func (s *Store) rebind(q string) string {
	if s.engine != Postgres {
		return q
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteByte(q[i])
	}
	return b.String()
}

// timeFormat is fixed-width so that text order is time order.
const timeFormat = "2006-01-02T15:04:05.000000Z"

func formatTime(t time.Time) string { return t.UTC().Format(timeFormat) }

func parseTime(s string) (time.Time, error) { return time.Parse(timeFormat, s) }

// The page caches of SQLite's connections, in KiB: the writer's, each
// reader's.
const (
	writerCacheKiB = 65536
	readerCacheKiB = 16384
)

// translate maps a driver error to an errs kind, by the driver's code.
// what names the record for the message ("organisation").
func translate(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return errs.Wrap(errs.NotFound, what+" not found", err)
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return errs.Wrap(errs.Unavailable, "reading "+what+" was stopped before it finished (a page has a time limit, serve --read-limit): narrow its filter, or try again later", err)
	}
	if code, ok := sqliteCode(err); ok {
		switch code {
		case sqliteConstraintUnique, sqliteConstraintPK:
			return errs.Wrap(errs.Conflict, what+" already exists", err)
		case sqliteConstraintFK:
			return errs.Wrap(errs.Invalid, what+" refers to a record that does not exist, or is still referred to", err)
		case sqliteConstraintNull, sqliteConstraintCheck:
			return errs.Wrap(errs.Invalid, what+" is missing a required value", err)
		case sqliteBusy, sqliteLocked:
			return errs.Wrap(errs.Unavailable, "the database is busy", err)
		case sqliteInterrupt: // a query cancelled with its context
			return errs.Wrap(errs.Unavailable, "reading "+what+" was stopped before it finished (a page has a time limit, serve --read-limit): narrow its filter, or try again later", err)
		}
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return errs.Wrap(errs.Conflict, what+" already exists", err)
		case "23503":
			return errs.Wrap(errs.Invalid, what+" refers to a record that does not exist, or is still referred to", err)
		case "23502", "23514":
			return errs.Wrap(errs.Invalid, what+" is missing a required value", err)
		case "57014": // query_canceled: its context ended
			return errs.Wrap(errs.Unavailable, "reading "+what+" was stopped before it finished (a page has a time limit, serve --read-limit): narrow its filter, or try again later", err)
		}
		if strings.HasPrefix(pe.Code, "08") || strings.HasPrefix(pe.Code, "57P") {
			return errs.Wrap(errs.Unavailable, "cannot reach the database", err)
		}
	}
	return errs.Wrap(errs.Internal, "", err)
}

// inTx runs fn in a write transaction, committing if it returns nil.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	// The transaction runs on a connection kept beside it: on PostgreSQL
	// for COPY, on SQLite to end a transaction whose COMMIT failed.
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return translate(err, "transaction")
	}
	defer conn.Close()
	return s.inConnTx(ctx, conn, fn)
}

// inConnTx is inTx on a connection of the write pool the caller holds.
func (s *Store) inConnTx(ctx context.Context, conn *sql.Conn, fn func(tx *sql.Tx) error) error {
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return translate(err, "transaction")
	}
	if s.engine == Postgres {
		s.txConns.Store(tx, conn)
		defer s.txConns.Delete(tx)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		if s.engine == SQLite {
			// A deferred foreign key broken at COMMIT can leave SQLite's
			// transaction open: undo it, so that the connection goes back
			// to the pool with nothing pending (an error here means there
			// was nothing left to undo).
			conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
		return translate(err, "transaction")
	}
	return nil
}

// txConn is the connection of a write transaction on PostgreSQL, or nil.
func (s *Store) txConn(tx *sql.Tx) *sql.Conn {
	if c, ok := s.txConns.Load(tx); ok {
		return c.(*sql.Conn)
	}
	return nil
}

// Pragma returns a SQLite PRAGMA's value as the read pool sees it.
func (s *Store) Pragma(ctx context.Context, name string) (string, error) {
	if s.engine != SQLite {
		return "", errs.New(errs.Invalid, "PRAGMA is SQLite's")
	}
	var v string
	err := s.reader(ctx).QueryRowContext(ctx, "PRAGMA "+name).Scan(&v)
	return v, translate(err, "pragma")
}
