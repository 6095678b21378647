package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Migrations are forward-only SQL files named NNNN_name.sql, shared by both
// engines; NNNN_name.sqlite.sql and NNNN_name.postgres.sql replace the shared
// file for one engine where the dialects differ. A landed migration is never
// edited: its checksum is recorded and checked at every start.
//
//go:embed migrations/*.sql
var migrationFS embed.FS

// Migration is one schema version.
type Migration struct {
	Version  int
	Name     string
	SQL      string
	Checksum string
}

// AppliedMigration is a migration recorded in the database.
type AppliedMigration struct {
	Version   int
	Name      string
	AppliedAt string
}

// migrations returns the engine's migrations in order.
func migrations(engine string) ([]Migration, error) {
	files, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	shared, specific := map[int]Migration{}, map[int]Migration{}
	for _, f := range files {
		base := strings.TrimSuffix(strings.TrimPrefix(f, "migrations/"), ".sql")
		name, dialect, hasDialect := strings.Cut(base, ".")
		if hasDialect && dialect != engine {
			continue
		}
		num, rest, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNNN_name.sql", f)
		}
		data, err := migrationFS.ReadFile(f)
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		m := Migration{Version: v, Name: rest, SQL: string(data), Checksum: hex.EncodeToString(sum[:])}
		if hasDialect {
			specific[v] = m
		} else {
			shared[v] = m
		}
	}
	byVersion := shared
	for v, m := range specific {
		byVersion[v] = m // an engine's own file replaces the shared one
	}
	out := make([]Migration, 0, len(byVersion))
	for _, m := range byVersion {
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("migration %04d is missing", i+1)
		}
	}
	return out, nil
}

// Latest returns the schema version this binary migrates to.
func Latest() int {
	ms, err := migrations(SQLite)
	if err != nil || len(ms) == 0 {
		return 0
	}
	return ms[len(ms)-1].Version
}

const createMigrationsTable = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    checksum   TEXT NOT NULL,
    applied_at TEXT NOT NULL
)`

// Migrate applies every pending migration, each in its own transaction, and
// returns the ones it applied. Several processes may call it at once: on
// PostgreSQL an advisory lock serialises them, on SQLite the write lock does.
// Errors: Invalid when the database holds a migration this binary does not
// know or one whose text changed after it was applied.
func (s *Store) Migrate(ctx context.Context) ([]Migration, error) {
	ms, err := migrations(s.engine)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "migrations", err)
	}
	err = s.whileBusy(ctx, func() error {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			if err := s.migrationLock(ctx, tx); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, createMigrationsTable)
			return translate(err, "schema_migrations")
		})
	})
	if err != nil {
		return nil, err
	}
	var applied []Migration
	for _, m := range ms {
		var did bool
		err := s.whileBusy(ctx, func() (err error) {
			did, err = s.applyOne(ctx, m)
			return err
		})
		if err != nil {
			return applied, err
		}
		if did {
			applied = append(applied, m)
		}
	}
	if err := s.checkKnown(ctx, ms); err != nil {
		return applied, err
	}
	return applied, s.whileBusy(ctx, func() error { return s.migrateQueue(ctx) })
}

// migrateBusyFor is how long a migrator of a SQLite file keeps trying
// while other processes migrating the same file hold its write lock.
const migrateBusyFor = 2 * time.Minute

// whileBusy runs fn again while SQLite refuses it as busy: processes that
// start together migrate one file by turns, and busy_timeout, which waits
// for one turn, does not see a migrator through every other's turns on a
// loaded machine. Each try is a whole transaction, so a retry repeats
// nothing that landed.
func (s *Store) whileBusy(ctx context.Context, fn func() error) error {
	deadline := time.Now().Add(migrateBusyFor)
	for wait := 20 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		err := fn()
		code, ok := sqliteCode(err)
		if err == nil || s.engine != SQLite || !ok || (code&0xff != sqliteBusy && code&0xff != sqliteLocked) || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// migrationSteps are the steps of a migration SQL cannot take, run in its
// transaction after its SQL.
var migrationSteps = map[int]func(ctx context.Context, s *Store, tx *sql.Tx) error{
	66: rekeyPeople,
	67: rekeyAccounts,
}

// rekeyPeople gives every person the keys personKeys computes: the SQL of
// migration 0066 lower-cases with the database's lower(), which on SQLite
// folds ASCII letters only.
func rekeyPeople(ctx context.Context, s *Store, tx *sql.Tx) error {
	return rekeyRows(ctx, s, tx, `SELECT id, employee_id, name, email, employee_key, email_key, name_key, local_key FROM people WHERE id > ? ORDER BY id LIMIT ?`,
		`UPDATE people SET employee_key = ?, email_key = ?, name_key = ?, local_key = ? WHERE id = ?`,
		func(rows *sql.Rows) (string, []any, error) {
			var id, employeeID, name, email string
			var k [4]string
			if err := rows.Scan(&id, &employeeID, &name, &email, &k[0], &k[1], &k[2], &k[3]); err != nil {
				return "", nil, err
			}
			if want := personKeys(employeeID, name, email); want != k {
				return id, []any{want[0], want[1], want[2], want[3]}, nil
			}
			return id, nil, nil
		})
}

// rekeyAccounts gives every account the employee key the import computes
// (strings.ToLower, as identity.Key does), where the SQL of migration 0067
// gave another: only an id with capitals outside ASCII differs, so only
// the few that differ are written.
func rekeyAccounts(ctx context.Context, s *Store, tx *sql.Tx) error {
	return rekeyRows(ctx, s, tx, `SELECT id, employee_id, employee_key FROM accounts WHERE id > ? AND employee_id <> '' ORDER BY id LIMIT ?`,
		`UPDATE accounts SET employee_key = ? WHERE id = ?`,
		func(rows *sql.Rows) (string, []any, error) {
			var id, employeeID, key string
			if err := rows.Scan(&id, &employeeID, &key); err != nil {
				return "", nil, err
			}
			if want := strings.ToLower(employeeID); want != key {
				return id, []any{want}, nil
			}
			return id, nil, nil
		})
}

// rekeyRows walks a table a slice at a time in id order (query takes the
// last id read and the slice's size) and, for each row whose stored keys
// stale finds out of date (it returns the row's id and, when stale, the
// keys to store), runs update with those keys and the id.
func rekeyRows(ctx context.Context, s *Store, tx *sql.Tx, query, update string, stale func(*sql.Rows) (id string, keys []any, err error)) error {
	type rekey struct {
		id   string
		keys []any
	}
	after := ""
	for {
		rows, err := tx.QueryContext(ctx, s.rebind(query), after, peopleSlice)
		if err != nil {
			return err
		}
		var todo []rekey
		n := 0
		for rows.Next() {
			id, keys, err := stale(rows)
			if err != nil {
				rows.Close()
				return err
			}
			n, after = n+1, id
			if keys != nil {
				todo = append(todo, rekey{id, keys})
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		for _, r := range todo {
			if _, err := tx.ExecContext(ctx, s.rebind(update), append(r.keys, r.id)...); err != nil {
				return err
			}
		}
		if n < peopleSlice {
			return nil
		}
	}
}

// foreignKeysOff is the line that marks a SQLite migration to run with
// foreign keys off: one that rebuilds a table other tables refer to
// (SQLite cannot alter a table's keys in place, and dropping the old table
// with keys on would delete what refers to it). Before it commits, every
// key is checked (PRAGMA foreign_key_check), as SQLite's own procedure for
// such changes does.
const foreignKeysOff = "-- safeguard: foreign_keys off"

func (s *Store) applyOne(ctx context.Context, m Migration) (bool, error) {
	did := false
	apply := func(tx *sql.Tx) error {
		if err := s.migrationLock(ctx, tx); err != nil {
			return err
		}
		var sum string
		err := tx.QueryRowContext(ctx, s.rebind("SELECT checksum FROM schema_migrations WHERE version = ?"), m.Version).Scan(&sum)
		switch {
		case err == nil:
			if sum != m.Checksum {
				return errs.New(errs.Invalid, fmt.Sprintf("migration %04d_%s was changed after it was applied to this database; migrations are never edited once landed", m.Version, m.Name))
			}
			return nil
		case err != sql.ErrNoRows:
			return translate(err, "schema_migrations")
		}
		if _, err := tx.ExecContext(ctx, m.SQL); err != nil {
			return errs.Wrap(errs.Internal, fmt.Sprintf("migration %04d_%s", m.Version, m.Name), err)
		}
		if after := migrationSteps[m.Version]; after != nil {
			if err := after(ctx, s, tx); err != nil {
				return errs.Wrap(errs.Internal, fmt.Sprintf("migration %04d_%s", m.Version, m.Name), err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.rebind("INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?, ?, ?, ?)"),
			m.Version, m.Name, m.Checksum, formatTime(s.now())); err != nil {
			return translate(err, "schema_migrations")
		}
		did = true
		return nil
	}
	if s.engine != SQLite || !strings.Contains(m.SQL, foreignKeysOff) {
		return did, s.inTx(ctx, apply)
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return false, translate(err, "migration")
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "PRAGMA foreign_keys = OFF"); err != nil {
		return false, translate(err, "migration")
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA foreign_keys = ON")
	err = s.inConnTx(ctx, conn, func(tx *sql.Tx) error {
		if err := apply(tx); err != nil || !did {
			return err
		}
		var table, parent string
		var rowid, key sql.NullInt64
		err := tx.QueryRowContext(ctx, "PRAGMA foreign_key_check").Scan(&table, &rowid, &parent, &key)
		switch {
		case err == sql.ErrNoRows:
			return nil
		case err != nil:
			return translate(err, "migration")
		}
		return errs.New(errs.Internal, fmt.Sprintf("migration %04d_%s: a row of %s refers to no row of %s", m.Version, m.Name, table, parent))
	})
	return did, err
}

// migrationLock lets one migrator at a time, across every node sharing a
// PostgreSQL database, into the transaction. (SQLite's write transactions
// are already exclusive.)
func (s *Store) migrationLock(ctx context.Context, tx *sql.Tx) error {
	if s.engine != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7215200001)")
	return translate(err, "migration lock")
}

// checkKnown refuses a database migrated by a newer binary.
func (s *Store) checkKnown(ctx context.Context, ms []Migration) error {
	v, err := s.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	if len(ms) > 0 && v > ms[len(ms)-1].Version {
		return errs.New(errs.Invalid, fmt.Sprintf("the database is at schema version %d, newer than this binary's %d: upgrade Safeguard", v, ms[len(ms)-1].Version))
	}
	return nil
}

// SchemaVersion returns the highest applied migration, 0 for a new database.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	exists := "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations'"
	if s.engine == Postgres {
		exists = "SELECT COUNT(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = 'schema_migrations'"
	}
	var n int
	if err := s.reader(ctx).QueryRowContext(ctx, exists).Scan(&n); err != nil {
		return 0, translate(err, "schema_migrations")
	}
	if n == 0 {
		return 0, nil // a new database
	}
	var v sql.NullInt64
	if err := s.reader(ctx).QueryRowContext(ctx, "SELECT MAX(version) FROM schema_migrations").Scan(&v); err != nil {
		return 0, translate(err, "schema_migrations")
	}
	return int(v.Int64), nil
}

// AppliedMigrations lists the migrations recorded in the database.
func (s *Store) AppliedMigrations(ctx context.Context) ([]AppliedMigration, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, "SELECT version, name, applied_at FROM schema_migrations ORDER BY version")
	if err != nil {
		return nil, translate(err, "schema_migrations")
	}
	defer rows.Close()
	var out []AppliedMigration
	for rows.Next() {
		var a AppliedMigration
		if err := rows.Scan(&a.Version, &a.Name, &a.AppliedAt); err != nil {
			return nil, translate(err, "schema_migrations")
		}
		out = append(out, a)
	}
	return out, translate(rows.Err(), "schema_migrations")
}
