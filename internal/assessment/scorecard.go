package assessment

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
)

// GoalStatus is where the organisation stands on one CPG.
type GoalStatus string

const (
	Met       GoalStatus = "met"
	PartlyMet GoalStatus = "partially_met"
	NotMet    GoalStatus = "not_met"
	Unknown   GoalStatus = "unknown"
)

// Label is the status as a person reads it.
func (s GoalStatus) Label() string {
	switch s {
	case Met:
		return "Met"
	case PartlyMet:
		return "Partially met"
	case NotMet:
		return "Not met"
	}
	return "Unknown"
}

// rank orders statuses from worst to best; unknown says nothing.
func (s GoalStatus) rank() int {
	switch s {
	case NotMet:
		return 0
	case PartlyMet:
		return 1
	case Met:
		return 2
	}
	return -1
}

// Input is one piece of information behind a goal's status: an assessment
// answer, or (from the checks that verify goals from real data) a dated
// automated result. Each says where it comes from and when.
type Input struct {
	Goal   string     `json:"-"`
	Source string     `json:"source"` // "assessment", or "check:<id>" for automated checks
	Label  string     `json:"label"`  // what a person reads: "HPH CPGs assessment 2026-11-23 (draft)"
	Date   time.Time  `json:"date"`
	Status GoalStatus `json:"status"`
	Detail string     `json:"detail,omitempty"`
	Ref    string     `json:"ref,omitempty"` // the assessment id, or the records behind a check
}

// Goal is one CPG on the scorecard.
type Goal struct {
	ID       string     `json:"id"`
	Citation string     `json:"citation"`
	Title    string     `json:"title"`
	Tier     string     `json:"tier"`
	InScope  bool       `json:"in_scope"`
	Scope    string     `json:"scope_reason"`
	Status   GoalStatus `json:"status"`
	Inputs   []Input    `json:"inputs"`
	Missing  []string   `json:"missing"`
	// Gaps are the same as Missing, each with the page to act on (a path
	// from the server's root): the goal's answer, a check's records, a
	// Security Rule item's answer.
	Gaps []Gap `json:"gaps"`
}

// Gap is one thing a goal lacks, and where to act on it.
type Gap struct {
	Text string `json:"text"`
	Link string `json:"link,omitempty"`
}

// Tally counts the in-scope goals of a tier by status.
type Tally struct {
	Met        int `json:"met"`
	Partial    int `json:"partially_met"`
	NotMet     int `json:"not_met"`
	Unknown    int `json:"unknown"`
	InScope    int `json:"in_scope"`
	OutOfScope int `json:"out_of_scope"`
}

func (t *Tally) add(g Goal) {
	if !g.InScope {
		t.OutOfScope++
		return
	}
	t.InScope++
	switch g.Status {
	case Met:
		t.Met++
	case PartlyMet:
		t.Partial++
	case NotMet:
		t.NotMet++
	default:
		t.Unknown++
	}
}

// Percent is the share of in-scope goals met.
func (t Tally) Percent() int {
	if t.InScope == 0 {
		return 0
	}
	return t.Met * 100 / t.InScope
}

// TrendPoint is the scorecard as one assessment left it.
type TrendPoint struct {
	AssessmentID string    `json:"assessment_id"`
	Title        string    `json:"title"`
	Date         time.Time `json:"date"`
	Final        bool      `json:"final"`
	Essential    Tally     `json:"essential"`
	Enhanced     Tally     `json:"enhanced"`
	// Verified: the point counts the inputs verified from data (checks,
	// training records) as the scorecard's headline does. Only the point
	// of the assessment today's answers come from does; the earlier ones
	// count their answers, as each assessment left them.
	Verified bool `json:"verified_from_data"`
}

// Scorecard is where the organisation stands against the HPH CPGs.
type Scorecard struct {
	Organization string       `json:"organization"` // the organisation's slug
	At           time.Time    `json:"at"`
	Assessment   *Assessment  `json:"assessment,omitempty"` // the one today's answers come from
	Goals        []Goal       `json:"goals"`
	Essential    Tally        `json:"essential"`
	Enhanced     Tally        `json:"enhanced"`
	Trend        []TrendPoint `json:"trend"`
	// current is each framework's current assessment as the scorecard
	// read it, for a caller that shows them too (Current).
	current map[string]*View
}

// Current is the view of a framework's current assessment the scorecard
// was made from (the CPG assessment's, and the Security Rule's whose gaps
// it names), or nil when there is none.
func (sc *Scorecard) Current(framework string) *View { return sc.current[framework] }

// InputSource gives the automated inputs recorded for goals (by checks that
// verify goals from real data). A store that has none returns none.
type InputSource interface {
	ScorecardInputs(ctx context.Context) ([]Input, error)
}

// StatusOf maps an answer's status to a goal status.
func StatusOf(s Status) GoalStatus {
	switch s {
	case Implemented:
		return Met
	case Partial:
		return PartlyMet
	case Planned, NotImplemented:
		return NotMet
	}
	return Unknown
}

// Combine is a goal's status from its inputs: the worst of those that say
// something, so that a manual "implemented" does not hide a failing check;
// unknown when none does.
func Combine(inputs []Input) GoalStatus {
	best := Unknown
	for _, in := range inputs {
		if in.Status.rank() < 0 {
			continue
		}
		if best == Unknown || in.Status.rank() < best.rank() {
			best = in.Status
		}
	}
	return best
}

// Scorecard computes the scorecard: each goal's status from the newest CPG
// assessment's answer and any automated inputs, what is missing for it
// (including the mapped Security Rule items the newest HIPAA assessment
// finds short), and the trend across the CPG assessments.
func (p *Program) Scorecard(ctx context.Context, st Store, now time.Time) (*Scorecard, error) {
	fw, err := p.Catalog.Framework(catalog.HPHCPG)
	if err != nil {
		return nil, err
	}
	all, err := st.Assessments(ctx)
	if err != nil {
		return nil, err
	}
	decisions, err := p.Tailor(ctx, st, fw.ID)
	if err != nil {
		return nil, err
	}
	scope := map[string]string{}
	inScope := map[string]bool{}
	for _, d := range decisions {
		scope[d.ItemID], inScope[d.ItemID] = d.Reason, d.Applicable
	}
	var automated []Input
	if is, ok := st.(InputSource); ok {
		if automated, err = is.ScorecardInputs(ctx); err != nil {
			return nil, err
		}
	}
	sc := &Scorecard{Organization: st.Org().Slug, At: now, Trend: []TrendPoint{}}
	var cpg, hipaa *View
	if a := Current(all, catalog.HPHCPG); a != nil {
		if cpg, err = p.View(ctx, st, a.ID, now); err != nil {
			return nil, err
		}
		sc.Assessment = a
	}
	if a := Current(all, catalog.HIPAASecurityRule); a != nil {
		if hipaa, err = p.View(ctx, st, a.ID, now); err != nil {
			return nil, err
		}
	}
	sc.current = map[string]*View{}
	for fw, v := range map[string]*View{catalog.HPHCPG: cpg, catalog.HIPAASecurityRule: hipaa} {
		if v != nil {
			sc.current[fw] = v
		}
	}
	for _, it := range fw.Items {
		if it.Kind != catalog.KindGoal {
			continue
		}
		g := Goal{ID: it.ID, Citation: it.Citation, Title: it.Title, Tier: it.Tier, InScope: inScope[it.ID], Scope: scope[it.ID], Inputs: []Input{}}
		if cpg != nil {
			if in, ok := answerInput(cpg, it.ID); ok {
				g.Inputs = append(g.Inputs, in)
			}
		}
		for _, in := range automated {
			if in.Goal == it.ID {
				g.Inputs = append(g.Inputs, in)
			}
		}
		g.Status = Combine(g.Inputs)
		g.Gaps, g.Missing = p.missing(it, cpg, hipaa, g, "/orgs/"+url.PathEscape(sc.Organization)), []string{}
		if g.Gaps == nil {
			g.Gaps = []Gap{}
		}
		for _, gap := range g.Gaps {
			g.Missing = append(g.Missing, gap.Text)
		}
		sc.Goals = append(sc.Goals, g)
		if it.Tier == catalog.TierEssential {
			sc.Essential.add(g)
		} else {
			sc.Enhanced.add(g)
		}
	}
	trend, err := p.trend(ctx, st, all, cpg, now)
	if err != nil {
		return nil, err
	}
	sc.Trend = trend
	// The newest point is today's scorecard: the same goals, inputs and
	// tallies as the headline, not the answers alone.
	for i := range sc.Trend {
		if sc.Assessment != nil && sc.Trend[i].AssessmentID == sc.Assessment.ID {
			sc.Trend[i].Essential, sc.Trend[i].Enhanced, sc.Trend[i].Verified = sc.Essential, sc.Enhanced, true
		}
	}
	return sc, nil
}

// answerInput turns a CPG assessment's answer to a goal into an input.
func answerInput(v *View, goalID string) (Input, bool) {
	r, ok := v.Row(goalID)
	if !ok || r.Answer.Status == Unanswered {
		return Input{}, false
	}
	a := v.Assessment
	label := a.Title + " (" + string(a.State) + ")"
	date := r.Answer.UpdatedAt
	if a.Final() {
		date = a.FinalizedAt
	}
	detail := "Answered " + strings.ToLower(r.Answer.Status.Label())
	if r.Answer.Source != "" {
		detail += ", confirmed from " + r.Answer.Source
	}
	return Input{Goal: goalID, Source: "assessment", Label: label, Date: date, Status: StatusOf(r.Answer.Status), Detail: detail, Ref: a.ID}, true
}

// missing says what stands between a goal and "met".
func (p *Program) missing(goal *catalog.Item, cpg, hipaa *View, g Goal, base string) []Gap {
	if !g.InScope {
		return nil
	}
	var out []Gap
	switch {
	case cpg == nil:
		out = append(out, Gap{"No HPH CPG assessment yet: start one to answer this goal.", base + "/assessments"})
	default:
		r, _ := cpg.Row(goal.ID)
		answer := base + "/assessments/" + url.PathEscape(cpg.Assessment.ID) + "/items/" + url.PathEscape(goal.LocalID())
		switch {
		case r.Answer.Status == Unanswered:
			out = append(out, Gap{"Not answered in " + cpg.Assessment.Title + ".", answer})
		case StatusOf(r.Answer.Status) != Met:
			line := "Answered " + strings.ToLower(r.Answer.Status.Label())
			if r.Answer.Owner != "" {
				line += ", owner " + r.Answer.Owner
			}
			if r.Answer.TargetDate != "" {
				line += ", target " + r.Answer.TargetDate
			}
			if r.Answer.Notes != "" {
				line += ": " + firstSentence(r.Answer.Notes)
			}
			out = append(out, Gap{line + ".", answer})
		}
		if r.Answer.Status != Unanswered && len(r.Evidence) == 0 {
			out = append(out, Gap{"No evidence linked.", answer})
		}
	}
	for _, in := range g.Inputs {
		if in.Source != "assessment" && in.Status != Met && in.Status != Unknown {
			gap := Gap{Text: fmt.Sprintf("%s: %s (%s).", in.Label, in.Detail, in.Date.Format("2006-01-02"))}
			switch {
			case strings.HasPrefix(in.Source, "check:") && in.Ref != "":
				gap.Link = base + "/checks/" + url.PathEscape(in.Ref)
			case in.Source == "training":
				gap.Link = base + "/training"
			}
			out = append(out, gap)
		}
	}
	if hipaa != nil {
		for _, rel := range p.Catalog.Related(goal.ID) {
			r, ok := hipaa.Row(rel.Item.ID)
			if !ok || !r.Tailor.Applicable {
				continue
			}
			switch StatusOf(r.Answer.Status) {
			case PartlyMet, NotMet:
				out = append(out, Gap{fmt.Sprintf("%s %s is %s in %s.", r.Item.Citation, r.Item.Title, strings.ToLower(r.Answer.Status.Label()), hipaa.Assessment.Title),
					base + "/assessments/" + url.PathEscape(hipaa.Assessment.ID) + "/items/" + url.PathEscape(r.Item.LocalID())})
			}
		}
	}
	return out
}

func firstSentence(s string) string {
	s = strings.TrimSpace(strings.ReplaceAll(s, "\n", " "))
	if i := strings.Index(s, ". "); i > 0 {
		s = s[:i]
	}
	if len(s) > 160 {
		s = s[:157] + "…"
	}
	return strings.TrimSuffix(s, ".")
}

// trend tallies every CPG assessment, oldest first: a final one as it was
// frozen, a draft as it stands. current, the newest one's view, is not
// loaded again.
func (p *Program) trend(ctx context.Context, st Store, all []*Assessment, current *View, now time.Time) ([]TrendPoint, error) {
	var out []TrendPoint
	for _, a := range all {
		if a.Framework != catalog.HPHCPG {
			continue
		}
		v := current
		if v == nil || v.Assessment.ID != a.ID {
			var err error
			if v, err = p.View(ctx, st, a.ID, now); err != nil {
				return nil, err
			}
		}
		tp := TrendPoint{AssessmentID: a.ID, Title: a.Title, Date: a.CreatedAt, Final: a.Final()}
		if a.Final() {
			tp.Date = a.FinalizedAt
		}
		for _, r := range v.Rows {
			g := Goal{InScope: r.Tailor.Applicable, Status: StatusOf(r.Answer.Status)}
			if r.Item.Tier == catalog.TierEssential {
				tp.Essential.add(g)
			} else {
				tp.Enhanced.add(g)
			}
		}
		out = append(out, tp)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Date.Before(out[j].Date) })
	return out, nil
}
