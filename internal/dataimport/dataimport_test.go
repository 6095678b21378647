package dataimport_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

func testdata(name string) string { return filepath.Join("..", "ingest", "testdata", name) }

// riverside creates the clinic the tests import into, and gives its store
// and the Scope an import request takes.
func riverside(t *testing.T, s *store.Store) (*store.Scoped, func() (*store.Scoped, error)) {
	t.Helper()
	o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
	if err := s.CreateOrganization(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	sc := s.Scope(o)
	return sc, func() (*store.Scoped, error) { return sc, nil }
}

// A file is detected, imported once, recognised the second time, and its
// progress reported up to its size; the shared catalogs need the store's
// leave; an unknown file is refused naming the formats.
func TestFile(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	_, scope := riverside(t, s)
	var seen []int64
	req := dataimport.Request{Path: testdata("nessus-small.nessus"), Name: "scan.nessus", Scope: scope,
		Progress: func(read, size int64) { seen = append(seen, read) }}
	out, err := dataimport.File(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(testdata("nessus-small.nessus"))
	if out.Format != "nessus" || !out.Fresh || out.Records == 0 || out.Size != st.Size() || len(out.SHA256) != 64 || out.Import == "" {
		t.Errorf("outcome: %+v", out)
	}
	if len(seen) < 2 || seen[0] != 0 || seen[len(seen)-1] != st.Size() {
		t.Errorf("progress reported: %v, want from 0 to %d", seen, st.Size())
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] < seen[i-1] {
			t.Errorf("progress went back: %v", seen)
		}
	}
	if !strings.HasPrefix(out.Summary[0], "scan.nessus: ") {
		t.Errorf("summary: %q", out.Summary)
	}
	again, err := dataimport.File(ctx, req)
	if err != nil || again.Fresh || again.Import != out.Import || !strings.Contains(again.Summary[0], "imported before") {
		t.Errorf("again: %+v, %v", again, err)
	}

	// A hash given by the caller is checked against the bytes read.
	wrong := req
	wrong.Path, wrong.Name, wrong.SHA256, wrong.Size = testdata("trivy-small.json"), "trivy.json", strings.Repeat("0", 64), 10
	if _, err := dataimport.File(ctx, wrong); !errs.Is(err, errs.Conflict) {
		t.Errorf("a hash not of the file: %v", err)
	}

	// The KEV catalog: refused without the shared store, taken with it.
	kev := dataimport.Request{Path: testdata("kev-small.json"), Scope: scope}
	if _, err := dataimport.File(ctx, kev); !errs.Is(err, errs.Forbidden) {
		t.Errorf("KEV without the shared store: %v", err)
	}
	kev.Shared = s
	if out, err := dataimport.File(ctx, kev); err != nil || out.Format != "kev" || out.Records == 0 {
		t.Errorf("KEV: %+v, %v", out, err)
	}

	// Not a format Safeguard reads.
	junk := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(junk, []byte("minutes of the meeting\n"), 0o600)
	if _, err := dataimport.File(ctx, dataimport.Request{Path: junk, Scope: scope}); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "nessus") {
		t.Errorf("unknown format: %v", err)
	}
	// An organisation's format with no organisation named.
	if _, err := dataimport.File(ctx, dataimport.Request{Path: testdata("trivy-small.json")}); !errs.Is(err, errs.Invalid) {
		t.Errorf("no organisation: %v", err)
	}
}

// A file with a byte that is not UTF-8 (an account export saved as
// Windows-1252, a scanner's JSON with a Latin-1 title) is refused naming
// its file and line, on both engines, and nothing of it is stored.
func TestFilesNotUTF8AreRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc, scope := riverside(t, s)
		dir := t.TempDir()
		for _, tc := range []struct{ from, name, old, new, want string }{
			{"accounts.csv", "ehr-users.csv", "Sam Patel", "Sam P\xe9tel", "ehr-users.csv: line 3 is not UTF-8 text (byte 0xE9)"},
			{"trivy-small.json", "trivy.json", `"Title": "`, "\"Title\": \"Caf\xe9 ", "trivy.json: line "},
		} {
			data, err := os.ReadFile(testdata(tc.from))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(data), tc.old) {
				t.Fatalf("%s has no %q", tc.from, tc.old)
			}
			path := filepath.Join(dir, tc.name)
			if err := os.WriteFile(path, []byte(strings.Replace(string(data), tc.old, tc.new, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err = dataimport.File(ctx, dataimport.Request{Path: path, Name: tc.name, Scope: scope})
			if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), tc.want) || !strings.Contains(errs.Message(err), "is not UTF-8 text") {
				t.Errorf("%s: %v, want an Invalid error saying %q", tc.name, err, tc.want)
			}
		}
		if accounts, err := sc.Accounts(ctx, store.AccountFilter{}); err != nil || len(accounts) != 0 {
			t.Errorf("%d accounts stored (%v)", len(accounts), err)
		}
		if imports, err := sc.DataImports(ctx, 10); err != nil || len(imports) != 0 {
			t.Errorf("%d imports recorded (%v)", len(imports), err)
		}
	})
}

// A file in a format Safeguard recognises but does not import is refused
// naming what it is and what to do, not as an unknown file.
func TestRecognisedButUnreadFormats(t *testing.T) {
	dir := t.TempDir()
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte("<feedback></feedback>"))
	zw.Close()
	gzPath := filepath.Join(dir, "report.xml.gz")
	os.WriteFile(gzPath, gz.Bytes(), 0o600)
	data := filepath.Join("..", "ingest", "testdata")
	for path, want := range map[string]string{
		filepath.Join(data, "spdx3-jsonld.json"): "is an SPDX 3 document (JSON-LD)",
		filepath.Join(data, "wazuh-alert.json"):  "is Wazuh alerts (vulnerability detector events), which Safeguard does not import: alerts report what changed, not what is open",
		filepath.Join(data, "oscal-ssp.json"):    "is an OSCAL document",
		gzPath:                                   "is a gzip-compressed file of a format Safeguard does not know",
		filepath.Join(data, "..", "bounds.go"):   "the format is not one Safeguard knows",
	} {
		if _, err := os.Stat(path); err != nil {
			continue // a public sample that is not on this machine
		}
		_, err := dataimport.Detect(path, filepath.Base(path))
		if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), filepath.Base(path)+" ") && !strings.Contains(errs.Message(err), filepath.Base(path)+":") || !strings.Contains(errs.Message(err), want) {
			t.Errorf("%s: %v; want it to say %q", filepath.Base(path), err, want)
		}
	}
}

// Every scanner format of the registry lands through the one pipeline:
// detected from its content, its findings stored (as many as its reader
// emits), those on a host or target the inventory knows matched to its
// asset, and each scanner's findings left open by the others' scans of
// the same asset.
func TestEveryScannerFormatImports(t *testing.T) {
	files := map[string]string{
		"nessus": "nessus-small.nessus", "tenable-csv": "tenable-sc.csv", "openvas": "openvas-small.xml", "openvas-csv": "openvas-results.csv",
		"qualys": "qualys-small.xml", "qualys-scan": "qualys-scan-report.xml", "nexpose": "nexpose-report.xml", "nmap": "nmap-vulners.xml",
		"qualys-csv": "qualys-scan.csv", "defender": "defender-hunting.csv", "inspector2": "inspector-findings.json", "osv-scanner": "osv-scanner.json",
		"dependency-track": "dependency-track.json", "wazuh": "wazuh-inventory.json", "trivy": "trivy-small.json", "grype": "grype-small.json",
		"sarif": "sarif-small.sarif", "cyclonedx": "cyclonedx-small.json", "cyclonedx-xml": "cyclonedx-small.xml", "spdx": "spdx-small.json",
		"spdx-tv": "spdx-tag-value.spdx",
	}
	s := storetest.SQLite(t)
	ctx := context.Background()
	sc, scope := riverside(t, s)
	// One asset several scanners cover: Nessus, Nexpose and Nmap by its
	// address, Qualys by its name.
	ehr := &risk.Asset{Name: "EHR server", Type: risk.System, Identifiers: []string{"10.20.0.10", "ehr01.riverside.example"}}
	if err := sc.CreateAsset(ctx, ehr); err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, f := range ingest.Formats() {
		if f.Kind != ingest.KindScanner {
			continue
		}
		name, ok := files[f.ID]
		if !ok {
			t.Errorf("%s: no sample file in this test", f.ID)
			continue
		}
		want := 0
		fh, err := os.Open(testdata(name))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Scan(name, fh, func(ingest.Finding) error { want++; return nil }); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		fh.Close()
		out, err := dataimport.File(ctx, dataimport.Request{Path: testdata(name), Name: name, Scope: scope})
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if out.Format != f.ID || out.Records != want || !out.Fresh {
			t.Errorf("%s: format %s, %d records (want %s, %d)", name, out.Format, out.Records, f.ID, want)
		}
		total += want
	}
	// The EHR server's findings of each scanner stay open whatever the
	// others scanned later: one file of each covered it.
	page, open, err := sc.Remediation(ctx, store.Cursor{}, 1000)
	if err != nil {
		t.Fatal(err)
	}
	isOpen := map[string]bool{}
	for _, p := range page {
		isOpen[p.ID] = true
	}
	all, err := sc.Findings(ctx, "", 100000)
	if err != nil {
		t.Fatal(err)
	}
	stored, opened := map[string]int{}, map[string]int{}
	for _, f := range all {
		if f.AssetID == ehr.ID {
			stored[f.Scanner]++
			if isOpen[f.ID] {
				opened[f.Scanner]++
			}
		}
	}
	for _, scanner := range []string{"nessus", "qualys", "nexpose", "nmap"} {
		if stored[scanner] == 0 || opened[scanner] != stored[scanner] {
			t.Errorf("%s: %d of its %d findings on the EHR server open", scanner, opened[scanner], stored[scanner])
		}
	}
	if len(all) != total || open != len(isOpen) || open == 0 || open > total {
		t.Errorf("%d findings stored, %d open (%d on the page); the readers emitted %d", len(all), open, len(isOpen), total)
	}
}

// ScubaGear's results land through the one pipeline: detected, stored
// whole in place of the previous ones, recognised the second time.
func TestScubaGearImport(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	sc, scope := riverside(t, s)
	out, err := dataimport.File(ctx, dataimport.Request{Path: testdata("scubagear-results.json"), Name: "ScubaResults.json", Scope: scope})
	if err != nil {
		t.Fatal(err)
	}
	if out.Format != "scubagear" || out.Records != 14 || !out.Fresh || out.Summary[0] != "ScubaResults.json: 14 controls of riversideclinic.onmicrosoft.com (CISA ScubaGear results): 7 passed, 7 failed or warned." {
		t.Errorf("outcome: %+v", out)
	}
	cs, err := sc.ConfigControls(ctx, "scubagear")
	if err != nil || len(cs) != 14 || cs[0].ID != "MS.AAD.1.1v1" || cs[0].Tenant != "riversideclinic.onmicrosoft.com" || cs[0].AssessedAt != "2026-11-28T17:15:48.307Z" {
		t.Fatalf("controls: %v %v", cs, err)
	}
	// The CSV of the same run replaces them.
	out, err = dataimport.File(ctx, dataimport.Request{Path: testdata("scubagear-results.csv"), Name: "ScubaResults.csv", Scope: scope})
	if err != nil || out.Replaced != 14 || out.Records != 14 {
		t.Fatalf("the CSV: %+v %v", out, err)
	}
	if cs, _ := sc.ConfigControls(ctx, "scubagear"); len(cs) != 14 || cs[0].Tenant != "" {
		t.Errorf("after the CSV: %d controls, tenant %q", len(cs), cs[0].Tenant)
	}
	again, err := dataimport.File(ctx, dataimport.Request{Path: testdata("scubagear-results.csv"), Name: "ScubaResults.csv", Scope: scope})
	if err != nil || again.Fresh {
		t.Errorf("again: %+v %v", again, err)
	}
	if _, err := dataimport.File(ctx, dataimport.Request{Path: testdata("scubagear-bad.csv"), Name: "bad.csv", Scope: scope, Format: "scubagear"}); !errs.Is(err, errs.Invalid) {
		t.Errorf("a bad file: %v", err)
	}
	if cs, _ := sc.ConfigControls(ctx, "scubagear"); len(cs) != 14 {
		t.Errorf("a bad file left %d controls", len(cs))
	}
}

// A VEX document, OpenVEX or CycloneDX, lands through the one pipeline,
// closing the open findings its statements say are not affected or fixed.
func TestVEXImport(t *testing.T) {
	for _, c := range []struct {
		file, format, summary string
		open                  int
	}{
		{"openvex.json", "openvex", "openvex.json: 4 VEX statements (OpenVEX): 1 open finding closed as not affected or fixed, 0 opened again.", 2},
		{"cyclonedx-vex.json", "cyclonedx-vex", "cyclonedx-vex.json: 3 VEX statements (CycloneDX VEX): 2 open findings closed as not affected or fixed, 0 opened again.", 1},
	} {
		s := storetest.SQLite(t)
		ctx := context.Background()
		sc, scope := riverside(t, s)
		if _, err := dataimport.File(ctx, dataimport.Request{Path: testdata("cyclonedx-small.json"), Name: "bom.json", Scope: scope}); err != nil {
			t.Fatal(err)
		}
		out, err := dataimport.File(ctx, dataimport.Request{Path: testdata(c.file), Name: c.file, Scope: scope})
		if err != nil {
			t.Fatal(err)
		}
		if out.Format != c.format || out.Summary[0] != c.summary {
			t.Errorf("%s: %+v", c.file, out)
		}
		if n, err := sc.OpenFindings(ctx); err != nil || n != c.open {
			t.Errorf("%s: %d open (%v), want %d", c.file, n, err, c.open)
		}
	}
}
