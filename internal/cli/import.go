package cli

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
)

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

func (a *app) importCommand() *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "import FILE...",
		Short: "Import outside data: the KEV catalog, EPSS scores, scanner output, account exports",
		Long: `Import files, each detected from its content unless --format names it:
` + strings.Join(ingest.Supported, ", ") + `.
Scanner findings land in the organisation named by --org, each matched to an
asset of the ePHI inventory by its name or identifiers; hosts no asset
matches are listed. Account exports (Entra ID users and its registration
details, Active Directory, Okta, Google Workspace, Safeguard's account CSV)
replace the previous export of the same system, and each account is matched
to a person of the roster, with the rule that matched it. Every file is
streamed, lands whole or not at all, and is recorded with its SHA-256:
importing the same file again changes nothing.`,
		Example: `  safeguard import known_exploited_vulnerabilities.json epss_scores-2026-11-23.csv
  safeguard import --org riverside trivy-ehr-interface.json
  safeguard import --org riverside exportUsers_2026-11-20.csv UserRegistrationDetails.csv`,
		Args: cobra.MinimumNArgs(1),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			return a.importFiles(cmd, s, args, format)
		}),
	}
	cmd.Flags().StringVar(&format, "format", "", "the files' format, when detection should not decide: "+strings.Join(ingest.Supported, ", "))
	a.dbFlags(cmd, true)
	return cmd
}

// importFiles imports each file in its format: format when given, else
// the one detected from its content.
func (a *app) importFiles(cmd *cobra.Command, s *store.Store, paths []string, format string) error {
	ctx := cmd.Context()
	for _, path := range paths {
		sha, size, head, err := fileFacts(path)
		if err != nil {
			return err
		}
		kind := format
		if kind == "" {
			if kind = ingest.Detect(head); kind == "" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: the format is not one Safeguard knows (it reads %s); name it with --format if it is one of them", path, strings.Join(ingest.Supported, ", ")))
			}
		}
		if !slices.Contains(ingest.Supported, kind) {
			return errs.New(errs.Invalid, fmt.Sprintf("%s: --format %s is not a format Safeguard reads (it reads %s)", path, kind, strings.Join(ingest.Supported, ", ")))
		}
		f, err := os.Open(path)
		if err != nil {
			return errs.Wrap(errs.Invalid, "cannot open "+path, err)
		}
		switch {
		case kind == ingest.FormatKEV:
			var c *ingest.KEVCatalog
			if c, err = ingest.ReadKEV(path, f); err == nil {
				var rec *store.DataImport
				var fresh bool
				if rec, fresh, err = s.ImportKEV(ctx, c); err == nil {
					fmt.Fprintf(a.stdout, "%s: the KEV catalog %s (released %s), %d vulnerabilities; SHA-256 %s%s.\n", path, c.Version, c.Released.Format(time.DateOnly), len(c.Entries), rec.SHA256, again(fresh))
				}
			}
		case kind == ingest.FormatEPSS:
			var e *ingest.EPSSFile
			if e, err = ingest.ReadEPSS(path, f); err == nil {
				var fresh bool
				if _, fresh, err = s.ImportEPSS(ctx, e); err == nil {
					fmt.Fprintf(a.stdout, "%s: %d EPSS scores of %s%s.\n", path, len(e.Scores), e.ScoreDate, again(fresh))
				}
			}
		case ingest.IsScanner(kind):
			reader, name, _ := ingest.ScanReaderFor(kind)
			var sc *store.Scoped
			if sc, err = a.orgScope(ctx, s); err == nil {
				var res *store.FindingsImport
				res, err = sc.ImportFindings(ctx, kind, path, sha, size, func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
					return reader(path, f, emit)
				})
				if err == nil {
					fmt.Fprintf(a.stdout, "%s: %d findings (%s), %d matched to assets%s.\n", path, res.Findings, name, res.Matched, again(res.Fresh))
					if res.Skipped == 1 {
						fmt.Fprintln(a.stdout, "  1 result passed over: informational, fixed, suppressed or not affecting")
					} else if res.Skipped > 1 {
						fmt.Fprintf(a.stdout, "  %d results passed over: informational, fixed, suppressed or not affecting\n", res.Skipped)
					}
					if len(res.Unmatched) > 0 {
						fmt.Fprintf(a.stdout, "  not in the ePHI inventory: %s\n", strings.Join(clip(res.Unmatched, 10), "; "))
					}
				}
			}
		case kind == ingest.FormatEntraMFA:
			var sc *store.Scoped
			if sc, err = a.orgScope(ctx, s); err == nil {
				var res *store.AccountsImport
				res, err = sc.ImportMFARegistrations(ctx, path, sha, size, func(emit func(*ingest.MFARegistration) error) (*ingest.AccountsInfo, error) {
					return ingest.ReadMFARegistrations(path, f, emit)
				})
				if err == nil {
					fmt.Fprintf(a.stdout, "%s: MFA registration of %d users (%s)%s.\n", path, res.Accounts, ingest.FormatLabel(kind), again(res.Fresh))
				}
			}
		default: // the account exports
			var sc *store.Scoped
			if sc, err = a.orgScope(ctx, s); err == nil {
				var res *store.AccountsImport
				res, err = sc.ImportAccounts(ctx, kind, path, sha, size, func(emit func(*ingest.Account) error) (*ingest.AccountsInfo, error) {
					return ingest.ReadAccounts(path, f, kind, emit)
				})
				if err == nil {
					fmt.Fprintf(a.stdout, "%s: %d accounts (%s), %d matched to people of the roster%s.\n", path, res.Accounts, ingest.FormatLabel(kind), res.Matched, again(res.Fresh))
					if res.Fresh && res.Replaced > 0 {
						fmt.Fprintf(a.stdout, "  replaced the %d accounts of the previous export\n", res.Replaced)
					}
				}
			}
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

func again(fresh bool) string {
	if fresh {
		return ""
	}
	return " — imported before, nothing changed"
}
