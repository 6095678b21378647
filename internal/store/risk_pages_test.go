package store_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/risk/risktest"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// noInventory is the store as the register and overview pages use it,
// failing the test if anything reads the whole inventory or the whole
// register with it, or every risk.
type noInventory struct {
	*store.Scoped
	t *testing.T
}

func (n noInventory) RiskRecords(ctx context.Context, c *risk.Threats) (*risk.Register, error) {
	n.t.Error("every risk was read")
	return n.Scoped.RiskRecords(ctx, c)
}

func (n noInventory) Risks(ctx context.Context) ([]*risk.Risk, error) {
	n.t.Error("every risk was read")
	return n.Scoped.Risks(ctx)
}

func (n noInventory) RiskRegister(ctx context.Context, c *risk.Threats) (*risk.Register, error) {
	n.t.Error("the whole register, with the inventory, was read")
	return n.Scoped.RiskRegister(ctx, c)
}

func (n noInventory) Assets(ctx context.Context) ([]*risk.Asset, error) {
	n.t.Error("the whole inventory was read")
	return n.Scoped.Assets(ctx)
}

// The risk overview and the reminders read sums and counts, and a page of
// the register reads the risks and only the assets the risks it shows
// name: a hospital's 100,000 assets are not loaded for a page.
func TestRiskPagesReadOnlyTheAssetsTheyShow(t *testing.T) {
	reg, threats := risktest.Threats(t)
	svc := &riskanalysis.Service{Threats: threats, Catalog: reg}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		finalized := time.Now().Add(-time.Hour)
		before := s.WithClock(func() time.Time { return finalized.Add(-time.Hour) }).Scope(sc.Org())
		var assets []*risk.Asset
		for _, name := range []string{"EHR", "Front desk PC", "Fax server", "Badge system"} {
			a := &risk.Asset{Name: name, Type: risk.System, Maintains: name != "Badge system"}
			if err := before.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
			assets = append(assets, a)
		}
		for _, r := range []*risk.Risk{
			{Title: "Ransomware stops the EHR", ThreatID: "ransomware", Assets: []string{assets[0].ID, assets[1].ID}, Likelihood: 4, ImpactA: 5},
			{Title: "Fax misdirected", ThreatID: "ransomware", Assets: []string{assets[2].ID}, Likelihood: 2, ImpactC: 3},
		} {
			if err := sc.CreateRisk(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		a := &risk.Analysis{Title: "2026 analysis", Scope: "All ePHI"}
		if err := sc.CreateAnalysis(ctx, a); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Finalize(ctx, sc, "Riverside", a.ID, "Dr Reyes", finalized); err != nil {
			t.Fatal(err)
		}
		later := s.WithClock(func() time.Time { return finalized.Add(time.Minute) }).Scope(sc.Org())
		if err := later.CreateAsset(ctx, &risk.Asset{Name: "Patient portal", Type: risk.Application, Transmits: true}); err != nil {
			t.Fatal(err)
		}

		st := noInventory{sc, t}
		o, err := svc.Overview(ctx, st, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, r := range o.Reminders {
			kinds = append(kinds, r.Kind+": "+r.Message)
		}
		if o.Assets != 5 || o.EPHI != 4 || o.Summary.Open() != 2 ||
			!strings.Contains(strings.Join(kinds, "\n"), `inventory: 1 asset(s) holding ePHI were added since "2026 analysis" was finalised: Patient portal.`) {
			t.Errorf("overview: %d assets, %d with ePHI, %d risks, reminders:\n%s", o.Assets, o.EPHI, o.Summary.Open(), strings.Join(kinds, "\n"))
		}
		p, err := svc.Page(ctx, st, riskanalysis.RegisterQuery{Sort: "level", Limit: 1}, risk.Today(time.Now()))
		if err != nil {
			t.Fatal(err)
		}
		if p.Total != 2 || len(p.Rows) != 1 {
			t.Fatalf("a page of one of the register's %d risks: %d rows", p.Total, len(p.Rows))
		}
		if got := p.Rows[0].AssetNames(); p.Rows[0].Risk.Title != "Ransomware stops the EHR" || !slices.Equal(got, []string{"EHR", "Front desk PC"}) {
			t.Errorf("the page's risk and its assets: %s %v", p.Rows[0].Risk.Title, got)
		}
		if len(p.Register.Assets) != 2 || len(p.Register.Risks) != 1 {
			t.Errorf("the page read %d assets and %d risks, want those of its one risk", len(p.Register.Assets), len(p.Register.Risks))
		}
		if x, err := st.AssetByName(ctx, "fax SERVER"); err != nil || x.ID != assets[2].ID {
			t.Errorf("an asset by name: %+v %v", x, err)
		}
	})
}

// A page of the inventory is filtered and counted in the database: words
// in the name, owner, location or vendor (a % or _ typed is a character,
// not a wildcard), the type, name order across pages, and the risks
// naming each asset shown.
func TestAssetPage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		var ids []string
		for _, a := range []*risk.Asset{
			{Name: "EHR", Type: risk.System, Vendor: "Epic"},
			{Name: "backup_nas", Type: risk.DataStore, Location: "Closet 100%"},
			{Name: "Badge system", Type: risk.System, Owner: "Facilities"},
			{Name: "Fax", Type: risk.Device, Owner: "Front desk"},
		} {
			if err := sc.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, a.ID)
		}
		if err := sc.CreateRisk(ctx, &risk.Risk{Title: "Ransomware", ThreatID: "ransomware", Assets: []string{ids[0], ids[1]}, Likelihood: 3, ImpactA: 4}); err != nil {
			t.Fatal(err)
		}
		names := func(list []*risk.Asset) string {
			var out []string
			for _, a := range list {
				out = append(out, a.Name)
			}
			return strings.Join(out, ", ")
		}
		for _, c := range []struct {
			f             store.AssetFilter
			offset, limit int
			want          string
			shown         int
		}{
			{store.AssetFilter{}, 0, 10, "backup_nas, Badge system, EHR, Fax", 4},
			{store.AssetFilter{}, 1, 2, "Badge system, EHR", 4},
			{store.AssetFilter{Query: "FRONT"}, 0, 10, "Fax", 1},
			{store.AssetFilter{Query: "epic"}, 0, 10, "EHR", 1},
			{store.AssetFilter{Query: "100%"}, 0, 10, "backup_nas", 1},
			{store.AssetFilter{Query: "k_p"}, 0, 10, "", 0}, // not backup: _ is a character
			{store.AssetFilter{Query: "%"}, 0, 10, "backup_nas", 1},
			{store.AssetFilter{Type: string(risk.System)}, 0, 10, "Badge system, EHR", 2},
		} {
			list, shown, total, err := sc.AssetPage(ctx, c.f, c.offset, c.limit)
			if err != nil {
				t.Fatal(err)
			}
			if names(list) != c.want || shown != c.shown || total != 4 {
				t.Errorf("%+v from %d: %s (%d of %d)", c.f, c.offset, names(list), shown, total)
			}
		}
		counts, err := sc.RiskCounts(ctx, ids)
		if err != nil || counts[ids[0]] != 1 || counts[ids[1]] != 1 || counts[ids[2]] != 0 {
			t.Errorf("risk counts: %v %v", counts, err)
		}
	})
}

// The open register summed in the database is what the rows give: the
// open risks by current and target rating (impact the highest of C, I
// and A; unrated ones too), the open actions of open risks past due
// (planned and in progress; not done, cancelled, undated, due today or
// later, or on a closed risk), and the expired acceptances of open risks.
func TestRiskSummaryIsTheRows(t *testing.T) {
	_, threats := risktest.Threats(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		ehr := &risk.Asset{Name: "EHR", Type: risk.System}
		if err := sc.CreateAsset(ctx, ehr); err != nil {
			t.Fatal(err)
		}
		const today = "2026-11-23"
		risks := []*risk.Risk{
			{Title: "a", Likelihood: 4, ImpactC: 2, ImpactI: 5, ImpactA: 3, TargetLikelihood: 2, TargetImpact: 2},
			{Title: "b", Likelihood: 4, ImpactC: 5, TargetLikelihood: 2, TargetImpact: 2},
			{Title: "c", Likelihood: 1, ImpactA: 1, Response: risk.Accept, AcceptedBy: "Dr Reyes", AcceptedUntil: "2026-11-22"},
			{Title: "d", Likelihood: 2, ImpactI: 3, Response: risk.Accept, AcceptedBy: "Dr Reyes", AcceptedUntil: today},
			{Title: "e"}, // not rated
			{Title: "f", Likelihood: 5, ImpactC: 5, Status: risk.Closed, Response: risk.Accept, AcceptedBy: "Dr Reyes", AcceptedUntil: "2020-01-01"},
		}
		for _, r := range risks {
			r.ThreatID, r.Assets = "ransomware", []string{ehr.ID}
			if err := sc.CreateRisk(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		for _, a := range []*risk.Action{
			{RiskID: risks[0].ID, Title: "late", Due: "2026-11-01", Status: risk.Planned},
			{RiskID: risks[0].ID, Title: "late, started", Due: "2026-11-22", Status: risk.InProgress},
			{RiskID: risks[0].ID, Title: "due today", Due: today, Status: risk.Planned},
			{RiskID: risks[1].ID, Title: "done late", Due: "2026-10-01", Status: risk.Done, CompletedOn: "2026-10-20"},
			{RiskID: risks[1].ID, Title: "cancelled", Due: "2026-10-01", Status: risk.Cancelled},
			{RiskID: risks[1].ID, Title: "undated", Status: risk.Planned},
			{RiskID: risks[5].ID, Title: "late on a closed risk", Due: "2026-01-01", Status: risk.Planned},
		} {
			if err := sc.SaveAction(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		g, err := sc.RiskRecords(ctx, threats)
		if err != nil {
			t.Fatal(err)
		}
		want := risk.Summarize(g.Rows(today), today)
		got, err := sc.RiskSummary(ctx, today)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got.Cells, want.Cells) || got.Overdue != want.Overdue || len(got.Expired) != len(want.Expired) {
			t.Fatalf("summed %+v\nfrom the rows %+v", got, want)
		}
		for i := range got.Expired {
			if got.Expired[i].Number != want.Expired[i].Number || got.Expired[i].AcceptedUntil != want.Expired[i].AcceptedUntil || got.Expired[i].Title != want.Expired[i].Title {
				t.Errorf("expired %d: %+v, want %+v", i, got.Expired[i], want.Expired[i])
			}
		}
		if got.Open() != 5 || got.Overdue != 2 || len(got.Expired) != 1 || got.Expired[0].Title != "c" {
			t.Errorf("summary: %d open, %d overdue, %d expired", got.Open(), got.Overdue, len(got.Expired))
		}
	})
}
