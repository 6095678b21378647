package cli

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) emailCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "email", Short: "Email security verified from the DNS (HPH CPG essential goal 2)"}
	var resolver string
	var timeout, smtpTimeout time.Duration
	var asJSON, record bool
	var selectors []string
	check := &cobra.Command{
		Use:   "check DOMAIN...",
		Short: "Check domains' SPF, DMARC and DKIM records and their mail servers' STARTTLS",
		Long: `Read each domain's SPF record (RFC 7208: exactly one "v=spf1" record; -all
passes, ~all warns, ?all, +all and a missing all fail), its DMARC record (RFC
7489: p=reject passes, quarantine or a partial policy warns, none or no record
fails; report destinations in another organisation must accept the reports)
and the DKIM keys at the selectors --dkim-selector names and the big providers'
defaults (RSA under 1024 bits fails, under 2048 warns; test mode warns; no key
fails), from the DNS: the resolver of /etc/resolv.conf, or --resolver. Then ask
each MX host on port 25 whether it offers STARTTLS (RFC 3207) with a
certificate valid for its name, and read the domain's MTA-STS policy and
TLS-RPT record (email.transport); a host that does not answer is named.
Whether the resolver validated the domain's answers with DNSSEC is reported
(email.dnssec). Each verdict names the record read, the RFC clause behind it
and every lookup made. Nothing is written: the command reads the DNS and
prints; with --record, the domains of the organisation's profile are
probed and what was found is recorded, as the server's daily probe does
(serve --email-probe-every), for the email checks to read.

--json gives, for each domain and check, domain, check (email.spf,
email.dmarc, email.dkim, email.transport, email.dnssec, email.bimi), status
(pass, warn, fail or unknown; info for a BIMI record not published, which
is not required), the record, the findings, the fix (what to publish) and
the lookups. A check that
cannot be made (the resolver or a server does not answer) is reported unknown,
and the command exits 1.

Without domains, those of the organisation's profile (--org, --db) are
checked, each with the DKIM selectors the profile gives it.`,
		Example: `  safeguard email check --org riverside
  safeguard email check --org riverside --record
  safeguard email check riverside.example
  safeguard email check riverside.example riverside-clinic.example --resolver 9.9.9.9:53 --json`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, domains []string) error {
			server := resolver
			if server == "" {
				var err error
				if server, err = mailcheck.SystemResolver(); err != nil {
					return usageError{fmt.Errorf("no resolver: %v; name one with --resolver HOST:PORT", err)}
				}
			}
			server = emailsec.HostPort(server)
			if record {
				if len(domains) > 0 || len(selectors) > 0 {
					return usageError{fmt.Errorf("--record probes the domains of the organisation's profile, with their selectors: name no domain or selector")}
				}
				return a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, _ []string) error {
					ctx := cmd.Context()
					sc, err := a.orgScope(ctx, s)
					if err != nil {
						return err
					}
					queue, err := jobs.New(jobs.Config{Store: s, Log: a.log})
					if err != nil {
						return err
					}
					svc := &emailsec.Service{Resolver: server, Timeout: timeout, Reach: mailcheck.Probe{Timeout: smtpTimeout}, Queue: queue}
					out, err := svc.Probe(ctx, sc)
					if err != nil {
						return err
					}
					if err := a.printEmail(out.Results, asJSON); err != nil {
						return err
					}
					if !asJSON {
						fmt.Fprintf(a.stdout, "recorded as probe %s; the checks of %s are queued for the server (safeguard check run runs them now)\n", out.ProbeID, sc.Org().Slug)
					}
					if len(out.Unknown) > 0 {
						return fmt.Errorf("the resolver %s did not answer, or failed, for %s: unknown (recorded as such)", server, strings.Join(out.Unknown, ", "))
					}
					return nil
				})(cmd, nil)
			}
			// Without domains: the organisation's, from its profile, each
			// with its DKIM selectors.
			perDomain := map[string][]string{}
			if len(domains) == 0 {
				err := a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
					p, err := sc.Profile(cmd.Context())
					if err != nil {
						return err
					}
					for _, d := range p.EmailDomains {
						domains = append(domains, d.Domain)
						perDomain[d.Domain] = d.Selectors
					}
					if len(domains) == 0 {
						return usageError{fmt.Errorf("%s lists no email domains in its profile: name the domains to check, or add them to the profile", sc.Org().Name)}
					}
					return nil
				})(cmd, nil)
				if err != nil {
					return err
				}
			}
			var all []mailcheck.Result
			for _, d := range domains {
				d = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(d)), ".")
				if d == "" || strings.ContainsAny(d, "/@ ") {
					return usageError{fmt.Errorf("%q is not a domain", d)}
				}
				all = append(all, mailcheck.CheckDomain(cmd.Context(), server, timeout, mailcheck.Probe{Timeout: smtpTimeout}, d, append(slices.Clone(selectors), perDomain[d]...), nil)...)
			}
			if err := a.printEmail(all, asJSON); err != nil {
				return err
			}
			if u := mailcheck.Unknown(all); len(u) > 0 {
				return fmt.Errorf("the resolver %s did not answer, or failed, for %s: unknown", server, strings.Join(u, ", "))
			}
			return nil
		},
	}
	check.Flags().StringVar(&resolver, "resolver", "", "the DNS resolver to ask, HOST[:PORT] (default: the first of /etc/resolv.conf)")
	check.Flags().DurationVar(&timeout, "timeout", 5*time.Second, "how long to wait for each DNS answer")
	check.Flags().DurationVar(&smtpTimeout, "smtp-timeout", 10*time.Second, "how long each MX host may take to answer on port 25")
	check.Flags().StringSliceVar(&selectors, "dkim-selector", nil, "DKIM selectors the domains' senders use, besides the big providers' defaults (repeat, or separate with commas)")
	a.dbFlags(check, true)
	check.Flags().BoolVar(&record, "record", false, "probe the domains of the organisation's profile (--org) and record what was found, as the server's daily probe does: the email checks then read it (queued for the server; safeguard check run runs them now)")
	check.Flags().BoolVar(&asJSON, "json", false, "print JSON: each domain's checks with their status, records, findings and lookups")
	cmd.AddCommand(check)
	return cmd
}

// printEmail prints the results of email checks, as JSON or as text.
func (a *app) printEmail(all []mailcheck.Result, asJSON bool) error {
	if asJSON {
		return writeJSON(a.stdout, all)
	}
	for _, r := range all {
		fmt.Fprintf(a.stdout, "%s %s: %s\n", r.Domain, r.Check, strings.ToUpper(r.Status))
		if r.Record != "" {
			fmt.Fprintf(a.stdout, "  %s: %s\n", r.At, r.Record)
		}
		for _, f := range r.Findings {
			fmt.Fprintf(a.stdout, "  - %s\n", f)
		}
		for _, f := range r.Fix {
			fmt.Fprintf(a.stdout, "  fix: %s\n", strings.ReplaceAll(strings.TrimSuffix(f, "\n"), "\n", "\n       "))
		}
		fmt.Fprintf(a.stdout, "  %d DNS lookup(s)\n", len(r.Lookups))
	}
	return nil
}
