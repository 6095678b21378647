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

// PlanRoster reads an HR export through the mapping against the current
// roster, on day today. A row whose employee id is known moves that
// person; a new id joins; a current person absent from the file, or whose
// row ends on or before today, leaves. systems names assets of the ePHI
// inventory, separated by ";" (assetByName maps lower-case names to ids).
// Every problem is named by row and column; any problem means nothing is
// imported.
func PlanRoster(file string, r io.Reader, m Mapping, current []*Person, assetByName map[string]string, today string) (*RosterPlan, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	t, err := tabular.Read(file, r, MaxImportBytes)
	if err != nil {
		return nil, err
	}
	var missing []string
	used := map[string]bool{}
	for _, f := range slices.Sorted(maps.Keys(m)) {
		col := m[f]
		if col == "" {
			continue
		}
		if !t.Has(col) {
			missing = append(missing, fmt.Sprintf("%q (for %s)", col, f))
		}
		used[tabular.Key(col)] = true
	}
	if len(missing) > 0 {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: the mapping names column(s) the file does not have: %s; the file's columns are: %s",
			file, strings.Join(missing, ", "), strings.Join(t.Header, ", ")))
	}
	p := &RosterPlan{File: file, SHA256: t.SHA256, Mapping: m}
	for _, h := range t.Header {
		if !used[tabular.Key(h)] && strings.TrimSpace(h) != "" {
			p.Ignored = append(p.Ignored, h)
		}
	}
	byID := make(map[string]*Person, len(current))
	for _, c := range current {
		byID[strings.ToLower(c.EmployeeID)] = c
	}
	cell := func(i int, f string) string {
		if m[f] == "" {
			return ""
		}
		return t.Cell(i, m[f])
	}
	seen := make(map[string]int, len(t.Rows))
	for i := range t.Rows {
		np := &Person{EmployeeID: cell(i, "employee_id"), Name: cell(i, "name"), Email: cell(i, "email"), Position: cell(i, "position"),
			Department: cell(i, "department"), Manager: cell(i, "manager")}
		if np.Name == "" {
			np.Name = strings.TrimSpace(cell(i, "first_name") + " " + cell(i, "last_name"))
		}
		ok := true
		col := func(f string) string { return cmp.Or(m[f], f) }
		id := strings.ToLower(np.EmployeeID)
		switch {
		case id == "":
			t.Fail(i, col("employee_id"), "the employee id is empty")
			ok = false
		case seen[id] > 0:
			t.Fail(i, col("employee_id"), fmt.Sprintf("duplicate employee id %q (first on %s %d)", np.EmployeeID, t.Where, seen[id]))
			ok = false
		default:
			seen[id] = t.Lines[i]
		}
		if np.Name == "" {
			t.Fail(i, col("name"), "the name is empty")
			ok = false
		}
		if v, good := ParseWorkerType(cell(i, "type")); good {
			np.Type = v
		} else {
			t.Fail(i, col("type"), fmt.Sprintf("%q is not employee, contractor, volunteer or trainee", cell(i, "type")))
			ok = false
		}
		for _, d := range []struct {
			field string
			dst   *string
		}{{"start_date", &np.Start}, {"end_date", &np.End}} {
			v, good := ParseDate(cell(i, d.field))
			if !good {
				t.Fail(i, col(d.field), fmt.Sprintf("%q is not a date", cell(i, d.field)))
				ok = false
			}
			*d.dst = v
		}
		if np.Start != "" && np.End != "" && np.End < np.Start {
			t.Fail(i, col("end_date"), fmt.Sprintf("the end date %s is before the start date %s", np.End, np.Start))
			ok = false
		}
		if v, good := ParseAccess(cell(i, "access")); good {
			np.Access = v
		} else {
			t.Fail(i, col("access"), fmt.Sprintf("%q is not none, view, modify or administer", cell(i, "access")))
			ok = false
		}
		np.Systems = []string{}
		for _, name := range strings.Split(cell(i, "systems"), ";") {
			if name = strings.TrimSpace(name); name == "" {
				continue
			}
			aid, exists := assetByName[strings.ToLower(name)]
			if !exists {
				t.Fail(i, col("systems"), fmt.Sprintf("no asset named %q in the ePHI inventory", name))
				ok = false
				continue
			}
			np.Systems = append(np.Systems, aid)
		}
		if !ok {
			continue
		}
		if err := np.Validate(); err != nil {
			t.FailRow(i, errs.Message(err))
			continue
		}
		old, exists := byID[id]
		if !exists {
			p.Joiners = append(p.Joiners, np)
			continue
		}
		merged, fields := merge(old, np, m)
		if merged.End != "" && merged.End < today && (old.End == "" || old.End >= today) {
			p.Leavers = append(p.Leavers, &Leave{Person: merged, End: merged.End, Reason: "the export gives an end date of " + merged.End})
			continue
		}
		if len(fields) == 0 {
			p.Unchanged++
			continue
		}
		p.Movers = append(p.Movers, &Move{Old: old, New: merged, Fields: fields})
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	for _, c := range current {
		if seen[strings.ToLower(c.EmployeeID)] == 0 && c.Active(today) {
			// Gone from the export: their last day was the day before it.
			left := *c
			left.End = max(addDays(today, -1), c.Start)
			p.Leavers = append(p.Leavers, &Leave{Person: &left, End: left.End, Reason: "not in the export"})
		}
	}
	return p, nil
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
