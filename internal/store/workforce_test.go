package store_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

func rosterFile(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "workforce", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// withStarterProgram creates the organisation riverside with Safeguard's
// starter training program installed.
func withStarterProgram(t *testing.T, s *store.Store) *store.Scoped {
	t.Helper()
	ctx := context.Background()
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	sc := storetest.Riverside(t, s)
	starter, _, err := workforce.Starter(reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.InstallProgram(ctx, starter); err != nil {
		t.Fatal(err)
	}
	return sc
}

// A roster imported, re-imported with a joiner, a mover and two leavers:
// the assignments follow and the leavers' checklists open.
func TestRosterReimport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := withStarterProgram(t, s)
		if m, _ := sc.RosterMapping(ctx); m != nil {
			t.Errorf("a mapping before any import: %v", m)
		}
		header := []string{"Employee Number", "Legal First Name", "Legal Last Name", "Work Email", "Job Title", "Department", "Manager ID", "Worker Type", "Hire Date", "Termination Date", "ePHI Access"}
		m := workforce.Guess(header)
		p, err := workforce.PlanRoster("roster-2026-01.csv", rosterFile(t, "roster-2026-01.csv"), m, nil, nil, "2026-02-01")
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.ApplyRoster(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		if saved, _ := sc.RosterMapping(ctx); saved["employee_id"] != "Employee Number" {
			t.Errorf("the mapping was not remembered: %v", saved)
		}
		people, _ := sc.People(ctx)
		if len(people) != 6 {
			t.Fatalf("%d people", len(people))
		}
		byEmp := map[string]*workforce.Person{}
		for _, x := range people {
			byEmp[x.EmployeeID] = x
		}
		if err := sc.AddCompletions(ctx, []*workforce.Completion{{PersonID: byEmp["1004"].ID, Module: "clinician", CompletedOn: "2026-02-10", Source: "attested"}}, "training.attest"); err != nil {
			t.Fatal(err)
		}
		other := storetest.Clinic("elsewhere")
		if err := s.CreateOrganization(ctx, other); err != nil {
			t.Fatal(err)
		}
		if err := s.Scope(other).AddCompletions(ctx, []*workforce.Completion{{PersonID: byEmp["1004"].ID, Module: "awareness", CompletedOn: "2026-02-10"}}, "training.attest"); !errs.Is(err, errs.Invalid) {
			t.Errorf("another organisation recorded a completion for this roster: %v", err)
		}
		// Six months on.
		saved, _ := sc.RosterMapping(ctx)
		p2, err := workforce.PlanRoster("roster-2026-07.csv", rosterFile(t, "roster-2026-07.csv"), saved, people, nil, "2026-07-10")
		if err != nil {
			t.Fatal(err)
		}
		// The same export against the roster read from the database as the
		// rows come: the same changes.
		streamed := &workforce.RosterPlan{}
		if _, err := workforce.StreamRoster("roster-2026-07.csv", rosterFile(t, "roster-2026-07.csv"), workforce.MaxImportBytes, saved, sc.CurrentRoster(ctx), nil, "2026-07-10", streamed); err != nil {
			t.Fatal(err)
		}
		if len(streamed.Joiners) != len(p2.Joiners) || len(streamed.Movers) != len(p2.Movers) || len(streamed.Leavers) != len(p2.Leavers) || streamed.Unchanged != p2.Unchanged ||
			len(p2.Movers) == 0 || len(p2.Leavers) == 0 || streamed.Movers[0].Old.ID != p2.Movers[0].Old.ID || !slices.Equal(streamed.Movers[0].Fields, p2.Movers[0].Fields) {
			t.Errorf("against the database: %d joiners, %d movers, %d leavers, %d unchanged; in memory %d, %d, %d, %d",
				len(streamed.Joiners), len(streamed.Movers), len(streamed.Leavers), streamed.Unchanged, len(p2.Joiners), len(p2.Movers), len(p2.Leavers), p2.Unchanged)
		}
		if err := sc.ApplyRoster(ctx, p2, training.Checklist(nil)); err != nil {
			t.Fatal(err)
		}
		people, _ = sc.People(ctx)
		prog, _ := sc.TrainingProgram(ctx)
		done, _ := sc.Completions(ctx, "")
		got := map[string]bool{}
		for _, a := range training.Evaluate(prog, people, done, "2026-07-10") {
			got[a.Person.EmployeeID+"/"+a.Module] = true
		}
		for k, want := range map[string]bool{"1004/billing": true, "1004/clinician": false, "1005/awareness": false, "1006/awareness": false, "1007/clinician": true, "1002/privileged": true} {
			if got[k] != want {
				t.Errorf("assignment %s: %v, want %v", k, got[k], want)
			}
		}
		items, _ := sc.Checklists(ctx, "")
		leavers := map[string]int{}
		for _, it := range items {
			leavers[it.PersonID]++
		}
		if len(leavers) != 2 || leavers[byEmp["1005"].ID] < 5 || leavers[byEmp["1006"].ID] < 5 {
			t.Errorf("checklists: %v", leavers)
		}
		if err := sc.SetChecklistItem(ctx, items[0].ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.Scope(other).SetChecklistItem(ctx, items[0].ID, false); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organisation ticked the checklist: %v", err)
		}
		// A re-import of the same file changes nothing and opens no second checklist.
		people, _ = sc.People(ctx)
		p3, err := workforce.PlanRoster("roster-2026-07.csv", rosterFile(t, "roster-2026-07.csv"), saved, people, nil, "2026-07-11")
		if err != nil {
			t.Fatal(err)
		}
		if len(p3.Joiners)+len(p3.Movers)+len(p3.Leavers) != 0 {
			t.Errorf("re-import of the same file: %d joiners %d movers %d leavers", len(p3.Joiners), len(p3.Movers), len(p3.Leavers))
		}
		// A person's sanction and a duplicate employee id.
		if err := sc.AddSanction(ctx, &workforce.Sanction{PersonID: byEmp["1003"].ID, Date: "2026-05-02", Policy: "Acceptable use", Action: "written warning"}); err != nil {
			t.Fatal(err)
		}
		if err := sc.AddSanction(ctx, &workforce.Sanction{PersonID: byEmp["1003"].ID, Date: "2026-05-02", Action: "warning"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("a sanction without its policy: %v", err)
		}
		dup := &workforce.Person{EmployeeID: "1001", Name: "Someone Else"}
		if err := sc.SavePerson(ctx, dup, nil); !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), `already has "1001"`) {
			t.Errorf("duplicate employee id: %v", err)
		}
		if me, err := sc.PersonByEmail(ctx, "MARIA@riverside.example"); err != nil || me.EmployeeID != "1004" {
			t.Errorf("by email: %v %v", me, err)
		}
	})
}

// A roster of thousands re-imported, the export in another order with its
// ids in another case: the rows are compared with the people in the
// database a batch at a time, and each row finds its own person across
// the batches.
func TestRosterReimportAcrossBatches(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		const n = 2*workforce.RosterBatch + 500
		first := rosterCSV(n)
		p, err := workforce.PlanRoster("roster.csv", bytes.NewReader(first), rosterMapping, nil, nil, "2026-11-23")
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.ApplyRoster(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(first), "\n"), "\n")
		header, rows := lines[0], lines[1:]
		moved := map[int]bool{10: true, workforce.RosterBatch + 7: true, n - 1: true}
		var next []string
		for i, row := range rows {
			switch {
			case i == 3 || i == workforce.RosterBatch+1: // gone from the export
				continue
			case moved[i]:
				cells := strings.Split(row, ",")
				cells[4] = "Charge nurse" // Job Title
				row = strings.Join(cells, ",")
			}
			next = append(next, strings.ToLower(row[:1])+row[1:]) // e0000001: the same person
		}
		slices.Reverse(next)
		next = append(next, "N0000001,New,Joiner,n1@hospital.example,Front desk,Front office,,Employee,2026-11-01,,view",
			"N0000002,Newer,Joiner,n2@hospital.example,Pharmacist,Pharmacy,,Employee,2026-11-02,,modify")
		second := []byte(header + "\n" + strings.Join(next, "\n") + "\n")

		people, err := sc.People(ctx)
		if err != nil {
			t.Fatal(err)
		}
		inMemory, err := workforce.PlanRoster("roster-2.csv", bytes.NewReader(second), rosterMapping, people, nil, "2026-11-23")
		if err != nil {
			t.Fatal(err)
		}
		streamed := &workforce.RosterPlan{}
		if _, err := workforce.StreamRoster("roster-2.csv", bytes.NewReader(second), workforce.MaxImportBytes, rosterMapping, sc.CurrentRoster(ctx), nil, "2026-11-23", streamed); err != nil {
			t.Fatal(err)
		}
		for name, plan := range map[string]*workforce.RosterPlan{"in memory": inMemory, "from the database": streamed} {
			if len(plan.Joiners) != 2 || len(plan.Movers) != len(moved) || len(plan.Leavers) != 2 || plan.Unchanged != n-2-len(moved) {
				t.Errorf("%s: %d joiners, %d movers, %d leavers, %d unchanged", name, len(plan.Joiners), len(plan.Movers), len(plan.Leavers), plan.Unchanged)
			}
			for _, mv := range plan.Movers {
				if !strings.EqualFold(mv.Old.EmployeeID, mv.New.EmployeeID) || !slices.Equal(mv.Fields, []string{"position"}) || mv.Old.ID != mv.New.ID {
					t.Errorf("%s: %s moved as %s (%v)", name, mv.Old.EmployeeID, mv.New.EmployeeID, mv.Fields)
				}
			}
		}
		counts, err := sc.ImportRoster(ctx, nil, func(sink workforce.RosterSink) (*workforce.RosterInfo, error) {
			return workforce.StreamRoster("roster-2.csv", bytes.NewReader(second), workforce.MaxImportBytes, rosterMapping, sc.CurrentRoster(ctx), nil, "2026-11-23", sink)
		})
		if err != nil {
			t.Fatal(err)
		}
		if counts.Joiners != 2 || counts.Movers != len(moved) || counts.Leavers != 2 || counts.Unchanged != n-2-len(moved) {
			t.Errorf("imported: %+v", counts)
		}
		if people, _ := sc.People(ctx); len(people) != n+2 {
			t.Errorf("%d people after the re-import, want %d", len(people), n+2)
		}

		// A third export without the first 1,200 rows nor the joiners: more
		// leave than a batch holds, found from the roster's dates and read
		// back a batch at a time.
		third := []byte(header + "\n" + strings.Join(rows[1200:], "\n") + "\n")
		people, _ = sc.People(ctx)
		inMemory, err = workforce.PlanRoster("roster-3.csv", bytes.NewReader(third), rosterMapping, people, nil, "2026-11-23")
		if err != nil {
			t.Fatal(err)
		}
		streamed = &workforce.RosterPlan{}
		if _, err := workforce.StreamRoster("roster-3.csv", bytes.NewReader(third), workforce.MaxImportBytes, rosterMapping, sc.CurrentRoster(ctx), nil, "2026-11-23", streamed); err != nil {
			t.Fatal(err)
		}
		for name, plan := range map[string]*workforce.RosterPlan{"in memory": inMemory, "from the database": streamed} {
			// Rows 3 and 1,001 left already; the mover of the last row moves back.
			if len(plan.Joiners) != 0 || len(plan.Movers) != 1 || len(plan.Leavers) != 1200 || plan.Unchanged != n-1200-1 {
				t.Errorf("%s: %d joiners, %d movers, %d leavers, %d unchanged", name, len(plan.Joiners), len(plan.Movers), len(plan.Leavers), plan.Unchanged)
			}
			for _, l := range plan.Leavers {
				if l.End != "2026-11-22" || l.Person.ID == "" || l.Person.Name == "" || l.Person.Position == "" {
					t.Errorf("%s: %s leaves on %s as %+v", name, l.Person.EmployeeID, l.End, l.Person)
					break
				}
			}
		}
	})
}
