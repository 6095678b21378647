package ingest

import (
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"slices"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tabular"
)

// csvTable is a streamed CSV export: its header mapped to fields, and
// the problems of its rows, each named by line and column.
type csvTable struct {
	file     string
	in       *countingHasher
	rows     *tabular.CSVRows
	col      map[string]int // field → index
	header   []string
	line     int
	problems []string
	more     int
}

// sizeLimit names the counting hasher's size limit as Safeguard's error,
// which the CSV reader passes on as it is.
type sizeLimit struct{ in *countingHasher }

func (l sizeLimit) Read(p []byte) (int, error) {
	n, err := l.in.Read(p)
	if errors.Is(err, errTooLarge) {
		err = errs.New(errs.TooLarge, fmt.Sprintf("%s is larger than %d MiB", l.in.file, l.in.max>>20))
	}
	return n, err
}

// openCSV reads a CSV file's header, mapping cols to their columns; label
// names the kind of file in errors. Up to preamble rows before the header
// (a report's title lines) are passed over: the header is the first row
// carrying every required column.
func openCSV(file string, r io.Reader, cols []column, label string, max int64, preamble int) (*csvTable, error) {
	t := &csvTable{file: file, in: counting(file, r, max), col: map[string]int{}}
	var err error
	if t.rows, err = tabular.NewCSVRows(file, sizeLimit{t.in}); err != nil {
		return nil, err
	}
	var notHeader error // why the first row is not the header
	for skipped := 0; ; skipped++ {
		header, err := t.rows.Next()
		if errors.Is(err, io.EOF) {
			if notHeader != nil {
				return nil, notHeader
			}
			return nil, errs.New(errs.Invalid, file+" is empty")
		}
		if err != nil {
			return nil, err
		}
		line := t.rows.Line()
		missing, dup := t.mapHeader(header, cols, line)
		if len(missing) > 0 {
			if notHeader == nil {
				notHeader = errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: no column %s, which a %s has (is this the right file?)", file, line, strings.Join(quoteAll(missing), " or "), label))
			}
			if skipped < preamble {
				continue
			}
			return nil, notHeader
		}
		if dup != nil {
			return nil, dup
		}
		t.line = line
		return t, nil
	}
}

// mapHeader maps cols to a header row's columns, returning the names of
// the required ones it lacks, and an error when two of its columns are
// the same.
func (t *csvTable) mapHeader(header []string, cols []column, line int) (missing []string, dup error) {
	t.header = slices.Clone(header)
	clear(t.col)
	names := map[string]int{} // normalised name → index
	for i, h := range t.header {
		n := normHeader(h)
		if first, ok := names[n]; ok && n != "" && dup == nil {
			dup = errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: columns %q and %q are the same column", t.file, line, t.header[first], h))
		}
		if _, ok := names[n]; !ok {
			names[n] = i
		}
	}
	for _, c := range cols {
		for _, n := range c.names {
			if i, ok := names[normHeader(n)]; ok {
				t.col[c.field] = i
				break
			}
		}
		if _, ok := t.col[c.field]; !ok && c.required {
			missing = append(missing, c.names[0])
		}
	}
	return missing, dup
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = fmt.Sprintf("%q", s)
	}
	return out
}

// unused lists the columns no field reads.
func (t *csvTable) unused() []string {
	used := map[int]bool{}
	for _, i := range t.col {
		used[i] = true
	}
	var out []string
	for i, h := range t.header {
		if !used[i] {
			out = append(out, strings.TrimPrefix(h, "\ufeff"))
		}
	}
	return out
}

// next reads the next row; false at the end.
func (t *csvTable) next() ([]string, bool, error) {
	rec, err := t.rows.Next()
	if errors.Is(err, io.EOF) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, err
	}
	t.line = t.rows.Line()
	return rec, true, nil
}

// blankRow says whether every cell of a row is empty.
func blankRow(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// scan calls fn for each row that is not blank, in order, and then gives
// the problems the rows had (t.err), unless fn or the file failed first.
func (t *csvTable) scan(fn func(rec []string) error) error {
	for {
		rec, ok, err := t.next()
		if err != nil {
			return err
		}
		if !ok {
			return t.err()
		}
		if blankRow(rec) {
			continue // an empty line, or a row of empty cells as spreadsheets save them
		}
		if err := fn(rec); err != nil {
			return err
		}
	}
}

// get is a row's value of a field, "" when the export lacks the column.
func (t *csvTable) get(rec []string, field string) string {
	i, ok := t.col[field]
	if !ok || i >= len(rec) {
		return ""
	}
	v := strings.TrimSpace(rec[i])
	if len(v) > MaxCell {
		t.fail(field, fmt.Sprintf("%d bytes long; a cell Safeguard keeps is at most %d KiB", len(v), MaxCell>>10))
		return ""
	}
	return v
}

// MaxCell bounds a cell Safeguard keeps from a CSV export (a name, a list
// of groups), so that no page or API answer listing them carries more than
// a page of such cells: a longer one is a problem of its row.
const MaxCell = 64 << 10

func (t *csvTable) has(field string) bool { _, ok := t.col[field]; return ok }

// fail records a problem with a row's field.
func (t *csvTable) fail(field, msg string) {
	if len(t.problems) >= 20 {
		t.more++
		return
	}
	where := fmt.Sprintf("line %d", t.line)
	if i, ok := t.col[field]; ok {
		where += fmt.Sprintf(", column %q", strings.TrimPrefix(t.header[i], "\ufeff"))
	}
	if p := where + ": " + msg; len(t.problems) == 0 || t.problems[len(t.problems)-1] != p {
		t.problems = append(t.problems, p)
	}
}

func (t *csvTable) err() error {
	if len(t.problems) == 0 {
		return nil
	}
	msg := t.file + ": not imported:\n" + strings.Join(t.problems, "\n")
	if t.more > 0 {
		msg += fmt.Sprintf("\n… and %d more", t.more)
	}
	return errs.New(errs.Invalid, msg)
}

// each calls fn for every non-blank row whose login is present and not
// seen before (a missing or repeated login is named, and the row skipped);
// fn returns whether it passed the row on.
func (t *csvTable) each(missing string, fn func(rec []string, login string) (bool, error)) (int, error) {
	seen := map[uint64]int{}
	seed := maphash.MakeSeed()
	n := 0
	for {
		rec, ok, err := t.next()
		if err != nil {
			return 0, err
		}
		if !ok {
			return n, nil
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		login := t.get(rec, "login")
		if login == "" {
			t.fail("login", missing)
			continue
		}
		key := maphash.String(seed, strings.ToLower(login))
		if first, dup := seen[key]; dup {
			t.fail("login", fmt.Sprintf("%s appears twice (first on line %d)", login, first))
			continue
		}
		seen[key] = t.line
		passed, err := fn(rec, login)
		if err != nil {
			return 0, err
		}
		if passed {
			n++
		}
	}
}
