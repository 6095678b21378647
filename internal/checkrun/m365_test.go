package checkrun_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// ScubaGear's results of the Microsoft 365 tenant feed three checks the
// way every other check is fed: MFA (enforced for all users, not yet
// phishing-resistant for administrators: partly met), email
// authentication (DMARC not p=reject: not met) and privileged accounts
// (separate cloud-only accounts, but permanent assignments: partly met),
// each a dated input of its CPG goal, with the failing controls as its
// records.
func TestChecksFromScubaGear(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	storetest.EachAt(t, func() time.Time { return now }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider, WorkforceSize: 5, Sites: 1}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		f, err := os.Open(filepath.Join("..", "ingest", "testdata", "scubagear-results.json"))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rep, err := ingest.ReadScuba("ScubaResults.json", f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := sc.ImportConfigControls(ctx, ingest.FormatScubaGear, "ScubaResults.json", rep.SHA256, rep.Size, rep); err != nil {
			t.Fatal(err)
		}
		results, err := (&checkrun.Service{Now: func() time.Time { return now }}).Run(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]string{"m365.mfa": "partially_met", "m365.email": "not_met", "m365.admins": "partially_met"}
		records := map[string]string{
			"m365.mfa":    "MS.AAD.3.1v1 MS.AAD.3.6v1",
			"m365.email":  "MS.EXO.4.2v1 MS.EXO.3.1v1",
			"m365.admins": "MS.AAD.7.4v1",
		}
		for _, r := range results {
			w, ok := want[r.Check.ID]
			if !ok {
				continue
			}
			delete(want, r.Check.ID)
			if string(r.GoalStatus) != w || r.RecordCount != len(strings.Fields(records[r.Check.ID])) {
				t.Errorf("%s: %s with %d records (%s), want %s", r.Check.ID, r.GoalStatus, r.RecordCount, r.Detail, w)
			}
			stored, err := sc.CheckResult(ctx, r.ID, 0, 100)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, rec := range stored.Records {
				ids = append(ids, rec.ID)
			}
			if strings.Join(ids, " ") != records[r.Check.ID] {
				t.Errorf("%s: records %v, want %s", r.Check.ID, ids, records[r.Check.ID])
			}
		}
		if len(want) > 0 {
			t.Errorf("checks not run: %v", want)
		}
		inputs, err := sc.ScorecardInputs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, in := range inputs {
			if strings.HasPrefix(in.Source, "check:m365.") {
				got[in.Goal+" "+in.Source] = string(in.Status)
			}
		}
		for k, v := range map[string]string{"hph-cpg/essential-3 check:m365.mfa": "partially_met", "hph-cpg/essential-2 check:m365.email": "not_met",
			"hph-cpg/essential-9 check:m365.admins": "partially_met", "hipaa-sr/164.312(d) check:m365.mfa": "partially_met"} {
			if got[k] != v {
				t.Errorf("scorecard input %s: %q, want %s (all: %v)", k, got[k], v, got)
			}
		}
	})
}
