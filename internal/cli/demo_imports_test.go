package cli_test

import (
	"encoding/json"
	"testing"
)

// The demo's inventory, roster and training completions arrive through
// the imports the pages, the API and the command line use: every asset of
// the clinic's spreadsheet, with its ePHI uses, records and exposure (last
// year's, and this year's new system), two HR exports (everyone, then two
// leavers), and the learning system's export.
func TestDemoImportsItsRecords(t *testing.T) {
	db := seededDemo(t)
	code, out, errOut := run(t, "risk", "asset", "list", "--json", "--db", db)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var assets []struct {
		Name           string
		Records        int64
		Maintains      bool
		InternetFacing bool `json:"internet_facing"`
		Criticality    string
	}
	if err := json.Unmarshal([]byte(out), &assets); err != nil {
		t.Fatal(err)
	}
	by := map[string]int{}
	for i, a := range assets {
		by[a.Name] = i
	}
	if len(assets) < 10 {
		t.Fatalf("%d assets in the demo", len(assets))
	}
	ehr, ok := by["Cloud EHR"]
	if !ok || assets[ehr].Records == 0 || !assets[ehr].Maintains || assets[ehr].Criticality != "critical" {
		t.Errorf("the EHR: %+v", assets[ehr])
	}
	if _, ok := by["Patient portal"]; !ok {
		t.Error("no patient portal")
	}
	internet := 0
	for _, a := range assets {
		if a.InternetFacing {
			internet++
		}
	}
	if internet == 0 {
		t.Error("no internet-facing asset in the demo")
	}
	// Both files are in the audit log as inventory imports.
	_, log, _ := run(t, "audit", "log", "--org", "riverside-demo", "--format", "json", "--limit", "10000", "--db", db)
	var doc struct {
		Entries []struct{ Action, After string }
	}
	if err := json.Unmarshal([]byte(log), &doc); err != nil {
		t.Fatalf("audit log: %v", err)
	}
	files := map[string]float64{}
	completions := 0
	roster := map[string][2]int{}
	for _, e := range doc.Entries {
		if e.Action == "roster.import" {
			var after struct {
				File             string
				Joiners, Leavers int
			}
			if err := json.Unmarshal([]byte(e.After), &after); err != nil {
				t.Fatal(err)
			}
			roster[after.File] = [2]int{after.Joiners, after.Leavers}
		}
		if e.Action == "training.import" {
			var after struct{ Completions int }
			if err := json.Unmarshal([]byte(e.After), &after); err != nil {
				t.Fatal(err)
			}
			completions += after.Completions
		}
		if e.Action == "asset.import" {
			var after struct {
				File  string
				Added float64
			}
			if err := json.Unmarshal([]byte(e.After), &after); err != nil {
				t.Fatal(err)
			}
			files[after.File] = after.Added
		}
	}
	if files["ephi-inventory.csv"] == 0 || files["ephi-inventory-new-system.csv"] == 0 || int(files["ephi-inventory.csv"]+files["ephi-inventory-new-system.csv"]) != len(assets) {
		t.Errorf("inventory imports in the audit log: %v, %d assets", files, len(assets))
	}
	if roster["hr-export-demo.csv"] != [2]int{40, 0} || roster["hr-export-demo-2.csv"] != [2]int{0, 2} {
		t.Errorf("roster imports in the audit log: %v", roster)
	}
	code, out, errOut = run(t, "workforce", "list", "--json", "--db", db)
	if code != 0 {
		t.Fatalf("workforce list: exit %d: %s", code, errOut)
	}
	var people []struct {
		Name, Clearance string
		EndDate         string `json:"end_date"`
	}
	if err := json.Unmarshal([]byte(out), &people); err != nil {
		t.Fatal(err)
	}
	left, unscreened := 0, 0
	for _, p := range people {
		if p.EndDate != "" {
			left++
		}
		if p.Clearance == "" {
			unscreened++
		}
	}
	if len(people) != 40 || left != 2 || unscreened != 0 {
		t.Errorf("the demo roster: %d people, %d left, %d without a clearance recorded", len(people), left, unscreened)
	}
	if completions < 100 {
		t.Errorf("%d completions imported in the demo", completions)
	}
}
