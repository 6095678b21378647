package inventory_test

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/inventory"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// The inventory reconciled with an Intune export, a Nessus scan and the
// profile's TLS endpoints: what they show that no asset names, and the
// assets none has seen; one action adds the missing, after which only
// the unseen asset remains.
func TestReconcile(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider, WorkforceSize: 20, Sites: 1}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		// The inventory as it was written a year ago.
		then := s.WithClock(func() time.Time { return time.Date(2025, 12, 1, 9, 0, 0, 0, time.UTC) }).Scope(o)
		for _, a := range []*risk.Asset{
			{Name: "Front desk PC", Type: risk.Device, Identifiers: []string{"RFC-FD-01"}},
			{Name: "Old fax server", Type: risk.System, Identifiers: []string{"fax01.riverside.local"}},
			{Name: "Cloud EHR", Type: risk.CloudService, Maintains: true},
		} {
			if err := then.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if err := sc.SaveProfile(ctx, o, &org.Profile{TLSEndpoints: []string{"portal.riverside.example:443"}}); err != nil {
			t.Fatal(err)
		}
		scope := func() (*store.Scoped, error) { return sc, nil }
		for _, f := range []string{"intune-devices.csv", "nessus-small.nessus"} {
			if _, err := dataimport.File(ctx, dataimport.Request{Path: filepath.Join("..", "ingest", "testdata", f), Scope: scope}); err != nil {
				t.Fatalf("%s: %v", f, err)
			}
		}
		now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		rec, err := inventory.Reconcile(ctx, sc, now, 0)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string][]string{}
		for _, m := range rec.Missing {
			kinds[m.Kind] = append(kinds[m.Kind], m.Name)
			if m.Key == "" || len(m.Identifiers) == 0 || m.Source == "" {
				t.Errorf("missing %+v without its key, identifiers or source", m)
			}
		}
		if len(kinds["device"]) != 7 || slices.Contains(kinds["device"], "RFC-FD-01") { // eight devices, one in the inventory
			t.Errorf("devices missing: %v", kinds["device"])
		}
		if len(kinds["host"]) == 0 || !slices.Equal(kinds["endpoint"], []string{"portal.riverside.example"}) {
			t.Errorf("hosts %v, endpoints %v", kinds["host"], kinds["endpoint"])
		}
		if len(rec.Stale) != 1 || rec.Stale[0].Name != "Old fax server" || rec.Stale[0].LastSeen != "" {
			t.Errorf("stale: %+v", rec.Stale)
		}
		if _, err := inventory.Add(ctx, sc, now, []string{"device:nothing-like-it"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("adding what is not missing: %v", err)
		}
		added, err := inventory.Add(ctx, sc, now, []string{"all"})
		if err != nil || len(added) != len(rec.Missing) {
			t.Fatalf("added %d of %d: %v", len(added), len(rec.Missing), err)
		}
		for _, a := range added {
			if a.Name == "portal.riverside.example" && (!a.InternetFacing || a.Type != risk.Application) {
				t.Errorf("the endpoint's asset: %+v", a)
			}
			if a.Name == "RFC-LT-07" && (a.Type != risk.Device || !slices.Contains(a.Identifiers, "5CD3451XYZ") || !strings.Contains(a.Description, "Microsoft Intune devices")) {
				t.Errorf("the laptop's asset: %+v", a)
			}
		}
		again, err := inventory.Reconcile(ctx, sc, now, 0)
		if err != nil || len(again.Missing) != 0 || len(again.Stale) != 1 {
			t.Errorf("after adding: %d missing %v, %d stale, %v", len(again.Missing), again.Missing, len(again.Stale), err)
		}
		if _, err := inventory.Add(ctx, sc, now, []string{"all"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("adding when nothing is missing: %v", err)
		}
	})
}
