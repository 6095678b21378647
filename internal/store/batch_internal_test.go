package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Every row lands, whether the count fills whole batches, leaves a partial
// one, or is a single row; a second table's inserter in the same
// transaction keeps its own statement.
func TestInserterWritesEveryRow(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if _, err := s.write.ExecContext(ctx, `CREATE TABLE batch_test (n INTEGER PRIMARY KEY, label TEXT NOT NULL, half INTEGER NOT NULL)`); err != nil {
			t.Fatal(err)
		}
		per := min(maxBatchRows, maxBatchParams/3)
		for _, count := range []int{1, per - 1, per, per + 1, 2*per + 7} {
			err := s.inTx(ctx, func(tx *sql.Tx) error {
				if _, err := tx.ExecContext(ctx, `DELETE FROM batch_test`); err != nil {
					return err
				}
				ins := s.newInserter(ctx, tx, "batch_test", "n, label, half", "test rows")
				defer ins.close()
				for i := range count {
					if err := ins.add(i, fmt.Sprintf("row %d", i), i/2); err != nil {
						return err
					}
				}
				return ins.flush()
			})
			if err != nil {
				t.Fatalf("%d rows: %v", count, err)
			}
			var n, sum int
			var last string
			if err := s.read.QueryRowContext(ctx, `SELECT count(*), COALESCE(sum(n), 0), COALESCE(max(label), '') FROM batch_test`).Scan(&n, &sum, &last); err != nil {
				t.Fatal(err)
			}
			if n != count || sum != count*(count-1)/2 {
				t.Errorf("%d rows added: %d stored, summing to %d", count, n, sum)
			}
		}
		// A row of the wrong width is refused, not written.
		err := s.inTx(ctx, func(tx *sql.Tx) error {
			ins := s.newInserter(ctx, tx, "batch_test", "n, label, half", "test rows")
			defer ins.close()
			return ins.add(1, "short")
		})
		if err == nil {
			t.Error("a row of two values for three columns was accepted")
		}
		// A conflict in a full batch is the store's conflict error.
		err = s.inTx(ctx, func(tx *sql.Tx) error {
			ins := s.newInserter(ctx, tx, "batch_test", "n, label, half", "test rows")
			defer ins.close()
			for i := range per {
				if err := ins.add(0, "same key", i); err != nil {
					return err
				}
			}
			return ins.flush()
		})
		if !errs.Is(err, errs.Conflict) {
			t.Errorf("duplicate keys in one batch: %v, want a conflict", err)
		}
	})
}

// pipe hands every emitted record to write in order and returns what read
// returned; an error on either side stops both and is the one returned.
func TestPipe(t *testing.T) {
	ctx := context.Background()
	const n = 10*pipeChunk + 3
	read := func(stopAt int, fail error) func(emit func(int) error) (string, error) {
		return func(emit func(int) error) (string, error) {
			for i := range n {
				if i == stopAt {
					return "partial", fail
				}
				if err := emit(i); err != nil {
					return "stopped", fmt.Errorf("record %d: %w", i, err)
				}
			}
			return "whole", nil
		}
	}

	var got []int
	info, err := pipe(ctx, read(-1, nil), func(v int) error { got = append(got, v); return nil })
	if err != nil || info != "whole" || len(got) != n {
		t.Fatalf("whole read: %q, %v, %d records", info, err, len(got))
	}
	for i, v := range got {
		if v != i {
			t.Fatalf("record %d arrived as %d", i, v)
		}
	}

	// The reader fails: its error is returned, and nothing past the failure
	// reaches the writer (the import's transaction then rolls back).
	bad := errors.New("line 600: not a number")
	got = got[:0]
	info, err = pipe(ctx, read(600, bad), func(v int) error { got = append(got, v); return nil })
	if !errors.Is(err, bad) || info != "partial" || len(got) > 600 {
		t.Errorf("failed read: %q, %v, %d records written", info, err, len(got))
	}

	// The writer fails: the reader is stopped and the writer's error returned.
	full := errors.New("disk full")
	writes := 0
	info, err = pipe(ctx, read(-1, nil), func(v int) error {
		writes++
		if v == 300 {
			return full
		}
		return nil
	})
	if !errors.Is(err, full) || info != "stopped" || writes != 301 {
		t.Errorf("failed write: %q, %v after %d writes", info, err, writes)
	}
}
