package workforce

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// A Reminder is a scheduled security reminder (164.308(a)(5)(ii)(A)): a
// message to a part of the workforce, sent on or after a day, with a
// record of who was sent what and when.
type Reminder struct {
	ID           string     `json:"id"`
	Subject      string     `json:"subject"`
	Body         string     `json:"body"`
	Audience     string     `json:"audience"` // all, overdue, module:CODE, department:NAME
	ScheduledFor string     `json:"scheduled_for"`
	SentAt       *time.Time `json:"sent_at,omitempty"`
	Sent         int        `json:"sent"`
	Failed       int        `json:"failed"`
	CreatedBy    string     `json:"created_by"`
	CreatedAt    time.Time  `json:"created_at"`
}

// Validate checks a reminder's fields.
func (r *Reminder) Validate() error {
	r.Subject, r.Body = strings.TrimSpace(r.Subject), strings.TrimSpace(r.Body)
	switch {
	case r.Subject == "" || strings.ContainsAny(r.Subject, "\r\n"):
		return errs.New(errs.Invalid, "subject: one line is required")
	case r.Body == "":
		return errs.New(errs.Invalid, "body: write the reminder")
	}
	if r.Audience == "" {
		r.Audience = "all"
	}
	kind, arg, _ := strings.Cut(r.Audience, ":")
	switch {
	case r.Audience == "all", r.Audience == "overdue":
	case (kind == "module" || kind == "department") && strings.TrimSpace(arg) != "":
	default:
		return errs.New(errs.Invalid, fmt.Sprintf("audience: %q is not all, overdue, module:CODE or department:NAME", r.Audience))
	}
	if r.ScheduledFor == "" {
		return errs.New(errs.Invalid, "scheduled_for: the day to send it")
	}
	return checkDate("scheduled_for", r.ScheduledFor)
}

// A Delivery records one person's copy of a reminder.
type Delivery struct {
	ReminderID string    `json:"reminder"`
	PersonID   string    `json:"person"`
	Name       string    `json:"name"`
	Email      string    `json:"email"`
	Subject    string    `json:"subject"`
	Body       string    `json:"body"`
	Status     string    `json:"status"` // sent, failed, no-email
	Error      string    `json:"error,omitempty"`
	At         time.Time `json:"at"`
}

// Deliveries addresses a reminder to its audience on the day of the
// status: every current workforce member, those with overdue training
// (each told which modules), those assigned a module, or a department.
// A person without an email is recorded as such, not skipped silently.
func (r *Reminder) Deliveries(st *Status, titles map[string]string) []*Delivery {
	kind, arg, _ := strings.Cut(r.Audience, ":")
	var out []*Delivery
	for _, ps := range st.People {
		body := r.Body
		switch {
		case r.Audience == "all":
		case r.Audience == "overdue":
			var late []string
			for _, a := range ps.Assignments {
				if a.Status == Overdue {
					late = append(late, fmt.Sprintf("- %s (due %s)", cmp.Or(titles[a.Module], a.Module), a.Due))
				}
			}
			if len(late) == 0 {
				continue
			}
			body += "\n\nYour overdue training:\n" + strings.Join(late, "\n")
		case kind == "module":
			if !slices.ContainsFunc(ps.Assignments, func(a *Assignment) bool { return a.Module == arg }) {
				continue
			}
		case kind == "department":
			if !strings.EqualFold(ps.Person.Department, arg) {
				continue
			}
		}
		d := &Delivery{ReminderID: r.ID, PersonID: ps.Person.ID, Name: ps.Person.Name, Email: ps.Person.Email, Subject: r.Subject, Body: body, Status: "pending"}
		if d.Email == "" {
			d.Status, d.Error = "no-email", "no email address on the roster"
		}
		out = append(out, d)
	}
	return out
}
