// Package tabular reads the tables people import — a CSV file or the first
// sheet of an XLSX workbook — into a header and rows that remember the line
// (or sheet row) they came from, and collects every problem found in them
// so that an import names each bad cell and writes nothing until the file
// is clean.
package tabular

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// MaxProblems is how many problems a table reports before it stops.
const MaxProblems = 50

// A Table is a file's header and the non-blank rows under it.
type Table struct {
	File   string
	Where  string // "line" for CSV, `sheet "Sheet1", row` for XLSX
	Header []string
	Rows   [][]string
	Lines  []int // the line or sheet row of each row
	SHA256 string
	index  map[string]int // by Key
	raw    map[string]int // by the column name callers use, resolved once
	probs  []string
}

// Read reads at most max bytes of CSV or XLSX, told apart by content (an
// XLSX is a zip). Errors: Invalid for an empty, unreadable or non-UTF-8
// file or one without a header; TooLarge.
func Read(file string, r io.Reader, max int64) (*Table, error) {
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, file+": the file could not be read", err)
	}
	switch {
	case len(data) == 0:
		return nil, errs.New(errs.Invalid, file+" is empty (0 bytes)")
	case int64(len(data)) > max:
		return nil, errs.New(errs.TooLarge, fmt.Sprintf("%s is larger than %d MiB", file, max>>20))
	}
	sum := sha256.Sum256(data)
	t := &Table{File: file, index: map[string]int{}, raw: map[string]int{}, SHA256: hex.EncodeToString(sum[:])}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		err = t.readXLSX(data)
	} else {
		err = t.readCSV(data)
	}
	if err != nil {
		return nil, err
	}
	if err := t.setHeader(t.Header); err != nil {
		return nil, err
	}
	return t, nil
}

// Stream reads a table a row at a time, without holding the file: fn is
// called with the table holding one row, as row 0 (Cell, Fail and FailRow
// work on it as on a read table). A CSV file is streamed whatever its size;
// an XLSX workbook is read whole, within maxXLSX bytes. The table's SHA256
// is set once the whole file is read. Errors: as Read's, and fn's.
func Stream(file string, r io.Reader, maxXLSX int64, fn func(t *Table) error) (*Table, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(4)
	if err != nil && len(head) == 0 {
		if errors.Is(err, io.EOF) {
			return nil, errs.New(errs.Invalid, file+" is empty (0 bytes)")
		}
		return nil, errs.Wrap(errs.Invalid, file+": the file could not be read", err)
	}
	if bytes.HasPrefix(head, []byte("PK\x03\x04")) {
		t, err := Read(file, br, maxXLSX)
		if err != nil {
			return nil, err
		}
		rows, lines := t.Rows, t.Lines
		for i := range rows {
			t.Rows, t.Lines = rows[i:i+1], lines[i:i+1]
			if err := fn(t); err != nil {
				return nil, err
			}
		}
		t.Rows, t.Lines = rows, lines
		return t, nil
	}
	h := sha256.New()
	t := &Table{File: file, Where: "line", index: map[string]int{}, raw: map[string]int{}}
	rows, err := NewCSVRows(file, io.TeeReader(br, h))
	if err != nil {
		return nil, err
	}
	first := true
	for {
		rec, err := rows.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		line := rows.Line()
		if first {
			first = false
			if err := t.setHeader(slices.Clone(rec)); err != nil {
				return nil, err
			}
			continue
		}
		if blank(rec) {
			continue
		}
		t.Rows, t.Lines = [][]string{rec}, []int{line}
		if err := fn(t); err != nil {
			return nil, err
		}
	}
	if first {
		return nil, errs.New(errs.Invalid, file+" has no header row")
	}
	t.Rows, t.Lines = nil, nil
	t.SHA256 = hex.EncodeToString(h.Sum(nil))
	return t, nil
}

// ReadHeader reads a table's header only. Errors: as Stream's.
func ReadHeader(file string, r io.Reader, maxXLSX int64) ([]string, error) {
	var header []string
	stop := errors.New("header read")
	t, err := Stream(file, r, maxXLSX, func(t *Table) error { header = t.Header; return stop })
	switch {
	case errors.Is(err, stop):
		return header, nil
	case err != nil:
		return nil, err
	}
	return t.Header, nil
}

// setHeader indexes the header's columns. Errors: Invalid for a blank
// header or a column named twice.
func (t *Table) setHeader(header []string) error {
	t.Header = header
	if len(t.Header) == 0 || blank(t.Header) {
		return errs.New(errs.Invalid, t.File+" has no header row")
	}
	for i, h := range t.Header {
		k := Key(h)
		if _, dup := t.index[k]; dup && k != "" {
			return errs.New(errs.Invalid, fmt.Sprintf("%s: column %q appears twice in the header", t.File, strings.TrimSpace(h)))
		}
		t.index[k] = i
	}
	return nil
}

// Key is a header's comparable form: trimmed, lower case, spaces and
// hyphens as underscores, without a byte-order mark.
func Key(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(h)
}

func (t *Table) readCSV(data []byte) error {
	t.Where = "line"
	rows, err := NewCSVRows(t.File, bytes.NewReader(data))
	if err != nil {
		return err
	}
	first := true
	for {
		rec, err := rows.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if first {
			t.Header, first = slices.Clone(rec), false
			continue
		}
		if blank(rec) {
			continue
		}
		t.Rows, t.Lines = append(t.Rows, slices.Clone(rec)), append(t.Lines, rows.Line())
	}
}

func (t *Table) readXLSX(data []byte) error {
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 200 << 20, UnzipXMLSizeLimit: 64 << 20})
	if err != nil {
		return errs.Wrap(errs.Invalid, t.File+" is not a readable XLSX workbook", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return errs.New(errs.Invalid, t.File+" has no sheets")
	}
	t.Where = "sheet " + strconv.Quote(sheets[0]) + ", row"
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return errs.Wrap(errs.Invalid, t.File, err)
	}
	for i, rec := range rows {
		if i == 0 {
			t.Header = rec
			continue
		}
		if blank(rec) {
			continue
		}
		t.Rows, t.Lines = append(t.Rows, rec), append(t.Lines, i+1)
	}
	return nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// ReadColumns reads a table as Read does and checks its header against
// the columns an import knows: every required one present, every one
// known (compared by Key). Errors: those of Read; Invalid naming the
// missing or unknown columns.
func ReadColumns(file string, r io.Reader, max int64, required, known []string) (*Table, error) {
	t, err := Read(file, r, max)
	if err != nil {
		return nil, err
	}
	var unknown, missing []string
	for i, h := range t.Header {
		if k := Key(h); k != "" && !slices.Contains(known, k) {
			unknown = append(unknown, fmt.Sprintf("%q (column %d)", h, i+1))
		}
	}
	for _, c := range required {
		if !t.Has(c) {
			missing = append(missing, c)
		}
	}
	switch {
	case len(missing) > 0:
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: missing required column(s) %s (the header has: %s)", file, strings.Join(missing, ", "), strings.Join(t.Header, ", ")))
	case len(unknown) > 0:
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: unknown column(s) %s; the columns are: %s", file, strings.Join(unknown, ", "), strings.Join(known, ", ")))
	}
	return t, nil
}

// Has reports whether the header has a column (compared by Key).
func (t *Table) Has(column string) bool { _, ok := t.index[Key(column)]; return ok }

// Cell returns row i's value in a column, trimmed; "" when absent.
func (t *Table) Cell(i int, column string) string {
	c, ok := t.raw[column]
	if !ok {
		if c, ok = t.index[Key(column)]; !ok {
			c = -1
		}
		t.raw[column] = c
	}
	if c < 0 || c >= len(t.Rows[i]) {
		return ""
	}
	return strings.TrimSpace(t.Rows[i][c])
}

// Fail records a problem at row i in a column.
func (t *Table) Fail(i int, column, msg string) {
	if len(t.probs) < MaxProblems {
		t.probs = append(t.probs, fmt.Sprintf("%s %d, column %q: %s", t.Where, t.Lines[i], column, msg))
	}
}

// FailRow records a problem of row i as a whole; msg names its field.
func (t *Table) FailRow(i int, msg string) {
	if len(t.probs) < MaxProblems {
		t.probs = append(t.probs, fmt.Sprintf("%s %d: %s", t.Where, t.Lines[i], msg))
	}
}

// Err is every problem found, or nil: nothing is imported when any row
// is wrong.
func (t *Table) Err() error {
	if len(t.probs) == 0 {
		return nil
	}
	more := ""
	if len(t.probs) == MaxProblems {
		more = fmt.Sprintf("\n(stopped after %d problems)", MaxProblems)
	}
	return errs.New(errs.Invalid, fmt.Sprintf("%s: nothing was imported; fix these and import again:\n%s%s", t.File, strings.Join(t.probs, "\n"), more))
}

// ParseBool reads yes/no as spreadsheets write it.
func ParseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "no", "n", "false", "0", "-":
		return false, true
	case "yes", "y", "true", "1", "x":
		return true, true
	}
	return false, false
}
