package tabular_test

import (
	"bytes"
	"encoding/csv"
	"io"
	"slices"
	"testing"

	"github.com/safeguard-health/safeguard/internal/tabular"
)

// Every cell a spreadsheet would take for a formula is written with a
// leading apostrophe, and Safeguard's CSV reader gives back exactly what
// was written, whatever the cell.
func TestCSVWriterDefusesAndReaderRestores(t *testing.T) {
	cells := []string{"=1+1", "+1", "-1", "@A1", "\tx", "\rx", "'=1+1", "''@x", "'plain", "'", "''", "plain", "", "a=b", "=", "-"}
	want := []string{"'=1+1", "'+1", "'-1", "'@A1", "'\tx", "'\rx", "''=1+1", "'''@x", "'plain", "'", "''", "plain", "", "a=b", "'=", "'-"}
	var buf bytes.Buffer
	w := tabular.NewCSVWriter(&buf)
	if err := w.Write(cells); err != nil {
		t.Fatal(err)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	written, err := csv.NewReader(bytes.NewReader(buf.Bytes())).Read()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(written, want) {
		t.Errorf("written %q\nwant    %q", written, want)
	}
	rows, err := tabular.NewCSVRows("x.csv", bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	back, err := rows.Next()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(back, cells) {
		t.Errorf("read back %q\nwant      %q", back, cells)
	}
	if _, err := rows.Next(); err != io.EOF {
		t.Errorf("after the row: %v", err)
	}
}
