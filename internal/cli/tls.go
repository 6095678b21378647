package cli

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
	"github.com/safeguard-health/safeguard/internal/tlssec"
)

func (a *app) tlsCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "tls", Short: "TLS of the organisation's services verified (HPH CPG essential goal 5)"}
	var profile, caFile string
	var timeout time.Duration
	var workers int
	var asJSON bool
	check := &cobra.Command{
		Use:   "check HOST:PORT...",
		Short: "Check endpoints' TLS: versions, cipher suites, certificate, OCSP stapling, HSTS",
		Long: `Connect to each endpoint (host:port; port 443 when none is given) and find
the protocol versions it accepts (TLS 1.0 to 1.3; SSL 3.0, TLS 1.0 and 1.1
fail, RFC 8996), each cipher suite Go can offer it (RC4, 3DES, NULL and export
suites fail; suites outside the profile warn), its certificate (a chain to a
trusted CA, its names, its expiry, warning 30 days before; key type and size;
signature algorithm), OCSP stapling and, on HTTPS, its Strict-Transport-
Security header (RFC 6797). Each is judged against Mozilla's Server Side TLS
6.0 profile: intermediate, or modern with --profile. What Go's TLS client
cannot speak (SSLv2 and SSLv3, DHE and other suites) is said; import a
testssl.sh or sslyze report (safeguard import) for it.

--ca-file trusts an organisation's private CA besides the system's.

--json gives, for each endpoint, endpoint (HOST:PORT), status (pass, fail,
warn or unknown) and its findings, each with its id, status, detail and
reason; and the versions, suites, certificate and HSTS found. The command
exits 1 when an endpoint fails or could not be checked.

Without --org nothing is written. With --org, the endpoints named, or with
none the organisation's own (those its profile lists and its internet-facing
assets' host names), are probed as the server's daily probe does (serve
--tls-probe-every) and recorded for the crypto.tls check to read, judged
against the organisation's TLS profile.`,
		Example: `  safeguard tls check portal.riverside.example vpn.riverside.example:10443
  safeguard tls check intranet.riverside.local:8443 --ca-file riverside-ca.pem --json
  safeguard tls check --org riverside`,
		Args: cobra.ArbitraryArgs,
		RunE: func(cmd *cobra.Command, endpoints []string) error {
			svc := &tlssec.Service{Timeout: timeout, Workers: workers}
			if caFile != "" {
				pem, err := os.ReadFile(caFile)
				if err != nil {
					return usageError{fmt.Errorf("--ca-file: %v", err)}
				}
				if svc.Roots, err = tlscheck.Pool(pem); err != nil {
					return usageError{fmt.Errorf("--ca-file %s: %v", caFile, err)}
				}
			}
			if cmd.Flags().Changed("org") {
				if cmd.Flags().Changed("profile") {
					return usageError{fmt.Errorf("--profile: an organisation's endpoints are judged against the TLS profile of its profile")}
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
					svc.Queue = queue
					var out *tlssec.Outcome
					if len(endpoints) == 0 {
						out, err = svc.Probe(ctx, sc)
					} else {
						out, err = svc.ProbeEndpoints(ctx, sc, endpoints)
					}
					if err != nil {
						return err
					}
					if err := a.printTLS(out.Results, asJSON); err != nil {
						return err
					}
					if !asJSON {
						fmt.Fprintf(a.stdout, "recorded as probe %s; the checks of %s are queued for the server (safeguard check run runs them now)\n", out.ProbeID, sc.Org().Slug)
					}
					return tlsExit(out.Results)
				})(cmd, nil)
			}
			if len(endpoints) == 0 {
				return usageError{fmt.Errorf("name the endpoints to check (HOST:PORT), or an organisation (--org) whose endpoints to probe")}
			}
			results, err := svc.Check(cmd.Context(), profile, endpoints)
			if err != nil {
				return err
			}
			if err := a.printTLS(results, asJSON); err != nil {
				return err
			}
			return tlsExit(results)
		},
	}
	check.Flags().StringVar(&profile, "profile", tlscheck.DefaultProfile, "the Mozilla Server Side TLS profile to judge against: "+strings.Join(tlscheck.ProfileNames(), " or "))
	check.Flags().StringVar(&caFile, "ca-file", "", "a PEM file of CA certificates to trust besides the system's (an organisation's private CA)")
	check.Flags().DurationVar(&timeout, "timeout", 10*time.Second, "how long each connection may take")
	check.Flags().IntVar(&workers, "workers", tlssec.DefaultWorkers, "how many endpoints to check at once")
	check.Flags().BoolVar(&asJSON, "json", false, "print JSON: each endpoint with its status and findings")
	a.dbFlags(check, true)
	cmd.AddCommand(check)
	return cmd
}

// tlsExit is the command's error when an endpoint failed or could not be
// checked.
func tlsExit(results []*tlscheck.Result) error {
	var failing, unknown []string
	for _, r := range results {
		switch r.Status {
		case tlscheck.Fail:
			failing = append(failing, r.Endpoint)
		case tlscheck.Unknown:
			unknown = append(unknown, r.Endpoint)
		}
	}
	var parts []string
	if len(failing) > 0 {
		parts = append(parts, "failing: "+strings.Join(failing, ", "))
	}
	if len(unknown) > 0 {
		parts = append(parts, "not checked: "+strings.Join(unknown, ", "))
	}
	if len(parts) == 0 {
		return nil
	}
	return fmt.Errorf("%s", strings.Join(parts, "; "))
}

// printTLS prints endpoints' results, as JSON or as text.
func (a *app) printTLS(results []*tlscheck.Result, asJSON bool) error {
	if asJSON {
		return writeJSON(a.stdout, results)
	}
	for _, r := range results {
		fmt.Fprintf(a.stdout, "%s: %s (Mozilla %s profile)\n", r.Endpoint, strings.ToUpper(r.Status), r.Profile)
		if r.Error != "" {
			fmt.Fprintf(a.stdout, "  %s\n", r.Error)
			continue
		}
		var accepted []string
		for _, v := range r.Versions {
			if v.Accepted {
				accepted = append(accepted, v.Name)
			}
		}
		fmt.Fprintf(a.stdout, "  versions accepted: %s; %d cipher suites\n", strings.Join(accepted, ", "), len(r.Ciphers))
		if c := r.Cert; c != nil {
			fmt.Fprintf(a.stdout, "  certificate: %s, issued by %s, %s %d bits, %s, valid to %s\n", c.Subject, c.Issuer, c.KeyType, c.KeyBits, c.Signature, c.NotAfter.Format(time.DateOnly))
		}
		for _, f := range r.Findings {
			if f.Status == tlscheck.Info {
				continue
			}
			fmt.Fprintf(a.stdout, "  %s %s: %s (%s)\n", strings.ToUpper(f.Status), f.ID, f.Detail, f.Reason)
		}
	}
	return nil
}
