package cli

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/risk"
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
supports; a failing check proposes a vulnerability to the risk register,
linked to the result behind it.`,
	}
	var asJSON bool
	run := &cobra.Command{
		Use:   "run",
		Short: "Run every check and record the results on the scorecard",
		Example: `  safeguard check run --org riverside
  safeguard check run --org riverside --json | jq '.[] | select(.status == "fail") | .id'`,
		Args: cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			ctx := cmd.Context()
			results, err := (&checkrun.Service{}).Run(ctx, sc)
			if err != nil {
				return err
			}
			if asJSON {
				out := make([]checkJSON, 0, len(results))
				for _, r := range results {
					all, err := sc.CheckResult(ctx, r.ID, 0, 0)
					if err != nil {
						return err
					}
					ids := make([]string, len(all.Records))
					for i, rec := range all.Records {
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
				first, err := sc.CheckResult(ctx, r.ID, 0, 3)
				if err != nil {
					return err
				}
				for _, rec := range first.Records {
					fmt.Fprintf(a.stdout, "         - %s: %s\n", rec.Label, rec.Reason)
				}
				if r.RecordCount > 3 {
					fmt.Fprintf(a.stdout, "         … and %d more: safeguard check show %s\n", r.RecordCount-3, r.ID)
				}
			}
			vulns, err := sc.Vulnerabilities(ctx)
			if err != nil {
				return err
			}
			for _, v := range vulns {
				if v.CheckID != "" && v.Status == risk.Proposed {
					fmt.Fprintf(a.stdout, "Proposed to the risk register, awaiting review: %s\n", v.Title)
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
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, args []string) error {
			ctx := cmd.Context()
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
			r, err := sc.CheckResult(ctx, args[0], 0, limit)
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
	var set check.Settings
	settings := &cobra.Command{
		Use:   "settings",
		Short: "Show the checks' thresholds, or set them (0 restores a default)",
		Example: `  safeguard check settings --org riverside
  safeguard check settings --org riverside --dormant-days 60 --kev-window-days 14`,
		Args: cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			ctx := cmd.Context()
			cur, err := sc.CheckSettings(ctx)
			if err != nil {
				return err
			}
			changed := false
			for flag, dst := range map[string]*int{"dormant-days": &cur.DormantDays, "unused-days": &cur.UnusedDays, "password-max-days": &cur.PasswordMaxDays, "kev-window-days": &cur.KEVWindowDays} {
				if cmd.Flags().Changed(flag) {
					v, _ := cmd.Flags().GetInt(flag)
					*dst, changed = v, true
				}
			}
			if changed {
				if err := sc.SetCheckSettings(ctx, cur); err != nil {
					return err
				}
			}
			eff := check.WithDefaults(cur)
			kev := "each KEV entry's own window (its due date less its date added)"
			if eff.KEVWindowDays > 0 {
				kev = fmt.Sprintf("%d days", eff.KEVWindowDays)
			}
			fmt.Fprintf(a.stdout, "Dormant after %d days without a sign-in; unused %d days after creation; passwords stale after %d days; KEV window: %s.\n", eff.DormantDays, eff.UnusedDays, eff.PasswordMaxDays, kev)
			return nil
		}),
	}
	settings.Flags().IntVar(&set.DormantDays, "dormant-days", 0, "days without a sign-in before an account is dormant (default 90)")
	settings.Flags().IntVar(&set.UnusedDays, "unused-days", 0, "days after creation before a never-used account counts (default 30)")
	settings.Flags().IntVar(&set.PasswordMaxDays, "password-max-days", 0, "days before a password is stale (default 365)")
	settings.Flags().IntVar(&set.KEVWindowDays, "kev-window-days", 0, "days to remediate a KEV-listed finding (default: each entry's window from the catalog)")
	a.dbFlags(settings, true)
	cmd.AddCommand(run, show, settings)
	return cmd
}
