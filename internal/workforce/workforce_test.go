package workforce_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func starter(t testing.TB) *workforce.Program {
	t.Helper()
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, notes, err := workforce.Starter(reg)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Modules) != 7 || len(p.Rules) != 7 || len(notes) == 0 {
		t.Fatalf("starter program: %d modules, %d rules", len(p.Modules), len(p.Rules))
	}
	return p
}

// apply writes a plan to a roster held in memory, as the store does.
func apply(current []*workforce.Person, p *workforce.RosterPlan) []*workforce.Person {
	byID := map[string]*workforce.Person{}
	for _, c := range current {
		byID[c.EmployeeID] = c
	}
	for _, j := range p.Joiners {
		j.ID = "p-" + j.EmployeeID
		byID[j.EmployeeID] = j
	}
	for _, m := range p.Movers {
		byID[m.New.EmployeeID] = m.New
	}
	for _, l := range p.Leavers {
		byID[l.Person.EmployeeID] = l.Person
	}
	var out []*workforce.Person
	for _, c := range byID {
		out = append(out, c)
	}
	return out
}

func TestRosterReimportWithJoinersMoversAndLeavers(t *testing.T) {
	header := []string{"Employee Number", "Legal First Name", "Legal Last Name", "Work Email", "Job Title", "Department", "Manager ID", "Worker Type", "Hire Date", "Termination Date", "ePHI Access", "Salary Grade"}
	m := workforce.Guess(header)
	for field, col := range map[string]string{"employee_id": "Employee Number", "first_name": "Legal First Name", "last_name": "Legal Last Name", "email": "Work Email",
		"position": "Job Title", "start_date": "Hire Date", "end_date": "Termination Date", "access": "ePHI Access", "manager": "Manager ID", "type": "Worker Type"} {
		if m[field] != col {
			t.Errorf("guessed %s → %q, want %q", field, m[field], col)
		}
	}
	first, err := workforce.PlanRoster("roster-2026-01.csv", open(t, "roster-2026-01.csv"), m, nil, nil, "2026-02-01")
	if err != nil {
		t.Fatal(err)
	}
	if len(first.Joiners) != 6 || len(first.Movers) != 0 || len(first.Leavers) != 0 || strings.Join(first.Ignored, ",") != "Salary Grade" {
		t.Fatalf("first import: %d joiners %d movers %d leavers, ignored %v", len(first.Joiners), len(first.Movers), len(first.Leavers), first.Ignored)
	}
	maria := first.Joiners[3]
	if maria.Name != "Maria Gomez" || maria.Start != "2022-01-10" || maria.Access != workforce.Modify || first.Joiners[5].Type != workforce.Contractor {
		t.Errorf("joiner: %+v", maria)
	}
	roster := apply(nil, first)
	prog := starter(t)
	before := training.Evaluate(prog, roster, nil, "2026-02-01")
	count := func(as []*workforce.Assignment, emp, module string) int {
		n := 0
		for _, a := range as {
			if a.Person.EmployeeID == emp && a.Module == module {
				n++
			}
		}
		return n
	}
	if count(before, "1002", "privileged") != 1 || count(before, "1004", "clinician") != 1 || count(before, "1004", "billing") != 0 || count(before, "1005", "ephi-handling") != 1 {
		t.Error("the starter rules did not assign by access and department")
	}
	// Six months later: Tom left (absent), Ana's contract ended, Maria moved to billing, Raj joined.
	second, err := workforce.PlanRoster("roster-2026-07.csv", open(t, "roster-2026-07.csv"), m, roster, nil, "2026-07-10")
	if err != nil {
		t.Fatal(err)
	}
	if len(second.Joiners) != 1 || second.Joiners[0].Name != "Raj Kumar" {
		t.Errorf("joiners: %+v", second.Joiners)
	}
	if len(second.Movers) != 1 || second.Movers[0].New.EmployeeID != "1004" || strings.Join(second.Movers[0].Fields, ",") != "position,department,manager" {
		t.Errorf("movers: %+v", second.Movers)
	}
	leavers := map[string]string{}
	for _, l := range second.Leavers {
		leavers[l.Person.EmployeeID] = l.End + " " + l.Reason
	}
	if leavers["1005"] != "2026-07-09 not in the export" || leavers["1006"] != "2026-06-30 the export gives an end date of 2026-06-30" || len(leavers) != 2 || second.Unchanged != 3 {
		t.Errorf("leavers: %v, unchanged %d", leavers, second.Unchanged)
	}
	roster = apply(roster, second)
	after := training.Evaluate(prog, roster, nil, "2026-07-10")
	if count(after, "1004", "billing") != 1 || count(after, "1004", "clinician") != 0 || count(after, "1005", "awareness") != 0 || count(after, "1006", "awareness") != 0 || count(after, "1007", "clinician") != 1 {
		t.Error("assignments did not follow the joiner, the mover and the leavers")
	}
	// The leavers' termination checklists.
	for _, l := range second.Leavers {
		items := training.TerminationChecklist(l.Person, nil)
		if len(items) < 5 || !strings.Contains(items[0].Title, "email and directory account") {
			t.Errorf("checklist for %s: %+v", l.Person.Name, items[0])
		}
	}
	sam := training.TerminationChecklist(&workforce.Person{Name: "Sam Patel", Access: workforce.Administer, Systems: []string{"a1"}}, map[string]string{"a1": "Cloud EHR"})
	if sam[0].Title != "Disable Sam Patel's account on Cloud EHR" || !strings.Contains(sam[len(sam)-1].Title, "Rotate administrator credentials") {
		t.Errorf("administrator's checklist: %v / %v", sam[0].Title, sam[len(sam)-1].Title)
	}
}

func TestRosterBadInput(t *testing.T) {
	m := workforce.Mapping{"employee_id": "Employee Number", "first_name": "Legal First Name", "last_name": "Legal Last Name", "position": "Job Title",
		"start_date": "Hire Date", "end_date": "Termination Date", "access": "ePHI Access"}
	_, err := workforce.PlanRoster("roster-bad.csv", open(t, "roster-bad.csv"), m, nil, nil, "2026-02-01")
	for _, want := range []string{
		"roster-bad.csv: nothing was imported",
		`line 2, column "Termination Date": the end date 2023-12-31 is before the start date 2024-01-01`,
		`line 3, column "Hire Date": "2024-02-30" is not a date`,
		`line 4, column "Employee Number": duplicate employee id "2001" (first on line 2)`,
		`line 4, column "ePHI Access": "superuser" is not none, view, modify or administer`,
	} {
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("bad roster: %v\nwant %q", err, want)
		}
	}
	m["department"] = "Dept"
	m["email"] = "Email Address"
	_, err = workforce.PlanRoster("roster-bad.csv", open(t, "roster-bad.csv"), m, nil, nil, "2026-02-01")
	if err == nil || !strings.Contains(err.Error(), `the mapping names column(s) the file does not have: "Dept" (for department), "Email Address" (for email)`) {
		t.Errorf("unknown columns: %v", err)
	}
	if err := (workforce.Mapping{"employee_id": "id", "salary": "x", "name": "n"}).Validate(); err == nil || !strings.Contains(err.Error(), `"salary" is not a roster field`) {
		t.Errorf("unknown field: %v", err)
	}
	if err := (workforce.Mapping{"employee_id": "id"}).Validate(); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("no name: %v", err)
	}
}

func TestCompletionsImport(t *testing.T) {
	people := []*workforce.Person{{ID: "p1", EmployeeID: "1001"}, {ID: "p2", EmployeeID: "1002", Email: "sam@riverside.example"}, {ID: "p3", EmployeeID: "1003"}, {ID: "p4", EmployeeID: "1004"}}
	prog := starter(t)
	_, err := workforce.PlanCompletions("completions.csv", open(t, "completions.csv"), people, prog.Modules, "2026-11-23")
	for _, want := range []string{`line 5, column "employee_id": no person with employee id "9999" on the roster`, `line 6, column "module": "cooking" is not a training module`} {
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("completions: %v\nwant %q", err, want)
		}
	}
	good := "employee_id,email,module,completed_on\n1001,,awareness,2026-02-01\n,SAM@riverside.example,Security awareness,2026-02-03\n1003,,phishing,02/15/2026\n"
	cs, err := workforce.PlanCompletions("lms.csv", strings.NewReader(good), people, prog.Modules, "2026-11-23")
	if err != nil || len(cs) != 3 || cs[1].PersonID != "p2" || cs[1].Module != "awareness" || cs[2].CompletedOn != "2026-02-15" || cs[0].Source != "import: lms.csv" {
		t.Errorf("completions: %+v %v", cs, err)
	}
	if _, err := workforce.PlanCompletions("f.csv", strings.NewReader("employee_id,module,completed_on\n1001,awareness,2027-01-01\n"), people, prog.Modules, "2026-11-23"); err == nil || !strings.Contains(err.Error(), "in the future") {
		t.Errorf("future completion: %v", err)
	}
}

// A person's text is bounded, naming the field.
func TestPersonFieldsAreBounded(t *testing.T) {
	p := workforce.Person{EmployeeID: "1001", Name: "Olivia Owens", Position: strings.Repeat("p", 201)}
	if err := p.Validate(); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "position: at most 200 characters (this one has 201)") {
		t.Errorf("Validate() = %v", err)
	}
}
