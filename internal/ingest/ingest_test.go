package ingest_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

// sample opens a real public file of ../shared/data/samples, or skips.
func sample(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "..", "shared", "data", "samples", name))
	if os.IsNotExist(err) {
		t.Skipf("the public samples are not here (%s): see ../shared/data/samples/SOURCES.md", name)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func testdata(t testing.TB, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestReadTheRealKEVCatalog(t *testing.T) {
	c, err := ingest.ReadKEV("known_exploited_vulnerabilities.json", sample(t, "kev/known_exploited_vulnerabilities.json"))
	if err != nil {
		t.Fatal(err)
	}
	ransomware := 0
	for _, e := range c.Entries {
		if e.Ransomware == "Known" {
			ransomware++
		}
	}
	// The figures SOURCES.md gives for this copy.
	if c.Version != "2025.08.25" || len(c.Entries) != 1404 || ransomware != 293 || len(c.SHA256) != 64 || c.Size != 1257565 {
		t.Errorf("catalog %s: %d entries, %d ransomware, %d bytes", c.Version, len(c.Entries), ransomware, c.Size)
	}
	if e := c.Entries[0]; e.CVE != "CVE-2025-48384" || e.Vendor != "Git" || e.DueDate != "2025-09-15" {
		t.Errorf("first entry: %+v", e)
	}
}

func TestReadKEVBadInput(t *testing.T) {
	c, err := ingest.ReadKEV("kev-small.json", testdata(t, "kev-small.json"))
	if err != nil || len(c.Entries) != 3 || c.Entries[0].CWEs[0] != "CWE-77" {
		t.Fatalf("small catalog: %+v %v", c, err)
	}
	for _, tc := range []struct{ file, want string }{
		{"kev-truncated.json", "kev-truncated.json ends early, at vulnerabilities[1]: the file is truncated"},
		{"kev-duplicate.json", "vulnerabilities[2].cveID: CVE-2024-3400 appears twice (first at vulnerabilities[0])"},
		{"kev-duplicate.json", `vulnerabilities[1].dueDate: "soon" is not a date`},
		{"kev-count.json", "the catalog says it holds 4 vulnerabilities but the file has 3"},
		{"epss-small.csv", "is not the KEV catalog's JSON file"},
	} {
		_, err := ingest.ReadKEV(tc.file, testdata(t, tc.file))
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant %q", tc.file, err, tc.want)
		}
	}
	// A 2 GB line is cut off at the limit, never read whole.
	huge := io.MultiReader(strings.NewReader(`{"title": "`), &endless{}, strings.NewReader(`"}`))
	if _, err := ingest.ReadKEV("huge.json", huge); !errs.Is(err, errs.TooLarge) {
		t.Errorf("a 2 GB line: %v", err)
	}
	if _, err := ingest.ReadKEV("extra.json", strings.NewReader(`{"catalogVersion":"1","dateReleased":"2026-01-01T00:00:00Z","count":0,"vulnerabilities":[]} {}`)); err == nil || !strings.Contains(err.Error(), "more after") {
		t.Errorf("trailing data: %v", err)
	}
}

// endless is an endless run of 'a', as a 2 GB line would be.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

func TestReadEPSS(t *testing.T) {
	f, err := ingest.ReadEPSS("epss-small.csv", testdata(t, "epss-small.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if f.Model != "v2026.06.15" || f.ScoreDate != "2026-11-20T00:00:00Z" || len(f.Scores) != 3 || f.Scores[0].CVE != "CVE-2024-3400" || f.Scores[0].EPSS != 0.94387 {
		t.Errorf("epss (CRLF, comment line): %+v", f)
	}
	_, err = ingest.ReadEPSS("epss-bad.csv", testdata(t, "epss-bad.csv"))
	for _, want := range []string{`line 3, column "cve": CVE-2024-3400 appears twice (first on line 2)`, `line 4, column "epss": "1.7" is not a probability`, `line 5, column "cve": "not-a-cve" is not a CVE id`} {
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("bad epss (BOM): %v\nwant %q", err, want)
		}
	}
	real, err := ingest.ReadEPSS("epss_scores_excerpt_first100.csv", sample(t, "epss/epss_scores_excerpt_first100.csv"))
	if err != nil || len(real.Scores) != 100 || real.Model != "v2026.06.15" || real.Scores[0].CVE != "CVE-1999-0001" {
		t.Errorf("the real excerpt: %v %+v", err, real)
	}
}

func FuzzReadKEV(f *testing.F) {
	for _, name := range []string{"kev-small.json", "kev-truncated.json", "kev-duplicate.json", "kev-count.json"} {
		b, _ := os.ReadFile(filepath.Join("testdata", name))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ingest.ReadKEV("fuzz.json", bytes.NewReader(data))
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		for _, e := range c.Entries {
			if !ingest.ValidCVE(e.CVE) {
				t.Fatalf("accepted %q", e.CVE)
			}
		}
	})
}

func FuzzReadEPSS(f *testing.F) {
	for _, name := range []string{"epss-small.csv", "epss-bad.csv"} {
		b, _ := os.ReadFile(filepath.Join("testdata", name))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ingest.ReadEPSS("fuzz.csv", bytes.NewReader(data)); err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
		}
	})
}

func TestReadTrivy(t *testing.T) {
	var got []ingest.Finding
	info, err := ingest.ReadTrivy("trivy-small.json", testdata(t, "trivy-small.json"), func(f ingest.Finding) error { got = append(got, f); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if info.Findings != 3 || info.Artifact != "registry.riverside.example/ehr-interface:2.4" || len(info.SHA256) != 64 {
		t.Errorf("info: %+v", info)
	}
	if f := got[0]; f.CVE != "CVE-2024-3094" || f.Severity != "critical" || f.CVSS != 10 || f.Package != "liblzma5" || !strings.Contains(f.Target, "debian 12.5") {
		t.Errorf("first: %+v", f)
	}
	if f := got[1]; f.CVSS != 7.5 || f.Fixed != "" {
		t.Errorf("second: %+v", f)
	}
	if f := got[2]; f.CVE != "" || f.VulnID != "GHSA-j8r2-6x86-q33q" || f.Severity != "medium" {
		t.Errorf("a GHSA finding: %+v", f)
	}
	// Every result's target is a place the scan covered, with its artifact.
	var targets []string
	for _, sp := range info.Scanned {
		if sp.Artifact != info.Artifact {
			t.Errorf("scanned %+v: artifact", sp)
		}
		targets = append(targets, sp.Target)
	}
	if strings.Join(targets, ",") != "registry.riverside.example/ehr-interface:2.4 (debian 12.5),app/package-lock.json,app/requirements.txt" {
		t.Errorf("scanned targets: %q", targets)
	}
	// The real reports: every vulnerability, schema 2 and legacy alike.
	for name, want := range map[string]int{"legacy_many_vulns.json": 93, "scheme_2_many_vulns.json": 5, "scheme_2_no_vuln.json": 0,
		"trivy_golden_alpine-310.json": 4, "trivy_golden_debian-stretch.json": 5, "trivy_golden_npm.json": 1} {
		n := 0
		info, err := ingest.ReadTrivy(name, sample(t, "trivy/"+name), func(ingest.Finding) error { n++; return nil })
		if err != nil || n != want || info.Findings != want {
			t.Errorf("%s: %d findings, want %d (%v)", name, n, want, err)
		}
	}
	for _, tc := range []struct{ file, want string }{
		{"trivy-truncated.json", "trivy-truncated.json ends early, at Results[1]"},
		{"kev-small.json", "is not a Trivy JSON report"},
		{"epss-small.csv", "not valid JSON"},
	} {
		_, err := ingest.ReadTrivy(tc.file, testdata(t, tc.file), func(ingest.Finding) error { return nil })
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant %q", tc.file, err, tc.want)
		}
	}
}

func FuzzReadTrivy(f *testing.F) {
	for _, name := range []string{"trivy-small.json", "trivy-truncated.json", "kev-small.json", "trivy-k8s.json", "trivy-k8s-summary.json"} {
		b, _ := os.ReadFile(filepath.Join("testdata", name))
		f.Add(b)
	}
	f.Add([]byte(`[{"Target":"x","Vulnerabilities":[{"VulnerabilityID":"CVE-2020-0001"}]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		_, err := ingest.ReadTrivy("fuzz.json", bytes.NewReader(data), func(f ingest.Finding) error {
			if f.VulnID == "" {
				t.Fatal("a finding without an id")
			}
			return nil
		})
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
		}
	})
}

func TestDetect(t *testing.T) {
	for name, want := range map[string]string{
		"kev/known_exploited_vulnerabilities.json": ingest.FormatKEV, "epss/epss_scores_excerpt_first100.csv": ingest.FormatEPSS,
		"trivy/scheme_2_many_vulns.json": ingest.FormatTrivy, "trivy/legacy_many_vulns.json": ingest.FormatTrivy,
		"grype/fix_available.json": ingest.FormatGrype, "sarif/gitleaks_7.5.0.sarif": ingest.FormatSARIF,
		"sbom/cyclonedx_log4j.json": ingest.FormatCycloneDX, "sbom/spdx_many_vuln.json": ingest.FormatSPDX,
		"nessus/nessus_with_cvssv3.nessus": ingest.FormatNessus, "openvas/many_vuln.xml": ingest.FormatOpenVAS,
		"qualys/Qualys_Sample_Report.xml": ingest.FormatQualys,
	} {
		head := make([]byte, 64<<10)
		n, _ := io.ReadFull(sample(t, name), head)
		if got := ingest.Detect(head[:n]); got != want {
			t.Errorf("%s: detected %q, want %q", name, got, want)
		}
	}
	for _, name := range []string{"kev-small.json", "epss-small.csv", "epss-bad.csv", "trivy-small.json"} {
		b, _ := os.ReadFile(filepath.Join("testdata", name))
		if ingest.Detect(b) == "" {
			t.Errorf("%s: not detected", name)
		}
	}
	if got := ingest.Detect([]byte("name,type\nEHR,application\n")); got != "" {
		t.Errorf("an inventory CSV detected as %q", got)
	}
}

func TestReadGrype(t *testing.T) {
	var got []ingest.Finding
	info, err := ingest.ReadGrype("grype-small.json", testdata(t, "grype-small.json"), func(f ingest.Finding) error { got = append(got, f); return nil })
	if err != nil {
		t.Fatal(err)
	}
	if info.Artifact != "registry.riverside.example/portal:7.1" || info.Findings != 2 || len(got) != 2 {
		t.Fatalf("info %+v, %d findings", info, len(got))
	}
	if len(info.Scanned) != 1 || info.Scanned[0].Target != info.Artifact {
		t.Errorf("scanned: %+v", info.Scanned)
	}
	if f := got[0]; f.VulnID != "GHSA-j8r2-6x86-q33q" || f.CVE != "CVE-2023-32681" || f.CVSS != 6.1 || f.Fixed != "2.31.0" || f.Severity != "medium" {
		t.Errorf("a GHSA match with its related CVE: %+v", f)
	}
	if f := got[1]; f.CVE != "CVE-2024-3094" || f.CVSS != 10 || f.Fixed != "" || f.Severity != "critical" {
		t.Errorf("second: %+v", f)
	}
	for name, want := range map[string]int{"fix_available.json": 1, "many_vulns.json": 1509, "many_vulns_with_epss_values.json": 15, "no_vuln.json": 0} {
		n := 0
		info, err := ingest.ReadGrype(name, sample(t, "grype/"+name), func(ingest.Finding) error { n++; return nil })
		if err != nil || n != want || info.Artifact == "" {
			t.Errorf("%s: %d findings, want %d, artifact %q (%v)", name, n, want, info.Artifact, err)
		}
	}
	if _, err := ingest.ReadGrype("trivy-small.json", testdata(t, "trivy-small.json"), func(ingest.Finding) error { return nil }); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "is not a Grype JSON report") {
		t.Errorf("a Trivy file as Grype: %v", err)
	}
}

func FuzzReadGrype(f *testing.F) {
	for _, name := range []string{"grype-small.json", "trivy-small.json"} {
		b, _ := os.ReadFile(filepath.Join("testdata", name))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ingest.ReadGrype("fuzz.json", bytes.NewReader(data), func(ingest.Finding) error { return nil }); err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
		}
	})
}

func TestReadNessus(t *testing.T) {
	var got []ingest.Finding
	info, err := ingest.ReadNessus("nessus-small.nessus", testdata(t, "nessus-small.nessus"), func(f ingest.Finding) error { got = append(got, f); return nil })
	if err != nil {
		t.Fatal(err)
	}
	// The informational item is skipped; the critical one is a finding per CVE.
	if info.Findings != 3 || len(got) != 3 {
		t.Fatalf("%d findings", len(got))
	}
	if f := got[0]; f.Host != "10.0.0.5" || f.CVE != "CVE-2023-27997" || f.Severity != "critical" || f.CVSS != 9.8 || f.VulnID != "nessus:186541" || f.Package != "tcp/443" ||
		strings.Join(f.HostAliases, ",") != "vpn.riverside.example" {
		t.Errorf("first: %+v", f)
	}
	if f := got[2]; f.CVE != "" || f.Severity != "medium" || f.CVSS != 2.6 {
		t.Errorf("a finding without a CVE: %+v", f)
	}
	// The host is a place the scan covered, known also by its alias.
	if len(info.Scanned) != 1 || info.Scanned[0].Host != "10.0.0.5" || strings.Join(info.Scanned[0].Aliases, ",") != "vpn.riverside.example" {
		t.Errorf("scanned: %+v", info.Scanned)
	}
	// The real files: every non-informational item, once per CVE it cites
	// (counted independently of the reader: 0 and 145, of which 137 cite a CVE).
	for name, want := range map[string][2]int{"nessus_many_vuln.xml": {0, 0}, "nessus_with_cvssv3.nessus": {145, 137}} {
		n, cves := 0, 0
		_, err := ingest.ReadNessus(name, sample(t, "nessus/"+name), func(f ingest.Finding) error {
			n++
			if f.CVE != "" {
				cves++
			}
			return nil
		})
		if err != nil || n != want[0] || cves != want[1] {
			t.Errorf("%s: %d findings, %d with a CVE, want %v (%v)", name, n, cves, want, err)
		}
	}
	for _, tc := range []struct{ file, want string }{
		{"nessus-bomb.nessus", "invalid character entity &lol3;"},
		{"nessus-truncated.nessus", "the file is truncated"},
		{"trivy-small.json", "is not a Nessus v2 file"},
	} {
		_, err := ingest.ReadNessus(tc.file, testdata(t, tc.file), func(ingest.Finding) error { return nil })
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v\nwant %q", tc.file, err, tc.want)
		}
	}
	// A 2 GB attribute is refused once it passes 64 MiB.
	huge := io.MultiReader(strings.NewReader(`<NessusClientData_v2><ReportHost name="`), &endless{}, strings.NewReader(`"/>`))
	if _, err := ingest.ReadNessus("huge.nessus", huge, func(ingest.Finding) error { return nil }); !errs.Is(err, errs.TooLarge) || !strings.Contains(err.Error(), "longer than 64 MiB") {
		t.Errorf("a 2 GB attribute: %v", err)
	}
}

func FuzzReadNessus(f *testing.F) {
	for _, name := range []string{"nessus-small.nessus", "nessus-bomb.nessus", "nessus-truncated.nessus"} {
		b, _ := os.ReadFile(filepath.Join("testdata", name))
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := ingest.ReadNessus("fuzz.nessus", bytes.NewReader(data), func(ingest.Finding) error { return nil }); err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
		}
	})
}
