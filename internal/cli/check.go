package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/store"
)

// checkJSON is one check as check run --json prints it.
type checkJSON struct {
	ID         string         `json:"id"`
	Title      string         `json:"title"`
	Goal       string         `json:"goal,omitempty"`
	Items      []string       `json:"items"`
	Status     check.Status   `json:"status"`
	GoalStatus string         `json:"goal_status"`
	Counts     map[string]int `json:"counts"`
	Detail     string         `json:"detail"`
	Result     string         `json:"result"`
	At         time.Time      `json:"at"`
	Records    []string       `json:"records"` // the ids of the records behind the verdict
}

func (a *app) checkCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "check",
		Short: "Verify the CPGs from the imported data: accounts, scanner findings, the KEV catalog",
		Long: `The checks read what was imported (account exports, the roster, scanner
findings, the KEV catalog) and verify the HPH CPGs' practices: multifactor
authentication, departed workforce's credentials, unique credentials,
separate privileged accounts, dormant accounts, and known exploited
vulnerabilities. Each result lists the records behind its verdict and
becomes a dated input of the scorecard and of the Security Rule items it
supports.`,
	}
	var asJSON bool
	run := &cobra.Command{
		Use:   "run",
		Short: "Run every check and record the results on the scorecard",
		Example: `  safeguard check run --org riverside
  safeguard check run --org riverside --json | jq '.[] | select(.status == "fail") | .id'`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			ctx := cmd.Context()
			sc, err := a.orgScope(ctx, s)
			if err != nil {
				return err
			}
			results, err := check.Run(ctx, sc, time.Now())
			if err != nil {
				return err
			}
			if err := sc.SaveCheckResults(ctx, results); err != nil {
				return err
			}
			if asJSON {
				out := make([]checkJSON, 0, len(results))
				for _, r := range results {
					ids := make([]string, len(r.Records))
					for i, rec := range r.Records {
						ids[i] = rec.ID
					}
					out = append(out, checkJSON{ID: r.Check.ID, Title: r.Check.Title, Goal: r.Check.Goal, Items: r.Check.Items, Status: r.Status, GoalStatus: string(r.GoalStatus),
						Counts: r.Counts, Detail: r.Detail, Result: r.ID, At: r.At, Records: ids})
				}
				return writeJSON(a.stdout, out)
			}
			for _, r := range results {
				goal := r.Check.Goal
				if goal == "" {
					goal = strings.Join(r.Check.Items, ", ")
				}
				fmt.Fprintf(a.stdout, "%-8s %-18s %s (%s)\n         %s\n", strings.ToUpper(string(r.Status)), r.Check.ID, r.Check.Title, goal, r.Detail)
				for _, rec := range r.Records[:min(3, len(r.Records))] {
					fmt.Fprintf(a.stdout, "         - %s: %s\n", rec.Label, rec.Reason)
				}
				if len(r.Records) > 3 {
					fmt.Fprintf(a.stdout, "         … and %d more: safeguard check show %s\n", len(r.Records)-3, r.ID)
				}
			}
			return nil
		}),
	}
	run.Flags().BoolVar(&asJSON, "json", false, "print the results as JSON, with the ids of the records behind each")
	a.dbFlags(run, true)

	var showJSON bool
	var limit int
	show := &cobra.Command{
		Use:   "show [RESULT]",
		Short: "The newest result of each check, or one result with the records behind it",
		Args:  cobra.MaximumNArgs(1),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			ctx := cmd.Context()
			sc, err := a.orgScope(ctx, s)
			if err != nil {
				return err
			}
			if len(args) == 0 {
				results, err := sc.CheckResults(ctx)
				if err != nil {
					return err
				}
				if showJSON {
					return writeJSON(a.stdout, results)
				}
				if len(results) == 0 {
					fmt.Fprintln(a.stdout, "No check has run yet: safeguard check run")
				}
				for _, r := range results {
					fmt.Fprintf(a.stdout, "%-8s %-18s %s  %s  result %s\n         %s\n", strings.ToUpper(string(r.Status)), r.Check.ID, r.At.Format(time.DateOnly), r.Check.Title, r.ID, r.Detail)
				}
				return nil
			}
			r, err := sc.CheckResult(ctx, args[0], limit)
			if err != nil {
				return err
			}
			if showJSON {
				return writeJSON(a.stdout, r)
			}
			fmt.Fprintf(a.stdout, "%s — %s: %s on %s\n%s\n%s\n", r.Check.ID, r.Check.Title, strings.ToUpper(string(r.Status)), r.At.Format(time.DateOnly), r.Detail, r.Check.Basis)
			keys := slices.Sorted(maps.Keys(r.Counts))
			for _, k := range keys {
				fmt.Fprintf(a.stdout, "  %s: %d\n", k, r.Counts[k])
			}
			for _, rec := range r.Records {
				fmt.Fprintf(a.stdout, "- %s %s (%s): %s\n", rec.Kind, rec.Label, rec.ID, rec.Reason)
			}
			return nil
		}),
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print as JSON")
	show.Flags().IntVar(&limit, "limit", 0, "at most this many records (0: all)")
	a.dbFlags(show, true)
	cmd.AddCommand(run, show)
	return cmd
}
