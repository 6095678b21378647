package cli

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/bench"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) benchCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure imports and checks at hospital scale against the databases' own command-line tools",
		Long: `Generate realistic synthetic data in the real formats, then measure, side by
side, Safeguard importing it into a new SQLite database (or the empty
PostgreSQL database --db names) and running the checks (each step its own
process, timed, with its CPU time, its peak resident memory and, on
PostgreSQL on this machine, the server's CPU time) and the database's own
command-line tool loading the same files and running the same checks as
SQL: sqlite3 (.import for CSV, json_each(readfile(…)) for JSON), or psql
(\copy for CSV, jsonb functions for JSON). The findings scenario also
measures the floor: reading and decoding the files with nothing stored.
sqlite3 or psql must be installed (apt-get install sqlite3
postgresql-client).`,
	}
	var dir, dbURL string
	var keep bool
	// workdir checks the baseline's tool is there and gives the folder
	// for the run.
	workdir := func() (string, func(), error) {
		tool := "sqlite3"
		if dbURL != "" {
			tool = "psql"
		}
		if _, err := exec.LookPath(tool); err != nil {
			return "", nil, errs.New(errs.Invalid, "the baseline needs the "+tool+" command-line tool: apt-get install "+map[string]string{"sqlite3": "sqlite3", "psql": "postgresql-client"}[tool])
		}
		if dir != "" {
			return dir, func() {}, os.MkdirAll(dir, 0o755)
		}
		d, err := os.MkdirTemp("", "safeguard-bench-")
		if err != nil {
			return "", nil, err
		}
		return d, func() {
			if !keep {
				os.RemoveAll(d)
			}
		}, nil
	}
	self, _ := os.Executable()
	sg := func(name string, args ...string) bench.Step {
		return bench.Step{Name: name, Argv: append([]string{self}, args...)}
	}
	// server is the database server's processes a step costs, on
	// PostgreSQL.
	server := func(st bench.Step) bench.Step {
		if dbURL != "" {
			st.Server = "postgres"
		}
		return st
	}
	// newDB creates Safeguard's database for the run (a SQLite file in d,
	// or the PostgreSQL database --db names), with its organisation.
	newDB := func(d string) (string, error) {
		db := cmp.Or(dbURL, filepath.Join(d, "safeguard.db"))
		if dbURL != "" {
			benchKeys()
		}
		_, err := bench.Run(sg("create the organisation", "org", "create", "--slug", "bench", "--name", "Bench Hospital", "--type", "provider", "--db", db))
		return db, err
	}
	// baseline runs a baseline script with the database's own tool.
	baseline := func(d, name, sqlite, psql string) (*bench.Measure, error) {
		if dbURL == "" {
			return bench.Run(bench.Step{Name: name, Argv: []string{"sqlite3", filepath.Join(d, "baseline.db")}, Stdin: sqlite, Dir: d})
		}
		return bench.Run(bench.Step{Name: name, Argv: []string{"psql", "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", dbURL}, Stdin: psql, Dir: d, Server: "postgres"})
	}
	baseliner := func() string {
		if dbURL != "" {
			return "psql"
		}
		return "sqlite3"
	}

	var accounts, roster int
	identity := &cobra.Command{
		Use:   "identity",
		Short: "An HR roster and an account export imported, matched and checked",
		Example: `  safeguard bench identity --accounts 1000000 --roster 1000000
  safeguard bench identity --accounts 100000 --roster 100000 --dir /tmp/bench --keep`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, done, err := workdir()
			if err != nil {
				return err
			}
			defer done()
			start := time.Now()
			files, err := bench.GenIdentity(d, roster, accounts, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "generated %d roster rows and %d accounts in %s (%.1f s)\n", roster, accounts, d, time.Since(start).Seconds())
			db, err := newDB(d)
			if err != nil {
				return err
			}
			rep := &bench.Report{Scenario: fmt.Sprintf("identity: %d accounts, %d roster rows, on %s", accounts, roster, engineName(dbURL)), Baseliner: baseliner()}
			if rep.Safeguard, err = bench.RunAll(
				server(sg("import the roster (workforce import --apply)", "workforce", "import", files.Roster, "--apply", "--db", db)),
				server(sg("import the accounts (import)", "import", files.Accounts, "--db", db)),
				server(sg("run the checks (check run)", "check", "run", "--db", db)),
			); err != nil {
				return err
			}
			m, err := baseline(d, "load, index and check (one script)", bench.IdentityBaseline, bench.IdentityBaselinePG())
			if err != nil {
				return err
			}
			rep.Baseline = append(rep.Baseline, m)
			rep.Write(a.stdout)
			return nil
		},
	}
	identity.Flags().IntVar(&accounts, "accounts", 1_000_000, "accounts in the export")
	identity.Flags().IntVar(&roster, "roster", 1_000_000, "people on the roster")

	var findings, assets int
	var kevFile string
	findingsCmd := &cobra.Command{
		Use:   "findings",
		Short: "Trivy reports and a Nessus file imported, matched to the inventory and the KEV catalog, and checked",
		Example: `  safeguard bench findings --findings 5000000 --assets 100000 --kev known_exploited_vulnerabilities.json
  safeguard bench findings --findings 500000 --assets 10000`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			d, done, err := workdir()
			if err != nil {
				return err
			}
			defer done()
			start := time.Now()
			kev := filepath.Join(d, "kev.json")
			var cves []string
			if kevFile != "" {
				b, err := os.ReadFile(kevFile)
				if err != nil {
					return errs.Wrap(errs.Invalid, "cannot read "+kevFile, err)
				}
				if err := os.WriteFile(kev, b, 0o644); err != nil {
					return err
				}
				if cves, err = bench.KEVCVEs(kev); err != nil {
					return err
				}
			} else if cves, err = bench.KEVCatalog(kev, 1400); err != nil {
				return err
			}
			files, err := bench.GenFindings(d, findings, assets, cves)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "generated %d findings on %d assets in %s (%.1f s)\n", findings, assets, d, time.Since(start).Seconds())
			db, err := newDB(d)
			if err != nil {
				return err
			}
			rep := &bench.Report{Scenario: fmt.Sprintf("findings: %d findings (Trivy JSON and Nessus XML), %d assets, a KEV catalog of %d, on %s", findings, assets, len(cves), engineName(dbURL)),
				Baseliner: baseliner()}
			scans := append(append([]string{"import"}, files.Trivy...), files.Nessus, "--db", db)
			if rep.Safeguard, err = bench.RunAll(
				server(sg("import the inventory (risk asset import --apply)", "risk", "asset", "import", files.Assets, "--apply", "--db", db)),
				server(sg("import the KEV catalog (import)", "import", kev, "--db", db)),
				server(sg("import the scans (import)", scans...)),
				server(sg("run the checks (check run)", "check", "run", "--db", db)),
			); err != nil {
				return err
			}
			var rel []string
			for _, f := range files.Trivy {
				rel = append(rel, filepath.Base(f))
			}
			m, err := baseline(d, "load, match and check (one script)", bench.FindingsBaseline("kev.json", rel), bench.FindingsBaselinePG("kev.json", rel))
			if err != nil {
				return err
			}
			rep.Baseline = append(rep.Baseline, m)
			if rep.Floor, err = bench.Run(sg("read and decode the scans (bench decode)", append(append([]string{"bench", "decode"}, files.Trivy...), files.Nessus)...)); err != nil {
				return err
			}
			rep.Write(a.stdout)
			return nil
		},
	}
	findingsCmd.Flags().IntVar(&findings, "findings", 5_000_000, "findings in all, half in Trivy reports and half in a Nessus file")
	findingsCmd.Flags().IntVar(&assets, "assets", 100_000, "assets in the ePHI inventory")
	findingsCmd.Flags().StringVar(&kevFile, "kev", "", "the KEV catalog's JSON file (default: a synthetic catalog of 1,400 entries)")

	decode := &cobra.Command{
		Use:    "decode FILE...",
		Short:  "Read and decode scanner files, storing nothing (the benchmark's floor)",
		Hidden: true,
		Args:   cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			n := 0
			for _, path := range args {
				_, _, head, err := fileFacts(path)
				if err != nil {
					return err
				}
				read, _, ok := ingest.ScanReaderFor(ingest.Detect(head))
				if !ok {
					return errs.New(errs.Invalid, path+" is not a scanner's file")
				}
				f, err := os.Open(path)
				if err != nil {
					return err
				}
				_, err = read(path, f, func(ingest.Finding) error { n++; return nil })
				f.Close()
				if err != nil {
					return err
				}
			}
			fmt.Fprintf(a.stdout, "%d findings decoded\n", n)
			return nil
		},
	}
	webCmd := a.benchWebCommand(sg, workdir, &dir, &keep)
	for _, c := range []*cobra.Command{identity, findingsCmd} {
		c.Flags().StringVar(&dir, "dir", "", "where to write the data and databases (default: a temporary folder, removed after)")
		c.Flags().BoolVar(&keep, "keep", false, "keep the temporary folder")
		c.Flags().StringVar(&dbURL, "db", "", "an empty PostgreSQL database to run on, the psql baseline beside it in a schema of its own (default: SQLite files in the folder, the sqlite3 baseline)")
	}
	cmd.AddCommand(identity, findingsCmd, webCmd, decode)
	return cmd
}

// engineName names the database a bench runs on; SQLite with the driver
// this build uses (see store.SQLiteDriver).
func engineName(dbURL string) string {
	if dbURL != "" {
		return "PostgreSQL"
	}
	return "SQLite (" + store.SQLiteDriver() + ")"
}

// fileFacts hashes a file and reads its head for format detection.
func fileFacts(path string) (sha string, size int64, head []byte, err error) {
	f, err := openInput(path)
	if err != nil {
		return "", 0, nil, err
	}
	defer f.Close()
	head = make([]byte, 64<<10)
	n, _ := io.ReadFull(f, head)
	head = head[:n]
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", 0, nil, errs.Wrap(errs.Invalid, "cannot read "+path, err)
	}
	h := sha256.New()
	size, err = io.Copy(h, f)
	if err != nil {
		return "", 0, nil, errs.Wrap(errs.Invalid, "cannot read "+path, err)
	}
	return hex.EncodeToString(h.Sum(nil)), size, head, nil
}
