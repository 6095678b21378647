package ingest_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

// readAll runs a scanner format's reader over r, collecting its findings.
func readAll(t testing.TB, format, file string, r io.Reader) ([]ingest.Finding, *ingest.ScanInfo, error) {
	t.Helper()
	read, _, ok := ingest.ScanReaderFor(format)
	if !ok {
		t.Fatalf("no reader for %s", format)
	}
	var got []ingest.Finding
	info, err := read(file, r, func(f ingest.Finding) error { got = append(got, f); return nil })
	if err == nil && info.Findings != len(got) {
		t.Errorf("%s: info says %d findings, %d emitted", file, info.Findings, len(got))
	}
	// One scanner's scan: its newest scan of a place decides its findings.
	for _, f := range got {
		if err == nil && f.Scanner != info.Scanner {
			t.Errorf("%s: a finding of %q in a scan of %q", file, f.Scanner, info.Scanner)
			break
		}
	}
	return got, info, err
}

// line is a finding written out for comparison.
func line(f ingest.Finding) string {
	return fmt.Sprintf("%s|%s|%v|%s|%s|%s|%s|%s|%s|%s|%.1f|%s", f.Scanner, f.Host, f.HostAliases, f.Target, f.Artifact, f.VulnID, f.CVE, f.Package, f.Installed, f.Severity, f.CVSS, f.Title)
}

func expect(t *testing.T, file string, got []ingest.Finding, want ...string) {
	t.Helper()
	if len(got) != len(want) {
		for _, f := range got {
			t.Log(line(f))
		}
		t.Fatalf("%s: %d findings, want %d", file, len(got), len(want))
	}
	for i, f := range got {
		if line(f) != want[i] {
			t.Errorf("%s: finding %d\n got %s\nwant %s", file, i, line(f), want[i])
		}
	}
}

// refused checks each file fails to read with an error of kind and the text.
func refused(t *testing.T, format string, kind errs.Kind, cases map[string]string) {
	t.Helper()
	for file, want := range cases {
		_, _, err := readAll(t, format, file, testdata(t, file))
		if !errs.Is(err, kind) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s as %s: %v\nwant %q", file, format, err, want)
		}
	}
}

// scanSample counts a real sample's findings, and those with a CVE.
func scanSample(t *testing.T, format, name string) (n, cves int, got []ingest.Finding) {
	t.Helper()
	got, _, err := readAll(t, format, name, sample(t, name))
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	for _, f := range got {
		if f.CVE != "" {
			cves++
		}
	}
	return len(got), cves, got
}

func TestReadOpenVAS(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatOpenVAS, "openvas-small.xml", testdata(t, "openvas-small.xml"))
	if err != nil {
		t.Fatal(err)
	}
	// The repeated CVE reference counts once; the Log result is skipped; the
	// old-style <cve> element is read; an empty threat takes its score's band.
	expect(t, "openvas-small.xml", got,
		"openvas|203.0.113.10|[fw01.riverside.example]|||openvas:1.3.6.1.4.1.25623.1.0.170267|CVE-2022-42475|443/tcp||high|9.8|Fortinet FortiOS SSL-VPN Heap Overflow Vulnerability (FG-IR-22-398)",
		"openvas|10.20.0.31|[]|||openvas:1.3.6.1.4.1.25623.1.0.108611|CVE-2019-0708|3389/tcp||high|10.0|Microsoft Windows Remote Desktop Services RCE (BlueKeep)",
		"openvas|10.20.0.12|[]|||openvas:1.3.6.1.4.1.25623.1.0.103440||8443/tcp||medium|5.0|SSL/TLS: Report Weak Cipher Suites")
	if info.Skipped != 1 || info.Size == 0 || len(info.SHA256) != 64 {
		t.Errorf("info: %+v", info)
	}
	// Every host a result is about was covered, in the order met, each once.
	var hosts []string
	for _, sp := range info.Scanned {
		hosts = append(hosts, sp.Host+strings.Join(sp.Aliases, ","))
	}
	if got := strings.Join(hosts, " "); got != "203.0.113.10fw01.riverside.example 10.20.0.31 10.20.0.12" {
		t.Errorf("scanned: %s", got)
	}
	// The real reports: 44 results, a finding per distinct CVE each cites
	// (counted independently with Python's ElementTree: 76 findings, 55 of
	// them with a CVE); the empty report has none.
	n, cves, real := scanSample(t, ingest.FormatOpenVAS, "openvas/many_vuln.xml")
	if n != 76 || cves != 55 || real[0].Host != "192.168.1.1001" || real[0].HostAliases[0] != "b6b9f466d63" {
		t.Errorf("many_vuln.xml: %d findings, %d with a CVE; first %s", n, cves, line(real[0]))
	}
	if n, _, _ := scanSample(t, ingest.FormatOpenVAS, "openvas/no_vuln.xml"); n != 0 {
		t.Errorf("no_vuln.xml: %d findings", n)
	}
	refused(t, ingest.FormatOpenVAS, errs.Invalid, map[string]string{
		"openvas-bomb.xml":      "invalid character entity &lol2;",
		"openvas-truncated.xml": "the file is truncated",
		"qualys-small.xml":      "is not a Greenbone/OpenVAS XML report",
		"trivy-small.json":      "is not a Greenbone/OpenVAS XML report",
	})
	huge := io.MultiReader(strings.NewReader(`<report><report><results><result><host>`), &endless{}, strings.NewReader(`</host></result></results></report></report>`))
	if _, _, err := readAll(t, ingest.FormatOpenVAS, "huge.xml", huge); !errs.Is(err, errs.TooLarge) {
		t.Errorf("a 2 GB element: %v", err)
	}
}

func TestReadQualys(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatQualys, "qualys-small.xml", testdata(t, "qualys-small.xml"))
	if err != nil {
		t.Fatal(err)
	}
	// Information gathered and the fixed detection are skipped; titles,
	// severities and CVEs come from the glossary after the hosts.
	expect(t, "qualys-small.xml", got,
		"qualys|ehr-db.riverside.example|[10.20.0.12 EHRDB]|||qualys:91541|CVE-2020-0796|tcp/445||critical|9.8|Microsoft SMBv3 Compression Remote Code Execution (SMBGhost)",
		"qualys|ehr-db.riverside.example|[10.20.0.12 EHRDB]|||qualys:38794||tcp/1433||medium|5.8|Weak TLS Protocol Versions Supported",
		"qualys|10.20.0.40|[]|||qualys:38794||tcp/1433||medium|5.8|Weak TLS Protocol Versions Supported")
	if info.Skipped != 2 {
		t.Errorf("skipped %d, want 2", info.Skipped)
	}
	// Both hosts of the report were covered, with the names they are known by.
	if len(info.Scanned) != 2 || info.Scanned[0].Host != "ehr-db.riverside.example" || strings.Join(info.Scanned[0].Aliases, " ") != "10.20.0.12 EHRDB" || info.Scanned[1].Host != "10.20.0.40" {
		t.Errorf("scanned: %+v", info.Scanned)
	}
	// The real report: 301 detections, of which 209 are information
	// gathered; the 92 others make 144 findings, 99 with a CVE (counted
	// independently with Python's ElementTree).
	n, cves, real := scanSample(t, ingest.FormatQualys, "qualys/Qualys_Sample_Report.xml")
	hosts := map[string]bool{}
	for _, f := range real {
		hosts[f.Host] = true
	}
	if n != 144 || cves != 99 || len(hosts) != 7 {
		t.Errorf("Qualys_Sample_Report.xml: %d findings, %d with a CVE, %d hosts", n, cves, len(hosts))
	}
	refused(t, ingest.FormatQualys, errs.Invalid, map[string]string{
		"qualys-noglossary.xml": "QID 91541, detected on ehr-db.riverside.example, is not in the report's glossary",
		"openvas-small.xml":     "is not a Qualys ASSET_DATA_REPORT (its root is <report>)",
		"qualys-bomb.xml":       "invalid character entity &lol2;",
		"nessus-bomb.nessus":    "its root is <NessusClientData_v2>",
	})
}

func TestReadQualysCSV(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatQualysCSV, "qualys-scan.csv", testdata(t, "qualys-scan.csv"))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "qualys-scan.csv", got,
		"qualys|xray-pc.riverside.example|[10.20.0.31 XRAY-PC xray-pc.riverside.example]|||qualys:90783|CVE-2019-0708|tcp/3389||critical|9.8|Microsoft Windows Remote Desktop Services Remote Code Execution Vulnerability (BlueKeep)",
		"qualys|xray-pc.riverside.example|[10.20.0.31 XRAY-PC xray-pc.riverside.example]|||qualys:105484||||high|8.5|EOL/Obsolete Operating System: Microsoft Windows 7 Detected",
		"qualys|10.20.0.12|[EHRDB]|||qualys:91541|CVE-2020-0796|tcp/445||critical|10.0|Microsoft SMBv3 Compression RCE",
		"qualys|10.20.0.12|[EHRDB]|||qualys:91541|CVE-2020-1206|tcp/445||critical|10.0|Microsoft SMBv3 Compression RCE")
	// Every host the file names was scanned, the scanner's own with only
	// an informational result too (it is clean).
	if info.Skipped != 2 || fmt.Sprint(info.Scanned) != "[{xray-pc.riverside.example   [10.20.0.31 XRAY-PC xray-pc.riverside.example]} {10.20.0.12   [EHRDB]} {scanner.riverside.example   [10.20.0.40 SCANNER]}]" {
		t.Errorf("skipped %d, scanned %v", info.Skipped, info.Scanned)
	}
	// VMDR's data list: eight rows, five detections with a CVE each, one of
	// them FIXED; the others are the report's title lines.
	n, cves, real := scanSample(t, ingest.FormatQualysCSV, "qualys/qualys_vmdr_many_vulns_cve.csv")
	if n != 4 || cves != 4 || real[2].Host != "WORKSTATION01" || strings.Join(real[2].HostAliases, ",") != "192.168.1.100,192.168.1.101" || real[3].Severity != "critical" {
		t.Errorf("VMDR: %d findings, %d CVEs: %v", n, cves, real)
	}
	refused(t, ingest.FormatQualysCSV, errs.Invalid, map[string]string{
		"qualys-bad.csv":   `line 3, column "Severity": "9" is not a Qualys severity (1 to 5)`,
		"accounts.csv":     `no column "QID"`,
		"entra-users.csv":  `no column "QID"`,
		"epss-small.csv":   `no column "QID"`,
		"kev-small.json":   `line 2: bare " in non-quoted-field`,
		"ad-users.csv":     `no column "QID"`,
		"okta-users.csv":   `no column "QID"`,
		"google-users.csv": `no column "QID"`,
	})
	// Every bad row is named, not only the first.
	_, _, err = readAll(t, ingest.FormatQualysCSV, "qualys-bad.csv", testdata(t, "qualys-bad.csv"))
	if err == nil || !strings.Contains(err.Error(), `line 4, column "QID": "abc" is not a QID`) {
		t.Errorf("every bad row is named: %v", err)
	}
	huge := io.MultiReader(strings.NewReader("\"IP\",\"QID\",\"Title\",\"Severity\"\n\"10.0.0.1\",\"1\",\""), &endless{}, strings.NewReader("\",\"3\"\n"))
	if _, _, err := readAll(t, ingest.FormatQualysCSV, "huge.csv", huge); !errs.Is(err, errs.TooLarge) {
		t.Errorf("a 2 GB line: %v", err)
	}
}

func TestReadSARIF(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatSARIF, "sarif-small.sarif", testdata(t, "sarif-small.sarif"))
	if err != nil {
		t.Fatal(err)
	}
	repo := "https://git.riverside.example/ehr-portal"
	// The rule's security severity bands the finding; a result named by its
	// rule's index finds the rule; the accepted suppression, the passing
	// result and the one gone since the baseline are skipped; the one under
	// review is kept; a dependency checker's CVE rule is the finding's CVE.
	expect(t, "sarif-small.sarif", got,
		"sarif||[]|portal/views.py:42|"+repo+"|codeql:py/sql-injection||||high|8.8|SQL query built from user-controlled sources",
		"sarif||[]|portal/audit.py:7|"+repo+"|codeql:py/clear-text-logging-sensitive-data||||high|7.5|Clear-text logging of sensitive information",
		"sarif||[]|portal/util.py|"+repo+"|codeql:py/unused-import||||low|0.0|Unused import",
		"sarif||[]|portal/search.py:88|"+repo+"|codeql:py/sql-injection||||high|8.8|SQL query built from user-controlled sources",
		"sarif||[]|file:///opt/interface/lib/log4j-core-2.14.1.jar||dependency-check:CVE-2021-44228|CVE-2021-44228|||critical|10.0|CVE-2021-44228 - Apache Log4j2 JNDI features do not protect against attacker controlled LDAP endpoints.")
	if info.Skipped != 3 {
		t.Errorf("skipped %d", info.Skipped)
	}
	// The real logs (counts from the files: CodeQL 72 results, none a CVE;
	// dependency-check 13, 9 of them CVEs; Gitleaks 8; an empty log).
	for name, want := range map[string][2]int{"sarif/codeQL-output.sarif": {72, 0}, "sarif/dependency_check.sarif": {13, 9}, "sarif/gitleaks_7.5.0.sarif": {8, 0}, "sarif/no_runs.sarif": {0, 0}} {
		if n, cves, _ := scanSample(t, ingest.FormatSARIF, name); n != want[0] || cves != want[1] {
			t.Errorf("%s: %d findings, %d with a CVE, want %v", name, n, cves, want)
		}
	}
	refused(t, ingest.FormatSARIF, errs.Invalid, map[string]string{
		"sarif-truncated.sarif": "the file is truncated",
		"sarif-v1.sarif":        `SARIF version "1.0.0" is not supported`,
		"grype-small.json":      "is not a SARIF 2.1.0 log",
		"epss-small.csv":        "is not a SARIF log",
	})
}

func TestReadCycloneDX(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatCycloneDX, "cyclonedx-small.json", testdata(t, "cyclonedx-small.json"))
	if err != nil {
		t.Fatal(err)
	}
	img := "registry.riverside.example/hl7-interface"
	aliases := "[" + img + ":2.3.1 " + img + "@2.3.1]"
	// The vulnerabilities come before the components here: they are held
	// until the components name their packages. A nested component is
	// found; an affected reference no component carries keeps its purl; the
	// not-affected one is skipped.
	expect(t, "cyclonedx-small.json", got,
		"cyclonedx||"+aliases+"|"+img+"|"+img+"|CVE-2021-44228|CVE-2021-44228|org.apache.logging.log4j/log4j-core|2.14.1|critical|10.0|Apache Log4j2 JNDI features do not protect against attacker controlled LDAP and other JNDI related endpoints.",
		"cyclonedx||"+aliases+"|"+img+"|"+img+"|GHSA-jfh8-c2jp-5v3q|CVE-2021-44228|org.apache.logging.log4j/log4j-api|2.14.1|critical|9.0|",
		"cyclonedx||"+aliases+"|"+img+"|"+img+"|GHSA-jfh8-c2jp-5v3q|CVE-2021-44228|pkg:npm/left-pad@1.3.0||critical|9.0|")
	if info.Skipped != 1 || info.Artifact != img || fmt.Sprint(info.Scanned) != "[{ "+img+" "+img+" "+aliases+"}]" {
		t.Errorf("info: %+v", info)
	}
	// The real BOMs: Grype's log4j BOM has 8 vulnerabilities, 4 CVEs; the
	// 1.4 example's one vulnerability is not_affected; the dropwizard BOM
	// has 167 components and no vulnerabilities.
	n, cves, real := scanSample(t, ingest.FormatCycloneDX, "sbom/cyclonedx_log4j.json")
	if n != 8 || cves != 4 || real[0].Package != "log4j-core" || real[0].Installed != "2.13.2" || real[0].CVSS != 10 {
		t.Errorf("log4j BOM: %d findings, %d CVEs, first %s", n, cves, line(real[0]))
	}
	for _, name := range []string{"sbom/cyclonedx_valid-vulnerability-1.4.json", "sbom/cdx-examples_dropwizard-1.3.15_bom.json"} {
		if n, _, _ := scanSample(t, ingest.FormatCycloneDX, name); n != 0 {
			t.Errorf("%s: %d findings", name, n)
		}
	}
	// The same BOM in XML gives the same findings.
	xml, xinfo, err := readAll(t, ingest.FormatCycloneDXXML, "cyclonedx-small.xml", testdata(t, "cyclonedx-small.xml"))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "cyclonedx-small.xml", xml, lines(got)...)
	if fmt.Sprint(xinfo.Scanned) != fmt.Sprint(info.Scanned) || xinfo.Skipped != 1 || xinfo.Artifact != img {
		t.Errorf("XML info: %+v", xinfo)
	}
	// CycloneDX 1.2 and 1.3's vulnerability extension, within the
	// components (nested too) the vulnerabilities affect.
	ext, _, err := readAll(t, ingest.FormatCycloneDXXML, "cyclonedx-ext.xml", testdata(t, "cyclonedx-ext.xml"))
	if err != nil {
		t.Fatal(err)
	}
	fax := "registry.riverside.example/fax-gateway"
	expect(t, "cyclonedx-ext.xml", ext,
		"cyclonedx||["+fax+":1.8.0 "+fax+"@1.8.0]|"+fax+"|"+fax+"|CVE-2021-3449|CVE-2021-3449|libssl1.1|1.1.1d-0+deb10u3|medium|5.9|An OpenSSL TLS server may crash if sent a maliciously crafted renegotiation ClientHello message from a client.",
		"cyclonedx||["+fax+":1.8.0 "+fax+"@1.8.0]|"+fax+"|"+fax+"|CVE-2021-3711|CVE-2021-3711|debian/openssl|1.1.1d-0+deb10u3|critical|9.8|")
	if got, _, err := readAll(t, ingest.FormatCycloneDXXML, "cyclonedx-bom.xml", testdata(t, "cyclonedx-bom.xml")); err != nil || len(got) != 0 {
		t.Errorf("a BOM without vulnerabilities: %v %v", got, err)
	}
	refused(t, ingest.FormatCycloneDXXML, errs.Invalid, map[string]string{
		"openvas-small.xml":    "is not a CycloneDX XML BOM (its root is <report>, not <bom> of CycloneDX's namespace)",
		"nessus-bomb.nessus":   "is not a CycloneDX XML BOM",
		"openvas-bomb.xml":     "is not a CycloneDX XML BOM",
		"cyclonedx-small.json": "is not a CycloneDX XML BOM (no <bom>)",
	})
	for body, want := range map[string]string{
		`<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><vulnerabilities><vulnerability><id> </id></vulnerability></vulnerabilities></bom>`: `line 1, vulnerabilities[0].id is empty`,
		`<bom xmlns="http://cyclonedx.org/schema/bom/1.5"><vulnerabilities><vulnerability><id>CVE-2021-44228</id>`:                            `ends early`,
		``: `no <bom>`,
	} {
		_, _, err := readAll(t, ingest.FormatCycloneDXXML, "b.xml", strings.NewReader(body))
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v\nwant %s", body, err, want)
		}
	}
	refused(t, ingest.FormatCycloneDX, errs.Invalid, map[string]string{
		"cyclonedx-truncated.json": "the file is truncated",
		"cyclonedx-noformat.json":  `bomFormat is "SPDX", not CycloneDX`,
		"spdx-small.json":          "is not a CycloneDX BOM",
		"openvas-small.xml":        "is not a CycloneDX JSON BOM",
	})
}

func TestReadSPDX(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatSPDX, "spdx-small.json", testdata(t, "spdx-small.json"))
	if err != nil {
		t.Fatal(err)
	}
	// Only SECURITY advisories are findings, found in the document written
	// before its name; cpe, fix and url references are not.
	expect(t, "spdx-small.json", got,
		"spdx||[]|pacs-viewer-1.8.0|pacs-viewer-1.8.0|CVE-2022-3602|CVE-2022-3602|openssl|3.0.1|unknown|0.0|https://nvd.nist.gov/vuln/detail/CVE-2022-3602",
		"spdx||[]|pacs-viewer-1.8.0|pacs-viewer-1.8.0|GHSA-35jh-r3h4-6jhm||lodash|4.17.20|unknown|0.0|https://github.com/advisories/GHSA-35jh-r3h4-6jhm")
	if info.Artifact != "pacs-viewer-1.8.0" || fmt.Sprint(info.Scanned) != "[{ pacs-viewer-1.8.0 pacs-viewer-1.8.0 []}]" {
		t.Errorf("info: %+v", info)
	}
	// The real documents: three advisories (one naming no identifier, kept
	// by its address), none, and the SPDX example's one CVE.
	n, cves, real := scanSample(t, ingest.FormatSPDX, "sbom/spdx_many_vuln.json")
	if n != 3 || cves != 2 || real[2].VulnID != "https://example.com/advisories/no-identifier-here" {
		t.Errorf("spdx_many_vuln.json: %d findings, %d CVEs", n, cves)
	}
	if n, _, _ := scanSample(t, ingest.FormatSPDX, "sbom/spdx_no_vuln.json"); n != 0 {
		t.Errorf("spdx_no_vuln.json: %d", n)
	}
	if n, cves, _ := scanSample(t, ingest.FormatSPDX, "sbom/spdx-examples_04-SBOMwSecurity.json"); n != 1 || cves != 1 {
		t.Errorf("the SPDX example: %d findings", n)
	}
	// The same document as tag-value, read with SPDX's own reader.
	tv, tinfo, err := readAll(t, ingest.FormatSPDXTagValue, "spdx-tag-value.spdx", testdata(t, "spdx-tag-value.spdx"))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "spdx-tag-value.spdx", tv, lines(got)...)
	if fmt.Sprint(tinfo.Scanned) != fmt.Sprint(info.Scanned) {
		t.Errorf("tag-value scanned %v", tinfo.Scanned)
	}
	if got, _, err := readAll(t, ingest.FormatSPDXTagValue, "sbom-tag-value.spdx", testdata(t, "sbom-tag-value.spdx")); err != nil || len(got) != 0 {
		t.Errorf("a document without packages: %v %v", got, err)
	}
	refused(t, ingest.FormatSPDXTagValue, errs.Invalid, map[string]string{
		"accounts.csv":    "is not an SPDX 2 tag-value document SPDX's reader accepts",
		"spdx-small.json": "is not an SPDX 2 tag-value document SPDX's reader accepts",
	})
	for body, want := range map[string]string{
		"SPDXVersion: SPDX-3.0\nDocumentName: x\n":                     "unsupported SPDX version",
		"SPDXVersion: SPDX-2.3\nDocumentComment: <text>never closed\n": "is not an SPDX 2 tag-value document",
	} {
		_, _, err := readAll(t, ingest.FormatSPDXTagValue, "s.spdx", strings.NewReader(body))
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v\nwant %s", body, err, want)
		}
	}
	refused(t, ingest.FormatSPDX, errs.Invalid, map[string]string{
		"spdx-3.json":          `spdxVersion "SPDX-3.0" is not supported`,
		"cyclonedx-small.json": "is not an SPDX 2 JSON document",
	})
}

// trivy k8s: each Kubernetes resource is the host of its results'
// findings (namespace/Kind/name, known also by its name), the cluster the
// artifact; a resource scanned clean is listed as scanned; the older
// summary's Vulnerabilities read as the report's Resources.
func TestReadTrivyKubernetes(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatTrivy, "trivy-k8s.json", testdata(t, "trivy-k8s.json"))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "trivy-k8s.json", got,
		"trivy|ehr/Deployment/ehr-api|[ehr-api]|registry.riverside.example/ehr-api:2.3 (debian 12.5)|riverside-prod|CVE-2024-6387|CVE-2024-6387|openssh-client|1:9.2p1-2+deb12u2|high|8.1|openssh: regreSSHion: RCE in OpenSSH's server, on glibc-based Linux systems",
		"trivy|ehr/Deployment/ehr-api|[ehr-api]|registry.riverside.example/ehr-api:2.3 (debian 12.5)|riverside-prod|CVE-2023-45853|CVE-2023-45853|zlib1g|1:1.2.13.dfsg-1|critical|0.0|zlib: integer overflow and resultant heap-based buffer overflow in zipOpenNewFileInZip4_6",
		"trivy|ehr/Deployment/fax-gateway|[fax-gateway]|usr/local/bin/faxd|riverside-prod|CVE-2024-34156|CVE-2024-34156|stdlib|1.22.3|high|0.0|encoding/gob: golang: Calling Decoder.Decode on a message which contains deeply nested structures can cause a panic due to stack exhaustion",
	)
	hosts := map[string]bool{}
	for _, sc := range info.Scanned {
		hosts[sc.Host] = true
	}
	for _, h := range []string{"ehr/Deployment/ehr-api", "ehr/Deployment/fax-gateway", "kube-system/Pod/kube-proxy-x7k2p", "ClusterRole/admin", "billing/CronJob/claims-export"} {
		if !hosts[h] {
			t.Errorf("%s is not listed as scanned: %v", h, hosts)
		}
	}
	if info.Artifact != "riverside-prod" {
		t.Errorf("artifact %q", info.Artifact)
	}
	got, _, err = readAll(t, ingest.FormatTrivy, "trivy-k8s-summary.json", testdata(t, "trivy-k8s-summary.json"))
	if err != nil || len(got) != 1 || got[0].Host != "ehr/StatefulSet/ehr-db" || got[0].VulnID != "CVE-2023-4911" || got[0].Artifact != "riverside-dev" {
		t.Errorf("the summary form: %v %v", got, err)
	}
	bad := `{"ClusterName": "c", "Resources": [{"Results": [{"Target": "x", "Vulnerabilities": []}], "Kind": "Pod", "Name": "p"}]}`
	if _, _, err := readAll(t, ingest.FormatTrivy, "k8s.json", strings.NewReader(bad)); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "Resources[0].Results come before the resource's Kind and Name") {
		t.Errorf("results before the resource's name: %v", err)
	}
}

// A Qualys scan report (<SCAN>, scan-1.dtd): confirmed and potential
// vulnerabilities of each host, a finding per CVE (from the CVE list, else
// the cveid attribute) or one named by its QID; information gathered and
// services passed over; a host with none of them scanned clean; a report
// holding Qualys's error refused with it.
func TestReadQualysScan(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatQualysScan, "qualys-scan-report.xml", testdata(t, "qualys-scan-report.xml"))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "qualys-scan-report.xml", got,
		"qualys|ehr01.riverside.example|[10.20.0.10 EHR01]|||qualys:91345|CVE-2017-0143|445||critical|8.1|Microsoft SMB Server Remote Code Execution Vulnerability (MS17-010)",
		"qualys|ehr01.riverside.example|[10.20.0.10 EHR01]|||qualys:91345|CVE-2017-0144|445||critical|8.1|Microsoft SMB Server Remote Code Execution Vulnerability (MS17-010)",
		"qualys|ehr01.riverside.example|[10.20.0.10 EHR01]|||qualys:38173||3389||low|9.4|SSL Certificate - Signature Verification Failed Vulnerability",
		"qualys|ehr01.riverside.example|[10.20.0.10 EHR01]|||qualys:11827|CVE-2016-2183|443||medium|5.0|HTTP Security Header Not Detected",
	)
	if info.Skipped != 3 || len(info.Scanned) != 2 || info.Scanned[1].Host != "10.20.0.11" || len(info.Scanned[1].Aliases) != 0 {
		t.Errorf("skipped %d, scanned %+v", info.Skipped, info.Scanned)
	}
	refused(t, ingest.FormatQualysScan, errs.Invalid, map[string]string{
		"qualys-scan-error.xml": "holds Qualys's error 5000 instead of results: Invalid value for 'ip' : clinic.invalid. Invalid IP or range.",
		"qualys-small.xml":      "is not a Qualys scan report (its root is <ASSET_DATA_REPORT>, not <SCAN>)",
	})
}

func FuzzReadQualysScan(f *testing.F) {
	fuzzScanner(f, ingest.FormatQualysScan, "qualys-scan-report.xml", "qualys-scan-error.xml", "qualys-small.xml")
}

func TestDetectScannerFormats(t *testing.T) {
	for file, want := range map[string]string{
		"openvas-small.xml": ingest.FormatOpenVAS, "qualys-small.xml": ingest.FormatQualys, "qualys-scan.csv": ingest.FormatQualysCSV,
		"sarif-small.sarif": ingest.FormatSARIF, "cyclonedx-small.json": ingest.FormatCycloneDX, "spdx-small.json": ingest.FormatSPDX,
		"trivy-k8s.json": ingest.FormatTrivy, "trivy-k8s-summary.json": ingest.FormatTrivy, "qualys-scan-report.xml": ingest.FormatQualysScan,
		"nessus-scan.csv": ingest.FormatTenableCSV, "tenable-sc.csv": ingest.FormatTenableCSV, "tenable-vm.csv": ingest.FormatTenableCSV, "nessus-export.csv": ingest.FormatTenableCSV, "openvas-results.csv": ingest.FormatOpenVASCSV, "defender-vulns.json": ingest.FormatDefender, "defender-hunting.csv": ingest.FormatDefender, "inspector-findings.json": ingest.FormatInspector, "osv-scanner.json": ingest.FormatOSVScanner, "dependency-track.json": ingest.FormatDependencyTrack, "wazuh-inventory.json": ingest.FormatWazuh, "cyclonedx-small.xml": ingest.FormatCycloneDXXML, "spdx-tag-value.spdx": ingest.FormatSPDXTagValue, "nexpose-report.xml": ingest.FormatNexpose, "nmap-vulners.xml": ingest.FormatNmap, "nmap-scan.xml": ingest.FormatNmap,
	} {
		b, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if got := ingest.Detect(b); got != want {
			t.Errorf("%s: detected %q, want %q", file, got, want)
		}
	}
}

// fuzzScanner fuzzes a scanner format's reader from the seed files.
func fuzzScanner(f *testing.F, format string, seeds ...string) {
	for _, name := range seeds {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	read, _, _ := ingest.ScanReaderFor(format)
	f.Fuzz(func(t *testing.T, data []byte) {
		n := 0
		info, err := read("fuzz", bytes.NewReader(data), func(ingest.Finding) error { n++; return nil })
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		if info.Findings != n {
			t.Fatalf("info says %d findings, %d emitted", info.Findings, n)
		}
	})
}

func FuzzReadOpenVAS(f *testing.F) {
	fuzzScanner(f, ingest.FormatOpenVAS, "openvas-small.xml", "openvas-bomb.xml", "openvas-truncated.xml")
}

func FuzzReadQualys(f *testing.F) {
	fuzzScanner(f, ingest.FormatQualys, "qualys-small.xml", "qualys-noglossary.xml", "qualys-bomb.xml")
}

func FuzzReadQualysCSV(f *testing.F) {
	fuzzScanner(f, ingest.FormatQualysCSV, "qualys-scan.csv", "qualys-bad.csv")
}

func FuzzReadSARIF(f *testing.F) {
	fuzzScanner(f, ingest.FormatSARIF, "sarif-small.sarif", "sarif-truncated.sarif", "sarif-v1.sarif")
}

func FuzzReadCycloneDX(f *testing.F) {
	fuzzScanner(f, ingest.FormatCycloneDX, "cyclonedx-small.json", "cyclonedx-truncated.json", "cyclonedx-noformat.json")
}

func FuzzReadCycloneDXXML(f *testing.F) {
	fuzzScanner(f, ingest.FormatCycloneDXXML, "cyclonedx-small.xml", "cyclonedx-bom.xml", "cyclonedx-ext.xml")
}

func FuzzReadSPDXTagValue(f *testing.F) {
	fuzzScanner(f, ingest.FormatSPDXTagValue, "spdx-tag-value.spdx", "sbom-tag-value.spdx")
}

func FuzzReadSPDX(f *testing.F) {
	fuzzScanner(f, ingest.FormatSPDX, "spdx-small.json", "spdx-3.json")
}

// The CSV exports of Nessus, Tenable Vulnerability Management and Tenable
// Security Center: a finding per CVE of each row above informational and
// not fixed; Nessus's row per CVE and Security Center's cell of CVEs come
// to the same findings; every host a row names was scanned.
func TestReadTenableCSV(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatTenableCSV, "nessus-scan.csv", testdata(t, "nessus-scan.csv"))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "nessus-scan.csv", got,
		"nessus|10.0.0.5|[]|||nessus:186541|CVE-2022-42475|tcp/443||critical|9.8|Fortinet FortiOS SSL-VPN heap overflow",
		"nessus|10.0.0.5|[]|||nessus:186541|CVE-2023-27997|tcp/443||critical|9.8|Fortinet FortiOS SSL-VPN heap overflow",
		"nessus|10.0.0.5|[]|||nessus:70658||tcp/22||medium|2.6|SSH Server CBC Mode Ciphers Enabled")
	if info.Skipped != 2 || fmt.Sprint(info.Scanned) != "[{10.0.0.5   []} {10.0.0.9   []}]" {
		t.Errorf("skipped %d, scanned %v", info.Skipped, info.Scanned)
	}
	// Rows of empty cells, as a spreadsheet saves the rows after the
	// data, are blank lines.
	b, err := os.ReadFile(filepath.Join("testdata", "nessus-scan.csv"))
	if err != nil {
		t.Fatal(err)
	}
	saved, _, err := readAll(t, ingest.FormatTenableCSV, "saved.csv", bytes.NewReader(append(b, ",,,,,,,,,,,,,,\r\n,,,\r\n"...)))
	if err != nil || len(saved) != len(got) {
		t.Errorf("with empty rows: %d findings, %v", len(saved), err)
	}
	// The same scan as a .nessus file brings the same findings.
	xml, _, err := readAll(t, ingest.FormatNessus, "nessus-small.nessus", testdata(t, "nessus-small.nessus"))
	if err != nil {
		t.Fatal(err)
	}
	key := func(fs []ingest.Finding) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Host+"|"+f.VulnID+"|"+f.CVE+"|"+f.Package)
		}
		slices.Sort(out)
		return out
	}
	if !slices.Equal(key(got), key(xml)) {
		t.Errorf("CSV %v\n .nessus %v", key(got), key(xml))
	}

	got, info, err = readAll(t, ingest.FormatTenableCSV, "tenable-sc.csv", testdata(t, "tenable-sc.csv"))
	if err != nil {
		t.Fatal(err)
	}
	ms17 := "MS17-010: Security Update for Microsoft Windows SMB Server (ETERNALBLUE) (ETERNALCHAMPION) (ETERNALROMANCE) (ETERNALSYNERGY) (WannaCry) (EternalRocks) (Petya) (uncredentialed check)"
	expect(t, "tenable-sc.csv", got,
		`nessus|10.20.0.10|[ehr01.riverside.example RIVERSIDE\EHR01]|||nessus:97833|CVE-2017-0143|tcp/445||critical|8.1|`+ms17,
		`nessus|10.20.0.10|[ehr01.riverside.example RIVERSIDE\EHR01]|||nessus:97833|CVE-2017-0144|tcp/445||critical|8.1|`+ms17,
		`nessus|10.20.0.10|[ehr01.riverside.example RIVERSIDE\EHR01]|||nessus:97833|CVE-2017-0145|tcp/445||critical|8.1|`+ms17,
		"nessus|10.20.0.11|[pacs.riverside.example]|||nessus:51192||tcp/443||medium|6.5|SSL Certificate Cannot Be Trusted")
	if info.Skipped != 1 || len(info.Scanned) != 2 {
		t.Errorf("skipped %d, scanned %v", info.Skipped, info.Scanned)
	}

	got, info, err = readAll(t, ingest.FormatTenableCSV, "tenable-vm.csv", testdata(t, "tenable-vm.csv"))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "tenable-vm.csv", got,
		"nessus|10.20.0.31|[lab-ws3.riverside.example lab-ws3]|||nessus:190481|CVE-2024-21412|tcp/0||high|8.1|Microsoft Edge (Chromium) < 121.0.2277.128 Multiple Vulnerabilities",
		"nessus|10.20.0.31|[lab-ws3.riverside.example lab-ws3]|||nessus:153953||tcp/22||low|3.7|SSH Weak Key Exchange Algorithms Enabled")
	if info.Skipped != 1 {
		t.Errorf("the FIXED row: skipped %d", info.Skipped)
	}

	refused(t, ingest.FormatTenableCSV, errs.Invalid, map[string]string{
		"tenable-bad.csv": `line 2, column "Risk": "Severe" is not a severity (None, Low, Medium, High, Critical or 0 to 4)`,
		"qualys-scan.csv": `no column "Plugin ID"`,
		"accounts.csv":    `no column "Plugin ID"`,
	})
	_, _, err = readAll(t, ingest.FormatTenableCSV, "tenable-bad.csv", testdata(t, "tenable-bad.csv"))
	for _, want := range []string{`line 4, column "Plugin ID": "ninety" is not a plugin id`, `line 5, column "Host": the row names no host`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("every bad row is named: %v\nwant %s", err, want)
		}
	}
}

func FuzzReadTenableCSV(f *testing.F) {
	fuzzScanner(f, ingest.FormatTenableCSV, "nessus-scan.csv", "tenable-sc.csv", "tenable-vm.csv", "tenable-bad.csv")
}

// Greenbone's CSV Results report brings the findings its XML report of the
// same scan does.
func TestReadOpenVASCSV(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatOpenVASCSV, "openvas-results.csv", testdata(t, "openvas-results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	xml, xinfo, err := readAll(t, ingest.FormatOpenVAS, "openvas-small.xml", testdata(t, "openvas-small.xml"))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "openvas-results.csv", got, lines(xml)...)
	if info.Skipped != xinfo.Skipped || fmt.Sprint(info.Scanned) != fmt.Sprint(xinfo.Scanned) {
		t.Errorf("skipped %d, scanned %v; the XML: %d, %v", info.Skipped, info.Scanned, xinfo.Skipped, xinfo.Scanned)
	}
	_, _, err = readAll(t, ingest.FormatOpenVASCSV, "openvas-bad.csv", testdata(t, "openvas-bad.csv"))
	for _, want := range []string{
		`line 2, column "CVSS": "eleven" is not a CVSS score`,
		`line 3, column "NVT OID": the result names no NVT`,
		`line 3, column "IP": the result names no host`,
		`line 4, column "Severity": "Severe" is not a Greenbone severity`,
	} {
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nwant %s", err, want)
		}
	}
	refused(t, ingest.FormatOpenVASCSV, errs.Invalid, map[string]string{"tenable-sc.csv": `no column "IP" or "NVT OID", which a Greenbone CSV Results report has`})
}

// lines are findings written out for comparison.
func lines(fs []ingest.Finding) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = line(f)
	}
	return out
}

func FuzzReadOpenVASCSV(f *testing.F) {
	fuzzScanner(f, ingest.FormatOpenVASCSV, "openvas-results.csv", "openvas-bad.csv")
}

// Defender Vulnerability Management's software vulnerabilities per
// device, as the export API's JSON and as a CSV of the advanced hunting
// table: a finding per row with a CVE, on the device's FQDN (known also by
// its first label and its id); a device with no CVE left is clean.
func TestReadDefender(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatDefender, "defender-vulns.json", testdata(t, "defender-vulns.json"))
	if err != nil {
		t.Fatal(err)
	}
	ws3 := "lab-ws3.riverside.example|[lab-ws3 4bd2f4e1a7c0a5d2e2f1b0c9d8e7f6a5b4c3d2e1]"
	expect(t, "defender-vulns.json", got,
		"defender|"+ws3+"|||CVE-2024-21412|CVE-2024-21412|microsoft edge|121.0.2277.106|high|8.1|microsoft edge 121.0.2277.106",
		"defender|"+ws3+"|||CVE-2024-21338|CVE-2024-21338|microsoft windows_11|10.0.22631.3007|high|7.8|microsoft windows_11 10.0.22631.3007")
	if got[1].Fixed != "February 2024 Security Updates" || info.Skipped != 1 || len(info.Scanned) != 2 || info.Scanned[1].Host != "frontdesk-02.riverside.example" {
		t.Errorf("fixed %q, skipped %d, scanned %v", got[1].Fixed, info.Skipped, info.Scanned)
	}

	got, info, err = readAll(t, ingest.FormatDefender, "defender-hunting.csv", testdata(t, "defender-hunting.csv"))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "defender-hunting.csv", got,
		"defender|"+ws3+"|||CVE-2024-21412|CVE-2024-21412|microsoft edge|121.0.2277.106|high|0.0|microsoft edge 121.0.2277.106",
		"defender|"+ws3+"|||CVE-2024-21338|CVE-2024-21338|microsoft windows_11|10.0.22631.3007|high|0.0|microsoft windows_11 10.0.22631.3007",
		"defender|10.20.0.40|[77e1c2d3b4a5968778695a4b3c2d1e0f9a8b7c6d]|||CVE-2023-0286|CVE-2023-0286|openssl openssl|3.0.2|critical|0.0|openssl openssl 3.0.2")
	if len(info.Scanned) != 2 {
		t.Errorf("scanned %v", info.Scanned)
	}

	_, _, err = readAll(t, ingest.FormatDefender, "defender-bad.csv", testdata(t, "defender-bad.csv"))
	for _, want := range []string{
		`line 2, column "CveId": "CVE-24-1" is not a CVE id`,
		`line 3, column "DeviceName": the row names no device`,
		`line 4, column "VulnerabilitySeverityLevel": "Severe" is not a severity`,
		`line 5, column "CvssScore": "78" is not a CVSS score`,
	} {
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nwant %s", err, want)
		}
	}
	for name, body := range map[string]string{
		`{"value": [{"deviceName": "a", "cveId": "CVE-1"}]}`: `value[0].cveId "CVE-1" is not a CVE id`,
		`{"value": [{"cveId": "CVE-2024-21338"}]}`:           `value[0] names no device`,
		`{"items": []}`:                  `no "value" array of records`,
		`{"value": {"deviceName": "a"}}`: `value should be an array`,
		`{"value": [{"deviceName": "a", "cvssScore": "high"}]}`: `field "cvssScore" should be float64`,
		`{"value": [] } {}`: `there is more after the document's end`,
	} {
		_, _, err := readAll(t, ingest.FormatDefender, "d.json", strings.NewReader(name))
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), body) {
			t.Errorf("%s: %v\nwant %s", name, err, body)
		}
	}
	// An export that found nothing is read as one.
	if got, info, err := readAll(t, ingest.FormatDefender, "d.json", strings.NewReader(`{"@odata.context": "x", "value": []}`)); err != nil || len(got) != 0 || len(info.Scanned) != 0 {
		t.Errorf("an empty export: %v %v", got, err)
	}
}

func FuzzReadDefender(f *testing.F) {
	fuzzScanner(f, ingest.FormatDefender, "defender-vulns.json", "defender-hunting.csv", "defender-bad.csv")
}

// Amazon Inspector's findings: each active one on each of its resources —
// an EC2 instance as a host (its id, addresses and Name tag), an image or
// a Lambda function as a target — a package vulnerability once per
// package, named by its CVE (or the CVE its advisory relates to), a
// network reachability finding by its ports, a code vulnerability by its
// detector on its file and line; closed and suppressed ones skipped, the
// resources they are on scanned.
func TestReadInspector(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatInspector, "inspector-findings.json", testdata(t, "inspector-findings.json"))
	if err != nil {
		t.Fatal(err)
	}
	web := "inspector|i-0a1b2c3d4e5f67890|[10.40.1.15 203.0.113.40 patient-portal-web]||"
	expect(t, "inspector-findings.json", got,
		web+"|CVE-2024-6387|CVE-2024-6387|openssh-server|8.7p1|high|8.1|CVE-2024-6387 - openssh-server, openssh",
		web+"|CVE-2024-6387|CVE-2024-6387|openssh|8.7p1|high|8.1|CVE-2024-6387 - openssh-server, openssh",
		web+"|inspector:network-reachability:tcp/22||tcp/22||medium|5.3|Port 22 is reachable from an Internet Gateway - TCP",
		"inspector||[]|scheduling-api:2.3.0||GHSA-qwph-4952-7xr6|CVE-2022-23540|jsonwebtoken|8.5.1|high|7.6|GHSA-qwph-4952-7xr6 - jsonwebtoken",
		"inspector||[]|intake-form-handler||inspector:python/sql-injection@v1.0||src/handler.py:41||critical|9.1|CWE-89 - SQL injection")
	if got[0].Fixed != "0:8.7p1-8.amzn2023.0.11" || info.Skipped != 2 || len(info.Scanned) != 4 || info.Scanned[3].Host != "i-0f9e8d7c6b5a43210" {
		t.Errorf("fixed %q, skipped %d, scanned %+v", got[0].Fixed, info.Skipped, info.Scanned)
	}
	refusedBodies(t, func(r io.Reader) error { _, _, err := readAll(t, ingest.FormatInspector, "i.json", r); return err }, map[string]string{
		`{}`:                                   `no "findings" array`,
		`[]`:                                   `it is a JSON array, not an object`,
		`{"findings": [{"status": "ACTIVE"}]}`: `findings[0] has no resources`,
		`{"findings": [{"status": "ACTIVE", "severity": "HIGH", "resources": [{"id": "i-1"}]}]}`:                                    `findings[0] is a typeless finding without its details`,
		`{"findings": [{"status": "ACTIVE", "severity": "HIGH", "resources": [{"id": "i-1"}], "packageVulnerabilityDetails": {}}]}`: `findings[0].packageVulnerabilityDetails.vulnerabilityId is empty`,
		`{"findings": [{"resources": [{}]}]}`:                                      `findings[0].resources[0] has no id`,
		`{"findings": [{"resources": [{"id": "i-1"}], "inspectorScore": "high"}]}`: `field "inspectorScore" should be float64`,
		`{"findings": [`: `ends early`,
	})
	if got, _, err := readAll(t, ingest.FormatInspector, "i.json", strings.NewReader(`{"findings": []}`)); err != nil || len(got) != 0 {
		t.Errorf("no findings: %v %v", got, err)
	}
}

func FuzzReadInspector(f *testing.F) {
	fuzzScanner(f, ingest.FormatInspector, "inspector-findings.json")
}

// OSV-Scanner's JSON: a finding per vulnerability group of each package of
// each source, named by its first id with the CVE among its aliases, its
// highest CVSS score, the first fixed version; groups its analysis marks
// unimportant skipped; a source without vulnerable packages scanned clean.
func TestReadOSVScanner(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatOSVScanner, "osv-scanner.json", testdata(t, "osv-scanner.json"))
	if err != nil {
		t.Fatal(err)
	}
	lock := "osv-scanner||[]|/src/patient-portal/package-lock.json|"
	expect(t, "osv-scanner.json", got,
		lock+"|GHSA-27h2-hvpr-p74q|CVE-2022-23529|jsonwebtoken|8.5.1|high|7.6|jsonwebtoken has insecure input validation in jwt.verify function",
		lock+"|MAL-2023-1035||flot-axis|0.0.0|unknown|0.0|Malicious code in flot-axis (npm)")
	if got[0].Fixed != "9.0.0" || got[1].Fixed != "" || info.Skipped != 1 || fmt.Sprint(info.Scanned) != "[{ /src/patient-portal/package-lock.json  []} { /src/scheduling/go.mod  []}]" {
		t.Errorf("fixed %q %q, skipped %d, scanned %v", got[0].Fixed, got[1].Fixed, info.Skipped, info.Scanned)
	}
	refusedBodies(t, func(r io.Reader) error { _, _, err := readAll(t, ingest.FormatOSVScanner, "o.json", r); return err }, map[string]string{
		`{"experimental_config": {}}`:     `no "results" array`,
		`{"results": [{"packages": []}]}`: `results[0] has no source`,
		`{"results": [{"source": {"path": ""}, "packages": [{"groups": [{"ids": ["X"]}]}]}]}`: `results[0].source.path is empty`,
		`{"results": [{"source": {"path": "a"}, "packages": [{"groups": [{"ids": []}]}]}]}`:   `results[0].packages[0].groups[0] has no id`,
		`{"results": [{"source": {"path": "a"}, "packages": {}}]}`:                            `results[0].packages should be an array`,
		`{"results": [{"source": {"path": "a"}, "packages": [{"groups": 3}]}]}`:               `field "groups" should be`,
	})
	// A source written after its packages is read the same.
	moved := `{"results": [{"packages": [{"package": {"name": "p", "version": "1"}, "groups": [{"ids": ["CVE-2024-12345"], "max_severity": "9.8"}]}], "source": {"path": "/x/go.mod"}}]}`
	if got, _, err := readAll(t, ingest.FormatOSVScanner, "o.json", strings.NewReader(moved)); err != nil || len(got) != 1 || got[0].Target != "/x/go.mod" || got[0].CVE != "CVE-2024-12345" || got[0].Severity != "critical" {
		t.Errorf("source last: %+v %v", got, err)
	}
}

func FuzzReadOSVScanner(f *testing.F) {
	fuzzScanner(f, ingest.FormatOSVScanner, "osv-scanner.json")
}

// Dependency-Track's findings export: a finding per finding not
// suppressed, resolved, false positive or not affected, the component as
// the package, the CVE from the id or its aliases; the project (wherever
// the file writes it) is the target, given through ScanInfo's Artifact.
func TestReadDependencyTrack(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatDependencyTrack, "dependency-track.json", testdata(t, "dependency-track.json"))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "dependency-track.json", got,
		"dependency-track||[]|||CVE-2021-44228|CVE-2021-44228|org.apache.logging.log4j/log4j-core|2.14.1|critical|10.0|Apache Log4j2 JNDI features do not protect against attacker controlled LDAP",
		"dependency-track||[]|||GHSA-g4mx-q9vg-27p4|CVE-2023-45803|urllib3|1.26.16|medium|4.2|urllib3's request body not stripped after redirect from 303 status changes request method to GET",
		"dependency-track||[]|||sonatype-2021-4879||minimist|1.2.5|medium|5.0|")
	if info.Artifact != "patient-portal" || info.Skipped != 1 || fmt.Sprint(info.Scanned) != "[{ patient-portal patient-portal []}]" {
		t.Errorf("artifact %q, skipped %d, scanned %v", info.Artifact, info.Skipped, info.Scanned)
	}
	refusedBodies(t, func(r io.Reader) error {
		_, _, err := readAll(t, ingest.FormatDependencyTrack, "d.json", r)
		return err
	}, map[string]string{
		`{"version": "1.2"}`:                           `no "findings" array`,
		`{"findings": []}`:                             `the export names no project`,
		`{"project": {"name": "p"}, "findings": [{}]}`: `findings[0].vulnerability.vulnId is empty`,
		`{"project": {"name": "p"}, "findings": [{"vulnerability": {"vulnId": "X", "cvssV3BaseScore": "9"}}]}`: `field "vulnerability.cvssV3BaseScore" should be float64`,
	})
}

func FuzzReadDependencyTrack(f *testing.F) {
	fuzzScanner(f, ingest.FormatDependencyTrack, "dependency-track.json")
}

// Wazuh's vulnerability inventory: a finding per document on the agent's
// name; its alerts, which report changes, are refused by name.
func TestReadWazuh(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatWazuh, "wazuh-inventory.json", testdata(t, "wazuh-inventory.json"))
	if err != nil {
		t.Fatal(err)
	}
	expect(t, "wazuh-inventory.json", got,
		`wazuh|pacs-gw01|[]|||CVE-2024-6387|CVE-2024-6387|openssh-server|1:8.9p1-3ubuntu0.6|high|8.1|A security regression (CVE-2006-5051) was discovered in OpenSSH's server (sshd).\nThere is a race condition which can lead sshd to handle some signals in an unsafe manner.`,
		"wazuh|pacs-gw01|[]|||CVE-2025-0001|CVE-2025-0001|libexample1|1.0.2|unknown|0.0|Under evaluation.",
		"wazuh|EHR-APP02|[]|||CVE-2023-38545|CVE-2023-38545|curl|8.0.1|critical|9.8|This flaw makes curl overflow a heap based buffer in the SOCKS5 proxy handshake.")
	if fmt.Sprint(info.Scanned) != "[{pacs-gw01   []} {EHR-APP02   []}]" {
		t.Errorf("scanned %v", info.Scanned)
	}
	// Its documents as one array read the same.
	docs := `[{"agent": {"name": "pacs-gw01"}, "package": {"name": "curl", "version": "8.0.1"}, "vulnerability": {"id": "CVE-2023-38545", "severity": "Critical"}}]`
	if got, _, err := readAll(t, ingest.FormatWazuh, "w.json", strings.NewReader(docs)); err != nil || len(got) != 1 || got[0].Host != "pacs-gw01" || got[0].Severity != "critical" {
		t.Errorf("an array of documents: %+v %v", got, err)
	}
	refusedBodies(t, func(r io.Reader) error { _, _, err := readAll(t, ingest.FormatWazuh, "w.json", r); return err }, map[string]string{
		`{"took": 1}`: `is not a Wazuh vulnerability inventory`,
		`{"hits": {"hits": [{"_source": {"vulnerability": {"id": "CVE-2023-38545"}}}]}}`: `hits.hits[0] names no agent`,
		`{"hits": {"hits": [{"_source": {"agent": {"name": "a"}}}]}}`:                    `hits.hits[0].vulnerability.id is empty`,
		`{"hits": []}`: `hits should be an object`,
	})
	b, err := os.ReadFile(filepath.Join("testdata", "wazuh-alert.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := ingest.Detect(b); got != "" {
		t.Errorf("a Wazuh alert detected as %q", got)
	}
	if label, hint := ingest.Unread(b); label != "Wazuh alerts (vulnerability detector events)" || !strings.Contains(hint, "wazuh-states-vulnerabilities") {
		t.Errorf("a Wazuh alert: %q, %q", label, hint)
	}
}

func FuzzReadWazuh(f *testing.F) {
	fuzzScanner(f, ingest.FormatWazuh, "wazuh-inventory.json")
}

// Rapid7 Nexpose / InsightVM's XML Export: each vulnerable test of a node
// or of a service of its endpoints, a finding per CVE of its definition
// (written after the nodes), on the node's address known also by its
// names; a dead node not scanned.
func TestReadNexpose(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatNexpose, "nexpose-report.xml", testdata(t, "nexpose-report.xml"))
	if err != nil {
		t.Fatal(err)
	}
	ehr := "nexpose|10.20.0.10|[ehr01.riverside.example EHR01]||"
	ms17 := "MS17-010: Security Update for Microsoft Windows SMB Server (4013389)"
	expect(t, "nexpose-report.xml", got,
		ehr+"|nexpose:windows-hotfix-ms17-010|CVE-2017-0143|||high|8.1|"+ms17,
		ehr+"|nexpose:windows-hotfix-ms17-010|CVE-2017-0144|||high|8.1|"+ms17,
		ehr+"|nexpose:rdp-weak-encryption||tcp/3389||medium|0.0|Remote Desktop Protocol Weak Encryption Method Allowed",
		ehr+"|nexpose:ssl-cve-2016-2183-sweet32|CVE-2016-2183|tcp/3389||medium|5.0|TLS/SSL Birthday attacks on 64-bit block ciphers (SWEET32)")
	if info.Skipped != 2 || fmt.Sprint(info.Scanned) != "[{10.20.0.10   [ehr01.riverside.example EHR01]} {10.20.0.11   []}]" {
		t.Errorf("skipped %d, scanned %v", info.Skipped, info.Scanned)
	}
	refusedBodies(t, func(r io.Reader) error { _, _, err := readAll(t, ingest.FormatNexpose, "n.xml", r); return err }, map[string]string{
		`<NexposeReport version="2.0"><nodes><node address="10.0.0.1" status="alive"><tests><test id="x" status="vulnerable-exploited"/></tests></node></nodes><VulnerabilityDefinitions/></NexposeReport>`: `vulnerability "x", found on 10.0.0.1, is not in the report's VulnerabilityDefinitions`,
		`<NexposeReport version="2.0"><nodes><node status="alive"/></nodes></NexposeReport>`:                                                                                                                `line 1: a node without an address`,
		`<NexposeReport version="2.0"><nodes><node address="10.0.0.1"><tests><test status="vulnerable-version"/></tests></node></nodes></NexposeReport>`:                                                    `a vulnerable test without an id`,
		`<NexposeReport version="2.0"><nodes>`: `ends early`,
	})
	refused(t, ingest.FormatNexpose, errs.Invalid, map[string]string{
		"openvas-small.xml": "is not a Nexpose XML Export report (its root is <report>, not <NexposeReport>)",
		"qualys-bomb.xml":   "is not a Nexpose XML Export report",
	})
}

func FuzzReadNexpose(f *testing.F) {
	fuzzScanner(f, ingest.FormatNexpose, "nexpose-report.xml")
}

// Nmap's XML: hosts found up are scanned; the CVEs the vulners script
// lists and the vulnerabilities of NSE's vulns library are findings; a
// result found not vulnerable is skipped, a host found down not scanned.
func TestReadNmap(t *testing.T) {
	got, info, err := readAll(t, ingest.FormatNmap, "nmap-vulners.xml", testdata(t, "nmap-vulners.xml"))
	if err != nil {
		t.Fatal(err)
	}
	ehr := "nmap|10.20.0.10|[ehr01.riverside.example]||"
	expect(t, "nmap-vulners.xml", got,
		ehr+"|CVE-2023-38408|CVE-2023-38408|tcp/22||critical|9.8|OpenSSH 8.9p1 Ubuntu 3ubuntu0.6",
		ehr+"|CVE-2024-6387|CVE-2024-6387|tcp/22||high|8.1|OpenSSH 8.9p1 Ubuntu 3ubuntu0.6",
		ehr+"|nmap:smb-vuln-ms17-010|CVE-2017-0143|||unknown|0.0|Remote Code Execution vulnerability in Microsoft SMBv1 servers (ms17-010)")
	if info.Skipped != 1 || fmt.Sprint(info.Scanned) != "[{10.20.0.10   [ehr01.riverside.example]} {10.20.0.11   []}]" {
		t.Errorf("skipped %d, scanned %v", info.Skipped, info.Scanned)
	}
	// A discovery scan: hosts and services, no finding.
	got, info, err = readAll(t, ingest.FormatNmap, "nmap-scan.xml", testdata(t, "nmap-scan.xml"))
	if err != nil || len(got) != 0 || len(info.Scanned) != 1 || info.Scanned[0].Host != "10.0.0.5" {
		t.Errorf("discovery: %v %+v %v", got, info, err)
	}
	refused(t, ingest.FormatNmap, errs.Invalid, map[string]string{
		"openvas-small.xml": "is not Nmap's XML output (its root is <report>, not <nmaprun>)",
	})
	if _, _, err := readAll(t, ingest.FormatNmap, "n.xml", strings.NewReader(`<nmaprun><host><status state="up"/></host></nmaprun>`)); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "line 1: a host up without an IP address") {
		t.Errorf("a host without an address: %v", err)
	}
}

func FuzzReadNmap(f *testing.F) {
	fuzzScanner(f, ingest.FormatNmap, "nmap-vulners.xml", "nmap-scan.xml")
}

// ScubaGear's results, as its JSON (with the byte-order mark PowerShell
// writes, and the tenant's raw settings passed over) and as its CSV: each
// control with its id, product, requirement and details as text.
func TestReadScuba(t *testing.T) {
	rep, err := ingest.ReadScuba("scubagear-results.json", testdata(t, "scubagear-results.json"))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Tenant != "riversideclinic.onmicrosoft.com" || rep.TenantID != "4f1c2a9e-7b3d-4e21-9a6c-2d8e5f0b1c37" || rep.ToolVersion != "1.8.0" || rep.At != "2026-11-28T17:15:48.307Z" || len(rep.SHA256) != 64 {
		t.Errorf("report: %+v", rep)
	}
	got := func(rep *ingest.ScubaReport) []string {
		var out []string
		for _, c := range rep.Controls {
			out = append(out, c.Product+"|"+c.ID+"|"+c.Result+"|"+c.Criticality+"|"+c.Requirement+"|"+c.Details)
		}
		return out
	}
	js := got(rep)
	want := []string{
		"AAD|MS.AAD.1.1v1|Pass|Shall|Legacy authentication SHALL be blocked.|1 conditional access policy(s) found that meet(s) all requirements: Block legacy authentication.",
		"AAD|MS.AAD.3.1v1|Fail|Shall|Phishing-resistant MFA SHALL be enforced for all users.|0 conditional access policy(s) found that meet(s) all requirements.",
	}
	if len(js) != 14 || js[0] != want[0] || js[1] != want[1] || !strings.HasPrefix(js[13], "EXO|MS.EXO.4.3v1|Fail|Shall|The DMARC point of contact for aggregate reports SHALL include `reports@dmarc.cyber.dhs.gov`.") {
		t.Errorf("controls:\n%s", strings.Join(js, "\n"))
	}
	csvRep, err := ingest.ReadScuba("scubagear-results.csv", testdata(t, "scubagear-results.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got(csvRep), js) || csvRep.Tenant != "" {
		t.Errorf("the CSV:\n%s", strings.Join(got(csvRep), "\n"))
	}
	_, err = ingest.ReadScuba("scubagear-bad.csv", testdata(t, "scubagear-bad.csv"))
	for _, want := range []string{`line 2, column "Control ID": "MS.AAD.3.2" is not a SCuBA policy id`, `line 3, column "Result": the control has no result`} {
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%v\nwant %s", err, want)
		}
	}
	refusedBodies(t, func(r io.Reader) error { _, err := ingest.ReadScuba("s.json", r); return err }, map[string]string{
		`{"MetaData": {"Tool": "Other"}}`: `MetaData.Tool is "Other", not ScubaGear`,
		`{"MetaData": {}}`:                `no "Results"`,
		`{"Results": {"AAD": [{"Controls": [{"Control ID": "AAD-1", "Result": "Pass"}]}]}}`: `Results.AAD[0].Controls[0]: "AAD-1" is not a SCuBA policy id`,
		`{"Results": {"AAD": [{"Controls": [{"Control ID": "MS.AAD.1.1v1"}]}]}}`:            `Results.AAD[0].Controls[0] (MS.AAD.1.1v1) has no Result`,
		`{"Results": {"AAD": {}}}`: `Results.AAD is not a list`,
	})
}

func FuzzReadScuba(f *testing.F) {
	for _, name := range []string{"scubagear-results.json", "scubagear-results.csv", "scubagear-bad.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rep, err := ingest.ReadScuba("fuzz", bytes.NewReader(data))
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		for _, c := range rep.Controls {
			if c.ID == "" || c.Product == "" || c.Result == "" {
				t.Fatalf("a control without its id, product or result: %+v", c)
			}
		}
	})
}

// An OpenVEX document's statements: v0.2.0's objects and v0.0.x's
// strings, each validated as the specification requires; and what each
// matches.
func TestReadOpenVEX(t *testing.T) {
	doc, err := ingest.ReadOpenVEX("openvex.json", testdata(t, "openvex.json"))
	if err != nil {
		t.Fatal(err)
	}
	if doc.ID != "https://riverside.example/vex/hl7-interface-2026-12-01" || doc.Author == "" || len(doc.Statements) != 4 || len(doc.SHA256) != 64 {
		t.Fatalf("document: %+v", doc)
	}
	log4j, openssl, curl := doc.Statements[0], doc.Statements[1], doc.Statements[2]
	if log4j.Reason() != "not_affected: vulnerable_code_not_in_execute_path" || !log4j.Suppresses() || openssl.Reason() != "fixed" || openssl.At != "2026-12-01T10:00:00Z" || curl.Suppresses() {
		t.Errorf("statements: %+v", doc.Statements)
	}
	img := "registry.riverside.example/hl7-interface"
	for _, c := range []struct {
		st   ingest.VEXStatement
		subj ingest.VEXSubject
		want bool
	}{
		// The product is the image, the subcomponent the package in it.
		{log4j, ingest.VEXSubject{VulnID: "CVE-2021-44228", CVE: "CVE-2021-44228", Package: "org.apache.logging.log4j:log4j-core", Installed: "2.14.1", Places: []string{img + ":2.3.1"}}, true},
		{log4j, ingest.VEXSubject{VulnID: "GHSA-jfh8-c2jp-5v3q", Package: "log4j-core", Installed: "2.14.1", Places: []string{img}}, true},
		{log4j, ingest.VEXSubject{VulnID: "CVE-2021-44228", CVE: "CVE-2021-44228", Package: "log4j-core", Installed: "2.14.1", Places: []string{"registry.riverside.example/other"}}, false},
		{log4j, ingest.VEXSubject{VulnID: "CVE-2021-44228", CVE: "CVE-2021-44228", Package: "log4j-core", Installed: "2.17.0", Places: []string{img}}, false},
		{log4j, ingest.VEXSubject{VulnID: "CVE-2021-45046", Package: "log4j-core", Installed: "2.14.1", Places: []string{img}}, false},
		// A named product (an SBOM's subject) with its package.
		{openssl, ingest.VEXSubject{VulnID: "CVE-2022-3602", CVE: "CVE-2022-3602", Package: "openssl", Installed: "3.0.1", Places: []string{"pacs-viewer-1.8.0"}}, true},
		// A package URL as the product: the package anywhere.
		{curl, ingest.VEXSubject{VulnID: "CVE-2023-38545", CVE: "CVE-2023-38545", Package: "curl", Installed: "7.88.1-10", Places: []string{"ehr01"}}, true},
		{curl, ingest.VEXSubject{VulnID: "CVE-2023-38545", CVE: "CVE-2023-38545", Package: "curl", Installed: "8.4.0", Places: []string{"ehr01"}}, false},
	} {
		if got := c.st.Matches(&c.subj); got != c.want {
			t.Errorf("%s on %+v: %v, want %v", c.st.Vuln, c.subj, got, c.want)
		}
	}
	refusedBodies(t, func(r io.Reader) error { _, err := ingest.ReadOpenVEX("v.json", r); return err }, map[string]string{
		`{"@context": "https://openvex.dev/ns/v0.2.0"}`: "is not an OpenVEX document",
		`{"statements": []}`:                            "is not an OpenVEX document",
		`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"products": ["a"], "status": "fixed"}]}`:                                           "statements[0] names no vulnerability",
		`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": "CVE-2021-44228", "status": "fixed"}]}`:                           "statements[0] (CVE-2021-44228) names no product",
		`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": "CVE-2021-44228", "products": ["a"], "status": "not_affected"}]}`: "is not_affected without a justification or an impact statement",
		`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": "CVE-2021-44228", "products": ["a"], "status": "ok"}]}`:           `status "ok" is not one of`,
		`{"@context": "https://openvex.dev/ns/v0.2.0", "statements": [{"vulnerability": 7, "products": ["a"], "status": "fixed"}]}`:                       "statements[0].vulnerability is neither a name nor an object",
	})
}

func FuzzReadOpenVEX(f *testing.F) { fuzzVEX(f, ingest.FormatOpenVEX, "openvex.json") }

func FuzzReadCycloneDXVEX(f *testing.F) { fuzzVEX(f, ingest.FormatCycloneDXVEX, "cyclonedx-vex.json") }

// fuzzVEX fuzzes a VEX format's reader from a seed file: it refuses or
// gives statements each with its vulnerability, product and status, which
// match without panicking.
func fuzzVEX(f *testing.F, format, seed string) {
	b, err := os.ReadFile(filepath.Join("testdata", seed))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := ingest.ReadVEX(format, "fuzz", bytes.NewReader(data))
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		for _, st := range doc.Statements {
			if st.Vuln == "" || len(st.Products) == 0 || st.Status == "" {
				t.Fatalf("a statement without its vulnerability, product or status: %+v", st)
			}
			st.Matches(&ingest.VEXSubject{VulnID: st.Vuln, Package: "p", Places: []string{"x"}})
		}
	})
}

// A CycloneDX VEX (vulnerabilities with their analysis, no components) is
// read as VEX statements: BOM-Link references as the component's package
// URL, the analysis's state as the status; a vulnerability without an
// analysis says nothing. A BOM with components stays a scanner's BOM.
func TestReadCycloneDXVEX(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "cyclonedx-vex.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got := ingest.Detect(b); got != ingest.FormatCycloneDXVEX {
		t.Errorf("detected %q", got)
	}
	bom, _ := os.ReadFile(filepath.Join("testdata", "cyclonedx-small.json"))
	if got := ingest.Detect(bom); got != ingest.FormatCycloneDX {
		t.Errorf("a BOM with components and an analysis: detected %q", got)
	}
	doc, err := ingest.ReadCycloneDXVEX("cyclonedx-vex.json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, st := range doc.Statements {
		got = append(got, fmt.Sprintf("%s %v %v %s %s", st.Vuln, st.Aliases, st.Products, st.Reason(), st.At))
	}
	want := []string{
		"CVE-2021-44228 [GHSA-jfh8-c2jp-5v3q] [pkg:maven/org.apache.logging.log4j/log4j-core@2.14.1] not_affected: code_not_reachable 2026-12-02T08:00:00Z",
		"GHSA-jfh8-c2jp-5v3q [] [pkg:npm/left-pad@1.3.0] fixed: left-pad was removed in 2.3.1. 2026-12-02T08:00:00Z",
		"CVE-2022-22965 [] [pkg:maven/org.springframework/spring-beans@5.3.17] affected 2026-12-02T08:00:00Z",
	}
	if !slices.Equal(got, want) {
		t.Errorf("statements:\n%s", strings.Join(got, "\n"))
	}
	// The package URL product matches the package wherever it is.
	if !doc.Statements[0].Matches(&ingest.VEXSubject{VulnID: "CVE-2021-44228", CVE: "CVE-2021-44228", Package: "org.apache.logging.log4j/log4j-core", Installed: "2.14.1", Places: []string{"registry.riverside.example/hl7-interface"}}) {
		t.Error("log4j-core not matched")
	}
	refusedBodies(t, func(r io.Reader) error { _, err := ingest.ReadCycloneDXVEX("v.json", r); return err }, map[string]string{
		`{"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-2021-44228", "analysis": {"state": "not_affected", "justification": "code_not_reachable"}}]}`: "vulnerabilities[0] (CVE-2021-44228) affects nothing",
		`{"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-2021-44228", "analysis": {"state": "not_affected"}, "affects": [{"ref": "a"}]}]}`:             "is not_affected without a justification or detail",
		`{"bomFormat": "CycloneDX", "vulnerabilities": [{"id": "CVE-2021-44228", "analysis": {"state": "maybe"}, "affects": [{"ref": "a"}]}]}`:                    `analysis.state "maybe" is not a CycloneDX impact analysis state`,
		`{"vulnerabilities": []}`: `no bomFormat "CycloneDX"`,
	})
}

// refusedBodies checks read refuses each document as Invalid, saying what
// its case wants said.
func refusedBodies(t *testing.T, read func(r io.Reader) error, cases map[string]string) {
	t.Helper()
	for body, want := range cases {
		if err := read(strings.NewReader(body)); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v\nwant %s", body, err, want)
		}
	}
}
