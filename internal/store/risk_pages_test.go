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
	"github.com/safeguard-health/safeguard/internal/store/storetest"
)

// noInventory is the store as the register and overview pages use it,
// failing the test if anything reads the whole inventory or the whole
// register with it.
type noInventory struct {
	*store.Scoped
	t *testing.T
}

func (n noInventory) RiskRegister(ctx context.Context, c *risk.Threats) (*risk.Register, error) {
	n.t.Error("the whole register, with the inventory, was read")
	return n.Scoped.RiskRegister(ctx, c)
}

func (n noInventory) Assets(ctx context.Context) ([]*risk.Asset, error) {
	n.t.Error("the whole inventory was read")
	return n.Scoped.Assets(ctx)
}

// The risk overview, the reminders and a page of the register read the
// risks and count the inventory, and read only the assets the risks they
// show name: a hospital's 100,000 assets are not loaded for a page.
func TestRiskPagesReadOnlyTheAssetsTheyShow(t *testing.T) {
	reg, threats := risktest.Threats(t)
	svc := &riskanalysis.Service{Threats: threats, Catalog: reg}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := riverside(t, s)
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
		if o.Assets != 5 || o.EPHI != 4 || len(o.Register.Risks) != 2 || len(o.Register.Assets) != 0 ||
			!strings.Contains(strings.Join(kinds, "\n"), `inventory: 1 asset(s) holding ePHI were added since "2026 analysis" was finalised: Patient portal.`) {
			t.Errorf("overview: %d assets, %d with ePHI, %d risks, reminders:\n%s", o.Assets, o.EPHI, len(o.Register.Risks), strings.Join(kinds, "\n"))
		}
		g, err := svc.Records(ctx, st)
		if err != nil {
			t.Fatal(err)
		}
		rows := g.Rows(risk.Today(time.Now()))
		risk.Sort(rows, "level")
		page := rows[:1]
		if err := svc.Attach(ctx, st, page); err != nil {
			t.Fatal(err)
		}
		if got := page[0].AssetNames(); page[0].Risk.Title != "Ransomware stops the EHR" || !slices.Equal(got, []string{"EHR", "Front desk PC"}) {
			t.Errorf("the page's risk and its assets: %s %v", page[0].Risk.Title, got)
		}
		if rows[1].Assets != nil {
			t.Errorf("a risk not shown got its assets: %v", rows[1].AssetNames())
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
		sc := riverside(t, s)
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
