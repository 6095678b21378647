// Package assessment holds the gap assessment: one dated run over one
// framework for one organisation, its answers, the decision the Security
// Rule requires for every addressable implementation specification, the
// completeness that shows on every page, finalising into a frozen,
// hash-sealed version, and the HPH CPG scorecard computed from it.
package assessment

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// State is where an assessment is in its life.
type State string

const (
	Draft State = "draft" // being answered
	Final State = "final" // frozen, read-only, dated
)

// Assessment is one dated run over one framework for one organisation.
type Assessment struct {
	ID               string    `json:"id"`
	OrgID            string    `json:"org_id"`
	Framework        string    `json:"framework"`
	FrameworkVersion string    `json:"framework_version"`
	Title            string    `json:"title"`
	State            State     `json:"state"`
	BasedOn          string    `json:"based_on,omitempty"` // the assessment whose answers it started from
	CreatedAt        time.Time `json:"created_at"`
	CreatedBy        string    `json:"created_by"`
	FinalizedAt      time.Time `json:"finalized_at,omitzero"`
	FinalizedBy      string    `json:"finalized_by,omitempty"`
	// SnapshotSHA256 is the hash of the frozen record made at finalising.
	SnapshotSHA256 string `json:"snapshot_sha256,omitempty"`
}

// Final reports whether the assessment is frozen.
func (a *Assessment) Final() bool { return a.State == Final }

// Status is how far an item is implemented.
type Status string

const (
	Unanswered     Status = ""
	Implemented    Status = "implemented"
	Partial        Status = "partially_implemented"
	Planned        Status = "planned"
	NotImplemented Status = "not_implemented"
	NotApplicable  Status = "not_applicable"
)

// Statuses lists the statuses in the order a person picks from.
var Statuses = []Status{Implemented, Partial, Planned, NotImplemented, NotApplicable}

// Label is the status as a person reads it.
func (s Status) Label() string {
	switch s {
	case Implemented:
		return "Implemented"
	case Partial:
		return "Partially implemented"
	case Planned:
		return "Planned"
	case NotImplemented:
		return "Not implemented"
	case NotApplicable:
		return "Not applicable"
	case Unanswered:
		return "Not answered"
	}
	return string(s)
}

// ParseStatus accepts a status by name or label ("partially implemented",
// "Partially_Implemented"). Errors: Invalid, naming the statuses.
func ParseStatus(s string) (Status, error) {
	norm := strings.ReplaceAll(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), " ", "_"), "-", "_")
	if norm == "" || norm == "not_answered" {
		return Unanswered, nil
	}
	for _, st := range Statuses {
		if norm == string(st) || norm == strings.ReplaceAll(strings.ToLower(st.Label()), " ", "_") {
			return st, nil
		}
	}
	if norm == "partial" {
		return Partial, nil
	}
	return "", errs.New(errs.Invalid, fmt.Sprintf("%q is not a status (one of %s)", s, statusNames()))
}

func statusNames() string {
	var names []string
	for _, s := range Statuses {
		names = append(names, strings.ToLower(s.Label()))
	}
	return strings.Join(names, ", ")
}

// DecisionKind is the documented decision for an addressable implementation
// specification (45 CFR 164.306(d)(3)).
type DecisionKind string

const (
	// AsSpecified: implement the specification as the rule describes it.
	AsSpecified DecisionKind = "as_specified"
	// Alternative: the specification is not reasonable and appropriate;
	// an equivalent alternative measure is implemented instead.
	Alternative DecisionKind = "alternative"
	// NotReasonable: the specification is not reasonable and appropriate,
	// and no equivalent alternative is implemented, or one is where that
	// is reasonable and appropriate; document why.
	NotReasonable DecisionKind = "not_reasonable"
)

// DecisionKinds lists the kinds in the order a person picks from.
var DecisionKinds = []DecisionKind{AsSpecified, Alternative, NotReasonable}

// Label is the decision as a person reads it.
func (k DecisionKind) Label() string {
	switch k {
	case AsSpecified:
		return "Implemented as specified"
	case Alternative:
		return "Equivalent alternative measure"
	case NotReasonable:
		return "Not reasonable and appropriate"
	}
	return string(k)
}

// ParseDecisionKind accepts a kind by name or label. Errors: Invalid.
func ParseDecisionKind(s string) (DecisionKind, error) {
	norm := strings.ToLower(strings.TrimSpace(s))
	if norm == "" {
		return "", nil
	}
	for _, k := range DecisionKinds {
		if norm == string(k) || norm == strings.ToLower(k.Label()) {
			return k, nil
		}
	}
	return "", errs.New(errs.Invalid, fmt.Sprintf("%q is not a decision (one of: implemented as specified, equivalent alternative measure, not reasonable and appropriate)", s))
}

// Decision is the documented decision for one addressable specification.
// Implemented as specified, it needs nothing more (164.306(d)(3)(ii)(A)).
// Otherwise the specification is not reasonable and appropriate, and the
// rule asks to document why (164.306(d)(3)(ii)(B)(1)) and to implement an
// equivalent alternative measure if that is reasonable and appropriate
// ((B)(2)): an Alternative names its measure; NotReasonable may name one
// or none.
type Decision struct {
	Kind DecisionKind `json:"kind"`
	// Measure is the equivalent alternative measure implemented: required
	// for Alternative, optional for NotReasonable.
	Measure string `json:"measure,omitempty"`
	// Reason is why implementing the specification would not be reasonable
	// and appropriate: required for Alternative and NotReasonable.
	Reason string `json:"reason,omitempty"`
}

// Gap says what 164.306(d)(3) asks of the decision that it does not
// document ("" when nothing): a decision recorded before Safeguard asked
// an alternative for its reason may lack one.
func (d *Decision) Gap() string {
	if d == nil {
		return "the decision"
	}
	switch d.Kind {
	case Alternative:
		if strings.TrimSpace(d.Measure) == "" {
			return "the equivalent alternative measure (45 CFR 164.306(d)(3)(ii)(B)(2))"
		}
		if strings.TrimSpace(d.Reason) == "" {
			return "why the specification is not reasonable and appropriate (45 CFR 164.306(d)(3)(ii)(B)(1))"
		}
	case NotReasonable:
		if strings.TrimSpace(d.Reason) == "" {
			return "why the specification is not reasonable and appropriate (45 CFR 164.306(d)(3)(ii)(B)(1))"
		}
	case AsSpecified:
	default:
		return "the decision"
	}
	return ""
}

// The rule's text for each part of a decision, shown beside its field.
const (
	// DecisionAssessText is 164.306(d)(3)(i).
	DecisionAssessText = "Assess whether each implementation specification is a reasonable and appropriate safeguard in its environment, when analyzed with reference to the likely contribution to protecting electronic protected health information (45 CFR 164.306(d)(3)(i))."
	// DecisionReasonText is 164.306(d)(3)(ii)(B)(1).
	DecisionReasonText = "If implementing the implementation specification is not reasonable and appropriate: document why it would not be reasonable and appropriate to implement the implementation specification (45 CFR 164.306(d)(3)(ii)(B)(1))."
	// DecisionMeasureText is 164.306(d)(3)(ii)(B)(2).
	DecisionMeasureText = "Implement an equivalent alternative measure if reasonable and appropriate (45 CFR 164.306(d)(3)(ii)(B)(2))."
)

// DecisionSource is the provision that requires the decision.
const DecisionSource = "45 CFR 164.306(d)(3)"

// Answer is the answer to one item of an assessment.
type Answer struct {
	ItemID     string            `json:"item_id"`
	Status     Status            `json:"status"`
	Notes      string            `json:"notes,omitempty"`
	Owner      string            `json:"owner,omitempty"`
	TargetDate string            `json:"target_date,omitempty"` // YYYY-MM-DD
	Questions  map[string]string `json:"questions,omitempty"`   // SP 800-66r2 sample question id -> answer
	Decision   *Decision         `json:"decision,omitempty"`
	// Source records where the answer came from when a person confirmed an
	// answer given for a mapped item of another framework.
	Source string `json:"source,omitempty"`
	// CarriedForward marks an answer copied from the previous assessment and
	// not yet reviewed in this one.
	CarriedForward bool      `json:"carried_forward,omitempty"`
	UpdatedAt      time.Time `json:"updated_at,omitzero"`
	UpdatedBy      string    `json:"updated_by,omitempty"`
}

// Empty reports whether the answer holds nothing.
func (a *Answer) Empty() bool {
	return a.Status == Unanswered && a.Notes == "" && a.Owner == "" && a.TargetDate == "" && len(a.Questions) == 0 && a.Decision == nil
}

// Limits on answer fields.
const (
	MaxNotes  = 20000
	MaxField  = 2000
	MaxOwner  = 200
	dateShape = "2006-01-02"
)

// Addressable reports whether an item is an addressable implementation
// specification.
func Addressable(it *catalog.Item) bool {
	req, ok := it.IsRequired()
	return ok && !req
}

// Normalize trims an answer's fields and checks them against its item:
// the status and decision are known, a decision is given only for an
// addressable specification and carries what its kind needs, the target
// date is a date, the questions are the item's own. Errors: Invalid,
// naming the field.
func (a *Answer) Normalize(reg *catalog.Registry, it *catalog.Item) error {
	bad := func(format string, args ...any) error {
		return errs.New(errs.Invalid, it.Citation+": "+fmt.Sprintf(format, args...))
	}
	a.ItemID = it.ID
	a.Notes, a.Owner, a.TargetDate = strings.TrimSpace(a.Notes), strings.TrimSpace(a.Owner), strings.TrimSpace(a.TargetDate)
	if _, err := ParseStatus(string(a.Status)); err != nil || (a.Status != Unanswered && a.Status != Status(strings.ToLower(string(a.Status)))) {
		return bad("%q is not a status (one of %s)", a.Status, statusNames())
	}
	for _, f := range []struct {
		name, v string
		max     int
	}{{"notes", a.Notes, MaxNotes}, {"owner", a.Owner, MaxOwner}} {
		if len(f.v) > f.max {
			return bad("%s is longer than %d characters", f.name, f.max)
		}
		if !utf8.ValidString(f.v) {
			return bad("%s is not valid UTF-8 text", f.name)
		}
	}
	if a.TargetDate != "" {
		if _, err := time.Parse(dateShape, a.TargetDate); err != nil {
			return bad("target date %q is not a date (YYYY-MM-DD)", a.TargetDate)
		}
	}
	known := questionIDs(reg, it)
	for id, text := range a.Questions {
		text = strings.TrimSpace(text)
		switch {
		case !known[id]:
			return bad("%q is not one of this item's sample questions", id)
		case len(text) > MaxField || !utf8.ValidString(text):
			return bad("the answer to %s is longer than %d characters or not text", id, MaxField)
		case text == "":
			delete(a.Questions, id)
		default:
			a.Questions[id] = text
		}
	}
	if a.Decision != nil {
		d := a.Decision
		d.Measure, d.Reason = strings.TrimSpace(d.Measure), strings.TrimSpace(d.Reason)
		if d.Kind == "" && d.Measure == "" && d.Reason == "" {
			a.Decision = nil
			return nil
		}
		if !Addressable(it) {
			return bad("only an addressable implementation specification takes a decision")
		}
		if _, err := ParseDecisionKind(string(d.Kind)); err != nil || d.Kind == "" {
			return bad("choose a decision: implemented as specified, equivalent alternative measure, or not reasonable and appropriate")
		}
		if len(d.Measure) > MaxField || len(d.Reason) > MaxField || !utf8.ValidString(d.Measure+d.Reason) {
			return bad("the decision's measure and reason are at most %d characters of text", MaxField)
		}
		switch d.Kind {
		case Alternative:
			if d.Measure == "" {
				return bad("an equivalent alternative measure: say which measure is implemented (45 CFR 164.306(d)(3)(ii)(B)(2))")
			}
			if d.Reason == "" {
				return bad("an equivalent alternative measure: document why it would not be reasonable and appropriate to implement the specification itself (45 CFR 164.306(d)(3)(ii)(B)(1))")
			}
		case NotReasonable:
			if d.Reason == "" {
				return bad("not reasonable and appropriate: document why it would not be reasonable and appropriate to implement the specification (45 CFR 164.306(d)(3)(ii)(B)(1))")
			}
		}
	}
	return nil
}

// questionIDs are the ids of an item's SP 800-66r2 sample questions,
// sub-questions included.
func questionIDs(reg *catalog.Registry, it *catalog.Item) map[string]bool {
	out := map[string]bool{}
	var walk func(qs []catalog.Question)
	walk = func(qs []catalog.Question) {
		for _, q := range qs {
			out[q.ID] = true
			walk(q.Sub)
		}
	}
	for _, ka := range Guidance(reg, it) {
		walk(ka.SampleQuestions)
	}
	return out
}

// Guidance returns the SP 800-66r2 key activities that speak to an item: a
// standard's own, or, for an implementation specification, those of its
// standard that name it.
func Guidance(reg *catalog.Registry, it *catalog.Item) []catalog.KeyActivity {
	if it.Guidance != nil {
		return it.Guidance.KeyActivities
	}
	parent, ok := reg.Item(it.Parent)
	if !ok || parent.Guidance == nil {
		return nil
	}
	var out []catalog.KeyActivity
	for _, ka := range parent.Guidance.KeyActivities {
		for _, spec := range ka.Specs {
			if spec == it.ID {
				out = append(out, ka)
			}
		}
	}
	return out
}
