package workbook

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// MaxImportBytes is the largest workbook import reads.
const MaxImportBytes = 20 << 20

// FieldChange is one field of one answer that an import would change.
type FieldChange struct {
	Field string `json:"field"`
	Old   string `json:"old"`
	New   string `json:"new"`
}

// Change is what an import would do to one item.
type Change struct {
	ItemID   string        `json:"item_id"`
	Citation string        `json:"citation"`
	Title    string        `json:"title"`
	Fields   []FieldChange `json:"fields"`
}

// Preview is what an import would write, before anything is.
type Preview struct {
	Filename  string               `json:"filename"`
	SHA256    string               `json:"sha256"` // of the file
	Changes   []Change             `json:"changes"`
	Unchanged int                  `json:"unchanged"`
	Answers   []*assessment.Answer `json:"answers"` // the changed items' answers, whole
	// Base is the digest of the assessment's answers the preview was made
	// against; applying it to answers that have changed since is refused.
	Base string `json:"base"`
}

// cellError names a cell: `sheet "Answers", row 12, column G (Status): …`.
func cellError(sheet string, row, col int, header, format string, args ...any) error {
	name, _ := excelize.ColumnNumberToName(col + 1)
	where := fmt.Sprintf("sheet %q, row %d", sheet, row)
	if col >= 0 {
		where += fmt.Sprintf(", column %s (%s)", name, header)
	}
	return errs.New(errs.Invalid, where+": "+fmt.Sprintf(format, args...))
}

// Read parses a workbook exported by ExportXLSX (and edited by a person)
// against the assessment it belongs to, and returns the preview of what
// would change. It reads nothing but the Answers and Questions sheets'
// editable columns. Errors: Invalid, naming the file, sheet, row and
// column; TooLarge.
func Read(r io.Reader, filename string, v *assessment.View, reg *catalog.Registry) (*Preview, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, filename+": the file could not be read", err)
	}
	switch {
	case len(data) == 0:
		return nil, errs.New(errs.Invalid, filename+" is empty (0 bytes)")
	case len(data) > MaxImportBytes:
		return nil, errs.New(errs.TooLarge, fmt.Sprintf("%s is larger than %d MiB", filename, MaxImportBytes>>20))
	}
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{RawCellValue: true, UnzipSizeLimit: 200 << 20, UnzipXMLSizeLimit: 64 << 20})
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, filename+" is not an XLSX workbook: export the assessment to XLSX and edit that file", err)
	}
	defer f.Close()
	sum := sha256.Sum256(data)
	p := &Preview{Filename: filename, SHA256: hex.EncodeToString(sum[:]), Base: Digest(v)}
	if !slices.Contains(f.GetSheetList(), AnswersSheet) {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s has no sheet %q (it has: %s): import the workbook Safeguard exported", filename, AnswersSheet, strings.Join(f.GetSheetList(), ", ")))
	}
	next := map[string]*assessment.Answer{}
	rowOf := map[string]int{}
	if err := readAnswers(f, v, next, rowOf); err != nil {
		return nil, prefix(filename, err)
	}
	if slices.Contains(f.GetSheetList(), QuestionsSheet) {
		if err := readQuestions(f, v, reg, next); err != nil {
			return nil, prefix(filename, err)
		}
	}
	for _, row := range v.Rows {
		ans, ok := next[row.Item.ID]
		if !ok {
			continue
		}
		if err := ans.Normalize(reg, row.Item); err != nil {
			return nil, prefix(filename, cellError(AnswersSheet, rowOf[row.Item.ID], -1, "", "%s", errs.Message(err)))
		}
		fields := diff(row.Answer, ans)
		if len(fields) == 0 {
			p.Unchanged++
			continue
		}
		p.Changes = append(p.Changes, Change{ItemID: row.Item.ID, Citation: row.Item.Citation, Title: row.Item.Title, Fields: fields})
		p.Answers = append(p.Answers, ans)
	}
	return p, nil
}

func prefix(filename string, err error) error {
	return errs.New(errs.KindOf(err), filename+": "+errs.Message(err))
}

// legacyHeaders are the earlier names of renamed columns, still read.
var legacyHeaders = map[string]string{
	colMeasure: "Alternative measure, or what is done instead",
	colReason:  "Reason",
}

// headerIndex maps the headers of a sheet's first row to their columns and
// checks the required ones are there.
func headerIndex(sheet string, header []string, required ...string) (map[string]int, error) {
	idx := map[string]int{}
	for i, h := range header {
		h = strings.TrimSpace(h)
		if h == "" {
			continue
		}
		if _, dup := idx[h]; dup {
			return nil, cellError(sheet, 1, i, h, "the column %q appears twice", h)
		}
		idx[h] = i
	}
	for _, r := range required {
		if _, ok := idx[r]; !ok {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("sheet %q, row 1: the column %q is missing", sheet, r))
		}
	}
	return idx, nil
}

func readAnswers(f *excelize.File, v *assessment.View, next map[string]*assessment.Answer, rowOf map[string]int) error {
	rows, err := f.GetRows(AnswersSheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return errs.Wrap(errs.Invalid, "sheet "+strconv.Quote(AnswersSheet)+" cannot be read", err)
	}
	if len(rows) == 0 {
		return errs.New(errs.Invalid, fmt.Sprintf("sheet %q is empty", AnswersSheet))
	}
	idx, err := headerIndex(AnswersSheet, rows[0], colItem, colStatus)
	if err != nil {
		return err
	}
	get := func(row []string, h string) (string, int, bool) {
		i, ok := idx[h]
		if !ok {
			i, ok = idx[legacyHeaders[h]] // a workbook exported before the columns were renamed
		}
		if !ok {
			return "", -1, false
		}
		if i < len(row) {
			return strings.TrimSpace(row[i]), i, true
		}
		return "", i, true
	}
	for n, row := range rows[1:] {
		line := n + 2
		id, _, _ := get(row, colItem)
		if id == "" {
			if strings.TrimSpace(strings.Join(row, "")) == "" {
				continue // a blank row
			}
			return cellError(AnswersSheet, line, idx[colItem], colItem, "the item id is empty")
		}
		cur, ok := v.Row(id)
		if !ok {
			return cellError(AnswersSheet, line, idx[colItem], colItem, "%q is not an item of this %s assessment", id, v.Framework.ShortName)
		}
		if first, dup := rowOf[id]; dup {
			return cellError(AnswersSheet, line, idx[colItem], colItem, "%s is already on row %d", id, first)
		}
		rowOf[id] = line
		ans := clone(cur.Answer)
		if s, col, ok := get(row, colStatus); ok {
			st, err := assessment.ParseStatus(s)
			if err != nil {
				return cellError(AnswersSheet, line, col, colStatus, "%s", errs.Message(err))
			}
			ans.Status = st
		}
		if s, col, ok := get(row, colDecision); ok {
			k, err := assessment.ParseDecisionKind(s)
			if err != nil {
				return cellError(AnswersSheet, line, col, colDecision, "%s", errs.Message(err))
			}
			measure, _, _ := get(row, colMeasure)
			reason, _, _ := get(row, colReason)
			if k == "" && measure == "" && reason == "" {
				ans.Decision = nil
			} else {
				ans.Decision = &assessment.Decision{Kind: k, Measure: measure, Reason: reason}
			}
		}
		if s, _, ok := get(row, colOwner); ok {
			ans.Owner = s
		}
		if s, _, ok := get(row, colNotes); ok {
			ans.Notes = s
		}
		if s, col, ok := get(row, colTarget); ok {
			d, err := parseDate(s)
			if err != nil {
				return cellError(AnswersSheet, line, col, colTarget, "%q is not a date (YYYY-MM-DD)", s)
			}
			ans.TargetDate = d
		}
		next[id] = ans
	}
	return nil
}

// parseDate accepts YYYY-MM-DD text or a spreadsheet date serial.
func parseDate(s string) (string, error) {
	if s == "" {
		return "", nil
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.Format("2006-01-02"), nil
	}
	if serial, err := strconv.ParseFloat(s, 64); err == nil && serial > 0 && serial < 2958466 {
		t, err := excelize.ExcelDateToTime(serial, false)
		if err == nil {
			return t.Format("2006-01-02"), nil
		}
	}
	return "", fmt.Errorf("not a date")
}

func readQuestions(f *excelize.File, v *assessment.View, reg *catalog.Registry, next map[string]*assessment.Answer) error {
	rows, err := f.GetRows(QuestionsSheet, excelize.Options{RawCellValue: true})
	if err != nil {
		return errs.Wrap(errs.Invalid, "sheet "+strconv.Quote(QuestionsSheet)+" cannot be read", err)
	}
	if len(rows) == 0 {
		return nil
	}
	idx, err := headerIndex(QuestionsSheet, rows[0], qItem, qID, qAnswer)
	if err != nil {
		return err
	}
	at := func(row []string, h string) string {
		if i := idx[h]; i < len(row) {
			return strings.TrimSpace(row[i])
		}
		return ""
	}
	for n, row := range rows[1:] {
		line := n + 2
		id, qid, text := at(row, qItem), at(row, qID), at(row, qAnswer)
		if id == "" && qid == "" {
			continue
		}
		cur, ok := v.Row(id)
		if !ok {
			return cellError(QuestionsSheet, line, idx[qItem], qItem, "%q is not an item of this %s assessment", id, v.Framework.ShortName)
		}
		known := false
		for _, ka := range assessment.Guidance(reg, cur.Item) {
			for _, q := range flatten(ka.SampleQuestions) {
				known = known || q.ID == qid
			}
		}
		if !known {
			return cellError(QuestionsSheet, line, idx[qID], qID, "%q is not a sample question of %s", qid, cur.Item.Citation)
		}
		ans := next[id]
		if ans == nil {
			ans = clone(cur.Answer)
			next[id] = ans
		}
		if text == "" {
			delete(ans.Questions, qid)
		} else {
			ans.Questions[qid] = text
		}
	}
	return nil
}

func clone(a *assessment.Answer) *assessment.Answer {
	c := *a
	c.Questions = maps.Clone(a.Questions)
	if c.Questions == nil {
		c.Questions = map[string]string{}
	}
	if a.Decision != nil {
		d := *a.Decision
		c.Decision = &d
	}
	return &c
}

// diff lists the fields that differ between two answers.
func diff(old, next *assessment.Answer) []FieldChange {
	var out []FieldChange
	add := func(field, o, n string) {
		if o != n {
			out = append(out, FieldChange{field, o, n})
		}
	}
	add("status", old.Status.Label(), next.Status.Label())
	dk := func(a *assessment.Answer) (string, string, string) {
		if a.Decision == nil {
			return "", "", ""
		}
		return a.Decision.Kind.Label(), a.Decision.Measure, a.Decision.Reason
	}
	ok, om, or := dk(old)
	nk, nm, nr := dk(next)
	add("decision", ok, nk)
	add("measure", om, nm)
	add("reason", or, nr)
	add("owner", old.Owner, next.Owner)
	add("target date", old.TargetDate, next.TargetDate)
	add("notes", old.Notes, next.Notes)
	ids := slices.Sorted(maps.Keys(old.Questions))
	for id := range next.Questions {
		if _, ok := old.Questions[id]; !ok {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		add("answer to "+id, old.Questions[id], next.Questions[id])
	}
	return out
}

// Digest is a fingerprint of an assessment's answers: any save changes it.
func Digest(v *assessment.View) string {
	h := sha256.New()
	for _, r := range v.Rows {
		b, _ := json.Marshal(r.Answer)
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
