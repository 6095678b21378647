package riskanalysis

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// A Change is one line of "what changed since the last analysis".
type Change struct {
	Kind   string // asset, risk, action, vulnerability
	Ref    string
	Title  string
	What   string // added, removed, changed, closed, reopened, done
	Detail []string
}

// Changes lists what differs from prev to cur: assets, vulnerabilities and
// risks added, removed or changed (ratings, level, response, status), and
// actions done since.
func Changes(prev, cur *risk.Document) []Change {
	var out []Change
	pa := map[string]*risk.Asset{}
	for _, a := range prev.Assets {
		pa[a.ID] = a
	}
	seen := map[string]bool{}
	for _, a := range cur.Assets {
		seen[a.ID] = true
		old, ok := pa[a.ID]
		if !ok {
			c := Change{Kind: "asset", Title: a.Name, What: "added"}
			if a.HoldsEPHI() {
				c.Detail = append(c.Detail, "holds ePHI: "+strings.Join(a.EPHIUses(), ", "))
			}
			out = append(out, c)
			continue
		}
		var d []string
		diff := func(field, was, now string) {
			if was != now {
				d = append(d, fmt.Sprintf("%s: %s → %s", field, orNone(was), orNone(now)))
			}
		}
		diff("name", old.Name, a.Name)
		diff("type", old.Type.Label(), a.Type.Label())
		diff("ePHI", strings.Join(old.EPHIUses(), ", "), strings.Join(a.EPHIUses(), ", "))
		diff("records", fmt.Sprint(old.Records), fmt.Sprint(a.Records))
		diff("owner", old.Owner, a.Owner)
		diff("criticality", string(old.Criticality), string(a.Criticality))
		diff("vendor", old.Vendor, a.Vendor)
		if len(d) > 0 {
			out = append(out, Change{Kind: "asset", Title: a.Name, What: "changed", Detail: d})
		}
	}
	for _, a := range prev.Assets {
		if !seen[a.ID] {
			out = append(out, Change{Kind: "asset", Title: a.Name, What: "removed"})
		}
	}
	pv := map[string]bool{}
	for _, v := range prev.Vulnerabilities {
		pv[v.ID] = true
	}
	for _, v := range cur.Vulnerabilities {
		if !pv[v.ID] {
			out = append(out, Change{Kind: "vulnerability", Title: v.Title, What: "added", Detail: []string{string(v.Status)}})
		}
	}
	prevRows := map[string]*risk.Row{}
	for _, r := range prev.Rows(risk.Today(prev.AsOf)) {
		prevRows[r.Risk.ID] = r
	}
	seen = map[string]bool{}
	for _, r := range cur.Rows(risk.Today(cur.AsOf)) {
		seen[r.Risk.ID] = true
		old, ok := prevRows[r.Risk.ID]
		if !ok {
			out = append(out, Change{Kind: "risk", Ref: r.Risk.Ref(), Title: r.Risk.Title, What: "added", Detail: []string{"level: " + orNone(r.Level)}})
			continue
		}
		var d []string
		what := "changed"
		if old.Risk.Status != r.Risk.Status {
			what = map[risk.Status]string{risk.Closed: "closed", risk.Open: "reopened"}[r.Risk.Status]
		}
		if old.Level != r.Level {
			d = append(d, fmt.Sprintf("level: %s → %s", orNone(old.Level), orNone(r.Level)))
		}
		if old.Risk.Likelihood != r.Risk.Likelihood || old.Impact != r.Impact {
			d = append(d, fmt.Sprintf("likelihood × impact: %d × %d → %d × %d", old.Risk.Likelihood, old.Impact, r.Risk.Likelihood, r.Impact))
		}
		if old.Risk.Response != r.Risk.Response {
			d = append(d, fmt.Sprintf("response: %s → %s", old.Risk.Response.Label(), r.Risk.Response.Label()))
		}
		if len(d) > 0 || what != "changed" {
			out = append(out, Change{Kind: "risk", Ref: r.Risk.Ref(), Title: r.Risk.Title, What: what, Detail: d})
		}
	}
	for _, r := range prev.Rows(risk.Today(prev.AsOf)) {
		if !seen[r.Risk.ID] {
			out = append(out, Change{Kind: "risk", Ref: r.Risk.Ref(), Title: r.Risk.Title, What: "removed"})
		}
	}
	pact := map[string]*risk.Action{}
	for _, a := range prev.Actions {
		pact[a.ID] = a
	}
	refs := map[string]string{}
	for _, r := range cur.Risks {
		refs[r.ID] = r.Ref()
	}
	for _, a := range cur.Actions {
		old, ok := pact[a.ID]
		switch {
		case !ok:
			out = append(out, Change{Kind: "action", Ref: refs[a.RiskID], Title: a.Title, What: "added", Detail: []string{"due " + orNone(a.Due)}})
		case old.Status != risk.Done && a.Status == risk.Done:
			out = append(out, Change{Kind: "action", Ref: refs[a.RiskID], Title: a.Title, What: "done", Detail: []string{"on " + a.CompletedOn}})
		}
	}
	return out
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// A Reminder says something calls for the risk analysis to be reviewed or
// updated.
type Reminder struct {
	Kind    string // review, inventory, acceptance, overdue, none
	Message string
	// Ref is what the reminder is about: the analysis to review or update
	// (review, inventory), the risk whose acceptance expired (acceptance).
	Ref string
	// Due is the date that passed (review, acceptance), YYYY-MM-DD.
	Due string
}

// NewEPHI names (at most ten, in name order) and counts the assets
// holding ePHI added to the inventory after a time.
type NewEPHI func(since time.Time) (names []string, n int, err error)

// Reminders lists what calls for attention on day today, given the
// organisation's analyses (newest first), the open register summed (sum)
// and the assets holding ePHI added since a time (added): no analysis at
// all, the periodic review due, assets holding ePHI added since the last
// final analysis, accepted risks whose acceptance expired, overdue
// actions.
func Reminders(today string, analyses []*risk.Analysis, sum *risk.Summary, added NewEPHI) ([]Reminder, error) {
	var out []Reminder
	var last *risk.Analysis
	for _, a := range analyses {
		if a.Status == risk.Final {
			last = a
			break
		}
	}
	switch {
	case last == nil:
		out = append(out, Reminder{Kind: "none", Message: "No risk analysis has been finalised yet: 164.308(a)(1)(ii)(A) requires an accurate and thorough one."})
	case last.ReviewBy != "" && last.ReviewBy <= today:
		out = append(out, Reminder{Kind: "review", Message: fmt.Sprintf("The periodic review of %q was due on %s.", last.Title, last.ReviewBy), Ref: last.ID, Due: last.ReviewBy})
	}
	if last != nil && last.FinalizedAt != nil {
		names, n, err := added(*last.FinalizedAt)
		if err != nil {
			return nil, err
		}
		if n > 0 {
			if n > len(names) {
				names = append(names, fmt.Sprintf("and %d more", n-len(names)))
			}
			out = append(out, Reminder{Kind: "inventory", Message: fmt.Sprintf("%d asset(s) holding ePHI were added since %q was finalised: %s. Update the risk analysis to cover them.",
				n, last.Title, strings.Join(names, ", ")), Ref: last.ID})
		}
	}
	for _, r := range sum.Expired {
		out = append(out, Reminder{Kind: "acceptance", Message: fmt.Sprintf("The acceptance of %s %q expired on %s: review it.", r.Ref(), r.Title, r.AcceptedUntil), Ref: r.ID, Due: r.AcceptedUntil})
	}
	if sum.Overdue > 0 {
		out = append(out, Reminder{Kind: "overdue", Message: fmt.Sprintf("%d action(s) of the plan are past their due date.", sum.Overdue)})
	}
	return out, nil
}

// Proposals turns an assessment's shortfalls into proposed
// vulnerabilities: each applicable item answered not implemented,
// partially implemented or planned, linked back to the item and the
// assessment. Items that already have a vulnerability are skipped.
func Proposals(reg *catalog.Registry, a *assessment.Assessment, answers map[string]*assessment.Answer, existing []*risk.Vulnerability) []*risk.Vulnerability {
	have := map[string]bool{}
	for _, v := range existing {
		if v.ItemID != "" {
			have[v.ItemID] = true
		}
	}
	name := a.Framework
	if fw, err := reg.Framework(a.Framework); err == nil {
		name = fw.ShortName
	}
	var out []*risk.Vulnerability
	for _, id := range slices.Sorted(maps.Keys(answers)) {
		ans := answers[id]
		var state string
		switch ans.Status {
		case assessment.NotImplemented:
			state = "not implemented"
		case assessment.Partial:
			state = "partially implemented"
		case assessment.Planned:
			state = "planned, not yet implemented"
		default:
			continue
		}
		if have[id] {
			continue
		}
		it, ok := reg.Item(id)
		if !ok {
			continue
		}
		desc := fmt.Sprintf("The %s assessment %q found %s %s.", name, a.Title, it.Citation, state)
		if ans.Notes != "" {
			desc += " Notes: " + ans.Notes
		}
		out = append(out, &risk.Vulnerability{Title: fmt.Sprintf("%s %s: %s", it.Citation, it.Title, state), Description: desc,
			Kind: risk.Weakness, Status: risk.Proposed, ItemID: id, AssessmentID: a.ID})
	}
	return out
}
