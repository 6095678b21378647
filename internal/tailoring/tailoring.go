// Package tailoring decides which requirements apply to an organisation and
// says why, item by item, from its profile. The rules are data (rules.json),
// each quoting the provision that sets its condition; the conditions are a
// small vocabulary defined here. A person can override any decision with a
// recorded justification, and the override wins.
package tailoring

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
)

//go:embed rules.json
var rulesJSON []byte

// Source says where a tailoring rule comes from. Basis "regulation": the
// quoted text of a regulation sets the condition; "guidance": the quoted
// text is a government body's voluntary guidance, setting no legal duty
// (HHS's performance goals); "safeguard": Safeguard's reading or policy.
type Source struct {
	Citation string `json:"citation"`
	Quote    string `json:"quote,omitempty"`
	Basis    string `json:"basis"`
	Note     string `json:"note,omitempty"`
}

// The bases of a source.
const (
	BasisRegulation = "regulation"
	BasisGuidance   = "guidance"
	BasisSafeguard  = "safeguard"
)

// Rule makes items applicable when its condition holds and not otherwise.
type Rule struct {
	ID         string   `json:"id"`
	Items      []string `json:"items"`
	When       string   `json:"when"`
	Applies    string   `json:"applies"`
	NotApplies string   `json:"not_applies"`
	Source     Source   `json:"source"`
}

// Note adds guidance to every item of a framework when its condition holds,
// without changing what applies.
type Note struct {
	ID        string `json:"id"`
	Framework string `json:"framework"`
	When      string `json:"when"`
	Note      string `json:"note"`
	Source    Source `json:"source"`
}

// Default is why an item no rule speaks of applies, or, for a default
// with NotApplicable, why no item of the framework applies, rules' too. A default with a condition (When)
// is taken over the framework's plain one when the condition holds; the
// first that holds wins.
type Default struct {
	Framework     string `json:"framework"`
	When          string `json:"when,omitempty"`
	NotApplicable bool   `json:"not_applicable,omitempty"`
	Reason        string `json:"reason"`
	Source        Source `json:"source"`
}

// Rules is the whole rule set.
type Rules struct {
	Version  string    `json:"version"`
	Note     string    `json:"note"`
	Defaults []Default `json:"defaults"`
	Rules    []Rule    `json:"rules"`
	Notes    []Note    `json:"notes"`
}

// Facts are what the conditions read.
type Facts struct {
	Org     *org.Organization
	Profile *org.Profile
}

// conditions is the vocabulary rules.json may use.
var conditions = map[string]func(Facts) bool{
	"clearinghouse_in_larger_org": func(f Facts) bool { return f.Profile.ClearinghouseInLargerOrg },
	"group_health_plan": func(f Facts) bool {
		return (f.Org.EntityType == org.PlanSponsor || f.Profile.GroupHealthPlan) && f.Profile.SponsorReceives == ""
	},
	"plan_sponsor":        func(f Facts) bool { return f.Org.EntityType == org.PlanSponsor && f.Profile.SponsorReceives == "" },
	"plan_sponsor_exempt": func(f Facts) bool { return f.Org.EntityType == org.PlanSponsor && f.Profile.SponsorReceives != "" },
	"business_associate_with_subcontractors": func(f Facts) bool {
		return f.Org.EntityType == org.BusinessAssociate && f.Profile.Subcontractors
	},
	"not_plan_sponsor":  func(f Facts) bool { return f.Org.EntityType != org.PlanSponsor },
	"enhanced_in_scope": func(f Facts) bool { return !f.Org.Small(f.Profile) },
	"hybrid":            func(f Facts) bool { return f.Org.EntityType == org.Hybrid },
	"small":             func(f Facts) bool { return f.Org.Small(f.Profile) },
}

// Load parses and validates the embedded rules against the catalog: every
// item a rule names exists and is assessable, every condition is known,
// every rule cites its source. It fails at start, not in front of a user.
func Load(reg *catalog.Registry) (*Rules, error) {
	return Parse(rulesJSON, reg)
}

// Parse reads a rule set and validates it against the catalog.
func Parse(data []byte, reg *catalog.Registry) (*Rules, error) {
	var rs Rules
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&rs); err != nil {
		return nil, fmt.Errorf("tailoring rules: %w", err)
	}
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	checkSource := func(id string, s Source) {
		if s.Citation == "" || (s.Basis != BasisRegulation && s.Basis != BasisGuidance && s.Basis != BasisSafeguard) {
			bad("%s: a source needs a citation and a basis of regulation, guidance or safeguard", id)
		}
	}
	seen := map[string]string{}
	for _, r := range rs.Rules {
		if _, ok := conditions[r.When]; !ok {
			bad("rule %s: unknown condition %q", r.ID, r.When)
		}
		if r.Applies == "" || r.NotApplies == "" || len(r.Items) == 0 {
			bad("rule %s: needs items and both reasons", r.ID)
		}
		checkSource("rule "+r.ID, r.Source)
		for _, id := range r.Items {
			it, ok := reg.Item(id)
			if !ok || !Assessable(it) {
				bad("rule %s: %s is not an assessable item of the catalog", r.ID, id)
			}
			if other, dup := seen[id]; dup {
				bad("rule %s: %s is already decided by rule %s", r.ID, id, other)
			}
			seen[id] = r.ID
		}
	}
	for _, n := range rs.Notes {
		if _, ok := conditions[n.When]; !ok {
			bad("note %s: unknown condition %q", n.ID, n.When)
		}
		checkSource("note "+n.ID, n.Source)
	}
	for _, d := range rs.Defaults {
		if _, err := reg.Framework(d.Framework); err != nil {
			bad("default for unknown framework %q", d.Framework)
		}
		if _, ok := conditions[d.When]; d.When != "" && !ok {
			bad("default for %s: unknown condition %q", d.Framework, d.When)
		}
		checkSource("default "+d.Framework, d.Source)
	}
	if len(problems) > 0 {
		return nil, fmt.Errorf("tailoring rules: %s", strings.Join(problems, "; "))
	}
	return &rs, nil
}

// Assessable reports whether an item is answered in an assessment: the
// Security Rule's general requirements (164.306(a), (b), (e)), standards
// and implementation specifications, the CPGs'
// goals, CSF subcategories, the controls of an imported OSCAL catalog, a
// proposed rule's proposals.
// Sections, functions and categories group them.
func Assessable(it *catalog.Item) bool {
	switch it.Kind {
	case catalog.KindGeneral, catalog.KindStandard, catalog.KindImplSpec, catalog.KindGoal, catalog.KindControl, catalog.KindProposal:
		return true
	case catalog.KindSubcategory:
		return !it.Withdrawn
	}
	return false
}

// Override is a person's decision that replaces Safeguard's for one item.
type Override struct {
	ItemID        string    `json:"item_id"`
	Applicable    bool      `json:"applicable"`
	Justification string    `json:"justification"`
	By            string    `json:"by"`
	At            time.Time `json:"at"`
}

// Validate returns an Invalid error when the justification is missing or
// too long.
func (o *Override) Validate() error {
	o.Justification = strings.TrimSpace(o.Justification)
	switch {
	case o.Justification == "":
		return errs.New(errs.Invalid, "an override needs a justification: say why this item does or does not apply")
	case len(o.Justification) > 2000:
		return errs.New(errs.Invalid, "the justification is longer than 2000 characters")
	}
	return nil
}

// Decision is whether one item applies to the organisation, and why.
type Decision struct {
	ItemID     string    `json:"item_id"`
	Applicable bool      `json:"applicable"`
	Reason     string    `json:"reason"`
	Source     Source    `json:"source"`
	RuleID     string    `json:"rule,omitempty"` // "" for the framework's default
	Notes      []Note    `json:"notes,omitempty"`
	Override   *Override `json:"override,omitempty"`
	// Safeguard is the decision the rules made, kept when overridden.
	Safeguard bool `json:"safeguard_applicable"`
}

// Tailor decides every assessable item of a framework, in catalog order.
// overrides are keyed by item id.
func (rs *Rules) Tailor(reg *catalog.Registry, framework string, f Facts, overrides map[string]Override) ([]Decision, error) {
	fw, err := reg.Framework(framework)
	if err != nil {
		return nil, err
	}
	if f.Profile == nil {
		f.Profile = &org.Profile{}
	}
	byItem := map[string]*Rule{}
	for i := range rs.Rules {
		for _, id := range rs.Rules[i].Items {
			byItem[id] = &rs.Rules[i]
		}
	}
	var def *Default
	for i := range rs.Defaults {
		d := &rs.Defaults[i]
		if d.Framework != fw.ID {
			continue
		}
		if d.When == "" && def == nil || d.When != "" && conditions[d.When](f) && (def == nil || def.When == "") {
			def = d
		}
	}
	var notes []Note
	for _, n := range rs.Notes {
		if n.Framework == fw.ID && conditions[n.When](f) {
			notes = append(notes, n)
		}
	}
	var out []Decision
	for _, it := range fw.Items {
		if !Assessable(it) {
			continue
		}
		d := Decision{ItemID: it.ID, Applicable: true, Notes: notes}
		switch r := byItem[it.ID]; {
		case def != nil && def.NotApplicable:
			// An exclusion (a plan sponsor 164.314(b)(1) excepts) decides
			// every item, those of rules too.
			d.Reason, d.Source, d.Applicable = def.Reason, def.Source, false
		case r != nil:
			d.RuleID, d.Source = r.ID, r.Source
			d.Applicable = conditions[r.When](f)
			d.Reason = r.NotApplies
			if d.Applicable {
				d.Reason = r.Applies
			}
		case def != nil:
			d.Reason, d.Source, d.Applicable = def.Reason, def.Source, !def.NotApplicable
		default:
			d.Reason = "Applies: no tailoring rule narrows this framework."
			d.Source = Source{Citation: fw.ShortName, Basis: "safeguard"}
		}
		d.Safeguard = d.Applicable
		if o, ok := overrides[it.ID]; ok {
			d.Override, d.Applicable = &o, o.Applicable
		}
		out = append(out, d)
	}
	return out, nil
}

// Applicable returns the ids of the decisions that apply.
func Applicable(ds []Decision) map[string]bool {
	out := make(map[string]bool, len(ds))
	for _, d := range ds {
		if d.Applicable {
			out[d.ItemID] = true
		}
	}
	return out
}
