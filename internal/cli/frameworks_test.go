package cli_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"

	"github.com/safeguard-health/safeguard/internal/storetest"
)

// An OSCAL catalog and a profile of it import from the command line as the
// organisation's frameworks; catalog list and show include them with --org
// (and only then); an assessment of one keeps it from being removed, and
// another is removed.
func TestOSCALFrameworksFromTheCommandLine(t *testing.T) {
	db := storetest.SQLitePath(t)
	s := storetest.SQLiteAt(t, db)
	storetest.Riverside(t, s)
	s.Close()
	testdata := func(name string) string { return filepath.Join("..", "catalog", "oscalimport", "testdata", name) }

	code, out, errOut := run(t, "import", "--db", db, "--org", "riverside", testdata("catalog.json"))
	if code != 0 || !strings.Contains(out, `the OSCAL catalog "Clinic Controls Catalog", version 2.1: 6 controls to assess, as the framework clinic-controls-catalog`) {
		t.Fatalf("import catalog: exit %d\n%s%s", code, out, errOut)
	}
	code, out, errOut = run(t, "import", "--db", db, "--org", "riverside", "--framework", "clinic-low", testdata("baseline_profile.json"))
	if code != 0 || !strings.Contains(out, "4 controls to assess, as the framework clinic-low") || !strings.Contains(out, "resolved against Clinic Controls Catalog") {
		t.Fatalf("import profile: exit %d\n%s%s", code, out, errOut)
	}

	code, out, errOut = run(t, "catalog", "list", "--db", db, "--org", "riverside", "--json")
	if code != 0 {
		t.Fatalf("catalog list: exit %d: %s", code, errOut)
	}
	var list struct {
		Frameworks []struct {
			ID       string         `json:"id"`
			Counts   map[string]int `json:"counts"`
			Imported *struct {
				Model    string `json:"model"`
				File     string `json:"file"`
				Controls int    `json:"controls"`
			} `json:"imported"`
		} `json:"frameworks"`
	}
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, fw := range list.Frameworks {
		if fw.Imported != nil {
			got[fw.ID] = fw.Imported.Model + "/" + filepath.Base(fw.Imported.File)
			if fw.Counts["control"] != fw.Imported.Controls {
				t.Errorf("%s: %d controls counted, %d recorded", fw.ID, fw.Counts["control"], fw.Imported.Controls)
			}
		}
	}
	if got["clinic-controls-catalog"] != "catalog/catalog.json" || got["clinic-low"] != "profile/baseline_profile.json" || len(list.Frameworks) != 6 {
		t.Fatalf("imported frameworks listed: %v of %d", got, len(list.Frameworks))
	}
	if code, out, _ := run(t, "catalog", "list"); code != 0 || strings.Contains(out, "clinic-low") {
		t.Fatalf("catalog list without --org: exit %d\n%s", code, out)
	}

	code, out, errOut = run(t, "catalog", "show", "clinic-low", "AC-1", "--db", db, "--org", "riverside", "--json")
	if code != 0 {
		t.Fatalf("catalog show: exit %d: %s", code, errOut)
	}
	var sh shown
	if err := json.Unmarshal([]byte(out), &sh); err != nil {
		t.Fatal(err)
	}
	if sh.Framework.Basis != "guidance" || len(sh.Items) != 1 || sh.Items[0].Kind != "control" || !strings.Contains(sh.Items[0].Text, "at least every 12 months") {
		t.Fatalf("catalog show: %+v", sh)
	}
	if code, _, errOut := run(t, "catalog", "show", "clinic-low"); code == 0 || !strings.Contains(errOut, `unknown framework "clinic-low"`) {
		t.Fatalf("catalog show without --org: exit %d: %s", code, errOut)
	}

	// An assessment keeps its framework.
	s = storetest.SQLiteAt(t, db)
	ctx := context.Background()
	o, err := s.ResolveOrganization(ctx, "riverside")
	if err != nil {
		t.Fatal(err)
	}
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	prog, err := assessment.NewProgram(reg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := prog.Start(ctx, s.Scope(o), "clinic-low", "", "", time.Now()); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if code, _, errOut := run(t, "catalog", "remove", "--db", db, "--org", "riverside", "clinic-low"); code == 0 || !strings.Contains(errOut, "has 1 assessments, which keep it") {
		t.Fatalf("remove a framework with an assessment: exit %d: %s", code, errOut)
	}
	if code, out, errOut := run(t, "catalog", "remove", "--db", db, "--org", "riverside", "clinic-controls-catalog"); code != 0 || !strings.Contains(out, "removed the framework clinic-controls-catalog") {
		t.Fatalf("remove: exit %d: %s%s", code, out, errOut)
	}
}

// The proposed rule from the command line: catalog diff says what each
// proposal changes of today's rule; proposed-rule show gives the
// organisation's delta, off by default; enable switches it on.
func TestProposedRuleFromTheCommandLine(t *testing.T) {
	code, out, errOut := run(t, "catalog", "diff", "hipaa-security-rule", "hipaa-security-rule-nprm-2025", "--json")
	if code != 0 {
		t.Fatalf("catalog diff: exit %d: %s", code, errOut)
	}
	var diff struct {
		To struct {
			Basis string `json:"basis"`
		} `json:"to"`
		Changes []struct {
			Citation string `json:"citation"`
			Touches  []struct {
				ID       string `json:"id"`
				Required *bool  `json:"required"`
				Basis    string `json:"basis"`
			} `json:"touches"`
		} `json:"changes"`
		Untouched []struct {
			ID string `json:"id"`
		} `json:"untouched"`
	}
	if err := json.Unmarshal([]byte(out), &diff); err != nil {
		t.Fatal(err)
	}
	if diff.To.Basis != "proposed" || len(diff.Changes) != 18 || diff.Changes[10].Citation != "NPRM proposal 11" {
		t.Fatalf("diff: basis %q, %d changes", diff.To.Basis, len(diff.Changes))
	}
	addressable := 0
	for _, tc := range diff.Changes[0].Touches {
		if tc.Required != nil && !*tc.Required {
			addressable++
		}
		if tc.Basis != "safeguard" {
			t.Errorf("proposal 1 → %s: basis %q", tc.ID, tc.Basis)
		}
	}
	if addressable != 22 || len(diff.Untouched) == 0 {
		t.Fatalf("proposal 1 touches %d addressable specifications, want 22; %d untouched", addressable, len(diff.Untouched))
	}
	if code, out, _ := run(t, "catalog", "diff", "hipaa-security-rule", "hipaa-security-rule-nprm-2025"); code != 0 || !strings.Contains(out, "is a proposal, not law") ||
		!strings.Contains(out, "changes 164.312(d) Person or entity authentication") {
		t.Fatalf("catalog diff as text: exit %d\n%s", code, out)
	}

	db := storetest.SQLitePath(t)
	s := storetest.SQLiteAt(t, db)
	storetest.Riverside(t, s)
	s.Close()
	code, out, errOut = run(t, "proposed-rule", "show", "--db", db, "--org", "riverside", "--json")
	if code != 0 {
		t.Fatalf("proposed-rule show: exit %d: %s", code, errOut)
	}
	var d struct {
		Enabled bool           `json:"enabled"`
		Counts  map[string]int `json:"counts"`
		Changes []struct {
			Verdict string `json:"verdict"`
		} `json:"changes"`
	}
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.Enabled || len(d.Changes) != 18 || d.Counts["unknown"] != 17 {
		t.Fatalf("delta: %+v", d)
	}
	if code, out, errOut := run(t, "proposed-rule", "enable", "--db", db, "--org", "riverside"); code != 0 || !strings.Contains(out, "is on for riverside") {
		t.Fatalf("enable: exit %d: %s%s", code, out, errOut)
	}
	if code, out, _ := run(t, "proposed-rule", "show", "--db", db, "--org", "riverside"); code != 0 || !strings.Contains(out, "It is on for riverside") || !strings.Contains(out, "NPRM proposal 18") {
		t.Fatalf("show as text: exit %d\n%s", code, out)
	}
}
