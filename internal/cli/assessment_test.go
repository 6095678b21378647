package cli_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/safeguard-health/safeguard/internal/blob"
	"github.com/safeguard-health/safeguard/internal/catalog/oscaltest"
	"github.com/safeguard-health/safeguard/internal/cli"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// seededDemo is a database holding the demonstration organisation and its
// program.
func seededDemo(t *testing.T) string {
	t.Helper()
	db := storetest.SQLitePath(t)
	s := storetest.SQLiteAt(t, db)
	ctx := context.Background()
	o, err := cli.SeedDemo(ctx, s)
	if err != nil {
		t.Fatal(err)
	}
	if err := cli.SeedDemoProgram(ctx, s, o, demoEvidence(s), time.Now()); err != nil {
		t.Fatal(err)
	}
	// Seeding twice leaves the program as it is.
	if err := cli.SeedDemoProgram(ctx, s, o, demoEvidence(s), time.Now()); err != nil {
		t.Fatal(err)
	}
	return db
}

func TestScorecardJSON(t *testing.T) {
	db := seededDemo(t)
	code, out, errOut := run(t, "scorecard", "--json", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var card struct {
		Organization string
		Essential    struct {
			Met     int
			InScope int `json:"in_scope"`
		}
		Goals []struct {
			ID, Tier, Status string
			InScope          bool `json:"in_scope"`
			Inputs           []struct {
				Source, Label, Date, Status string
			}
		}
		Trend []struct{ Final bool }
	}
	if err := json.Unmarshal([]byte(out), &card); err != nil {
		t.Fatal(err)
	}
	if card.Organization != "riverside-demo" || len(card.Goals) != 20 || card.Essential.InScope != 10 || card.Essential.Met != 0 || len(card.Trend) != 2 || !card.Trend[0].Final {
		t.Fatalf("scorecard: %+v", card)
	}
	// The demo's imported accounts and scans, and the probes of its email
	// domains and TLS endpoints, verify seven goals from data (email
	// security and strong encryption, answered met in the assessment, are
	// not met by the probes: goals 2 and 5 no longer count as met): each
	// carries its check's input beside the assessment's answer.
	checked := map[string][]string{}
	for _, g := range card.Goals {
		for _, in := range g.Inputs {
			if strings.HasPrefix(in.Source, "check:") {
				checked[g.ID] = append(checked[g.ID], in.Source+"="+in.Status)
			}
		}
	}
	for goal, want := range map[string]string{"hph-cpg/essential-1": "check:vuln.kev=not_met", "hph-cpg/essential-3": "check:identity.mfa=partially_met",
		"hph-cpg/essential-6": "check:identity.leavers=not_met", "hph-cpg/essential-8": "check:identity.unique=not_met", "hph-cpg/essential-9": "check:identity.separate=met",
		"hph-cpg/essential-2": "check:email.dmarc=not_met", "hph-cpg/essential-5": "check:crypto.tls=not_met",
		// Its incident response plan, approved thirteen months ago: its yearly
		// review is overdue, so goal 7, answered met, is only partly met.
		"hph-cpg/essential-7": "check:incident.plan=partially_met"} {
		if !slices.Contains(checked[goal], want) {
			t.Errorf("%s verified from data: %q, want %q among them", goal, checked[goal], want)
		}
	}
	// Its Intune export: two laptops without BitLocker; its inventory: the
	// X-ray images sent to the NAS over SMB, unencrypted.
	if !slices.Contains(checked["hph-cpg/essential-5"], "check:crypto.devices=not_met") || !slices.Contains(checked["hph-cpg/essential-5"], "check:crypto.flows=not_met") {
		t.Errorf("the demo's devices do not bear on goal 5: %q", checked["hph-cpg/essential-5"])
	}
	tiers := map[string]int{}
	for _, g := range card.Goals {
		tiers[g.Tier]++
		if !strings.HasPrefix(g.ID, "hph-cpg/") || g.Status == "" {
			t.Errorf("goal %+v", g)
		}
		for _, in := range g.Inputs {
			if in.Source == "" || in.Date == "" || in.Label == "" {
				t.Errorf("%s: an input without its source or date: %+v", g.ID, in)
			}
		}
	}
	if tiers["essential"] != 10 || tiers["enhanced"] != 10 {
		t.Errorf("tiers: %v", tiers)
	}
	svg := filepath.Join(t.TempDir(), "card.svg")
	if code, out, _ := run(t, "scorecard", "--db", db, "--svg", svg); code != 0 || !strings.Contains(out, "essential-3") {
		t.Errorf("scorecard table: exit %d\n%s", code, out)
	}
	if b, err := os.ReadFile(svg); err != nil || !strings.Contains(string(b), "<svg") {
		t.Errorf("--svg: %v", err)
	}
}

func TestAssessmentVerbs(t *testing.T) {
	db := seededDemo(t)
	code, out, errOut := run(t, "assessment", "list", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var list struct {
		Assessments []struct {
			ID, Framework, State string
			Percent              int
		}
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil || len(list.Assessments) != 3 {
		t.Fatalf("list: %v\n%s", err, out)
	}
	states := map[string]int{}
	for _, a := range list.Assessments {
		states[a.Framework+"/"+a.State]++
	}
	if states["hph-cpg/final"] != 1 || states["hph-cpg/draft"] != 1 || states["hipaa-security-rule/draft"] != 1 {
		t.Errorf("assessments: %v", states)
	}
	code, out, _ = run(t, "assessment", "show", "hipaa-security-rule", "--db", db)
	if code != 0 || !strings.Contains(out, "addressable decisions documented") || !strings.Contains(out, "MISSING") || !strings.Contains(out, "Equivalent alternative measure") {
		t.Errorf("show: exit %d\n%s", code, out)
	}
	if code, _, errOut := run(t, "assessment", "show", "nope", "--db", db); code != 1 || !strings.Contains(errOut, `no assessment "nope"`) {
		t.Errorf("unknown assessment: exit %d %s", code, errOut)
	}

	dir := t.TempDir()
	xlsx := filepath.Join(dir, "hipaa.xlsx")
	if code, _, errOut := run(t, "assessment", "export", "hipaa-security-rule", "--format", "xlsx", "--out", xlsx, "--db", db); code != 0 {
		t.Fatalf("export: %s", errOut)
	}
	code, out, _ = run(t, "assessment", "export", "hipaa-security-rule", "--format", "csv", "--db", db)
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if code != 0 || err != nil || len(recs) != 72 {
		t.Errorf("csv export: exit %d, %d records, %v", code, len(recs), err)
	}
	if code, _, errOut := run(t, "assessment", "export", "hph-cpg", "--format", "pdf", "--db", db); code != 2 || !strings.Contains(errOut, "use xlsx, csv, json or oscal") {
		t.Errorf("unknown format: exit %d %s", code, errOut)
	}

	// Edit the workbook, preview the import, apply it.
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows("Answers")
	for i, r := range rows {
		if r[0] == "hipaa-sr/164.312(c)(1)" {
			cell, _ := excelize.CoordinatesToCellName(7, i+1)
			f.SetCellValue("Answers", cell, "Partially implemented")
		}
	}
	if err := f.SaveAs(xlsx); err != nil {
		t.Fatal(err)
	}
	code, out, _ = run(t, "assessment", "import", "hipaa-security-rule", xlsx, "--db", db)
	if code != 0 || !strings.Contains(out, "would change 1 item(s)") || !strings.Contains(out, `164.312(c)(1) status: "Not answered" → "Partially implemented"`) || !strings.Contains(out, "Nothing written") {
		t.Errorf("preview: exit %d\n%s", code, out)
	}
	if code, out, _ = run(t, "assessment", "import", "hipaa-security-rule", xlsx, "--apply", "--db", db); code != 0 || !strings.Contains(out, "Applied 1 change") {
		t.Errorf("apply: exit %d\n%s", code, out)
	}
	if code, out, _ = run(t, "assessment", "import", "hipaa-security-rule", xlsx, "--db", db); !strings.Contains(out, "would change 0 item(s)") {
		t.Errorf("after apply: exit %d\n%s", code, out)
	}
	if code, _, errOut := run(t, "assessment", "import", "hph-cpg", xlsx, "--db", db); code != 2 || !strings.Contains(errOut, `is not an item of this HPH CPGs assessment`) {
		t.Errorf("a HIPAA workbook into the CPG assessment: exit %d %s", code, errOut)
	}
}

// demoEvidence is the evidence service the demo seeds through, over s.
func demoEvidence(s *store.Store) *evidence.Service {
	v := vault.New(s, vault.Keyring{{ID: "demo", Key: make([]byte, 32)}})
	return &evidence.Service{Blobs: &blob.Store{Backend: blob.Database{Rows: s}, Sealer: v}, Sealer: v}
}

// The demo clinic's Security Rule assessment as OSCAL assessment-results:
// valid against the official 1.1.3 schema; a finding per applicable item
// pointing at the control of Safeguard's catalog export, its status and
// its addressable decision; excluded items named; the evidence behind an
// answer in its observation.
func TestAssessmentExportOSCAL(t *testing.T) {
	db := seededDemo(t)
	code, out, errOut := run(t, "assessment", "export", "hipaa-security-rule", "--format", "oscal", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	oscaltest.Validate(t, []byte(out))
	var doc struct {
		AR struct {
			ImportAp struct{ Href string } `json:"import-ap"`
			Results  []struct {
				ReviewedControls struct {
					ControlSelections []struct {
						IncludeControls []struct {
							ControlID string `json:"control-id"`
						} `json:"include-controls"`
					} `json:"control-selections"`
				} `json:"reviewed-controls"`
				Findings []struct {
					Title   string
					Remarks string
					Props   []struct{ Name, Value string }
					Target  struct {
						TargetID string `json:"target-id"`
						Status   struct{ State, Reason string }
						Impl     *struct{ State string } `json:"implementation-status"`
					}
					RelatedObservations []struct {
						UUID string `json:"observation-uuid"`
					} `json:"related-observations"`
				}
				Observations []struct {
					UUID             string
					Methods          []string
					RelevantEvidence []struct{ Description string } `json:"relevant-evidence"`
				}
			}
			BackMatter struct {
				Resources []struct{ UUID string }
			} `json:"back-matter"`
		} `json:"assessment-results"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	ar := doc.AR
	if len(ar.Results) != 1 || len(ar.BackMatter.Resources) != 1 || ar.ImportAp.Href != "#"+ar.BackMatter.Resources[0].UUID {
		t.Fatalf("results %d, import-ap %q", len(ar.Results), ar.ImportAp.Href)
	}
	res := ar.Results[0]
	// The findings point at the controls of the catalog's own export.
	code, cat, _ := run(t, "catalog", "export", "hipaa-security-rule", "--format", "oscal")
	if code != 0 {
		t.Fatal("catalog export")
	}
	if len(res.Findings) != 64 || len(res.ReviewedControls.ControlSelections[0].IncludeControls) != 64 {
		t.Errorf("%d findings, %d controls reviewed; want the 64 applicable items", len(res.Findings), len(res.ReviewedControls.ControlSelections[0].IncludeControls))
	}
	observed := map[string]bool{}
	examined := 0
	for _, o := range res.Observations {
		observed[o.UUID] = true
		if slices.Contains(o.Methods, "EXAMINE") && len(o.RelevantEvidence) > 0 {
			examined++
		}
	}
	found := false
	for _, f := range res.Findings {
		if !strings.Contains(cat, `"id": "`+f.Target.TargetID+`"`) {
			t.Errorf("%s: target %s is not a control of the catalog export", f.Title, f.Target.TargetID)
		}
		for _, r := range f.RelatedObservations {
			if !observed[r.UUID] {
				t.Errorf("%s: observation %s is not in the result", f.Title, r.UUID)
			}
		}
		if strings.HasPrefix(f.Title, "164.308(a)(5)(ii)(A) ") {
			found = true
			decided := slices.ContainsFunc(f.Props, func(p struct{ Name, Value string }) bool {
				return p.Name == "addressable-decision" && p.Value == "alternative"
			})
			if f.Target.Status.State != "satisfied" || f.Target.Impl == nil || f.Target.Impl.State != "alternative" || !decided || !strings.Contains(f.Remarks, "164.306(d)(3)(ii)(B)(1)") {
				t.Errorf("security reminders: %+v", f)
			}
		}
	}
	if !found || examined == 0 {
		t.Errorf("the alternative decision found %v, %d observations with evidence", found, examined)
	}
}
