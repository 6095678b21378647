package vendor

import (
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// An Incident is a security incident at a vendor that touched, or may
// have touched, the organisation: when the vendor became aware of it,
// when it told the organisation, and what it said.
type Incident struct {
	ID       string `json:"id"`
	VendorID string `json:"vendor_id"`
	Summary  string `json:"summary"`
	// AwareAt is when the vendor became aware of the incident (as it
	// says); NotifiedAt when it told the organisation ("" not yet).
	AwareAt    time.Time  `json:"aware_at"`
	NotifiedAt *time.Time `json:"notified_at,omitempty"`
	// Records is how many of the organisation's individuals' records it
	// touched, as far as known.
	Records   int64     `json:"records"`
	PHI       bool      `json:"phi"` // whether PHI was involved
	Notes     string    `json:"notes,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks an incident's fields against now, naming the first that
// is wrong.
func (i *Incident) Validate(now time.Time) error {
	i.Summary, i.Notes = strings.TrimSpace(i.Summary), strings.TrimSpace(i.Notes)
	switch {
	case i.Summary == "":
		return errs.New(errs.Invalid, "summary: say what happened")
	case i.AwareAt.IsZero():
		return errs.New(errs.Invalid, "aware_at: when did the vendor become aware of it?")
	case i.AwareAt.After(now):
		return errs.New(errs.Invalid, "aware_at: in the future")
	case i.NotifiedAt != nil && i.NotifiedAt.Before(i.AwareAt):
		return errs.New(errs.Invalid, "notified_at: before the vendor became aware of it")
	case i.NotifiedAt != nil && i.NotifiedAt.After(now):
		return errs.New(errs.Invalid, "notified_at: in the future")
	case i.Records < 0:
		return errs.New(errs.Invalid, "records: cannot be negative")
	}
	return errs.Longest(errs.Field{Name: "summary", Value: i.Summary, Max: 500}, errs.Field{Name: "notes", Value: i.Notes, Max: 4000})
}

// NoticeStatus is how a vendor's notice of an incident measures against
// what its agreements promise.
type NoticeStatus string

// The statuses.
const (
	NoticeOnTime    NoticeStatus = "on-time"
	NoticeLate      NoticeStatus = "late"
	NoticeAwaited   NoticeStatus = "awaited" // not told yet, within the promise
	NoticeOverdue   NoticeStatus = "overdue" // not told yet, past the promise
	NoticeNoPromise NoticeStatus = "no-promise"
)

// Notice measures an incident's notice against the hours promised (0 for
// none) at now, saying why.
func (i *Incident) Notice(promised int, now time.Time) (NoticeStatus, string) {
	end := now
	if i.NotifiedAt != nil {
		end = *i.NotifiedAt
	}
	took := end.Sub(i.AwareAt)
	hours := int(took.Hours())
	if promised == 0 {
		if i.NotifiedAt == nil {
			return NoticeNoPromise, fmt.Sprintf("not notified yet, %d hours on; no agreement in force states a notice time", hours)
		}
		return NoticeNoPromise, fmt.Sprintf("notified %d hours after it became aware; no agreement in force states a notice time", hours)
	}
	within := took <= time.Duration(promised)*time.Hour
	switch {
	case i.NotifiedAt == nil && within:
		return NoticeAwaited, fmt.Sprintf("not notified yet, %d of the %d hours promised gone", hours, promised)
	case i.NotifiedAt == nil:
		return NoticeOverdue, fmt.Sprintf("not notified yet, %d hours on: %d past the %d promised", hours, hours-promised, promised)
	case within:
		return NoticeOnTime, fmt.Sprintf("notified %d hours after it became aware, within the %d promised", hours, promised)
	}
	return NoticeLate, fmt.Sprintf("notified %d hours after it became aware: %d past the %d promised", hours, hours-promised, promised)
}

// PromisedHours is the shortest incident notice the agreements in force
// on day promise (0 for none).
func PromisedHours(as []*Agreement, day string) int {
	hours := 0
	for _, a := range as {
		if !a.InForce(day) {
			continue
		}
		if a.NoticeHours > 0 && (hours == 0 || a.NoticeHours < hours) {
			hours = a.NoticeHours
		}
	}
	return hours
}
