package bench

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// A Step is one measured process: Safeguard's own binary, sqlite3 or
// psql.
type Step struct {
	Name  string
	Argv  []string
	Stdin string // a script fed to the process, for sqlite3 and psql
	Dir   string
	// Server names the database server's processes whose CPU the step
	// also costs ("postgres"), when the database runs on this machine.
	Server string
}

// Measure is what one step took.
type Measure struct {
	Name      string
	Seconds   float64
	CPU       float64 // the process's CPU time, user and system
	ServerCPU float64 // the database server's CPU time meanwhile (Step.Server)
	PeakMiB   float64 // the process's peak resident memory
	Output    string
}

// Run runs a step to its end and measures its wall time and peak resident
// memory (the kernel's max RSS of the process). A failing step is an
// error carrying its output.
func Run(s Step) (*Measure, error) {
	cmd := exec.Command(s.Argv[0], s.Argv[1:]...)
	cmd.Dir = s.Dir
	if s.Stdin != "" {
		cmd.Stdin = strings.NewReader(s.Stdin)
	}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	var server float64
	if s.Server != "" {
		server = NamedCPU(s.Server)
	}
	start := time.Now()
	err := cmd.Run()
	m := &Measure{Name: s.Name, Seconds: time.Since(start).Seconds(), Output: out.String()}
	if s.Server != "" {
		m.ServerCPU = NamedCPU(s.Server) - server
	}
	if cmd.ProcessState == nil {
		return m, fmt.Errorf("%s: %v", s.Name, err)
	}
	m.CPU = (cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()).Seconds()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.PeakMiB = float64(ru.Maxrss) / 1024 // Linux reports KiB
	}
	if err != nil {
		return m, fmt.Errorf("%s: %v\n%s", s.Name, err, tail(out.String(), 2000))
	}
	return m, nil
}

// RunAll runs the steps one after another, stopping at the first that
// fails.
func RunAll(steps ...Step) ([]*Measure, error) {
	var out []*Measure
	for _, s := range steps {
		m, err := Run(s)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// Report is one scenario's measures side by side.
type Report struct {
	Scenario  string
	Baseliner string // what runs the baseline: sqlite3, or psql
	Safeguard []*Measure
	Baseline  []*Measure
	Floor     *Measure // reading and decoding the files, nothing stored (findings only)
}

// total sums steps' wall time and CPU time (the process's and the
// database server's) and takes their peak memory.
func total(ms []*Measure) (secs, cpu, peak float64) {
	for _, m := range ms {
		secs += m.Seconds
		cpu += m.CPU + m.ServerCPU
		peak = max(peak, m.PeakMiB)
	}
	return secs, cpu, peak
}

// Write prints the report: each step with its wall time, its CPU time
// (and the database server's, on PostgreSQL) and peak memory, the totals
// and the ratios of wall time and of CPU time.
func (r *Report) Write(w io.Writer) {
	fmt.Fprintf(w, "%s\n", r.Scenario)
	baseliner := cmp.Or(r.Baseliner, "sqlite3")
	line := func(side string, m *Measure) {
		server := ""
		if m.ServerCPU > 0 {
			server = fmt.Sprintf(" + %.2f s server", m.ServerCPU)
		}
		fmt.Fprintf(w, "  %-17s %-44s %9.2f s  CPU %.2f s%s %8.0f MiB\n", side, m.Name, m.Seconds, m.CPU, server, m.PeakMiB)
	}
	for _, side := range []struct {
		name string
		ms   []*Measure
	}{{"Safeguard", r.Safeguard}, {baseliner + " baseline", r.Baseline}} {
		for _, m := range side.ms {
			line(side.name, m)
		}
	}
	if r.Floor != nil {
		line("floor", r.Floor)
	}
	sg, sgCPU, sgPeak := total(r.Safeguard)
	base, baseCPU, basePeak := total(r.Baseline)
	fmt.Fprintf(w, "  Safeguard %.2f s, CPU %.2f s (peak %.0f MiB); %s %.2f s, CPU %.2f s (peak %.0f MiB): Safeguard is %.2f× the baseline's speed (%.2f× by CPU)\n",
		sg, sgCPU, sgPeak, baseliner, base, baseCPU, basePeak, base/sg, baseCPU/sgCPU)
	if r.Floor != nil {
		fmt.Fprintf(w, "  Safeguard's import and checks take %.2f× the time to read and decode the files (%.2f× by CPU)\n", sg/r.Floor.Seconds, sgCPU/r.Floor.CPU)
	}
}

// KEVCatalog writes a catalog of n entries in the KEV JSON format, for a
// run without the real catalog, and returns its CVEs.
func KEVCatalog(path string, n int) ([]string, error) {
	r := rand.New(rand.NewPCG(3, 5))
	var vulns []map[string]any
	var cves []string
	seen := map[string]bool{}
	for len(vulns) < n {
		cve := fmt.Sprintf("CVE-%d-%d", 2015+r.IntN(11), 1000+r.IntN(9000))
		if seen[cve] {
			continue
		}
		seen[cve] = true
		added := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(1400))
		vulns = append(vulns, map[string]any{"cveID": cve, "vendorProject": "Vendor", "product": "Product", "vulnerabilityName": "Exploited flaw " + cve,
			"dateAdded": added.Format(time.DateOnly), "shortDescription": "A known exploited flaw.", "requiredAction": "Apply updates per vendor instructions.",
			"dueDate": added.AddDate(0, 0, 21).Format(time.DateOnly), "knownRansomwareCampaignUse": "Unknown", "notes": "", "cwes": []string{}})
		cves = append(cves, cve)
	}
	b, err := json.Marshal(map[string]any{"title": "CISA Catalog of Known Exploited Vulnerabilities (synthetic)", "catalogVersion": "2026.11.23",
		"dateReleased": "2026-11-23T00:00:00.000Z", "count": n, "vulnerabilities": vulns})
	if err != nil {
		return nil, err
	}
	return cves, os.WriteFile(path, b, 0o644)
}

// KEVCVEs reads the CVEs of a KEV catalog file.
func KEVCVEs(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var c struct {
		Vulnerabilities []struct {
			CVE string `json:"cveID"`
		} `json:"vulnerabilities"`
	}
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	out := make([]string, len(c.Vulnerabilities))
	for i, v := range c.Vulnerabilities {
		out[i] = v.CVE
	}
	return out, nil
}

// IdentityBaseline is the sqlite3 script doing the identity scenario's
// work: load the two CSV files, index the join keys, and count what each
// identity check counts.
const IdentityBaseline = `.mode csv
.import roster.csv roster
.import accounts.csv accounts
CREATE INDEX roster_emp ON roster("Employee Number");
CREATE INDEX accounts_emp ON accounts(employee_id);
.mode list
SELECT 'mfa', count(*) FROM accounts WHERE enabled = 'yes' AND mfa <> 'yes';
SELECT 'leavers', count(*) FROM accounts a JOIN roster r ON r."Employee Number" = a.employee_id WHERE a.enabled = 'yes' AND r."Termination Date" <> '' AND r."Termination Date" <= date('now');
SELECT 'unique', count(*) FROM accounts a WHERE a.enabled = 'yes' AND (a.kind IN ('shared', 'service') OR a.employee_id = '' OR NOT EXISTS (SELECT 1 FROM roster r WHERE r."Employee Number" = a.employee_id));
SELECT 'separate', count(*) FROM accounts WHERE enabled = 'yes' AND privileged = 'yes' AND mailbox = 'yes';
SELECT 'dormant', count(*) FROM accounts WHERE enabled = 'yes' AND (last_login = '' OR last_login < date('now', '-90 days'));
SELECT 'stale_password', count(*) FROM accounts WHERE enabled = 'yes' AND (password_never_expires = 'yes' OR password_last_set < date('now', '-365 days'));
`

// FindingsBaseline is the sqlite3 script doing the findings scenario's
// work: load the inventory and the Nessus CSV export with .import, the
// KEV catalog and the Trivy reports with json_each(readfile(…)), split the
// inventory's identifiers, match the findings to assets and count the
// KEV-listed ones on internet-facing or ePHI assets.
func FindingsBaseline(kev string, trivy []string) string {
	var b strings.Builder
	b.WriteString(`.mode csv
.import inventory.csv assets
.import scan-nessus.csv nessus
CREATE TABLE kev AS SELECT value ->> 'cveID' AS cve, value ->> 'dateAdded' AS added, value ->> 'dueDate' AS due FROM json_each(readfile('` + kev + `'), '$.vulnerabilities');
CREATE TABLE trivy (target TEXT, cve TEXT, pkg TEXT, installed TEXT, severity TEXT, cvss REAL);
`)
	for _, f := range trivy {
		b.WriteString(`INSERT INTO trivy SELECT r.value ->> 'Target', v.value ->> 'VulnerabilityID', v.value ->> 'PkgName', v.value ->> 'InstalledVersion', v.value ->> 'Severity', v.value ->> '$.CVSS.nvd.V3Score'
	FROM json_each(readfile('` + f + `'), '$.Results') r, json_each(r.value, '$.Vulnerabilities') v;
`)
	}
	b.WriteString(`CREATE TABLE asset_ids AS WITH RECURSIVE split(name, id, rest) AS (
	SELECT Name, '', Identifiers || ';' FROM assets
	UNION ALL SELECT name, substr(rest, 1, instr(rest, ';') - 1), substr(rest, instr(rest, ';') + 1) FROM split WHERE rest <> '')
	SELECT name, lower(id) AS id FROM split WHERE id <> '';
CREATE INDEX asset_ids_id ON asset_ids (id);
CREATE INDEX kev_cve ON kev (cve);
CREATE TABLE findings AS
	SELECT a.name AS asset, t.cve AS cve FROM trivy t LEFT JOIN asset_ids a ON a.id = lower(t.target)
	UNION ALL SELECT a.name, n.CVE FROM nessus n LEFT JOIN asset_ids a ON a.id = lower(n.Host);
.mode list
SELECT 'findings', count(*), count(asset) FROM findings;
SELECT 'kev_exposed', count(*) FROM findings f JOIN kev k ON k.cve = f.cve LEFT JOIN assets a ON a.Name = f.asset
	WHERE f.asset IS NULL OR a."Internet facing" = 'yes' OR a.Creates = 'yes' OR a.Receives = 'yes' OR a.Maintains = 'yes' OR a.Transmits = 'yes';
`)
	return b.String()
}
