package report_test

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/report/reporttest"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/risk/risktest"
)

var asOf = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

func threatCatalog(t testing.TB) *risk.Threats {
	_, c := risktest.Threats(t)
	return c
}

// generated is a finalised analysis of a generated register of n risks.
func generated(t testing.TB, n int) *risk.Document {
	g := risktest.Register(n, 7, threatCatalog(t), asOf)
	at := asOf
	a := risk.Analysis{ID: "an-1", Version: 3, Title: "FY2026 enterprise risk analysis", Scope: "All ePHI of St. Example Health System",
		Method: risk.DefaultMethod, Status: risk.Final, FinalizedAt: &at, FinalizedBy: "ciso@example.org", Approver: "Dr. Pat Example, CEO", ReviewBy: "2027-11-23"}
	return risk.NewDocument("St. Example Health System", a, g, asOf)
}

// pdfText validates the PDF with pdfcpu and returns its text, page by page.
func pdfText(t *testing.T, b []byte) (int, string) {
	t.Helper()
	return reporttest.PDFText(t, b)
}

func TestRiskAnalysisPDFHoldsEveryRisk(t *testing.T) {
	n := 10000
	if testing.Short() {
		n = 500
	}
	doc := generated(t, n)
	b, err := report.RiskAnalysisPDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	pages, text := pdfText(t, b)
	if pages < n/20 {
		t.Errorf("%d pages for %d risks", pages, n)
	}
	// Every risk's reference and title appear.
	seen := map[string]bool{}
	for _, ref := range regexp.MustCompile(`R-\d{3,}`).FindAllString(text, -1) {
		seen[ref] = true
	}
	for _, r := range doc.Risks {
		if !seen[r.Ref()] {
			t.Fatalf("the PDF lacks %s (%s)", r.Ref(), r.Title)
		}
	}
	if len(seen) != n {
		t.Errorf("the PDF names %d risks, want %d", len(seen), n)
	}
	for _, want := range []string{"Risk analysis: St. Example Health System", "1. Scope", "2. Method", "3. How the data was gathered", "4. Earlier analyses and review triggers",
		"5. Rating scales", "6. Summary", "7. ePHI inventory", "8. Threats considered", "9. Vulnerabilities", "10. Current security measures", "11. Addressable implementation specifications",
		"12. Risks (" + itoa(n) + ")", "13. Risk management plan", "14. Sign-off",
		"Approved by: Dr. Pat Example, CEO", "Page " + itoa(pages)} {
		if !strings.Contains(text, want) {
			t.Errorf("the PDF lacks %q", want)
		}
	}
}

func itoa(n int) string {
	var b []byte
	for n >= 10 {
		b = append([]byte{byte('0' + n%10)}, b...)
		n /= 10
	}
	return string(append([]byte{byte('0' + n)}, b...))
}

func TestRiskAnalysisPDFSurvivesAnyText(t *testing.T) {
	doc := generated(t, 30)
	doc.Organization = "Clinic \x00\x07 \ufffd with 😀 emoji, tabs\tand ünïcödé — “quotes”"
	doc.Risks[0].Title = strings.Repeat("Averyveryverylongwordwithoutanyspaces", 12)
	doc.Risks[1].Description = "line\nbreaks\r\nand <b>markup</b>"
	doc.Analysis.Status, doc.Analysis.FinalizedAt = risk.Draft, nil
	b, err := report.RiskAnalysisPDF(doc)
	if err != nil {
		t.Fatal(err)
	}
	_, text := pdfText(t, b)
	if !strings.Contains(text, "DRAFT") || !strings.Contains(text, "ünïcödé") {
		t.Errorf("the draft PDF lacks its marks:\n%.400s", text)
	}
}

func TestRiskAnalysisHTMLAndHeatmap(t *testing.T) {
	doc := generated(t, 40)
	doc.Risks[0].Title = `<script>alert("x")</script>`
	b, err := report.RiskAnalysisHTML(doc)
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	if strings.Contains(html, `<script>alert`) || !strings.Contains(html, "&lt;script&gt;") {
		t.Error("a risk title is not escaped")
	}
	for _, r := range doc.Risks {
		if !strings.Contains(html, `id="`+r.Ref()+`"`) {
			t.Fatalf("the HTML lacks %s", r.Ref())
		}
	}
	if strings.Count(html, "<svg") != 2 || !strings.Contains(html, "Approved by: Dr. Pat Example, CEO") {
		t.Error("the HTML lacks its heat maps or sign-off")
	}
	// The heat map is well-formed and counts every rated open risk once.
	rows := (risk.Filter{}).Apply(doc.Rows("2026-11-23"))
	heat := doc.Heat(rows, false)
	svg := report.HeatmapSVG(&doc.Scales, heat, "Current <risk>", nil)
	dec := xml.NewDecoder(bytes.NewReader(svg))
	cells := 0
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("the heat map is not well-formed: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "rect" {
			cells++
		}
		if se, ok := tok.(xml.StartElement); ok && (se.Name.Local == "style" || hasAttr(se, "style")) {
			t.Error("the heat map uses style, which the CSP forbids")
		}
	}
	if cells != 26 { // background and 25 cells
		t.Errorf("%d rects", cells)
	}
	total := 0
	for _, row := range heat {
		for _, n := range row {
			total += n
		}
	}
	if total != len(rows) || !strings.Contains(string(svg), itoa(total)+" rated risks") {
		t.Errorf("heat map counts %d of %d risks", total, len(rows))
	}
}

func hasAttr(se xml.StartElement, name string) bool {
	for _, a := range se.Attr {
		if a.Name.Local == name {
			return true
		}
	}
	return false
}

func TestRegisterXLSXAndCSV(t *testing.T) {
	doc := generated(t, 120)
	doc.Risks[3].Title = "=HYPERLINK(\"http://evil\")"
	x, err := report.RiskAnalysisXLSX(doc)
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(x))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := strings.Join(f.GetSheetList(), ","); got != "About,Register,Inventory,Plan,Scales" {
		t.Errorf("sheets %s", got)
	}
	rows, _ := f.GetRows("Register")
	if len(rows) != 121 || rows[1][0] != "R-001" || rows[0][7] != "likelihood" {
		t.Errorf("register sheet: %d rows, first %v", len(rows), rows[1][:3])
	}
	plan, _ := f.GetRows("Plan")
	if len(plan)-1 != len(doc.Actions) {
		t.Errorf("plan sheet has %d actions of %d", len(plan)-1, len(doc.Actions))
	}
	c, err := report.RegisterCSV(doc)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(c)).ReadAll()
	if err != nil || len(recs) != 121 {
		t.Fatalf("csv: %d records, %v", len(recs), err)
	}
	if recs[4][1] != "'=HYPERLINK(\"http://evil\")" {
		t.Errorf("a formula is not defused: %q", recs[4][1])
	}
	// An exported register imports back: every risk is an update.
	plan2, err := risk.PlanRisks("register.csv", bytes.NewReader(c), &doc.Register)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan2.Update) != 120 || len(plan2.Add) != 0 {
		t.Errorf("re-import: %d updates, %d adds", len(plan2.Update), len(plan2.Add))
	}
	// The defused title reads back as it was written.
	for _, r := range plan2.Update {
		if strings.Contains(r.Title, "HYPERLINK") && r.Title != `=HYPERLINK("http://evil")` {
			t.Errorf("the defused title imported back as %q", r.Title)
		}
	}
}

// BenchmarkRiskAnalysisPDF renders the PDF of a generated organisation with
// 10,000 risks (1,000 assets and 10,000 actions).
func BenchmarkRiskAnalysisPDF(b *testing.B) {
	doc := generated(b, 10000)
	b.ReportAllocs()
	for b.Loop() {
		out, err := report.RiskAnalysisPDF(doc)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(out))/(1<<20), "MiB/pdf")
	}
}

// BenchmarkRiskAnalysisHTML is the same register as HTML, the baseline the
// PDF is compared with.
func BenchmarkRiskAnalysisHTML(b *testing.B) {
	doc := generated(b, 10000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := report.RiskAnalysisHTML(doc); err != nil {
			b.Fatal(err)
		}
	}
}
