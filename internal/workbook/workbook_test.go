package workbook_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/workbook"
)

var now = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)

type fixture struct {
	reg  *catalog.Registry
	prog *assessment.Program
	sc   *store.Scoped
	id   string
}

func setup(t testing.TB) *fixture {
	t.Helper()
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	prog, err := assessment.NewProgram(reg)
	if err != nil {
		t.Fatal(err)
	}
	s := storetest.SQLite(t)
	o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider, WorkforceSize: 6}
	if err := s.CreateOrganization(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sc := s.Scope(o)
	a, err := prog.Start(context.Background(), sc, catalog.HIPAASecurityRule, "FY2026", "", now)
	if err != nil {
		t.Fatal(err)
	}
	err = prog.Save(context.Background(), sc, a.ID, "assessment.answer", []*assessment.Answer{
		{ItemID: "164.312(d)", Status: assessment.Partial, Owner: "Dana Reyes", Notes: "MFA on the EHR only."},
		{ItemID: "164.312(a)(2)(iv)", Status: assessment.Implemented, Decision: &assessment.Decision{Kind: assessment.AsSpecified}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{reg, prog, sc, a.ID}
}

func (fx *fixture) view(t testing.TB) *assessment.View {
	t.Helper()
	v, err := fx.prog.View(context.Background(), fx.sc, fx.id, now)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func (fx *fixture) export(t testing.TB) *excelize.File {
	t.Helper()
	var b bytes.Buffer
	if err := workbook.ExportXLSX(&b, fx.view(t), fx.sc.Org(), fx.reg, now); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&b)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func bytesOf(t testing.TB, f *excelize.File) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := f.Write(&b); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// findRow returns the Answers row (1-based) of an item.
func findRow(t *testing.T, f *excelize.File, id string) int {
	t.Helper()
	rows, _ := f.GetRows(workbook.AnswersSheet)
	for i, r := range rows {
		if len(r) > 0 && r[0] == id {
			return i + 1
		}
	}
	t.Fatalf("no row for %s", id)
	return 0
}

func TestExport(t *testing.T) {
	fx := setup(t)
	f := fx.export(t)
	if got := f.GetSheetList(); strings.Join(got, ",") != "About,Answers,Questions" {
		t.Errorf("sheets: %v", got)
	}
	rows, _ := f.GetRows(workbook.AnswersSheet)
	if len(rows) != 72 || rows[0][0] != "Item ID" || rows[0][6] != "Status" {
		t.Fatalf("%d answer rows, header %v", len(rows), rows[0])
	}
	r := rows[findRow(t, f, "hipaa-sr/164.312(d)")-1]
	if r[1] != "164.312(d)" || r[6] != "Partially implemented" || r[10] != "Dana Reyes" || r[12] != "MFA on the EHR only." {
		t.Errorf("164.312(d) row: %v", r)
	}
	if dvs, _ := f.GetDataValidations(workbook.AnswersSheet); len(dvs) != 2 {
		t.Errorf("%d drop lists, want Status and Decision", len(dvs))
	}
	qs, _ := f.GetRows(workbook.QuestionsSheet)
	if len(qs) < 400 || qs[0][3] != "Question ID" {
		t.Errorf("%d question rows", len(qs))
	}
	var c bytes.Buffer
	if err := workbook.ExportCSV(&c, fx.view(t)); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&c).ReadAll()
	if err != nil || len(recs) != 72 || recs[0][0] != "Item ID" {
		t.Errorf("CSV: %d records, %v", len(recs), err)
	}
}

// Notes that a spreadsheet would run as formulas leave the CSV export as
// text: a leading apostrophe, which spreadsheets hide.
func TestExportCSVDefusesFormulas(t *testing.T) {
	fx := setup(t)
	v := fx.view(t)
	notes := []string{`=HYPERLINK("http://evil.example","x")`, "+1-555-0100", "-2 findings open", "@SUM(A1:A9)", "'=already quoted", "plain"}
	want := []string{`'=HYPERLINK("http://evil.example","x")`, "'+1-555-0100", "'-2 findings open", "'@SUM(A1:A9)", "''=already quoted", "plain"}
	for i := range notes {
		v.Rows[i].Answer.Notes = notes[i]
	}
	var c bytes.Buffer
	if err := workbook.ExportCSV(&c, v); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&c).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := slices.Index(recs[0], "Notes")
	if col < 0 {
		t.Fatalf("no Notes column: %v", recs[0])
	}
	for i := range notes {
		if got := recs[i+1][col]; got != want[i] {
			t.Errorf("note %q exported as %q, want %q", notes[i], got, want[i])
		}
	}
}

func TestImportPreview(t *testing.T) {
	fx := setup(t)
	// Unchanged, the export imports as no change at all.
	p, err := workbook.Read(bytes.NewReader(bytesOf(t, fx.export(t))), "fy2026.xlsx", fx.view(t), fx.reg)
	if err != nil || len(p.Changes) != 0 || p.Unchanged != 71 {
		t.Fatalf("round trip: %+v, %v", p, err)
	}
	// A person edits it as in a spreadsheet application: a drop-list value,
	// a date typed as a date, a decision, a sample question.
	f := fx.export(t)
	r := findRow(t, f, "hipaa-sr/164.312(d)")
	f.SetCellValue(workbook.AnswersSheet, "G"+strconv.Itoa(r), "Implemented")
	f.SetCellValue(workbook.AnswersSheet, "L"+strconv.Itoa(r), time.Date(2027, 3, 31, 0, 0, 0, 0, time.UTC))
	r = findRow(t, f, "hipaa-sr/164.308(a)(5)(ii)(A)")
	f.SetCellValue(workbook.AnswersSheet, "G"+strconv.Itoa(r), "planned")
	f.SetCellValue(workbook.AnswersSheet, "H"+strconv.Itoa(r), "Equivalent alternative measure")
	f.SetCellValue(workbook.AnswersSheet, "I"+strconv.Itoa(r), "Monthly huddle talks instead of emailed reminders")
	f.SetCellValue(workbook.AnswersSheet, "J"+strconv.Itoa(r), "Staff do not read mass emails")
	qrows, _ := f.GetRows(workbook.QuestionsSheet)
	for i, q := range qrows {
		if q[3] == "SQ_164.312(d).1.01" {
			f.SetCellValue(workbook.QuestionsSheet, "F"+strconv.Itoa(i+1), "Yes, for remote access")
		}
	}
	v := fx.view(t)
	p, err = workbook.Read(bytes.NewReader(bytesOf(t, f)), "edited.xlsx", v, fx.reg)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Changes) != 2 || len(p.Answers) != 2 || p.Base != workbook.Digest(v) || len(p.SHA256) != 64 {
		t.Fatalf("preview: %+v", p)
	}
	got := map[string]string{}
	for _, c := range p.Changes {
		for _, fc := range c.Fields {
			got[c.Citation+" "+fc.Field] = fc.Old + " → " + fc.New
		}
	}
	for k, want := range map[string]string{
		"164.312(d) status":                       "Partially implemented → Implemented",
		"164.312(d) target date":                  " → 2027-03-31",
		"164.312(d) answer to SQ_164.312(d).1.01": " → Yes, for remote access",
		"164.308(a)(5)(ii)(A) decision":           " → Equivalent alternative measure",
		"164.308(a)(5)(ii)(A) status":             "Not answered → Planned",
	} {
		if got[k] != want {
			t.Errorf("%s: %q, want %q", k, got[k], want)
		}
	}
	// The preview reads only: the assessment is as it was.
	if after := fx.view(t); workbook.Digest(after) != p.Base {
		t.Error("reading a workbook changed the assessment")
	}
	// Applied, it lands whole.
	if err := fx.prog.Save(context.Background(), fx.sc, fx.id, "assessment.import", p.Answers); err != nil {
		t.Fatal(err)
	}
	if row, _ := fx.view(t).Row("hipaa-sr/164.308(a)(5)(ii)(A)"); row.Answer.Decision == nil || row.Answer.Status != assessment.Planned {
		t.Errorf("applied: %+v", row.Answer)
	}
}

// A decision of not reasonable and appropriate needs no alternative
// measure (164.306(d)(3)(ii)(B)(2): "if reasonable and appropriate"), and
// a workbook exported before its columns were renamed still imports.
func TestImportDecisions(t *testing.T) {
	fx := setup(t)
	f := fx.export(t)
	f.SetCellValue(workbook.AnswersSheet, "I1", "Alternative measure, or what is done instead")
	f.SetCellValue(workbook.AnswersSheet, "J1", "Reason")
	r := findRow(t, f, "hipaa-sr/164.310(a)(2)(iv)")
	f.SetCellValue(workbook.AnswersSheet, "H"+strconv.Itoa(r), "Not reasonable and appropriate")
	f.SetCellValue(workbook.AnswersSheet, "J"+strconv.Itoa(r), "The landlord keeps the suite's doors and locks.")
	p, err := workbook.Read(bytes.NewReader(bytesOf(t, f)), "old.xlsx", fx.view(t), fx.reg)
	if err != nil || len(p.Answers) != 1 || p.Answers[0].Decision == nil || p.Answers[0].Decision.Reason != "The landlord keeps the suite's doors and locks." || p.Answers[0].Decision.Measure != "" {
		t.Fatalf("not reasonable, no alternative: %v %+v", err, p)
	}
	if err := fx.prog.Save(context.Background(), fx.sc, fx.id, "assessment.import", p.Answers); err != nil {
		t.Fatal(err)
	}
	fresh := fx.export(t)
	head, _ := fresh.GetRows(workbook.AnswersSheet)
	if head[0][8] != "Equivalent alternative measure (164.306(d)(3)(ii)(B)(2))" || head[0][9] != "Why not reasonable and appropriate (164.306(d)(3)(ii)(B)(1))" {
		t.Errorf("the decision's columns: %q", head[0][7:10])
	}
	about, _ := fresh.GetRows(workbook.AboutSheet)
	found := false
	for _, row := range about {
		if row[0] == "Addressable decisions" && strings.Contains(row[1], "Implement an equivalent alternative measure if reasonable and appropriate (45 CFR 164.306(d)(3)(ii)(B)(2))") {
			found = true
		}
	}
	if !found {
		t.Errorf("the About sheet lacks the rule's text: %q", about)
	}
}

func TestImportRefusals(t *testing.T) {
	fx := setup(t)
	v := fx.view(t)
	edit := func(fn func(f *excelize.File)) []byte {
		f := fx.export(t)
		fn(f)
		return bytesOf(t, f)
	}
	r := 0
	for _, bad := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty.xlsx", nil, "empty.xlsx is empty (0 bytes)"},
		{"answers.csv", []byte("Item ID,Status\nhipaa-sr/164.312(d),Implemented\n"), "answers.csv is not an XLSX workbook"},
		{"renamed.xlsx", edit(func(f *excelize.File) { f.SetSheetName(workbook.AnswersSheet, "Responses") }), `renamed.xlsx has no sheet "Answers" (it has: About, Responses, Questions)`},
		{"status.xlsx", edit(func(f *excelize.File) {
			r = findRow(t, f, "hipaa-sr/164.312(b)")
			f.SetCellValue(workbook.AnswersSheet, "G"+strconv.Itoa(r), "done")
		}), `status.xlsx: sheet "Answers", row ` + strconv.Itoa(r) + `, column G (Status): "done" is not a status`},
		{"date.xlsx", edit(func(f *excelize.File) { f.SetCellValue(workbook.AnswersSheet, "L5", "next spring") }), `sheet "Answers", row 5, column L (Target date): "next spring" is not a date`},
		{"item.xlsx", edit(func(f *excelize.File) { f.SetCellValue(workbook.AnswersSheet, "A7", "hipaa-sr/164.999") }), `sheet "Answers", row 7, column A (Item ID): "hipaa-sr/164.999" is not an item of this`},
		{"dup.xlsx", edit(func(f *excelize.File) { f.SetCellValue(workbook.AnswersSheet, "A9", "hipaa-sr/164.308(a)(1)") }), `row 9, column A (Item ID): hipaa-sr/164.308(a)(1) is already on row 5`},
		{"nocol.xlsx", edit(func(f *excelize.File) { f.SetCellValue(workbook.AnswersSheet, "G1", "State") }), `sheet "Answers", row 1: the column "Status" is missing`},
		{"decision.xlsx", edit(func(f *excelize.File) {
			r = findRow(t, f, "hipaa-sr/164.312(a)(2)(i)")
			f.SetCellValue(workbook.AnswersSheet, "H"+strconv.Itoa(r), "Implemented as specified")
		}), `only an addressable implementation specification takes a decision`},
		{"question.xlsx", edit(func(f *excelize.File) { f.SetCellValue(workbook.QuestionsSheet, "D2", "SQ_nope") }), `sheet "Questions", row 2, column D (Question ID): "SQ_nope" is not a sample question`},
		// 164.306(d)(3)(ii)(B)(1): an alternative documents why the
		// specification is not reasonable and appropriate.
		{"alternative.xlsx", edit(func(f *excelize.File) {
			r = findRow(t, f, "hipaa-sr/164.312(a)(2)(iv)")
			f.SetCellValue(workbook.AnswersSheet, "H"+strconv.Itoa(r), "Equivalent alternative measure")
			f.SetCellValue(workbook.AnswersSheet, "I"+strconv.Itoa(r), "Full-disk encryption")
		}), `164.312(a)(2)(iv): an equivalent alternative measure: document why it would not be reasonable and appropriate to implement the specification itself (45 CFR 164.306(d)(3)(ii)(B)(1))`},
	} {
		_, err := workbook.Read(bytes.NewReader(bad.data), bad.name, v, fx.reg)
		if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), bad.want) {
			t.Errorf("%s: err = %v\nwant %q", bad.name, err, bad.want)
		}
	}
	if workbook.Digest(fx.view(t)) != workbook.Digest(v) {
		t.Error("a refused import changed the assessment")
	}
}

func FuzzRead(f *testing.F) {
	fx := setup(f)
	v := fx.view(f)
	f.Add(bytesOf(f, fx.export(f)))
	f.Add([]byte("PK\x03\x04"))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := workbook.Read(bytes.NewReader(data), "fuzz.xlsx", v, fx.reg)
		if err != nil && errs.KindOf(err) != errs.Invalid && errs.KindOf(err) != errs.TooLarge {
			t.Fatalf("an error of kind %s: %v", errs.KindOf(err), err)
		}
	})
}

// The time to export an assessment and to read it back into a preview:
// go test -run XXX -bench . ./internal/workbook
func BenchmarkExportXLSX(b *testing.B) {
	fx := setup(b)
	v := fx.view(b)
	for b.Loop() {
		if err := workbook.ExportXLSX(io.Discard, v, fx.sc.Org(), fx.reg, now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadPreview(b *testing.B) {
	fx := setup(b)
	v := fx.view(b)
	data := bytesOf(b, fx.export(b))
	for b.Loop() {
		if _, err := workbook.Read(bytes.NewReader(data), "a.xlsx", v, fx.reg); err != nil {
			b.Fatal(err)
		}
	}
}
