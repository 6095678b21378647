package store_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// A VEX document closes the open findings its statements say are not
// affected (marked with the statement), a later scan's same finding is
// written closed, and a newer statement that the product is affected opens
// the newest scan's finding again; the tally the checks read follows.
func TestVEXStatementsCloseFindings(t *testing.T) {
	clock := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	storetest.EachAt(t, func() time.Time { return clock }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		data := filepath.Join("..", "ingest", "testdata")
		bom, err := os.ReadFile(filepath.Join(data, "cyclonedx-small.json"))
		if err != nil {
			t.Fatal(err)
		}
		scan := func(name string, b []byte) *store.FindingsImport {
			t.Helper()
			f, _ := ingest.FormatByID(ingest.FormatCycloneDX)
			var info *ingest.ScanInfo
			sum := sha256.Sum256(b)
			res, err := sc.ImportFindings(ctx, ingest.FormatCycloneDX, name, hex.EncodeToString(sum[:]), int64(len(b)), func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
				var err error
				info, err = f.Scan(name, bytes.NewReader(b), emit)
				return info, err
			})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		vex := func(name string, b []byte) *store.VEXImport {
			t.Helper()
			doc, err := ingest.ReadOpenVEX(name, bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			res, err := sc.ImportVEX(ctx, ingest.FormatOpenVEX, name, doc.SHA256, doc.Size, doc)
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		// open is the open findings, by package, and the tally agrees.
		open := func() map[string]string {
			t.Helper()
			page, n, err := sc.Remediation(ctx, store.Cursor{}, 1000)
			if err != nil {
				t.Fatal(err)
			}
			if n != len(page) {
				t.Errorf("the tally says %d open, the page %d", n, len(page))
			}
			out := map[string]string{}
			for _, p := range page {
				out[p.Package] = p.CVE
			}
			return out
		}
		scan("week-1.json", bom)
		if got := open(); len(got) != 3 {
			t.Fatalf("before the VEX: %v", got)
		}
		b, err := os.ReadFile(filepath.Join(data, "openvex.json"))
		if err != nil {
			t.Fatal(err)
		}
		res := vex("openvex.json", b)
		if res.Statements != 4 || res.Closed != 1 || res.Reopened != 0 {
			t.Errorf("the VEX: %+v", res)
		}
		got := open()
		if _, ok := got["org.apache.logging.log4j/log4j-core"]; ok || len(got) != 2 || got["org.apache.logging.log4j/log4j-api"] != "CVE-2021-44228" {
			t.Errorf("after the VEX: %v (log4j-core not affected; log4j-api, the same CVE in another package, still open)", got)
		}
		all, err := sc.Findings(ctx, "", 100)
		if err != nil {
			t.Fatal(err)
		}
		// The next scan reports log4j-core again: written closed.
		clock = clock.Add(24 * time.Hour)
		again := scan("week-2.json", append(bom, '\n'))
		if again.Suppressed != 1 || len(open()) != 2 {
			t.Errorf("a later scan: %+v, open %v", again, open())
		}
		// A newer statement: affected after all. The newest scan's finding
		// opens again; the first scan's, replaced, stays closed.
		clock = clock.Add(24 * time.Hour)
		newer := []byte(`{"@context": "https://openvex.dev/ns/v0.2.0", "@id": "https://riverside.example/vex/2", "timestamp": "2026-12-03T10:00:00Z",
			"statements": [{"vulnerability": {"name": "CVE-2021-44228"}, "products": [{"@id": "registry.riverside.example/hl7-interface", "subcomponents": [{"@id": "pkg:maven/org.apache.logging.log4j/log4j-core"}]}],
			"status": "affected", "action_statement": "Upgrade log4j-core to 2.17.1."}]}`)
		res = vex("openvex-2.json", newer)
		if res.Reopened != 1 || res.Closed != 0 {
			t.Errorf("the newer statement: %+v", res)
		}
		if got := open(); got["org.apache.logging.log4j/log4j-core"] != "CVE-2021-44228" || len(got) != 3 {
			t.Errorf("after the newer statement: %v", got)
		}
		if len(all) != 3 {
			t.Errorf("findings of the first scan: %d", len(all))
		}
		marked := 0
		for _, f := range all {
			if f.VEX != "" {
				marked++
				if f.Package != "org.apache.logging.log4j/log4j-core" || f.VEX != "not_affected: vulnerable_code_not_in_execute_path" {
					t.Errorf("marked: %+v", f)
				}
			}
		}
		if marked != 1 {
			t.Errorf("%d findings marked by the VEX", marked)
		}
	})
}
