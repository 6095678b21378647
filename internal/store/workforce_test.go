package store_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/store/storetest"
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
	sc := riverside(t, s)
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
		other := clinic("elsewhere")
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
