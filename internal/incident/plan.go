package incident

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// A Plan is one version of the organisation's incident response plan
// (45 CFR 164.308(a)(6)(i) asks for policies and procedures to address
// security incidents): who does what, whom to call, how incidents are
// escalated and communicated, and a playbook of steps per threat.
type Plan struct {
	Version       int        `json:"version"`
	Title         string     `json:"title"`
	Scope         string     `json:"scope"`
	Roles         []Role     `json:"roles"`
	Contacts      []Contact  `json:"contacts"`
	Escalation    string     `json:"escalation"`
	Communication string     `json:"communication"`
	Playbooks     []Playbook `json:"playbooks"`
	ReviewMonths  int        `json:"review_months"` // how often it is reviewed; DefaultReviewMonths when 0
	ApprovedBy    string     `json:"approved_by,omitempty"`
	ApprovedOn    string     `json:"approved_on,omitempty"` // YYYY-MM-DD; "" for a draft
	CreatedAt     time.Time  `json:"created_at"`
	CreatedBy     string     `json:"created_by"`
}

// A Role is a part someone plays in a response, with who plays it and
// who stands in.
type Role struct {
	Role   string `json:"role"`
	Name   string `json:"name"`
	Phone  string `json:"phone,omitempty"`
	Email  string `json:"email,omitempty"`
	Backup string `json:"backup,omitempty"`
}

// The kinds of outside contacts a plan keeps.
var ContactKinds = []string{"vendor", "insurer", "counsel", "law-enforcement", "hhs-hc3", "it-provider", "forensics", "other"}

// A Contact is someone outside the organisation the plan calls on.
type Contact struct {
	Kind         string `json:"kind"`
	Name         string `json:"name"`
	Organisation string `json:"organisation,omitempty"`
	Phone        string `json:"phone,omitempty"`
	Email        string `json:"email,omitempty"`
	Notes        string `json:"notes,omitempty"`
}

// A Playbook is the checklist for one threat.
type Playbook struct {
	Threat string `json:"threat"` // a threat of the risk catalog
	Title  string `json:"title"`
	Source string `json:"source,omitempty"`
	Steps  []Step `json:"steps"`
}

// The phases a step belongs to, in order.
var Phases = []string{"detect", "contain", "eradicate", "recover", "notify", "learn"}

// A Step is one thing to do in a playbook.
type Step struct {
	Phase string `json:"phase"`
	Text  string `json:"text"`
}

// DefaultReviewMonths is how often a plan is reviewed unless it says
// otherwise: yearly, Safeguard's default.
const DefaultReviewMonths = 12

//go:embed playbooks.json
var playbooksJSON []byte

// Starter is the plan an organisation starts from: its roles and contacts
// blank, and Safeguard's playbooks for the five threats of HICP.
func Starter() *Plan {
	var p Plan
	if err := json.Unmarshal(playbooksJSON, &p); err != nil {
		panic("incident: playbooks.json: " + err.Error())
	}
	return &p
}

// Validate checks a plan, naming the first field that is wrong.
func (p *Plan) Validate() error {
	p.Title, p.Scope = strings.TrimSpace(p.Title), strings.TrimSpace(p.Scope)
	switch {
	case p.Title == "":
		return errs.New(errs.Invalid, "title: the plan's title")
	case p.ReviewMonths < 0 || p.ReviewMonths > 36:
		return errs.New(errs.Invalid, fmt.Sprintf("review_months: %d is not 1 to 36", p.ReviewMonths))
	case len(p.Roles) == 0:
		return errs.New(errs.Invalid, "roles: who leads the response, at least")
	case len(p.Playbooks) == 0:
		return errs.New(errs.Invalid, "playbooks: at least one")
	}
	for k, r := range p.Roles {
		if strings.TrimSpace(r.Role) == "" || strings.TrimSpace(r.Name) == "" {
			return errs.New(errs.Invalid, fmt.Sprintf("roles[%d]: a role and who plays it", k))
		}
	}
	for k, c := range p.Contacts {
		switch {
		case !slices.Contains(ContactKinds, c.Kind):
			return errs.New(errs.Invalid, fmt.Sprintf("contacts[%d].kind: %q is not one of %s", k, c.Kind, strings.Join(ContactKinds, ", ")))
		case strings.TrimSpace(c.Name) == "":
			return errs.New(errs.Invalid, fmt.Sprintf("contacts[%d].name: whom to call", k))
		}
	}
	for k, b := range p.Playbooks {
		if strings.TrimSpace(b.Title) == "" || len(b.Steps) == 0 {
			return errs.New(errs.Invalid, fmt.Sprintf("playbooks[%d]: a title and steps", k))
		}
		for j, s := range b.Steps {
			if !slices.Contains(Phases, s.Phase) || strings.TrimSpace(s.Text) == "" {
				return errs.New(errs.Invalid, fmt.Sprintf("playbooks[%d].steps[%d]: a phase (%s) and what to do", k, j, strings.Join(Phases, ", ")))
			}
		}
	}
	raw, _ := json.Marshal(p)
	if len(raw) > 1<<20 || !utf8.Valid(raw) {
		return errs.New(errs.Invalid, "the plan is larger than 1 MiB")
	}
	return nil
}

// Approved reports whether this version was approved.
func (p *Plan) Approved() bool { return p.ApprovedOn != "" }

// NextReview is the day the approved plan is next reviewed by, "" for a
// draft.
func (p *Plan) NextReview() string {
	if !p.Approved() {
		return ""
	}
	months := p.ReviewMonths
	if months == 0 {
		months = DefaultReviewMonths
	}
	t, err := time.Parse(time.DateOnly, p.ApprovedOn)
	if err != nil {
		return ""
	}
	return t.AddDate(0, months, 0).Format(time.DateOnly)
}

// The standings of the plan.
const (
	PlanNone     = "none"     // no approved plan
	PlanCurrent  = "current"  // approved, its review not yet due
	PlanDueSoon  = "due-soon" // its review within 30 days
	PlanOverdue  = "overdue"  // its review date passed
	planSoonDays = 30
)

// PlanStanding is where the organisation's approved plan (nil: none)
// stands on today, and why.
func PlanStanding(approved *Plan, today string) (string, string) {
	if approved == nil {
		return PlanNone, "no incident response plan has been approved"
	}
	next := approved.NextReview()
	soon, _ := time.Parse(time.DateOnly, today)
	switch {
	case next < today:
		return PlanOverdue, fmt.Sprintf("version %d, approved %s by %s, was due for review on %s", approved.Version, approved.ApprovedOn, approved.ApprovedBy, next)
	case next <= soon.AddDate(0, 0, planSoonDays).Format(time.DateOnly):
		return PlanDueSoon, fmt.Sprintf("version %d, approved %s, is due for review on %s", approved.Version, approved.ApprovedOn, next)
	}
	return PlanCurrent, fmt.Sprintf("version %d, approved %s by %s; next review by %s", approved.Version, approved.ApprovedOn, approved.ApprovedBy, next)
}
