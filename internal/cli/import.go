package cli

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) importCommand() *cobra.Command {
	var format, system, framework string
	var preview, list bool
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import outside data: the KEV catalog, EPSS scores, scanner output, account exports",
		Long: `Import files, each detected from its content unless --format names it:
` + strings.Join(ingest.Supported, ", ") + `.
Scanner findings land in the organisation named by --org, each matched to an
asset of the ePHI inventory by its name or identifiers; hosts no asset
matches are listed. Account exports (Entra ID users and its registration
details, Active Directory, Okta, Google Workspace, Safeguard's account CSV)
replace the accounts of the system they sign in to (--system; by default the
format's: Microsoft Entra ID, Active Directory, Okta, Google Workspace,
Account CSV), no other system's, and each account is matched to a person of
the roster, with the rule that matched it; --preview says what an account
export would add, change and remove, and writes nothing. Every file is
streamed, lands whole or not at all, and is recorded with its SHA-256:
importing the same file again changes nothing. An organisation's file that
lands enqueues, in the same transaction, a run of its checks, which the
next server to look for work takes up (safeguard check run runs them now).
An OSCAL catalog or profile in JSON (NIST SP 800-53 Rev. 5, one of its
baselines) becomes a framework the organisation can assess against, under
--framework or an id made from its title; a profile is resolved against the
catalog it imports, which is imported first (it is found by its file's name).`,
		Example: `  safeguard import known_exploited_vulnerabilities.json epss_scores-2026-11-23.csv
  safeguard import --org riverside trivy-ehr-interface.json
  safeguard import --org riverside exportUsers_2026-11-20.csv UserRegistrationDetails.csv
  safeguard import --org riverside --system "Epic EHR" --preview ehr-users.csv
  safeguard import --org riverside NIST_SP-800-53_rev5_catalog.json
  safeguard import --org riverside --framework sp800-53r5-moderate NIST_SP-800-53_rev5_MODERATE-baseline_profile.json`,
		Args: func(cmd *cobra.Command, args []string) error {
			if list && len(args) > 0 {
				return usageError{fmt.Errorf("--list-formats takes no file")}
			}
			if list {
				return nil
			}
			return cobra.MinimumNArgs(1)(cmd, args)
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if list {
				return a.listFormats()
			}
			return a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
				return a.importFiles(cmd, s, args, format, system, framework, preview)
			})(cmd, args)
		},
	}
	cmd.Flags().StringVar(&system, "system", "", "the system an account export's accounts sign in to (an EHR, a VPN, the directory): its accounts, and no other system's, are replaced (default: the format's)")
	cmd.Flags().StringVar(&framework, "framework", "", "the id an OSCAL catalog or profile becomes (default: made from its title); importing under an id again replaces that framework")
	cmd.Flags().BoolVar(&list, "list-formats", false, "list the formats Safeguard imports, with what each brings, and exit")
	cmd.Flags().BoolVar(&preview, "preview", false, "say what each account export would add, change and remove of its system's accounts, and write nothing")
	cmd.Flags().StringVar(&format, "format", "", "the files' format, when detection should not decide: "+strings.Join(ingest.Supported, ", "))
	a.dbFlags(cmd, true)
	return cmd
}

// importFiles imports each file in its format: format when given, else
// the one detected from its content. On a terminal, a progress bar shows
// how far through each file the import is.
func (a *app) importFiles(cmd *cobra.Command, s *store.Store, paths []string, format, system, framework string, preview bool) error {
	ctx := cmd.Context()
	reg, err := loadCatalog()
	if err != nil {
		return err
	}
	queue, err := jobs.New(jobs.Config{Store: s, Log: a.log})
	if err != nil {
		return err
	}
	for _, path := range paths {
		var sc *store.Scoped
		queued := false
		req := dataimport.Request{Path: path, Format: format, Shared: s, System: system, Preview: preview, Framework: framework, Catalog: reg,
			Scope: func() (*store.Scoped, error) {
				var err error
				sc, err = a.orgScope(ctx, s)
				return sc, err
			},
			After: []store.TxFunc{func(ctx context.Context, tx *sql.Tx) error {
				queued = true
				if sc != nil {
					return queue.QueueChecksTx(ctx, tx, sc.Org().ID)
				}
				// A new KEV catalog or new EPSS scores move every
				// organisation's order to fix, and the catalog their
				// verdicts: the walk that follows them runs the checks
				// again when it is done.
				return queue.QueueRankRefreshTx(ctx, tx)
			}}}
		bar := a.progressBar(path)
		if bar != nil {
			req.Progress = func(read, size int64) {
				bar.ChangeMax64(size)
				bar.Set64(read)
			}
		}
		out, err := dataimport.File(ctx, req)
		if bar != nil {
			bar.Finish()
			bar.Clear()
		}
		if err != nil {
			return err
		}
		switch {
		case queued && sc != nil:
			out.Summary = append(out.Summary, "the checks of "+sc.Org().Slug+" are queued for the server (safeguard check run runs them now)")
		case queued:
			// The order to fix is brought up to date here too, in short
			// transactions, so that what this process (or a check run
			// after it) reads follows the new catalog or scores at once.
			if _, err := queue.RefreshRanks(ctx); err != nil {
				return err
			}
			out.Summary = append(out.Summary, "every organisation's order to fix follows it; their checks are queued for the server (safeguard check run runs them now)")
		}
		for i, line := range out.Summary {
			if i > 0 {
				line = "  " + line
			}
			fmt.Fprintln(a.stdout, line)
		}
	}
	return nil
}

// listFormats prints the format registry: what --format takes, and what
// each format brings.
func (a *app) listFormats() error {
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FORMAT\tNAME\tBRINGS")
	for _, f := range ingest.Formats() {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", f.ID, f.Label, f.Brings)
	}
	return tw.Flush()
}

// progressBar is a bar of bytes read on standard error, when it is a
// terminal; nil otherwise (a pipe, a log, a test).
func (a *app) progressBar(path string) *progressbar.ProgressBar {
	f, ok := a.stderr.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(-1, progressbar.OptionSetWriter(f), progressbar.OptionSetDescription(filepath.Base(path)),
		progressbar.OptionShowBytes(true), progressbar.OptionSetWidth(30), progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionShowElapsedTimeOnFinish(), progressbar.OptionSetPredictTime(true))
}
