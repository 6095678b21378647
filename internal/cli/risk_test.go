package cli_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ledongthuc/pdf"
	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/safeguard-health/safeguard/internal/catalog/oscaltest"
)

func TestRiskListJSON(t *testing.T) {
	db := seededDemo(t)
	code, out, errOut := run(t, "risk", "list", "--json", "--status", "all", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var risks []struct {
		ID, Ref, Title, Threat, Level, Response, Status string
		Assets                                          []string
		Likelihood, Impact                              int
	}
	if err := json.Unmarshal([]byte(out), &risks); err != nil {
		t.Fatal(err)
	}
	if len(risks) != 20 {
		t.Fatalf("%d risks in the demo, want 20", len(risks))
	}
	levels, responses := map[string]int{}, map[string]int{}
	for _, r := range risks {
		if r.ID == "" || !strings.HasPrefix(r.Ref, "R-") || r.Title == "" || r.Threat == "" || len(r.Assets) == 0 || r.Likelihood == 0 || r.Impact == 0 || r.Level == "" || r.Status == "" {
			t.Errorf("incomplete risk %+v", r)
		}
		levels[r.Level]++
		responses[r.Response]++
	}
	if len(levels) < 4 || responses["mitigate"] < 10 || responses["accept"] != 3 || responses["transfer"] != 1 || responses["avoid"] != 1 {
		t.Errorf("levels %v responses %v", levels, responses)
	}
	// Filters: the open Very High risks only.
	_, out, _ = run(t, "risk", "list", "--json", "--level", "Very High", "--db", db)
	var high []struct{ Level, Status string }
	json.Unmarshal([]byte(out), &high)
	for _, r := range high {
		if r.Level != "Very High" || r.Status != "open" {
			t.Errorf("filtered: %+v", r)
		}
	}
	if len(high) == 0 {
		t.Error("no Very High risk in the demo")
	}
}

func TestReportRiskAnalysis(t *testing.T) {
	db := seededDemo(t)
	dir := t.TempDir()
	for _, format := range []string{"pdf", "html", "xlsx", "csv", "json"} {
		file := filepath.Join(dir, "ra."+format)
		code, _, errOut := run(t, "report", "risk-analysis", "--format", format, "--out", file, "--db", db)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", format, code, errOut)
		}
		b, err := os.ReadFile(file)
		if err != nil || len(b) < 1000 {
			t.Fatalf("%s: %d bytes, %v", format, len(b), err)
		}
		if format == "json" && !bytes.Contains(b, []byte(`"agreement":"expired"`)) && !bytes.Contains(b, []byte(`"agreement": "expired"`)) {
			t.Errorf("the draft does not list the vendors with their agreements")
		}
		if format == "json" {
			// What OCR's guidance asks a risk analysis to show beside the
			// register, each from the demo's own records.
			var ra struct {
				Gathering struct{ Participants, Imports []string }
				Prior     []struct {
					Version          int
					Status, Approver string
				}
				Triggers   []string
				Measures   []struct{ Check, Provisions, Verdict, Detail string }
				Decisions  []struct{ Citation, Decision, Reason, Measure string }
				Provisions map[string][]string
			}
			if err := json.Unmarshal(b, &ra); err != nil {
				t.Fatal(err)
			}
			if len(ra.Gathering.Participants) == 0 || !slices.ContainsFunc(ra.Gathering.Imports, func(s string) bool { return strings.HasPrefix(s, "nessus: ") }) {
				t.Errorf("how the data was gathered: %+v", ra.Gathering)
			}
			if len(ra.Prior) != 1 || ra.Prior[0].Version != 1 || ra.Prior[0].Status != "final" || ra.Prior[0].Approver == "" {
				t.Errorf("earlier analyses: %+v", ra.Prior)
			}
			if len(ra.Triggers) < 2 || !strings.Contains(ra.Triggers[0], "164.316(b)(2)(iii)") || !slices.ContainsFunc(ra.Triggers, func(s string) bool { return strings.HasPrefix(s, "Open on ") }) {
				t.Errorf("review triggers: %q", ra.Triggers)
			}
			if !slices.ContainsFunc(ra.Measures, func(m struct{ Check, Provisions, Verdict, Detail string }) bool {
				return strings.Contains(m.Provisions, "164.312(d)") && m.Verdict != "" && m.Detail != ""
			}) {
				t.Errorf("measures as verified: %+v", ra.Measures)
			}
			if !slices.ContainsFunc(ra.Decisions, func(d struct{ Citation, Decision, Reason, Measure string }) bool {
				return d.Citation == "164.308(a)(5)(ii)(A)" && d.Decision == "Equivalent alternative measure" && d.Reason != "" && d.Measure != ""
			}) {
				t.Errorf("addressable decisions: %+v", ra.Decisions)
			}
			if len(ra.Provisions) == 0 {
				t.Error("no risk is linked to the Security Rule provisions it concerns")
			}
		}
		if format == "pdf" {
			r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
			if err != nil {
				t.Fatal(err)
			}
			plain, _ := r.GetPlainText()
			var text bytes.Buffer
			text.ReadFrom(plain)
			conf := model.NewDefaultConfiguration()
			conf.ValidationMode = model.ValidationRelaxed
			if err := api.Validate(bytes.NewReader(b), conf); err != nil {
				t.Errorf("the demo PDF is not well-formed: %v", err)
			}
			for _, want := range []string{"Riverside Family Clinic", "Telehealth video platform", "DRAFT", "Ransomware encrypts the file server", "Vendors and business associates (8)", "ClearClaim",
				"3. How the data was gathered and who took part", "4. Earlier analyses and review triggers", "10. Current security measures, as verified from data", "Security Rule provisions: "} {
				if !strings.Contains(text.String(), want) {
					t.Errorf("the demo PDF lacks %q", want)
				}
			}
			// Every risk of the demo, by its reference and its title.
			for i := 1; i <= 20; i++ {
				if ref := fmt.Sprintf("R-%03d", i); !strings.Contains(text.String(), ref) {
					t.Errorf("the demo PDF lacks %s", ref)
				}
			}
		}
	}
	// Last year's final analysis renders from its frozen record: no
	// telehealth, no vendors (the register was not kept then).
	code, out, errOut := run(t, "report", "risk-analysis", "--analysis", "1", "--format", "json", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc struct {
		Analysis struct{ Status, SHA256, Approver string }
		Assets   []struct{ Name string }
		Risks    []struct{ Title string }
		Vendors  []struct{ Name string }
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Analysis.Status != "final" || doc.Analysis.SHA256 == "" || len(doc.Assets) != 12 || len(doc.Risks) != 15 || len(doc.Vendors) != 0 {
		t.Errorf("last year's analysis: %+v, %d assets, %d risks", doc.Analysis, len(doc.Assets), len(doc.Risks))
	}
	code, out, _ = run(t, "risk", "analysis", "changes", "--db", db)
	if code != 0 || !strings.Contains(out, "asset         added    Telehealth video platform") || !strings.Contains(out, "risk          added    R-016") {
		t.Errorf("changes (exit %d):\n%s", code, out)
	}
	code, out, _ = run(t, "risk", "analysis", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "asset(s) holding ePHI were added") || !strings.Contains(out, "expired") {
		t.Errorf("analysis list (exit %d):\n%s", code, out)
	}
	// Each export is in the audit log, as the web's are.
	if code, out, _ := run(t, "audit", "log", "--db", db, "--all", "--format", "csv"); code != 0 || strings.Count(out, "risk.report") != 6 || !strings.Contains(out, "safeguard report risk-analysis") {
		t.Errorf("the audit log has %d report exports, want 6 (exit %d)", strings.Count(out, "risk.report"), code)
	}
	code, _, errOut = run(t, "report", "risk-analysis", "--format", "docx", "--db", db)
	if code == 0 || !strings.Contains(errOut, `--format "docx": use pdf, html, xlsx, csv or json`) {
		t.Errorf("bad format: exit %d, %s", code, errOut)
	}
}

func TestRiskImportsFromTheCommandLine(t *testing.T) {
	db := seededDemo(t)
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("name,type\nScanner,peripheral\nCloud EHR,application\ncloud ehr,system\n"), 0o644)
	code, _, errOut := run(t, "risk", "asset", "import", bad, "--apply", "--db", db)
	if code == 0 || !strings.Contains(errOut, `line 2, column "type": "peripheral" is not an asset type`) || !strings.Contains(errOut, `line 4, column "name": duplicate asset name "cloud ehr" (first on line 3)`) {
		t.Errorf("bad inventory: exit %d, %s", code, errOut)
	}
	good := filepath.Join(dir, "good.csv")
	os.WriteFile(good, []byte("name,type,maintains,records\nLab interface,application,yes,4000\nCloud EHR,application,yes,15000\n"), 0o644)
	code, out, errOut := run(t, "risk", "asset", "import", good, "--db", db)
	if code != 0 || !strings.Contains(out, "1 asset(s) to add, 1 to update") || !strings.Contains(out, "Nothing written") {
		t.Fatalf("preview: exit %d %s %s", code, out, errOut)
	}
	_, out, _ = run(t, "risk", "asset", "list", "--db", db)
	if strings.Contains(out, "Lab interface") {
		t.Error("a preview wrote the asset")
	}
	if code, _, errOut := run(t, "risk", "asset", "import", good, "--apply", "--db", db); code != 0 {
		t.Fatalf("apply: %s", errOut)
	}
	_, out, _ = run(t, "risk", "asset", "list", "--db", db)
	if !strings.Contains(out, "Lab interface") || !strings.Contains(out, "15000") {
		t.Errorf("after import:\n%s", out)
	}
	offScale := filepath.Join(dir, "risks.csv")
	os.WriteFile(offScale, []byte("title,threat,assets,likelihood\nLab feed tampered,ransomware,Lab interface,7\n"), 0o644)
	code, _, errOut = run(t, "risk", "import", offScale, "--apply", "--db", db)
	if code == 0 || !strings.Contains(errOut, `line 2, column "likelihood": "7" is off the scale (1 Very Low, 2 Low, 3 Moderate, 4 High, 5 Very High)`) {
		t.Errorf("off scale: exit %d %s", code, errOut)
	}
}

// The demo's plan of action and milestones, as a table and as OSCAL
// 1.1.3: valid against the official schema; every risk with a plan is an
// OSCAL risk whose remediation's tasks are its actions, each due date a
// milestone, an overdue one counted late; a POA&M item per risk.
func TestRiskPOAM(t *testing.T) {
	db := seededDemo(t)
	code, out, errOut := run(t, "risk", "poam", "--db", db)
	if code != 0 || !strings.Contains(out, "RISK") || !strings.Contains(out, "overdue") {
		t.Fatalf("table: exit %d %s %s", code, out, errOut)
	}
	code, raw, errOut := run(t, "risk", "poam", "--all", "--format", "json", "--db", db)
	if code != 0 {
		t.Fatal(errOut)
	}
	var plain struct {
		Milestones []struct{ Risk, Action, Status, Standing string }
		Overdue    int
	}
	if err := json.Unmarshal([]byte(raw), &plain); err != nil || len(plain.Milestones) == 0 {
		t.Fatalf("json: %v %s", err, raw)
	}
	code, out, errOut = run(t, "risk", "poam", "--all", "--format", "oscal", "--db", db)
	if code != 0 {
		t.Fatalf("oscal: exit %d %s", code, errOut)
	}
	oscaltest.Validate(t, []byte(out))
	var doc struct {
		POAM struct {
			Risks []struct {
				UUID, Title, Status string
				Remediations        []struct {
					Lifecycle string
					Tasks     []struct {
						Type, Title string
						Timing      *struct {
							OnDate struct{ Date string } `json:"on-date"`
						}
						Props []struct{ Name, Value string }
					}
				}
			}
			Items []struct {
				Title        string
				RelatedRisks []struct {
					RiskUUID string `json:"risk-uuid"`
				} `json:"related-risks"`
			} `json:"poam-items"`
		} `json:"plan-of-action-and-milestones"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	p := doc.POAM
	tasks, late := 0, 0
	risks := map[string]bool{}
	for _, r := range p.Risks {
		risks[r.UUID] = true
		if len(r.Remediations) != 1 {
			t.Errorf("%s: %d remediations", r.Title, len(r.Remediations))
			continue
		}
		for _, tk := range r.Remediations[0].Tasks {
			tasks++
			if tk.Type != "milestone" || tk.Timing == nil || tk.Timing.OnDate.Date == "" {
				t.Errorf("%s: task %+v", r.Title, tk)
			}
			for _, pr := range tk.Props {
				if pr.Name == "days-late" {
					late++
				}
			}
		}
	}
	if tasks != len(plain.Milestones) || len(p.Items) != len(p.Risks) || late == 0 {
		t.Errorf("%d tasks for %d milestones, %d items for %d risks, %d late", tasks, len(plain.Milestones), len(p.Items), len(p.Risks), late)
	}
	for _, it := range p.Items {
		if len(it.RelatedRisks) != 1 || !risks[it.RelatedRisks[0].RiskUUID] {
			t.Errorf("%s: related risks %+v", it.Title, it.RelatedRisks)
		}
	}
	if code, _, errOut := run(t, "risk", "poam", "--format", "xml", "--db", db); code != 2 || !strings.Contains(errOut, "use table, json or oscal") {
		t.Errorf("a bad format: %d %s", code, errOut)
	}
}
