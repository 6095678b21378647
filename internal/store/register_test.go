package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/risk/risktest"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// seedRegister writes a register of n risks of every kind through the
// store: unrated and rated, every response, open and closed, owners
// that differ only in case, words in titles and descriptions, one or two
// assets each, a third naming a vulnerability, and actions due before and
// after today; a quarter are rated again after they are written, some
// closed or reopened.
func seedRegister(t *testing.T, ctx context.Context, sc *store.Scoped, threats *risk.Threats, n int, today string) []*risk.Asset {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, 11))
	var assets []*risk.Asset
	for i := range 6 {
		a := &risk.Asset{Name: fmt.Sprintf("Asset %d", i), Type: risk.System}
		if err := sc.CreateAsset(ctx, a); err != nil {
			t.Fatal(err)
		}
		assets = append(assets, a)
	}
	vulns := []*risk.Vulnerability{{Title: "Flat network", Kind: risk.Weakness, Status: risk.Confirmed}, {Title: "No MFA on email", Kind: risk.Weakness, Status: risk.Confirmed},
		{Title: "Unsupported imaging workstation", Kind: risk.Weakness, Status: risk.Confirmed}}
	if err := sc.AddVulnerabilities(ctx, vulns); err != nil {
		t.Fatal(err)
	}
	owners := []string{"CISO", "ciso", "IT manager", "Practice manager", ""}
	words := []string{"backup", "Backup tapes", "phishing", "50% of laptops", "fax_server"}
	for i := range n {
		r := &risk.Risk{Title: fmt.Sprintf("Risk %d: %s", i, words[rng.IntN(len(words))]), Description: words[rng.IntN(len(words))],
			ThreatID: threats.Threats[rng.IntN(6)].ID, Assets: []string{assets[rng.IntN(len(assets))].ID},
			Owner: owners[rng.IntN(len(owners))], Likelihood: rng.IntN(6), ImpactC: rng.IntN(6), ImpactI: rng.IntN(6), ImpactA: rng.IntN(6)}
		if a := assets[rng.IntN(len(assets))].ID; a != r.Assets[0] && i%3 == 0 {
			r.Assets = append(r.Assets, a)
		}
		switch rng.IntN(5) {
		case 0:
			r.Response, r.TargetLikelihood, r.TargetImpact = risk.Mitigate, rng.IntN(3), rng.IntN(3)
		case 1:
			r.Response, r.AcceptedBy, r.AcceptedUntil = risk.Accept, "Dr Reyes", []string{"2026-01-01", "2027-01-01"}[rng.IntN(2)]
		case 2:
			r.Response = risk.Transfer
		}
		if rng.IntN(6) == 0 {
			r.Status = risk.Closed
		}
		if i%3 == 1 {
			r.Vulnerabilities = []string{vulns[rng.IntN(len(vulns))].ID}
		}
		if err := sc.CreateRisk(ctx, r); err != nil {
			t.Fatal(err)
		}
		if i%4 == 0 { // rated again, closed or reopened
			r.Likelihood, r.ImpactI = rng.IntN(6), rng.IntN(6)
			r.Status = []risk.Status{risk.Open, risk.Closed}[rng.IntN(2)]
			if err := sc.UpdateRisk(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		for j := range rng.IntN(3) {
			a := &risk.Action{RiskID: r.ID, Title: fmt.Sprintf("Step %d", j), Due: []string{"2026-01-15", today, "2027-06-01", ""}[rng.IntN(4)],
				Status: risk.ActionStatuses[rng.IntN(len(risk.ActionStatuses))]}
			if a.Status == risk.Done {
				a.CompletedOn = "2026-02-01"
			}
			if err := sc.SaveAction(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
	}
	return assets
}

// A page of the register, filtered, counted, sorted and mapped in the
// database, is what filtering and sorting every row gives (risk.Filter,
// risk.Sort, Register.Heat): the same risks in the same order, the same
// count and heat map, and each row resolved alike. Again after the
// scales' matrix changes, which moves risks between levels.
func TestRegisterPageIsTheRows(t *testing.T) {
	reg, threats := risktest.Threats(t)
	svc := &riskanalysis.Service{Threats: threats, Catalog: reg}
	const today = "2026-11-23"
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		assets := seedRegister(t, ctx, sc, threats, 90, today)
		th := threats.Threats[2].ID
		filters := []risk.Filter{
			{}, {Status: "closed"}, {Status: "all"},
			{Level: "High"}, {Level: "very high", Status: "all"}, {Level: "No such level"},
			{Owner: "ciso"}, {Owner: "IT MANAGER", Status: "all"},
			{Asset: assets[0].ID}, {Asset: assets[3].ID, Status: "all"}, {Asset: "nowhere"},
			{Threat: th}, {Response: "none"}, {Response: "accept", Status: "all"},
			{Query: "BACKUP"}, {Query: "50%"}, {Query: "x_s"}, {Query: "0%"},
			{Level: "Moderate", Owner: "CISO", Query: "risk"},
			// A cell of the heat map, as its links ask for it.
			{Likelihood: 3, Impact: 4}, {Likelihood: 5, Impact: 5, Status: "all"}, {Likelihood: 2}, {Impact: 1, Owner: "CISO"},
		}
		check := func(t *testing.T) {
			t.Helper()
			g, err := sc.RiskRegister(ctx, threats)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range filters {
				for _, sortBy := range append([]string{""}, risk.SortKeys...) {
					want := f.Apply(g.Rows(today))
					risk.Sort(want, sortBy)
					for _, w := range [][2]int{{0, 1000}, {5, 7}} {
						p, err := svc.Page(ctx, sc, riskanalysis.RegisterQuery{Filter: f, Sort: sortBy, Offset: w[0], Limit: w[1]}, today)
						if err != nil {
							t.Fatal(err)
						}
						page := want[min(w[0], len(want)):min(w[0]+w[1], len(want))]
						if got, exp := describeRows(p.Rows), describeRows(page); got != exp || p.Total != len(want) {
							t.Errorf("%+v by %q, %d from %d: %d risks\n%s\nwant %d\n%s", f, sortBy, w[1], w[0], p.Total, got, len(want), exp)
						}
						if heat := g.Heat(want, false); fmt.Sprint(p.Heat) != fmt.Sprint(heat) {
							t.Errorf("%+v: heat %v, want %v", f, p.Heat, heat)
						}
					}
				}
			}
			byThreat, byVuln := map[string]int{}, map[string]int{}
			for _, r := range g.Risks {
				byThreat[r.ThreatID]++
				for _, v := range r.Vulnerabilities {
					byVuln[v]++
				}
			}
			if got, err := sc.ThreatCounts(ctx); err != nil || fmt.Sprint(got) != fmt.Sprint(byThreat) {
				t.Errorf("risks by threat %v (%v), want %v", got, err, byThreat)
			}
			if got, err := sc.VulnerabilityUse(ctx); err != nil || len(byVuln) == 0 || fmt.Sprint(got) != fmt.Sprint(byVuln) {
				t.Errorf("risks by vulnerability %v (%v), want %v", got, err, byVuln)
			}
			owners, err := svc.Owners(ctx, sc)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, r := range g.Risks {
				if r.Owner != "" {
					want = append(want, r.Owner)
				}
			}
			slices.Sort(want)
			if want = slices.Compact(want); !slices.Equal(owners, want) {
				t.Errorf("owners %q, want %q", owners, want)
			}
		}
		check(t)
		scales := risk.Default()
		for l := range scales.Matrix {
			for i := range scales.Matrix[l] {
				scales.Matrix[l][i] = 4 - scales.Matrix[l][i] // the matrix upside down
			}
		}
		if err := sc.SaveRiskSettings(ctx, scales, 12); err != nil {
			t.Fatal(err)
		}
		t.Run("new scales", check)
		one, err := svc.Page(ctx, sc, riskanalysis.RegisterQuery{Filter: risk.Filter{Status: "all"}, ID: "no such risk", Limit: 1}, today)
		if err != nil || one.Total != 0 || len(one.Rows) != 0 {
			t.Errorf("an unknown risk: %+v %v", one, err)
		}
	})
}

// describeRows lists rows as the register shows them, one per line.
func describeRows(rows []*risk.Row) string {
	var b strings.Builder
	for _, r := range rows {
		fmt.Fprintf(&b, "%s %s %q band %d %q target %q assets %v actions %d open %d overdue %d expired %v\n", r.Risk.Ref(), r.Risk.Title, r.Threat, r.Band, r.Level, r.Target,
			r.AssetNames(), len(r.Actions), r.OpenActions, r.Overdue, r.Expired)
	}
	return b.String()
}

// The inventory's tally (how many assets, how many of them hold ePHI) is
// what counting the inventory gives, after every kind of write: assets
// added and deleted, edited to hold ePHI and to stop, an import adding
// and updating some, a bulk edit, and an import that fails half way
// (which moves nothing).
func TestInventoryTallyIsTheInventory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		check := func(step string) {
			t.Helper()
			all, err := sc.Assets(ctx)
			if err != nil {
				t.Fatal(err)
			}
			ephi := 0
			for _, a := range all {
				if a.HoldsEPHI() {
					ephi++
				}
			}
			n, e, err := sc.InventoryCounts(ctx)
			if err != nil || n != len(all) || e != ephi {
				t.Errorf("%s: tally %d assets, %d with ePHI (%v); the inventory %d, %d", step, n, e, err, len(all), ephi)
			}
		}
		check("empty")
		ehr := &risk.Asset{Name: "EHR", Type: risk.System, Maintains: true}
		badge := &risk.Asset{Name: "Badge system", Type: risk.System}
		fax := &risk.Asset{Name: "Fax", Type: risk.Device, Transmits: true, Receives: true}
		for _, a := range []*risk.Asset{ehr, badge, fax} {
			if err := sc.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		check("created")
		badge.Receives = true
		if err := sc.UpdateAsset(ctx, badge); err != nil {
			t.Fatal(err)
		}
		check("badge holds ePHI")
		fax.Transmits, fax.Receives = false, false
		if err := sc.UpdateAsset(ctx, fax); err != nil {
			t.Fatal(err)
		}
		check("fax does not")
		if err := sc.DeleteAsset(ctx, ehr.ID); err != nil {
			t.Fatal(err)
		}
		check("EHR deleted")
		current, err := sc.Assets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		file := "name,type,maintains\nPortal,application,yes\nBadge system,system,no\nFax,device,yes\nPrinter,device,no\n"
		plan, err := risk.PlanAssets("inventory.csv", strings.NewReader(file), current)
		if err != nil {
			t.Fatal(err)
		}
		if err := sc.ApplyAssetPlan(ctx, plan); err != nil {
			t.Fatal(err)
		}
		check("imported")
		crit := risk.Criticality("high")
		if _, err := sc.BulkEditAssets(ctx, []string{badge.ID, fax.ID}, store.AssetEdit{Criticality: &crit}); err != nil {
			t.Fatal(err)
		}
		check("bulk edited")
		// The second new asset's name is taken by the first: the import
		// fails at it, after the first was written, and nothing lands.
		bad := &risk.AssetPlan{File: "bad.csv", Add: []*risk.Asset{{Name: "Scanner", Type: risk.Device, Maintains: true}, {Name: "scanner", Type: risk.Device}}}
		if err := sc.ApplyAssetPlan(ctx, bad); err == nil {
			t.Fatal("an import naming one asset twice landed")
		}
		check("failed import")
		if n, e, _ := sc.InventoryCounts(ctx); n != 4 || e != 3 {
			t.Errorf("the inventory ends with %d assets, %d with ePHI; want 4 and 3 (Portal, Fax, and Badge system, which still receives it)", n, e)
		}
	})
}

// A risk's form offers its own vulnerabilities (dismissed ones too) and
// the first of the others not dismissed, saying how many more there are;
// one is found by its title whatever its case.
func TestVulnerabilityChoices(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		var vulns []*risk.Vulnerability
		for i, st := range []risk.VulnerabilityStatus{risk.Confirmed, risk.Dismissed, risk.Proposed, risk.Confirmed, risk.Confirmed} {
			vulns = append(vulns, &risk.Vulnerability{Title: fmt.Sprintf("Weakness %d", i), Kind: risk.Weakness, Status: st})
		}
		if err := sc.AddVulnerabilities(ctx, vulns); err != nil {
			t.Fatal(err)
		}
		titles := func(vs []*risk.Vulnerability) string {
			var out []string
			for _, v := range vs {
				out = append(out, v.Title)
			}
			return strings.Join(out, ", ")
		}
		for _, c := range []struct {
			own  []string
			want string
			more int
		}{
			{nil, "Weakness 0, Weakness 2", 2},
			{[]string{vulns[1].ID, vulns[4].ID}, "Weakness 1, Weakness 4, Weakness 0, Weakness 2", 1},
		} {
			got, more, err := sc.VulnerabilityChoices(ctx, c.own, 2)
			if err != nil || titles(got) != c.want || more != c.more {
				t.Errorf("own %v: %s and %d more (%v), want %s and %d", c.own, titles(got), more, err, c.want, c.more)
			}
		}
		if v, err := sc.VulnerabilityByTitle(ctx, " weakness 3 "); err != nil || v.ID != vulns[3].ID {
			t.Errorf("by title: %+v %v", v, err)
		}
	})
}
