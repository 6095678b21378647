package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"sync"

	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// QueueDriver is the River driver over this database, for the job engine:
// the same connections (on SQLite, the one writer) and the same
// transactions as every other change, so that a job is enqueued in the
// transaction of the change that asks for it.
func (s *Store) QueueDriver() riverdriver.Driver[*sql.Tx] {
	if s.engine == SQLite {
		return riversqlite.New(s.write)
	}
	return riverdatabasesql.New(s.write)
}

// migrateQueue brings River's own tables up to date, one migrator at a
// time: on SQLite in one write transaction, which is exclusive; on
// PostgreSQL a version a transaction (it cannot use an enum value in the
// transaction that adds it) under an advisory lock.
func (s *Store) migrateQueue(ctx context.Context) error {
	m, err := rivermigrate.New(s.QueueDriver(), nil)
	if err != nil {
		return errs.Wrap(errs.Internal, "the job queue's migrations", err)
	}
	if s.engine == SQLite {
		return s.inTx(ctx, func(tx *sql.Tx) error {
			// One transaction makes concurrent migrators of one file wait for
			// each other; the versions River cannot batch are PostgreSQL's.
			//lint:ignore SA1019 see above
			if _, err := m.MigrateTx(ctx, tx, rivermigrate.DirectionUp, nil); err != nil {
				return errs.Wrap(errs.Internal, "the job queue's migrations", err)
			}
			return nil
		})
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return translate(err, "migration lock")
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock(7215200001)"); err != nil {
		return translate(err, "migration lock")
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock(7215200001)")
	if _, err := m.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return errs.Wrap(errs.Internal, "the job queue's migrations", err)
	}
	return nil
}

// PendingJobs counts the background jobs not yet finished: waiting,
// running, or to be retried.
func (s *Store) PendingJobs(ctx context.Context) (int, error) {
	var n int
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT count(*) FROM river_job WHERE state IN ('available', 'pending', 'running', 'retryable', 'scheduled')`).Scan(&n)
	return n, translate(err, "jobs")
}

// TryLock takes the lock named key if no one holds it, and returns how to
// let it go. On PostgreSQL it is an advisory lock held by a connection of
// its own, so every server sees it and a server that dies lets it go with
// its connection; a SQLite file has one process, which holds its locks
// itself.
func (s *Store) TryLock(ctx context.Context, key string) (release func(), ok bool, err error) {
	if s.engine == SQLite {
		return s.locks.try(key)
	}
	conn, err := s.write.Conn(ctx)
	if err != nil {
		return nil, false, translate(err, "lock")
	}
	if err := conn.QueryRowContext(ctx, `SELECT pg_try_advisory_lock(hashtextextended($1, 7215200003))`, key).Scan(&ok); err != nil || !ok {
		conn.Close()
		return nil, false, translate(err, "lock")
	}
	return func() {
		// Closing the connection would let the lock go too; unlocking
		// first gives the connection back to the pool clean.
		if _, err := conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(hashtextextended($1, 7215200003))`, key); err != nil {
			// A connection that cannot let its lock go is dropped, which does.
			conn.Raw(func(any) error { return driver.ErrBadConn })
		}
		conn.Close()
	}, true, nil
}

type localLocks struct {
	mu   sync.Mutex
	held map[string]bool
}

func (l *localLocks) try(key string) (func(), bool, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.held[key] {
		return nil, false, nil
	}
	l.held[key] = true
	return func() {
		l.mu.Lock()
		delete(l.held, key)
		l.mu.Unlock()
	}, true, nil
}

// RequeueOrphanedJob makes a queue job that is still marked running, but
// whose server died (no one holds its lock), available again. It says
// whether the job was still running.
func (s *Store) RequeueOrphanedJob(ctx context.Context, id int64) (bool, error) {
	res, err := s.write.ExecContext(ctx, s.rebind(`UPDATE river_job SET state = 'available' WHERE id = ? AND state = 'running'`), id)
	if err != nil {
		return false, translate(err, "queue job")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}
