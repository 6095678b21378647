package riskanalysis_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/risk/risktest"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

var threats = risktest.Threats

// The store keeps what the service reads.
var _ riskanalysis.Store = (*store.Scoped)(nil)

func TestChangesAndReminders(t *testing.T) {
	_, c := threats(t)
	finalized := time.Date(2025, 11, 1, 12, 0, 0, 0, time.UTC)
	prev := &risk.Document{AsOf: finalized, Register: risk.Register{Scales: risk.Default(), Catalog: c,
		Assets:  []*risk.Asset{{ID: "ehr", Name: "EHR", Maintains: true, Records: 10000, CreatedAt: finalized.AddDate(-1, 0, 0)}},
		Risks:   []*risk.Risk{{ID: "r1", Number: 1, Title: "Ransomware", ThreatID: "ransomware", Assets: []string{"ehr"}, Likelihood: 4, ImpactA: 5, Status: risk.Open}},
		Actions: []*risk.Action{{ID: "a1", RiskID: "r1", Title: "Offline backups", Status: risk.Planned, Due: "2026-03-01"}}}}
	cur := &risk.Document{AsOf: finalized.AddDate(1, 0, 0), Register: risk.Register{Scales: risk.Default(), Catalog: c,
		Assets: []*risk.Asset{{ID: "ehr", Name: "EHR", Maintains: true, Records: 14000, CreatedAt: finalized.AddDate(-1, 0, 0)},
			{ID: "portal", Name: "Patient portal", Transmits: true, CreatedAt: finalized.AddDate(0, 3, 0)}},
		Risks: []*risk.Risk{{ID: "r1", Number: 1, Title: "Ransomware", ThreatID: "ransomware", Assets: []string{"ehr"}, Likelihood: 2, ImpactA: 5, Status: risk.Open, Response: risk.Mitigate},
			{ID: "r2", Number: 2, Title: "Portal credential stuffing", ThreatID: "credential-stuffing", Assets: []string{"portal"}, Likelihood: 3, ImpactC: 3, Status: risk.Open,
				Response: risk.Accept, AcceptedBy: "Dr Reyes", AcceptedUntil: "2026-06-30"}},
		Actions: []*risk.Action{{ID: "a1", RiskID: "r1", Title: "Offline backups", Status: risk.Done, Due: "2026-03-01", CompletedOn: "2026-02-20"}}}}
	var lines []string
	for _, ch := range riskanalysis.Changes(prev, cur) {
		lines = append(lines, ch.Kind+" "+ch.Ref+" "+ch.Title+" "+ch.What+" "+strings.Join(ch.Detail, "; "))
	}
	got := strings.Join(lines, "\n")
	for _, want := range []string{"asset  EHR changed records: 10000 → 14000", "asset  Patient portal added holds ePHI: transmits",
		"risk R-001 Ransomware changed level: Very High → High; likelihood × impact: 4 × 5 → 2 × 5; response: Not decided → Mitigate",
		"risk R-002 Portal credential stuffing added", "action R-001 Offline backups done on 2026-02-20"} {
		if !strings.Contains(got, want) {
			t.Errorf("changes lack %q:\n%s", want, got)
		}
	}
	at := finalized
	analyses := []*risk.Analysis{{Title: "2025 risk analysis", Status: risk.Final, FinalizedAt: &at, ReviewBy: "2026-11-01"}}
	var kinds []string
	reminders, err := riskanalysis.Reminders("2026-11-23", analyses, risk.Summarize(cur.Register.Rows("2026-11-23"), "2026-11-23"), addedIn(cur.Register.Assets))
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range reminders {
		kinds = append(kinds, r.Kind+": "+r.Message)
	}
	got = strings.Join(kinds, "\n")
	for _, want := range []string{`review: The periodic review of "2025 risk analysis" was due on 2026-11-01.`, "inventory: 1 asset(s) holding ePHI were added", "Patient portal",
		`acceptance: The acceptance of R-002 "Portal credential stuffing" expired on 2026-06-30`} {
		if !strings.Contains(got, want) {
			t.Errorf("reminders lack %q:\n%s", want, got)
		}
	}
	if r, _ := riskanalysis.Reminders("2026-11-23", nil, &risk.Summary{}, addedIn(nil)); len(r) != 1 || r[0].Kind != "none" {
		t.Errorf("no analysis: %v", r)
	}
}

func TestProposals(t *testing.T) {
	reg, _ := threats(t)
	a := &assessment.Assessment{ID: "as1", Framework: "hph-cpg", Title: "CPG 2026"}
	answers := map[string]*assessment.Answer{
		"hph-cpg/essential-3": {Status: assessment.NotImplemented, Notes: "No MFA on webmail"},
		"hph-cpg/essential-4": {Status: assessment.Implemented},
		"hph-cpg/essential-5": {Status: assessment.Partial},
		"hph-cpg/essential-1": {Status: assessment.Planned},
	}
	existing := []*risk.Vulnerability{{ItemID: "hph-cpg/essential-1"}}
	got := riskanalysis.Proposals(reg, a, answers, existing)
	if len(got) != 2 {
		t.Fatalf("%d proposals", len(got))
	}
	if got[0].ItemID != "hph-cpg/essential-3" || got[0].Status != risk.Proposed || got[0].AssessmentID != "as1" ||
		!strings.Contains(got[0].Title, "Multifactor Authentication: not implemented") || !strings.Contains(got[0].Description, "No MFA on webmail") {
		t.Errorf("proposal: %+v", got[0])
	}
}

// addedIn is riskanalysis.NewEPHI over an inventory held in memory.
func addedIn(assets []*risk.Asset) riskanalysis.NewEPHI {
	return func(since time.Time) ([]string, int, error) {
		var names []string
		for _, a := range assets {
			if a.HoldsEPHI() && a.CreatedAt.After(since) {
				names = append(names, a.Name)
			}
		}
		slices.SortFunc(names, func(a, b string) int { return strings.Compare(strings.ToLower(a), strings.ToLower(b)) })
		return names[:min(len(names), 10)], len(names), nil
	}
}

// A document says who took part and what was imported as of its own time:
// everyone who recorded the inventory, the register or the assessments
// before it, however long the trail (not only its newest entries), and
// the files imported before it, however many came after.
func TestDocumentGathering(t *testing.T) {
	reg, th := threats(t)
	var mu sync.Mutex
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); now = now.Add(time.Minute); return now }
	storetest.EachAt(t, clock, func(t *testing.T, s *store.Store) {
		as := func(who string) context.Context {
			return audit.WithActor(context.Background(), audit.Actor{ID: who, Label: who})
		}
		o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
		if err := s.CreateOrganization(as("owner@riverside.example"), o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		imp := func(name string) {
			t.Helper()
			read := func(emit func(*store.JudgedDevice) error) (*ingest.DevicesInfo, error) {
				return &ingest.DevicesInfo{SHA256: name}, emit(&store.JudgedDevice{Device: &ingest.Device{Line: 2, ID: name, Name: name, OS: "Windows", Encrypted: ingest.Yes}})
			}
			if _, err := sc.ImportDevices(as("it@riverside.example"), "devices", name+".csv", name, 10, read); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordEvent(as("sam@riverside.example"), o.ID, "asset.create", "asset:ehr", nil); err != nil {
			t.Fatal(err)
		}
		imp("before")
		// A long trail between: thousands of entries by someone else.
		for range 5100 {
			if err := s.RecordEvent(as("clerk@riverside.example"), o.ID, "risk.update", "risk:r1", nil); err != nil {
				t.Fatal(err)
			}
		}
		at := clock()
		// After the document's time: someone new, and many imports.
		if err := s.RecordEvent(as("late@riverside.example"), o.ID, "assessment.answer", "assessment:a1", nil); err != nil {
			t.Fatal(err)
		}
		for i := range 60 {
			imp(fmt.Sprintf("after-%02d", i))
		}
		svc := &riskanalysis.Service{Threats: th, Catalog: reg}
		doc, err := svc.Live(context.Background(), sc, o.Name, at)
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"clerk@riverside.example", "sam@riverside.example"}; !slices.Equal(doc.Gathering.Participants, want) {
			t.Errorf("participants as of the document: %q, want %q", doc.Gathering.Participants, want)
		}
		if len(doc.Gathering.Imports) != 1 || !strings.Contains(doc.Gathering.Imports[0], "before.csv") {
			t.Errorf("imports as of the document: %q", doc.Gathering.Imports)
		}
		doc, err = svc.Live(context.Background(), sc, o.Name, clock())
		if err != nil {
			t.Fatal(err)
		}
		if want := []string{"late@riverside.example", "clerk@riverside.example", "sam@riverside.example"}; !slices.Equal(doc.Gathering.Participants, want) || len(doc.Gathering.Imports) != 61 {
			t.Errorf("now: participants %q (want %q), %d imports", doc.Gathering.Participants, want, len(doc.Gathering.Imports))
		}
	})
}
