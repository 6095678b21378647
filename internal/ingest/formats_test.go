package ingest_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/catalog/oscalimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
)

// samples is a file of our own (in testdata) of each format.
var samples = map[string]string{
	ingest.FormatKEV: "kev-small.json", ingest.FormatEPSS: "epss-small.csv", ingest.FormatNessus: "nessus-small.nessus",
	ingest.FormatOpenVAS: "openvas-small.xml", ingest.FormatQualys: "qualys-small.xml", ingest.FormatQualysCSV: "qualys-scan.csv", ingest.FormatQualysScan: "qualys-scan-report.xml", ingest.FormatTenableCSV: "tenable-sc.csv", ingest.FormatOpenVASCSV: "openvas-results.csv", ingest.FormatDefender: "defender-vulns.json", ingest.FormatInspector: "inspector-findings.json", ingest.FormatOSVScanner: "osv-scanner.json", ingest.FormatDependencyTrack: "dependency-track.json", ingest.FormatWazuh: "wazuh-inventory.json", ingest.FormatCycloneDXXML: "cyclonedx-small.xml", ingest.FormatSPDXTagValue: "spdx-tag-value.spdx", ingest.FormatNexpose: "nexpose-report.xml", ingest.FormatNmap: "nmap-vulners.xml", ingest.FormatScubaGear: "scubagear-results.json", ingest.FormatOpenVEX: "openvex.json", ingest.FormatCycloneDXVEX: "cyclonedx-vex.json",
	ingest.FormatTrivy: "trivy-small.json", ingest.FormatGrype: "grype-small.json", ingest.FormatSARIF: "sarif-small.sarif",
	ingest.FormatCycloneDX: "cyclonedx-small.json", ingest.FormatSPDX: "spdx-small.json", ingest.FormatEntraUsers: "entra-users.csv",
	ingest.FormatEntraMFA: "entra-mfa.csv", ingest.FormatAD: "ad-users.csv", ingest.FormatOkta: "okta-users.csv",
	ingest.FormatGoogle: "google-users.csv", ingest.FormatAccounts: "accounts.csv",
	ingest.FormatDMARC: "dmarc-report.xml", ingest.FormatTLSRPT: "smtp-tls-report.json",
	ingest.FormatTestSSL: "testssl-loopback.json", ingest.FormatSSLyze: "sslyze-portal.json",
	ingest.FormatIntune: "intune-devices.csv", ingest.FormatJamf: "jamf-computers.csv", ingest.FormatDevices: "devices.csv",
	ingest.FormatVeeam: "veeam-sessions.csv", ingest.FormatBackups: "backup-jobs.csv",
	ingest.FormatOSCALCatalog: "../../catalog/oscalimport/testdata/catalog.json", ingest.FormatOSCALProfile: "../../catalog/oscalimport/testdata/baseline_profile.json",
}

// records reads a file of a format with its reader, whatever its kind,
// and counts its records.
func records(id, name string, r io.Reader) (int, error) {
	f, _ := ingest.FormatByID(id)
	switch f.Kind {
	case ingest.KindCatalog:
		c, err := ingest.ReadKEV(name, r)
		if err != nil {
			return 0, err
		}
		return len(c.Entries), nil
	case ingest.KindConfig:
		rep, err := ingest.ReadScuba(name, r)
		if err != nil {
			return 0, err
		}
		return len(rep.Controls), nil
	case ingest.KindVEX:
		doc, err := ingest.ReadVEX(id, name, r)
		if err != nil {
			return 0, err
		}
		return len(doc.Statements), nil
	case ingest.KindDevices:
		n := 0
		_, err := f.Devices(name, r, func(*ingest.Device) error { n++; return nil })
		return n, err
	case ingest.KindBackups:
		n := 0
		_, err := f.Backups(name, r, func(*ingest.BackupRun) error { n++; return nil })
		return n, err
	case ingest.KindFramework:
		doc, err := f.Framework(name, r)
		if err != nil {
			return 0, err
		}
		if doc.Profile != nil {
			return len(doc.Profile.Imports), nil
		}
		fw, err := oscalimport.Framework(doc, doc.Catalog, "sample", "")
		if err != nil {
			return 0, err
		}
		return len(fw.Items), nil
	case ingest.KindTLS:
		p, _ := tlscheck.LoadProfile("")
		rep, err := f.TLS(name, r, p)
		if err != nil {
			return 0, err
		}
		return len(rep.Results), nil
	case ingest.KindEmailReport:
		if id == ingest.FormatTLSRPT {
			rep, err := ingest.ReadTLSReport(name, r)
			if err != nil {
				return 0, err
			}
			return len(rep.Policies), nil
		}
		n := 0
		_, err := ingest.ReadDMARC(name, r, func(*ingest.DMARCRow) error { n++; return nil })
		return n, err
	}
	n := 0
	_, err := f.Scan(name, r, func(ingest.Finding) error { n++; return nil })
	return n, err
}

// jsonSamples are the samples of the JSON formats.
func jsonSamples() map[string]string {
	out := map[string]string{}
	for id, name := range samples {
		if strings.HasSuffix(name, ".json") || strings.HasSuffix(name, ".sarif") {
			out[id] = name
		}
	}
	return out
}

// Every format is one entry of the registry, whole: an id of its own, a
// name for people, a kind, and the reader of that kind; a file of each
// (of our own, in testdata) is recognised as it; and every list of
// formats Safeguard shows is the registry's.
func TestFormatRegistry(t *testing.T) {
	seen := map[string]bool{}
	var ids []string
	for _, f := range ingest.Formats() {
		ids = append(ids, f.ID)
		if seen[f.ID] || f.ID == "" || f.Label == "" || f.Label == f.ID {
			t.Errorf("format %q: an id of its own and a name for people (%q)", f.ID, f.Label)
		}
		seen[f.ID] = true
		switch f.Kind {
		case ingest.KindScanner:
			if f.Scan == nil {
				t.Errorf("%s: a scanner format without its reader", f.ID)
			}
		case ingest.KindCatalog, ingest.KindScores, ingest.KindAccounts, ingest.KindMFA, ingest.KindConfig, ingest.KindVEX, ingest.KindEmailReport, ingest.KindTLS, ingest.KindDevices, ingest.KindBackups, ingest.KindFramework:
			if f.Scan != nil || (f.TLS != nil) != (f.Kind == ingest.KindTLS) || (f.Devices != nil) != (f.Kind == ingest.KindDevices) || (f.Backups != nil) != (f.Kind == ingest.KindBackups) || (f.Framework != nil) != (f.Kind == ingest.KindFramework) {
				t.Errorf("%s: a %s format with a scanner's reader", f.ID, f.Kind)
			}
		default:
			t.Errorf("%s: kind %q", f.ID, f.Kind)
		}
		if f.Shared() != (f.ID == ingest.FormatKEV || f.ID == ingest.FormatEPSS) {
			t.Errorf("%s: shared %v", f.ID, f.Shared())
		}
		if got, ok := ingest.FormatByID(f.ID); !ok || got != f || ingest.FormatLabel(f.ID) != f.Label {
			t.Errorf("%s: not found by its id", f.ID)
		}
		if ingest.IsAccountExport(f.ID) != (f.Kind == ingest.KindAccounts) || ingest.IsScanner(f.ID) != (f.Kind == ingest.KindScanner) {
			t.Errorf("%s: the kind's questions disagree with its kind", f.ID)
		}
		name, ok := samples[f.ID]
		if !ok {
			t.Errorf("%s: no sample file in this test", f.ID)
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := ingest.Detect(b[:min(len(b), 64<<10)]); got != f.ID {
			t.Errorf("%s is recognised as %q, not %s", name, got, f.ID)
		}
	}
	if !slices.Equal(ids, ingest.Supported) {
		t.Errorf("Supported %v is not the registry's %v", ingest.Supported, ids)
	}
	if len(samples) != len(ids) {
		t.Errorf("%d samples for %d formats", len(samples), len(ids))
	}
	if _, ok := ingest.FormatByID("spreadsheet"); ok || ingest.FormatLabel("spreadsheet") != "spreadsheet" {
		t.Error("an unknown format was found")
	}
}

// A Grype report larger than the head detection reads — its descriptor
// comes after every match — is recognised by the key it opens with.
func TestDetectALargeGrypeReport(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("..", "..", "..", "shared", "data", "samples", "grype", "many_vulns.json"))
	if err != nil {
		t.Skip("the public Grype sample is not here:", err)
	}
	if len(b) <= 64<<10 {
		t.Fatalf("the sample is %d bytes, not larger than the head", len(b))
	}
	if got := ingest.Detect(b[:64<<10]); got != ingest.FormatGrype {
		t.Errorf("the first 64 KiB of a %d-byte Grype report are recognised as %q", len(b), got)
	}
}

// Every format's reader refuses a byte that is not UTF-8 in the same way:
// an Invalid error naming the file once and the line of the byte. Mail
// providers' reports are the exception: their reporters write names in
// any encoding, and the meaning is clear, so a byte that is not UTF-8 is
// replaced (TestDMARCQuirks).
func TestEveryReaderRefusesWhatIsNotUTF8(t *testing.T) {
	for _, f := range ingest.Formats() {
		if f.Kind == ingest.KindEmailReport {
			continue
		}
		b, err := os.ReadFile(filepath.Join("testdata", samples[f.ID]))
		if err != nil {
			t.Fatal(err)
		}
		// A Latin-1 "é" at the start of the third line: inside a cell, an
		// element's text or between a JSON document's tokens.
		first := bytes.IndexByte(b, '\n')
		second := first + 1 + bytes.IndexByte(b[first+1:], '\n')
		bad := append(append(slices.Clip(b[:second+1]), 0xE9), b[second+1:]...)
		const file = "latin1-export"
		var err2 error
		switch f.Kind {
		case ingest.KindScanner:
			_, err2 = f.Scan(file, bytes.NewReader(bad), func(ingest.Finding) error { return nil })
		case ingest.KindCatalog:
			_, err2 = ingest.ReadKEV(file, bytes.NewReader(bad))
		case ingest.KindScores:
			_, err2 = ingest.ReadEPSS(file, bytes.NewReader(bad))
		case ingest.KindAccounts:
			_, err2 = ingest.ReadAccounts(file, bytes.NewReader(bad), f.ID, func(*ingest.Account) error { return nil })
		case ingest.KindMFA:
			_, err2 = ingest.ReadMFARegistrations(file, bytes.NewReader(bad), func(*ingest.MFARegistration) error { return nil })
		case ingest.KindConfig:
			_, err2 = ingest.ReadScuba(file, bytes.NewReader(bad))
		case ingest.KindVEX:
			_, err2 = ingest.ReadVEX(f.ID, file, bytes.NewReader(bad))
		case ingest.KindTLS:
			p, _ := tlscheck.LoadProfile("")
			_, err2 = f.TLS(file, bytes.NewReader(bad), p)
		case ingest.KindDevices:
			_, err2 = f.Devices(file, bytes.NewReader(bad), func(*ingest.Device) error { return nil })
		case ingest.KindBackups:
			_, err2 = f.Backups(file, bytes.NewReader(bad), func(*ingest.BackupRun) error { return nil })
		case ingest.KindFramework:
			_, err2 = f.Framework(file, bytes.NewReader(bad))
		}
		msg := errs.Message(err2)
		if !errs.Is(err2, errs.Invalid) || !strings.HasPrefix(msg, file+": line 3 is not UTF-8 text (byte 0xE9)") || strings.Count(msg, file) != 1 {
			t.Errorf("%s: %v", f.ID, err2)
		}
	}
}

// No JSON reader takes a string or number longer than MaxJSONToken: the
// file is refused, naming it and the byte the token begins at, before the
// token is held whole.
func TestJSONTokensAreBounded(t *testing.T) {
	for id, name := range jsonSamples() {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		open := bytes.IndexByte(b, '{') + 1
		for _, long := range []string{`"` + strings.Repeat("A", ingest.MaxJSONToken+1) + `"`, strings.Repeat("1", ingest.MaxJSONToken+1),
			`"` + strings.Repeat(`\"`, ingest.MaxJSONToken/2+1) + `"`} {
			doc := slices.Concat(b[:open], []byte(`"padding": `+long+`, `), b[open:])
			_, err := records(id, name, bytes.NewReader(doc))
			want := fmt.Sprintf("%s: the JSON %s that begins at byte %d is longer than 1 MiB", name, map[bool]string{true: "string", false: "value"}[long[0] == '"'], open+len(`"padding": `))
			if !errs.Is(err, errs.TooLarge) || !strings.HasPrefix(errs.Message(err), want) {
				t.Errorf("%s with a %d-byte token: %v; want %q", id, len(long), err, want)
			}
		}
	}
}

// A finding's identifiers are bounded, refusing the file, and its title is
// cut, so that no page or API answer carries a scanner's oversized text.
func TestFindingFieldsAreBounded(t *testing.T) {
	trivy := func(pkg, title string) []byte {
		return []byte(`{"SchemaVersion": 2, "ArtifactName": "registry.example/app:1", "Results": [{"Target": "app", "Vulnerabilities": [` +
			`{"VulnerabilityID": "CVE-2024-0001", "PkgName": "` + pkg + `", "InstalledVersion": "1.0", "Severity": "HIGH", "Title": "` + title + `"}]}]}`)
	}
	f, _ := ingest.FormatByID(ingest.FormatTrivy)
	var got []ingest.Finding
	title := strings.Repeat("é", ingest.MaxFindingTitle) // two bytes each
	if _, err := f.Scan("t.json", bytes.NewReader(trivy("openssl", title)), func(f ingest.Finding) error { got = append(got, f); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Title) > ingest.MaxFindingTitle || !utf8.ValidString(got[0].Title) || !strings.HasSuffix(got[0].Title, "é…") {
		t.Errorf("a %d-byte title became %d bytes: %.20q…%q", len(title), len(got[0].Title), got[0].Title, got[0].Title[len(got[0].Title)-8:])
	}
	_, err := f.Scan("t.json", bytes.NewReader(trivy(strings.Repeat("p", ingest.MaxFindingField+1), "t")), func(ingest.Finding) error { return nil })
	if !errs.Is(err, errs.TooLarge) || !strings.Contains(errs.Message(err), "t.json: finding 1 (CVE-2024-0001…): its package is 4097 bytes long") {
		t.Errorf("an oversized package name: %v", err)
	}
}

// reorderAndPad writes a JSON object's top-level keys in reverse order
// after a key of its own whose value passes 1 MiB, so that nothing that
// tells the format comes in the first 64 KiB.
func reorderAndPad(t *testing.T, b []byte) []byte {
	t.Helper()
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	dec := json.NewDecoder(bytes.NewReader(b))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		t.Fatalf("not a JSON object: %v", err)
	}
	var keys []string
	vals := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			t.Fatal(err)
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			t.Fatal(err)
		}
		keys = append(keys, tok.(string))
		vals[tok.(string)] = v
	}
	var out bytes.Buffer
	out.WriteString(`{"x-padding": [`)
	for i := 0; out.Len() < 1200<<10; i++ {
		if i > 0 {
			out.WriteByte(',')
		}
		out.WriteString(`"` + strings.Repeat("p", 1000) + `"`)
	}
	out.WriteString("]")
	for i := len(keys) - 1; i >= 0; i-- {
		k, _ := json.Marshal(keys[i])
		out.WriteString(",\n")
		out.Write(k)
		out.WriteString(": ")
		out.Write(vals[keys[i]])
	}
	out.WriteString("}\n")
	return out.Bytes()
}

// Every JSON format is recognised whatever the file's size and the order
// of its keys, and read the same: its keys reversed behind 1.2 MiB of a
// key of no format's, the file is detected as it streams and gives the
// same records.
func TestDetectionWhateverTheKeyOrderAndSize(t *testing.T) {
	for id, name := range jsonSamples() {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.HasPrefix(bytes.TrimSpace(b), []byte("[")) {
			continue // a list (testssl.sh's) has no keys to reorder
		}
		moved := reorderAndPad(t, b)
		if got := ingest.Detect(moved[:ingest.HeadBytes]); got != "" {
			t.Errorf("%s: the padded head alone is recognised as %q: the test proves nothing", name, got)
		}
		got, err := ingest.DetectStream(bytes.NewReader(moved))
		if err != nil || got != id {
			t.Errorf("%s reordered and padded to %d bytes: detected %q, %v; want %s", name, len(moved), got, err, id)
			continue
		}
		count := func(doc []byte) int {
			n, err := records(id, name, bytes.NewReader(doc))
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return n
		}
		if a, b := count(b), count(moved); a != b || a == 0 {
			t.Errorf("%s: %d records as written, %d reordered", name, a, b)
		}
	}
}

// A JSON file written with a byte-order mark (Windows PowerShell's
// Out-File and Set-Content write one) is detected and read as without it.
func TestJSONWithAByteOrderMark(t *testing.T) {
	for id, name := range jsonSamples() {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")) // ScubaGear's sample has one, as ScubaGear writes it
		marked := append([]byte("\xef\xbb\xbf"), b...)
		if got := ingest.Detect(marked); got != id {
			t.Errorf("%s with a BOM: detected %q", name, got)
		}
		count := func(doc []byte) int {
			n, err := records(id, name, bytes.NewReader(doc))
			if err != nil {
				t.Errorf("%s: %v", name, err)
			}
			return n
		}
		if a, b := count(b), count(marked); a != b {
			t.Errorf("%s: %d findings, %d with a BOM", name, a, b)
		}
	}
}
