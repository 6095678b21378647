package todo_test

import (
	"context"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/todo"
)

// A new organisation's list starts with its foundations (the profile, a
// risk analysis), then what its draft assessment still needs, then the
// essential goals; a role that may not see the program gets nothing, and
// one that may not see the workforce no training item. On both engines.
func TestListOfANewOrganization(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	prog, err := assessment.NewProgram(reg)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := riskanalysis.NewService(reg)
	if err != nil {
		t.Fatal(err)
	}
	svc := &todo.Service{Program: prog, Risk: rs}
	storetest.EachAt(t, func() time.Time { return now }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "maple", Name: "Maple Street Dental", EntityType: org.Provider, WorkforceSize: 6, Sites: 1}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		l, err := svc.List(ctx, sc, "", now)
		if err != nil {
			t.Fatal(err)
		}
		if l.AsOf != "2026-12-05" || len(l.Items) < 3 || l.Items[0].Kind != "profile" || l.Items[1].Kind != "analysis" {
			t.Fatalf("a new organisation's list: %+v", l)
		}
		if _, err := prog.Start(ctx, sc, catalog.HIPAASecurityRule, "First assessment", "", now); err != nil {
			t.Fatal(err)
		}
		l, err = svc.List(ctx, sc, auth.Auditor, now)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, it := range l.Items {
			kinds[it.Kind]++
		}
		if kinds["answers"] != 1 || kinds["decisions"] != 1 || kinds["goal"] != 10 || kinds["training"] != 0 {
			t.Errorf("with a draft assessment: %v", kinds)
		}
		for i := 1; i < len(l.Items); i++ {
			if l.Items[i].Urgency < l.Items[i-1].Urgency {
				t.Errorf("%q (urgency %d) after %q (urgency %d)", l.Items[i].Title, l.Items[i].Urgency, l.Items[i-1].Title, l.Items[i-1].Urgency)
			}
		}
		l, err = svc.List(ctx, sc, auth.Workforce, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(l.Items) != 0 {
			t.Errorf("a workforce member's list: %+v", l.Items)
		}
	})
}

// A breach's notices stand on the list until they are made: each due one
// as a breach notice due, right after the foundations; one past its last
// day with how long ago; the yearly log's only from 60 days before it.
func TestBreachNoticesOnTheList(t *testing.T) {
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	prog, err := assessment.NewProgram(reg)
	if err != nil {
		t.Fatal(err)
	}
	rs, err := riskanalysis.NewService(reg)
	if err != nil {
		t.Fatal(err)
	}
	svc := &todo.Service{Program: prog, Risk: rs}
	storetest.EachAt(t, func() time.Time { return now }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "maple", Name: "Maple Street Dental", EntityType: org.Provider}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		breach := func(title, discovered string, individuals int64) {
			t.Helper()
			i := &incident.Incident{Title: title, DetectedAt: now.AddDate(0, 0, -100), PHI: true,
				Assessment: &incident.Assessment{Conclusion: incident.IsBreach, By: "Dana", On: "2026-12-01", Reasoning: "Unencrypted."},
				Breach:     &incident.Breach{DiscoveredOn: discovered, Role: incident.RoleCoveredEntity, Individuals: individuals, MostInOneState: individuals}}
			if err := sc.SaveIncident(ctx, i); err != nil {
				t.Fatal(err)
			}
		}
		breach("Stolen laptop", "2026-11-20", 40)    // individuals due 2027-01-19; log due 2027-03-01, beyond 60 days
		breach("Misdirected fax", "2026-09-01", 700) // individuals, the media and HHS overdue since 2026-10-31
		l, err := svc.List(ctx, sc, "", now)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, it := range l.Items {
			if it.Kind == "breach" {
				got = append(got, it.Title)
				if it.Urgency != todo.Deadline || it.Cite == "" {
					t.Errorf("%q: urgency %d, cite %q", it.Title, it.Urgency, it.Cite)
				}
			}
		}
		want := []string{
			"Notify the affected individuals of INC-002: the last day was 2026-10-31",
			"Notify prominent media outlets of INC-002: the last day was 2026-10-31",
			"Notify the Secretary of HHS of INC-002: the last day was 2026-10-31",
			"Notify the affected individuals of INC-001 by 2027-01-19",
		}
		if len(got) != len(want) {
			t.Fatalf("breach items: %q", got)
		}
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("item %d: %q, want %q", k, got[k], want[k])
			}
		}
		if l.Items[0].Kind != "profile" || l.Items[1].Kind != "analysis" || l.Items[2].Kind != "breach" || l.Items[2].DaysOverdue != 35 {
			t.Errorf("the order: %+v", l.Items[:3])
		}
	})
}
