package risk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// AnalysisStatus is draft until finalised.
type AnalysisStatus string

// The statuses.
const (
	Draft AnalysisStatus = "draft"
	Final AnalysisStatus = "final"
)

// DefaultReviewMonths is how long a finalised analysis stands before the
// periodic review is due: Safeguard's default of a year. The Security Rule
// sets no interval; 164.316(b)(2)(iii) asks for periodic review and update
// "as needed, in response to environmental or operational changes".
const DefaultReviewMonths = 12

// DefaultMethod describes how the analysis is done, for the report.
const DefaultMethod = "Following NIST SP 800-66 Rev. 2, section 3 (the risk assessment steps: prepare; identify where ePHI is created, received, maintained, processed or transmitted; identify realistic threats; identify potential vulnerabilities and predisposing conditions; assess current security measures; determine the likelihood of a threat exploiting a vulnerability; determine the impact; determine the level of risk; document the results), and 45 CFR 164.308(a)(1)(ii)(A) and (B). Each risk is a threat acting on one or more inventoried assets through a vulnerability or predisposing condition, rated for likelihood and for impact on confidentiality, integrity and availability on the scales below; the risk level is read from the matrix, taking the highest of the three impacts. Each risk has a response and, where mitigated, a plan of actions with owners and due dates and a target residual rating."

// An Analysis is a dated, versioned risk analysis document with its scope.
// Finalising freezes the register into it.
type Analysis struct {
	ID          string         `json:"id"`
	Version     int            `json:"version"`
	Title       string         `json:"title"`
	Scope       string         `json:"scope"`
	Method      string         `json:"method"`
	Status      AnalysisStatus `json:"status"`
	PreviousID  string         `json:"previous,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	CreatedBy   string         `json:"created_by"`
	FinalizedAt *time.Time     `json:"finalized_at,omitempty"`
	FinalizedBy string         `json:"finalized_by,omitempty"`
	Approver    string         `json:"approver,omitempty"`
	ReviewBy    string         `json:"review_by,omitempty"`
	SHA256      string         `json:"sha256,omitempty"`
}

// Validate checks an analysis's fields.
func (a *Analysis) Validate() error {
	a.Title = strings.TrimSpace(a.Title)
	if a.Title == "" {
		return errs.New(errs.Invalid, "title: a risk analysis needs a title")
	}
	if strings.TrimSpace(a.Scope) == "" {
		return errs.New(errs.Invalid, "scope: say what the analysis covers (SP 800-66r2 3: the scope includes all ePHI the organisation creates, receives, maintains or transmits)")
	}
	return checkDate("review_by", a.ReviewBy)
}

// DocumentFormat names the frozen document's format.
const DocumentFormat = "safeguard.risk-analysis/v1"

// A Document is a risk analysis as a report shows it: the analysis, the
// organisation, the threats considered and the register at one moment.
// A final analysis's document is frozen and hashed.
type Document struct {
	Format       string    `json:"format"`
	Organization string    `json:"organization"`
	Analysis     Analysis  `json:"analysis"`
	AsOf         time.Time `json:"as_of"`
	Threats      []*Threat `json:"threats"`
	Register
}

// NewDocument assembles the document of an analysis from the register as
// it stands at asOf.
func NewDocument(orgName string, a Analysis, g *Register, asOf time.Time) *Document {
	return &Document{Format: DocumentFormat, Organization: orgName, Analysis: a, AsOf: asOf.UTC(), Threats: g.Catalog.Threats, Register: *g}
}

// Seal returns the document's canonical JSON and its SHA-256.
func (d *Document) Seal() ([]byte, string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, "", errs.Wrap(errs.Internal, "", err)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}

// ParseDocument reads a frozen document, reattaching the threat catalog it
// carries.
func ParseDocument(b []byte) (*Document, error) {
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, errs.Wrap(errs.Internal, "risk analysis snapshot", err)
	}
	if d.Format != DocumentFormat {
		return nil, errs.New(errs.Internal, fmt.Sprintf("risk analysis snapshot: format %q is not %q", d.Format, DocumentFormat))
	}
	d.Catalog = &Threats{Threats: d.Threats, byID: map[string]*Threat{}}
	for _, t := range d.Threats {
		d.Catalog.byID[t.ID] = t
	}
	return &d, nil
}

// Today is the day of t as the register compares dates.
func Today(t time.Time) string { return t.UTC().Format(DateLayout) }

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
func Changes(prev, cur *Document) []Change {
	var out []Change
	pa := map[string]*Asset{}
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
	prevRows := map[string]*Row{}
	for _, r := range prev.Rows(Today(prev.AsOf)) {
		prevRows[r.Risk.ID] = r
	}
	seen = map[string]bool{}
	for _, r := range cur.Rows(Today(cur.AsOf)) {
		seen[r.Risk.ID] = true
		old, ok := prevRows[r.Risk.ID]
		if !ok {
			out = append(out, Change{Kind: "risk", Ref: r.Risk.Ref(), Title: r.Risk.Title, What: "added", Detail: []string{"level: " + orNone(r.Level)}})
			continue
		}
		var d []string
		what := "changed"
		if old.Risk.Status != r.Risk.Status {
			what = map[Status]string{Closed: "closed", Open: "reopened"}[r.Risk.Status]
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
	for _, r := range prev.Rows(Today(prev.AsOf)) {
		if !seen[r.Risk.ID] {
			out = append(out, Change{Kind: "risk", Ref: r.Risk.Ref(), Title: r.Risk.Title, What: "removed"})
		}
	}
	pact := map[string]*Action{}
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
		case old.Status != Done && a.Status == Done:
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
}

// Reminders lists what calls for attention on day today, given the
// organisation's analyses (newest first) and its register: no analysis at
// all, the periodic review due, assets holding ePHI added since the last
// final analysis, accepted risks whose acceptance expired, overdue actions.
func Reminders(today string, analyses []*Analysis, g *Register) []Reminder {
	var out []Reminder
	var last *Analysis
	for _, a := range analyses {
		if a.Status == Final {
			last = a
			break
		}
	}
	switch {
	case last == nil:
		out = append(out, Reminder{"none", "No risk analysis has been finalised yet: 164.308(a)(1)(ii)(A) requires an accurate and thorough one."})
	case last.ReviewBy != "" && last.ReviewBy <= today:
		out = append(out, Reminder{"review", fmt.Sprintf("The periodic review of %q was due on %s.", last.Title, last.ReviewBy)})
	}
	if last != nil && last.FinalizedAt != nil {
		var names []string
		for _, a := range g.Assets {
			if a.HoldsEPHI() && a.CreatedAt.After(*last.FinalizedAt) {
				names = append(names, a.Name)
			}
		}
		if len(names) > 0 {
			out = append(out, Reminder{"inventory", fmt.Sprintf("%d asset(s) holding ePHI were added since %q was finalised: %s. Update the risk analysis to cover them.",
				len(names), last.Title, strings.Join(clip(names, 10), ", "))})
		}
	}
	overdue := 0
	for _, r := range g.Rows(today) {
		if r.Expired {
			out = append(out, Reminder{"acceptance", fmt.Sprintf("The acceptance of %s %q expired on %s: review it.", r.Risk.Ref(), r.Risk.Title, r.Risk.AcceptedUntil)})
		}
		if r.Risk.Status == Open {
			overdue += r.Overdue
		}
	}
	if overdue > 0 {
		out = append(out, Reminder{"overdue", fmt.Sprintf("%d action(s) of the plan are past their due date.", overdue)})
	}
	return out
}

func clip(s []string, n int) []string {
	if len(s) <= n {
		return s
	}
	return append(s[:n:n], fmt.Sprintf("and %d more", len(s)-n))
}

// Proposals turns an assessment's shortfalls into proposed
// vulnerabilities: each applicable item answered not implemented,
// partially implemented or planned, linked back to the item and the
// assessment. Items that already have a vulnerability are skipped.
func Proposals(reg *catalog.Registry, a *assessment.Assessment, answers map[string]*assessment.Answer, existing []*Vulnerability) []*Vulnerability {
	have := map[string]bool{}
	for _, v := range existing {
		if v.ItemID != "" {
			have[v.ItemID] = true
		}
	}
	var out []*Vulnerability
	for _, id := range sortedIDs(answers) {
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
		desc := fmt.Sprintf("The %s assessment %q found %s %s.", a.Framework, a.Title, it.Citation, state)
		if ans.Notes != "" {
			desc += " Notes: " + ans.Notes
		}
		out = append(out, &Vulnerability{Title: fmt.Sprintf("%s %s: %s", it.Citation, it.Title, state), Description: desc,
			Kind: Weakness, Status: Proposed, ItemID: id, AssessmentID: a.ID})
	}
	return out
}
