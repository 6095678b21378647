package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/check"

	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

func TestCheckRunFromTheCommandLine(t *testing.T) {
	db := storetest.SQLitePath(t)
	if code, _, errOut := run(t, "org", "create", "--slug", "riverside", "--name", "Riverside", "--type", "provider", "--db", db); code != 0 {
		t.Fatal(errOut)
	}
	data := filepath.Join("..", "ingest", "testdata")
	code, out, errOut := run(t, "import", filepath.Join(data, "entra-mfa.csv"), filepath.Join(data, "entra-users.csv"), filepath.Join(data, "ad-users.csv"), filepath.Join(data, "kev-small.json"), "--db", db)
	if code != 0 || !strings.Contains(out, "entra-mfa.csv: MFA registration of 9 users") || !strings.Contains(out, "entra-users.csv: 10 accounts (Microsoft Entra ID users) of Microsoft Entra ID, 0 matched to people of the roster") ||
		!strings.Contains(out, "ad-users.csv: 11 accounts (Active Directory (Get-ADUser | Export-Csv))") {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	// Each file that landed queued a run of the checks for the server, in
	// its own transaction: three for the organisation's; the KEV catalog
	// the walk of every organisation's order to fix, which runs their
	// checks when it is done.
	if strings.Count(out, "the checks of riverside are queued") != 3 || !strings.Contains(out, "every organisation's order to fix follows it; their checks are queued") {
		t.Errorf("import did not say the checks are queued:\n%s", out)
	}
	raw, err := store.OpenSQLiteFile(db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	var queued int
	if err := raw.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'check_run' AND state = 'available'`).Scan(&queued); err != nil || queued != 3 {
		t.Errorf("%d check runs queued, want 3 (%v)", queued, err)
	}
	if err := raw.QueryRow(`SELECT COUNT(*) FROM river_job WHERE kind = 'rank_refresh' AND state = 'available'`).Scan(&queued); err != nil || queued != 1 {
		t.Errorf("%d walks of the order queued, want 1 (%v)", queued, err)
	}
	code, _, errOut = run(t, "import", filepath.Join(data, "accounts-bad.csv"), "--db", db)
	if code == 0 || !strings.Contains(errOut, `line 4, column "enabled": "maybe" is not true or false`) {
		t.Errorf("bad accounts: exit %d %s", code, errOut)
	}

	code, out, errOut = run(t, "check", "run", "--json", "--db", db)
	if code != 0 {
		t.Fatalf("check run: exit %d %s", code, errOut)
	}
	var results []struct {
		ID      string         `json:"id"`
		Goal    string         `json:"goal"`
		Items   []string       `json:"items"`
		Status  string         `json:"status"`
		Counts  map[string]int `json:"counts"`
		Result  string         `json:"result"`
		Records []string       `json:"records"`
	}
	if err := json.Unmarshal([]byte(out), &results); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	by := map[string]int{}
	for i, r := range results {
		by[r.ID] = i
	}
	if len(results) != len(check.Catalog) {
		t.Fatalf("%d checks: %s", len(results), out)
	}
	mfa := results[by["identity.mfa"]]
	if mfa.Goal != "hph-cpg/essential-3" || mfa.Items[0] != "hipaa-sr/164.312(d)" || mfa.Status != "fail" || mfa.Counts["without_mfa"] != 4 || len(mfa.Records) != 4 || mfa.Result == "" {
		t.Errorf("mfa: %+v", mfa)
	}
	// No roster: the leavers check cannot tell; no scans: neither can the KEV check.
	if r := results[by["identity.leavers"]]; r.Status != "unknown" || len(r.Records) != 0 {
		t.Errorf("leavers without a roster: %+v", r)
	}
	if r := results[by["vuln.kev"]]; r.Status != "unknown" {
		t.Errorf("kev without scans: %+v", r)
	}

	code, out, _ = run(t, "check", "show", mfa.Result, "--db", db)
	if code != 0 || !strings.Contains(out, "identity.mfa — Multifactor authentication: FAIL") || !strings.Contains(out, "entra-users:owner@riverside.example") || !strings.Contains(out, "privileged (an admin role in Entra ID)") {
		t.Errorf("check show: %s", out)
	}
	if code, out, _ := run(t, "check", "show", "--db", db); code != 0 || strings.Count(out, "result ") != len(check.Catalog) {
		t.Errorf("newest results: %s", out)
	}
	if code, out, _ := run(t, "check", "settings", "--dormant-days", "60", "--kev-window-days", "14", "--db", db); code != 0 || !strings.Contains(out, "Dormant after 60 days") || !strings.Contains(out, "KEV window: 14 days") {
		t.Errorf("settings: %s", out)
	}
	if code, _, errOut := run(t, "check", "settings", "--unused-days", "-3", "--db", db); code == 0 || !strings.Contains(errOut, "cannot be negative") {
		t.Errorf("negative setting: %s", errOut)
	}

	// The results are the scorecard's inputs: with no assessment, the
	// checks decide the goals they verify.
	if code, out, _ := run(t, "scorecard", "--json", "--db", db); code != 0 || !strings.Contains(out, "check:identity.mfa") || !strings.Contains(out, "Check: Separate user and privileged accounts") {
		t.Errorf("scorecard: exit %d %s", code, out)
	}
	if _, out, _ := run(t, "scorecard", "--db", db); !strings.Contains(out, "essential-3   essential  Not met") || !strings.Contains(out, "essential-1   essential  Unknown") {
		t.Errorf("scorecard: %s", out)
	}

	// The failing checks are proposed to the risk register.
	if code, out, _ := run(t, "check", "run", "--db", db); code != 0 || !strings.Contains(out, "Proposed to the risk register, awaiting review: Multifactor authentication:") {
		t.Errorf("proposed to the register: exit %d %s", code, out)
	}
}

func TestFindingsFromTheCommandLine(t *testing.T) {
	db := storetest.SQLitePath(t)
	if code, _, errOut := run(t, "org", "create", "--slug", "riverside", "--name", "Riverside", "--type", "provider", "--db", db); code != 0 {
		t.Fatal(errOut)
	}
	if code, out, _ := run(t, "findings", "remediation", "--db", db); code != 0 || !strings.Contains(out, "No open findings") {
		t.Errorf("nothing imported: %s", out)
	}
	data := filepath.Join("..", "ingest", "testdata")
	if code, out, errOut := run(t, "import", filepath.Join(data, "kev-small.json"), filepath.Join(data, "openvas-small.xml"), filepath.Join(data, "cyclonedx-small.json"), "--db", db); code != 0 {
		t.Fatalf("import: exit %d\n%s%s", code, out, errOut)
	}
	// Log4Shell is the one KEV-listed CVE (the GitHub advisories name it
	// too): its three findings come first, then by EPSS (none imported) and
	// CVSS.
	code, out, errOut := run(t, "findings", "remediation", "--limit", "4", "--db", db)
	if code != 0 || !strings.Contains(out, "6 open findings; numbers 1 to 4 in the order to fix them:") ||
		!strings.Contains(out, "  1. CVE-2021-44228 on org.apache.logging.log4j/log4j-core 2.14.1 in registry.riverside.example/hl7-interface (critical)") ||
		!strings.Contains(out, "KEV-listed since 2021-12-10") || !strings.Contains(out, "ahead of #2 on CVSS (10.0 > 9.0)") ||
		!strings.Contains(out, "  4. CVE-2019-0708 on 10.20.0.31 3389/tcp (high)") {
		t.Errorf("remediation: exit %d\n%s%s", code, out, errOut)
	}
	// The next page starts after the cursor the first printed.
	_, more, ok := strings.Cut(out, "More: --after ")
	if !ok {
		t.Fatalf("no cursor to the next page:\n%s", out)
	}
	code, out, errOut = run(t, "findings", "remediation", "--limit", "4", "--after", strings.TrimSpace(more), "--db", db)
	if code != 0 || !strings.Contains(out, "6 open findings; numbers 5 to 6 in the order to fix them:") || strings.Contains(out, "More:") {
		t.Errorf("the next page: exit %d\n%s%s", code, out, errOut)
	}
	code, out, _ = run(t, "findings", "remediation", "--json", "--db", db)
	var list struct {
		Open int `json:"open"`
		Rows []struct {
			Rank int    `json:"rank"`
			CVE  string `json:"cve"`
			Why  string `json:"why"`
		} `json:"rows"`
	}
	if err := json.Unmarshal([]byte(out), &list); code != 0 || err != nil || list.Open != 6 || len(list.Rows) != 6 || list.Rows[5].Why == "" {
		t.Errorf("remediation --json: %v\n%s", err, out)
	}
	if code, out, _ := run(t, "findings", "trend", "--db", db); code != 0 || !strings.Contains(out, "6 new, 0 fixed, 0 still open") || !strings.Contains(out, "first scan") {
		t.Errorf("trend: %s", out)
	}
}

// An account export names its system: two generic exports of two systems
// are both kept, and --preview says what a file would change, writing
// nothing.
func TestImportAccountsPerSystem(t *testing.T) {
	db := storetest.SQLitePath(t)
	run(t, "org", "create", "--slug", "riverside", "--name", "Riverside", "--type", "provider", "--db", db)
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	ehr := write("ehr.csv", "account,name,enabled\nOOWENS,Olivia Owens,yes\nSPATEL,Sam Patel,yes\n")
	vpn := write("vpn.csv", "account,name,enabled\noowens,Olivia Owens,yes\n")
	if code, out, errOut := run(t, "import", "--system", "Epic EHR", ehr, "--db", db); code != 0 || !strings.Contains(out, "2 accounts (Safeguard account CSV) of Epic EHR") {
		t.Fatalf("ehr: %d %s%s", code, out, errOut)
	}
	if code, out, errOut := run(t, "import", "--system", "VPN", vpn, "--db", db); code != 0 || strings.Contains(out, "replaced") {
		t.Fatalf("vpn: %d %s%s", code, out, errOut)
	}
	next := write("ehr-2.csv", "account,name,enabled\nOOWENS,Olivia Owens,no\nDREYES,Dee Reyes,yes\n")
	code, out, errOut := run(t, "import", "--system", "Epic EHR", "--preview", next, "--db", db)
	if code != 0 || !strings.Contains(out, "Importing it would add 1, change 1 and remove 1 of Epic EHR's accounts (0 unchanged); nothing is written") ||
		!strings.Contains(out, "added: DREYES") || !strings.Contains(out, "changed: OOWENS") || !strings.Contains(out, "removed: SPATEL") {
		t.Errorf("preview: %d %s%s", code, out, errOut)
	}
	if code, out, _ := run(t, "import", "--system", "Epic EHR", next, "--db", db); code != 0 || !strings.Contains(out, "replaced the 2 accounts of Epic EHR's previous export") {
		t.Errorf("the next export: %d %s", code, out)
	}
	if code, _, errOut := run(t, "import", "--preview", filepath.Join("..", "ingest", "testdata", "kev-small.json"), "--db", db); code != 2 || !strings.Contains(errOut, "a preview is an account export's") {
		t.Errorf("preview of a catalog: %d %s", code, errOut)
	}
}

// import --list-formats prints the registry: every format --format takes,
// with what it brings.
func TestImportListFormats(t *testing.T) {
	code, out, errOut := run(t, "import", "--list-formats")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, f := range ingest.Formats() {
		if f.Brings == "" || !strings.Contains(out, f.ID) || !strings.Contains(out, f.Brings) {
			t.Errorf("%s is not listed with what it brings (%q):\n%s", f.ID, f.Brings, out)
		}
	}
	if code, _, _ := run(t, "import", "--list-formats", "x.csv"); code != 2 {
		t.Errorf("--list-formats with a file: exit %d, want 2", code)
	}
}
