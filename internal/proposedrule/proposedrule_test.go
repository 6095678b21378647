package proposedrule_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/proposedrule"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// The proposed rule is off until switched on; its delta for a clinic sets
// each proposal beside the clinic's answers to the provisions it changes
// and the checks that speak to it: an addressable specification documented
// as not reasonable and appropriate is what proposal 1 would change, an
// evaluation not implemented is proposal 7's gap, a KEV-listed CVE left
// open is proposal 12's, an answered authentication standard makes
// proposal 11 ready, the group health plan proposal does not concern a
// provider, and what nothing answers stays unknown.
func TestDelta(t *testing.T) {
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	prog, err := assessment.NewProgram(reg)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 9, 0, 0, 0, time.UTC)
	svc := &proposedrule.Service{Program: prog, Now: func() time.Time { return now }}
	storetest.EachAt(t, func() time.Time { return now }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)

		d, err := svc.Delta(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		if d.Enabled || len(d.Changes) != 18 || d.Assessment != nil || d.Counts[proposedrule.Unknown] != 17 || d.Counts[proposedrule.NotApplicable] != 1 {
			t.Fatalf("before anything: enabled %v, %d changes, counts %v", d.Enabled, len(d.Changes), d.Counts)
		}
		fws, err := prog.FrameworksFor(ctx, sc)
		if err != nil || len(fws) != 2 {
			t.Fatalf("frameworks while off: %d, %v", len(fws), err)
		}
		if _, err := prog.Start(ctx, sc, catalog.HIPAANPRM2025, "", "", now); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "is off for this organisation") {
			t.Fatalf("an assessment of the proposal while off: %v", err)
		}

		a, err := prog.Start(ctx, sc, catalog.HIPAASecurityRule, "", "", now)
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Save(ctx, sc, a.ID, "assessment.answer", []*assessment.Answer{
			{ItemID: "164.312(a)(2)(iv)", Status: assessment.NotImplemented, Decision: &assessment.Decision{Kind: assessment.NotReasonable, Reason: "Only the EHR vendor's cloud holds ePHI."}},
			{ItemID: "164.312(d)", Status: assessment.Implemented},
			{ItemID: "164.308(a)(8)", Status: assessment.NotImplemented},
			{ItemID: "164.308(a)(1)(ii)(A)", Status: assessment.Implemented},
			{ItemID: "164.308(a)(1)(ii)(B)", Status: assessment.Implemented},
		}); err != nil {
			t.Fatal(err)
		}
		// A KEV-listed CVE open on an asset: the KEV check fails.
		data := filepath.Join("..", "ingest", "testdata")
		kev, err := ingest.ReadKEV("kev-small.json", storetest.Open(t, filepath.Join(data, "kev-small.json")))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ImportKEV(ctx, kev); err != nil {
			t.Fatal(err)
		}
		if err := sc.CreateAsset(ctx, &risk.Asset{Name: "Lab interface", Type: risk.Application, Receives: true, Identifiers: []string{"registry.riverside.example/ehr-interface:2.4"}}); err != nil {
			t.Fatal(err)
		}
		trivy, err := os.ReadFile(filepath.Join(data, "trivy-small.json"))
		if err != nil {
			t.Fatal(err)
		}
		storetest.ImportFile(t, ctx, sc, "trivy.json", trivy)
		if _, err := (&checkrun.Service{Now: func() time.Time { return now }}).Run(ctx, sc); err != nil {
			t.Fatal(err)
		}

		d, err = svc.Delta(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		if d.Assessment == nil || d.Assessment.ID != a.ID {
			t.Fatalf("the delta's assessment: %+v", d.Assessment)
		}
		by := map[string]proposedrule.Change{}
		for _, c := range d.Changes {
			by[strings.TrimPrefix(c.ID, "hipaa-nprm/")] = c
		}
		for id, want := range map[string]struct{ verdict, why string }{
			"proposal-1":  {proposedrule.Gap, "164.312(a)(2)(iv) Encryption and decryption (documented as not reasonable and appropriate)"},
			"proposal-7":  {proposedrule.Gap, "164.308(a)(8) Evaluation (not implemented)"},
			"proposal-12": {proposedrule.Gap, "the data disagree: "},
			"proposal-11": {proposedrule.Ready, "Today's provisions are in place; what the proposal adds is its own: Require multi-factor authentication"},
			"proposal-18": {proposedrule.NotApplicable, "concerns group health plans"},
			"proposal-14": {proposedrule.Unknown, "Not yet answered in the Security Rule assessment: 164.312(a)(1) Access control"},
		} {
			c := by[id]
			if c.Verdict != want.verdict || !strings.Contains(c.Why, want.why) {
				t.Errorf("%s: %s %q; want %s with %q", id, c.Verdict, c.Why, want.verdict, want.why)
			}
		}
		if c := by["proposal-12"]; len(c.Checks) != 1 || c.Checks[0].ID != "vuln.kev" || c.Checks[0].Status != "fail" || c.Checks[0].Ref == "" {
			t.Errorf("proposal 12's checks: %+v", c.Checks)
		}
		if c := by["proposal-1"]; len(c.Today) != 23 {
			t.Errorf("proposal 1 changes %d provisions of today's rule, want 164.306(b) and the 22 addressable specifications", len(c.Today))
		}

		// Switched on: it can be assessed.
		if err := svc.SetEnabled(ctx, sc, true); err != nil {
			t.Fatal(err)
		}
		fws, err = prog.FrameworksFor(ctx, sc)
		if err != nil || len(fws) != 3 || fws[2].ID != catalog.HIPAANPRM2025 {
			t.Fatalf("frameworks while on: %v", err)
		}
		if _, err := prog.Start(ctx, sc, catalog.HIPAANPRM2025, "", "", now); err != nil {
			t.Fatal(err)
		}
		if d, _ := svc.Delta(ctx, sc); !d.Enabled {
			t.Error("the delta does not say the proposal is on")
		}
	})
}
