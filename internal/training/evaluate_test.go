package training_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

func TestEvaluateDueAndOverdue(t *testing.T) {
	prog := &workforce.Program{
		Modules: []*workforce.Module{{Code: "awareness", DueDays: 30, RecurMonths: 12}, {Code: "hipaa-101", DueDays: 14}},
		Rules:   []*workforce.Rule{{Module: "awareness"}, {Module: "hipaa-101", MinAccess: workforce.View}, {Module: "awareness", Departments: []string{"Clinical"}}},
	}
	people := []*workforce.Person{
		{ID: "a", Start: "2025-01-01", Access: workforce.Modify, Department: "Clinical"},
		{ID: "b", Start: "2026-11-10", Access: workforce.NoAccess},
		{ID: "c", Start: "2020-01-01", End: "2026-01-01"},
	}
	done := []*workforce.Completion{{PersonID: "a", Module: "awareness", CompletedOn: "2025-06-01"}, {PersonID: "a", Module: "awareness", CompletedOn: "2026-03-01"},
		{PersonID: "a", Module: "hipaa-101", CompletedOn: "2025-01-05"}}
	as := training.Evaluate(prog, people, done, "2026-11-23")
	got := map[string]string{}
	for _, a := range as {
		got[a.PersonID+"/"+a.Module] = string(a.Status) + " " + a.Due
	}
	want := map[string]string{"a/awareness": "current 2027-03-01", "a/hipaa-101": "complete 2025-01-05", "b/awareness": "due 2026-12-10"}
	if len(got) != len(want) {
		t.Errorf("assignments: %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	late := training.Evaluate(prog, people, done[:1], "2026-11-23")
	for _, a := range late {
		if a.PersonID == "a" && a.Module == "awareness" && (a.Status != workforce.Overdue || a.Due != "2026-06-01") {
			t.Errorf("a lapsed yearly module: %+v", a)
		}
	}
	byModule := training.Tallies(late, func(a *workforce.Assignment) string { return a.Module })
	if byModule[0].Name != "awareness" || byModule[0].Assigned != 2 || byModule[0].Overdue != 1 || byModule[0].Due != 1 || byModule[0].Rate() != 0 {
		t.Errorf("tallies: %+v", byModule)
	}
}

func TestScorecardInput(t *testing.T) {
	prog := starter(t)
	at := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	var people []*workforce.Person
	var done []*workforce.Completion
	for i := range 20 {
		p := &workforce.Person{ID: fmt.Sprint(i), EmployeeID: fmt.Sprint(i), Start: "2020-01-01"}
		people = append(people, p)
		if i > 0 { // one person lets both yearly modules lapse
			done = append(done, &workforce.Completion{PersonID: p.ID, Module: "awareness", CompletedOn: "2026-06-01"}, &workforce.Completion{PersonID: p.ID, Module: "phishing", CompletedOn: "2026-06-01"})
		}
	}
	in := training.StatusInput(training.Summarize(prog, people, done, "2026-11-23"), prog, at)
	if in.Goal != workforce.TrainingGoal || in.Status != assessment.Met || in.Detail != "95% of the awareness modules' assignments on time: 38 done, 0 not yet due, 2 overdue, of 40" {
		t.Errorf("19 of 20 current: %+v", in)
	}
	// An administrator overdue on the privileged module keeps the goal from met.
	people[1].Access = workforce.Administer
	in = training.StatusInput(training.Summarize(prog, people, done, "2026-11-23"), prog, at)
	if in.Status != assessment.PartlyMet || !strings.Contains(in.Detail, "2 administrator assignment(s) of other modules overdue") {
		t.Errorf("administrator overdue: %+v", in)
	}
	if in := training.StatusInput(training.Summarize(prog, people, nil, "2026-11-23"), prog, at); in.Status != assessment.NotMet {
		t.Errorf("nobody trained: %+v", in)
	}
	if in := training.StatusInput(training.Summarize(prog, nil, nil, "2026-11-23"), prog, at); in.Status != assessment.Unknown {
		t.Errorf("no roster: %+v", in)
	}
}
