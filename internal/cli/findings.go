package cli

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/findings"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) findingsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "findings",
		Short: "The imported scanner findings: what to fix first, and what changed between scans",
		Long: `An open finding is one the newest scan of its asset (or, for a host no
asset of the inventory matched, of that host) still reports.`,
	}
	var asJSON bool
	var limit int
	var after string
	remediation := &cobra.Command{
		Use:   "remediation",
		Short: "The open findings in the order to fix them, each row saying why",
		Long: `The order is: KEV-listed CVEs first, then FIRST's EPSS probability, the
CVSS score, the asset's criticality in the ePHI inventory, and the ePHI
records it holds. Each row gives its standing on every key and the key that
put it ahead of the next row.`,
		Example: `  safeguard findings remediation --org riverside --limit 20
  safeguard findings remediation --org riverside --limit 20 --after 20.0193a1c2-...
  safeguard findings remediation --org riverside --json | jq '.rows[0].why'`,
		Args: cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			ctx := cmd.Context()
			page, err := findings.Remediation(ctx, sc, after, "", limit)
			if err != nil {
				return err
			}
			rows, total := page.Rows, page.Total
			if asJSON {
				if rows == nil {
					rows = []*check.Priority{}
				}
				return writeJSON(a.stdout, map[string]any{"open": total, "rows": rows, "next": page.Next})
			}
			if total == 0 {
				fmt.Fprintln(a.stdout, "No open findings: import a scan with safeguard import")
				return nil
			}
			if len(rows) == 0 {
				fmt.Fprintf(a.stdout, "%d open findings; none after the cursor\n", total)
				return nil
			}
			fmt.Fprintf(a.stdout, "%d open findings; numbers %d to %d in the order to fix them:\n", total, rows[0].Rank, rows[len(rows)-1].Rank)
			for _, p := range rows {
				id := p.CVE
				if id == "" {
					id = p.VulnID
				}
				fmt.Fprintf(a.stdout, "%3d. %s on %s (%s) %s\n     %s\n", p.Rank, id, p.Place(), p.Severity, p.Title, p.Why)
			}
			if page.Next != "" {
				fmt.Fprintf(a.stdout, "More: --after %s\n", page.Next)
			}
			return nil
		}),
	}
	remediation.Flags().BoolVar(&asJSON, "json", false, "print as JSON")
	remediation.Flags().IntVar(&limit, "limit", 50, "how many rows")
	remediation.Flags().StringVar(&after, "after", "", "start after this row (the cursor the previous page printed)")
	a.dbFlags(remediation, true)

	var trendJSON bool
	trend := &cobra.Command{
		Use:   "trend",
		Short: "For each asset or host, its newest scan against the one before: new, fixed, still open",
		Args:  cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			ctx := cmd.Context()
			// Every place, a page of the kept counts at a time.
			t, err := sc.FindingsTrend(ctx, "", 1000)
			if err != nil {
				return err
			}
			for next := t.Next; next != ""; {
				more, err := sc.FindingsTrend(ctx, next, 1000)
				if err != nil {
					return err
				}
				t.Places, next = append(t.Places, more.Places...), more.Next
			}
			t.Next = ""
			if trendJSON {
				return writeJSON(a.stdout, t)
			}
			fmt.Fprintf(a.stdout, "%d new, %d fixed, %d still open since each asset's previous scan by the same scanner\n", t.New, t.Fixed, t.Still)
			for _, p := range t.Places {
				prev := "first scan"
				if p.Previous != "" {
					prev = "against " + p.Previous
				}
				fmt.Fprintf(a.stdout, "  %-30s %-9s %s (%s): %d new, %d fixed, %d still open\n", p.Place, p.Scanner, p.Newest, prev, p.New, p.Fixed, p.Still)
			}
			return nil
		}),
	}
	trend.Flags().BoolVar(&trendJSON, "json", false, "print as JSON")
	a.dbFlags(trend, true)
	cmd.AddCommand(remediation, trend)
	return cmd
}
