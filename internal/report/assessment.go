package report

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// assessmentModel is an assessment as its reports present it: every
// applicable item with its answer, evidence and answered SP 800-66r2
// questions; the addressable specifications with their documented
// decisions; the items that do not apply, with the tailoring's reason.
type assessmentModel struct {
	Org        string
	At         time.Time
	A          *assessment.Assessment
	Framework  *catalog.Framework
	Progress   assessment.Progress
	StatusLine string
	Statuses   []statusCount
	Applicable []itemModel
	Decisions  []itemModel // the applicable addressable specifications
	NotApplies []itemModel
}

type statusCount struct {
	Label string
	N     int
}

type itemModel struct {
	Row       assessment.Row
	Kind      string // Standard, Required, Addressable, Goal, …
	Status    string
	Questions []answeredQuestion
}

// Decision is the documented decision as one line, or what is missing.
func (it itemModel) Decision() string {
	d := it.Row.Answer.Decision
	if d == nil {
		return "No decision documented"
	}
	if gap := d.Gap(); gap != "" {
		return d.Kind.Label() + "; not documented: " + gap
	}
	return d.Kind.Label()
}

type answeredQuestion struct {
	Activity, Question, Answer string
}

func newAssessmentModel(v *assessment.View, org string, at time.Time) *assessmentModel {
	a := v.Assessment
	m := &assessmentModel{Org: org, At: at, A: a, Framework: v.Framework, Progress: v.Progress}
	switch {
	case a.Final():
		m.StatusLine = fmt.Sprintf("final, finalised %s by %s", a.FinalizedAt.UTC().Format("2 January 2006"), a.FinalizedBy)
	default:
		m.StatusLine = "draft"
	}
	for _, s := range append(append([]assessment.Status{}, assessment.Statuses...), assessment.Unanswered) {
		if n := v.Progress.ByStatus[s]; n > 0 || s == assessment.Unanswered {
			m.Statuses = append(m.Statuses, statusCount{s.Label(), n})
		}
	}
	byID := map[string]*catalog.Item{}
	for _, it := range v.Framework.Items {
		byID[it.ID] = it
	}
	for _, r := range v.Rows {
		// SP 800-66r2's questions are the standard's: an implementation
		// specification's answer answers its standard's.
		g := r.Item.Guidance
		if p := byID[r.Item.Parent]; g == nil && p != nil {
			g = p.Guidance
		}
		it := itemModel{Row: r, Kind: itemKind(r.Item), Status: r.Answer.Status.Label(), Questions: answered(g, r.Answer)}
		if !r.Tailor.Applicable {
			m.NotApplies = append(m.NotApplies, it)
			continue
		}
		m.Applicable = append(m.Applicable, it)
		if r.NeedsDecision {
			m.Decisions = append(m.Decisions, it)
		}
	}
	return m
}

// itemKind names what an item is: a standard, a required or addressable
// implementation specification, a goal.
func itemKind(it *catalog.Item) string {
	switch {
	case it.Kind == catalog.KindImplSpec && it.Required != nil && *it.Required:
		return "Required"
	case it.Kind == catalog.KindImplSpec:
		return "Addressable"
	case it.Kind == catalog.KindStandard:
		return "Standard"
	case it.Kind == catalog.KindGeneral:
		return "General rule"
	case it.Kind == catalog.KindGoal:
		if it.Tier != "" {
			return strings.ToUpper(it.Tier[:1]) + it.Tier[1:] + " goal"
		}
		return "Goal"
	}
	return it.Kind
}

// answered lists the SP 800-66r2 sample questions of guidance g that an
// answer answers, in NIST's order, with the key activity each belongs to.
func answered(g *catalog.Guidance, a *assessment.Answer) []answeredQuestion {
	if g == nil || len(a.Questions) == 0 {
		return nil
	}
	var out []answeredQuestion
	var walk func(ka string, qs []catalog.Question)
	walk = func(ka string, qs []catalog.Question) {
		for _, q := range qs {
			if ans := strings.TrimSpace(a.Questions[q.ID]); ans != "" {
				out = append(out, answeredQuestion{ka, q.Text, ans})
			}
			walk(ka, q.Sub)
		}
	}
	for _, ka := range g.KeyActivities {
		walk(ka.Title, ka.SampleQuestions)
	}
	return out
}

// evidenceLine is one piece of evidence as the reports list it.
func evidenceLine(e assessment.EvidenceRef) string {
	s := fmt.Sprintf("%s, version %d (%s, uploaded %s), SHA-256 %s", e.Title, e.Version, e.Filename, e.At.UTC().Format(time.DateOnly), e.SHA256)
	if e.ReviewBy != "" {
		s += ", review by " + e.ReviewBy
		if e.Overdue {
			s += " (overdue)"
		}
	}
	return s
}

func (m *assessmentModel) title() string {
	return fmt.Sprintf("%s assessment: %s", m.Framework.ShortName, m.Org)
}

// AssessmentPDF renders an assessment as the report an auditor reads:
// the progress, every addressable specification's documented decision
// (45 CFR 164.306(d)(3)), each applicable item's status, owner, target,
// notes, evidence with its hash and dates, and answers to NIST SP
// 800-66r2's sample questions; then the items that do not apply, each
// with the tailoring's reason.
func AssessmentPDF(v *assessment.View, org string, at time.Time) ([]byte, error) {
	m := newAssessmentModel(v, org, at)
	a := m.A
	footer := fmt.Sprintf("%s · %s (%s)", org, a.Title, m.StatusLine)
	d, err := newPDF(footer, a.Title+" — "+org, m.Framework.Name+" assessment", at)
	if err != nil {
		return nil, err
	}
	d.heading(m.title(), 18)
	meta := fmt.Sprintf("%s · %s · started %s by %s · report made %s", a.Title, m.StatusLine, a.CreatedAt.UTC().Format("2 January 2006"), a.CreatedBy, at.UTC().Format("2 January 2006 15:04 UTC"))
	if a.SnapshotSHA256 != "" {
		meta += " · frozen record SHA-256 " + a.SnapshotSHA256
	}
	d.para(meta, 9.5)
	d.para(fmt.Sprintf("Framework: %s, version %s (%s).", m.Framework.Name, m.Framework.Version, m.Framework.Publisher), 9)
	if !a.Final() {
		d.para("DRAFT: this assessment has not been finalised; its answers may change.", 10)
	}

	d.heading("1. Summary", 13)
	p := m.Progress
	d.para(fmt.Sprintf("%d of %d items apply to %s; %d are answered (%d%% of the work, counting decisions).", p.Applicable, p.Items, org, p.Answered, p.Percent()), 9.5)
	var counts [][]string
	for _, s := range m.Statuses {
		counts = append(counts, []string{s.Label, fmt.Sprint(s.N)})
	}
	d.table([]pdfCol{{"Status", 0.5}, {"Items", 0.5}}, counts, 8.5)
	if p.DecisionsNeeded > 0 {
		d.para(fmt.Sprintf("Addressable decisions documented: %d of %d.", p.DecisionsMade, p.DecisionsNeeded), 9.5)
	}

	section := 2
	if len(m.Decisions) > 0 {
		d.heading(fmt.Sprintf("%d. Addressable implementation specifications: decisions (45 CFR 164.306(d)(3))", section), 13)
		section++
		d.para("45 CFR 164.306(d)(3): for each addressable implementation specification the organisation must assess whether it is a reasonable and appropriate safeguard in its environment, and implement it if so; "+
			"if not, (B)(1) document why it would not be reasonable and appropriate to implement it, and (B)(2) implement an equivalent alternative measure if reasonable and appropriate.", 8.5)
		var rows [][]string
		for _, it := range m.Decisions {
			dec := it.Row.Answer.Decision
			measure, reason := "", ""
			if dec != nil {
				measure, reason = dec.Measure, dec.Reason
			}
			rows = append(rows, []string{it.Row.Item.Citation + " " + it.Row.Item.Title, it.Status, it.Decision(), orDash(reason), orDash(measure)})
		}
		d.table([]pdfCol{{"Specification", 0.24}, {"Status", 0.12}, {"Decision", 0.16}, {"Why not reasonable and appropriate, (B)(1)", 0.24}, {"Equivalent alternative measure, (B)(2)", 0.24}}, rows, 7.5)
	}

	d.heading(fmt.Sprintf("%d. Item by item (%d applicable)", section, len(m.Applicable)), 13)
	section++
	for _, it := range m.Applicable {
		r := it.Row
		d.heading(r.Item.Citation+" "+r.Item.Title, 10.5)
		line := it.Kind + " · " + it.Status
		if r.Answer.Owner != "" {
			line += " · owner " + r.Answer.Owner
		}
		if r.Answer.TargetDate != "" {
			line += " · target " + r.Answer.TargetDate
		}
		if r.Answer.CarriedForward {
			line += " · carried forward, not yet reviewed"
		}
		d.para(line, 8.5)
		if r.NeedsDecision {
			dl := "Decision: " + it.Decision()
			if dec := r.Answer.Decision; dec != nil {
				if dec.Reason != "" {
					dl += ". Why not reasonable and appropriate (164.306(d)(3)(ii)(B)(1)): " + dec.Reason
				}
				if dec.Measure != "" {
					dl += ". Equivalent alternative measure ((B)(2)): " + dec.Measure
				}
			}
			d.para(dl, 8.5)
		}
		if r.Answer.Notes != "" {
			d.para(r.Answer.Notes, 8.5)
		}
		for _, e := range r.Evidence {
			d.para("Evidence: "+evidenceLine(e), 8)
		}
		for _, q := range it.Questions {
			d.para("Q ("+q.Activity+"): "+q.Question+"\nA: "+q.Answer, 8)
		}
	}

	if len(m.NotApplies) > 0 {
		d.heading(fmt.Sprintf("%d. Items that do not apply (%d)", section, len(m.NotApplies)), 13)
		var rows [][]string
		for _, it := range m.NotApplies {
			rows = append(rows, []string{it.Row.Item.Citation, it.Row.Item.Title, it.Row.Tailor.Reason})
		}
		d.table([]pdfCol{{"Item", 0.16}, {"Title", 0.3}, {"Why it does not apply", 0.54}}, rows, 7.5)
	}
	return d.bytes()
}

var assessmentHTML = template.Must(template.New("assessment.html").Funcs(template.FuncMap{
	"evidence": evidenceLine,
	"date":     func(t time.Time) string { return t.UTC().Format("2 January 2006") },
}).ParseFS(templateFS, "templates/assessment.html"))

// AssessmentHTML renders the same report as AssessmentPDF as one
// self-contained HTML file (styles inline, nothing fetched).
func AssessmentHTML(v *assessment.View, org string, at time.Time) ([]byte, error) {
	var buf bytes.Buffer
	if err := assessmentHTML.Execute(&buf, newAssessmentModel(v, org, at)); err != nil {
		return nil, errs.Wrap(errs.Internal, "rendering the HTML report", err)
	}
	return buf.Bytes(), nil
}
