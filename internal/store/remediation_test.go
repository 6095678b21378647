package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/findings"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

func TestRemediationTrendAndProposals(t *testing.T) {
	now := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	storetest.EachAt(t, func() time.Time { return now }, func(t *testing.T, s *store.Store) {
		now = time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		kev, err := ingest.ReadKEV("kev-small.json", storetest.Open(t, "../ingest/testdata/kev-small.json"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ImportKEV(ctx, kev); err != nil {
			t.Fatal(err)
		}
		epss, err := ingest.ReadEPSS("epss.csv", strings.NewReader("cve,epss,percentile\nCVE-2024-3400,0.94387,0.99941\nCVE-2023-4966,0.94312,0.99923\nCVE-2025-10001,0.51,0.97\nCVE-2025-10002,0.02,0.80\n"))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ImportEPSS(ctx, epss); err != nil {
			t.Fatal(err)
		}
		db := &risk.Asset{Name: "EHR database", Type: risk.DataStore, Maintains: true, Records: 50000, Criticality: risk.CriticalityCritical, Identifiers: []string{"ehr-db"}}
		desk := &risk.Asset{Name: "Front desk PC", Type: risk.Device, Criticality: risk.CriticalityLow, Identifiers: []string{"desk-1"}}
		for _, a := range []*risk.Asset{db, desk} {
			if err := sc.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		storetest.ImportScan(t, ctx, sc, "october.nessus",
			ingest.Finding{Host: "ehr-db", VulnID: "nessus:1", CVE: "CVE-2024-3400", CVSS: 10, Severity: "critical"},
			ingest.Finding{Host: "ehr-db", VulnID: "nessus:2", CVE: "CVE-2025-10001", CVSS: 6.1, Severity: "medium"},
			ingest.Finding{Host: "ehr-db", VulnID: "nessus:3", CVSS: 5, Severity: "medium"},
			ingest.Finding{Host: "desk-1", VulnID: "nessus:1", CVE: "CVE-2024-3400", CVSS: 10, Severity: "critical"},
			ingest.Finding{Host: "desk-1", VulnID: "nessus:4", CVE: "CVE-2025-10002", CVSS: 9.8, Severity: "critical"},
			ingest.Finding{Host: "printer-2", VulnID: "nessus:5", CVE: "CVE-2023-4966", CVSS: 9.4, Severity: "critical"})
		now = now.AddDate(0, 0, 30)
		storetest.ImportScan(t, ctx, sc, "november.nessus",
			ingest.Finding{Host: "ehr-db", VulnID: "nessus:1", CVE: "CVE-2024-3400", CVSS: 10, Severity: "critical"},
			ingest.Finding{Host: "ehr-db", VulnID: "nessus:4", CVE: "CVE-2025-10002", CVSS: 9.8, Severity: "critical"})

		// The remediation order: KEV-listed first, then EPSS, CVSS, the
		// asset's criticality; each row says what put it ahead of the next.
		page, err := findings.Remediation(ctx, sc, "", "", 0)
		if err != nil {
			t.Fatal(err)
		}
		list, total := page.Rows, page.Total
		var got []string
		for _, p := range list {
			got = append(got, fmt.Sprintf("%d %s %s", p.Rank, p.CVE, p.Place()))
		}
		want := []string{"1 CVE-2024-3400 EHR database", "2 CVE-2024-3400 Front desk PC", "3 CVE-2023-4966 printer-2", "4 CVE-2025-10002 EHR database", "5 CVE-2025-10002 Front desk PC"}
		if total != 5 || strings.Join(got, "; ") != strings.Join(want, "; ") {
			t.Fatalf("remediation (%d open):\n%s\nwant\n%s", total, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
		for i, w := range []string{
			"KEV-listed since 2024-04-12, due 2024-04-19, known ransomware use; EPSS 0.944 (percentile 0.999); CVSS 10.0; asset criticality critical, 50000 ePHI records; ahead of #2 on asset criticality (critical > low)",
			"ahead of #3 on EPSS (0.944 > 0.943)",
			"host not in the ePHI inventory; ahead of #4 as KEV-listed",
			"not in the KEV catalog; EPSS 0.020 (percentile 0.800); CVSS 9.8; asset criticality critical, 50000 ePHI records; ahead of #5 on asset criticality (critical > low)",
		} {
			if !strings.Contains(list[i].Why, w) {
				t.Errorf("#%d: %s\nwant %q", i+1, list[i].Why, w)
			}
		}
		if list[4].Why == "" || strings.Contains(list[4].Why, "ahead of") {
			t.Errorf("the last row: %s", list[4].Why)
		}
		if top, _ := findings.Remediation(ctx, sc, "", "", 2); len(top.Rows) != 2 || top.Next != findings.Token(top.Rows[1]) || top.Prev != "" {
			t.Errorf("limit 2: %+v", top)
		}

		// The trend: the database's newest scan fixed two findings, kept one
		// and found one new; the desk PC and the printer were scanned once.
		trend, err := sc.FindingsTrend(ctx, "", 0)
		if err != nil {
			t.Fatal(err)
		}
		got = nil
		for _, p := range trend.Places {
			got = append(got, fmt.Sprintf("%s %s<-%s new %d fixed %d still %d", p.Place, p.Newest, p.Previous, p.New, p.Fixed, p.Still))
		}
		want = []string{"EHR database 2026-10-31<-2026-10-01 new 1 fixed 2 still 1", "Front desk PC 2026-10-01<- new 2 fixed 0 still 0", "printer-2 2026-10-01<- new 1 fixed 0 still 0"}
		if strings.Join(got, "; ") != strings.Join(want, "; ") || trend.New != 4 || trend.Fixed != 2 || trend.Still != 1 {
			t.Errorf("trend:\n%s\nwant\n%s (%+v)", strings.Join(got, "\n"), strings.Join(want, "\n"), trend)
		}

		// A failing check proposes a vulnerability to the register, linked
		// to its result; the next run proposes no second one, and moves the
		// link to its own result.
		run := &checkrun.Service{Now: func() time.Time { return now }}
		results, err := run.Run(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		// (The inventory lacks printer-2, which the scans reported:
		// assets.inventory proposes one too.)
		kevOf := func(vs []*risk.Vulnerability) []*risk.Vulnerability {
			var out []*risk.Vulnerability
			for _, v := range vs {
				if v.CheckID == "vuln.kev" {
					out = append(out, v)
				}
			}
			return out
		}
		all, err := sc.Vulnerabilities(ctx)
		vulns := kevOf(all)
		if err != nil || len(vulns) != 1 || len(all) != 2 {
			t.Fatalf("proposed: %+v %v", all, err)
		}
		v := vulns[0]
		kevResult := results[len(results)-1]
		if v.CheckID != "vuln.kev" || v.CheckResultID != kevResult.ID || v.Status != risk.Proposed || v.ItemID != "hipaa-sr/164.308(a)(1)(ii)(B)" ||
			!strings.HasPrefix(v.Title, "Known exploited vulnerabilities mitigated: ") || !strings.Contains(v.Description, "CVE-2024-3400 on EHR database") {
			t.Errorf("the proposal: %+v", v)
		}
		if results, err = run.Run(ctx, sc); err != nil {
			t.Fatal(err)
		}
		all, _ = sc.Vulnerabilities(ctx)
		if vulns = kevOf(all); len(vulns) != 1 || len(all) != 2 || vulns[0].CheckResultID != results[len(results)-1].ID || vulns[0].CheckResultID == kevResult.ID {
			t.Errorf("after a second run: %+v", vulns)
		}
	})
}
