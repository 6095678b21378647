package cli

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/account"
	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/blob"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/notify"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/sso"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
	"github.com/safeguard-health/safeguard/internal/tlssec"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/vault"
	"github.com/safeguard-health/safeguard/internal/web"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// addrFlag adds the flags of a verb that serves: where, keys, session idle timeout.
func (a *app) addrFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.addr, "addr", DefaultAddr, "address to listen on, HOST:PORT (port 0 picks a free port)")
	cmd.Flags().DurationVar(&a.idleTimeout, "idle-timeout", auth.DefaultIdleTimeout, "sign a session out after this long without activity (automatic logoff)")
	cmd.Flags().StringVar(&a.publicURL, "public-url", "", "the address browsers and SSO providers reach this server at, e.g. https://safeguard.example.org, which the links handed out (invitations, questionnaires) begin with (default: http:// and the listening address; the links then take each request's own)")
	cmd.Flags().Int64Var(&a.evidenceMax, "evidence-max-bytes", evidence.DefaultMaxBytes, "the largest evidence file the vault takes, in bytes")
	cmd.Flags().StringVar(&a.evidenceStore, "evidence-store", "database", `where evidence files are kept, sealed: "database", an S3-compatible bucket (s3://BUCKET/PREFIX?endpoint=HOST:PORT, as --uploads) or a folder every server reads`)
	cmd.Flags().StringVar(&a.uploads, "uploads", "", `where uploads wait for their import, sealed: "database", a folder every server reads, or an S3-compatible bucket, s3://BUCKET/PREFIX?endpoint=HOST:PORT with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (default: a folder beside a SQLite database, the database on PostgreSQL)`)
	cmd.Flags().DurationVar(&a.rescueAfter, "job-rescue-every", jobs.DefaultRescueAfter, "how often the servers look for background jobs whose server died, to give them to another (a job still running is never run twice)")
	cmd.Flags().DurationVar(&a.jobPoll, "job-poll", time.Second, "how often an idle server looks for background jobs")
	cmd.Flags().StringVar(&a.emailResolver, "email-resolver", "", "the DNS resolver the probes of organisations' email domains ask, HOST[:PORT] (default: the first of /etc/resolv.conf)")
	cmd.Flags().DurationVar(&a.emailEvery, "email-probe-every", jobs.DefaultEmailProbeEvery, "how often every organisation's email domains are probed (0: only when asked)")
	cmd.Flags().DurationVar(&a.tlsEvery, "tls-probe-every", jobs.DefaultTLSProbeEvery, "how often every organisation's TLS endpoints (those its profile lists, its internet-facing assets' host names) are probed (0: only when asked)")
	cmd.Flags().StringVar(&a.tlsProbeCA, "tls-probe-ca-file", "", "a PEM file of CA certificates the TLS probes trust besides the system's (an organisation's private CA)")
	cmd.Flags().StringVar(&a.probeNetworks, "probe-networks", probeAnyNetwork, `the addresses the TLS and email probes may connect to: "any", or "public" to refuse private, loopback, link-local and every other special-purpose address (for an installation serving many organisations, whose profiles name what is probed)`)
	cmd.Flags().StringSliceVar(&a.probeAllow, "probe-allow", nil, "with --probe-networks public, networks (CIDR) or addresses the probes may reach besides public ones, such as a clinic's DMZ; repeat or separate with commas")
	cmd.Flags().DurationVar(&a.readLimit, "read-limit", web.DefaultReadLimit, "how long a page or API read may query the database before it is stopped and answered 503")
	cmd.Flags().StringVar(&a.tlsCert, "tls-cert", "", "serve HTTPS (TLS 1.2 and later) with this PEM certificate chain, with --tls-key: session cookies are then Secure with the __Host- prefix, and HSTS is sent")
	cmd.Flags().StringVar(&a.tlsKey, "tls-key", "", "the PEM private key of --tls-cert")
	cmd.Flags().StringSliceVar(&a.trustedProxy, "trusted-proxy", nil, "addresses or CIDR networks of reverse proxies in front of the server, whose X-Forwarded-For (the client's address, for sign-in throttling and the audit log) and X-Forwarded-Proto (https: Secure __Host- cookies and HSTS) are believed; repeat or separate with commas")
	cmd.Flags().StringVar(&a.cpuProfile, "cpu-profile", "", "write a CPU profile of the server's run to this file when it stops (for `go tool pprof`)")
	a.smtpFlags(cmd)
	a.keyFlags(cmd)
}

// emailService is how the server probes email domains: through
// --email-resolver and under --probe-networks, or the demo's own mail
// network (on loopback, which the setting does not govern).
func (a *app) emailService() (*emailsec.Service, error) {
	dial, err := a.probeDial()
	if err != nil {
		return nil, err
	}
	if a.demoEmail != nil {
		return a.demoEmail, nil
	}
	return &emailsec.Service{Resolver: a.emailResolver, Reach: mailcheck.Probe{Dial: dial}}, nil
}

// tlsService is how the server probes TLS endpoints: trusting
// --tls-probe-ca-file besides the system's CAs, or through the demo's own
// network.
func (a *app) tlsService() (*tlssec.Service, error) {
	dial, err := a.probeDial()
	if err != nil {
		return nil, err
	}
	if a.demoTLS != nil {
		return a.demoTLS, nil
	}
	svc := &tlssec.Service{Dial: dial}
	if a.tlsProbeCA != "" {
		pem, err := os.ReadFile(a.tlsProbeCA)
		if err != nil {
			return nil, usageError{fmt.Errorf("--tls-probe-ca-file: %v", err)}
		}
		if svc.Roots, err = tlscheck.Pool(pem); err != nil {
			return nil, usageError{fmt.Errorf("--tls-probe-ca-file %s: %v", a.tlsProbeCA, err)}
		}
	}
	return svc, nil
}

// evidenceService is the evidence vault over --evidence-store, sealed
// with the key ring: for the verbs that read or seed evidence outside a
// server.
func (a *app) evidenceService(ctx context.Context, s *store.Store) (*evidence.Service, error) {
	kr, err := a.keyring(s)
	if err != nil {
		return nil, err
	}
	v := vault.New(s, kr)
	blobs, err := openBlobs(ctx, s, v, "--evidence-store", a.evidenceStore)
	if err != nil {
		return nil, err
	}
	return &evidence.Service{Blobs: blobs, Sealer: v}, nil
}

// blobs is where uploads wait for their import: --uploads, else a folder
// beside a SQLite database (whose one writer would make an upload wait for
// a running import), else the database.
func (a *app) blobs(ctx context.Context, s *store.Store, sealer blob.Sealer) (*blob.Store, error) {
	where := a.uploads
	if where == "" {
		if s.Engine() == store.SQLite {
			where = strings.TrimPrefix(a.db, "file:") + ".uploads"
		} else {
			where = "database"
		}
	}
	return openBlobs(ctx, s, sealer, "--uploads", where)
}

// openBlobs opens the blob store where names: "database", an S3 bucket
// (s3://…) or a folder.
func openBlobs(ctx context.Context, s *store.Store, sealer blob.Sealer, flag, where string) (*blob.Store, error) {
	var b blob.Backend = blob.Database{Rows: s}
	switch {
	case where == "database" || where == "":
	case strings.HasPrefix(where, "s3://"):
		bucket, err := blob.ParseS3(where)
		if err != nil {
			return nil, err
		}
		if err := bucket.Check(ctx); err != nil {
			return nil, err
		}
		b = bucket
	default:
		if err := os.MkdirAll(where, 0o700); err != nil {
			return nil, errs.Wrap(errs.Invalid, flag+" "+where, err)
		}
		b = blob.Dir{Path: where}
	}
	return &blob.Store{Backend: b, Sealer: sealer}, nil
}

// smtpFlags adds the mail server that security reminders go through.
func (a *app) smtpFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.smtpURL, "smtp", "", "mail server for security reminders and breach notification reminders: smtps://user:password@host:465, smtp://user:password@host:587 (STARTTLS) or smtp+plain://127.0.0.1:25")
	cmd.Flags().StringVar(&a.smtpFrom, "smtp-from", "", "the address reminders are sent from")
}

// mailer is the mail server of --smtp, or nil when none is set.
func (a *app) mailer() (*notify.Mailer, error) {
	if a.smtpURL == "" {
		return nil, nil
	}
	return notify.ParseSMTP(a.smtpURL, a.smtpFrom)
}

// requireMailer is the mail server of --smtp, which a command that sends
// needs. Errors: a usage error when none is set.
func (a *app) requireMailer() (*notify.Mailer, error) {
	m, err := a.mailer()
	if err == nil && m == nil {
		err = usageError{fmt.Errorf("--smtp: name the mail server to send through")}
	}
	return m, err
}

// reminderLoop sends every organisation's due security reminders at start
// and every reminderEvery, until ctx ends.
// reminders sends the security reminders that are due, in every
// organisation, through m.
func (a *app) reminders(s *store.Store, m *notify.Mailer) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		orgs, err := s.Organizations(ctx)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			actx := audit.WithActor(ctx, audit.Actor{Label: "security reminders (server)", Source: "serve"})
			if n, err := notify.SendDue(actx, training.Records{Scoped: s.Scope(o)}, m, time.Now()); err != nil && ctx.Err() == nil {
				a.log.Error("security reminders", slog.String("org", o.Slug), slog.Any("err", err))
			} else if n > 0 {
				a.log.Info("security reminders sent", slog.String("org", o.Slug), slog.Int("reminders", n), slog.String("via", m.String()))
			}
		}
		return nil
	}
}

// breachReminders reminds each organisation's owners and security
// officers of the breach notices not yet made (internal/incidents).
func (a *app) breachReminders(s *store.Store, m *notify.Mailer, public string) func(ctx context.Context) error {
	svc := &incidents.Service{}
	return func(ctx context.Context) error {
		orgs, err := s.Organizations(ctx)
		if err != nil {
			return err
		}
		for _, o := range orgs {
			actx := audit.WithActor(ctx, audit.Actor{Label: "breach notification reminders (server)", Source: "serve"})
			if n, err := svc.SendReminders(actx, s.Scope(o), m, public+"/orgs/"+o.Slug); err != nil && ctx.Err() == nil {
				a.log.Error("breach notification reminders", slog.String("org", o.Slug), slog.Any("err", err))
			} else if n > 0 {
				a.log.Info("breach notification reminders sent", slog.String("org", o.Slug), slog.Int("reminders", n), slog.String("via", m.String()))
			}
		}
		return nil
	}
}

// reminderEvery is how often serve looks for due security reminders.
const reminderEvery = 15 * time.Minute

func (a *app) serveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Serve the web app and the API",
		Long: `Serve the web app and the JSON API on one port, against the database named by
--db (a SQLite file by default, or PostgreSQL). The schema is migrated at start.
Several servers may share one PostgreSQL database. SIGINT or SIGTERM stops the
server gracefully, letting requests in flight finish.`,
		Example: `  safeguard serve
  SAFEGUARD_DB=postgres://safeguard@db.internal/safeguard safeguard serve --addr 0.0.0.0:8080`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			return a.serve(cmd.Context(), s)
		}),
	}
	a.dbFlags(cmd, false)
	a.addrFlag(cmd)
	a.pepperFlag(cmd)
	return cmd
}

func (a *app) demoCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "demo",
		Short: "Start Safeguard with a demonstration clinic on a fresh database",
		Long: `Create a fresh SQLite database in a temporary folder (or use --db), seed it with
a demonstration organisation — a small clinic — and serve the web app, printing
the address to open. Every page says the data is a demonstration.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cmd.SetContext(audit.WithActor(cmd.Context(), audit.Actor{Label: "demo seed", Source: "cli"}))
			if !cmd.Flags().Changed("db") && os.Getenv(envPrefix+"DB") == "" {
				dir, err := os.MkdirTemp("", "safeguard-demo-")
				if err != nil {
					return err
				}
				defer os.RemoveAll(dir)
				a.db = filepath.Join(dir, "safeguard.db")
			}
			s, err := a.openStore(cmd.Context())
			if err != nil {
				return err
			}
			defer s.Close()
			o, err := SeedDemo(cmd.Context(), s)
			if err != nil {
				return err
			}
			if err := a.seedDemoUsers(cmd.Context(), s, o.ID); err != nil {
				return err
			}
			ev, err := a.evidenceService(cmd.Context(), s)
			if err != nil {
				return err
			}
			if err := SeedDemoProgram(cmd.Context(), s, o, ev, time.Now()); err != nil {
				return fmt.Errorf("seeding the demonstration program: %w", err)
			}
			a.log.Info("demo organisation ready", slog.String("org", o.Slug), slog.String("db", s.Where()))
			// The demo's email domains are probed, when asked and every day,
			// against its own mail network on loopback, as they were seeded.
			if a.emailResolver == "" {
				mail, err := startDemoMailNet()
				if err != nil {
					return err
				}
				defer mail.close()
				a.demoEmail = mail.emailService(nil)
			}
			// Its TLS endpoints likewise.
			endpoints, err := startDemoTLSNet()
			if err != nil {
				return err
			}
			defer endpoints.close()
			a.demoTLS = endpoints.svc
			return a.serve(cmd.Context(), s)
		},
	}
	cmd.Flags().StringVar(&a.db, "db", "", "database for the demo (default: a new SQLite file in a temporary folder, removed on exit)")
	a.addrFlag(cmd)
	a.pepperFlag(cmd)
	return cmd
}

// DemoSlug is the demonstration organisation's slug.
const DemoSlug = "riverside-demo"

// SeedDemo creates the demonstration organisation unless it exists.
func SeedDemo(ctx context.Context, s *store.Store) (*org.Organization, error) {
	o, err := s.OrganizationBySlug(ctx, DemoSlug)
	if err == nil || !errs.Is(err, errs.NotFound) {
		return o, err
	}
	o = &org.Organization{
		Slug: DemoSlug, Name: "Riverside Family Clinic", EntityType: org.Provider,
		WorkforceSize: 5, Sites: 1, Demo: true,
	}
	return o, s.CreateOrganization(ctx, o)
}

// checkpoint signs the newest audit entry.
func (a *app) checkpoint(s *store.Store, kr vault.Keyring) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		cp, err := s.AuditCheckpoint(ctx, kr.MAC, kr[0].ID)
		if cp != nil {
			a.log.Info("audit checkpoint", slog.Int64("seq", cp.Seq))
		}
		return err
	}
}

// checkpointEvery is how often the servers sign an audit checkpoint.
const checkpointEvery = time.Hour

// tlsConfig is the TLS of --tls-cert and --tls-key (nil without them):
// TLS 1.2 and later, with Go's default cipher suites.
func (a *app) tlsConfig() (*tls.Config, error) {
	if a.tlsCert == "" && a.tlsKey == "" {
		return nil, nil
	}
	if a.tlsCert == "" || a.tlsKey == "" {
		return nil, errs.New(errs.Invalid, "--tls-cert and --tls-key go together: give both, or neither")
	}
	cert, err := tls.LoadX509KeyPair(a.tlsCert, a.tlsKey)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, fmt.Sprintf("--tls-cert %s, --tls-key %s", a.tlsCert, a.tlsKey), err)
	}
	return &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, nil
}

// serve listens on --addr and serves until ctx is cancelled.
func (a *app) serve(ctx context.Context, s *store.Store) error {
	reg, err := loadCatalog()
	if err != nil {
		return err
	}
	h, err := a.hasher()
	if err != nil {
		return err
	}
	kr, err := a.keyring(s)
	if err != nil {
		return err
	}
	s.SignAuditWith(kr.MAC, kr[0].ID)
	v := vault.New(s, kr)
	accounts := account.New(s, h, v, nil)
	if a.idleTimeout > 0 {
		accounts.IdleTimeout = a.idleTimeout
	}
	mailer, err := a.mailer()
	if err != nil {
		return err
	}
	proxies, err := kit.ParseProxies(a.trustedProxy)
	if err != nil {
		return errs.Wrap(errs.Invalid, "--trusted-proxy", err)
	}
	tlsConfig, err := a.tlsConfig()
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", a.addr)
	if err != nil {
		return errs.Wrap(errs.Unavailable, fmt.Sprintf("cannot listen on %s", a.addr), err)
	}
	scheme := "http://"
	if tlsConfig != nil {
		scheme = "https://"
	}
	public := strings.TrimSuffix(a.publicURL, "/")
	if public == "" {
		public = scheme + ln.Addr().String()
	}
	callback := public + "/sso/callback"
	prog, err := assessment.NewProgram(reg)
	if err != nil {
		ln.Close()
		return errs.Wrap(errs.Internal, "the built-in tailoring rules are broken", err)
	}
	bs, err := a.blobs(ctx, s, v)
	if err != nil {
		ln.Close()
		return err
	}
	evidenceBlobs, err := openBlobs(ctx, s, v, "--evidence-store", a.evidenceStore)
	if err != nil {
		ln.Close()
		return err
	}
	ev := &evidence.Service{Blobs: evidenceBlobs, Sealer: v, MaxBytes: a.evidenceMax}
	periodic := []jobs.Periodic{
		{Name: "audit-checkpoint", Every: checkpointEvery, Run: a.checkpoint(s, kr)},
		{Name: "sweep-evidence", Every: 24 * time.Hour, Run: func(ctx context.Context) error {
			n, err := ev.Sweep(ctx, s, time.Now())
			if n > 0 {
				a.log.Info("evidence files never recorded removed", slog.Int("files", n))
			}
			return err
		}},
	}
	if mailer != nil {
		periodic = append(periodic, jobs.Periodic{Name: "security-reminders", Every: reminderEvery, Run: a.reminders(s, mailer)},
			jobs.Periodic{Name: "breach-reminders", Every: reminderEvery, Run: a.breachReminders(s, mailer, public)})
	}
	emailEvery, tlsEvery := a.emailEvery, a.tlsEvery
	if emailEvery == 0 {
		emailEvery = -1 // only when asked
	}
	if tlsEvery == 0 {
		tlsEvery = -1
	}
	tlsSvc, err := a.tlsService()
	if err != nil {
		ln.Close()
		return err
	}
	emailSvc, err := a.emailService()
	if err != nil {
		ln.Close()
		return err
	}
	engine, err := jobs.New(jobs.Config{Store: s, Blobs: bs, Log: a.log, Work: true, RescueAfter: a.rescueAfter, PollInterval: a.jobPoll, Periodic: periodic,
		Email: emailSvc, EmailEvery: emailEvery, TLS: tlsSvc, TLSEvery: tlsEvery})
	if err != nil {
		ln.Close()
		return err
	}
	handler, err := web.New(web.Config{
		Catalog: reg, Store: s, Accounts: accounts, SSO: sso.New(s, v, callback, nil), SSOCallbackURL: callback,
		Program: prog, Evidence: ev, Jobs: engine, Email: engine.EmailService(), TLS: engine.TLSService(),
		Log: a.log, Version: version(), ReadLimit: a.readLimit, TrustedProxies: proxies, PublicURL: a.publicURL,
	})
	if err != nil {
		ln.Close()
		return errs.Wrap(errs.Internal, "the built-in templates are broken", err)
	}
	if err := engine.SweepUploads(ctx); err != nil {
		a.log.Warn("sweeping uploads left behind", slog.Any("err", err))
	}
	if err := engine.Start(ctx); err != nil {
		ln.Close()
		return err
	}
	// After the server has stopped taking requests: a running import rolls
	// back and goes back to the queue for the next server.
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
		defer cancel()
		if err := engine.Stop(sctx); err != nil {
			a.log.Warn("stopping the job engine", slog.Any("err", err))
		}
	}()
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		WriteTimeout:      2 * time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
		TLSConfig:         tlsConfig,
	}
	if a.cpuProfile != "" {
		f, err := os.Create(a.cpuProfile)
		if err != nil {
			ln.Close()
			return errs.Wrap(errs.Invalid, "--cpu-profile", err)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			ln.Close()
			return errs.Wrap(errs.Internal, "--cpu-profile", err)
		}
		defer func() {
			pprof.StopCPUProfile()
			f.Close()
		}()
	}
	url := scheme + ln.Addr().String() + "/"
	fmt.Fprintf(a.stdout, "Safeguard is running at %s (database: %s). Press Ctrl+C to stop.\n", url, s.Where())
	a.log.Info("listening", slog.String("url", url))
	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- srv.ServeTLS(ln, "", "")
			return
		}
		errc <- srv.Serve(ln)
	}()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	a.log.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return err
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
