package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
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

// A bulk load into an empty SQLite table drops the secondary indexes
// (not the unique ones) and builds them again as they were; a failed load
// leaves them as they were, and a table holding rows keeps them.
func TestDeferIndexes(t *testing.T) {
	ctx := context.Background()
	s := openForTest(t, t.TempDir()+"/idx.db")
	indexes := func(q interface {
		QueryContext(context.Context, string, ...any) (*sql.Rows, error)
	}) string {
		t.Helper()
		rows, err := q.QueryContext(ctx, `SELECT name || ': ' || sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'people' AND sql IS NOT NULL ORDER BY name`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				t.Fatal(err)
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	before := indexes(s.read)
	if !strings.Contains(before, "people_email") || !strings.Contains(before, "CREATE UNIQUE INDEX people_employee_id") {
		t.Fatalf("the people's indexes before:\n%s", before)
	}
	// A failed load: dropped inside, as they were after.
	failed := errors.New("line 7: no name")
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.deferIndexes(ctx, tx, "people"); err != nil {
			return err
		}
		if during := indexes(tx); during != "people_employee_id: CREATE UNIQUE INDEX people_employee_id ON people (org_id, employee_key)" {
			t.Errorf("indexes during the load:\n%s", during)
		}
		return failed
	})
	if !errors.Is(err, failed) {
		t.Fatal(err)
	}
	if after := indexes(s.read); after != before {
		t.Errorf("indexes after a failed load:\n%s\nwant\n%s", after, before)
	}
	// A load that lands: built again, the same.
	o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider, WorkforceSize: 5, Sites: 1}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		build, err := s.deferIndexes(ctx, tx, "people")
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO people (id, org_id, employee_id, name, email, type, access, systems, created_at, updated_at, employee_key, email_key, name_key, local_key)
			VALUES ('p1', ?, 'E-1', 'Ana Ruiz', 'ana@x.example', 'employee', 'none', '[]', 't', 't', 'e-1', 'ana@x.example', 'ana ruiz', 'ana')`, o.ID); err != nil {
			return err
		}
		return build()
	})
	if err != nil {
		t.Fatal(err)
	}
	if after := indexes(s.read); after != before {
		t.Errorf("indexes after a load:\n%s\nwant\n%s", after, before)
	}
	// The table holds a row now: nothing is dropped.
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.deferIndexes(ctx, tx, "people"); err != nil {
			return err
		}
		if during := indexes(tx); during != before {
			t.Errorf("indexes of a table with rows, during a load:\n%s", during)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
