package tabular_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tabular"
	"github.com/xuri/excelize/v2"
)

type row struct {
	line int
	id   string
	name string
}

func stream(t *testing.T, data []byte) ([]row, *tabular.Table, error) {
	t.Helper()
	var rows []row
	tb, err := tabular.Stream("hr.csv", bytes.NewReader(data), 1<<20, func(tb *tabular.Table) error {
		rows = append(rows, row{tb.Lines[0], tb.Cell(0, "Employee ID"), tb.Cell(0, "name")})
		return nil
	})
	return rows, tb, err
}

// Streaming a CSV gives the rows Read gives, with their lines, whatever the
// line endings or a byte-order mark, and the file's SHA-256 at the end.
func TestStreamReadsWhatReadReads(t *testing.T) {
	for name, data := range map[string]string{
		"LF":   "Employee ID,Name\n1001,Olivia Owens\n\n1002, Sam Patel \n\"1003\",\"Garcia, Ana\"\n",
		"CRLF": "Employee ID,Name\r\n1001,Olivia Owens\r\n\r\n1002, Sam Patel \r\n\"1003\",\"Garcia, Ana\"\r\n",
		"BOM":  "\ufeffEmployee ID,Name\n1001,Olivia Owens\n\n1002, Sam Patel \n\"1003\",\"Garcia, Ana\"\n",
	} {
		t.Run(name, func(t *testing.T) {
			rows, tb, err := stream(t, []byte(data))
			if err != nil {
				t.Fatal(err)
			}
			want := []row{{2, "1001", "Olivia Owens"}, {4, "1002", "Sam Patel"}, {5, "1003", "Garcia, Ana"}}
			if !slices.Equal(rows, want) {
				t.Errorf("rows %v, want %v", rows, want)
			}
			sum := sha256.Sum256([]byte(data))
			if tb.SHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("SHA-256 %s", tb.SHA256)
			}
			read, err := tabular.Read("hr.csv", strings.NewReader(data), 1<<20)
			if err != nil || len(read.Rows) != 3 || read.SHA256 != tb.SHA256 || !slices.Equal(read.Lines, []int{2, 4, 5}) {
				t.Errorf("Read: %+v, %v", read, err)
			}
		})
	}
}

// Bad files are refused naming the file and, where there is one, the line.
func TestStreamRefusesBadFiles(t *testing.T) {
	for name, tc := range map[string]struct {
		data, want string
	}{
		"empty":          {"", "hr.csv is empty"},
		"blank header":   {" , \n1,2\n", "hr.csv has no header row"},
		"no header":      {"\n\n", "hr.csv has no header row"},
		"twice a column": {"ID,Name,id\n1,A,1\n", `column "id" appears twice`},
		"not UTF-8":      {"ID,Name\n1,Ol\xffvia\n", "hr.csv: line 2 is not UTF-8"},
		"bad quote":      {"ID,Name\n1,\"Olivia\n", "hr.csv: line 2"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := stream(t, []byte(tc.data))
			if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), tc.want) {
				t.Errorf("%v, want an Invalid error saying %q", err, tc.want)
			}
		})
	}
	// A header alone is a table without rows.
	rows, tb, err := stream(t, []byte("Employee ID,Name\n"))
	if err != nil || len(rows) != 0 || len(tb.Header) != 2 {
		t.Errorf("header only: %v %+v %v", rows, tb, err)
	}
	if h, err := tabular.ReadHeader("hr.csv", strings.NewReader("Employee ID,Name\n1,A\n"), 1<<20); err != nil || !slices.Equal(h, []string{"Employee ID", "Name"}) {
		t.Errorf("header: %v, %v", h, err)
	}
}

// A workbook is read whole and handed over a row at a time.
func TestStreamXLSX(t *testing.T) {
	f := excelize.NewFile()
	for i, r := range [][]any{{"Employee ID", "Name"}, {"1001", "Olivia Owens"}, {}, {"1002", "Sam Patel"}} {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	var rows []row
	tb, err := tabular.Stream("hr.xlsx", bytes.NewReader(buf.Bytes()), 1<<20, func(tb *tabular.Table) error {
		rows = append(rows, row{tb.Lines[0], tb.Cell(0, "employee_id"), tb.Cell(0, "Name")})
		return nil
	})
	want := []row{{2, "1001", "Olivia Owens"}, {4, "1002", "Sam Patel"}}
	if err != nil || !slices.Equal(rows, want) || tb.Where != `sheet "Sheet1", row` {
		t.Errorf("workbook: %v, want %v; %v", rows, want, err)
	}
	// Over the workbook limit: refused, the limit named.
	if _, err := tabular.Stream("hr.xlsx", bytes.NewReader(buf.Bytes()), 100, func(*tabular.Table) error { return nil }); !errs.Is(err, errs.TooLarge) {
		t.Errorf("a workbook over the limit: %v", err)
	}
}

// No input makes Stream panic, and where Read takes a CSV, Stream hands
// over the same rows, with the same lines and SHA-256.
func FuzzStream(f *testing.F) {
	for _, seed := range []string{
		"Employee ID,Name\n1001,Olivia Owens\n",
		"\ufeffID,Name\r\n1,\"Garcia, Ana\"\r\n\r\n2,Sam\r\n",
		"ID,Name,id\n1,A,1\n",
		"ID,Name\n1,\"unterminated\n",
		"ID\n\xff\xfe\n",
		"PK\x03\x04not a zip",
		"",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var lines []int
		var cells []string
		tb, err := tabular.Stream("f.csv", bytes.NewReader(data), 1<<20, func(tb *tabular.Table) error {
			lines = append(lines, tb.Lines[0])
			cells = append(cells, strings.Join(tb.Rows[0], "\x00"))
			return nil
		})
		if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
			return // a workbook: read by Read itself
		}
		read, rerr := tabular.Read("f.csv", bytes.NewReader(data), 1<<20)
		if rerr != nil || err != nil {
			return // Read refuses a whole file Stream may have begun; each names it
		}
		if tb.SHA256 != read.SHA256 || !slices.Equal(lines, read.Lines) || len(cells) != len(read.Rows) {
			t.Fatalf("Stream: %d rows, lines %v, %s; Read: %d rows, lines %v, %s", len(cells), lines, tb.SHA256, len(read.Rows), read.Lines, read.SHA256)
		}
		for i, r := range read.Rows {
			if cells[i] != strings.Join(r, "\x00") {
				t.Fatalf("row %d: %q, Read %q", i, cells[i], r)
			}
		}
	})
}

// A CSV saved with a byte-order mark and a quoted header (Excel's "CSV
// UTF-8", PowerShell's Export-Csv -Encoding UTF8) reads, whole or streamed.
func TestQuotedHeaderAfterAByteOrderMark(t *testing.T) {
	body := "\ufeff\"Employee ID\",\"Name\"\r\n\"1001\",\"Olivia Owens\"\r\n"
	whole, err := tabular.Read("hr.csv", strings.NewReader(body), 1<<20)
	if err != nil || whole.Cell(0, "employee_id") != "1001" || whole.Lines[0] != 2 {
		t.Fatalf("read: %+v %v", whole, err)
	}
	var cells []string
	if _, err := tabular.Stream("hr.csv", strings.NewReader(body), 1<<20, func(t *tabular.Table) error {
		cells = append(cells, t.Cell(0, "Employee ID"), t.Cell(0, "name"))
		return nil
	}); err != nil || len(cells) != 2 || cells[0] != "1001" || cells[1] != "Olivia Owens" {
		t.Fatalf("stream: %q %v", cells, err)
	}
}

// A file separated by semicolons (Excel's CSV where the decimal mark is a
// comma; Tenable's exports) reads as one separated by commas; a comma
// inside a quoted cell of the first line does not decide it.
func TestSemicolonSeparated(t *testing.T) {
	for _, body := range []string{
		"Name;Role;Note\r\nOlivia Owens;nurse;\"a, b\"\r\n",
		"\ufeff\"Name\";\"Role\";\"Note\"\n\"Olivia Owens\";\"nurse\";\"a, b\"\n",
	} {
		tb, err := tabular.Read("staff.csv", strings.NewReader(body), 1<<20)
		if err != nil || tb.Cell(0, "name") != "Olivia Owens" || tb.Cell(0, "role") != "nurse" || tb.Cell(0, "note") != "a, b" {
			t.Fatalf("%q: %+v %v", body, tb, err)
		}
	}
	tb, err := tabular.Read("staff.csv", strings.NewReader("\"Name; full\",Role\nOwens; Olivia,nurse\n"), 1<<20)
	if err != nil || tb.Cell(0, "role") != "nurse" || tb.Cell(0, "Name; full") != "Owens; Olivia" {
		t.Fatalf("commas: %+v %v", tb, err)
	}
}
