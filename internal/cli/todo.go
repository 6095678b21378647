package cli

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/todo"
)

func (a *app) todoCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "todo",
		Short: "What the organisation should do next, most urgent first",
		Long: `The do-next list the organisation's home page shows: a missing profile or
risk analysis; overdue reviews, expired risk acceptances, late plan actions,
evidence past its review date and late training; failing checks; missing
answers and addressable decisions of the current assessments; essential CPGs
not met; new ePHI assets the risk analysis must cover. Each item names the
page to act on (a path on the server) and the rule behind it.`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			reg, err := loadCatalog()
			if err != nil {
				return err
			}
			prog, err := assessment.NewProgram(reg)
			if err != nil {
				return errs.Wrap(errs.Internal, "the built-in tailoring rules are broken", err)
			}
			rs, err := riskanalysis.NewService(reg)
			if err != nil {
				return errs.Wrap(errs.Internal, "the built-in threat catalog is broken", err)
			}
			sc, err := a.orgScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			l, err := (&todo.Service{Program: prog, Risk: rs}).List(cmd.Context(), sc, "", time.Now())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, l)
			}
			fmt.Fprintf(a.stdout, "%s — do next, %s\n", sc.Org().Name, l.AsOf)
			if len(l.Items) == 0 {
				fmt.Fprintln(a.stdout, "Nothing is due.")
			}
			for i, it := range l.Items {
				fmt.Fprintf(a.stdout, "\n%d. %s [%s", i+1, it.Title, it.UrgencyLabel())
				if it.DaysOverdue > 0 {
					fmt.Fprintf(a.stdout, ", %d days", it.DaysOverdue)
				}
				fmt.Fprintln(a.stdout, "]")
				if it.Detail != "" {
					fmt.Fprintf(a.stdout, "   %s\n", it.Detail)
				}
				if it.Cite != "" {
					fmt.Fprintf(a.stdout, "   (%s)\n", it.Cite)
				}
				fmt.Fprintf(a.stdout, "   %s\n", it.Link)
			}
			return nil
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: each item with its kind, urgency, title, detail, due date, link and citation")
	a.dbFlags(cmd, true)
	return cmd
}
