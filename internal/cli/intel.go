package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) kevCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "kev",
		Short: "The CISA Known Exploited Vulnerabilities catalog: import it, look up a CVE",
		Long: `Safeguard never fetches from the internet: download the catalog's JSON file from
https://www.cisa.gov/known-exploited-vulnerabilities-catalog and import it. Each
import replaces the catalog whole; importing the same file again changes
nothing.`,
	}
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import the KEV catalog's JSON file",
		Args:  cobra.ExactArgs(1),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			return a.importFiles(cmd, s, args, ingest.FormatKEV, "", "", false)
		}),
	}
	a.dbFlags(imp, false)
	var asJSON bool
	show := &cobra.Command{
		Use:   "show [CVE]",
		Short: "The catalog Safeguard holds, or one CVE's entry",
		Args:  cobra.MaximumNArgs(1),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			if len(args) == 0 {
				rec, err := s.LatestImport(cmd.Context(), "", "kev")
				if err != nil {
					return err
				}
				if asJSON {
					return writeJSON(a.stdout, rec)
				}
				fmt.Fprintf(a.stdout, "KEV catalog %s: %d vulnerabilities, imported %s by %s from %s (SHA-256 %s).\n", rec.Version, rec.Records, rec.ImportedAt.Format(time.DateTime), rec.ImportedBy, rec.Filename, rec.SHA256)
				return nil
			}
			e, err := s.KEVEntry(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, e)
			}
			fmt.Fprintf(a.stdout, "%s: %s (%s %s)\nAdded %s, due %s; known ransomware use: %s\n%s\nRequired action: %s\n", e.CVE, e.Name, e.Vendor, e.Product, e.DateAdded, e.DueDate, e.Ransomware, e.Description, e.RequiredAction)
			return nil
		}),
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	a.dbFlags(show, false)
	cmd.AddCommand(imp, show)
	return cmd
}

func (a *app) epssCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "epss", Short: "FIRST EPSS scores: import the daily CSV"}
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import FIRST's EPSS scores CSV (cve,epss,percentile)",
		Long: `Download the daily scores from https://www.first.org/epss/data_stats (gunzip
the file first) and import them. Each import replaces the scores whole;
importing the same file again changes nothing.`,
		Args: cobra.ExactArgs(1),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			return a.importFiles(cmd, s, args, ingest.FormatEPSS, "", "", false)
		}),
	}
	a.dbFlags(imp, false)
	cmd.AddCommand(imp)
	return cmd
}
