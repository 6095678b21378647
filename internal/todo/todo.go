// Package todo is the do-next list: what an organisation's program needs
// done, most urgent first, each item a link to the exact place to act.
// The home page, the API (GET …/todo) and `safeguard todo` show the same
// list from the same method.
//
// The list is read from what the program already keeps: the newest
// result of each check, the risk register's sums and dates, the
// scorecard's inputs (training among them), the current assessments'
// answers, and the evidence whose review date passed. Nothing is
// recomputed from every finding, account or person.
package todo

import (
	"cmp"
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
)

// Urgency orders the list: lower is more urgent.
type Urgency int

const (
	// Foundation: what everything else rests on is missing (the profile,
	// a final risk analysis, which 164.308(a)(1)(ii)(A) requires).
	Foundation Urgency = iota + 1
	// Deadline: a notice the Breach Notification Rule requires is due
	// (164.404–410).
	Deadline
	// Overdue: a date has passed (a review, an acceptance, plan actions,
	// evidence to review, training).
	Overdue
	// Failing: imported data shows a safeguard failing (a check).
	Failing
	// Undecided: the assessment lacks answers or the documented decisions
	// on addressable specifications that 164.306(d)(3) requires.
	Undecided
	// Gap: an essential CPG in scope not met.
	Gap
	// Changed: something changed that the risk analysis must cover.
	Changed
)

// Label names an urgency for a person.
func (u Urgency) Label() string {
	switch u {
	case Foundation:
		return "missing foundation"
	case Deadline:
		return "breach notice due"
	case Overdue:
		return "overdue"
	case Failing:
		return "failing check"
	case Undecided:
		return "to decide"
	case Gap:
		return "goal not met"
	case Changed:
		return "changed"
	}
	return ""
}

// Item is one thing to do.
type Item struct {
	Kind    string  `json:"kind"` // profile, analysis, review, acceptance, actions, evidence, training, check, answers, decisions, goal, inventory, hosts
	Urgency Urgency `json:"urgency"`
	Title   string  `json:"title"`
	Detail  string  `json:"detail,omitempty"`
	// Due is the date that passed, YYYY-MM-DD; DaysOverdue how long ago
	// (on the list's day).
	Due         string `json:"due,omitempty"`
	DaysOverdue int    `json:"days_overdue,omitempty"`
	// Link is the page to act on, from the server's root.
	Link string `json:"link"`
	// Cite is the rule or goal behind the item, where one is.
	Cite string `json:"cite,omitempty"`
}

// UrgencyLabel names the item's urgency.
func (it Item) UrgencyLabel() string { return it.Urgency.Label() }

// List is the do-next list on a day.
type List struct {
	Organization string `json:"organization"`
	AsOf         string `json:"as_of"` // YYYY-MM-DD
	Items        []Item `json:"items"`
}

// Records is what the list reads of one organisation.
type Records interface {
	assessment.Store
	riskanalysis.Store
	CheckResults(ctx context.Context) ([]*check.Result, error)
	EvidenceReviewDue(ctx context.Context, today string) ([]*evidence.Evidence, error)
	UnmatchedPlaces(ctx context.Context) (int, error)
	Incidents(ctx context.Context) ([]*incident.Incident, error)
}

// Service makes the list from the program's services.
type Service struct {
	Program *assessment.Program
	Risk    *riskanalysis.Service
}

// Glance is the organisation at a glance, as its home page shows it: the
// do-next list and what it was read from.
type Glance struct {
	List *List
	// Card is the CPG scorecard, Risk the risk analysis's overview,
	// Current the current assessment of each framework (a draft, or the
	// newest final one) with its progress, and Checks the newest result of
	// each check; nil for a role that may not see the program.
	Card    *assessment.Scorecard
	Risk    *riskanalysis.Overview
	Current []*assessment.View
	// Checks are the newest result of each check.
	Checks []*check.Result
}

// List is what role (auth.Role; "" for an API token or the command line,
// which see the program whole) should do next in the organisation of st
// on the day of now, most urgent first. Items the role may not open are
// left out.
func (s *Service) List(ctx context.Context, st Records, role auth.Role, now time.Time) (*List, error) {
	g, err := s.Glance(ctx, st, role, now)
	if err != nil {
		return nil, err
	}
	return g.List, nil
}

// Glance reads the do-next list with the scorecard, the risk overview and
// the current assessments it was made from.
func (s *Service) Glance(ctx context.Context, st Records, role auth.Role, now time.Time) (*Glance, error) {
	o := st.Org()
	today := now.UTC().Format(time.DateOnly)
	l := &List{Organization: o.Slug, AsOf: today, Items: []Item{}}
	g := &Glance{List: l}
	can := func(p auth.Permission) bool { return role == "" || role.Can(p) }
	if !can(auth.ViewProgram) {
		return g, nil
	}
	base := "/orgs/" + url.PathEscape(o.Slug)
	add := func(it Item) {
		if it.Due != "" {
			if d, err := time.Parse(time.DateOnly, it.Due); err == nil {
				it.DaysOverdue = int(now.UTC().Sub(d).Hours() / 24)
			}
		}
		l.Items = append(l.Items, it)
	}

	p, err := st.Profile(ctx)
	if err != nil {
		return nil, err
	}
	if !p.Completed {
		add(Item{Kind: "profile", Urgency: Foundation, Title: "Complete the organisation profile",
			Detail: "Safeguard decides from it which rules apply to " + o.Name + " and why.", Link: base + "/profile"})
	}

	// The risk analysis: its reminders, each linked to where to act.
	ov, err := s.Risk.Overview(ctx, st, now)
	if err != nil {
		return nil, err
	}
	g.Risk = ov
	for _, r := range ov.Reminders {
		it := Item{Kind: r.Kind, Detail: r.Message, Due: r.Due, Cite: "45 CFR 164.308(a)(1)(ii)(A), (B)"}
		switch r.Kind {
		case "none":
			it.Kind, it.Urgency, it.Title, it.Link = "analysis", Foundation, "Finalise a risk analysis", base+"/risk"
		case "review":
			it.Urgency, it.Title, it.Link = Overdue, "Review the risk analysis", base+"/risk/analyses/"+url.PathEscape(r.Ref)
		case "acceptance":
			it.Urgency, it.Title, it.Link = Overdue, "Review an expired risk acceptance", base+"/risk/register/"+url.PathEscape(r.Ref)
		case "overdue":
			it.Kind, it.Urgency, it.Title, it.Link = "actions", Overdue, "Catch up on late plan actions", base+"/risk/poam"
		case "inventory":
			it.Urgency, it.Title, it.Link = Changed, "Cover new ePHI assets in the risk analysis", base+"/risk/assets"
		default:
			continue
		}
		add(it)
	}

	// The notices a breach calls for, not yet made: each until it is made;
	// the yearly log's from 60 days before it is due.
	is, err := st.Incidents(ctx)
	if err != nil {
		return nil, err
	}
	for _, i := range is {
		if i.Breach == nil {
			continue
		}
		for _, d := range i.Breach.Deadlines(today) {
			if d.Status != incident.Due && d.Status != incident.Overdue {
				continue
			}
			if d.To == incident.ToSecretaryLog && d.Status == incident.Due && d.Due > now.UTC().AddDate(0, 0, 60).Format(time.DateOnly) {
				continue
			}
			it := Item{Kind: "breach", Urgency: Deadline, Title: fmt.Sprintf("Notify %s of %s by %s", audience[d.To], i.Ref, d.Due),
				Detail: i.Title + ": " + d.Why + ".", Link: base + "/incidents/" + url.PathEscape(i.ID), Cite: d.Cite}
			if d.Status == incident.Overdue {
				it.Title, it.Due = fmt.Sprintf("Notify %s of %s: the last day was %s", audience[d.To], i.Ref, d.Due), d.Due
			}
			add(it)
		}
	}

	// Evidence whose review date passed.
	due, err := st.EvidenceReviewDue(ctx, today)
	if err != nil {
		return nil, err
	}
	for _, e := range due {
		add(Item{Kind: "evidence", Urgency: Overdue, Title: "Review " + e.Title,
			Detail: fmt.Sprintf("Its review was due on %s.", e.ReviewBy), Due: e.ReviewBy, Link: base + "/evidence/" + url.PathEscape(e.ID)})
	}

	// Checks that failed on the newest data.
	results, err := st.CheckResults(ctx)
	if err != nil {
		return nil, err
	}
	g.Checks = results
	for _, r := range results {
		if r.Status != check.Fail {
			continue
		}
		add(Item{Kind: "check", Urgency: Failing, Title: "Fix: " + r.Check.Title, Detail: r.Detail,
			Link: base + "/checks/" + url.PathEscape(r.ID), Cite: s.cite(cmp.Or(r.Check.Goal, first(r.Check.Items)))})
	}

	// Hosts the scans reported that the inventory lacks.
	unmatched, err := st.UnmatchedPlaces(ctx)
	if err != nil {
		return nil, err
	}
	if unmatched > 0 {
		add(Item{Kind: "hosts", Urgency: Changed, Title: fmt.Sprintf("Add %d host%s the scans found to the inventory", unmatched, plural(unmatched)),
			Detail: "Scanner output reported hosts or targets no asset of the ePHI inventory matches: add those that are yours, with the identifiers the scans use, so their findings count for the right asset.",
			Link:   base + "/risk/assets/reconcile", Cite: "HPH CPGs, Enhanced goal 1 (asset inventory)"})
	}

	// The current assessments (as the scorecard read them): answers and
	// decisions still missing.
	card, err := s.Program.Scorecard(ctx, st, now)
	if err != nil {
		return nil, err
	}
	g.Card = card
	for _, fw := range s.Program.Frameworks() {
		v := card.Current(fw.ID)
		if v == nil {
			continue
		}
		g.Current = append(g.Current, v)
		a := v.Assessment
		if a.Final() {
			continue
		}
		var unanswered, undecided []assessment.Row
		for _, row := range v.Rows {
			if !row.Tailor.Applicable {
				continue
			}
			if row.Answer.Status == assessment.Unanswered {
				unanswered = append(unanswered, row)
			}
			if row.NeedsDecision && row.Answer.Decision == nil {
				undecided = append(undecided, row)
			}
		}
		link := base + "/assessments/" + url.PathEscape(a.ID)
		if n := len(undecided); n > 0 {
			add(Item{Kind: "decisions", Urgency: Undecided, Title: fmt.Sprintf("Document %d addressable decision%s in %s", n, plural(n), a.Title),
				Detail: "First: " + rowName(undecided[0]) + ". Each addressable specification needs a documented decision before the assessment is finalised.",
				Link:   link + "/items/" + url.PathEscape(undecided[0].Item.LocalID()), Cite: "45 CFR 164.306(d)(3)"})
		}
		if n := len(unanswered); n > 0 {
			add(Item{Kind: "answers", Urgency: Undecided, Title: fmt.Sprintf("Answer %d item%s of %s", n, plural(n), a.Title),
				Detail: "First: " + rowName(unanswered[0]) + ".", Link: link + "?show=missing"})
		}
	}

	// The scorecard: training that is late, and essential goals not met.
	for _, goal := range card.Goals {
		for _, in := range goal.Inputs {
			if in.Source == "training" && in.Status != assessment.Met && can(auth.ViewWorkforce) {
				add(Item{Kind: "training", Urgency: Overdue, Title: "Bring the workforce's training up to date", Detail: in.Detail,
					Link: base + "/training", Cite: s.cite(goal.ID)})
			}
		}
	}
	for _, goal := range card.Goals {
		if goal.Tier != catalog.TierEssential || !goal.InScope || goal.Status == assessment.Met {
			continue
		}
		it := Item{Kind: "goal", Urgency: Gap, Title: fmt.Sprintf("Meet %s: %s", goal.Citation, goal.Title),
			Detail: "Status: " + goal.Status.Label() + ".", Link: base + "/scorecard#g-" + url.PathEscape(localID(goal.ID)), Cite: "HPH CPGs, " + goal.Citation}
		if len(goal.Missing) > 0 {
			it.Detail += " Missing: " + goal.Missing[0]
			if n := len(goal.Missing) - 1; n > 0 {
				it.Detail += fmt.Sprintf(" (and %d more)", n)
			}
		}
		add(it)
	}

	slices.SortStableFunc(l.Items, func(a, b Item) int {
		return cmp.Or(cmp.Compare(a.Urgency, b.Urgency), cmp.Compare(b.DaysOverdue, a.DaysOverdue))
	})
	return g, nil
}

// audience names who a notice goes to, in a title.
var audience = map[string]string{
	incident.ToIndividuals:   "the affected individuals",
	incident.ToMedia:         "prominent media outlets",
	incident.ToSecretary:     "the Secretary of HHS",
	incident.ToSecretaryLog:  "HHS of the year's breaches under 500",
	incident.ToCoveredEntity: "the covered entity",
}

// cite is the citation of a catalog item ("HPH CPGs, Essential goal 3"),
// or "".
func (s *Service) cite(id string) string {
	if id == "" {
		return ""
	}
	it, ok := s.Program.Catalog.Item(id)
	if !ok {
		return ""
	}
	if strings.HasPrefix(id, "hph-cpg/") {
		return "HPH CPGs, " + it.Citation
	}
	return "45 CFR " + it.Citation
}

func first(ids []string) string {
	if len(ids) == 0 {
		return ""
	}
	return ids[0]
}

func rowName(r assessment.Row) string { return r.Item.Citation + " " + r.Item.Title }

func localID(id string) string { return (&catalog.Item{ID: id}).LocalID() }

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
