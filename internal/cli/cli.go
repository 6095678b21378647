// Package cli is the safeguard command line: it reads configuration from
// flags and SAFEGUARD_* environment variables, wires the store, the catalog
// and the web server, and turns errors into one clear line and an exit code.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/user"
	"runtime/debug"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/tlssec"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/identity"
	"github.com/safeguard-health/safeguard/internal/store"
)

// Version is set at build time with -ldflags "-X .../internal/cli.Version=v1.2.3";
// otherwise it comes from the module's build information.
var Version = ""

func version() string {
	if Version != "" {
		return Version
	}
	if bi, ok := debug.ReadBuildInfo(); ok {
		v := bi.Main.Version
		for _, s := range bi.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				v = strings.TrimSuffix(v, "(devel)") + s.Value[:12]
			}
		}
		if v != "" {
			return v
		}
	}
	return "dev"
}

// Default settings.
const (
	DefaultDB   = "safeguard.db"
	DefaultAddr = "127.0.0.1:8080"
	envPrefix   = "SAFEGUARD_"
)

// app carries the configuration and the I/O of one invocation.
type app struct {
	db            string
	org           string
	addr          string
	logLevel      string
	logFormat     string
	pepperFile    string
	keyFile       string
	idleTimeout   time.Duration
	publicURL     string
	evidenceMax   int64
	smtpURL       string
	smtpFrom      string
	uploads       string
	evidenceStore string
	rescueAfter   time.Duration
	jobPoll       time.Duration
	emailResolver string
	emailEvery    time.Duration
	tlsEvery      time.Duration
	tlsProbeCA    string
	probeNetworks string            // --probe-networks: any or public
	probeAllow    []string          // --probe-allow: networks reached besides public ones
	demoEmail     *emailsec.Service // the demo's own mail network, when it serves
	demoTLS       *tlssec.Service   // the demo's own TLS endpoints, when it serves
	readLimit     time.Duration
	cpuProfile    string
	tlsCert       string
	tlsKey        string
	trustedProxy  []string

	stdin          io.Reader
	stdout, stderr io.Writer
	log            *slog.Logger
}

// usageError marks errors in how the command was called (exit code 2).
type usageError struct{ error }

// Main runs the CLI with args and returns the process exit code: 0 on
// success, 2 for a usage or configuration error, 1 for anything else.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr}
	root := a.rootCommand()
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return 0
	}
	fmt.Fprintln(stderr, "safeguard: "+oneLine(err))
	var ue usageError
	if errors.As(err, &ue) || errs.Is(err, errs.Invalid) {
		return 2
	}
	return 1
}

// oneLine is the error's message on one line: what a person needs, no stack
// trace and no driver noise after the first line. Safeguard's own
// validation messages keep every line (an import lists each bad cell).
func oneLine(err error) string {
	msg := err.Error()
	var e *errs.Error
	if errors.As(err, &e) && (e.Kind == errs.NotFound || e.Kind == errs.Conflict) && e.Msg != "" {
		msg = e.Msg // the driver's words add nothing to "organisation already exists"
	}
	if errors.As(err, &e) && e.Kind == errs.Invalid && e.Err == nil {
		return msg // Safeguard's own words, such as every bad cell of an import
	}
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "safeguard",
		Short: "HIPAA Security Rule and HHS HPH Cybersecurity Performance Goals program",
		Long: `Safeguard runs an organisation's HIPAA security program: it knows the Security
Rule (45 CFR 164.302–318) with NIST SP 800-66 Rev. 2's guidance, the HHS
Healthcare and Public Health Cybersecurity Performance Goals and NIST CSF 2.0,
and serves them as a web app.

Every flag can also be set by an environment variable: SAFEGUARD_ and the flag's
name in capitals with - as _ (--db is SAFEGUARD_DB, --log-level is
SAFEGUARD_LOG_LEVEL). A flag on the command line wins over the variable.

Start with "safeguard demo" to see it with a demonstration clinic.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := bindEnv(cmd); err != nil {
				return err
			}
			return a.setupLog()
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	pf := root.PersistentFlags()
	pf.StringVar(&a.logLevel, "log-level", "info", "log level: debug, info, warn or error")
	pf.StringVar(&a.logFormat, "log-format", "text", "log format: text or json")
	root.AddCommand(a.versionCommand(), a.serveCommand(), a.demoCommand(), a.migrateCommand(), a.catalogCommand(), a.orgCommand(), a.userCommand(), a.auditCommand(), a.keyCommand(), a.assessmentCommand(), a.proposedRuleCommand(), a.scorecardCommand(), a.todoCommand(), a.emailCommand(), a.tlsCommand(), a.riskCommand(), a.vendorCommand(), a.incidentCommand(), a.contingencyCommand(), a.reportCommand(), a.workforceCommand(), a.trainingCommand(), a.kevCommand(), a.epssCommand(), a.importCommand(), a.checkCommand(), a.findingsCommand(), a.benchCommand())
	return root
}

// dbFlags adds --db and --org to a verb that touches data.
func (a *app) dbFlags(cmd *cobra.Command, withOrg bool) {
	cmd.Flags().StringVar(&a.db, "db", DefaultDB, "database: a SQLite file path, or a PostgreSQL URL such as postgres://user@host:5432/safeguard")
	if withOrg {
		cmd.Flags().StringVar(&a.org, "org", "", "organisation slug or id (optional when the database holds only one)")
	}
}

// requireFlags makes the named flags required: a verb run without one of
// them (on the command line or in its SAFEGUARD_* variable) is a usage error.
func requireFlags(cmd *cobra.Command, names ...string) {
	cmd.PreRunE = func(cmd *cobra.Command, _ []string) error {
		var missing []string
		for _, n := range names {
			if f := cmd.Flags().Lookup(n); f != nil && f.Value.String() == "" {
				missing = append(missing, "--"+n)
			}
		}
		if len(missing) > 0 {
			return usageError{fmt.Errorf("%s %s required", strings.Join(missing, ", "), map[bool]string{true: "is", false: "are"}[len(missing) == 1])}
		}
		return nil
	}
}

// bindEnv sets every flag not given on the command line from its
// SAFEGUARD_* variable, if that is set.
func bindEnv(cmd *cobra.Command) error {
	var err error
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if err != nil || f.Changed || f.Name == "help" {
			return
		}
		name := envPrefix + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := os.LookupEnv(name); ok {
			if e := f.Value.Set(v); e != nil {
				err = usageError{fmt.Errorf("%s=%q: %v", name, v, e)}
			}
		}
	})
	return err
}

func (a *app) setupLog() error {
	var level slog.Level
	if err := level.UnmarshalText([]byte(a.logLevel)); err != nil {
		return usageError{fmt.Errorf("--log-level %q: use debug, info, warn or error", a.logLevel)}
	}
	opts := &slog.HandlerOptions{Level: level}
	switch a.logFormat {
	case "text":
		a.log = slog.New(slog.NewTextHandler(a.stderr, opts))
	case "json":
		a.log = slog.New(slog.NewJSONHandler(a.stderr, opts))
	default:
		return usageError{fmt.Errorf("--log-format %q: use text or json", a.logFormat)}
	}
	return nil
}

// openStore opens the database named by --db and brings its schema up to
// date.
func (a *app) openStore(ctx context.Context) (*store.Store, error) {
	// The store runs the account matching and reads the checks back by the
	// rules' data, which it does not hold: given here.
	s, err := store.Open(ctx, a.db, store.Options{Matching: identity.Matching, Checks: check.Catalog})
	if err != nil {
		return nil, err
	}
	applied, err := s.Migrate(ctx)
	if err != nil {
		s.Close()
		return nil, err
	}
	for _, m := range applied {
		a.log.Info("migrated", slog.Int("version", m.Version), slog.String("name", m.Name), slog.String("db", s.Where()))
	}
	// Whoever holds the key signs a checkpoint of the audit chain every
	// store.AuditCheckpointEvery entries it writes.
	if kr, err := a.existingKeyring(s); err != nil {
		a.log.Warn("the key file does not read, so this run signs no audit checkpoint", slog.Any("err", err))
	} else if kr != nil {
		s.SignAuditWith(kr.MAC, kr[0].ID)
	}
	return s, nil
}

// withStore makes a verb's RunE that opens and migrates the store, runs fn
// with it, and closes it.
func (a *app) withStore(fn func(cmd *cobra.Command, s *store.Store) error) func(*cobra.Command, []string) error {
	return a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, _ []string) error { return fn(cmd, s) })
}

// withScope is withStoreArgs for a verb that works in the organisation
// named by --org: fn gets the store scoped to it.
func (a *app) withScope(fn func(cmd *cobra.Command, sc *store.Scoped, args []string) error) func(*cobra.Command, []string) error {
	return a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
		sc, err := a.orgScope(cmd.Context(), s)
		if err != nil {
			return err
		}
		return fn(cmd, sc, args)
	})
}

// withStoreArgs is withStore for a verb that takes arguments.
func (a *app) withStoreArgs(fn func(cmd *cobra.Command, s *store.Store, args []string) error) func(*cobra.Command, []string) error {
	return func(cmd *cobra.Command, args []string) error {
		cmd.SetContext(audit.WithActor(cmd.Context(), operator()))
		s, err := a.openStore(cmd.Context())
		if err != nil {
			return err
		}
		defer s.Close()
		return fn(cmd, s, args)
	}
}

// operator is the audit log's actor for changes made from the command line:
// the operating-system account that ran it.
func operator() audit.Actor {
	name := os.Getenv("USER")
	if u, err := user.Current(); err == nil {
		name = u.Username
	}
	return audit.Actor{Label: "operator " + name + " (command line)", Source: "cli"}
}

func loadCatalog() (*catalog.Registry, error) {
	r, err := catalog.Load()
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "the built-in catalog is broken", err)
	}
	return r, nil
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, the schema version and the catalog versions",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, err := loadCatalog()
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "safeguard %s\nschema version %d\n", version(), store.Latest())
			for _, fw := range r.Frameworks() {
				fmt.Fprintf(a.stdout, "catalog %s: %s\n", fw.ID, fw.Version)
			}
			return nil
		},
	}
}

func (a *app) migrateCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "migrate",
		Short: "Bring the database schema up to date",
		Long: `Apply every pending schema migration to the database named by --db, then list
the migrations the database holds. serve and demo also migrate at start, so this
is for operators who upgrade the schema before rolling out new servers.
Migrations only ever move forward; it is safe to run from several nodes at once.`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			applied, err := s.AppliedMigrations(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s is at schema version %d\n", s.Where(), store.Latest())
			for _, m := range applied {
				fmt.Fprintf(a.stdout, "  %04d %-30s applied %s\n", m.Version, m.Name, m.AppliedAt)
			}
			return nil
		}),
	}
	a.dbFlags(cmd, false)
	return cmd
}
