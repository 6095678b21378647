package vendor

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// ReviewMonths is how often a vendor of each tier is reviewed, in months:
// Safeguard's defaults (tier 1 yearly, tier 2 every two years, tier 3
// every three), not a rule's.
var ReviewMonths = map[int]int{1: 12, 2: 24, 3: 36}

// DueSoonDays is how long before its date a review is due soon.
const DueSoonDays = 30

// NewVendorDays is how long after entering the register a vendor never
// reviewed is due its first review (Safeguard's default).
const NewVendorDays = 30

// Outcome is what a review of a vendor concluded.
type Outcome string

// The outcomes.
const (
	Approved       Outcome = "approved"
	WithConditions Outcome = "approved-with-conditions"
	NotApproved    Outcome = "not-approved"
)

// Outcomes lists them.
var Outcomes = []Outcome{Approved, WithConditions, NotApproved}

// Label names an outcome in words.
func (o Outcome) Label() string { return strings.ReplaceAll(string(o), "-", " ") }

// A Review is one review of a vendor: when, by whom, what it concluded.
type Review struct {
	ID         string    `json:"id"`
	VendorID   string    `json:"vendor_id"`
	ReviewedOn string    `json:"reviewed_on"` // YYYY-MM-DD
	Reviewer   string    `json:"reviewer"`
	Outcome    Outcome   `json:"outcome"`
	Notes      string    `json:"notes,omitempty"`
	CreatedAt  time.Time `json:"created_at"`
}

// Validate checks a review's fields against day (YYYY-MM-DD), naming the
// first that is wrong.
func (r *Review) Validate(day string) error {
	r.Reviewer, r.Notes = strings.TrimSpace(r.Reviewer), strings.TrimSpace(r.Notes)
	switch {
	case r.ReviewedOn == "":
		return errs.New(errs.Invalid, "reviewed_on: when was it reviewed?")
	case validDate("reviewed_on", r.ReviewedOn) != nil:
		return validDate("reviewed_on", r.ReviewedOn)
	case r.ReviewedOn > day:
		return errs.New(errs.Invalid, fmt.Sprintf("reviewed_on: %s is in the future", r.ReviewedOn))
	case r.Reviewer == "":
		return errs.New(errs.Invalid, "reviewer: who reviewed it?")
	case !slices.Contains(Outcomes, r.Outcome):
		return errs.New(errs.Invalid, fmt.Sprintf("outcome: %q is not approved, approved-with-conditions or not-approved", r.Outcome))
	case r.Outcome != Approved && r.Notes == "":
		return errs.New(errs.Invalid, "notes: say what the conditions or the reasons are")
	}
	return errs.Longest(errs.Field{Name: "reviewer", Value: r.Reviewer, Max: 200}, errs.Field{Name: "notes", Value: r.Notes, Max: 4000})
}

// ReviewStatus is where a vendor's reviews stand.
type ReviewStatus string

// The statuses.
const (
	ReviewOverdue  ReviewStatus = "overdue"
	ReviewDueSoon  ReviewStatus = "due-soon"
	ReviewUpToDate ReviewStatus = "up-to-date"
)

// ReviewStanding says where a vendor's reviews stand on day, with the
// date of its next review and why: its newest review plus its tier's
// cadence, or, never reviewed, NewVendorDays after it entered the
// register.
func ReviewStanding(v *Vendor, reviews []*Review, day string) (ReviewStatus, string, string) {
	months := ReviewMonths[v.Tier()]
	var last *Review
	for _, r := range reviews {
		if r.VendorID == v.ID && (last == nil || r.ReviewedOn > last.ReviewedOn) {
			last = r
		}
	}
	var next, why string
	if last == nil {
		next = v.CreatedAt.UTC().AddDate(0, 0, NewVendorDays).Format(time.DateOnly)
		why = fmt.Sprintf("never reviewed since it entered the register on %s", v.CreatedAt.UTC().Format(time.DateOnly))
	} else {
		on, _ := time.Parse(time.DateOnly, last.ReviewedOn)
		next = on.AddDate(0, months, 0).Format(time.DateOnly)
		why = fmt.Sprintf("last reviewed %s (%s); tier %d is reviewed every %d months", last.ReviewedOn, last.Outcome.Label(), v.Tier(), months)
	}
	d, _ := time.Parse(time.DateOnly, day)
	switch {
	case next <= day:
		return ReviewOverdue, next, why + ": due " + next
	case next <= d.AddDate(0, 0, DueSoonDays).Format(time.DateOnly):
		return ReviewDueSoon, next, why + ": due " + next
	}
	return ReviewUpToDate, next, why + ": next by " + next
}
