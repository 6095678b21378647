package checkrun_test

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/findings"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// byFreshValues is the order to fix by definition, from what each row
// shows as read now (its KEV entry, EPSS score, CVSS, asset's criticality
// and records), not from the keys kept on the findings.
func byFreshValues(p, q *check.Priority) int {
	kev := func(p *check.Priority) int {
		if p.KEVAdded != "" {
			return 0
		}
		return 1
	}
	return cmp.Or(cmp.Compare(kev(p), kev(q)), cmp.Compare(q.EPSS, p.EPSS), cmp.Compare(q.CVSS, p.CVSS),
		cmp.Compare(check.CriticalityRank(q.Criticality), check.CriticalityRank(p.Criticality)), cmp.Compare(q.Records, p.Records), cmp.Compare(p.ID, q.ID))
}

// The order to fix is kept on the findings when they are written, and
// follows whatever it is made of when that changes: the KEV catalog, the
// EPSS scores, an asset's criticality and records, an asset deleted. At
// each step the pages, walked forwards and back, give the order worked
// out afresh from what the rows show.
func TestRemediationOrderFollowsItsSources(t *testing.T) {
	now := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	storetest.EachAt(t, func() time.Time { return now }, func(t *testing.T, s *store.Store) {
		now = time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		db := &risk.Asset{Name: "EHR database", Type: risk.DataStore, Maintains: true, Records: 50000, Criticality: risk.CriticalityHigh, Identifiers: []string{"ehr-db"}}
		desk := &risk.Asset{Name: "Front desk PC", Type: risk.Device, Criticality: risk.CriticalityLow, Identifiers: []string{"desk-1"}}
		for _, a := range []*risk.Asset{db, desk} {
			if err := sc.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		var fs []ingest.Finding
		for _, host := range []string{"ehr-db", "desk-1", "printer-2"} {
			for v := range 4 {
				fs = append(fs, ingest.Finding{Host: host, VulnID: fmt.Sprint("nessus:", v), CVE: fmt.Sprintf("CVE-2025-1000%d", v), CVSS: float64(5 + v), Severity: "high"})
			}
		}
		fs = append(fs, ingest.Finding{Host: "desk-1", VulnID: "nessus:9", CVSS: 4, Severity: "medium"}) // no CVE
		storetest.ImportScan(t, ctx, sc, "october.nessus", fs...)
		order := func(step string, want string) {
			t.Helper()
			rows := storetest.EveryOpen(t, ctx, sc)
			fresh := slices.Clone(rows)
			slices.SortStableFunc(fresh, byFreshValues)
			var got, again []string
			for i := range rows {
				got = append(got, rows[i].CVE+"@"+rows[i].Where())
				again = append(again, fresh[i].CVE+"@"+fresh[i].Where())
			}
			if !slices.Equal(got, again) {
				t.Errorf("%s: the pages give\n%s\nthe values they show give\n%s", step, strings.Join(got, "\n"), strings.Join(again, "\n"))
			}
			if len(rows) != 13 {
				t.Errorf("%s: %d open", step, len(rows))
			}
			if top := strings.Join(got[:3], " "); top != want {
				t.Errorf("%s: first three %s, want %s", step, top, want)
			}
		}
		order("by CVSS, then criticality", "CVE-2025-10003@EHR database CVE-2025-10003@Front desk PC CVE-2025-10003@printer-2")

		epss, err := ingest.ReadEPSS("epss.csv", strings.NewReader("cve,epss,percentile\nCVE-2025-10001,0.51,0.97\nCVE-2025-10000,0.02,0.80\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ImportEPSS(ctx, epss); err != nil {
			t.Fatal(err)
		}
		refreshRanks(t, s)
		order("EPSS scores imported", "CVE-2025-10001@EHR database CVE-2025-10001@Front desk PC CVE-2025-10001@printer-2")

		kev := &ingest.KEVCatalog{SHA256: "kev-1", Version: "1", Entries: []ingest.KEVEntry{{CVE: "CVE-2025-10002", DateAdded: "2026-01-05", DueDate: "2026-01-26"}}}
		if _, _, err := s.ImportKEV(ctx, kev); err != nil {
			t.Fatal(err)
		}
		refreshRanks(t, s)
		order("a CVE added to the KEV catalog", "CVE-2025-10002@EHR database CVE-2025-10002@Front desk PC CVE-2025-10002@printer-2")

		// The desk PC made critical, the database moderate.
		crit, moderate := risk.CriticalityCritical, risk.CriticalityModerate
		if _, err := sc.BulkEditAssets(ctx, []string{desk.ID}, store.AssetEdit{Criticality: &crit}); err != nil {
			t.Fatal(err)
		}
		db.Criticality = moderate
		if err := sc.UpdateAsset(ctx, db); err != nil {
			t.Fatal(err)
		}
		order("criticality changed", "CVE-2025-10002@Front desk PC CVE-2025-10002@EHR database CVE-2025-10002@printer-2")
		db.Criticality, db.Records = risk.CriticalityCritical, 90000
		if err := sc.UpdateAsset(ctx, db); err != nil {
			t.Fatal(err)
		}
		order("the database critical with more records", "CVE-2025-10002@EHR database CVE-2025-10002@Front desk PC CVE-2025-10002@printer-2")

		// The catalog replaced: the CVE leaves it, another comes in.
		kev = &ingest.KEVCatalog{SHA256: "kev-2", Version: "2", Entries: []ingest.KEVEntry{{CVE: "CVE-2025-10000", DateAdded: "2026-02-01"}}}
		if _, _, err := s.ImportKEV(ctx, kev); err != nil {
			t.Fatal(err)
		}
		refreshRanks(t, s)
		order("the catalog replaced", "CVE-2025-10000@EHR database CVE-2025-10000@Front desk PC CVE-2025-10000@printer-2")

		if err := sc.DeleteAsset(ctx, db.ID); err != nil {
			t.Fatal(err)
		}
		order("the database taken out of the inventory", "CVE-2025-10000@Front desk PC CVE-2025-10000@ehr-db CVE-2025-10000@printer-2")

		// A cursor naming no finding of the organisation is refused.
		if _, err := findings.Remediation(ctx, sc, "3.no-such-finding", "", 2); !errs.Is(err, errs.Invalid) {
			t.Errorf("a made-up cursor: %v", err)
		}
		if _, err := findings.Remediation(ctx, sc, "three", "", 2); !errs.Is(err, errs.Invalid) {
			t.Errorf("not a cursor: %v", err)
		}
	})
}

// refreshRanks walks every organisation's open findings to bring their
// KEV and EPSS keys up to date, two findings a stretch (so that the walk
// goes on from its cursors, past findings whose keys move them).
func refreshRanks(t *testing.T, s *store.Store) {
	t.Helper()
	if _, err := s.RefreshAllRanks(context.Background(), 2); err != nil {
		t.Fatal(err)
	}
}
