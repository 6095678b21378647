package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

func TestImportFindings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		iface := &risk.Asset{Name: "Lab interface", Type: risk.Application, Identifiers: []string{"registry.riverside.example/ehr-interface:2.4"}}
		if err := sc.CreateAsset(ctx, iface); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", "trivy-small.json"))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		sha := hex.EncodeToString(sum[:])
		read := func(b []byte) func(func(ingest.Finding) error) (*ingest.ScanInfo, error) {
			return func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
				return ingest.ReadTrivy("trivy-small.json", bytes.NewReader(b), emit)
			}
		}
		res, err := sc.ImportFindings(ctx, "trivy", "trivy-small.json", sha, int64(len(data)), read(data))
		if err != nil {
			t.Fatal(err)
		}
		if !res.Fresh || res.Findings != 3 || res.Matched != 3 || len(res.Unmatched) != 0 || res.Record.Records != 3 {
			t.Errorf("import: %+v", res)
		}
		fs, _ := sc.Findings(ctx, res.Record.ID, 0)
		if len(fs) != 3 || fs[0].CVE != "CVE-2024-3094" || fs[0].AssetID != iface.ID || fs[0].CVSS != 10 {
			t.Errorf("findings: %+v", fs[0])
		}
		again, err := sc.ImportFindings(ctx, "trivy", "copy.json", sha, int64(len(data)), read(data))
		if err != nil || again.Fresh || again.Record.ID != res.Record.ID {
			t.Errorf("re-import: %+v %v", again, err)
		}
		// A truncated file lands nothing: no findings, no import record.
		bad := data[:700]
		bsum := sha256.Sum256(bad)
		if _, err := sc.ImportFindings(ctx, "trivy", "cut.json", hex.EncodeToString(bsum[:]), int64(len(bad)), read(bad)); !errs.Is(err, errs.Invalid) {
			t.Fatalf("truncated: %v", err)
		}
		all, _ := sc.Findings(ctx, "", 0)
		if len(all) != 3 {
			t.Errorf("a refused import left %d findings", len(all))
		}
		if entries, _ := sc.AuditLog(ctx, store.AuditFilter{Limit: 1}); len(entries) != 1 || entries[0].Action != "findings.import_failed" || !strings.Contains(entries[0].After, "truncated") {
			t.Errorf("the failed import is not on record: %+v", entries)
		}
		// A file that changed between its hashing and its reading lands
		// nothing, saying so.
		edited := append(bytes.Clone(data), '\n')
		if _, err := sc.ImportFindings(ctx, "trivy", "edited.json", "0000", int64(len(edited)), read(edited)); !errs.Is(err, errs.Conflict) || !strings.Contains(errs.Message(err), "edited.json changed while it was being imported") {
			t.Fatalf("changed during the import: %v", err)
		}
		if all, _ := sc.Findings(ctx, "", 0); len(all) != 3 {
			t.Errorf("a file changed during its import left %d findings", len(all))
		}
		// Grype names the image after its matches: the findings get it afterwards.
		portal := &risk.Asset{Name: "Patient portal", Type: risk.Application, Identifiers: []string{"registry.riverside.example/portal:7.1"}}
		if err := sc.CreateAsset(ctx, portal); err != nil {
			t.Fatal(err)
		}
		g, _ := os.ReadFile(filepath.Join("..", "ingest", "testdata", "grype-small.json"))
		gs := sha256.Sum256(g)
		gres, err := sc.ImportFindings(ctx, "grype", "grype-small.json", hex.EncodeToString(gs[:]), int64(len(g)), func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
			return ingest.ReadGrype("grype-small.json", bytes.NewReader(g), emit)
		})
		if err != nil || gres.Findings != 2 || gres.Matched != 2 || len(gres.Unmatched) != 0 {
			t.Fatalf("grype: %+v %v", gres, err)
		}
		gf, _ := sc.Findings(ctx, gres.Record.ID, 0)
		if len(gf) != 2 || gf[0].AssetID != portal.ID || gf[0].Target != "registry.riverside.example/portal:7.1" {
			t.Errorf("grype findings: %+v", gf[0])
		}
		// The image rebuilt and scanned again with no match: its findings close.
		openOn := func(assetID string) int {
			n := 0
			for _, f := range storetest.EveryOpen(t, ctx, sc) {
				if f.AssetID == assetID {
					n++
				}
			}
			return n
		}
		if n := openOn(portal.ID); n != 2 {
			t.Fatalf("%d open on the portal", n)
		}
		clean := []byte(`{"matches": [], "source": {"type": "image", "target": {"userInput": "registry.riverside.example/portal:7.1"}}, "descriptor": {"name": "grype", "version": "0.80.0"}}`)
		cs := sha256.Sum256(clean)
		if _, err := sc.ImportFindings(ctx, "grype", "grype-clean.json", hex.EncodeToString(cs[:]), int64(len(clean)), func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
			return ingest.ReadGrype("grype-clean.json", bytes.NewReader(clean), emit)
		}); err != nil {
			t.Fatal(err)
		}
		if n := openOn(portal.ID); n != 0 {
			t.Errorf("%d open on the portal after a clean scan", n)
		}
		// Nessus names the host by IP; the asset knows it by FQDN, an alias Nessus gives.
		fw := &risk.Asset{Name: "Network and firewall", Type: risk.System, Identifiers: []string{"vpn.riverside.example"}}
		if err := sc.CreateAsset(ctx, fw); err != nil {
			t.Fatal(err)
		}
		n, _ := os.ReadFile(filepath.Join("..", "ingest", "testdata", "nessus-small.nessus"))
		ns := sha256.Sum256(n)
		nres, err := sc.ImportFindings(ctx, "nessus", "nessus-small.nessus", hex.EncodeToString(ns[:]), int64(len(n)), func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
			return ingest.ReadNessus("nessus-small.nessus", bytes.NewReader(n), emit)
		})
		if err != nil || nres.Findings != 3 || nres.Matched != 3 {
			t.Errorf("nessus: %+v %v", nres, err)
		}
		// The real legacy report: 93 findings, unmatched hosts listed.
		real := filepath.Join("..", "..", "..", "shared", "data", "samples", "trivy", "legacy_many_vulns.json")
		if b, err := os.ReadFile(real); err == nil {
			rs := sha256.Sum256(b)
			res, err := sc.ImportFindings(ctx, "trivy", "legacy_many_vulns.json", hex.EncodeToString(rs[:]), int64(len(b)), func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
				return ingest.ReadTrivy("legacy_many_vulns.json", bytes.NewReader(b), emit)
			})
			if err != nil || res.Findings != 93 || res.Matched != 0 || len(res.Unmatched) == 0 {
				t.Errorf("real report: %+v %v", res, err)
			}
		}
	})
}

// A Kubernetes resource's findings land on the asset named after it, or
// identified by its namespace/Kind/name; the resources no asset names are
// listed.
func TestImportKubernetesFindings(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		api := &risk.Asset{Name: "ehr-api", Type: risk.Application}
		fax := &risk.Asset{Name: "Fax gateway", Type: risk.Application, Identifiers: []string{"ehr/Deployment/fax-gateway"}}
		for _, a := range []*risk.Asset{api, fax} {
			if err := sc.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		data, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", "trivy-k8s.json"))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		res, err := sc.ImportFindings(ctx, "trivy", "trivy-k8s.json", hex.EncodeToString(sum[:]), int64(len(data)), func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
			return ingest.ReadTrivy("trivy-k8s.json", bytes.NewReader(data), emit)
		})
		if err != nil {
			t.Fatal(err)
		}
		if res.Findings != 3 || res.Matched != 3 {
			t.Errorf("import: %+v", res)
		}
		fs, _ := sc.Findings(ctx, res.Record.ID, 0)
		on := map[string]int{}
		for _, f := range fs {
			on[f.AssetID]++
		}
		if on[api.ID] != 2 || on[fax.ID] != 1 {
			t.Errorf("findings by asset %v; want 2 on ehr-api, 1 on the fax gateway", on)
		}
	})
}
