package cli_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The vendor verbs: a register file previewed, then applied; listed and
// shown as text and JSON; exported as CSV and XLSX, each of which imports
// back changing nothing; a bad file refused with its cells named.
func TestVendorCommands(t *testing.T) {
	db := filepath.Join(t.TempDir(), "safeguard.db")
	if code, _, errOut := run(t, "org", "create", "--slug", "riverside", "--name", "Riverside", "--type", "provider", "--db", db); code != 0 {
		t.Fatal(errOut)
	}
	dir := t.TempDir()
	inventory := filepath.Join(dir, "inventory.csv")
	os.WriteFile(inventory, []byte("name,type,maintains\nCloud EHR,application,yes\n"), 0o600)
	if code, _, errOut := run(t, "risk", "asset", "import", inventory, "--apply", "--db", db); code != 0 {
		t.Fatal(errOut)
	}
	file := filepath.Join(dir, "vendors.csv")
	src, err := os.ReadFile(filepath.Join("..", "vendor", "testdata", "vendors.csv"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(file, []byte(strings.ReplaceAll(string(src), ",EHR,", ",Cloud EHR,")), 0o600)

	code, out, errOut := run(t, "vendor", "import", file, "--db", db)
	if code != 0 || !strings.Contains(out, "5 vendor(s) to add") || !strings.Contains(out, "Nothing written") {
		t.Fatalf("preview: exit %d: %s %s", code, out, errOut)
	}
	if _, out, _ := run(t, "vendor", "list", "--json", "--db", db); strings.TrimSpace(out) != "[]" {
		t.Fatalf("a preview wrote: %s", out)
	}
	if code, out, errOut := run(t, "vendor", "import", file, "--apply", "--db", db); code != 0 || !strings.Contains(out, "Imported.") {
		t.Fatalf("apply: exit %d: %s %s", code, out, errOut)
	}
	code, out, errOut = run(t, "vendor", "list", "--json", "--db", db)
	if code != 0 {
		t.Fatalf("list: %s", errOut)
	}
	var vs []struct {
		ID, Name, Status    string
		TierWhy             string `json:"tier_why"`
		BusinessAssociate   bool   `json:"business_associate"`
		Tier                int
		AssetNames          []string `json:"asset_names"`
		SubcontractorOfName string   `json:"subcontractor_of_name"`
		Contacts            []struct{ Email string }
	}
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatal(err)
	}
	if len(vs) != 5 {
		t.Fatalf("%d vendors: %s", len(vs), out)
	}
	by := map[string]int{}
	for i, v := range vs {
		by[v.Name] = i
	}
	ehr, backup := vs[by["Northwind EHR"]], vs[by["Vaultline Backup"]]
	if !ehr.BusinessAssociate || ehr.Tier != 1 || len(ehr.AssetNames) != 1 || ehr.AssetNames[0] != "Cloud EHR" || ehr.Contacts[0].Email != "sam.patel@northwind-ehr.example" {
		t.Errorf("Northwind EHR: %+v", ehr)
	}
	if backup.BusinessAssociate || backup.SubcontractorOfName != "Northwind EHR" {
		t.Errorf("Vaultline Backup: %+v", backup)
	}
	_, out, _ = run(t, "vendor", "list", "--db", db)
	if !strings.Contains(out, "Shred-Right") || !strings.Contains(out, "not a business associate") {
		t.Errorf("list: %s", out)
	}
	code, out, _ = run(t, "vendor", "show", "vaultline backup", "--db", db)
	if code != 0 || !strings.Contains(out, "subcontractor of a business associate (of Northwind EHR)") || !strings.Contains(out, "Stores Northwind EHR's backups") {
		t.Errorf("show: %s", out)
	}
	if code, _, errOut := run(t, "vendor", "show", "Nobody", "--db", db); code == 0 || !strings.Contains(errOut, `no vendor "Nobody"`) {
		t.Errorf("show of no vendor: %d %s", code, errOut)
	}

	// What export writes imports back changing nothing, as CSV and XLSX.
	code, out, errOut = run(t, "vendor", "export", "--db", db)
	if code != 0 || !strings.HasPrefix(out, "name,services,") {
		t.Fatalf("export: %d %s %s", code, out, errOut)
	}
	csvFile := filepath.Join(dir, "export.csv")
	os.WriteFile(csvFile, []byte(out), 0o600)
	xlsxFile := filepath.Join(dir, "export.xlsx")
	if code, _, errOut := run(t, "vendor", "export", "--format", "xlsx", "--output", xlsxFile, "--db", db); code != 0 {
		t.Fatalf("export xlsx: %s", errOut)
	}
	for _, f := range []string{csvFile, xlsxFile} {
		if code, out, errOut := run(t, "vendor", "import", f, "--db", db); code != 0 || !strings.Contains(out, "0 vendor(s) to add, 0 to update, 5 unchanged") {
			t.Errorf("%s imported back: %d %s %s", filepath.Base(f), code, out, errOut)
		}
	}

	bad := filepath.Join(dir, "bad.csv")
	os.WriteFile(bad, []byte("name,access\nCourier,teleport\n"), 0o600)
	if code, _, errOut := run(t, "vendor", "import", bad, "--apply", "--db", db); code == 0 || !strings.Contains(errOut, `line 2, column "access": "teleport"`) {
		t.Errorf("a bad file: %d %s", code, errOut)
	}
}

// The demo clinic's register: eight vendors, six business associates (all
// but the shredder in tier 1, for the records they hold), the backup
// store a subcontractor of the IT provider, the reference lab not a
// business associate for its treatment disclosures; the billing
// service's agreement expired, the answering service's missing, the EHR
// vendor's due for review.
func TestDemoVendors(t *testing.T) {
	db := seededDemo(t)
	code, out, errOut := run(t, "vendor", "list", "--json", "--db", db)
	if code != 0 {
		t.Fatal(errOut)
	}
	var vs []struct {
		Name, Status        string
		BusinessAssociate   bool   `json:"business_associate"`
		SubcontractorOfName string `json:"subcontractor_of_name"`
		StatusReason        string `json:"status_reason"`
		Agreement           string
		Review              string
		Questionnaire       string
		Score               *int `json:"questionnaire_score"`
		Exceptions          int  `json:"questionnaire_exceptions"`
		Tier                int
	}
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatal(err)
	}
	bas, tiers, agreements, reviews, questionnaires := 0, map[int]int{}, map[string]string{}, map[string]string{}, map[string]string{}
	for _, v := range vs {
		agreements[v.Name] = v.Agreement
		reviews[v.Name] = v.Review
		questionnaires[v.Name] = v.Questionnaire
		if v.Score != nil {
			questionnaires[v.Name] += fmt.Sprintf(" %d%% %d", *v.Score, v.Exceptions)
		}
		if v.BusinessAssociate {
			bas++
		}
		tiers[v.Tier]++
		switch v.Name {
		case "Backblaze":
			if v.Status != "subcontractor" || v.SubcontractorOfName != "Riverbend IT Services" {
				t.Errorf("Backblaze: %+v", v)
			}
		case "Summit Reference Lab":
			if v.Status != "not-business-associate" || !strings.Contains(v.StatusReason, "164.502(e)(1)(ii)(A)") {
				t.Errorf("the lab: %+v", v)
			}
		}
	}
	if len(vs) != 8 || bas != 6 || tiers[1] != 7 || tiers[2] != 1 {
		t.Errorf("%d vendors, %d business associates, tiers %v", len(vs), bas, tiers)
	}
	want := map[string]string{"Cedar Health EHR": "review-overdue", "ClearClaim": "expired", "Riverbend IT Services": "current", "VisitLink": "current",
		"Shred-Right": "current", "NightLine Answering": "missing", "Backblaze": "not-needed", "Summit Reference Lab": "not-needed"}
	for name, status := range want {
		if agreements[name] != status {
			t.Errorf("%s: agreement %q, want %q", name, agreements[name], status)
		}
	}
	for name, status := range map[string]string{"Riverbend IT Services": "overdue", "Cedar Health EHR": "due-soon", "NightLine Answering": "due-soon", "ClearClaim": "up-to-date"} {
		if reviews[name] != status {
			t.Errorf("%s: review %q, want %q", name, reviews[name], status)
		}
	}
	// The EHR vendor answered its questionnaire with two exceptions of
	// weight 1 and 2 out of 37; the IT provider's expired unanswered.
	for name, status := range map[string]string{"Cedar Health EHR": "answered 91% 2", "Riverbend IT Services": "overdue", "ClearClaim": ""} {
		if questionnaires[name] != status {
			t.Errorf("%s: questionnaire %q, want %q", name, questionnaires[name], status)
		}
	}
	_, out, _ = run(t, "vendor", "show", "Cedar Health EHR", "--db", db)
	if !strings.Contains(out, "answered (newest answers: 91%, 2 exception(s))") {
		t.Errorf("vendor show lacks the questionnaire:\n%s", out)
	}
	_, out, _ = run(t, "vendor", "list", "--db", db)
	if !strings.Contains(out, "AGREEMENT") || !strings.Contains(out, "expired") {
		t.Errorf("the list without agreements:\n%s", out)
	}

	// The scorecard shows goal 10 and enhanced goals 2 and 3 with the
	// vendor checks as their data inputs.
	code, out, errOut = run(t, "scorecard", "--json", "--db", db)
	if code != 0 {
		t.Fatal(errOut)
	}
	var card struct {
		Goals []struct {
			ID     string
			Inputs []struct{ Source, Status string }
		}
	}
	if err := json.Unmarshal([]byte(out), &card); err != nil {
		t.Fatal(err)
	}
	inputs := map[string][]string{}
	for _, g := range card.Goals {
		for _, in := range g.Inputs {
			if strings.HasPrefix(in.Source, "check:vendor.") {
				inputs[g.ID] = append(inputs[g.ID], in.Source+"="+in.Status)
			}
		}
	}
	for goal, want := range map[string]string{"hph-cpg/essential-10": "check:vendor.baa=not_met", "hph-cpg/enhanced-2": "check:vendor.disclosure=not_met", "hph-cpg/enhanced-3": "check:vendor.incident-reporting=not_met"} {
		if !slices.Contains(inputs[goal], want) {
			t.Errorf("%s: the vendor checks' inputs %v, want %s", goal, inputs[goal], want)
		}
	}
}
