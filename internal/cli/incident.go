package cli

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/report"
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
	var planJSON bool
	var planPDF string
	var planVersion int
	planCmd := &cobra.Command{
		Use:   "plan",
		Short: "The incident response plan: its versions, the one in force and its review; --pdf prints one",
		Example: `  safeguard incident plan --org riverside
  safeguard incident plan --org riverside --pdf plan.pdf`,
		Args: cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			st, err := svc.Plan(cmd.Context(), sc)
			if err != nil {
				return err
			}
			if planPDF != "" {
				p := st.Approved
				if planVersion != 0 {
					if p, err = svc.Version(cmd.Context(), sc, planVersion); err != nil {
						return err
					}
				} else if p == nil && len(st.Versions) > 0 {
					p = st.Versions[0]
				}
				if p == nil {
					return errs.New(errs.NotFound, "no incident response plan has been saved")
				}
				data, err := report.IncidentPlanPDF(p, sc.Org().Name, time.Now())
				if err != nil {
					return err
				}
				if err := os.WriteFile(planPDF, data, 0o644); err != nil {
					return err
				}
				fmt.Fprintf(a.stdout, "wrote %s: version %d\n", planPDF, p.Version)
				return nil
			}
			if planJSON {
				return writeJSON(a.stdout, st)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "Standing\t%s: %s\n", st.Standing, st.Why)
			for _, p := range st.Versions {
				state := "draft"
				if p.Approved() {
					state = "approved " + p.ApprovedOn + " by " + p.ApprovedBy
				}
				fmt.Fprintf(tw, "Version %d\tsaved %s by %s; %s; %d roles, %d contacts, %d playbooks\n", p.Version, p.CreatedAt.UTC().Format("2006-01-02"), p.CreatedBy, state, len(p.Roles), len(p.Contacts), len(p.Playbooks))
			}
			return tw.Flush()
		}),
	}
	planCmd.Flags().BoolVar(&planJSON, "json", false, "print JSON")
	planCmd.Flags().StringVar(&planPDF, "pdf", "", "write the plan in force (or --version) as PDF to this file")
	planCmd.Flags().IntVar(&planVersion, "version", 0, "the version to print (the approved one by default)")
	a.dbFlags(planCmd, true)
	var exJSON bool
	exercisesCmd := &cobra.Command{
		Use:   "exercises",
		Short: "The tabletop exercises, each finding with the plan action tracking it",
		Args:  cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			es, err := svc.Exercises(cmd.Context(), sc)
			if err != nil {
				return err
			}
			if exJSON {
				return writeJSON(a.stdout, es)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "HELD\tPLANNED\tTITLE\tPARTICIPANTS\tFINDINGS")
			for _, e := range es {
				tracked := 0
				for _, x := range e.Actions {
					if x != nil {
						tracked++
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d, %d tracked\n", orDash(e.HeldOn), orDash(e.PlannedOn), e.Title, len(e.Participants), len(e.Findings), tracked)
				for k, f := range e.Findings {
					state := "not a plan action yet"
					if x := e.Actions[k]; x != nil {
						state = fmt.Sprintf("%s, due %s", x.Status, orDash(x.Due))
					}
					fmt.Fprintf(tw, "\t\t  %d. %s\t\t%s\n", k+1, f.Text, state)
				}
			}
			return tw.Flush()
		}),
	}
	exercisesCmd.Flags().BoolVar(&exJSON, "json", false, "print JSON")
	a.dbFlags(exercisesCmd, true)
	send := &cobra.Command{
		Use:   "send-reminders",
		Short: "Remind the owners and security officers of breach notices not yet made, by SMTP",
		Long: `Send the reminders of breach notification deadlines that are due today: for
each notice not yet recorded, when the breach is determined, 30, 14, 7, 3 and
1 days before its last day, on the day, and weekly once overdue; the year's
log of breaches under 500 as one message. Each reminder is sent once, to the
organisation's owners and security officers, and recorded on the incident's
page. A server started with --smtp does this every 15 minutes.`,
		Example: `  safeguard incident send-reminders --org riverside --smtp smtp://user:pw@mail.example.org:587 --smtp-from safeguard@example.org --public-url https://safeguard.example.org`,
		Args:    cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			m, err := a.requireMailer()
			if err != nil {
				return err
			}
			base := ""
			if a.publicURL != "" {
				base = strings.TrimSuffix(a.publicURL, "/") + "/orgs/" + sc.Org().Slug
			}
			n, err := svc.SendReminders(cmd.Context(), sc, m, base)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%d breach notification reminder(s) sent through %s; each is on its incident's page.\n", n, m)
			return nil
		}),
	}
	a.smtpFlags(send)
	send.Flags().StringVar(&a.publicURL, "public-url", "", "the web app's address, for the link in each message, e.g. https://safeguard.example.org")
	a.dbFlags(send, true)
	cmd.AddCommand(list, show, logCmd, planCmd, exercisesCmd, send)
	return cmd
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
