package tabular

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// MaxLine bounds one line of a CSV file: a record in hundreds of columns
// fits many times over, and a file that is not CSV at all (a binary, one
// long JSON line) is refused before it fills memory.
const MaxLine = 4 << 20

// CSVRows reads a CSV file a row at a time, as every import of a CSV
// does: a byte-order mark is dropped (so a quoted header after one
// reads), Windows PowerShell's "#TYPE …" first line is passed over (the
// line numbers still count it), cells are separated by commas or — when
// the first line has more semicolons than commas outside quotes, as
// Excel writes in much of Europe and some vendors' exports are — by
// semicolons (Delimiter), no line may run past MaxLine, rows may
// have any number of cells, the file must be UTF-8 (Text), each cell is
// restored from what CSVWriter defused (Restore), and every error names
// the file and the line.
type CSVRows struct {
	file   string
	cr     *csv.Reader
	offset int // lines before the CSV: the #TYPE line
	line   int // the current row's first line
}

// NewCSVRows starts reading r. Errors: as Next's.
func NewCSVRows(file string, r io.Reader) (*CSVRows, error) {
	c := &CSVRows{file: file}
	br := bufio.NewReaderSize(&lineGuard{r: Text(file, r)}, 64<<10)
	if b, err := br.Peek(3); err == nil && bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3)
	}
	if b, err := br.Peek(5); err == nil && bytes.Equal(b, []byte("#TYPE")) {
		if _, err := br.ReadString('\n'); err != nil {
			return nil, c.Err(err)
		}
		c.offset = 1
	}
	c.cr = csv.NewReader(br)
	c.cr.Comma = Delimiter(br)
	c.cr.FieldsPerRecord = -1
	c.cr.ReuseRecord = true
	return c, nil
}

// Delimiter is the separator of the CSV file br reads from its first line
// (peeked, not consumed): ';' when it has more semicolons than commas
// outside quotes, ',' otherwise.
func Delimiter(br *bufio.Reader) rune {
	b, _ := br.Peek(br.Size())
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		b = b[:i]
	}
	return delimiterOf(b)
}

func delimiterOf(line []byte) rune {
	commas, semis, quoted := 0, 0, false
	for _, c := range line {
		switch {
		case c == '"':
			quoted = !quoted
		case quoted:
		case c == ',':
			commas++
		case c == ';':
			semis++
		}
	}
	if semis > commas {
		return ';'
	}
	return ','
}

// Next returns the next row (valid until the next call), or io.EOF at the
// end; any other error is one Err has already named.
func (c *CSVRows) Next() ([]string, error) {
	rec, err := c.cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, io.EOF
	}
	if err != nil {
		return nil, c.Err(err)
	}
	c.line, _ = c.cr.FieldPos(0)
	c.line += c.offset
	for i, cell := range rec {
		rec[i] = Restore(cell)
	}
	return rec, nil
}

// Line is the line the current row begins on.
func (c *CSVRows) Line() int { return c.line }

var errLongLine = errors.New("long line")

// Err names a reading error by the file and the line: a line over
// MaxLine is TooLarge, a file that ends inside a quoted field is
// truncated, a malformed row is Invalid; Safeguard's own errors (a size
// limit of the caller's reader) pass as they are.
func (c *CSVRows) Err(err error) error {
	var known *errs.Error
	var pe *csv.ParseError
	switch {
	case errors.As(err, &known):
		return err
	case errors.Is(err, errLongLine):
		return errs.New(errs.TooLarge, fmt.Sprintf("%s: after line %d, a line longer than %d MiB (is this a CSV file?)", c.file, c.line, MaxLine>>20))
	case errors.Is(err, io.EOF):
		return errs.New(errs.Invalid, c.file+" is empty")
	case errors.As(err, &pe) && pe.Err == io.ErrUnexpectedEOF:
		return errs.New(errs.Invalid, fmt.Sprintf("%s ends inside a quoted field begun on line %d: the file is truncated", c.file, pe.StartLine+c.offset))
	case errors.As(err, &pe):
		return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: %v", c.file, pe.Line+c.offset, pe.Err))
	}
	return errs.Wrap(errs.Invalid, c.file, err)
}

// lineGuard fails a read once MaxLine bytes pass without a new line.
type lineGuard struct {
	r   io.Reader
	run int
}

func (g *lineGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, b := range p[:n] {
		if b == '\n' {
			g.run = 0
			continue
		}
		g.run++
	}
	if g.run > MaxLine {
		return n, errLongLine
	}
	return n, err
}
