package training_test

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

func riverside(t *testing.T, s *store.Store) *store.Scoped {
	t.Helper()
	o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider, WorkforceSize: 12, Sites: 1}
	if err := s.CreateOrganization(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return s.Scope(o)
}

func starter(t *testing.T) *workforce.Program {
	t.Helper()
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := workforce.Starter(reg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// trainingInput returns the organisation's newest training input of the
// basic-training goal, if it has one.
func trainingInput(t *testing.T, sc *store.Scoped) (assessment.Input, bool) {
	t.Helper()
	inputs, err := sc.ScorecardInputs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range inputs {
		if in.Source == "training" && in.Goal != workforce.TrainingStandard {
			return in, true
		}
	}
	return assessment.Input{}, false
}

// Every change that alters who must take which training refreshes the
// scorecard's training input, whoever makes it: installing the starter
// program, adding a module, adding and removing a rule, saving a person,
// recording completions. Each step's input says what the roster's status
// says right after it.
func TestEveryChangeRefreshesTheTrainingInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := riverside(t, s)
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		svc := &training.Service{Now: func() time.Time { return now }}
		maria := &workforce.Person{EmployeeID: "1004", Name: "Maria Gomez", Email: "maria@riverside.example", Type: workforce.Employee, Access: workforce.Modify, Systems: []string{}, Start: "2025-01-01", Position: "Nurse", Department: "Clinical"}
		if err := sc.SavePerson(ctx, maria, nil); err != nil { // straight to the store: no refresh
			t.Fatal(err)
		}
		steps := []struct {
			name   string
			change func() error
		}{
			{"the starter program", func() error { return svc.InstallProgram(ctx, sc, starter(t)) }},
			{"a module", func() error {
				return svc.AddModule(ctx, sc, &workforce.Module{Code: "ehr-downtime", Title: "EHR downtime procedures", Minutes: 20, DueDays: 30, RecurMonths: 12, Items: []string{"hipaa-sr/164.308(a)(7)(i)"}})
			}},
			{"a rule", func() error {
				return svc.AddRule(ctx, sc, &workforce.Rule{Module: "ehr-downtime", Departments: []string{"Clinical"}})
			}},
			{"a person", func() error {
				return svc.SavePerson(ctx, sc, &workforce.Person{EmployeeID: "1007", Name: "Raj Kumar", Email: "raj@riverside.example", Type: workforce.Employee, Access: workforce.View, Systems: []string{}, Start: "2025-01-01", Department: "Clinical"}, nil)
			}},
			{"completions", func() error {
				return svc.AddCompletions(ctx, sc, []*workforce.Completion{{PersonID: maria.ID, Module: "ehr-downtime", CompletedOn: "2026-11-01", Source: "attested"}}, "training.attest")
			}},
		}
		prog, err := sc.TrainingProgram(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, has := trainingInput(t, sc); has || len(prog.Modules) != 0 {
			t.Fatalf("before any change: an input, or %d modules", len(prog.Modules))
		}
		for _, step := range steps {
			now = now.Add(time.Minute)
			if err := step.change(); err != nil {
				t.Fatalf("%s: %v", step.name, err)
			}
			got, has := trainingInput(t, sc)
			if !has || !got.Date.Equal(now) {
				t.Fatalf("after %s: the newest training input is of %v, not of the change (%v)", step.name, got.Date, now)
			}
			prog, st, err := training.Status(ctx, sc, now)
			if err != nil {
				t.Fatal(err)
			}
			want := training.StatusInput(st, prog, now)
			if got.Status != want.Status || got.Detail != want.Detail {
				t.Errorf("after %s: the input says %s %q; the roster's status %s %q", step.name, got.Status, got.Detail, want.Status, want.Detail)
			}
		}
		// Removing the rule refreshes it too.
		prog, err = sc.TrainingProgram(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var rule string
		for _, r := range prog.Rules {
			if r.Module == "ehr-downtime" {
				rule = r.ID
			}
		}
		now = now.Add(time.Minute)
		if err := svc.DeleteRule(ctx, sc, rule); err != nil {
			t.Fatal(err)
		}
		if got, _ := trainingInput(t, sc); !got.Date.Equal(now) {
			t.Errorf("after removing the rule: the newest input is of %v, not %v", got.Date, now)
		}
		// A module that is not whole is refused, and nothing is recorded.
		before := now
		now = now.Add(time.Minute)
		if err := svc.AddModule(ctx, sc, &workforce.Module{Code: "x"}); err == nil {
			t.Error("a module without a title was added")
		}
		if got, _ := trainingInput(t, sc); !got.Date.Equal(before) {
			t.Errorf("a refused module recorded an input of %v", got.Date)
		}
	})
}

// The training input, evaluated a slice of the roster at a time, says what
// the whole roster's status says, across more people than one slice holds.
func TestTrainingInputInSlices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := riverside(t, s)
		if err := sc.InstallProgram(ctx, starter(t)); err != nil {
			t.Fatal(err)
		}
		plan := &workforce.RosterPlan{File: "hr.csv", Mapping: workforce.Mapping{"employee_id": "id", "name": "name"}}
		for i := range 5000*2 + 17 {
			p := &workforce.Person{EmployeeID: fmt.Sprint(10000 + i), Name: fmt.Sprintf("Person %d", i), Type: workforce.Employee, Access: workforce.View, Systems: []string{},
				Start: "2025-01-01", Department: []string{"Clinical", "Billing", "IT"}[i%3]}
			if i%7 == 0 {
				p.Access = workforce.Administer
			}
			plan.Joiners = append(plan.Joiners, p)
		}
		if err := sc.ApplyRoster(ctx, plan, nil); err != nil {
			t.Fatal(err)
		}
		// A third have done the awareness module.
		var done []*workforce.Completion
		for i, p := range plan.Joiners {
			if i%3 == 0 {
				done = append(done, &workforce.Completion{PersonID: p.ID, Module: "awareness", CompletedOn: "2026-11-01", Source: "attested"})
			}
		}
		if err := sc.AddCompletions(ctx, done, "training.import"); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
		prog, st, err := training.Status(ctx, sc, now)
		if err != nil {
			t.Fatal(err)
		}
		want := training.StatusInput(st, prog, now)
		if err := (&training.Service{Now: func() time.Time { return now }}).Refresh(ctx, sc); err != nil {
			t.Fatal(err)
		}
		inputs, err := sc.ScorecardInputs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := 0
		for _, in := range inputs {
			if in.Source == "training" {
				found++
				if in.Status != want.Status || in.Detail != want.Detail || in.Ref != want.Ref {
					t.Errorf("%s: %s %q %q; the whole roster's status says %s %q %q", in.Goal, in.Status, in.Detail, in.Ref, want.Status, want.Detail, want.Ref)
				}
			}
		}
		if found != 2 || !strings.Contains(want.Detail, "3339 done") || !strings.Contains(want.Detail, "of 20034") {
			t.Errorf("%d training inputs; the status: %q", found, want.Detail)
		}
	})
}

// A person added by hand is matched to the account an export already
// brought; renaming them matches again.
func TestSavingAPersonMatchesAccounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := riverside(t, s)
		csv := "account,name,employee_id,enabled\nRKUMAR,Raj Kumar,1007,yes\n"
		if _, err := dataimport.File(ctx, dataimport.Request{Name: "ehr-users.csv", Format: ingest.FormatAccounts,
			Open:  func() (io.ReadCloser, error) { return io.NopCloser(strings.NewReader(csv)), nil },
			Scope: func() (*store.Scoped, error) { return sc, nil }}); err != nil {
			t.Fatal(err)
		}
		person := func() string {
			t.Helper()
			accts, err := sc.Accounts(ctx, store.AccountFilter{})
			if err != nil || len(accts) != 1 {
				t.Fatalf("accounts: %+v %v", accts, err)
			}
			return accts[0].PersonName
		}
		if got := person(); got != "" {
			t.Fatalf("matched before anyone is on the roster: %q", got)
		}
		svc := &training.Service{}
		raj := &workforce.Person{EmployeeID: "1007", Name: "Raj Kumar", Email: "raj@riverside.example", Type: workforce.Employee, Access: workforce.View, Systems: []string{}, Start: "2025-01-01"}
		if err := svc.SavePerson(ctx, sc, raj, nil); err != nil {
			t.Fatal(err)
		}
		if got := person(); got != "Raj Kumar" {
			t.Errorf("after adding Raj: the account's person is %q", got)
		}
	})
}
