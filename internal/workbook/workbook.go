// Package workbook is the assessment as a spreadsheet, both ways:
// exported to XLSX (with the answers, the sample questions and what the
// assessment is) and CSV, and read back from the same XLSX into a preview
// of what would change. A cell that does not parse is named by sheet, row
// and column, and nothing is written.
package workbook

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/tabular"
)

// Sheet names.
const (
	AboutSheet     = "About"
	AnswersSheet   = "Answers"
	QuestionsSheet = "Questions"
)

// Column headers of the Answers sheet. Import finds columns by these
// headers, so a person may reorder or hide columns.
const (
	colItem     = "Item ID"
	colCitation = "Citation"
	colTitle    = "Title"
	colType     = "Type"
	colApplies  = "Applies"
	colWhy      = "Why it applies or not"
	colStatus   = "Status"
	colDecision = "Decision (addressable)"
	colMeasure  = "Equivalent alternative measure (164.306(d)(3)(ii)(B)(2))"
	colReason   = "Why not reasonable and appropriate (164.306(d)(3)(ii)(B)(1))"
	colOwner    = "Owner"
	colTarget   = "Target date"
	colNotes    = "Notes"
	colEvidence = "Evidence"
	colUpdated  = "Last updated"
)

var answerHeaders = []string{colItem, colCitation, colTitle, colType, colApplies, colWhy, colStatus, colDecision, colMeasure, colReason, colOwner, colTarget, colNotes, colEvidence, colUpdated}

// Question sheet headers.
const (
	qItem     = "Item ID"
	qCitation = "Citation"
	qActivity = "Key activity"
	qID       = "Question ID"
	qText     = "Question"
	qAnswer   = "Answer"
)

var questionHeaders = []string{qItem, qCitation, qActivity, qID, qText, qAnswer}

func kind(it *catalog.Item) string {
	switch {
	case it.Tier != "":
		return strings.ToUpper(it.Tier[:1]) + it.Tier[1:] + " goal"
	case it.Kind == catalog.KindStandard:
		return "Standard"
	case it.Kind == catalog.KindGeneral:
		return "General rule"
	}
	if req, ok := it.IsRequired(); ok {
		if req {
			return "Required"
		}
		return "Addressable"
	}
	return it.Kind
}

// answerRow is one row of the Answers sheet (and of the CSV).
func answerRow(r assessment.Row) []string {
	a := r.Answer
	applies, status := "Yes", a.Status.Label()
	if !r.Tailor.Applicable {
		applies = "No"
	}
	var decision, measure, reason string
	if a.Decision != nil {
		decision, measure, reason = a.Decision.Kind.Label(), a.Decision.Measure, a.Decision.Reason
	}
	if a.Status == assessment.Unanswered {
		status = ""
	}
	var ev []string
	for _, e := range r.Evidence {
		ev = append(ev, fmt.Sprintf("%s (v%d, %s)", e.Title, e.Version, e.SHA256[:12]))
	}
	updated := ""
	if a.UpdatedBy != "" {
		updated = a.UpdatedAt.UTC().Format("2006-01-02 15:04") + " " + a.UpdatedBy
	}
	return []string{r.Item.ID, r.Item.Citation, r.Item.Title, kind(r.Item), applies, r.Tailor.Reason, status, decision, measure, reason, a.Owner, a.TargetDate, a.Notes, strings.Join(ev, "; "), updated}
}

// ExportXLSX writes the assessment as a workbook: About, Answers (with drop
// lists on Status and Decision), Questions.
func ExportXLSX(w io.Writer, v *assessment.View, o *org.Organization, reg *catalog.Registry, now time.Time) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", AboutSheet); err != nil {
		return err
	}
	a := v.Assessment
	about := [][]string{
		{"Organisation", o.Name + " (" + o.Slug + ")"},
		{"Framework", v.Framework.Name + ", " + a.FrameworkVersion},
		{"Assessment", a.Title},
		{"Assessment ID", a.ID},
		{"State", string(a.State)},
		{"Started", a.CreatedAt.UTC().Format(time.RFC3339) + " by " + a.CreatedBy},
		{"Progress", fmt.Sprintf("%d%%: %d of %d applicable items answered, %d of %d addressable decisions documented", v.Progress.Percent(), v.Progress.Answered, v.Progress.Applicable, v.Progress.DecisionsMade, v.Progress.DecisionsNeeded)},
		{"Exported", now.UTC().Format(time.RFC3339)},
	}
	about = append(about, []string{"Addressable decisions", "Implemented as specified needs nothing more. Otherwise: " + assessment.DecisionReasonText + " " + assessment.DecisionMeasureText +
		" An equivalent alternative measure fills both columns; not reasonable and appropriate fills the reason, and the measure where one is reasonable and appropriate."})
	if a.Final() {
		about = append(about, []string{"Finalised", a.FinalizedAt.UTC().Format(time.RFC3339) + " by " + a.FinalizedBy}, []string{"SHA-256 of the frozen record", a.SnapshotSHA256})
	} else {
		about = append(about, []string{"To import", "Edit Status, Decision, the measure, the reason, Owner, Target date (YYYY-MM-DD) and Notes on the Answers sheet, and the Answer column of the Questions sheet; keep the Item ID and Question ID columns. Import the file on the assessment's page: Safeguard shows what would change before it writes anything."})
	}
	for i, row := range about {
		if err := f.SetSheetRow(AboutSheet, cell(1, i+1), &row); err != nil {
			return err
		}
	}
	f.SetColWidth(AboutSheet, "A", "A", 28)
	f.SetColWidth(AboutSheet, "B", "B", 100)

	if _, err := f.NewSheet(AnswersSheet); err != nil {
		return err
	}
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"E6F1FF"}, Pattern: 1}})
	if err := writeRows(f, AnswersSheet, answerHeaders, func(yield func([]string) error) error {
		for _, r := range v.Rows {
			if err := yield(answerRow(r)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return err
	}
	f.SetRowStyle(AnswersSheet, 1, 1, bold)
	last := len(v.Rows) + 1
	statusList := []string{}
	for _, st := range assessment.Statuses {
		statusList = append(statusList, st.Label())
	}
	kindList := []string{}
	for _, k := range assessment.DecisionKinds {
		kindList = append(kindList, k.Label())
	}
	for _, dl := range []struct {
		col  string
		keys []string
	}{{colStatus, statusList}, {colDecision, kindList}} {
		dv := excelize.NewDataValidation(true)
		ref := colName(dl.col)
		dv.SetSqref(fmt.Sprintf("%s2:%s%d", ref, ref, last))
		if err := dv.SetDropList(dl.keys); err != nil {
			return err
		}
		if err := f.AddDataValidation(AnswersSheet, dv); err != nil {
			return err
		}
	}
	for col, width := range map[string]float64{colItem: 30, colCitation: 18, colTitle: 40, colWhy: 40, colStatus: 22, colDecision: 30, colMeasure: 40, colReason: 40, colNotes: 60, colEvidence: 40} {
		f.SetColWidth(AnswersSheet, colName(col), colName(col), width)
	}
	f.SetPanes(AnswersSheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})

	if _, err := f.NewSheet(QuestionsSheet); err != nil {
		return err
	}
	if err := writeRows(f, QuestionsSheet, questionHeaders, func(yield func([]string) error) error {
		for _, r := range v.Rows {
			for _, ka := range assessment.Guidance(reg, r.Item) {
				for _, q := range flatten(ka.SampleQuestions) {
					if err := yield([]string{r.Item.ID, r.Item.Citation, ka.Title, q.ID, q.Text, r.Answer.Questions[q.ID]}); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}); err != nil {
		return err
	}
	f.SetRowStyle(QuestionsSheet, 1, 1, bold)
	f.SetColWidth(QuestionsSheet, "A", "A", 30)
	f.SetColWidth(QuestionsSheet, "C", "C", 30)
	f.SetColWidth(QuestionsSheet, "E", "F", 60)
	idx, _ := f.GetSheetIndex(AnswersSheet)
	f.SetActiveSheet(idx)
	return f.Write(w)
}

// writeRows writes a header and the rows rows yields, as text cells. The
// sheets are small (a row per item or question), so the normal mode is
// used: the stream writer cannot be mixed with data validation.
func writeRows(f *excelize.File, sheet string, header []string, rows func(yield func([]string) error) error) error {
	n := 1
	put := func(cells []string) error {
		vals := make([]any, len(cells))
		for i, c := range cells {
			vals[i] = c
		}
		err := f.SetSheetRow(sheet, cell(1, n), &vals)
		n++
		return err
	}
	if err := put(header); err != nil {
		return err
	}
	return rows(put)
}

func flatten(qs []catalog.Question) []catalog.Question {
	var out []catalog.Question
	for _, q := range qs {
		out = append(out, q)
		out = append(out, flatten(q.Sub)...)
	}
	return out
}

func cell(col, row int) string {
	c, _ := excelize.CoordinatesToCellName(col, row)
	return c
}

// colName is the letter of an Answers column in the exported layout.
func colName(header string) string {
	for i, h := range answerHeaders {
		if h == header {
			n, _ := excelize.ColumnNumberToName(i + 1)
			return n
		}
	}
	return "A"
}

// ExportCSV writes the Answers sheet as CSV, its cells defused
// (tabular.Defuse).
func ExportCSV(w io.Writer, v *assessment.View) error {
	cw := tabular.NewCSVWriter(w)
	if err := cw.Write(answerHeaders); err != nil {
		return err
	}
	for _, r := range v.Rows {
		if err := cw.Write(answerRow(r)); err != nil {
			return err
		}
	}
	return cw.Flush()
}
