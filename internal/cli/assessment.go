package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/workbook"
)

// programScope opens what every assessment verb needs: the program and the
// organisation named by --org, as a scoped store.
func (a *app) programScope(ctx context.Context, s *store.Store) (*assessment.Program, *store.Scoped, error) {
	prog, err := newProgram()
	if err != nil {
		return nil, nil, err
	}
	sc, err := a.orgScope(ctx, s)
	return prog, sc, err
}

// newProgram is the assessment program over the built-in catalog.
func newProgram() (*assessment.Program, error) {
	reg, err := loadCatalog()
	if err != nil {
		return nil, err
	}
	prog, err := assessment.NewProgram(reg)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "the built-in tailoring rules are broken", err)
	}
	return prog, nil
}

// orgScope is the store scoped to the organisation named by --org.
func (a *app) orgScope(ctx context.Context, s *store.Store) (*store.Scoped, error) {
	o, err := s.ResolveOrganization(ctx, a.org)
	if err != nil {
		return nil, err
	}
	return s.Scope(o), nil
}

// assessmentView opens the assessment named by ref (see resolveAssessment)
// in the organisation named by --org.
func (a *app) assessmentView(ctx context.Context, s *store.Store, ref string) (*assessment.Program, *store.Scoped, *assessment.View, error) {
	prog, sc, err := a.programScope(ctx, s)
	if err != nil {
		return nil, nil, nil, err
	}
	id, err := resolveAssessment(ctx, prog, sc, ref)
	if err != nil {
		return nil, nil, nil, err
	}
	v, err := prog.View(ctx, sc, id, time.Now())
	return prog, sc, v, err
}

// resolveAssessment takes an assessment id, or a framework name for that
// framework's newest assessment.
func resolveAssessment(ctx context.Context, prog *assessment.Program, sc *store.Scoped, ref string) (string, error) {
	if fw, err := prog.Catalog.Framework(ref); err == nil {
		all, err := sc.Assessments(ctx)
		if err != nil {
			return "", err
		}
		if cur := assessment.Current(all, fw.ID); cur != nil {
			return cur.ID, nil
		}
		return "", errs.New(errs.NotFound, "no "+fw.ShortName+" assessment yet")
	}
	if _, err := sc.Assessment(ctx, ref); err != nil {
		if errs.Is(err, errs.NotFound) {
			return "", errs.New(errs.NotFound, fmt.Sprintf("no assessment %q in %s: give an id from `safeguard assessment list`, or a framework name for its newest assessment", ref, sc.Org().Slug))
		}
		return "", err
	}
	return ref, nil
}

func (a *app) assessmentCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "assessment",
		Short: "List, show, export and import assessments",
		Long: `An assessment is one dated run over one framework (hipaa-security-rule or
hph-cpg) for one organisation. ASSESSMENT is an assessment id, or a framework
name for that framework's newest assessment.`,
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the organisation's assessments, newest first",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			prog, sc, err := a.programScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			all, err := sc.Assessments(cmd.Context())
			if err != nil {
				return err
			}
			type row struct {
				*assessment.Assessment
				Progress assessment.Progress `json:"progress"`
				Percent  int                 `json:"percent"`
			}
			out := []row{}
			for _, x := range all {
				v, err := prog.View(cmd.Context(), sc, x.ID, time.Now())
				if err != nil {
					return err
				}
				out = append(out, row{x, v.Progress, v.Progress.Percent()})
			}
			if asJSON {
				return writeJSON(a.stdout, map[string]any{"organization": sc.Org().Slug, "assessments": out})
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tFRAMEWORK\tTITLE\tSTATE\tPROGRESS\tSTARTED\tFINALISED")
			for _, r := range out {
				fin := ""
				if r.Final() {
					fin = r.FinalizedAt.Format("2006-01-02")
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d%% (%d/%d, %d decisions missing)\t%s\t%s\n", r.ID, r.Framework, r.Title, r.State, r.Percent,
					r.Progress.Answered, r.Progress.Applicable, r.Progress.DecisionsMissing(), r.CreatedAt.Format("2006-01-02"), fin)
			}
			return tw.Flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	a.dbFlags(list, true)

	show := &cobra.Command{
		Use:   "show ASSESSMENT",
		Short: "Show an assessment: progress, and each item's applicability, status and decision",
		Args:  cobra.ExactArgs(1),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			_, sc, v, err := a.assessmentView(cmd.Context(), s, args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, v.Document())
			}
			x := v.Assessment
			fmt.Fprintf(a.stdout, "%s (%s, %s)\n%s %s · %s\n", x.Title, v.Framework.ShortName, x.FrameworkVersion, x.State, x.ID, sc.Org().Name)
			if x.Final() {
				fmt.Fprintf(a.stdout, "finalised %s by %s · SHA-256 %s\n", x.FinalizedAt.Format(time.RFC3339), x.FinalizedBy, x.SnapshotSHA256)
			}
			pr := v.Progress
			fmt.Fprintf(a.stdout, "%d%% complete: %d of %d applicable items answered, %d of %d addressable decisions documented\n\n", pr.Percent(), pr.Answered, pr.Applicable, pr.DecisionsMade, pr.DecisionsNeeded)
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ITEM\tTITLE\tAPPLIES\tSTATUS\tDECISION\tOWNER")
			for _, r := range v.Rows {
				applies, status, decision := "yes", r.Answer.Status.Label(), ""
				if !r.Tailor.Applicable {
					applies, status = "no", ""
				}
				if r.NeedsDecision {
					decision = "MISSING"
					if r.Answer.Decision != nil {
						decision = r.Answer.Decision.Kind.Label()
					}
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", r.Item.Citation, truncate(r.Item.Title, 40), applies, status, decision, r.Answer.Owner)
			}
			return tw.Flush()
		}),
	}
	show.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	a.dbFlags(show, true)

	var format, out string
	export := &cobra.Command{
		Use:   "export ASSESSMENT",
		Short: "Export an assessment as XLSX, CSV, JSON or OSCAL",
		Long: `Export an assessment: xlsx (the workbook people edit and import back: About,
Answers, Questions), csv (the Answers sheet), json, or oscal (OSCAL 1.1.3
assessment-results: a finding per applicable item against the controls of
"catalog export --format oscal", with the observations and evidence behind
it). Written to --out, or to standard output.`,
		Example: `  safeguard assessment export hph-cpg --format xlsx --out cpg.xlsx
  safeguard assessment export 0190e3c1-… --format csv > answers.csv`,
		Args: cobra.ExactArgs(1),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			prog, sc, v, err := a.assessmentView(cmd.Context(), s, args[0])
			if err != nil {
				return err
			}
			return a.writeOut(out, func(w io.Writer) error {
				switch format {
				case "xlsx":
					return workbook.ExportXLSX(w, v, sc.Org(), prog.Catalog, time.Now())
				case "csv":
					return workbook.ExportCSV(w, v)
				case "json":
					return writeJSON(w, v.Document())
				case "oscal":
					b, err := v.ExportOSCAL(sc.Org().Name, time.Now())
					if err != nil {
						return err
					}
					_, err = w.Write(b)
					return err
				}
				return usageError{fmt.Errorf("--format %q: use xlsx, csv, json or oscal", format)}
			})
		}),
	}
	export.Flags().StringVar(&format, "format", "xlsx", "xlsx, csv, json or oscal (OSCAL 1.1.3 assessment-results)")
	export.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	a.dbFlags(export, true)

	var apply bool
	imp := &cobra.Command{
		Use:   "import ASSESSMENT FILE",
		Short: "Import answers from an exported workbook: a preview, or --apply to write",
		Long: `Read answers back from the XLSX that "assessment export" wrote (and a person
edited), and print what would change. Nothing is written without --apply; with
it, every change lands in one transaction or none does. A cell that does not
parse is named by sheet, row and column.`,
		Args: cobra.ExactArgs(2),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			prog, sc, v, err := a.assessmentView(cmd.Context(), s, args[0])
			if err != nil {
				return err
			}
			f, err := openInput(args[1])
			if err != nil {
				return err
			}
			defer f.Close()
			p, err := workbook.Read(f, args[1], v, prog.Catalog)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s would change %d item(s); %d unchanged.\n", args[1], len(p.Changes), p.Unchanged)
			for _, c := range p.Changes {
				for _, fc := range c.Fields {
					fmt.Fprintf(a.stdout, "  %s %s: %q → %q\n", c.Citation, fc.Field, fc.Old, fc.New)
				}
			}
			if !apply || len(p.Answers) == 0 {
				if len(p.Answers) > 0 {
					fmt.Fprintln(a.stdout, "Nothing written: run again with --apply to write these changes.")
				}
				return nil
			}
			if err := prog.Save(cmd.Context(), sc, v.Assessment.ID, "assessment.import", p.Answers); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Applied %d change(s) to %s.\n", len(p.Answers), v.Assessment.Title)
			return nil
		}),
	}
	imp.Flags().BoolVar(&apply, "apply", false, "write the changes (default: only show them)")
	a.dbFlags(imp, true)
	cmd.AddCommand(list, show, export, imp)
	return cmd
}

func (a *app) scorecardCommand() *cobra.Command {
	var asJSON bool
	var svg string
	cmd := &cobra.Command{
		Use:   "scorecard",
		Short: "Where the organisation stands against the HPH CPGs",
		Long: `Each of the 20 HPH Cybersecurity Performance Goals with its tier (essential or
enhanced), whether it is in scope, its status (met, partially met, not met,
unknown) and the inputs behind it, each with its source and date; what is
missing; and the trend across CPG assessments.`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			prog, sc, err := a.programScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			card, err := prog.Scorecard(cmd.Context(), sc, time.Now())
			if err != nil {
				return err
			}
			if svg != "" {
				if err := os.WriteFile(svg, report.ScorecardSVG(card, sc.Org().Name), 0o644); err != nil {
					return errs.Wrap(errs.Invalid, "cannot write "+svg, err)
				}
			}
			if asJSON {
				return writeJSON(a.stdout, card)
			}
			fmt.Fprintf(a.stdout, "%s — HPH CPG scorecard, %s\n", sc.Org().Name, card.At.Format("2 January 2006"))
			for _, t := range []struct {
				name string
				t    assessment.Tally
			}{{"Essential", card.Essential}, {"Enhanced", card.Enhanced}} {
				fmt.Fprintf(a.stdout, "%s: %d of %d in scope met, %d partially, %d not met, %d unknown; %d deferred by tailoring\n", t.name, t.t.Met, t.t.InScope, t.t.Partial, t.t.NotMet, t.t.Unknown, t.t.OutOfScope)
			}
			fmt.Fprintln(a.stdout)
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "GOAL\tTIER\tSTATUS\tTITLE")
			for _, g := range card.Goals {
				status := g.Status.Label()
				if !g.InScope {
					status = "deferred"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", strings.TrimPrefix(g.ID, "hph-cpg/"), g.Tier, status, g.Title)
			}
			return tw.Flush()
		}),
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON: each goal with its id, tier, status and inputs")
	cmd.Flags().StringVar(&svg, "svg", "", "also write the scorecard picture to this SVG file")
	a.dbFlags(cmd, true)
	return cmd
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n-1] + "…"
}

// writeOut runs write against the file named by path, or standard output.
// A file is written whole or removed.
func (a *app) writeOut(path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		return write(a.stdout)
	}
	f, err := os.Create(path)
	if err != nil {
		return errs.Wrap(errs.Invalid, "cannot write "+path, err)
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}
