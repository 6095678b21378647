package cli

import (
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/contingency"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) contingencyCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "contingency",
		Short: "The contingency plan: each ePHI system's objectives, backup and newest restore test",
		Long: `The contingency plan of 45 CFR 164.308(a)(7): for each system of the ePHI
inventory (those of high or critical criticality first), how long it may be
down and how much data it may lose, its backup (with the newest successful
run of its jobs in the imported backup reports), its newest restore test and
where each stands. Systems, procedures and restore tests are recorded on the
contingency page or through the API.`,
		Example: `  safeguard contingency --org riverside --json`,
		Args:    cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			c, err := (&incidents.Service{}).Contingency(cmd.Context(), sc)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, c)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "SYSTEM\tCRITICALITY\tRTO\tRPO\tBACKUP\tNEWEST SUCCESS\tNEWEST TEST\tRESTORE")
			for _, l := range c.Lines {
				rto, rpo := "-", "-"
				if l.System != nil && l.System.RTOHours > 0 {
					rto = fmt.Sprintf("%g h", l.System.RTOHours)
				}
				if l.System != nil && l.System.RPOHours > 0 {
					rpo = fmt.Sprintf("%g h", l.System.RPOHours)
				}
				test := "never"
				if l.Newest != nil {
					test = fmt.Sprintf("%s, %g h", l.Newest.TestedOn, l.Newest.Hours)
				}
				success := "-"
				if !l.LastSuccess.IsZero() {
					success = l.LastSuccess.Format("2006-01-02 15:04")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", l.Asset.Name, l.Asset.Criticality, rto, rpo, l.Backup, success, test, l.Restore)
			}
			for _, j := range c.Unassigned {
				fmt.Fprintf(tw, "\nbackup job %q (%s) copies no ePHI system Safeguard can tell: name it on its system's entry", j.Job, j.Source)
			}
			fmt.Fprintf(tw, "\n%s\n", contingency.ProposedNote)
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	a.dbFlags(cmd, true)
	return cmd
}
