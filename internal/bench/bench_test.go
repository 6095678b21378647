package bench_test

import (
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/bench"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store/pgtest"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// The generated files are in the real formats: Safeguard's own readers
// take them, and the sqlite3 baseline loads the same data.
func TestGeneratedFilesReadBack(t *testing.T) {
	dir := t.TempDir()
	id, err := bench.GenIdentity(dir, 500, 800, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open(id.Accounts)
	defer f.Close()
	info, err := ingest.ReadAccounts("accounts.csv", f, ingest.FormatAccounts, func(*ingest.Account) error { return nil })
	if err != nil || info.Records != 800 {
		t.Fatalf("accounts: %+v %v", info, err)
	}
	r, _ := os.Open(id.Roster)
	defer r.Close()
	rows, err := csv.NewReader(r).ReadAll()
	if err != nil || len(rows) != 501 {
		t.Fatalf("roster: %d rows %v", len(rows), err)
	}
	if m := workforce.Guess(rows[0]); m["employee_id"] != "Employee Number" || m["end_date"] != "Termination Date" {
		t.Errorf("the roster's header is not one the import recognises: %v", m)
	}

	kev := filepath.Join(dir, "kev.json")
	cves, err := bench.KEVCatalog(kev, 50)
	if err != nil || len(cves) != 50 {
		t.Fatal(err)
	}
	kf, _ := os.Open(kev)
	defer kf.Close()
	if c, err := ingest.ReadKEV("kev.json", kf); err != nil || len(c.Entries) != 50 {
		t.Fatalf("the synthetic catalog: %v", err)
	}
	fs, err := bench.GenFindings(dir, 2001, 60, cves)
	if err != nil {
		t.Fatal(err)
	}
	n, kevHits := 0, 0
	isKEV := map[string]bool{}
	for _, c := range cves {
		isKEV[c] = true
	}
	for _, path := range append(fs.Trivy, fs.Nessus) {
		b, _ := os.ReadFile(path)
		read, _, ok := ingest.ScanReaderFor(ingest.Detect(b))
		if !ok {
			t.Fatalf("%s is not detected as a scanner's file", path)
		}
		file, _ := os.Open(path)
		if _, err := read(path, file, func(f ingest.Finding) error {
			n++
			if isKEV[f.CVE] {
				kevHits++
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		file.Close()
	}
	if n != 2001 || kevHits == 0 {
		t.Errorf("%d findings read back (%d KEV-listed), want 2001", n, kevHits)
	}

	if _, err := exec.LookPath("sqlite3"); err != nil {
		t.Skip("sqlite3 is not installed: the baseline scripts are not run")
	}
	var rel []string
	for _, p := range fs.Trivy {
		rel = append(rel, filepath.Base(p))
	}
	m, err := bench.Run(bench.Step{Name: "findings baseline", Argv: []string{"sqlite3", filepath.Join(dir, "base.db")}, Stdin: bench.FindingsBaseline("kev.json", rel), Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Output, "findings|2001|2001") || m.PeakMiB <= 0 {
		t.Errorf("the baseline found: %s (%.0f MiB)", m.Output, m.PeakMiB)
	}
	m, err = bench.Run(bench.Step{Name: "identity baseline", Argv: []string{"sqlite3", filepath.Join(dir, "base-id.db")}, Stdin: bench.IdentityBaseline, Dir: dir})
	if err != nil || !strings.Contains(m.Output, "mfa|") || !strings.Contains(m.Output, "leavers|") {
		t.Errorf("the identity baseline: %v %s", err, m.Output)
	}
}

// The psql baselines do the sqlite3 baselines' work: on the same files,
// they print the same counts.
func TestPostgresBaselinesAgree(t *testing.T) {
	for _, tool := range []string{"sqlite3", "psql"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skip(tool + " is not installed: the baselines are not compared")
		}
	}
	db := pgtest.DSN(t)
	dir := t.TempDir()
	if _, err := bench.GenIdentity(dir, 700, 1000, time.Now()); err != nil {
		t.Fatal(err)
	}
	cves, err := bench.KEVCatalog(filepath.Join(dir, "kev.json"), 80)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := bench.GenFindings(dir, 3001, 90, cves)
	if err != nil {
		t.Fatal(err)
	}
	var rel []string
	for _, p := range fs.Trivy {
		rel = append(rel, filepath.Base(p))
	}
	for _, c := range []struct{ name, sqlite, psql string }{
		{"identity", bench.IdentityBaseline, bench.IdentityBaselinePG()},
		{"findings", bench.FindingsBaseline("kev.json", rel), bench.FindingsBaselinePG("kev.json", rel)},
	} {
		lite, err := bench.Run(bench.Step{Name: c.name, Argv: []string{"sqlite3", filepath.Join(dir, c.name+".db")}, Stdin: c.sqlite, Dir: dir})
		if err != nil {
			t.Fatal(err)
		}
		pg, err := bench.Run(bench.Step{Name: c.name, Argv: []string{"psql", "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", db}, Stdin: c.psql, Dir: dir, Server: "postgres"})
		if err != nil {
			t.Fatal(err)
		}
		if strings.TrimSpace(lite.Output) != strings.TrimSpace(pg.Output) || strings.Count(lite.Output, "\n") < 2 || strings.Contains(lite.Output, "|0\n") {
			t.Errorf("%s: sqlite3 printed\n%s\npsql printed\n%s", c.name, lite.Output, pg.Output)
		}
		if pg.CPU <= 0 {
			t.Errorf("%s: psql's CPU time was not measured: %+v", c.name, pg)
		}
	}
}
