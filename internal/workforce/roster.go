package workforce

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tabular"
)

// MaxImportBytes bounds a roster or completions upload.
const MaxImportBytes = 64 << 20

// Fields are the roster fields a column can fill; employee_id and name are
// required (name, or first_name and last_name).
var Fields = []string{"employee_id", "name", "first_name", "last_name", "email", "position", "department", "manager", "type", "start_date", "end_date", "access", "systems"}

// synonyms are the column names HR systems commonly use for each field,
// compared by tabular.Key. Guess proposes a mapping from them.
var synonyms = map[string][]string{
	"employee_id": {"employee_id", "employee_number", "emp_id", "empid", "worker_id", "personnel_number", "staff_id", "employee_no", "badge_id", "id"},
	"name":        {"name", "full_name", "employee_name", "worker_name", "display_name", "legal_name"},
	"first_name":  {"first_name", "firstname", "given_name", "legal_first_name"},
	"last_name":   {"last_name", "lastname", "surname", "family_name", "legal_last_name"},
	"email":       {"email", "work_email", "email_address", "e_mail", "primary_work_email", "userprincipalname", "upn"},
	"position":    {"position", "job_title", "title", "job", "role", "business_title", "position_title"},
	"department":  {"department", "dept", "department_name", "cost_center", "unit", "home_department"},
	"manager":     {"manager", "manager_id", "manager_employee_id", "supervisor_id", "reports_to"},
	"type":        {"type", "worker_type", "employee_type", "employment_type", "worker_category"},
	"start_date":  {"start_date", "hire_date", "original_hire_date", "date_of_hire", "start"},
	"end_date":    {"end_date", "termination_date", "term_date", "separation_date", "last_day", "end"},
	"access":      {"access", "ephi_access", "phi_access", "access_level"},
	"systems":     {"systems", "ephi_systems", "applications"},
}

// A Mapping says which column of an HR export fills each roster field,
// field → column header. The organisation picks it once; Safeguard keeps it.
type Mapping map[string]string

// Guess proposes a mapping from a header by the usual column names.
func Guess(header []string) Mapping {
	m := Mapping{}
	for _, f := range Fields {
		for _, syn := range synonyms[f] {
			if i := slices.IndexFunc(header, func(h string) bool { return tabular.Key(h) == syn }); i >= 0 {
				m[f] = strings.TrimSpace(header[i])
				break
			}
		}
	}
	return m
}

// Validate checks a mapping names known fields and the required ones.
func (m Mapping) Validate() error {
	for _, f := range slices.Sorted(maps.Keys(m)) {
		if !slices.Contains(Fields, f) {
			return errs.New(errs.Invalid, fmt.Sprintf("mapping: %q is not a roster field (%s)", f, strings.Join(Fields, ", ")))
		}
	}
	if m["employee_id"] == "" {
		return errs.New(errs.Invalid, "mapping: choose the column holding the employee id")
	}
	if m["name"] == "" && (m["first_name"] == "" || m["last_name"] == "") {
		return errs.New(errs.Invalid, "mapping: choose the column holding the name, or those holding the first and last names")
	}
	return nil
}

// A Move is a person whose roster row changes their record.
type Move struct {
	Old, New *Person
	Fields   []string
}

// A Leave is a person who leaves: the file gives an end date, or the
// person is missing from a full roster export.
type Leave struct {
	Person *Person
	End    string
	Reason string
}

// RosterPlan is what a roster import would do. Nothing is written until it
// is applied.
type RosterPlan struct {
	File      string
	SHA256    string
	Mapping   Mapping
	Joiners   []*Person
	Movers    []*Move
	Leavers   []*Leave
	Unchanged int
	Ignored   []string // columns the mapping does not use
}

// A RosterSink receives what a roster import does, as the export is read:
// each joiner, mover and leaver, and how many rows change nothing. A
// RosterPlan collects them; the store writes them as they come.
type RosterSink interface {
	Join(p *Person) error
	Move(mv *Move) error
	Leave(l *Leave) error
	Same() error
}

// Join adds a joiner to the plan.
func (p *RosterPlan) Join(np *Person) error { p.Joiners = append(p.Joiners, np); return nil }

// Move adds a mover to the plan.
func (p *RosterPlan) Move(mv *Move) error { p.Movers = append(p.Movers, mv); return nil }

// Leave adds a leaver to the plan.
func (p *RosterPlan) Leave(l *Leave) error { p.Leavers = append(p.Leavers, l); return nil }

// Same counts a row that changes nothing.
func (p *RosterPlan) Same() error { p.Unchanged++; return nil }

// Replay hands the plan's changes to another sink.
func (p *RosterPlan) Replay(to RosterSink) error {
	for _, j := range p.Joiners {
		if err := to.Join(j); err != nil {
			return err
		}
	}
	for _, m := range p.Movers {
		if err := to.Move(m); err != nil {
			return err
		}
	}
	for _, l := range p.Leavers {
		if err := to.Leave(l); err != nil {
			return err
		}
	}
	for range p.Unchanged {
		if err := to.Same(); err != nil {
			return err
		}
	}
	return nil
}

// Roster is the roster an import is compared against.
type Roster interface {
	// People finds the people with the employee ids given (at most
	// RosterBatch), compared ignoring case, keyed by their id in lower
	// case; those with none are left out.
	People(employeeIDs []string) (map[string]*Person, error)
	// Dates hands over every person, a slice at a time, with only their
	// ids and their start and end dates: what finding who left needs.
	Dates(fn func([]*Person) error) error
}

// RosterBatch is how many rows of an export StreamRoster reads before it
// asks the current roster for their people, all at once.
const RosterBatch = 1000

// RosterOf is a roster held in memory, for an import to compare against.
func RosterOf(people []*Person) Roster {
	byID := make(map[string]*Person, len(people))
	for _, p := range people {
		byID[strings.ToLower(p.EmployeeID)] = p
	}
	return listed{people, byID}
}

type listed struct {
	people []*Person
	byID   map[string]*Person
}

func (l listed) People(ids []string) (map[string]*Person, error) {
	out := make(map[string]*Person, len(ids))
	for _, id := range ids {
		if p := l.byID[strings.ToLower(id)]; p != nil {
			out[strings.ToLower(id)] = p
		}
	}
	return out, nil
}

func (l listed) Dates(fn func([]*Person) error) error { return fn(l.people) }

// PlanRoster reads an HR export through the mapping against the current
// roster, on day today, into a plan (see StreamRoster). The file is read
// whole, within MaxImportBytes.
func PlanRoster(file string, r io.Reader, m Mapping, current []*Person, assetByName map[string]string, today string) (*RosterPlan, error) {
	p := &RosterPlan{}
	info, err := StreamRoster(file, r, MaxImportBytes, m, RosterOf(current), assetByName, today, p)
	if err != nil {
		return nil, err
	}
	p.File, p.SHA256, p.Mapping, p.Ignored = info.File, info.SHA256, info.Mapping, info.Ignored
	return p, nil
}

// RosterInfo is what StreamRoster read: the file, its SHA-256, the mapping
// and the columns it did not use.
type RosterInfo struct {
	File    string
	SHA256  string
	Mapping Mapping
	Ignored []string
}

// StreamRoster reads an HR export through the mapping against the current
// roster, on day today, a row at a time, and hands the sink what each row
// does. A row whose employee id is known moves that person; a new id
// joins; a current person absent from the file, or whose row ends on or
// before today, leaves. systems names assets of the ePHI inventory,
// separated by ";" (assetByName maps lower-case names to ids). Every
// problem is named by row and column, and once there is one the sink
// hears nothing more: the caller writing in one transaction lands the
// whole file or none of it. A CSV file is streamed, whatever its size; an
// XLSX workbook is read whole, within maxXLSX bytes. What the reading keeps
// is the employee ids seen (to refuse duplicates and find who left); the
// current roster is asked for the people of a thousand rows at a time
// (RosterBatch) as the rows come, and walked once at the end for those the
// export left out.
func StreamRoster(file string, r io.Reader, maxXLSX int64, m Mapping, current Roster, assetByName map[string]string, today string, sink RosterSink) (*RosterInfo, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	seen := map[string]int{}
	var checked bool
	var failed bool
	// Rows are compared with the current roster RosterBatch at a time: one
	// question for a thousand people rather than one each.
	batch := make([]*Person, 0, RosterBatch)
	compare := func() error {
		if len(batch) == 0 {
			return nil
		}
		ids := make([]string, len(batch))
		for i, np := range batch {
			ids[i] = np.EmployeeID
		}
		olds, err := current.People(ids)
		if err != nil {
			return err
		}
		for _, np := range batch {
			if err := compareRow(olds[strings.ToLower(np.EmployeeID)], np, m, today, sink); err != nil {
				return err
			}
		}
		batch = batch[:0]
		return nil
	}
	t, err := tabular.Stream(file, r, maxXLSX, func(t *tabular.Table) error {
		if !checked {
			checked = true
			if err := checkColumns(t, m); err != nil {
				return err
			}
		}
		np, ok := rosterRow(t, m, seen, assetByName)
		if !ok {
			failed = true
			batch = batch[:0]
			return nil
		}
		if failed {
			return nil // read on to name every problem; nothing more is done
		}
		if batch = append(batch, np); len(batch) == RosterBatch {
			return compare()
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if !failed && t.Err() == nil {
		if err := compare(); err != nil {
			return nil, err
		}
	}
	if !checked {
		if err := checkColumns(t, m); err != nil {
			return nil, err
		}
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	// Those gone from the export leave, their last day the day before it:
	// found from the dates of everyone on the roster, their records then
	// read RosterBatch at a time.
	var gone []string
	leave := func() error {
		if len(gone) == 0 {
			return nil
		}
		people, err := current.People(gone)
		if err != nil {
			return err
		}
		for _, id := range gone {
			c := people[strings.ToLower(id)]
			if c == nil {
				return fmt.Errorf("roster: %s is on the roster but could not be read back", id)
			}
			left := *c
			left.End = max(AddDays(today, -1), c.Start)
			if err := sink.Leave(&Leave{Person: &left, End: left.End, Reason: "not in the export"}); err != nil {
				return err
			}
		}
		gone = gone[:0]
		return nil
	}
	if err := current.Dates(func(people []*Person) error {
		for _, c := range people {
			if seen[strings.ToLower(c.EmployeeID)] == 0 && c.Active(today) {
				if gone = append(gone, c.EmployeeID); len(gone) == RosterBatch {
					if err := leave(); err != nil {
						return err
					}
				}
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := leave(); err != nil {
		return nil, err
	}
	info := &RosterInfo{File: file, SHA256: t.SHA256, Mapping: m}
	used := map[string]bool{}
	for _, col := range m {
		used[tabular.Key(col)] = true
	}
	for _, h := range t.Header {
		if !used[tabular.Key(h)] && strings.TrimSpace(h) != "" {
			info.Ignored = append(info.Ignored, h)
		}
	}
	return info, nil
}

// compareRow hands the sink what a row does to the person it names (old,
// nil for a joiner).
func compareRow(old, np *Person, m Mapping, today string, sink RosterSink) error {
	if old == nil {
		return sink.Join(np)
	}
	merged, fields := merge(old, np, m)
	switch {
	case merged.End != "" && merged.End < today && (old.End == "" || old.End >= today):
		return sink.Leave(&Leave{Person: merged, End: merged.End, Reason: "the export gives an end date of " + merged.End})
	case len(fields) == 0:
		return sink.Same()
	}
	return sink.Move(&Move{Old: old, New: merged, Fields: fields})
}

// checkColumns refuses a mapping naming columns the file does not have.
func checkColumns(t *tabular.Table, m Mapping) error {
	var missing []string
	for _, f := range slices.Sorted(maps.Keys(m)) {
		if col := m[f]; col != "" && !t.Has(col) {
			missing = append(missing, fmt.Sprintf("%q (for %s)", col, f))
		}
	}
	if len(missing) > 0 {
		return errs.New(errs.Invalid, fmt.Sprintf("%s: the mapping names column(s) the file does not have: %s; the file's columns are: %s",
			t.File, strings.Join(missing, ", "), strings.Join(t.Header, ", ")))
	}
	return nil
}

// rosterRow reads the table's current row (row 0) into a person, naming
// every problem in the table; ok is false when there is any.
func rosterRow(t *tabular.Table, m Mapping, seen map[string]int, assetByName map[string]string) (*Person, bool) {
	cell := func(f string) string {
		if m[f] == "" {
			return ""
		}
		return t.Cell(0, m[f])
	}
	np := &Person{EmployeeID: cell("employee_id"), Name: cell("name"), Email: cell("email"), Position: cell("position"),
		Department: cell("department"), Manager: cell("manager")}
	if np.Name == "" {
		np.Name = strings.TrimSpace(cell("first_name") + " " + cell("last_name"))
	}
	ok := true
	col := func(f string) string { return cmp.Or(m[f], f) }
	id := strings.ToLower(np.EmployeeID)
	switch {
	case id == "":
		t.Fail(0, col("employee_id"), "the employee id is empty")
		ok = false
	case seen[id] > 0:
		t.Fail(0, col("employee_id"), fmt.Sprintf("duplicate employee id %q (first on %s %d)", np.EmployeeID, t.Where, seen[id]))
		ok = false
	default:
		seen[strings.Clone(id)] = t.Lines[0]
	}
	if np.Name == "" {
		t.Fail(0, col("name"), "the name is empty")
		ok = false
	}
	if v, good := ParseWorkerType(cell("type")); good {
		np.Type = v
	} else {
		t.Fail(0, col("type"), fmt.Sprintf("%q is not employee, contractor, volunteer or trainee", cell("type")))
		ok = false
	}
	for _, d := range []struct {
		field string
		dst   *string
	}{{"start_date", &np.Start}, {"end_date", &np.End}} {
		v, good := ParseDate(cell(d.field))
		if !good {
			t.Fail(0, col(d.field), fmt.Sprintf("%q is not a date", cell(d.field)))
			ok = false
		}
		*d.dst = v
	}
	if np.Start != "" && np.End != "" && np.End < np.Start {
		t.Fail(0, col("end_date"), fmt.Sprintf("the end date %s is before the start date %s", np.End, np.Start))
		ok = false
	}
	if v, good := ParseAccess(cell("access")); good {
		np.Access = v
	} else {
		t.Fail(0, col("access"), fmt.Sprintf("%q is not none, view, modify or administer", cell("access")))
		ok = false
	}
	np.Systems = []string{}
	for _, name := range strings.Split(cell("systems"), ";") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		aid, exists := assetByName[strings.ToLower(name)]
		if !exists {
			t.Fail(0, col("systems"), fmt.Sprintf("no asset named %q in the ePHI inventory", name))
			ok = false
			continue
		}
		np.Systems = append(np.Systems, aid)
	}
	if !ok {
		return nil, false
	}
	if err := np.Validate(); err != nil {
		t.FailRow(0, errs.Message(err))
		return nil, false
	}
	return np, true
}

// merge applies the mapped fields of a row to a copy of old, listing what
// changes; fields the mapping does not fill keep their values.
func merge(old, in *Person, m Mapping) (*Person, []string) {
	out := *old
	var fields []string
	set := func(field string, mapped bool, dst *string, v string) {
		if mapped && *dst != v {
			*dst = v
			fields = append(fields, field)
		}
	}
	set("name", m["name"] != "" || m["first_name"] != "", &out.Name, in.Name)
	set("email", m["email"] != "", &out.Email, in.Email)
	set("position", m["position"] != "", &out.Position, in.Position)
	set("department", m["department"] != "", &out.Department, in.Department)
	set("manager", m["manager"] != "", &out.Manager, in.Manager)
	set("start_date", m["start_date"] != "", &out.Start, in.Start)
	set("end_date", m["end_date"] != "", &out.End, in.End)
	if m["type"] != "" && out.Type != in.Type {
		out.Type = in.Type
		fields = append(fields, "type")
	}
	if m["access"] != "" && out.Access != in.Access {
		out.Access = in.Access
		fields = append(fields, "access")
	}
	if m["systems"] != "" && !slices.Equal(out.Systems, in.Systems) {
		out.Systems = in.Systems
		fields = append(fields, "systems")
	}
	return &out, fields
}
