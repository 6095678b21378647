package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/notify"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tabular"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// rosterMapping is the mapping a roster import uses: the one remembered,
// else one guessed from the file's header, with overrides (field=Column)
// applied.
func rosterMapping(saved workforce.Mapping, file string, overrides []string) (workforce.Mapping, error) {
	m := workforce.Mapping{}
	if saved != nil {
		for k, v := range saved {
			m[k] = v
		}
	} else {
		f, err := openInput(file)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		header, err := tabular.ReadHeader(file, f, workforce.MaxImportBytes)
		if err != nil {
			return nil, err
		}
		m = workforce.Guess(header)
	}
	for _, o := range overrides {
		field, col, ok := strings.Cut(o, "=")
		if !ok {
			return nil, usageError{fmt.Errorf("--map %q: write field=Column, such as employee_id=\"Employee Number\"", o)}
		}
		if col = strings.TrimSpace(col); col == "" {
			delete(m, strings.TrimSpace(field))
		} else {
			m[strings.TrimSpace(field)] = col
		}
	}
	return m, m.Validate()
}

func (a *app) workforceCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "workforce",
		Short: "The workforce roster: import it from an HR export, list it",
		Long: `The roster is the Security Rule's workforce: employees, contractors,
volunteers and trainees, each with position, department, manager, start and end
dates and ePHI access. Training follows it (see "safeguard training").`,
	}
	var maps []string
	var apply bool
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import the roster from an HR export (CSV or XLSX): joiners, movers and leavers",
		Long: `Read an HR export through a column mapping and show who joins, who moves (and
what changes) and who leaves (an end date in the export, or missing from it);
--apply writes it in one transaction, opens a termination checklist for each
leaver and records the training results on the CPG scorecard.

The first import guesses the mapping from the header (Employee Number, Hire
Date, Job Title, Termination Date, …); --map field=Column sets a field. The
mapping used is remembered for the next import. Fields: ` + strings.Join(workforce.Fields, ", ") + `.
A bad cell (an unknown date, an end before the start, a duplicate employee
id) is named by row and column, and nothing is written.`,
		Example: `  safeguard workforce import hr-export.csv --org riverside
  safeguard workforce import hr-export.xlsx --map employee_id="Worker ID" --map access="PHI Access" --apply`,
		Args: cobra.ExactArgs(1),
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, args []string) error {
			ctx := cmd.Context()
			saved, err := sc.RosterMapping(ctx)
			if err != nil {
				return err
			}
			m, err := rosterMapping(saved, args[0], maps)
			if err != nil {
				return err
			}
			f, err := openInput(args[0])
			if err != nil {
				return err
			}
			defer f.Close()
			// The export is read a row at a time: with --apply each change is
			// written as it is read, in one transaction; without, only counted.
			preview := &rosterPreview{}
			rs := &dataimport.Records{Training: &training.Service{}}
			info, err := rs.StreamRoster(ctx, sc, args[0], f, m, time.Now(), apply, preview)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Mapping: %s\n", mappingText(m))
			if len(info.Ignored) > 0 {
				fmt.Fprintf(a.stdout, "Columns not used: %s\n", strings.Join(info.Ignored, ", "))
			}
			fmt.Fprintf(a.stdout, "%s: %d joiner(s), %d mover(s), %d leaver(s), %d unchanged.\n", args[0], preview.joiners, preview.movers, preview.leavers, preview.unchanged)
			for _, line := range preview.lines {
				fmt.Fprintln(a.stdout, line)
			}
			return a.applyIf(apply, func() error { return nil }) // written as it was read
		}),
	}
	imp.Flags().StringArrayVar(&maps, "map", nil, "field=Column: the column that fills a roster field (repeatable; field= clears it)")
	imp.Flags().BoolVar(&apply, "apply", false, "write the roster (default: only show what would change)")
	a.dbFlags(imp, true)
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the roster",
		Args:  cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			people, err := sc.People(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, nonNilSlice(people))
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tNAME\tPOSITION\tDEPARTMENT\tACCESS\tSTART\tEND")
			for _, p := range people {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", p.EmployeeID, p.Name, p.Position, p.Department, p.Access, p.Start, p.End)
			}
			return tw.Flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	a.dbFlags(list, true)
	cmd.AddCommand(imp, list)
	return cmd
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func mappingText(m workforce.Mapping) string {
	var parts []string
	for _, f := range workforce.Fields {
		if c := m[f]; c != "" {
			parts = append(parts, f+"="+c)
		}
	}
	return strings.Join(parts, ", ")
}

// readInput reads a file named on the command line, at most max bytes.
func readInput(path string, max int64) ([]byte, error) {
	f, err := openInput(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "cannot read "+path, err)
	}
	if int64(len(b)) > max {
		return nil, errs.New(errs.TooLarge, fmt.Sprintf("%s is larger than %d MiB", path, max>>20))
	}
	return b, nil
}

// trainingStatusJSON is `training status --json`: per person and per
// module, assigned, due, completed and overdue.
type trainingStatusJSON struct {
	AsOf    string            `json:"as_of"`
	Overall workforce.Tally   `json:"overall"`
	Modules []workforce.Tally `json:"modules"`
	People  []personJSON      `json:"people"`
}

type personJSON struct {
	ID          string                  `json:"id"`
	EmployeeID  string                  `json:"employee_id"`
	Name        string                  `json:"name"`
	Position    string                  `json:"position"`
	Department  string                  `json:"department"`
	Assigned    int                     `json:"assigned"`
	Completed   int                     `json:"completed"`
	Overdue     int                     `json:"overdue"`
	Assignments []*workforce.Assignment `json:"assignments"`
}

func (a *app) trainingCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "training",
		Short: "Role-based training: the program, status, completions",
		Long: `Training modules are assigned by rules over position, department, worker type
and ePHI access (164.308(a)(5); SP 800-66 Rev. 2: training that follows each
position's job description and access to ePHI). Assignments follow the roster
as people join, move and leave.`,
	}
	var asJSON bool
	status := &cobra.Command{
		Use:   "status",
		Short: "Per person and per module: assigned, due, completed, overdue",
		Args:  cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			_, st, err := training.Status(cmd.Context(), sc, time.Now())
			if err != nil {
				return err
			}
			if asJSON {
				out := trainingStatusJSON{AsOf: st.AsOf, Overall: st.Overall, Modules: nonNilSlice(st.Modules), People: []personJSON{}}
				for _, ps := range st.People {
					p := ps.Person
					out.People = append(out.People, personJSON{ID: p.ID, EmployeeID: p.EmployeeID, Name: p.Name, Position: p.Position, Department: p.Department,
						Assigned: ps.Assigned, Completed: ps.Done, Overdue: ps.Overdue, Assignments: ps.Assignments})
				}
				return writeJSON(a.stdout, out)
			}
			fmt.Fprintf(a.stdout, "Training as of %s: %d of %d assignments done (%.0f%%), %d overdue.\n\n", st.AsOf, st.Overall.Done, st.Overall.Assigned, st.Overall.Rate(), st.Overall.Overdue)
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MODULE\tASSIGNED\tDONE\tDUE\tOVERDUE\tRATE")
			for _, t := range st.Modules {
				fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%.0f%%\n", t.Name, t.Assigned, t.Done, t.Due, t.Overdue, t.Rate())
			}
			return tw.Flush()
		}),
	}
	status.Flags().BoolVar(&asJSON, "json", false, "print JSON: per person and per module, assigned, due, completed and overdue")
	a.dbFlags(status, true)
	var apply bool
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import completions from a learning system's export: a preview, or --apply",
		Long: `Read completions (CSV or XLSX) with the columns employee_id or email, module (its
code or title) and completed_on. A person not on the roster, an unknown module
or a bad date is named by row, and nothing is written; --apply records them all
in one transaction and updates the CPG scorecard.`,
		Args: cobra.ExactArgs(1),
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, args []string) error {
			ctx := cmd.Context()
			return a.importRecords(ctx, sc, nil, dataimport.RecordCompletions, args[0], apply)
		}),
	}
	imp.Flags().BoolVar(&apply, "apply", false, "record the completions (default: only check them)")
	a.dbFlags(imp, true)
	var install bool
	program := &cobra.Command{
		Use:   "program",
		Short: "The training modules and the rules that assign them",
		Args:  cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			ctx := cmd.Context()
			if install {
				reg, err := loadCatalog()
				if err != nil {
					return err
				}
				starter, _, err := workforce.Starter(reg)
				if err != nil {
					return errs.Wrap(errs.Internal, "the starter program is broken", err)
				}
				if err := (&training.Service{}).InstallProgram(ctx, sc, starter); err != nil {
					return err
				}
			}
			prog, err := sc.TrainingProgram(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, prog)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "MODULE\tTITLE\tMINUTES\tWHEN\tASSIGNED TO")
			for _, m := range prog.Modules {
				var to []string
				for _, r := range prog.Rules {
					if r.Module == m.Code {
						to = append(to, r.Describe())
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\n", m.Code, m.Title, m.Minutes, m.Frequency(), strings.Join(to, " | "))
			}
			return tw.Flush()
		}),
	}
	program.Flags().BoolVar(&install, "install-starter", false, "add Safeguard's starter program (seven modules and their rules)")
	program.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	a.dbFlags(program, true)
	cmd.AddCommand(status, imp, program)
	cmd.AddCommand(a.reminderCommands()...)
	return cmd
}

func (a *app) reminderCommands() []*cobra.Command {
	var subject, body, audience, on string
	remind := &cobra.Command{
		Use:   "remind",
		Short: "Schedule a security reminder (164.308(a)(5)(ii)(A))",
		Long: `Schedule a security reminder to a part of the workforce: all (every current
member), overdue (those with overdue training, each told which modules),
module:CODE (those assigned a module) or department:NAME. It is sent on or after
--on by "safeguard training send-reminders" or by a server started with --smtp.`,
		Example: `  safeguard training remind --subject "Phishing season" --body "Report suspicious email to IT." --audience all --on 2026-12-01`,
		Args:    cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			if on == "" {
				on = workforce.Today(time.Now())
			}
			r := &workforce.Reminder{Subject: subject, Body: body, Audience: audience, ScheduledFor: on}
			if err := sc.CreateReminder(cmd.Context(), r); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Scheduled %q for %s (%s).\n", r.Subject, r.ScheduledFor, r.Audience)
			return nil
		}),
	}
	remind.Flags().StringVar(&subject, "subject", "", "the subject line")
	remind.Flags().StringVar(&body, "body", "", "the message")
	remind.Flags().StringVar(&audience, "audience", "all", "all, overdue, module:CODE or department:NAME")
	remind.Flags().StringVar(&on, "on", "", "the day to send it, YYYY-MM-DD (default: today)")
	requireFlags(remind, "subject", "body")
	a.dbFlags(remind, true)
	send := &cobra.Command{
		Use:   "send-reminders",
		Short: "Send the security reminders that are due, by SMTP, and record who was sent what",
		Args:  cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			m, err := a.requireMailer()
			if err != nil {
				return err
			}
			n, err := notify.SendDue(cmd.Context(), training.Records{Scoped: sc}, m, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%d due reminder(s) sent through %s; each person's delivery, or why it failed, is on the training page.\n", n, m)
			return nil
		}),
	}
	a.smtpFlags(send)
	a.dbFlags(send, true)
	return []*cobra.Command{remind, send}
}

// rosterPreview counts a roster import's changes and keeps the first 20
// of each kind to show.
type rosterPreview struct {
	joiners, movers, leavers, unchanged int
	lines                               []string
}

func (p *rosterPreview) Join(j *workforce.Person) error {
	if p.joiners++; p.joiners <= 20 {
		p.lines = append(p.lines, fmt.Sprintf("  joins  %s %s (%s, %s)", j.EmployeeID, j.Name, j.Position, j.Department))
	}
	return nil
}

func (p *rosterPreview) Move(mv *workforce.Move) error {
	if p.movers++; p.movers <= 20 {
		p.lines = append(p.lines, fmt.Sprintf("  moves  %s %s: %s", mv.New.EmployeeID, mv.New.Name, strings.Join(mv.Fields, ", ")))
	}
	return nil
}

func (p *rosterPreview) Leave(l *workforce.Leave) error {
	if p.leavers++; p.leavers <= 20 {
		p.lines = append(p.lines, fmt.Sprintf("  leaves %s %s on %s (%s)", l.Person.EmployeeID, l.Person.Name, l.End, l.Reason))
	}
	return nil
}

func (p *rosterPreview) Same() error { p.unchanged++; return nil }
