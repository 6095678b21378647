package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/storetest"
)

func TestWorkforceImportFromTheCommandLine(t *testing.T) {
	db := storetest.SQLitePath(t)
	if code, _, errOut := run(t, "org", "create", "--slug", "riverside", "--name", "Riverside Family Clinic", "--type", "provider", "--db", db); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, errOut := run(t, "training", "program", "--install-starter", "--db", db); code != 0 || !strings.Contains(out, "privileged") || !strings.Contains(out, "access to ePHI at least: administers systems holding ephi") {
		t.Fatalf("install: exit %d\n%s%s", code, out, errOut)
	}
	data := filepath.Join("..", "workforce", "testdata")
	// A bad export: named by row and column, nothing written.
	code, _, errOut := run(t, "workforce", "import", filepath.Join(data, "roster-bad.csv"), "--map", "first_name=Legal First Name", "--map", "last_name=Legal Last Name", "--apply", "--db", db)
	if code == 0 || !strings.Contains(errOut, `line 4, column "Employee Number": duplicate employee id "2001" (first on line 2)`) || !strings.Contains(errOut, `line 2, column "Termination Date": the end date 2023-12-31 is before the start date 2024-01-01`) {
		t.Errorf("bad roster: exit %d\n%s", code, errOut)
	}
	if _, out, _ := run(t, "workforce", "list", "--json", "--db", db); strings.TrimSpace(out) != "[]" {
		t.Errorf("a refused import wrote people: %s", out)
	}
	code, _, errOut = run(t, "workforce", "import", filepath.Join(data, "roster-2026-01.csv"), "--map", "email=E-mail", "--db", db)
	if code == 0 || !strings.Contains(errOut, `the mapping names column(s) the file does not have: "E-mail" (for email)`) {
		t.Errorf("unknown column: exit %d %s", code, errOut)
	}
	// The first import guesses the mapping; --apply writes it and remembers the mapping.
	code, out, errOut := run(t, "workforce", "import", filepath.Join(data, "roster-2026-01.csv"), "--apply", "--db", db)
	if code != 0 || !strings.Contains(out, "6 joiner(s), 0 mover(s)") || !strings.Contains(out, "employee_id=Employee Number") || !strings.Contains(out, "Columns not used: Salary Grade") || !strings.Contains(out, "Imported.") {
		t.Fatalf("first import: exit %d\n%s%s", code, out, errOut)
	}
	// The next export: Tom and Ana leave (both ended before today), Maria moves, Raj joins.
	code, out, errOut = run(t, "workforce", "import", filepath.Join(data, "roster-2026-07.csv"), "--db", db)
	if code != 0 || !strings.Contains(out, "1 joiner(s), 1 mover(s), 2 leaver(s), 3 unchanged") || !strings.Contains(out, "moves  1004 Maria Gomez: position, department, manager") ||
		!strings.Contains(out, "leaves 1005 Tom Baker") || !strings.Contains(out, "Nothing written") {
		t.Fatalf("re-import preview: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, "workforce", "import", filepath.Join(data, "roster-2026-07.csv"), "--apply", "--db", db); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut = run(t, "training", "status", "--json", "--db", db)
	if code != 0 {
		t.Fatal(errOut)
	}
	var st struct {
		Overall struct{ Assigned, Done, Overdue int }
		Modules []struct {
			Name              string
			Assigned, Overdue int
		}
		People []struct {
			EmployeeID  string `json:"employee_id"`
			Assigned    int
			Assignments []struct{ Module, Status, Due string }
		}
	}
	if err := json.Unmarshal([]byte(out), &st); err != nil {
		t.Fatal(err)
	}
	modules := map[string][]string{}
	for _, p := range st.People {
		for _, a := range p.Assignments {
			modules[p.EmployeeID] = append(modules[p.EmployeeID], a.Module)
			if a.Due == "" || a.Status == "" {
				t.Errorf("assignment without due date or status: %+v", a)
			}
		}
	}
	if len(st.People) != 5 || modules["1005"] != nil || modules["1006"] != nil || !strings.Contains(strings.Join(modules["1004"], ","), "billing") ||
		strings.Contains(strings.Join(modules["1004"], ","), "clinician") || !strings.Contains(strings.Join(modules["1007"], ","), "clinician") {
		t.Errorf("training after the re-import: %d people, %v", len(st.People), modules)
	}
	// Completions from a learning system: an unknown person is refused.
	code, _, errOut = run(t, "training", "import", filepath.Join(data, "completions.csv"), "--apply", "--db", db)
	if code == 0 || !strings.Contains(errOut, `line 5, column "employee_id": no person with employee id "9999" on the roster`) {
		t.Errorf("completions for an unknown person: exit %d %s", code, errOut)
	}
	// The scorecard carries the training results.
	_, out, _ = run(t, "scorecard", "--json", "--db", db)
	if !strings.Contains(out, `"source": "training"`) {
		t.Errorf("the scorecard has no training input:\n%.600s", out)
	}
}

func TestKEVAndEPSSFromTheCommandLine(t *testing.T) {
	db := storetest.SQLitePath(t)
	data := filepath.Join("..", "ingest", "testdata")
	code, out, errOut := run(t, "kev", "import", filepath.Join(data, "kev-small.json"), "--db", db)
	if code != 0 || !strings.Contains(out, "the KEV catalog 2026.11.20 (released 2026-11-20), 3 vulnerabilities") {
		t.Fatalf("kev import: exit %d %s%s", code, out, errOut)
	}
	if code, out, _ := run(t, "kev", "import", filepath.Join(data, "kev-small.json"), "--db", db); code != 0 || !strings.Contains(out, "imported before, nothing changed") {
		t.Errorf("again: %s", out)
	}
	if code, _, errOut := run(t, "kev", "import", filepath.Join(data, "kev-truncated.json"), "--db", db); code == 0 || !strings.Contains(errOut, "truncated") {
		t.Errorf("truncated: exit %d %s", code, errOut)
	}
	if code, out, _ := run(t, "kev", "show", "CVE-2024-3400", "--db", db); code != 0 || !strings.Contains(out, "PAN-OS") || !strings.Contains(out, "known ransomware use: Known") {
		t.Errorf("show: %s", out)
	}
	if code, out, _ := run(t, "kev", "show", "--db", db); code != 0 || !strings.Contains(out, "KEV catalog 2026.11.20: 3 vulnerabilities") {
		t.Errorf("show catalog: %s", out)
	}
	if code, out, errOut := run(t, "epss", "import", filepath.Join(data, "epss-small.csv"), "--db", db); code != 0 || !strings.Contains(out, "3 EPSS scores of 2026-11-20T00:00:00Z") {
		t.Errorf("epss: exit %d %s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, "epss", "import", filepath.Join(data, "epss-bad.csv"), "--db", db); code == 0 || !strings.Contains(errOut, `line 4, column "epss": "1.7" is not a probability`) {
		t.Errorf("bad epss: exit %d %s", code, errOut)
	}
}

func TestImportDetectsTheFormat(t *testing.T) {
	db := storetest.SQLitePath(t)
	if code, _, errOut := run(t, "org", "create", "--slug", "riverside", "--name", "Riverside", "--type", "provider", "--db", db); code != 0 {
		t.Fatal(errOut)
	}
	data := filepath.Join("..", "ingest", "testdata")
	code, out, errOut := run(t, "import", filepath.Join(data, "kev-small.json"), filepath.Join(data, "epss-small.csv"), filepath.Join(data, "trivy-small.json"), "--db", db)
	if code != 0 || !strings.Contains(out, "the KEV catalog 2026.11.20 (released 2026-11-20), 3 vulnerabilities") || !strings.Contains(out, "3 EPSS scores") ||
		!strings.Contains(out, "3 findings (Trivy), 0 matched to assets") || !strings.Contains(out, "not in the ePHI inventory: registry.riverside.example/ehr-interface:2.4") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := run(t, "import", filepath.Join(data, "trivy-small.json"), "--db", db); code != 0 || !strings.Contains(out, "imported before, nothing changed") {
		t.Errorf("again: %s", out)
	}
	code, _, errOut = run(t, "import", filepath.Join("..", "risk", "testdata", "inventory.csv"), "--db", db)
	if code == 0 || !strings.Contains(errOut, "the format is not one Safeguard knows") {
		t.Errorf("unknown format: exit %d %s", code, errOut)
	}
	code, _, errOut = run(t, "import", filepath.Join(data, "trivy-truncated.json"), "--db", db)
	if code == 0 || !strings.Contains(errOut, "truncated") {
		t.Errorf("truncated: exit %d %s", code, errOut)
	}
	// Every scanner format, each detected from its content.
	for file, want := range map[string]string{
		"openvas-small.xml":    "3 findings (Greenbone/OpenVAS), 0 matched to assets.\n  1 result passed over",
		"qualys-small.xml":     "3 findings (Qualys XML)",
		"qualys-scan.csv":      "4 findings (Qualys CSV)",
		"sarif-small.sarif":    "5 findings (SARIF)",
		"cyclonedx-small.json": "3 findings (CycloneDX)",
		"spdx-small.json":      "2 findings (SPDX)",
	} {
		code, out, errOut := run(t, "import", "--org", "riverside", filepath.Join(data, file), "--db", db)
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("%s: exit %d\n%s%s", file, code, out, errOut)
		}
	}
	code, _, errOut = run(t, "import", "--format", "qualys", filepath.Join(data, "openvas-small.xml"), "--db", db)
	if code == 0 || !strings.Contains(errOut, "is not a Qualys ASSET_DATA_REPORT") {
		t.Errorf("the wrong --format: exit %d %s", code, errOut)
	}
}
