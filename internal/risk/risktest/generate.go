// Package risktest generates realistic risk registers of any size, for
// tests and benchmarks of the renderers and the store.
package risktest

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// Threats loads the catalog and the threat catalog checked against it.
func Threats(t testing.TB) (*catalog.Registry, *risk.Threats) {
	t.Helper()
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	c, err := risk.LoadThreats(reg)
	if err != nil {
		t.Fatal(err)
	}
	return reg, c
}

var (
	assetKinds = []struct {
		name string
		typ  risk.AssetType
	}{{"EHR application server", risk.System}, {"Radiology PACS", risk.System}, {"Nurse station workstation", risk.Device}, {"Infusion pump", risk.Device},
		{"Patient portal", risk.Application}, {"Billing database", risk.DataStore}, {"Email and calendar", risk.CloudService}, {"Backup tapes", risk.Media},
		{"Data centre", risk.Facility}, {"Lab interface engine", risk.Application}}
	owners  = []string{"CISO", "IT operations", "Clinical engineering", "Revenue cycle", "Privacy office", "Facilities"}
	reasons = []string{
		"Peer hospitals in the region reported incidents of this kind in the past year; the exposed service is reachable from the internet.",
		"The control is in place but untested; audit logs show attempts monthly.",
		"Downtime would divert ambulances and delay medication administration; records of every inpatient are exposed.",
	}
)

// Register makes a register of n risks over n/10 assets (at least 12),
// with vulnerabilities and one to three actions per risk, deterministic
// for a seed. Ids are synthetic; dates fall around asOf.
func Register(n int, seed uint64, catalog *risk.Threats, asOf time.Time) *risk.Register {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	g := &risk.Register{Scales: risk.Default(), Catalog: catalog}
	na := max(12, n/10)
	for i := range na {
		k := assetKinds[i%len(assetKinds)]
		a := &risk.Asset{ID: fmt.Sprintf("asset-%06d", i), Name: fmt.Sprintf("%s %d", k.name, i+1), Type: k.typ, Maintains: i%3 != 2, Transmits: i%2 == 0,
			Records: int64(rng.IntN(500000)), Owner: owners[i%len(owners)], Location: fmt.Sprintf("Campus %d", i%4+1),
			Criticality: risk.Criticalities[i%len(risk.Criticalities)], CreatedAt: asOf.AddDate(-1, 0, 0)}
		g.Assets = append(g.Assets, a)
	}
	for i := range max(5, n/20) {
		g.Vulnerabilities = append(g.Vulnerabilities, &risk.Vulnerability{ID: fmt.Sprintf("vuln-%06d", i), Title: fmt.Sprintf("Unpatched remote-access gateway firmware, segment %d", i+1),
			Kind: risk.Weakness, Status: risk.Confirmed, CreatedAt: asOf.AddDate(0, -6, 0)})
	}
	threats := catalog.Threats
	for i := range n {
		th := threats[rng.IntN(len(threats))]
		a1, a2 := g.Assets[rng.IntN(na)], g.Assets[rng.IntN(na)]
		assets := []string{a1.ID}
		if a2.ID != a1.ID && i%3 == 0 {
			assets = append(assets, a2.ID)
		}
		r := &risk.Risk{ID: fmt.Sprintf("risk-%06d", i), Number: i + 1, Title: fmt.Sprintf("%s affecting %s", th.Name, a1.Name), ThreatID: th.ID,
			Assets: assets, Vulnerabilities: []string{g.Vulnerabilities[i%len(g.Vulnerabilities)].ID},
			CurrentMeasures: "Endpoint protection, nightly backups, annual awareness training.",
			Likelihood:      1 + rng.IntN(5), ImpactC: 1 + rng.IntN(5), ImpactI: 1 + rng.IntN(5), ImpactA: 1 + rng.IntN(5),
			LikelihoodRationale: reasons[i%len(reasons)], ImpactRationale: reasons[(i+2)%len(reasons)], Owner: owners[i%len(owners)],
			Status: risk.Open, Items: []string{}, CreatedAt: asOf.AddDate(0, -3, 0)}
		switch i % 4 {
		case 0, 1:
			r.Response, r.TargetLikelihood, r.TargetImpact = risk.Mitigate, max(1, r.Likelihood-2), r.Impact()
		case 2:
			r.Response, r.AcceptedBy, r.AcceptedUntil = risk.Accept, "Chief Medical Officer", asOf.AddDate(0, 6, 0).Format(risk.DateLayout)
		}
		if i%25 == 0 {
			r.Status = risk.Closed
		}
		g.Risks = append(g.Risks, r)
		if r.Response == risk.Mitigate {
			for j := range 1 + i%3 {
				act := &risk.Action{ID: fmt.Sprintf("action-%06d-%d", i, j), RiskID: r.ID, Title: fmt.Sprintf("Step %d: harden %s", j+1, a1.Name), Owner: owners[(i+j)%len(owners)],
					Due: asOf.AddDate(0, rng.IntN(12)-4, 0).Format(risk.DateLayout), Status: risk.Planned}
				if j == 0 && i%5 == 0 {
					act.Status, act.CompletedOn = risk.Done, asOf.AddDate(0, -1, 0).Format(risk.DateLayout)
				}
				g.Actions = append(g.Actions, act)
			}
		}
	}
	return g
}
