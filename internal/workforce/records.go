package workforce

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tabular"
)

// A ChecklistItem is one step of a termination checklist
// (164.308(a)(3)(ii)(C)): an account to disable, a device to return, an
// access to remove.
type ChecklistItem struct {
	ID       string `json:"id"`
	PersonID string `json:"person"`
	Kind     string `json:"kind"` // account, device, access
	Title    string `json:"title"`
	Done     bool   `json:"done"`
	DoneOn   string `json:"done_on,omitempty"`
	DoneBy   string `json:"done_by,omitempty"`
}

// A Sanction records a sanction applied to a workforce member who failed
// to comply with the security policies (164.308(a)(1)(ii)(C)).
type Sanction struct {
	ID          string    `json:"id"`
	PersonID    string    `json:"person"`
	Date        string    `json:"date"`
	Policy      string    `json:"policy"`
	Description string    `json:"description"`
	Action      string    `json:"action"`
	RecordedBy  string    `json:"recorded_by"`
	RecordedAt  time.Time `json:"recorded_at"`
}

// Validate checks a sanction's fields.
func (s *Sanction) Validate() error {
	s.Policy, s.Action = strings.TrimSpace(s.Policy), strings.TrimSpace(s.Action)
	switch {
	case s.Date == "":
		return errs.New(errs.Invalid, "date: when was the sanction applied?")
	case s.Policy == "":
		return errs.New(errs.Invalid, "policy: name the policy that was violated")
	case s.Action == "":
		return errs.New(errs.Invalid, "action: what sanction was applied (warning, retraining, suspension, termination, …)")
	}
	return checkDate("date", s.Date)
}

// CompletionColumns are the learning-system export's columns: a person by
// employee_id or email, a module by code or title, and the date.
var CompletionColumns = []string{"employee_id", "email", "module", "completed_on"}

// PlanCompletions reads a learning-management export (CSV or XLSX) of
// completions: each row names a person (employee_id or email), a module
// (its code or title) and the completion date. An unknown person or
// module, a bad or future date is named by row; any problem means nothing
// is imported.
func PlanCompletions(file string, r io.Reader, people []*Person, modules []*Module, today string) ([]*Completion, error) {
	t, err := tabular.Read(file, r, MaxImportBytes)
	if err != nil {
		return nil, err
	}
	if !t.Has("employee_id") && !t.Has("email") || !t.Has("module") || !t.Has("completed_on") {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: the columns are employee_id or email, module and completed_on (the header has: %s)", file, strings.Join(t.Header, ", ")))
	}
	byID, byEmail := map[string]*Person{}, map[string]*Person{}
	for _, p := range people {
		byID[strings.ToLower(p.EmployeeID)] = p
		if p.Email != "" {
			byEmail[strings.ToLower(p.Email)] = p
		}
	}
	byModule := map[string]*Module{}
	for _, m := range modules {
		byModule[strings.ToLower(m.Code)] = m
		byModule[strings.ToLower(m.Title)] = m
	}
	var out []*Completion
	for i := range t.Rows {
		var p *Person
		switch id, email := t.Cell(i, "employee_id"), t.Cell(i, "email"); {
		case id != "":
			if p = byID[strings.ToLower(id)]; p == nil {
				t.Fail(i, "employee_id", fmt.Sprintf("no person with employee id %q on the roster", id))
			}
		case email != "":
			if p = byEmail[strings.ToLower(email)]; p == nil {
				t.Fail(i, "email", fmt.Sprintf("no person with email %q on the roster", email))
			}
		default:
			t.FailRow(i, "name the person by employee_id or email")
		}
		m := byModule[strings.ToLower(t.Cell(i, "module"))]
		if m == nil {
			t.Fail(i, "module", fmt.Sprintf("%q is not a training module (give its code or title)", t.Cell(i, "module")))
		}
		on, ok := ParseDate(t.Cell(i, "completed_on"))
		switch {
		case !ok || on == "":
			t.Fail(i, "completed_on", fmt.Sprintf("%q is not a date", t.Cell(i, "completed_on")))
		case on > today:
			t.Fail(i, "completed_on", fmt.Sprintf("%s is in the future", on))
		}
		if p != nil && m != nil && ok && on != "" && on <= today {
			out = append(out, &Completion{PersonID: p.ID, Module: m.Code, CompletedOn: on, Source: "import: " + file})
		}
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
