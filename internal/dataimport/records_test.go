package dataimport_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/store/storetest"
)

// An inventory file is planned against the register, applied once the
// preview's digest still holds, and refused when the register moved
// between the preview and the apply; a bad file names its cell and
// writes nothing; an unknown kind is refused.
func TestPlanRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		reg, err := catalog.Load()
		if err != nil {
			t.Fatal(err)
		}
		threats, err := risk.LoadThreats(reg)
		if err != nil {
			t.Fatal(err)
		}
		content, err := os.ReadFile(filepath.Join("..", "risk", "testdata", "inventory.csv"))
		if err != nil {
			t.Fatal(err)
		}
		preview, err := dataimport.PlanRecords(ctx, sc, threats, dataimport.RecordAssets, "inventory.csv", content)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(preview.Assets.Add); n == 0 || !strings.HasPrefix(preview.Summary(), "inventory.csv: ") {
			t.Fatalf("plan: %d to add; %s", n, preview.Summary())
		}
		// Someone adds an asset between the preview and the apply.
		if err := sc.CreateAsset(ctx, &risk.Asset{Name: "Fax server", Type: risk.AssetTypes[0]}); err != nil {
			t.Fatal(err)
		}
		if _, err := dataimport.ApplyPreviewed(ctx, sc, threats, dataimport.RecordAssets, "inventory.csv", content, preview.Digest); !errs.Is(err, errs.Conflict) {
			t.Fatalf("apply after the register moved: %v", err)
		}
		if as, _ := sc.Assets(ctx); len(as) != 1 {
			t.Fatalf("a refused apply wrote %d assets", len(as))
		}
		again, err := dataimport.PlanRecords(ctx, sc, threats, dataimport.RecordAssets, "inventory.csv", content)
		if err != nil {
			t.Fatal(err)
		}
		done, err := dataimport.ApplyPreviewed(ctx, sc, threats, dataimport.RecordAssets, "inventory.csv", content, again.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if as, _ := sc.Assets(ctx); len(as) != 1+len(done.Assets.Add) || !strings.HasPrefix(done.Outcome(), "Imported inventory.csv: ") {
			t.Errorf("applied: %d assets; %s", len(as), done.Outcome())
		}
		bad := []byte("name,type\nEHR,spaceship\n")
		if _, err := dataimport.PlanRecords(ctx, sc, threats, dataimport.RecordAssets, "bad.csv", bad); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("bad type: %v", err)
		}
		if _, err := dataimport.PlanRecords(ctx, sc, threats, "vendors", "v.csv", content); !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown kind: %v", err)
		}
	})
}
