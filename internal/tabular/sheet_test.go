package tabular_test

import (
	"bytes"
	"slices"
	"testing"

	"github.com/safeguard-health/safeguard/internal/tabular"
)

// A table written as CSV or XLSX reads back as it was, a cell that looks
// like a formula included.
func TestWriteReadsBack(t *testing.T) {
	header := []string{"name", "notes"}
	rows := [][]string{{"Northwind EHR", "=HYPERLINK(\"x\")"}, {"Shred-Right", "monthly, on site"}}
	for _, c := range []struct {
		name  string
		write func() ([]byte, error)
	}{
		{"vendors.csv", func() ([]byte, error) { return tabular.WriteCSV(header, rows) }},
		{"vendors.xlsx", func() ([]byte, error) { return tabular.WriteXLSX("Vendors", header, rows) }},
	} {
		data, err := c.write()
		if err != nil {
			t.Fatal(err)
		}
		tb, err := tabular.Read(c.name, bytes.NewReader(data), 1<<20)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(tb.Header, header) || len(tb.Rows) != 2 || tb.Cell(0, "notes") != rows[0][1] || tb.Cell(1, "name") != "Shred-Right" {
			t.Errorf("%s read back: %v %v", c.name, tb.Header, tb.Rows)
		}
	}
}
