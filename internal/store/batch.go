package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
)

// maxBatchParams bounds the parameters of one multi-row INSERT: SQLite
// allows 32,766 host parameters in a statement and PostgreSQL 65,535.
const maxBatchParams = 32000

// maxBatchRows bounds the rows of one INSERT, so that a narrow table's
// batch does not hold more rows in memory than it gains from.
const maxBatchRows = 1000

// An inserter writes rows to one table in multi-row INSERTs within a
// transaction. The statement of a full batch is prepared once and reused
// for every full batch; only the last, partial batch is parsed on its own.
// Rows are added with add and written with flush; close releases the
// prepared statement. On PostgreSQL each batch is written with COPY on the
// transaction's connection instead: the server parses no statement and
// plans nothing for it.
//
// On SQLite the statement is INSERT OR FAIL: a row that breaks a
// constraint stops it with the same error as INSERT's ABORT, keeping the
// rows before it, which the caller's transaction then undoes with the
// rest. What FAIL spares is the statement journal, SQLite's copy of every
// page a multi-row statement that might abort touches: a statement that
// cannot abort needs none. (An immediate foreign key still makes one
// abortable; the tables loaded in bulk take theirs deferred, migration
// 0065.)
type inserter struct {
	ctx     context.Context
	s       *Store
	tx      *sql.Tx
	table   string
	columns []string
	head    string // INSERT INTO table (columns) VALUES
	cols    int
	rows    int // rows per full batch
	label   string
	stmt    *sql.Stmt
	conn    *sql.Conn // the transaction's, for COPY on PostgreSQL
	args    []any
}

// newInserter prepares to write rows of the given columns (a comma
// separated list) into table; label names the records in errors.
func (s *Store) newInserter(ctx context.Context, tx *sql.Tx, table, columns, label string) *inserter {
	names := strings.Split(columns, ",")
	for i := range names {
		names[i] = strings.TrimSpace(names[i])
	}
	cols := len(names)
	rows := min(maxBatchRows, maxBatchParams/cols)
	verb := "INSERT INTO "
	if s.engine == SQLite {
		verb = "INSERT OR FAIL INTO "
	}
	return &inserter{ctx: ctx, s: s, tx: tx, table: table, columns: names, head: verb + table + " (" + columns + ") VALUES ",
		cols: cols, rows: rows, label: label, conn: s.txConn(tx), args: make([]any, 0, rows*cols)}
}

// add queues one row, its values in the order of the columns, and writes
// the batch when it is full.
func (b *inserter) add(values ...any) error {
	if len(values) != b.cols {
		return fmt.Errorf("store: %d values for the %d columns of %s", len(values), b.cols, b.label)
	}
	b.args = append(b.args, values...)
	if len(b.args) == b.rows*b.cols {
		if b.conn != nil {
			return b.copy()
		}
		if b.stmt == nil {
			stmt, err := b.tx.PrepareContext(b.ctx, b.s.rebind(b.statement(b.rows)))
			if err != nil {
				return translate(err, b.label)
			}
			b.stmt = stmt
		}
		if _, err := b.stmt.ExecContext(b.ctx, b.args...); err != nil {
			return translate(err, b.label)
		}
		b.args = b.args[:0]
	}
	return nil
}

// flush writes the rows queued since the last full batch.
func (b *inserter) flush() error {
	if len(b.args) == 0 {
		return nil
	}
	if b.conn != nil {
		return b.copy()
	}
	if _, err := b.tx.ExecContext(b.ctx, b.s.rebind(b.statement(len(b.args)/b.cols)), b.args...); err != nil {
		return translate(err, b.label)
	}
	b.args = b.args[:0]
	return nil
}

// copy writes the rows queued with COPY, on the connection of the
// transaction (PostgreSQL only).
func (b *inserter) copy() error {
	n := len(b.args) / b.cols
	err := b.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("store: COPY needs a pgx connection, not %T", dc)
		}
		_, err := c.Conn().CopyFrom(b.ctx, pgx.Identifier{b.table}, b.columns, pgx.CopyFromSlice(n, func(i int) ([]any, error) {
			return b.args[i*b.cols : (i+1)*b.cols], nil
		}))
		return err
	})
	if err != nil {
		return translate(err, b.label)
	}
	b.args = b.args[:0]
	return nil
}

// close releases the prepared statement; rows not flushed are dropped.
func (b *inserter) close() {
	if b.stmt != nil {
		b.stmt.Close()
		b.stmt = nil
	}
}

func (b *inserter) statement(rows int) string {
	one := "(?" + strings.Repeat(", ?", b.cols-1) + ")"
	var q strings.Builder
	q.Grow(len(b.head) + rows*(len(one)+2))
	q.WriteString(b.head)
	for i := range rows {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(one)
	}
	return q.String()
}

// pipeChunk is how many records the reading goroutine hands over at once.
const pipeChunk = 256

// pipe runs read in a goroutine of its own and hands what it emits, in
// chunks, to write in the caller's goroutine (where the transaction is):
// decoding a file and writing the database go on side by side, so that on
// two cores an import takes about the longer of the two rather than their
// sum. An error on either side stops both; write's error is the one
// returned when it is the cause.
func pipe[T, I any](ctx context.Context, read func(emit func(T) error) (I, error), write func(T) error) (I, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	chunks := make(chan []T, 4)
	type outcome struct {
		info I
		err  error
	}
	done := make(chan outcome, 1)
	go func() {
		defer close(chunks)
		send := func(c []T) error {
			// Checked first: once write has failed, the drain below makes
			// room in the channel, and a select would still pick the send.
			if err := ctx.Err(); err != nil {
				return err
			}
			select {
			case chunks <- c:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
		chunk := make([]T, 0, pipeChunk)
		info, err := read(func(v T) error {
			chunk = append(chunk, v)
			if len(chunk) < pipeChunk {
				return nil
			}
			err := send(chunk)
			chunk = make([]T, 0, pipeChunk)
			return err
		})
		if err == nil && len(chunk) > 0 {
			err = send(chunk)
		}
		done <- outcome{info, err}
	}()
	var werr error
	for chunk := range chunks {
		for _, v := range chunk {
			if werr != nil {
				break // drain what the reader sent before it saw the cancel
			}
			if werr = write(v); werr != nil {
				cancel()
			}
		}
	}
	r := <-done
	if werr != nil {
		return r.info, werr
	}
	return r.info, r.err
}

// deferIndexes prepares a bulk load into an empty table on SQLite: it
// drops the table's secondary indexes (those that enforce nothing: the
// unique ones stay, to refuse a duplicate as it arrives) and returns
// build, which creates them again, as they were, once the rows are in.
// Building an index sorts its keys once; keeping it as rows arrive puts
// each key at a random place of a growing B-tree. Both run in the load's
// transaction, so a failed load leaves the indexes as they were. A table
// that holds rows (of any organisation) keeps its indexes: rebuilding
// them would read every row. On PostgreSQL build does nothing.
func (s *Store) deferIndexes(ctx context.Context, tx *sql.Tx, table string) (build func() error, err error) {
	none := func() error { return nil }
	if s.engine != SQLite {
		return none, nil
	}
	var held int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM `+table+` LIMIT 1) x`).Scan(&held); err != nil {
		return nil, translate(err, table)
	}
	if held > 0 {
		return none, nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name`, table)
	if err != nil {
		return nil, translate(err, table)
	}
	var names, ddl []string
	for rows.Next() {
		var name, q string
		if err := rows.Scan(&name, &q); err != nil {
			rows.Close()
			return nil, translate(err, table)
		}
		names, ddl = append(names, name), append(ddl, q)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, table)
	}
	for _, name := range names {
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+name+`"`); err != nil {
			return nil, translate(err, table)
		}
	}
	return func() error {
		// Each build sorts every row's key: held to a quarter of the
		// writer's cache before it spills (a roster of 1,000,000 peaked at
		// 482 MiB with the whole cache, 341 MiB with a quarter).
		return s.withSmallSorts(ctx, tx, func() error {
			for _, q := range ddl {
				if _, err := tx.ExecContext(ctx, q); err != nil {
					return translate(err, table)
				}
			}
			return nil
		})
	}, nil
}
