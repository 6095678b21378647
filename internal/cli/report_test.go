package cli_test

import (
	"archive/zip"
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"html"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/catalog/oscaltest"
	"github.com/safeguard-health/safeguard/internal/report/reporttest"
)

// The Security Rule assessment's report, read back from the PDF as an
// auditor's tools would: every applicable item is there, every
// addressable specification with its documented decision (its measure
// and reason) or "No decision documented", and the answers to SP
// 800-66r2's questions. The HTML report says the same.
func TestAssessmentReport(t *testing.T) {
	db := seededDemo(t)
	code, out, errOut := run(t, "assessment", "show", "hipaa-security-rule", "--json", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Items []struct {
			ID, Citation, Title string
			Applicable          bool
			NeedsDecision       bool `json:"needs_decision"`
			Answer              struct {
				Questions map[string]string
				Decision  *struct{ Kind, Measure, Reason string }
			}
			Evidence []struct{ SHA256 string }
		}
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, format := range []string{"pdf", "html"} {
		file := filepath.Join(dir, "assessment."+format)
		if code, _, errOut := run(t, "report", "assessment", "--format", format, "--out", file, "--db", db); code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, errOut)
		}
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		text := string(b)
		if format == "pdf" {
			pages, s := reporttest.PDFText(t, b)
			if pages < 5 {
				t.Errorf("%d pages", pages)
			}
			text = s
		} else {
			if strings.Contains(text, "<script") {
				t.Error("the HTML report carries a script")
			}
			// What a reader sees: the text without its markup.
			text = html.UnescapeString(regexp.MustCompile(`<[^>]*>`).ReplaceAllString(text, " "))
		}
		flat := reporttest.Squeeze(text)
		applicable, decisions, missing, answers, hashes := 0, 0, 0, 0, 0
		for _, it := range doc.Items {
			if !strings.Contains(flat, reporttest.Squeeze(it.Citation+" "+it.Title)) {
				t.Errorf("%s: %s %s is not in the report", format, it.Citation, it.Title)
			}
			if !it.Applicable {
				continue
			}
			applicable++
			for _, e := range it.Evidence {
				hashes++
				if !strings.Contains(flat, e.SHA256) {
					t.Errorf("%s: %s's evidence hash %s is not in the report", format, it.Citation, e.SHA256)
				}
			}
			for _, a := range it.Answer.Questions {
				answers++
				if !strings.Contains(flat, reporttest.Squeeze(a)) {
					t.Errorf("%s: the answer %q to a question of %s is not in the report", format, a, it.Citation)
				}
			}
			if !it.NeedsDecision {
				continue
			}
			if d := it.Answer.Decision; d != nil {
				decisions++
				for _, part := range []string{d.Measure, d.Reason} {
					if part != "" && !strings.Contains(flat, reporttest.Squeeze(part)) {
						t.Errorf("%s: %s's decision %q is not in the report", format, it.Citation, part)
					}
				}
			} else {
				missing++
			}
		}
		if got := strings.Count(flat, "Nodecisiondocumented"); got != 2*missing {
			// Once in the table of decisions, once under the item.
			t.Errorf("%s: %d mentions of a missing decision, want %d", format, got, 2*missing)
		}
		if applicable != 64 || decisions == 0 || missing == 0 || answers == 0 || hashes == 0 {
			t.Errorf("%s: %d applicable, %d decisions, %d missing, %d answers, %d hashes", format, applicable, decisions, missing, answers, hashes)
		}
	}
	if code, _, errOut := run(t, "report", "assessment", "--format", "docx", "--out", filepath.Join(dir, "x"), "--db", db); code != 2 || !strings.Contains(errOut, "use pdf or html") {
		t.Errorf("an unknown format: exit %d %s", code, errOut)
	}
}

// The scorecard's report holds every goal and the tallies.
func TestScorecardReport(t *testing.T) {
	db := seededDemo(t)
	file := filepath.Join(t.TempDir(), "scorecard.pdf")
	if code, _, errOut := run(t, "report", "scorecard", "--format", "pdf", "--out", file, "--db", db); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	_, text := reporttest.PDFText(t, b)
	flat := reporttest.Squeeze(text)
	_, out, _ := run(t, "scorecard", "--json", "--db", db)
	var card struct {
		Goals []struct{ Citation, Title string }
	}
	if err := json.Unmarshal([]byte(out), &card); err != nil {
		t.Fatal(err)
	}
	if len(card.Goals) != 20 {
		t.Fatalf("%d goals", len(card.Goals))
	}
	for _, g := range card.Goals {
		if !strings.Contains(flat, reporttest.Squeeze(g.Citation+": "+g.Title)) {
			t.Errorf("%s is not in the scorecard's report", g.Citation)
		}
	}
	if !strings.Contains(flat, "Essential") || !strings.Contains(flat, "Trendacross") {
		t.Error("the report lacks its tallies or its trend")
	}
}

// The audit package: every file the manifest lists is in the ZIP with the
// hash it gives, SHA256SUMS agrees, the reports inside read back, the
// policies' files are in, and making it is in the audit log.
func TestAuditPackage(t *testing.T) {
	db := seededDemo(t)
	dir := t.TempDir()
	keys := filepath.Join(dir, "keys")
	// The demo's evidence is sealed with this key (demoEvidence).
	if err := os.WriteFile(keys, []byte("demo:"+base64.StdEncoding.EncodeToString(make([]byte, 32))+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "audit.zip")
	code, out, errOut := run(t, "report", "audit-package", "--out", file, "--key-file", keys, "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	z, err := zip.OpenReader(file)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	read := func(name string) []byte {
		t.Helper()
		f, err := z.Open(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		defer f.Close()
		b, err := io.ReadAll(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var m struct {
		Organization string
		Files        []struct {
			Path, SHA256 string
			Size         int64
		}
	}
	if err := json.Unmarshal(read("manifest.json"), &m); err != nil {
		t.Fatal(err)
	}
	inZip := map[string]bool{}
	for _, f := range z.File {
		inZip[f.Name] = true
	}
	listed := map[string]string{}
	for _, f := range m.Files {
		b := read(f.Path)
		sum := sha256.Sum256(b)
		if hex.EncodeToString(sum[:]) != f.SHA256 || int64(len(b)) != f.Size {
			t.Errorf("%s: the manifest's hash or size does not match the file", f.Path)
		}
		listed[f.Path] = f.SHA256
	}
	for name := range inZip {
		if _, ok := listed[name]; !ok && name != "manifest.json" && name != "SHA256SUMS" {
			t.Errorf("%s is in the package but not in its manifest", name)
		}
	}
	sums := bufio.NewScanner(strings.NewReader(string(read("SHA256SUMS"))))
	n := 0
	for sums.Scan() {
		sum, path, ok := strings.Cut(sums.Text(), "  ")
		if !ok || listed[path] != sum {
			t.Errorf("SHA256SUMS line %q disagrees with the manifest", sums.Text())
		}
		n++
	}
	if n != len(m.Files) {
		t.Errorf("SHA256SUMS has %d lines for %d files", n, len(m.Files))
	}
	for _, want := range []string{"reports/hipaa-security-rule-assessment.pdf", "reports/hipaa-security-rule-assessment.html", "reports/hph-cpg-assessment.pdf",
		"reports/cpg-scorecard.pdf", "reports/cpg-scorecard.svg", "reports/risk-analysis.pdf", "reports/risk-analysis.xlsx", "evidence/index.csv",
		"training/status.csv", "vendors/register.csv", "vendors/agreements.csv", "audit/audit-log.csv", "README.txt"} {
		if _, ok := listed[want]; !ok {
			t.Errorf("%s is not in the package", want)
		}
	}
	policies := 0
	for p := range listed {
		if strings.HasPrefix(p, "policies/") {
			policies++
		}
		if strings.HasSuffix(p, ".pdf") {
			reporttest.PDFText(t, read(p))
		}
	}
	if policies == 0 || m.Organization != "riverside-demo" || !strings.Contains(out, "files, their SHA-256") {
		t.Errorf("%d policies, organisation %q, said %q", policies, m.Organization, out)
	}
	index := string(read("evidence/index.csv"))
	if !strings.HasPrefix(index, "evidence_id,title,") || strings.Count(index, "\n") < 5 {
		t.Errorf("the evidence index:\n%s", index)
	}
	register := string(read("vendors/register.csv"))
	if !strings.HasPrefix(register, "name,services,status,") || strings.Count(register, "\n") != 9 || !strings.Contains(register, "ClearClaim,") ||
		!strings.Contains(register, ",expired,") || !strings.Contains(register, ",missing,") {
		t.Errorf("the vendor register:\n%s", register)
	}
	if agreements := string(read("vendors/agreements.csv")); !strings.Contains(agreements, "Cedar Health EHR,baa,") || !strings.Contains(agreements, "report-incidents (§5)") {
		t.Errorf("the agreements:\n%s", agreements)
	}
	if qs := string(read("vendors/questionnaires.csv")); !strings.HasPrefix(qs, "vendor,questionnaire,version,") || !strings.Contains(qs, "Cedar Health EHR,Vendor cybersecurity questionnaire,2026.1,link,") ||
		!strings.Contains(qs, ",answered,") || !strings.Contains(qs, ",91,") || !strings.Contains(qs, "testing; sbom") || !strings.Contains(qs, "Riverbend IT Services,") || !strings.Contains(qs, ",overdue,") {
		t.Errorf("the questionnaires:\n%s", qs)
	}
	_, log, _ := run(t, "audit", "log", "--org", "riverside-demo", "--format", "json", "--limit", "5", "--db", db)
	if !strings.Contains(log, `"audit.package"`) {
		t.Errorf("making the package is not in the audit log:\n%s", log)
	}
}

// The demo clinic's system security plan as OSCAL 1.1.3: valid against the
// official schema; the organisation as the system, each ePHI asset a
// component, the security official responsible, and an implemented
// requirement for each applicable item with its status and decision.
func TestReportSSP(t *testing.T) {
	db := seededDemo(t)
	code, out, errOut := run(t, "report", "ssp", "--format", "oscal", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	oscaltest.Validate(t, []byte(out))
	var doc struct {
		SSP struct {
			Metadata struct {
				Parties []struct{ Type, Name string }
			}
			System struct {
				Name        string `json:"system-name"`
				Responsible []struct {
					Role string `json:"role-id"`
				} `json:"responsible-parties"`
			} `json:"system-characteristics"`
			Impl struct {
				Components []struct{ Type, Title string }
			} `json:"system-implementation"`
			Controls struct {
				Reqs []struct {
					ControlID    string `json:"control-id"`
					ByComponents []struct {
						Status  *struct{ State string } `json:"implementation-status"`
						Remarks string
					} `json:"by-components"`
				} `json:"implemented-requirements"`
			} `json:"control-implementation"`
		} `json:"system-security-plan"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.SSP
	if s.System.Name != "Riverside Family Clinic" || len(s.System.Responsible) != 1 || s.System.Responsible[0].Role != "security-official" {
		t.Errorf("the system: %+v", s.System)
	}
	if len(s.Impl.Components) < 5 || s.Impl.Components[0].Type != "this-system" || !slices.ContainsFunc(s.Impl.Components, func(c struct{ Type, Title string }) bool { return c.Title == "E-fax service" && c.Type == "service" }) {
		t.Errorf("components: %+v", s.Impl.Components)
	}
	alternative := false
	for _, r := range s.Controls.Reqs {
		if r.ControlID == "hipaa-sr-164.308-a-5-ii-A" {
			b := r.ByComponents[0]
			alternative = b.Status != nil && b.Status.State == "alternative" && strings.Contains(b.Remarks, "Why not reasonable and appropriate")
		}
	}
	if len(s.Controls.Reqs) != 64 || !alternative {
		t.Errorf("%d implemented requirements; the alternative for security reminders: %v", len(s.Controls.Reqs), alternative)
	}
	if code, _, errOut := run(t, "report", "ssp", "--assessment", "hph-cpg", "--db", db); code != 2 || !strings.Contains(errOut, "a Security Rule assessment") {
		t.Errorf("a CPG assessment: %d %s", code, errOut)
	}
}
