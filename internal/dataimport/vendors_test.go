package dataimport_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// A vendor register file goes through the records pipeline on both
// engines: planned against the register and the inventory, applied in
// one transaction (the business associate the file adds written before
// its subcontractor), read back whole; the same file again changes
// nothing; the register refuses what would orphan a subcontractor; a
// bad file names its cells and writes nothing.
func TestVendorRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := audit.WithActor(context.Background(), audit.Actor{Label: "so@riverside.example", Source: "127.0.0.1"})
		sc, _ := clinic(t, s)
		if err := sc.CreateAsset(ctx, &risk.Asset{Name: "EHR", Type: risk.Application, Creates: true, Maintains: true}); err != nil {
			t.Fatal(err)
		}
		content, err := os.ReadFile(filepath.Join("..", "vendor", "testdata", "vendors.csv"))
		if err != nil {
			t.Fatal(err)
		}
		rs := &dataimport.Records{}
		p, err := rs.Plan(ctx, sc, dataimport.RecordVendors, "vendors.csv", content, nil, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if p.Summary() != "vendors.csv: 5 vendor(s) to add, 0 to update, 0 unchanged." {
			t.Errorf("summary: %q", p.Summary())
		}
		if _, err := rs.ApplyPreviewed(ctx, sc, dataimport.RecordVendors, "vendors.csv", content, nil, time.Now(), p.Digest); err != nil {
			t.Fatal(err)
		}
		vs, err := sc.Vendors(ctx)
		if err != nil {
			t.Fatal(err)
		}
		by := map[string]*vendor.Vendor{}
		var names []string
		for _, v := range vs {
			by[v.Name] = v
			names = append(names, v.Name)
		}
		if strings.Join(names, ",") != "ClearClaims Billing,Northwind EHR,Shred-Right,Sunrise Coffee,Vaultline Backup" {
			t.Fatalf("register: %v", names)
		}
		ehr, backup := by["Northwind EHR"], by["Vaultline Backup"]
		if backup.SubcontractorOf != ehr.ID || len(ehr.Assets) != 1 || ehr.Records != 12400 || len(ehr.Contacts) != 1 || ehr.Contacts[0].Phone != "+1 555 0100" {
			t.Errorf("read back: %+v\n%+v", ehr, backup)
		}
		again, err := rs.Plan(ctx, sc, dataimport.RecordVendors, "vendors.csv", content, nil, time.Now())
		if err != nil || again.Vendors.Unchanged != 5 {
			t.Errorf("the same file again: %v %+v", err, again)
		}

		// The register moving under a preview refuses its apply.
		ehr.Notes = "renewed"
		if err := sc.UpdateVendor(ctx, ehr); err != nil {
			t.Fatal(err)
		}
		if _, err := rs.ApplyPreviewed(ctx, sc, dataimport.RecordVendors, "vendors.csv", content, nil, time.Now(), again.Digest); !errs.Is(err, errs.Conflict) {
			t.Errorf("an apply the register moved under: %v", err)
		}

		// A business associate with a subcontractor in the register can
		// neither be deleted nor stop being one; a name is used once.
		if err := sc.DeleteVendor(ctx, ehr.ID); !errs.Is(err, errs.Conflict) || !strings.Contains(errs.Message(err), `"Vaultline Backup" is its subcontractor`) {
			t.Errorf("deleting a business associate with a subcontractor: %v", err)
		}
		ehr.Status, ehr.StatusReason = vendor.NotBusinessAssociate, "mistake"
		if err := sc.UpdateVendor(ctx, ehr); !errs.Is(err, errs.Conflict) {
			t.Errorf("a business associate with a subcontractor no longer one: %v", err)
		}
		if err := sc.CreateVendor(ctx, &vendor.Vendor{Name: "northwind ehr"}); !errs.Is(err, errs.Conflict) {
			t.Errorf("a name used twice: %v", err)
		}
		shred := by["Shred-Right"]
		if err := sc.CreateVendor(ctx, &vendor.Vendor{Name: "Sub of Shred", Status: vendor.Subcontractor, StatusReason: "x", SubcontractorOf: shred.ID}); !errs.Is(err, errs.Invalid) {
			t.Errorf("a subcontractor of a vendor not a business associate: %v", err)
		}
		if err := sc.CreateVendor(ctx, &vendor.Vendor{Name: "Stray", Assets: []string{"not-an-asset"}}); !errs.Is(err, errs.Invalid) {
			t.Errorf("a link to another organisation's asset: %v", err)
		}
		if err := sc.DeleteVendor(ctx, backup.ID); err != nil {
			t.Fatal(err)
		}
		if err := sc.DeleteVendor(ctx, ehr.ID); err != nil {
			t.Errorf("deleting the business associate once its subcontractor is gone: %v", err)
		}

		bad, err := os.ReadFile(filepath.Join("..", "vendor", "testdata", "vendors-bad.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rs.Plan(ctx, sc, dataimport.RecordVendors, "vendors-bad.csv", bad, nil, time.Now()); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), `line 4, column "assets": no asset "Nowhere"`) {
			t.Errorf("a bad file: %v", err)
		}
		if vs, _ := sc.Vendors(ctx); len(vs) != 3 {
			t.Errorf("%d vendors after a bad file", len(vs))
		}
	})
}

// A vendor's products' SBOMs: a CycloneDX import linked (twice, changing
// nothing), read back, unlinked; an import that is no SBOM refused.
func TestVendorSBOMs(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc, _ := clinic(t, s)
		v := &vendor.Vendor{Name: "Carestream", Status: vendor.NotBusinessAssociate, StatusReason: "sells the X-ray unit; no PHI"}
		if err := sc.CreateVendor(ctx, v); err != nil {
			t.Fatal(err)
		}
		scope := func() (*store.Scoped, error) { return sc, nil }
		bom, err := dataimport.File(ctx, dataimport.Request{Path: filepath.Join("..", "ingest", "testdata", "cyclonedx-small.json"), Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		devices, err := dataimport.File(ctx, dataimport.Request{Path: filepath.Join("..", "ingest", "testdata", "devices.csv"), Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		kinds := []string{ingest.FormatCycloneDX, ingest.FormatCycloneDXXML, ingest.FormatSPDX}
		for range 2 {
			if err := sc.LinkVendorSBOM(ctx, v.ID, bom.Import, kinds); err != nil {
				t.Fatal(err)
			}
		}
		if err := sc.LinkVendorSBOM(ctx, v.ID, devices.Import, kinds); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "not an SBOM") {
			t.Errorf("a device export as an SBOM: %v", err)
		}
		got, err := sc.VendorSBOMs(ctx, v.ID)
		if err != nil || len(got) != 1 || got[0].ID != bom.Import || got[0].Kind != "cyclonedx" {
			t.Fatalf("the vendor's SBOMs: %v %v", got, err)
		}
		choices, _ := sc.ImportsOfKinds(ctx, kinds, 10)
		if len(choices) != 1 {
			t.Errorf("the SBOM imports: %v", choices)
		}
		if err := sc.UnlinkVendorSBOM(ctx, v.ID, bom.Import); err != nil {
			t.Fatal(err)
		}
		if got, _ := sc.VendorSBOMs(ctx, v.ID); len(got) != 0 {
			t.Errorf("unlinked, still %v", got)
		}
	})
}
