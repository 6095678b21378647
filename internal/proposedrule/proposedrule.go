// Package proposedrule says what would change for an organisation if the
// proposed modification of the HIPAA Security Rule (90 FR 898, 6 January
// 2025) became final: each proposal beside the provisions of today's rule
// it changes, the organisation's answers to them in its newest Security
// Rule assessment, and what its data (the checks) show. It also switches
// the proposal on and off for the organisation: off, it is listed nowhere
// but its own page; on, it can be assessed like any framework.
package proposedrule

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
)

// Store is what the service needs of one organisation's records
// (store.Scoped implements it).
type Store interface {
	assessment.Store
	CheckResults(ctx context.Context) ([]*store.CheckResult, error)
	SaveProfile(ctx context.Context, o *org.Organization, p *org.Profile) error
}

// Service computes the delta and keeps the switch.
type Service struct {
	Program *assessment.Program
	Now     func() time.Time
}

// Verdicts: how ready the organisation's measures today are for a
// proposal.
const (
	// Ready: today's provisions it changes are implemented and the data
	// agree; what remains is the proposal's own specifics.
	Ready = "ready"
	// Partly: some are implemented, some partly or planned.
	Partly = "partly"
	// Gap: a provision it changes is not implemented (or decided against,
	// for an addressable one), or a check of it fails.
	Gap = "gap"
	// Unknown: nothing answered or checked to go by.
	Unknown = "unknown"
	// NotApplicable: the proposal does not concern the organisation.
	NotApplicable = "not_applicable"
)

// Verdicts lists them in the order the page counts them.
var Verdicts = []string{Gap, Partly, Unknown, Ready, NotApplicable}

// checks are the checks whose data speak to a proposal, by its local id.
var checks = map[string][]string{
	"proposal-3":  {"assets.inventory"},
	"proposal-5":  {"identity.leavers"},
	"proposal-6":  {"contingency.restore-test", "incident.plan", "incident.exercise"},
	"proposal-8":  {"vendor.requirements", "vendor.baa"},
	"proposal-9":  {"crypto.devices", "crypto.tls", "crypto.flows"},
	"proposal-10": {"endpoint.edr", "config.os-support"},
	"proposal-11": {"identity.mfa"},
	"proposal-12": {"vuln.kev"},
	"proposal-15": {"contingency.backup"},
	"proposal-17": {"vendor.incident-reporting"},
}

// Delta is what would change for one organisation.
type Delta struct {
	Organization string             `json:"organization"`
	Enabled      bool               `json:"enabled"`
	AsOf         time.Time          `json:"as_of"`
	Framework    *catalog.Framework `json:"-"`
	// Assessment is the newest Security Rule assessment the answers come
	// from; nil when there is none.
	Assessment *assessment.Assessment `json:"assessment,omitempty"`
	Changes    []Change               `json:"changes"`
	Counts     map[string]int         `json:"counts"`
}

// Change is one proposal for the organisation.
type Change struct {
	Item    *catalog.Item `json:"-"`
	ID      string        `json:"id"`
	Cite    string        `json:"citation"`
	Title   string        `json:"title"`
	Text    string        `json:"text"`
	Applies bool          `json:"applies"`
	Reason  string        `json:"reason"`
	Verdict string        `json:"verdict"`
	Why     string        `json:"why"`
	// Today are the provisions of today's rule it changes, with the
	// organisation's answers.
	Today  []Provision  `json:"today"`
	Checks []CheckState `json:"checks,omitempty"`
}

// Provision is a provision of today's rule with the organisation's answer.
type Provision struct {
	Item       *catalog.Item           `json:"-"`
	ID         string                  `json:"id"`
	Cite       string                  `json:"citation"`
	Title      string                  `json:"title"`
	Required   *bool                   `json:"required,omitempty"`
	Rationale  string                  `json:"rationale"`
	Applicable bool                    `json:"applicable"`
	Status     assessment.Status       `json:"status"`
	Decision   assessment.DecisionKind `json:"decision,omitempty"`
}

// CheckState is the newest result of a check that speaks to a proposal.
type CheckState struct {
	ID     string    `json:"id"`
	Title  string    `json:"title"`
	Status string    `json:"status"`
	Detail string    `json:"detail"`
	At     time.Time `json:"at"`
	Ref    string    `json:"result,omitempty"`
}

// SetEnabled switches the proposed rule on or off for the organisation,
// with the profile's audit entry.
func (s *Service) SetEnabled(ctx context.Context, st Store, on bool) error {
	prof, err := st.Profile(ctx)
	if err != nil {
		return err
	}
	prof.ProposedRule = on
	o := *st.Org()
	return st.SaveProfile(ctx, &o, prof)
}

// Delta computes what would change for the organisation of st.
func (s *Service) Delta(ctx context.Context, st Store) (*Delta, error) {
	now := s.Now()
	reg, err := s.Program.Registry(ctx, st)
	if err != nil {
		return nil, err
	}
	nprm, err := reg.Framework(catalog.HIPAANPRM2025)
	if err != nil {
		return nil, err
	}
	today, err := reg.Framework(catalog.HIPAASecurityRule)
	if err != nil {
		return nil, err
	}
	prof, err := st.Profile(ctx)
	if err != nil {
		return nil, err
	}
	tailored, err := s.Program.Tailor(ctx, st, nprm.ID)
	if err != nil {
		return nil, err
	}
	applies := map[string]string{}
	for _, d := range tailored {
		if d.Applicable {
			applies[d.ItemID] = d.Reason
		} else {
			applies[d.ItemID] = "-" + d.Reason
		}
	}
	d := &Delta{Organization: st.Org().Slug, Enabled: prof.ProposedRule, AsOf: now, Framework: nprm, Counts: map[string]int{}}
	rows := map[string]assessment.Row{}
	all, err := st.Assessments(ctx)
	if err != nil {
		return nil, err
	}
	if cur := assessment.Current(all, today.ID); cur != nil {
		v, err := s.Program.View(ctx, st, cur.ID, now)
		if err != nil {
			return nil, err
		}
		d.Assessment = v.Assessment
		for _, r := range v.Rows {
			rows[r.Item.ID] = r
		}
	}
	results, err := st.CheckResults(ctx)
	if err != nil {
		return nil, err
	}
	byCheck := map[string]*store.CheckResult{}
	for _, r := range results {
		byCheck[r.Check.ID] = r
	}
	for _, it := range nprm.Items {
		if it.Kind != catalog.KindProposal {
			continue
		}
		reason := applies[it.ID]
		c := Change{Item: it, ID: it.ID, Cite: it.Citation, Title: it.Title, Text: it.Text, Applies: !strings.HasPrefix(reason, "-"), Reason: strings.TrimPrefix(reason, "-")}
		for _, rel := range reg.Related(it.ID) {
			if reg.FrameworkOf(rel.Item) != today {
				continue
			}
			p := Provision{Item: rel.Item, ID: rel.Item.ID, Cite: rel.Item.Citation, Title: rel.Item.Title, Required: rel.Item.Required, Rationale: rel.Mapping.Rationale}
			if row, ok := rows[rel.Item.ID]; ok {
				p.Applicable, p.Status = row.Tailor.Applicable, row.Answer.Status
				if row.Answer.Decision != nil {
					p.Decision = row.Answer.Decision.Kind
				}
			}
			c.Today = append(c.Today, p)
		}
		for _, id := range checks[it.LocalID()] {
			if r, ok := byCheck[id]; ok {
				c.Checks = append(c.Checks, CheckState{ID: id, Title: r.Check.Title, Status: string(r.Status), Detail: r.Detail, At: r.At, Ref: r.ID})
			}
		}
		c.Verdict, c.Why = judge(&c, d.Assessment != nil, it.LocalID() == "proposal-1")
		d.Counts[c.Verdict]++
		d.Changes = append(d.Changes, c)
	}
	return d, nil
}

// judge decides a proposal's verdict and says why. allRequired is the
// proposal that makes every addressable specification required: what
// counts there is the decisions documented for them.
func judge(c *Change, assessed, allRequired bool) (string, string) {
	if !c.Applies {
		return NotApplicable, c.Reason
	}
	var gaps, partial, open, done []string
	for _, p := range c.Today {
		if !p.Applicable {
			continue
		}
		name := p.Cite + " " + p.Title
		switch {
		case allRequired && p.Required == nil:
			// The flexibility of approach itself: nothing to answer.
		case allRequired && (p.Decision == assessment.Alternative || p.Decision == assessment.NotReasonable):
			gaps = append(gaps, name+" (documented as "+decisionLabel(p.Decision)+")")
		case p.Status == assessment.NotImplemented:
			gaps = append(gaps, name+" (not implemented)")
		case p.Status == assessment.Partial || p.Status == assessment.Planned:
			partial = append(partial, name+" ("+p.Status.Label()+")")
		case p.Status == assessment.Implemented:
			done = append(done, name)
		case p.Status == assessment.Unanswered:
			open = append(open, name)
		}
	}
	var failing, passing []string
	for _, ch := range c.Checks {
		switch ch.Status {
		case string(store.CheckFail):
			failing = append(failing, ch.Title+": "+ch.Detail)
		case string(store.CheckPass):
			passing = append(passing, ch.Title)
		}
	}
	switch {
	case len(gaps) > 0 || len(failing) > 0:
		var why []string
		if len(gaps) > 0 {
			if allRequired {
				why = append(why, fmt.Sprintf("%d addressable specifications would have to be implemented as specified: %s", len(gaps), strings.Join(gaps, "; ")))
			} else {
				why = append(why, "today's provisions not in place: "+strings.Join(gaps, "; "))
			}
		}
		if len(failing) > 0 {
			why = append(why, "the data disagree: "+strings.Join(failing, "; "))
		}
		return Gap, strings.Join(why, ". ") + "."
	case len(partial) > 0:
		return Partly, "today's provisions only partly in place: " + strings.Join(partial, "; ") + "."
	case len(done) > 0 && len(open) == 0 || len(done) == 0 && len(open) == 0 && len(passing) > 0:
		why := "Today's provisions are in place"
		if len(passing) > 0 {
			why += " and the data agree (" + strings.Join(passing, ", ") + ")"
		}
		return Ready, why + "; what the proposal adds is its own: " + c.Text
	case !assessed && len(passing) == 0:
		return Unknown, "No Security Rule assessment to compare with: answer it, and this page says where you stand."
	default:
		return Unknown, "Not yet answered in the Security Rule assessment: " + strings.Join(open, "; ") + "."
	}
}

func decisionLabel(k assessment.DecisionKind) string {
	switch k {
	case assessment.Alternative:
		return "an equivalent alternative measure"
	case assessment.NotReasonable:
		return "not reasonable and appropriate"
	}
	return string(k)
}
