// Package workforce is the workforce side of the security program: the
// roster (the Security Rule's "workforce": employees, volunteers, trainees
// and others under the organisation's direct control, 45 CFR 160.103, and
// the contractors the organisation tracks with them), each person's
// position and ePHI access, role-based training (164.308(a)(5)), and the
// workforce security records of 164.308(a)(3) and (a)(1)(ii)(C):
// clearance, authorisation and supervision, sanctions and termination.
package workforce

import (
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// DateLayout is how workforce records write calendar dates.
const DateLayout = "2006-01-02"

// WorkerType is the kind of workforce member.
type WorkerType string

// The worker types.
const (
	Employee   WorkerType = "employee"
	Contractor WorkerType = "contractor"
	Volunteer  WorkerType = "volunteer"
	Trainee    WorkerType = "trainee"
)

// WorkerTypes lists them.
var WorkerTypes = []WorkerType{Employee, Contractor, Volunteer, Trainee}

// Access is a person's level of access to ePHI, lowest first.
type Access string

// The access levels.
const (
	NoAccess   Access = "none"
	View       Access = "view"
	Modify     Access = "modify"
	Administer Access = "administer"
)

// AccessLevels lists them, lowest first.
var AccessLevels = []Access{NoAccess, View, Modify, Administer}

// Rank orders access levels: none (or unset) 0 … administer 3; -1 when
// unknown.
func (a Access) Rank() int {
	if a == "" {
		return 0
	}
	for i, l := range AccessLevels {
		if l == a {
			return i
		}
	}
	return -1
}

// Label is the level for people.
func (a Access) Label() string {
	switch a {
	case NoAccess:
		return "No ePHI access"
	case View:
		return "Views ePHI"
	case Modify:
		return "Creates or modifies ePHI"
	case Administer:
		return "Administers systems holding ePHI"
	}
	return string(a)
}

// ParseAccess reads a level by name, allowing the usual words of HR and
// identity exports ("read", "read-only", "edit", "admin").
func ParseAccess(s string) (Access, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "none", "no", "no access":
		return NoAccess, true
	case "view", "read", "read-only", "readonly":
		return View, true
	case "modify", "create/modify", "edit", "write", "create":
		return Modify, true
	case "administer", "admin", "administrator", "privileged":
		return Administer, true
	}
	return "", false
}

// ParseWorkerType reads a worker type; "" is employee.
func ParseWorkerType(s string) (WorkerType, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "employee", "staff", "full-time", "part-time", "full time", "part time":
		return Employee, true
	case "contractor", "contract", "consultant", "temp", "agency":
		return Contractor, true
	case "volunteer":
		return Volunteer, true
	case "trainee", "student", "intern", "resident":
		return Trainee, true
	}
	return "", false
}

// Clearance is the outcome of the workforce clearance procedure
// (164.308(a)(3)(ii)(B)).
type Clearance string

// The clearance outcomes.
const (
	ClearanceUnknown     Clearance = ""
	ClearanceDone        Clearance = "done"
	ClearanceNotRequired Clearance = "not-required"
)

// A Person is a member of the workforce.
type Person struct {
	ID            string     `json:"id"`
	EmployeeID    string     `json:"employee_id"`
	Name          string     `json:"name"`
	Email         string     `json:"email,omitempty"`
	Position      string     `json:"position,omitempty"`
	Department    string     `json:"department,omitempty"`
	Manager       string     `json:"manager,omitempty"` // the manager's employee id
	Type          WorkerType `json:"type"`
	Start         string     `json:"start_date,omitempty"`
	End           string     `json:"end_date,omitempty"`
	Access        Access     `json:"access"`
	Systems       []string   `json:"systems"` // asset ids of the ePHI inventory
	Clearance     Clearance  `json:"clearance,omitempty"`
	ClearanceDate string     `json:"clearance_date,omitempty"`
	Authorization string     `json:"authorization,omitempty"` // authorisation and supervision notes, 164.308(a)(3)(ii)(A)
	CreatedAt     time.Time  `json:"created_at"`
	UpdatedAt     time.Time  `json:"updated_at"`
}

// Active reports whether the person is part of the workforce on day today:
// started (or no start date) and not yet ended.
func (p *Person) Active(today string) bool {
	return (p.Start == "" || p.Start <= today) && (p.End == "" || p.End >= today)
}

// Left reports whether the person's end date has passed on day today.
func (p *Person) Left(today string) bool { return p.End != "" && p.End < today }

// Validate checks a person's fields, naming the first that is wrong.
func (p *Person) Validate() error {
	p.EmployeeID, p.Name, p.Email = strings.TrimSpace(p.EmployeeID), strings.TrimSpace(p.Name), strings.TrimSpace(p.Email)
	switch {
	case p.EmployeeID == "":
		return errs.New(errs.Invalid, "employee_id: every person needs the id the HR system knows them by")
	case p.Name == "":
		return errs.New(errs.Invalid, "name: every person needs a name")
	case p.Email != "" && !strings.Contains(p.Email, "@"):
		return errs.New(errs.Invalid, fmt.Sprintf("email: %q is not an email address", p.Email))
	}
	if err := errs.Longest(errs.Field{Name: "employee_id", Value: p.EmployeeID, Max: 100}, errs.Field{Name: "name", Value: p.Name, Max: 200},
		errs.Field{Name: "email", Value: p.Email, Max: 254}, errs.Field{Name: "position", Value: p.Position, Max: 200},
		errs.Field{Name: "department", Value: p.Department, Max: 200}, errs.Field{Name: "manager", Value: p.Manager, Max: 100},
		errs.Field{Name: "authorization", Value: p.Authorization, Max: 2000}); err != nil {
		return err
	}
	if p.Type == "" {
		p.Type = Employee
	}
	if _, ok := ParseWorkerType(string(p.Type)); !ok || p.Type != WorkerType(strings.ToLower(string(p.Type))) {
		return errs.New(errs.Invalid, fmt.Sprintf("type: %q is not employee, contractor, volunteer or trainee", p.Type))
	}
	if p.Access == "" {
		p.Access = NoAccess
	}
	if p.Access.Rank() < 0 {
		return errs.New(errs.Invalid, fmt.Sprintf("access: %q is not none, view, modify or administer", p.Access))
	}
	for _, d := range []struct{ field, v string }{{"start_date", p.Start}, {"end_date", p.End}, {"clearance_date", p.ClearanceDate}} {
		if err := checkDate(d.field, d.v); err != nil {
			return err
		}
	}
	if p.Start != "" && p.End != "" && p.End < p.Start {
		return errs.New(errs.Invalid, fmt.Sprintf("end_date: %s is before the start date %s", p.End, p.Start))
	}
	switch p.Clearance {
	case ClearanceUnknown, ClearanceDone, ClearanceNotRequired:
	default:
		return errs.New(errs.Invalid, fmt.Sprintf("clearance: %q is not done or not-required", p.Clearance))
	}
	if p.Systems == nil {
		p.Systems = []string{}
	}
	return nil
}

func checkDate(field, s string) error {
	if s == "" {
		return nil
	}
	if _, err := time.Parse(DateLayout, s); err != nil {
		return errs.New(errs.Invalid, fmt.Sprintf("%s: %q is not a date (YYYY-MM-DD)", field, s))
	}
	return nil
}

// ParseDate reads a date as HR and LMS exports write it: 2026-03-01,
// 03/01/2026 (US order), 2026/03/01, 1 March 2026, or an ISO timestamp.
// "" is no date.
func ParseDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	for _, layout := range []string{DateLayout, "01/02/2006", "1/2/2006", "2006/01/02", "2 January 2006", "January 2, 2006", "Jan 2, 2006", time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.Format(DateLayout), true
		}
	}
	return "", false
}

// Today is the day of t as workforce records compare dates.
func Today(t time.Time) string { return t.UTC().Format(DateLayout) }

// AddDays is the day n days after date (YYYY-MM-DD); date itself when it
// is not one.
func AddDays(date string, n int) string {
	t, err := time.Parse(DateLayout, date)
	if err != nil {
		return date
	}
	return t.AddDate(0, 0, n).Format(DateLayout)
}

// AddMonths is the day n months after date; date itself when it is not
// one.
func AddMonths(date string, n int) string {
	t, err := time.Parse(DateLayout, date)
	if err != nil {
		return date
	}
	return t.AddDate(0, n, 0).Format(DateLayout)
}
