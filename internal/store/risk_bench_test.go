package store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/risk/risktest"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// inventoryCSV is an inventory file of n assets.
func inventoryCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("name,type,maintains,transmits,records,owner,location,vendor,criticality\n")
	types := []string{"system", "application", "device", "data-store", "cloud-service"}
	for i := range n {
		fmt.Fprintf(&b, "Asset %06d,%s,yes,%s,%d,Team %d,Building %d,Vendor %d,high\n", i, types[i%len(types)], []string{"yes", "no"}[i%2], i*7, i%40, i%12, i%90)
	}
	return b.Bytes()
}

// BenchmarkAssetImport plans and applies an inventory file of 20,000
// assets into an empty SQLite database, in one transaction.
func BenchmarkAssetImport(b *testing.B) {
	data := inventoryCSV(20000)
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s := storetest.SQLite(b)
		sc := newBenchOrg(b, s)
		b.StartTimer()
		p, err := risk.PlanAssets("inventory.csv", bytes.NewReader(data), nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := sc.ApplyAssetPlan(context.Background(), p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAssetPlan only reads and checks the same file: the floor the
// import is compared with.
func BenchmarkAssetPlan(b *testing.B) {
	data := inventoryCSV(20000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := risk.PlanAssets("inventory.csv", bytes.NewReader(data), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRiskRegisterLoad loads a register of 20,000 assets and 2,000
// risks and computes its rows: what every register page does first.
func BenchmarkRiskRegisterLoad(b *testing.B) {
	ctx := context.Background()
	s := storetest.SQLite(b)
	sc := newBenchOrg(b, s)
	p, err := risk.PlanAssets("inventory.csv", bytes.NewReader(inventoryCSV(20000)), nil)
	if err != nil {
		b.Fatal(err)
	}
	if err := sc.ApplyAssetPlan(ctx, p); err != nil {
		b.Fatal(err)
	}
	rp := &risk.RiskPlan{VulnTitles: map[*risk.Risk][]string{}}
	for i := range 2000 {
		rp.Add = append(rp.Add, &risk.Risk{Title: fmt.Sprintf("Risk %d", i), ThreatID: "ransomware", Assets: []string{p.Add[i].ID, p.Add[i+5000].ID}, Likelihood: 1 + i%5, ImpactA: 1 + i%4, Status: risk.Open})
	}
	if err := sc.ApplyRiskPlan(ctx, rp); err != nil {
		b.Fatal(err)
	}
	_, threats := risktest.Threats(b)
	b.ReportAllocs()
	for b.Loop() {
		g, err := sc.RiskRegister(ctx, threats)
		if err != nil {
			b.Fatal(err)
		}
		if rows := g.Rows("2026-11-23"); len(rows) != 2000 {
			b.Fatalf("%d rows", len(rows))
		}
	}
}

func newBenchOrg(b *testing.B, s *store.Store) *store.Scoped {
	o := storetest.Clinic("bench")
	if err := s.CreateOrganization(context.Background(), o); err != nil {
		b.Fatal(err)
	}
	return s.Scope(o)
}
