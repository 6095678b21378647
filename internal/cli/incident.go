package cli

import (
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) incidentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "incident",
		Short: "The incident register and the breach notification clock",
		Long: `The register of security incidents (45 CFR 164.308(a)(6)): each incident's
timeline, what it touched and its breach assessment (45 CFR 164.402); for a
breach of unsecured PHI, the last day of each notice the Breach Notification
Rule requires (164.404-410) and what was sent, and the yearly log of
breaches under 500 individuals for HHS (164.408(c)). Incidents are recorded
on the incidents page or through the API.`,
	}
	svc := &incidents.Service{}
	var listJSON bool
	list := &cobra.Command{
		Use:     "list",
		Short:   "List the incidents, the newest detected first",
		Example: `  safeguard incident list --org riverside --json`,
		Args:    cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			vs, err := svc.Register(cmd.Context(), sc)
			if err != nil {
				return err
			}
			if listJSON {
				return writeJSON(a.stdout, vs)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "REF\tDETECTED\tPHASE\tPHI\tASSESSMENT\tNEXT NOTICE\tTITLE")
			for _, v := range vs {
				assessed := "-"
				if v.Assessment != nil {
					assessed = v.Assessment.Conclusion
				}
				next := "-"
				if v.Next != nil {
					next = fmt.Sprintf("%s by %s (%s)", v.Next.To, v.Next.Due, v.Next.Status)
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", v.Ref, v.DetectedAt.UTC().Format("2006-01-02 15:04"), v.Phase, yesNo(v.PHI), assessed, next, v.Title)
			}
			return tw.Flush()
		}),
	}
	list.Flags().BoolVar(&listJSON, "json", false, "print JSON")
	a.dbFlags(list, true)

	var showJSON bool
	show := &cobra.Command{
		Use:   "show INCIDENT",
		Short: "Show one incident (by reference, INC-001, or id) with its breach clock",
		Args:  cobra.ExactArgs(1),
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, args []string) error {
			v, err := svc.Find(cmd.Context(), sc, args[0])
			if err != nil {
				return err
			}
			if showJSON {
				return writeJSON(a.stdout, v)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			line := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, orDash(v)) }
			at := func(t *time.Time) string {
				if t == nil {
					return "not yet"
				}
				return t.UTC().Format("2006-01-02 15:04") + " UTC"
			}
			line("Incident", v.Ref+" "+v.Title)
			line("Phase", v.Phase)
			line("Detected", at(&v.DetectedAt))
			line("Contained", at(v.ContainedAt))
			line("Eradicated", at(v.EradicatedAt))
			line("Recovered", at(v.RecoveredAt))
			line("PHI", yesNo(v.PHI)+", "+strconv.FormatInt(v.Records, 10)+" records")
			if as := v.Assessment; as != nil {
				line("Assessment", v.Conclusion+" ("+as.By+", "+as.On+")")
				line("Reasoning", as.Reasoning)
				if as.Exclusion != "" {
					line("Exclusion", "45 CFR 164.402(1)"+as.Exclusion)
				}
				for k, f := range as.Factors {
					if f != "" {
						line(fmt.Sprintf("Factor %d", k+1), f)
					}
				}
			} else {
				line("Assessment", "not assessed")
			}
			for _, d := range v.Deadlines {
				sent := ""
				if d.SentOn != "" {
					sent = ", sent " + d.SentOn
				}
				line("Notice to "+d.To, fmt.Sprintf("by %s: %s%s (%s)", d.Due, d.Status, sent, d.Cite))
			}
			line("Notes", v.Notes)
			return tw.Flush()
		}),
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print JSON")
	a.dbFlags(show, true)

	var logJSON bool
	logCmd := &cobra.Command{
		Use:   "log",
		Short: "The yearly logs of breaches under 500 individuals, for HHS (45 CFR 164.408(c))",
		Args:  cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			vs, err := svc.Register(cmd.Context(), sc)
			if err != nil {
				return err
			}
			years := incidents.Log(vs)
			if logJSON {
				return writeJSON(a.stdout, years)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "YEAR\tDUE\tSTANDING\tBREACHES")
			for _, y := range years {
				var refs []string
				for _, b := range y.Breaches {
					refs = append(refs, fmt.Sprintf("%s (%d)", b.Ref, b.Breach.Individuals))
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", y.Year, y.Due, y.Status, strings.Join(refs, ", "))
			}
			fmt.Fprintf(tw, "\n%s: %s\n", incident.RuleSecretaryLog.Cite, incident.RuleSecretaryLog.Quote)
			return tw.Flush()
		}),
	}
	logCmd.Flags().BoolVar(&logJSON, "json", false, "print JSON")
	a.dbFlags(logCmd, true)
	cmd.AddCommand(list, show, logCmd)
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
