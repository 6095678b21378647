package tabular

import (
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Text reads r, a text file, refusing it at the first byte that is not
// UTF-8: every reader of CSV, JSON and XML files reads through it, so that
// a file saved in another encoding is named with the line of its first
// such byte rather than stored as it is (or with bytes replaced).
func Text(file string, r io.Reader) *TextReader { return &TextReader{file: file, r: r, line: 1} }

// TextReader is what Text returns.
type TextReader struct {
	file  string
	r     io.Reader
	line  int
	carry []byte // the start of a character the last read cut off
	err   error
}

func (t *TextReader) Read(p []byte) (int, error) {
	if t.err != nil {
		return 0, t.err
	}
	n, err := t.r.Read(p)
	data := p[:n]
	if len(t.carry) > 0 {
		data = append(t.carry, data...)
		t.carry = nil
	}
	for i := 0; i < len(data); {
		b := data[i]
		if b < utf8.RuneSelf {
			if b == '\n' {
				t.line++
			}
			i++
			continue
		}
		if !utf8.FullRune(data[i:]) {
			if err != io.EOF { // the rest of it comes with the next read
				t.carry = append([]byte(nil), data[i:]...)
				break
			}
			t.err = errs.New(errs.Invalid, fmt.Sprintf("%s: line %d is not UTF-8 text (the file ends inside a character): save the file as UTF-8, or it is truncated", t.file, t.line))
			return 0, t.err
		}
		r, size := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && size == 1 {
			t.err = errs.New(errs.Invalid, fmt.Sprintf("%s: line %d is not UTF-8 text (byte 0x%02X): save the file as UTF-8 (from Excel, as CSV UTF-8 or XLSX)", t.file, t.line, b))
			return 0, t.err
		}
		i += size
	}
	return n, err
}

// Err is the error that refused the text, once it has; nil before. A
// reader that makes its own error of what Read returned (a JSON or XML
// decoder's) gives this one instead, so that every format says the same.
func (t *TextReader) Err() error { return t.err }
