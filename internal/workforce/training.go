package workforce

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// A Module is a training module: what it covers, how long it takes, when
// it is due (within DueDays of a person's start, or of the module's
// creation for those who started before it), how often it recurs (every
// RecurMonths; 0 is once), and the provisions and CPGs it serves.
type Module struct {
	ID          string    `json:"id"`
	Code        string    `json:"code"`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty"`
	Minutes     int       `json:"minutes"`
	DueDays     int       `json:"due_days"`
	RecurMonths int       `json:"recur_months"`
	Items       []string  `json:"items"`
	CreatedAt   time.Time `json:"created_at"`
}

// Frequency describes when the module is due, for people.
func (m *Module) Frequency() string {
	switch m.RecurMonths {
	case 0:
		return "once, at hire"
	case 12:
		return "at hire, then every year"
	case 24:
		return "at hire, then every two years"
	}
	return fmt.Sprintf("at hire, then every %d months", m.RecurMonths)
}

// Validate checks a module's fields.
func (m *Module) Validate() error {
	m.Code, m.Title = strings.TrimSpace(strings.ToLower(m.Code)), strings.TrimSpace(m.Title)
	switch {
	case m.Code == "" || strings.ContainsAny(m.Code, " /?#"):
		return errs.New(errs.Invalid, fmt.Sprintf("code: %q: a module needs a short code without spaces (such as awareness)", m.Code))
	case m.Title == "":
		return errs.New(errs.Invalid, "title: a module needs a title")
	case m.Minutes < 0 || m.DueDays < 0 || m.RecurMonths < 0:
		return errs.New(errs.Invalid, "minutes, due_days and recur_months cannot be negative")
	}
	if m.DueDays == 0 {
		m.DueDays = 30
	}
	if m.Items == nil {
		m.Items = []string{}
	}
	return nil
}

// A Rule assigns a module to everyone who matches all of its criteria:
// positions, departments and worker types (any of each list; an empty list
// matches all) and a least ePHI access level. A rule with no criteria
// assigns the module to the whole workforce.
type Rule struct {
	ID          string       `json:"id"`
	Module      string       `json:"module"` // the module's code
	Positions   []string     `json:"positions"`
	Departments []string     `json:"departments"`
	Types       []WorkerType `json:"types"`
	MinAccess   Access       `json:"min_access"`
}

// Describe says whom the rule assigns the module to, in words.
func (r *Rule) Describe() string {
	var parts []string
	if len(r.Positions) > 0 {
		parts = append(parts, "positions "+strings.Join(r.Positions, ", "))
	}
	if len(r.Departments) > 0 {
		parts = append(parts, "departments "+strings.Join(r.Departments, ", "))
	}
	if len(r.Types) > 0 {
		t := make([]string, len(r.Types))
		for i, x := range r.Types {
			t[i] = string(x) + "s"
		}
		parts = append(parts, strings.Join(t, ", "))
	}
	if r.MinAccess.Rank() > 0 {
		parts = append(parts, "access to ePHI at least: "+strings.ToLower(r.MinAccess.Label()))
	}
	if len(parts) == 0 {
		return "everyone in the workforce"
	}
	return strings.Join(parts, "; ")
}

// Validate checks a rule against the modules.
func (r *Rule) Validate(modules []*Module) error {
	if !slices.ContainsFunc(modules, func(m *Module) bool { return m.Code == r.Module }) {
		return errs.New(errs.Invalid, fmt.Sprintf("module: no training module %q", r.Module))
	}
	if r.MinAccess == "" {
		r.MinAccess = NoAccess
	}
	if r.MinAccess.Rank() < 0 {
		return errs.New(errs.Invalid, fmt.Sprintf("min_access: %q is not none, view, modify or administer", r.MinAccess))
	}
	for _, t := range r.Types {
		if !slices.Contains(WorkerTypes, t) {
			return errs.New(errs.Invalid, fmt.Sprintf("types: %q is not employee, contractor, volunteer or trainee", t))
		}
	}
	return nil
}

// A Completion records that a person completed a module on a day: attested
// by the person, entered by an administrator, or imported from a learning
// system's export (Source names which).
type Completion struct {
	ID          string    `json:"id"`
	PersonID    string    `json:"person"`
	Module      string    `json:"module"`
	CompletedOn string    `json:"completed_on"`
	Source      string    `json:"source"`
	RecordedBy  string    `json:"recorded_by"`
	RecordedAt  time.Time `json:"recorded_at"`
}

// AssignmentStatus is where a person stands on a module.
type AssignmentStatus string

// The statuses.
const (
	Complete AssignmentStatus = "complete" // a once-only module, done
	Current  AssignmentStatus = "current"  // a recurring module, done and not yet due again
	Due      AssignmentStatus = "due"      // not done, due date ahead
	Overdue  AssignmentStatus = "overdue"  // due date passed
)

// An Assignment is a module a rule gives a person, with its due date and
// status on a day.
type Assignment struct {
	Person        *Person          `json:"-"`
	PersonID      string           `json:"person"`
	Module        string           `json:"module"`
	Due           string           `json:"due"`
	LastCompleted string           `json:"last_completed,omitempty"`
	Status        AssignmentStatus `json:"status"`
}

// Done reports whether the assignment is satisfied on the day it was
// evaluated.
func (a *Assignment) Done() bool { return a.Status == Complete || a.Status == Current }

// Program is the training program: modules and the rules that assign them.
type Program struct {
	Modules []*Module `json:"modules"`
	Rules   []*Rule   `json:"rules"`
}

// A Tally counts assignments: how many, how many done, how many overdue.
type Tally struct {
	Name     string `json:"name"`
	Assigned int    `json:"assigned"`
	Done     int    `json:"done"`
	Due      int    `json:"due"`
	Overdue  int    `json:"overdue"`
}

// Rate is the share of assignments done, in percent (100 with none).
func (t Tally) Rate() float64 {
	if t.Assigned == 0 {
		return 100
	}
	return 100 * float64(t.Done) / float64(t.Assigned)
}

//go:embed program.json
var programJSON []byte

// Starter is Safeguard's starter training program with its notes, checked
// against the catalog: every module's items exist, every rule names a
// module.
func Starter(reg *catalog.Registry) (*Program, []string, error) {
	var doc struct {
		Notes []string `json:"notes"`
		Program
	}
	if err := json.Unmarshal(programJSON, &doc); err != nil {
		return nil, nil, fmt.Errorf("program.json: %w", err)
	}
	for _, m := range doc.Modules {
		if err := m.Validate(); err != nil {
			return nil, nil, fmt.Errorf("program.json: module %q: %w", m.Code, err)
		}
		for _, id := range m.Items {
			if _, ok := reg.Item(id); !ok {
				return nil, nil, fmt.Errorf("program.json: module %q: item %q is not in the catalog", m.Code, id)
			}
		}
	}
	for _, r := range doc.Rules {
		if err := r.Validate(doc.Modules); err != nil {
			return nil, nil, fmt.Errorf("program.json: %w", err)
		}
	}
	return &doc.Program, doc.Notes, nil
}
