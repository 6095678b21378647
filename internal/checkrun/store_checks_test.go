package checkrun_test

import (
	"bytes"
	"context"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

func TestChecksFromImportedData(t *testing.T) {
	now := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	storetest.EachAt(t, func() time.Time { return now }, func(t *testing.T, s *store.Store) {
		now = time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		ctx := context.Background()
		sc := storetest.Riverside(t, s)

		// Nothing imported: every check says it cannot tell.
		results, err := checkrun.Evaluate(ctx, sc, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range results {
			if r.Status != check.Unknown || r.Detail == "" {
				t.Errorf("%s with no data: %s %q", r.Check.ID, r.Status, r.Detail)
			}
		}

		riversideRoster(t, ctx, sc)
		data := filepath.Join("..", "ingest", "testdata")
		kev, err := ingest.ReadKEV("kev-small.json", storetest.Open(t, filepath.Join(data, "kev-small.json")))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ImportKEV(ctx, kev); err != nil {
			t.Fatal(err)
		}
		iface := &risk.Asset{Name: "Lab interface", Type: risk.Application, Receives: true, Records: 120000, Criticality: risk.CriticalityHigh, Identifiers: []string{"registry.riverside.example/ehr-interface:2.4"}}
		if err := sc.CreateAsset(ctx, iface); err != nil {
			t.Fatal(err)
		}
		trivy, _ := os.ReadFile(filepath.Join(data, "trivy-small.json"))
		storetest.ImportFile(t, ctx, sc, "trivy-2026-10-01.json", trivy)

		// Seven weeks on: the accounts, and a new scan still finding the KEV-listed CVE.
		now = time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
		for _, f := range []string{"entra-mfa.csv", "entra-users.csv", "ad-users.csv", "accounts.csv"} {
			if _, err := importAccountFile(t, ctx, sc, f); err != nil {
				t.Fatal(err)
			}
		}
		storetest.ImportFile(t, ctx, sc, "trivy-2026-11-21.json", append(bytes.Clone(trivy), '\n'))
		nessus, _ := os.ReadFile(filepath.Join(data, "nessus-small.nessus"))
		storetest.ImportFile(t, ctx, sc, "nessus.nessus", nessus)

		results, err = checkrun.Evaluate(ctx, sc, now)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]*check.Result{}
		for _, r := range results {
			by[r.Check.ID] = r
		}
		want := map[string]struct {
			goal   assessment.GoalStatus
			counts map[string]int
			first  string // the heaviest record's label
		}{
			"identity.mfa":      {assessment.NotMet, map[string]int{"without_mfa": 7, "with_mfa": 6, "privileged_without_mfa": 2, "remote_without_mfa": 1, "mfa_unknown": 12}, "accounts:EHRVENDOR"},
			"identity.leavers":  {assessment.NotMet, map[string]int{"still_enabled": 3, "revoked": 1}, "accounts:ASILVA"},
			"identity.unique":   {assessment.NotMet, map[string]int{"default": 1, "shared": 3, "no_person": 2}, "ad-users:Administrator"},
			"identity.separate": {assessment.NotMet, map[string]int{"privileged": 8, "privileged_with_mailbox": 1}, "entra-users:owner@riverside.example"},
			"identity.dormant":  {assessment.NotMet, map[string]int{"dormant": 4, "never_used": 1, "stale_password": 10}, "accounts:ASILVA"},
			"vuln.kev":          {assessment.NotMet, map[string]int{"kev_open": 1, "kev_exposed": 1, "kev_overdue": 1, "kev_ephi": 1}, "CVE-2023-4966 on Lab interface"},
		}
		for id, w := range want {
			r := by[id]
			if r == nil {
				t.Errorf("no result for %s", id)
				continue
			}
			if r.GoalStatus != w.goal || r.Status != check.Fail {
				t.Errorf("%s: %s/%s: %s", id, r.Status, r.GoalStatus, r.Detail)
			}
			for k, n := range w.counts {
				if r.Counts[k] != n {
					t.Errorf("%s: %s = %d, want %d (%v)", id, k, r.Counts[k], n, r.Counts)
				}
			}
			if len(r.Records) == 0 || r.Records[0].Label != w.first {
				t.Errorf("%s: first record %+v", id, r.Records)
			}
		}
		if rec := by["identity.leavers"].Records[0]; rec.Weight != 144 || !strings.Contains(rec.Reason, "Ana Silva left on 2026-06-30; the account was still enabled 144 days later") {
			t.Errorf("leaver: %+v", rec)
		}
		if rec := by["vuln.kev"].Records[0]; !strings.Contains(rec.Reason, "holds ePHI (120000 records)") || !strings.Contains(rec.Reason, "open 51 days since 2026-10-01 against a 21-day window: 30 days overdue") {
			t.Errorf("kev: %+v", rec)
		}

		// Run and stored without holding the records: the same verdicts and
		// the same records in the same order, numbered by the database; each
		// on the scorecard for the goal and the Security Rule item.
		streamed, err := (&checkrun.Service{Now: func() time.Time { return now }}).Run(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range streamed {
			by[r.Check.ID].ID = r.ID
			mem := results[i]
			if r.Check.ID != mem.Check.ID || r.Status != mem.Status || r.Detail != mem.Detail || r.RecordCount != len(mem.Records) || !maps.Equal(r.Counts, mem.Counts) {
				t.Errorf("%s run and stored: %s %q %d records; in memory: %s %q %d", r.Check.ID, r.Status, r.Detail, r.RecordCount, mem.Status, mem.Detail, len(mem.Records))
			}
			got, err := sc.CheckResult(ctx, r.ID, 0, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got.Records, mem.Records) {
				t.Errorf("%s: stored records\n%v\nwant\n%v", r.Check.ID, got.Records, mem.Records)
			}
			if r.Status == check.Fail && (len(r.Records) != min(5, len(mem.Records)) || r.Records[0] != mem.Records[0]) {
				t.Errorf("%s: the heaviest records a failing result carries: %v", r.Check.ID, r.Records)
			}
		}
		stored, err := sc.CheckResults(ctx)
		if err != nil || len(stored) != len(check.Catalog) || stored[0].Check.ID != "identity.mfa" || stored[0].Counts["without_mfa"] != 7 {
			t.Fatalf("stored: %+v %v", stored, err)
		}
		one, err := sc.CheckResult(ctx, by["identity.leavers"].ID, 0, 0)
		if err != nil || len(one.Records) != 3 || one.Records[0].Label != "accounts:ASILVA" || one.Records[0].Kind != "account" {
			t.Errorf("one result: %+v %v", one, err)
		}
		accts, err := sc.Accounts(ctx, store.AccountFilter{IDs: []string{one.Records[0].ID}})
		if err != nil || len(accts) != 1 || accts[0].Login != "ASILVA" || accts[0].PersonName != "Ana Silva" {
			t.Errorf("the record behind the verdict: %+v %v", accts, err)
		}
		inputs, err := sc.ScorecardInputs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		found := map[string]assessment.Input{}
		for _, in := range inputs {
			found[in.Goal+" "+in.Source] = in
		}
		for _, k := range []string{"hph-cpg/essential-3 check:identity.mfa", "hipaa-sr/164.312(d) check:identity.mfa", "hph-cpg/essential-6 check:identity.leavers",
			"hipaa-sr/164.308(a)(3)(ii)(C) check:identity.leavers", "hph-cpg/essential-8 check:identity.unique", "hipaa-sr/164.312(a)(2)(i) check:identity.unique",
			"hph-cpg/essential-9 check:identity.separate", "hph-cpg/essential-1 check:vuln.kev", "hipaa-sr/164.308(a)(1)(ii)(B) check:vuln.kev", "hipaa-sr/164.308(a)(4)(ii)(C) check:identity.dormant"} {
			in, ok := found[k]
			if !ok || in.Status != assessment.NotMet || !in.Date.Equal(now) || in.Ref == "" {
				t.Errorf("scorecard input %s: %+v", k, in)
			}
		}

		// The organisation's own thresholds: a 60-day KEV window puts the
		// finding within it, so the goal is partly met.
		if err := sc.SetCheckSettings(ctx, check.Settings{KEVWindowDays: 60}); err != nil {
			t.Fatal(err)
		}
		results, _ = checkrun.Evaluate(ctx, sc, now)
		if r := results[len(results)-1]; r.GoalStatus != assessment.PartlyMet || r.Counts["kev_overdue"] != 0 {
			t.Errorf("with a 60-day window: %+v", r)
		}
		if err := sc.SetCheckSettings(ctx, check.Settings{DormantDays: -1}); err == nil {
			t.Error("a negative threshold was saved")
		}
	})
}
