package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/bench"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/vault"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// benchWebCommand is `safeguard bench web`: a hospital's data loaded
// through the product's own imports, then many clients on its pages and
// API at once against a `safeguard serve` of its own.
func (a *app) benchWebCommand(sg func(string, ...string) bench.Step, workdir func() (string, func(), error), dir *string, keep *bool) *cobra.Command {
	var findings, assets, risks, clients int
	var seconds, perPage float64
	var profile string
	var dbURL string
	var asJSON, reuse bool
	cmd := &cobra.Command{
		Use:   "web",
		Short: "Many clients on the pages and the API at once, over a hospital's data",
		Long: `Generate a hospital's data (an ePHI inventory, a risk register, Trivy and
Nessus findings, a KEV catalog), load it through Safeguard's own imports into a
new database (SQLite in the folder, or the empty PostgreSQL database --db
names), start ` + "`safeguard serve`" + ` on it, and have --clients clients request the home,
scorecard, findings, risk register, risk overview and accounts pages and
their API twins in turn for --seconds. Each page's p50, p95 and p99 latency,
requests and errors are reported, with the CPU time the server (and, on
PostgreSQL on this machine, the database) used, since a shared machine's
wall time alone says little.`,
		Example: `  safeguard bench web --findings 5000000 --assets 100000 --risks 20000 --clients 50 --seconds 60
  safeguard bench web --findings 100000 --assets 2000 --risks 500 --db postgres://postgres@127.0.0.1/bench --json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			d, done, err := workdir()
			if err != nil {
				return err
			}
			defer done()
			say := func(format string, args ...any) {
				if !asJSON {
					fmt.Fprintf(a.stdout, format+"\n", args...)
				}
			}
			db := dbURL
			if db == "" {
				db = filepath.Join(d, "safeguard.db")
			} else {
				benchKeys()
			}
			if reuse {
				if _, err := os.Stat(db); dbURL == "" && err != nil {
					return errs.New(errs.Invalid, "--reuse: no database of an earlier run in "+d+" (run once with --dir "+d+")")
				}
				say("reusing the data loaded in %s", db)
			} else if err := a.loadBenchData(ctx, sg, say, d, db, findings, assets, risks); err != nil {
				return err
			}
			a.db = db
			st, err := a.openStore(ctx)
			if err != nil {
				return err
			}
			defer st.Close()
			cred, err := benchCredentials(ctx, st)
			if err != nil {
				return err
			}
			argv := []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--log-level", "warn"}
			if profile != "" {
				argv = append(argv, "--cpu-profile", profile)
			}
			srv := exec.Command(sg("").Argv[0], argv...)
			base, stop, err := startServer(srv)
			if err != nil {
				return err
			}
			defer stop()
			// The server first runs what the imports queued for it (their
			// checks): the clients come when that is done, to measure the
			// pages, not the start.
			waited, err := drainJobs(ctx, st)
			if err != nil {
				return err
			}
			say("the server ran the background jobs the imports queued in %.1f s", waited.Seconds())
			engine := engineName(dbURL)
			scenario := fmt.Sprintf("web: %d findings, %d assets, %d risks, on %s", findings, assets, risks, engine)
			if reuse {
				// What the earlier run loaded, not this run's flags.
				if scenario, err = reusedScenario(ctx, st, engine); err != nil {
					return err
				}
			}
			rep := &bench.WebReport{Clients: clients, Scenario: scenario}
			cpu0, db0 := bench.ProcessCPU(srv.Process.Pid), 0.0
			if dbURL != "" {
				db0 = bench.NamedCPU("postgres")
			}
			began := time.Now()
			rep.Pages = bench.Drive(ctx, base, bench.WebTargets("bench"), clients, time.Duration(seconds*float64(time.Second)), cred)
			rep.Seconds = time.Since(began).Seconds()
			rep.ServerCPU = bench.ProcessCPU(srv.Process.Pid) - cpu0
			if dbURL != "" {
				rep.DatabaseCPU = bench.NamedCPU("postgres") - db0
			}
			if perPage > 0 {
				// Each target alone, one client: what a request of it costs.
				for i, t := range bench.WebTargets("bench") {
					cpu, db := bench.ProcessCPU(srv.Process.Pid), 0.0
					if dbURL != "" {
						db = bench.NamedCPU("postgres")
					}
					alone := bench.Drive(ctx, base, []bench.Target{t}, 1, time.Duration(perPage*float64(time.Second)), cred)
					if n := float64(alone[0].Requests); n > 0 {
						rep.Pages[i].ServerCPUms = (bench.ProcessCPU(srv.Process.Pid) - cpu) * 1000 / n
						if dbURL != "" {
							rep.Pages[i].DatabaseCPUms = (bench.NamedCPU("postgres") - db) * 1000 / n
						}
					}
				}
			}
			if asJSON {
				return rep.WriteJSON(a.stdout)
			}
			rep.Write(a.stdout)
			return nil
		},
	}
	cmd.Flags().IntVar(&findings, "findings", 5_000_000, "findings in all, half in Trivy reports and half in a Nessus file")
	cmd.Flags().IntVar(&assets, "assets", 100_000, "assets in the ePHI inventory")
	cmd.Flags().IntVar(&risks, "risks", 20_000, "risks in the register")
	cmd.Flags().IntVar(&clients, "clients", 50, "clients requesting at once")
	cmd.Flags().Float64Var(&seconds, "seconds", 60, "how long the clients request")
	cmd.Flags().StringVar(&dbURL, "db", "", "an empty PostgreSQL database to run on (default: SQLite in the folder)")
	cmd.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	cmd.Flags().Float64Var(&perPage, "per-page", 0, "then request each page alone for this many seconds and report the CPU one request costs the server and the database, and the requests per second several servers would reach")
	cmd.Flags().StringVar(&profile, "profile", "", "write the server's CPU profile of the run to this file (serve --cpu-profile)")
	cmd.Flags().BoolVar(&reuse, "reuse", false, "drive the data an earlier run loaded (--dir, or --db) instead of loading it again")
	cmd.Flags().StringVar(dir, "dir", "", "where to write the data and the database (default: a temporary folder, removed after)")
	cmd.Flags().BoolVar(keep, "keep", false, "keep the temporary folder")
	return cmd
}

// loadBenchData generates the web benchmark's data in d and loads it into
// db through Safeguard's own imports, each step its own process.
func (a *app) loadBenchData(ctx context.Context, sg func(string, ...string) bench.Step, say func(string, ...any), d, db string, findings, assets, risks int) error {
	start := time.Now()
	kev := filepath.Join(d, "kev.json")
	cves, err := bench.KEVCatalog(kev, 1400)
	if err != nil {
		return err
	}
	files, err := bench.GenFindings(d, findings, assets, cves)
	if err != nil {
		return err
	}
	reg, err := loadCatalog()
	if err != nil {
		return err
	}
	rs, err := riskanalysis.NewService(reg)
	if err != nil {
		return err
	}
	var threats []string
	for _, t := range rs.Threats.Threats {
		threats = append(threats, t.ID)
	}
	register, err := bench.GenRisks(d, risks, assets, threats)
	if err != nil {
		return err
	}
	say("generated %d findings on %d assets and %d risks in %s (%.1f s)", findings, assets, risks, d, time.Since(start).Seconds())
	scans := append(append([]string{"import"}, files.Trivy...), files.Nessus, "--db", db)
	steps, err := bench.RunAll(
		sg("create the organisation", "org", "create", "--slug", "bench", "--name", "Bench Hospital", "--type", "provider", "--db", db),
		sg("import the inventory", "risk", "asset", "import", files.Assets, "--apply", "--db", db),
		sg("import the risk register", "risk", "import", register, "--apply", "--db", db),
		sg("import the KEV catalog", "import", kev, "--db", db),
		sg("import the scans", scans...),
		sg("run the checks", "check", "run", "--db", db),
	)
	if err != nil {
		return err
	}
	for _, m := range steps {
		say("  %-28s %8.1f s  %6.0f MiB", m.Name, m.Seconds, m.PeakMiB)
	}
	return nil
}

// drainJobs waits until s holds no background job left to run (at most
// half an hour), and says how long that took.
func drainJobs(ctx context.Context, s *store.Store) (time.Duration, error) {
	start := time.Now()
	for time.Since(start) < 30*time.Minute {
		n, err := s.PendingJobs(ctx)
		if err != nil {
			return 0, err
		}
		if n == 0 {
			return time.Since(start), nil
		}
		select {
		case <-ctx.Done():
			return 0, ctx.Err()
		case <-time.After(500 * time.Millisecond):
		}
	}
	return 0, errs.New(errs.Unavailable, "the server's background jobs did not finish in half an hour")
}

// benchCredentials signs the benchmark's clients in: an owner of the
// organisation with a session for the pages, and a read token for the API,
// made in the database as a sign-in and an owner's token page would.
// benchKeys gives a benchmark on PostgreSQL, which keeps no key file, a
// key of its own for the run, unless SAFEGUARD_KEYS holds them.
func benchKeys() {
	if os.Getenv("SAFEGUARD_KEYS") == "" {
		os.Setenv("SAFEGUARD_KEYS", vault.NewKeyLine("bench"))
	}
}

// reusedScenario names the data an earlier run loaded: the open findings,
// the inventory and the register of its organisation.
func reusedScenario(ctx context.Context, s *store.Store, engine string) (string, error) {
	o, err := s.OrganizationBySlug(ctx, "bench")
	if err != nil {
		return "", err
	}
	sc := s.Scope(o)
	open, err := sc.OpenFindings(ctx)
	if err != nil {
		return "", err
	}
	assets, _, err := sc.InventoryCounts(ctx)
	if err != nil {
		return "", err
	}
	risks, err := sc.RiskPage(ctx, store.RiskQuery{Status: "all"})
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("web: %d open findings, %d assets, %d risks, on %s", open, assets, risks.Total, engine), nil
}

func benchCredentials(ctx context.Context, s *store.Store) (bench.Credentials, error) {
	o, err := s.OrganizationBySlug(ctx, "bench")
	if err != nil {
		return bench.Credentials{}, err
	}
	u, err := s.UserByEmail(ctx, "bench@hospital.example") // a run before made it
	if errs.Is(err, errs.NotFound) {
		u = &auth.User{Email: "bench@hospital.example", Name: "Bench Owner"}
		err = s.CreateUser(ctx, u)
	}
	if err != nil {
		return bench.Credentials{}, err
	}
	if err := s.SetMembership(ctx, o.ID, u.ID, auth.Owner); err != nil {
		return bench.Credentials{}, err
	}
	now := time.Now()
	cookie, id := auth.NewSessionToken()
	if err := s.CreateSession(ctx, &auth.Session{ID: id, UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(24 * time.Hour), Stage: auth.StageFull, IP: "127.0.0.1", UserAgent: "safeguard bench"}); err != nil {
		return bench.Credentials{}, err
	}
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(ctx, &auth.APIToken{Name: "bench", Scopes: []auth.Scope{auth.ScopeRead}, Hash: hash, Prefix: token[:10], CreatedBy: u.ID, ExpiresAt: now.Add(24 * time.Hour)}); err != nil {
		return bench.Credentials{}, err
	}
	return bench.Credentials{CookieName: kit.CookieName, Cookie: cookie, Token: token}, nil
}

// listeningRE finds the address `safeguard serve` prints when it listens.
var listeningRE = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)

// startServer starts cmd (a `safeguard serve`), waits for it to print its
// address, and gives a stop that interrupts it and waits for it to end.
func startServer(cmd *exec.Cmd) (string, func(), error) {
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	stop := func() {
		cmd.Process.Signal(os.Interrupt)
		cmd.Wait()
	}
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if u := listeningRE.FindString(sc.Text()); u != "" {
				found <- u
				break
			}
		}
		io.Copy(io.Discard, out)
	}()
	select {
	case u := <-found:
		return u, stop, nil
	case <-time.After(2 * time.Minute):
		stop()
		return "", nil, errs.New(errs.Unavailable, "safeguard serve did not print its address")
	}
}
