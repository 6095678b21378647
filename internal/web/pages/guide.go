package pages

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// The guided path: for a small practice that has never done this, the
// program as five steps in plain language — the profile, the ten essential
// goals, the Security Rule questions that apply, the risk analysis, the
// reports — each with the time it takes, resumable because each step's
// state is the program's own records (nothing is kept of the guide
// itself). The goals and the Security Rule are answered one item at a
// time; the expert pages stay as they are.

// guideStep is one step of the path.
type guideStep struct {
	N       int
	Title   string
	What    string // what the step is, in plain language
	Minutes string // Safeguard's estimate for a practice of about five
	Done    int    // how much of it is done, of Of
	Of      int
	Link    string
	Action  string // the button: Start, Continue, Review
}

// State says where the step stands.
func (g guideStep) State() string {
	switch {
	case g.Of > 0 && g.Done >= g.Of:
		return "done"
	case g.Done > 0:
		return "started"
	}
	return "to do"
}

type guideView struct {
	programView
	Steps []guideStep
	Next  *guideStep // the first step not done
}

// guideState reads where each step stands from the program's records.
func (s *Server) guideState(r *http.Request) ([]guideStep, error) {
	sc := kit.ScopeFrom(r.Context())
	ctx := r.Context()
	base := "/orgs/" + url.PathEscape(sc.Org().Slug)
	p, err := sc.Program().Profile(ctx)
	if err != nil {
		return nil, err
	}
	steps := []guideStep{
		{N: 1, Title: "Tell Safeguard about your practice", Minutes: "10 minutes", Of: 1, Link: base + "/profile",
			What: "Who you are under HIPAA, how many people work with you, where patient information lives, and who is your security official. Safeguard decides from this which rules apply to you."},
		{N: 2, Title: "The ten essential goals", Minutes: "30 minutes", Of: 10, Link: base + "/guide/goals",
			What: "HHS's ten essential cybersecurity goals for health care: for each, say whether you already do it. They are the first things to get right."},
		{N: 3, Title: "The Security Rule, question by question", Minutes: "1 to 2 hours", Link: base + "/guide/rule",
			What: "The HIPAA Security Rule's safeguards that apply to you, one at a time: whether each is in place, who owns it, and, where the rule lets you choose, what you decided and why."},
		{N: 4, Title: "Your risk analysis", Minutes: "1 hour", Of: 1, Link: base + "/risk",
			What: "The Security Rule requires an accurate and thorough risk analysis (164.308(a)(1)(ii)(A)): list where patient information is kept, what could go wrong, how likely and how bad, and what you will do about it; then sign it off."},
		{N: 5, Title: "Your reports", Minutes: "5 minutes", Of: 1, Link: base + "/guide/reports",
			What: "The assessment report, the scorecard and the audit package: what you show an auditor, an insurer or a partner."},
	}
	if p.Completed {
		steps[0].Done = 1
	}
	all, err := sc.Program().Assessments(ctx)
	if err != nil {
		return nil, err
	}
	if a := assessment.Current(all, catalog.HPHCPG); a != nil {
		v, err := s.program.View(ctx, sc.Program(), a.ID, s.now())
		if err != nil {
			return nil, err
		}
		for _, row := range v.Rows {
			if row.Item.Tier == catalog.TierEssential && row.Answer.Status != assessment.Unanswered {
				steps[1].Done++
			}
		}
	}
	if a := assessment.Current(all, catalog.HIPAASecurityRule); a != nil {
		v, err := s.program.View(ctx, sc.Program(), a.ID, s.now())
		if err != nil {
			return nil, err
		}
		steps[2].Done, steps[2].Of = v.Progress.Answered+v.Progress.DecisionsMade, v.Progress.Applicable+v.Progress.DecisionsNeeded
	} else {
		ds, err := s.program.Tailor(ctx, sc.Program(), catalog.HIPAASecurityRule)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			if d.Applicable {
				steps[2].Of++
			}
		}
	}
	analyses, err := sc.Risk().Analyses(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range analyses {
		if a.Status == risk.Final {
			steps[3].Done = 1
		}
	}
	if steps[1].State() == "done" && steps[2].State() == "done" && steps[3].State() == "done" {
		steps[4].Done = 1
	}
	for i := range steps {
		switch steps[i].State() {
		case "done":
			steps[i].Action = "Review"
		case "started":
			steps[i].Action = "Continue"
		default:
			steps[i].Action = "Start"
		}
	}
	return steps, nil
}

func (s *Server) guidePage(w http.ResponseWriter, r *http.Request) {
	steps, err := s.guideState(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	v := &guideView{programView: programView{Scope: sc, Notice: r.URL.Query().Get("notice")}, Steps: steps}
	for i := range steps {
		if steps[i].State() != "done" {
			v.Next = &steps[i]
			break
		}
	}
	s.render(w, r, "guide", http.StatusOK, page{Title: "Guided path · " + sc.Org().Name, Data: v})
}

// guideItemView is one item of a guided step: a goal or a Security Rule
// item, asked in plain words.
type guideItemView struct {
	programView
	Step       guideStep
	Assessment *assessment.Assessment
	Row        assessment.Row
	Position   int // the item's place among the step's items, from 1
	Of         int
	Answered   int
	Choices    []guideChoice
	Kinds      []assessment.DecisionKind
	Action     string // where the form posts
	Start      string // the framework whose assessment to start, when none is current
}

type guideChoice struct {
	Status assessment.Status
	Label  string
}

// guideChoices are the answers in plain words.
var guideChoices = []guideChoice{
	{assessment.Implemented, "Yes, we do this"},
	{assessment.Partial, "Partly"},
	{assessment.Planned, "Not yet, but it is planned"},
	{assessment.NotImplemented, "No"},
}

// guideStepItems is a step's items in order: the ten essential goals
// (framework hph-cpg), or the Security Rule's applicable items.
func guideStepItems(v *assessment.View, framework string) []assessment.Row {
	var out []assessment.Row
	for _, row := range v.Rows {
		switch {
		case framework == catalog.HPHCPG && row.Item.Tier == catalog.TierEssential,
			framework == catalog.HIPAASecurityRule && row.Tailor.Applicable:
			out = append(out, row)
		}
	}
	return out
}

// guideItem shows the item ?item= names, else the first not yet answered
// (resuming where the practice left off), of the goals or the Security
// Rule step.
func (s *Server) guideItem(framework string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		sc := kit.ScopeFrom(r.Context())
		steps, err := s.guideState(r)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		step := steps[1]
		if framework == catalog.HIPAASecurityRule {
			step = steps[2]
		}
		gv := &guideItemView{programView: programView{Scope: sc, Notice: r.URL.Query().Get("notice")}, Step: step, Choices: guideChoices, Kinds: assessment.DecisionKinds}
		all, err := sc.Program().Assessments(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		a := assessment.Current(all, framework)
		if a == nil || a.Final() {
			// Nothing to answer in yet: the page offers to start.
			gv.Start = framework
			s.render(w, r, "guide_item", http.StatusOK, page{Title: step.Title + " · " + sc.Org().Name, Data: gv})
			return
		}
		v, err := s.program.View(r.Context(), sc.Program(), a.ID, s.now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		rows := guideStepItems(v, framework)
		want := r.URL.Query().Get("item")
		pick := -1
		for i, row := range rows {
			if row.Answer.Status != assessment.Unanswered || row.NeedsDecision && row.Answer.Decision != nil {
				gv.Answered++
			}
			if want != "" && row.Item.LocalID() == want {
				pick = i
			}
			if want == "" && pick < 0 && (row.Answer.Status == assessment.Unanswered || row.NeedsDecision && row.Answer.Decision == nil) {
				pick = i
			}
		}
		if pick < 0 {
			// Every item is answered: back to the path.
			http.Redirect(w, r, "/orgs/"+url.PathEscape(sc.Org().Slug)+"/guide?notice="+url.QueryEscape(step.Title+": every item is answered."), http.StatusSeeOther)
			return
		}
		gv.Assessment, gv.Row, gv.Position, gv.Of = a, rows[pick], pick+1, len(rows)
		gv.Action = r.URL.Path
		s.render(w, r, "guide_item", http.StatusOK, page{Title: fmt.Sprintf("%s, %d of %d · %s", step.Title, pick+1, len(rows), sc.Org().Name), Data: gv})
	}
}

// guideAnswer saves one item's answer from the guided form (the same
// validation as the expert page) and goes on to the next unanswered item;
// "start" begins the framework's assessment first.
func (s *Server) guideAnswer(framework string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := s.parseFormLimit(w, r, maxAnswerForm); err != nil {
			s.fail(w, r, err)
			return
		}
		sc := kit.ScopeFrom(r.Context())
		if r.PostFormValue("start") != "" {
			if !sc.Role.Can(auth.ManageAssessments) {
				s.fail(w, r, errs.New(errs.Forbidden, "only a security officer or the owner starts an assessment"))
				return
			}
			fw, err := s.catalog.Framework(framework)
			if err != nil {
				s.fail(w, r, err)
				return
			}
			if _, err := s.program.Start(r.Context(), sc.Program(), framework, fw.ShortName+" assessment "+s.now().Format("2006"), "", s.now()); err != nil && !errs.Is(err, errs.Conflict) {
				s.fail(w, r, err)
				return
			}
			http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
			return
		}
		all, err := sc.Program().Assessments(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		a := assessment.Current(all, framework)
		if a == nil || a.Final() {
			s.fail(w, r, errs.New(errs.Conflict, "no assessment in progress to answer: start one"))
			return
		}
		v, err := s.program.View(r.Context(), sc.Program(), a.ID, s.now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		it, err := s.catalog.FindItem(v.Framework, r.PostFormValue("item"))
		if err != nil {
			s.fail(w, r, errs.New(errs.Invalid, "item: not an item of this assessment"))
			return
		}
		row, ok := v.Row(it.ID)
		if !ok {
			s.fail(w, r, errs.New(errs.Invalid, "item: not an item of this assessment"))
			return
		}
		ans := answerFromForm(r, it, row.Answer)
		if err := s.program.Save(r.Context(), sc.Program(), a.ID, "assessment.answer", []*assessment.Answer{ans}); err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
				s.fail(w, r, err)
				return
			}
			http.Redirect(w, r, r.URL.Path+"?item="+url.QueryEscape(it.LocalID())+"&notice="+url.QueryEscape("Not saved: "+errs.Message(err)), http.StatusSeeOther)
			return
		}
		http.Redirect(w, r, r.URL.Path, http.StatusSeeOther)
	}
}

// guideReports is the last step: the reports, and where the path stands.
func (s *Server) guideReports(w http.ResponseWriter, r *http.Request) {
	steps, err := s.guideState(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	all, err := sc.Program().Assessments(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &guideReportsView{programView: programView{Scope: sc}, Steps: steps, HIPAA: assessment.Current(all, catalog.HIPAASecurityRule)}
	s.render(w, r, "guide_reports", http.StatusOK, page{Title: "Your reports · " + sc.Org().Name, Data: v})
}

type guideReportsView struct {
	programView
	Steps []guideStep
	HIPAA *assessment.Assessment
}
