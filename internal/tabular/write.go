package tabular

import (
	"encoding/csv"
	"io"
	"strings"
)

// formulaStart is what a spreadsheet reads as the start of a formula (or
// of a cell it splits) when a CSV cell begins with it.
const formulaStart = "=+-@\t\r"

// Defuse makes a cell a spreadsheet opens as text, not as a formula: a
// cell that begins with =, +, -, @, a tab or a carriage return, after any
// apostrophes, gets one more apostrophe in front, which spreadsheets hide
// and Restore takes off again (OWASP's advice on CSV injection).
func Defuse(s string) string {
	if rest := strings.TrimLeft(s, "'"); rest != "" && strings.IndexByte(formulaStart, rest[0]) >= 0 {
		return "'" + s
	}
	return s
}

// Restore undoes Defuse: what a CSV reader of Safeguard's does with every
// cell, so that an exported file imports back as it was.
func Restore(s string) string {
	if strings.HasPrefix(s, "'") {
		if rest := strings.TrimLeft(s, "'"); rest != "" && strings.IndexByte(formulaStart, rest[0]) >= 0 {
			return s[1:]
		}
	}
	return s
}

// CSVWriter is the one writer of every CSV file Safeguard exports: each
// cell is defused (Defuse) on its way out.
type CSVWriter struct {
	w   *csv.Writer
	rec []string
}

// NewCSVWriter writes CSV to w.
func NewCSVWriter(w io.Writer) *CSVWriter { return &CSVWriter{w: csv.NewWriter(w)} }

// Write writes one record, its cells defused.
func (c *CSVWriter) Write(record []string) error {
	c.rec = c.rec[:0]
	for _, cell := range record {
		c.rec = append(c.rec, Defuse(cell))
	}
	return c.w.Write(c.rec)
}

// Flush writes what is buffered and returns the first error of any write.
func (c *CSVWriter) Flush() error {
	c.w.Flush()
	return c.w.Error()
}
