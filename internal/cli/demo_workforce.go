package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// demoPeople is Riverside's roster: 38 current workforce members at two
// sites and two who left last month. Emails of the demo logins match.
var demoPeople = []struct {
	id, name, email, position, dept, manager string
	typ                                      workforce.WorkerType
	access                                   workforce.Access
	startYearsAgo                            int
	systems                                  []string
}{
	{"1001", "Olivia Owens", "owner@riverside.example", "Practice owner", "Administration", "", workforce.Employee, workforce.Administer, 11, []string{"Practice management and billing"}},
	{"1002", "Sam Patel", "security@riverside.example", "IT and security lead", "Administration", "1001", workforce.Employee, workforce.Administer, 6, []string{"Cloud EHR", "Microsoft 365 email and SharePoint", "Network and firewall", "File server and backup NAS"}},
	{"1003", "Chris Lee", "contributor@riverside.example", "Office manager", "Administration", "1001", workforce.Employee, workforce.Modify, 8, []string{"Cloud EHR", "Practice management and billing"}},
	{"1004", "Wendy Garcia", "workforce@riverside.example", "Medical assistant", "Clinical", "1010", workforce.Employee, workforce.Modify, 2, []string{"Cloud EHR"}},
	{"1010", "Dr. Helen Park", "hpark@riverside.example", "Physician", "Clinical", "1001", workforce.Employee, workforce.Modify, 10, []string{"Cloud EHR", "Digital X-ray unit"}},
	{"1011", "Dr. Marcus Reed", "mreed@riverside.example", "Physician", "Clinical", "1010", workforce.Employee, workforce.Modify, 7, []string{"Cloud EHR"}},
	{"1012", "Dr. Aisha Khan", "akhan@riverside.example", "Physician", "Clinical", "1010", workforce.Employee, workforce.Modify, 4, []string{"Cloud EHR"}},
	{"1013", "Dr. Tomas Novak", "tnovak@riverside.example", "Physician", "Clinical", "1010", workforce.Contractor, workforce.Modify, 1, []string{"Cloud EHR"}},
	{"1014", "Grace Liu", "gliu@riverside.example", "Nurse practitioner", "Clinical", "1010", workforce.Employee, workforce.Modify, 5, []string{"Cloud EHR"}},
	{"1015", "Daniel Ortiz", "dortiz@riverside.example", "Nurse practitioner", "Clinical", "1010", workforce.Employee, workforce.Modify, 3, []string{"Cloud EHR"}},
	{"1016", "Priya Shah", "pshah@riverside.example", "Registered nurse", "Clinical", "1014", workforce.Employee, workforce.Modify, 9, []string{"Cloud EHR"}},
	{"1017", "Kevin Brooks", "kbrooks@riverside.example", "Registered nurse", "Clinical", "1014", workforce.Employee, workforce.Modify, 4, []string{"Cloud EHR"}},
	{"1018", "Lucia Fernandez", "lfernandez@riverside.example", "Registered nurse", "Clinical", "1014", workforce.Employee, workforce.Modify, 2, []string{"Cloud EHR"}},
	{"1019", "Hannah Wright", "hwright@riverside.example", "Registered nurse", "Clinical", "1014", workforce.Employee, workforce.Modify, 1, []string{"Cloud EHR"}},
	{"1020", "Omar Haddad", "ohaddad@riverside.example", "Medical assistant", "Clinical", "1014", workforce.Employee, workforce.Modify, 6, []string{"Cloud EHR"}},
	{"1021", "Emily Chen", "echen@riverside.example", "Medical assistant", "Clinical", "1014", workforce.Employee, workforce.Modify, 3, []string{"Cloud EHR"}},
	{"1022", "Jamal Wilson", "jwilson@riverside.example", "Medical assistant", "Clinical", "1014", workforce.Employee, workforce.Modify, 2, []string{"Cloud EHR"}},
	{"1023", "Sofia Rossi", "srossi@riverside.example", "Medical assistant", "Clinical", "1014", workforce.Employee, workforce.Modify, 1, []string{"Cloud EHR"}},
	{"1024", "Noah Kim", "nkim@riverside.example", "Medical assistant", "Clinical", "1014", workforce.Trainee, workforce.View, 0, []string{"Cloud EHR"}},
	{"1025", "Rachel Adams", "radams@riverside.example", "Radiologic technologist", "Clinical", "1010", workforce.Employee, workforce.Modify, 5, []string{"Digital X-ray unit", "Cloud EHR"}},
	{"1026", "Ben Carter", "bcarter@riverside.example", "Radiologic technologist", "Clinical", "1010", workforce.Employee, workforce.Modify, 2, []string{"Digital X-ray unit"}},
	{"1027", "Mia Thompson", "mthompson@riverside.example", "Phlebotomist", "Clinical", "1014", workforce.Employee, workforce.View, 3, []string{"Cloud EHR"}},
	{"1030", "Laura Bennett", "lbennett@riverside.example", "Front desk", "Front office", "1003", workforce.Employee, workforce.View, 7, []string{"Cloud EHR", "Practice management and billing"}},
	{"1031", "Diego Morales", "dmorales@riverside.example", "Front desk", "Front office", "1003", workforce.Employee, workforce.View, 4, []string{"Cloud EHR"}},
	{"1032", "Nina Petrova", "npetrova@riverside.example", "Front desk", "Front office", "1003", workforce.Employee, workforce.View, 2, []string{"Cloud EHR"}},
	{"1033", "Tyler Scott", "tscott@riverside.example", "Front desk", "Front office", "1003", workforce.Employee, workforce.View, 1, []string{"Cloud EHR"}},
	{"1034", "Ava Mitchell", "amitchell@riverside.example", "Scheduler", "Front office", "1003", workforce.Employee, workforce.View, 3, []string{"Practice management and billing"}},
	{"1035", "Ethan Hughes", "ehughes@riverside.example", "Scheduler", "Front office", "1003", workforce.Volunteer, workforce.NoAccess, 1, nil},
	{"1040", "Rosa Jimenez", "rjimenez@riverside.example", "Billing specialist", "Billing", "1003", workforce.Employee, workforce.Modify, 6, []string{"Practice management and billing"}},
	{"1041", "Paul Nguyen", "pnguyen@riverside.example", "Billing specialist", "Billing", "1003", workforce.Employee, workforce.Modify, 3, []string{"Practice management and billing"}},
	{"1042", "Karen White", "kwhite@riverside.example", "Billing specialist", "Billing", "1003", workforce.Contractor, workforce.Modify, 1, []string{"Practice management and billing"}},
	{"1043", "Leo Martin", "lmartin@riverside.example", "Medical coder", "Remote", "1003", workforce.Contractor, workforce.View, 2, []string{"Cloud EHR"}},
	{"1044", "Ines Duarte", "iduarte@riverside.example", "Medical coder", "Remote", "1003", workforce.Employee, workforce.View, 4, []string{"Cloud EHR"}},
	{"1050", "Frank Wallace", "fwallace@riverside.example", "Facilities and maintenance", "Administration", "1003", workforce.Employee, workforce.NoAccess, 9, nil},
	{"1051", "Julia Evans", "jevans@riverside.example", "Receptionist, satellite site", "Front office", "1003", workforce.Employee, workforce.View, 2, []string{"Cloud EHR"}},
	{"1052", "Victor Lang", "vlang@riverside.example", "Registered nurse, satellite site", "Clinical", "1014", workforce.Employee, workforce.Modify, 3, []string{"Cloud EHR"}},
	{"1053", "Chloe Turner", "cturner@riverside.example", "Medical assistant, satellite site", "Clinical", "1014", workforce.Employee, workforce.Modify, 1, []string{"Cloud EHR"}},
	{"1054", "Student nurse placement", "placement@riverside.example", "Nursing student", "Clinical", "1016", workforce.Trainee, workforce.View, 0, []string{"Cloud EHR"}},
	// Left last month.
	{"1060", "Brian Foster", "bfoster@riverside.example", "Medical assistant", "Clinical", "1014", workforce.Employee, workforce.Modify, 3, []string{"Cloud EHR"}},
	{"1061", "Megan Cole", "mcole@riverside.example", "Billing specialist", "Billing", "1003", workforce.Contractor, workforce.Modify, 1, []string{"Practice management and billing"}},
}

// seedDemoWorkforce gives the demo clinic its roster, the starter training
// program and a year of completions: most current, some overdue, a new
// starter still due, two leavers with termination checklists, a sanction,
// and two security reminders scheduled (sent when a server has --smtp).
func seedDemoWorkforce(ctx context.Context, s *store.Store, o *org.Organization, reg *catalog.Registry, now time.Time) error {
	at := func(t time.Time) *store.Scoped { return s.WithClock(func() time.Time { return t }).Scope(o) }
	sc := s.Scope(o)
	starter, _, err := workforce.Starter(reg)
	if err != nil {
		return err
	}
	if err := at(now.AddDate(-2, 0, 0)).InstallProgram(ctx, starter); err != nil {
		return err
	}
	// The roster arrives as the HR system exports it, through the roster
	// import the pages, the API and the command line use: everyone three
	// months ago, then an export in which two have left.
	mapping := workforce.Mapping{"employee_id": "Employee Number", "name": "Name", "email": "Work Email", "position": "Job Title", "department": "Department",
		"manager": "Manager ID", "type": "Worker Type", "start_date": "Hire Date", "end_date": "Termination Date", "access": "ePHI Access", "systems": "ePHI Systems"}
	header := []string{"Employee Number", "Name", "Work Email", "Job Title", "Department", "Manager ID", "Worker Type", "Hire Date", "Termination Date", "ePHI Access", "ePHI Systems"}
	starts := make([]string, len(demoPeople))
	for i, d := range demoPeople {
		starts[i] = now.AddDate(-d.startYearsAgo, -(i%5)*2-1, -i).Format(workforce.DateLayout)
	}
	// The nursing student started last week: her training is due, not late.
	starts[37] = now.AddDate(0, 0, -7).Format(workforce.DateLayout)
	leftOn := now.AddDate(0, -1, -3).Format(workforce.DateLayout)
	export := func(leavers int) []byte {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(header)
		for i, d := range demoPeople {
			end := ""
			if i >= len(demoPeople)-leavers {
				end = leftOn
			}
			w.Write([]string{d.id, d.name, d.email, d.position, d.dept, d.manager, string(d.typ), starts[i], end, string(d.access), strings.Join(d.systems, "; ")})
		}
		w.Flush()
		return buf.Bytes()
	}
	hr := func(file string, content []byte, when time.Time) error {
		records := &dataimport.Records{Training: &training.Service{Now: func() time.Time { return when }}}
		plan, err := records.Plan(ctx, at(when), dataimport.RecordRoster, file, content, mapping, when)
		if err == nil {
			err = records.Apply(ctx, at(when), plan)
		}
		if err != nil {
			return fmt.Errorf("demo roster %s: %w", file, err)
		}
		return nil
	}
	if err := hr("hr-export-demo.csv", export(0), now.AddDate(0, -3, 0)); err != nil {
		return err
	}
	// Screening, recorded on each person's page as it was done.
	_, byID, err := sc.AssetNames(ctx)
	if err != nil {
		return err
	}
	people, err := sc.People(ctx)
	if err != nil {
		return err
	}
	byEmployee := map[string]*workforce.Person{}
	for _, p := range people {
		byEmployee[p.EmployeeID] = p
	}
	screened := &training.Service{Now: func() time.Time { return now.AddDate(0, -3, 0) }}
	var joiners []*workforce.Person
	for _, d := range demoPeople {
		p := byEmployee[d.id]
		if p == nil {
			return fmt.Errorf("demo roster: %s was not imported", d.name)
		}
		p.Clearance, p.ClearanceDate = workforce.ClearanceDone, p.Start
		if p.Access == workforce.NoAccess {
			p.Clearance = workforce.ClearanceNotRequired
		}
		if err := screened.SavePerson(ctx, at(now.AddDate(0, -3, 0)), p, byID); err != nil {
			return fmt.Errorf("demo screening of %s: %w", d.name, err)
		}
		joiners = append(joiners, p)
	}
	// Two left last month: their end dates, and checklists partly done.
	if err := hr("hr-export-demo-2.csv", export(2), now.AddDate(0, -1, 0)); err != nil {
		return err
	}
	items, err := sc.Checklists(ctx, joiners[len(joiners)-2].ID)
	if err != nil {
		return err
	}
	for _, it := range items[:len(items)-2] {
		if err := at(now.AddDate(0, -1, 1)).SetChecklistItem(ctx, it.ID, true); err != nil {
			return err
		}
	}
	// Completions: a year of training, not all of it on time, exported by
	// the learning system and imported as the pages, the API and the
	// command line import it.
	var lms bytes.Buffer
	lw := csv.NewWriter(&lms)
	lw.Write([]string{"employee_id", "module", "completed_on"})
	done := func(p *workforce.Person, module string, daysAgo int) {
		on := now.AddDate(0, 0, -daysAgo).Format(workforce.DateLayout)
		if on >= p.Start {
			lw.Write([]string{p.EmployeeID, module, on})
		}
	}
	for i, p := range joiners {
		switch {
		case i%9 == 4: // lapsed: last done more than a year ago
			done(p, "awareness", 400+i)
			done(p, "phishing", 390+i)
		case i%11 == 7: // never done the yearly phishing module
			done(p, "awareness", 60+i)
		default:
			done(p, "awareness", 30+i*7%300)
			done(p, "phishing", 20+i*5%300)
		}
		if p.Access != workforce.NoAccess && i%6 != 3 {
			done(p, "ephi-handling", 45+i*3%250)
		}
		switch {
		case p.Department == "Clinical" && i%4 != 1:
			done(p, "clinician", 100+i*11%500)
		case p.Department == "Billing":
			done(p, "billing", 70+i)
		case p.Department == "Remote" && i%2 == 0:
			done(p, "remote", 150)
		}
	}
	// The administrators: the owner current, the security lead overdue on the privileged module.
	done(joiners[0], "privileged", 120)
	done(joiners[1], "privileged", 420)
	lw.Flush()
	imported := now.AddDate(0, 0, -2)
	records := &dataimport.Records{Training: &training.Service{Now: func() time.Time { return imported }}}
	lmsPlan, err := records.Plan(ctx, at(imported), dataimport.RecordCompletions, "lms-export-demo.csv", lms.Bytes(), nil, imported)
	if err != nil {
		return fmt.Errorf("demo completions: %w", err)
	}
	if err := records.Apply(ctx, at(imported), lmsPlan); err != nil {
		return fmt.Errorf("demo completions: %w", err)
	}
	if err := sc.AddSanction(ctx, &workforce.Sanction{PersonID: joiners[26].ID, Date: now.AddDate(0, -4, 0).Format(workforce.DateLayout),
		Policy: "Acceptable use: no patient look-ups without a work reason", Description: "Opened a neighbour's chart; found in the quarterly EHR access review.", Action: "Written warning and retraining on handling ePHI"}); err != nil {
		return err
	}
	for _, r := range []*workforce.Reminder{
		{Subject: "Your security training is overdue", Body: "Please complete your overdue modules this week: Safeguard lists them under My training.", Audience: "overdue", ScheduledFor: now.AddDate(0, 0, 3).Format(workforce.DateLayout)},
		{Subject: "Holiday phishing season", Body: "Expect fake delivery notices and gift-card requests. Do not click: forward anything suspicious to Sam Patel.", Audience: "all", ScheduledFor: now.AddDate(0, 0, 14).Format(workforce.DateLayout)},
	} {
		if err := at(now.AddDate(0, 0, -1)).CreateReminder(ctx, r); err != nil {
			return err
		}
	}
	return (&training.Service{Now: func() time.Time { return now }}).Refresh(ctx, s.WithClock(func() time.Time { return now }).Scope(o))
}
