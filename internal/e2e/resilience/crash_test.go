// Package resilience puts the real safeguard binary under what breaks
// servers: imports killed with SIGKILL, and many clients at once.
package resilience

import (
	"bytes"
	"database/sql"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// crashKills is how many imports the crash test kills on each engine.
const crashKills = 20

// writeTrivy writes a Trivy report of n vulnerabilities on its own image
// (i), so that each file's findings are its own.
func writeTrivy(t *testing.T, dir string, i, n int) string {
	t.Helper()
	var b bytes.Buffer
	fmt.Fprintf(&b, `{"SchemaVersion": 2, "ArtifactName": "registry.example/crash-%d:1", "ArtifactType": "container_image", "Results": [{"Target": "crash-%d (debian 12.5)", "Class": "os-pkgs", "Type": "debian", "Vulnerabilities": [`, i, i)
	for k := range n {
		if k > 0 {
			b.WriteString(",\n")
		}
		fmt.Fprintf(&b, `{"VulnerabilityID": "CVE-2024-%05d", "PkgName": "pkg-%d", "InstalledVersion": "1.%d", "FixedVersion": "1.%d", "Severity": "%s", "Title": "A flaw in pkg-%d"}`,
			k, k%500, k%7, k%7+1, []string{"CRITICAL", "HIGH", "MEDIUM", "LOW"}[k%4], k%500)
	}
	b.WriteString("]}]}\n")
	path := filepath.Join(dir, fmt.Sprintf("crash-%d.json", i))
	if err := os.WriteFile(path, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// An import killed with SIGKILL at random points, again and again, leaves
// the database whole: SQLite's integrity check is clean, every import in
// it has all its findings and no finding is left of one that did not
// land, the audit chain verifies, and the next import of each file
// succeeds. On both engines.
func TestImportsSurviveSIGKILL(t *testing.T) {
	bin := e2etest.BuildBinary(t)
	for _, engine := range []string{"sqlite", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			env := append(os.Environ(), "SAFEGUARD_DB=", "SAFEGUARD_KEYS=")
			var db string
			var raw *sql.DB
			var err error
			if engine == "sqlite" {
				db = filepath.Join(t.TempDir(), "crash.db")
			} else {
				db = storetest.PostgresDSN(t)
				env = append(env, "SAFEGUARD_KEYS="+vault.NewKeyLine("2026-12-05"))
			}
			run := func(args ...string) (string, error) {
				cmd := exec.Command(bin, append(args, "--db", db)...)
				cmd.Env = env
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			if out, err := run("org", "create", "--slug", "rs", "--name", "Riverside", "--type", "provider"); err != nil {
				t.Fatalf("org create: %v\n%s", err, out)
			}
			if engine == "sqlite" {
				raw, err = store.OpenSQLiteFile(db)
			} else {
				raw, err = sql.Open("pgx", db)
			}
			if err != nil {
				t.Fatal(err)
			}
			defer raw.Close()
			const per = 6000
			dir := t.TempDir()
			// How long one import takes, uninterrupted: kills land anywhere
			// in it (a few after it landed, where the machine is quicker).
			begin := time.Now()
			if out, err := run("import", "--org", "rs", writeTrivy(t, dir, 0, per)); err != nil {
				t.Fatalf("import: %v\n%s", err, out)
			}
			took := time.Since(begin)
			seed := uint64(time.Now().UnixNano())
			t.Logf("one import takes %v; kill times from seed %d", took, seed)
			rng := rand.New(rand.NewPCG(seed, seed))
			landed := 1
			for i := 1; i <= crashKills; i++ {
				cmd := exec.Command(bin, "import", "--org", "rs", writeTrivy(t, dir, i, per), "--db", db)
				cmd.Env = env
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				time.Sleep(time.Duration(rng.Int64N(int64(took * 9 / 10))))
				cmd.Process.Signal(syscall.SIGKILL)
				cmd.Wait()
				landed = checkWhole(t, engine, raw, db, per)
			}
			t.Logf("%d imports killed: %d before they landed, %d after", crashKills, crashKills-(landed-1), landed-1)
			// The next import succeeds, and so does every killed one again.
			for i := 1; i <= crashKills+1; i++ {
				if out, err := run("import", "--org", "rs", writeTrivy(t, dir, i, per)); err != nil {
					t.Fatalf("import %d after the kills: %v\n%s", i, err, out)
				}
			}
			if n := checkWhole(t, engine, raw, db, per); n != crashKills+2 {
				t.Errorf("%d imports landed, want %d", n, crashKills+2)
			}
			if out, err := run("audit", "verify"); err != nil || !strings.Contains(out, "audit log intact") {
				t.Errorf("audit verify: %v\n%s", err, out)
			}
		})
	}
}

// checkWhole checks the database after a kill and returns how many
// scanner imports it holds: SQLite's integrity and foreign key checks are
// clean, and each import has exactly its file's findings.
func checkWhole(t *testing.T, engine string, db *sql.DB, path string, per int) int {
	t.Helper()
	if engine == "sqlite" {
		sqliteWhole(t, db, path)
	}
	rows, err := db.Query(`SELECT d.filename, d.records, (SELECT COUNT(*) FROM findings f WHERE f.import_id = d.id) FROM data_imports d WHERE d.kind = 'trivy'`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var file string
		var records, findings int
		if err := rows.Scan(&file, &records, &findings); err != nil {
			t.Fatal(err)
		}
		if records != per || findings != per {
			t.Errorf("%s: recorded %d findings and holds %d, want %d: a partial import", file, records, findings, per)
		}
		n++
	}
	var orphans int
	if err := db.QueryRow(`SELECT COUNT(*) FROM findings WHERE import_id NOT IN (SELECT id FROM data_imports)`).Scan(&orphans); err != nil || orphans != 0 {
		t.Errorf("%d findings of no import (%v)", orphans, err)
	}
	return n
}

// sqliteWhole runs SQLite's integrity and foreign key checks on the file:
// with SQLite's own shell when it is installed (.ci/run installs it), the
// same checks without the race detector slowing the translated SQLite of
// this test process tenfold; else through db.
func sqliteWhole(t *testing.T, db *sql.DB, path string) {
	t.Helper()
	if shell, err := exec.LookPath("sqlite3"); err == nil {
		out, err := exec.Command(shell, path, "PRAGMA integrity_check; PRAGMA foreign_key_check;").CombinedOutput()
		if err != nil || strings.TrimSpace(string(out)) != "ok" {
			t.Fatalf("integrity and foreign key checks: %v\n%s", err, out)
		}
		return
	}
	var ok string
	if err := db.QueryRow("PRAGMA integrity_check").Scan(&ok); err != nil || ok != "ok" {
		t.Fatalf("integrity check: %q, %v", ok, err)
	}
	rows, err := db.Query("PRAGMA foreign_key_check")
	if err != nil {
		t.Fatal(err)
	}
	bad := rows.Next()
	rows.Close()
	if bad {
		t.Fatal("foreign key check found rows that refer to nothing")
	}
}
