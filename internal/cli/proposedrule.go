package cli

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/proposedrule"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) proposedRuleCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "proposed-rule",
		Short: "The proposed Security Rule (90 FR 898): what would change for the organisation",
		Long: `The proposed modification of the HIPAA Security Rule (90 FR 898, 6 January
2025) is a proposal, not law. show sets each of its 18 proposals beside the
provisions of today's rule it changes, the organisation's answers to them in its
newest Security Rule assessment and the checks that speak to it, with a verdict:
gap, partly, unknown, ready (today's measures in place) or not_applicable.
enable adds it to the organisation's program, to be assessed like any framework;
disable takes it out (it is off by default). See also: safeguard catalog diff
hipaa-security-rule hipaa-security-rule-nprm-2025.`,
	}
	var asJSON bool
	show := &cobra.Command{
		Use:   "show",
		Short: "What would change for the organisation, proposal by proposal",
		Args:  cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			prog, err := newProgram()
			if err != nil {
				return err
			}
			d, err := (&proposedrule.Service{Program: prog, Now: time.Now}).Delta(cmd.Context(), sc)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, d)
			}
			state := map[bool]string{true: "on", false: "off"}[d.Enabled]
			fmt.Fprintf(a.stdout, "%s — a proposal, not law (%s). It is %s for %s.\n", d.Framework.Name, d.Framework.Version, state, d.Organization)
			if d.Assessment != nil {
				fmt.Fprintf(a.stdout, "Answers from: %s (%s).\n", d.Assessment.Title, d.Assessment.State)
			} else {
				fmt.Fprintln(a.stdout, "No Security Rule assessment yet: answer one, and each proposal is set beside your answers.")
			}
			var counts []string
			for _, v := range proposedrule.Verdicts {
				counts = append(counts, fmt.Sprintf("%s %d", v, d.Counts[v]))
			}
			fmt.Fprintln(a.stdout, strings.Join(counts, " · "))
			for _, c := range d.Changes {
				fmt.Fprintf(a.stdout, "\n%s  %s  [%s]\n  %s\n", c.Cite, c.Title, c.Verdict, c.Why)
				for _, ch := range c.Checks {
					fmt.Fprintf(a.stdout, "  check %s: %s (%s)\n", ch.ID, ch.Status, ch.Detail)
				}
			}
			return nil
		}),
	}
	show.Flags().BoolVar(&asJSON, "json", false, `print JSON: {"organization", "enabled", "as_of", "assessment", "changes": [{"id", "citation", "title", "text", "applies", "reason", "verdict", "why", "today": [{"id", "citation", "title", "required", "rationale", "applicable", "status", "decision"}], "checks": [{"id", "title", "status", "detail", "at", "result"}]}], "counts"}`)
	a.dbFlags(show, true)
	toggle := func(use, short string, on bool) *cobra.Command {
		c := &cobra.Command{
			Use:   use,
			Short: short,
			Args:  cobra.NoArgs,
			RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
				prog, err := newProgram()
				if err != nil {
					return err
				}
				if err := (&proposedrule.Service{Program: prog, Now: time.Now}).SetEnabled(cmd.Context(), sc, on); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "the proposed Security Rule is %s for %s\n", map[bool]string{true: "on", false: "off"}[on], sc.Org().Slug)
				return nil
			}),
		}
		a.dbFlags(c, true)
		return c
	}
	cmd.AddCommand(show, toggle("enable", "Add the proposed rule to the organisation's program, to be assessed", true),
		toggle("disable", "Take the proposed rule out of the organisation's program", false))
	return cmd
}
