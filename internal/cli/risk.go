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

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/training"
)

// riskScope opens the risk service and the organisation named by --org.
func (a *app) riskScope(ctx context.Context, s *store.Store) (*riskanalysis.Service, *store.Scoped, error) {
	reg, err := loadCatalog()
	if err != nil {
		return nil, nil, err
	}
	svc, err := riskanalysis.NewService(reg)
	if err != nil {
		return nil, nil, errs.Wrap(errs.Internal, "the built-in threat catalog is broken", err)
	}
	sc, err := a.orgScope(ctx, s)
	return svc, sc, err
}

// riskListing is a risk as `risk list --json` prints it.
type riskListing struct {
	ID         string   `json:"id"`
	Ref        string   `json:"ref"`
	Title      string   `json:"title"`
	Assets     []string `json:"assets"`
	Threat     string   `json:"threat"`
	ThreatName string   `json:"threat_name"`
	Likelihood int      `json:"likelihood"`
	Impact     int      `json:"impact"`
	ImpactCIA  [3]int   `json:"impact_cia"`
	Level      string   `json:"level"`
	Response   string   `json:"response"`
	Status     string   `json:"status"`
	Owner      string   `json:"owner"`
	Target     string   `json:"target_level"`
	Open       int      `json:"open_actions"`
	Overdue    int      `json:"overdue_actions"`
}

func (a *app) riskCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "risk",
		Short: "The risk register, the ePHI inventory and risk analyses",
		Long: `The risk analysis and risk management of 164.308(a)(1)(ii)(A) and (B), done the
way NIST SP 800-66 Rev. 2, section 3, lays it out: the ePHI inventory (assets),
threats from the built-in catalog, vulnerabilities, and risks rated for
likelihood and impact, each with its response and plan; and dated risk
analyses that freeze the register for the record.`,
	}
	var asJSON bool
	var f risk.Filter
	var sortBy string
	list := &cobra.Command{
		Use:   "list",
		Short: "List the risks of the register",
		Long: `List risks with their reference, title, assets, threat, likelihood, impact,
level, response and status: open risks by default, highest level first.`,
		Example: `  safeguard risk list --org riverside
  safeguard risk list --org riverside --json --status all
  safeguard risk list --org riverside --level "Very High" --owner "Practice manager"`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			svc, sc, err := a.riskScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			if f.Asset != "" {
				x, err := sc.AssetByName(cmd.Context(), f.Asset)
				if err != nil {
					return err
				}
				f.Asset = x.ID
			}
			// The register a page at a time, as the pages and the API read it.
			var rows []*risk.Row
			today := risk.Today(time.Now())
			for {
				p, err := svc.Page(cmd.Context(), sc, riskanalysis.RegisterQuery{Filter: f, Sort: sortBy, Offset: len(rows), Limit: 1000}, today)
				if err != nil {
					return err
				}
				rows = append(rows, p.Rows...)
				if len(p.Rows) == 0 || len(rows) >= p.Total {
					break
				}
			}
			if asJSON {
				out := make([]riskListing, 0, len(rows))
				for _, r := range rows {
					out = append(out, riskListing{ID: r.Risk.ID, Ref: r.Risk.Ref(), Title: r.Risk.Title, Assets: r.AssetNames(), Threat: r.Risk.ThreatID, ThreatName: r.Threat,
						Likelihood: r.Risk.Likelihood, Impact: r.Impact, ImpactCIA: [3]int{r.Risk.ImpactC, r.Risk.ImpactI, r.Risk.ImpactA}, Level: r.Level,
						Response: string(r.Risk.Response), Status: string(r.Risk.Status), Owner: r.Risk.Owner, Target: r.Target, Open: r.OpenActions, Overdue: r.Overdue})
				}
				return writeJSON(a.stdout, out)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "REF\tLEVEL\tL×I\tRESPONSE\tOWNER\tTITLE")
			for _, r := range rows {
				fmt.Fprintf(tw, "%s\t%s\t%d×%d\t%s\t%s\t%s\n", r.Risk.Ref(), orDash(r.Level), r.Risk.Likelihood, r.Impact, r.Risk.Response.Label(), r.Risk.Owner, truncate(r.Risk.Title, 60))
			}
			return tw.Flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON: each risk with id, ref, title, assets, threat, likelihood, impact, level, response and status")
	list.Flags().StringVar(&f.Level, "level", "", "only risks at this level (a band name, e.g. High)")
	list.Flags().StringVar(&f.Owner, "owner", "", "only risks with this owner")
	list.Flags().StringVar(&f.Asset, "asset", "", "only risks on this asset (its name)")
	list.Flags().StringVar(&f.Threat, "threat", "", "only risks from this threat (its id, e.g. ransomware)")
	list.Flags().StringVar(&f.Status, "status", "open", "open, closed or all")
	list.Flags().StringVar(&sortBy, "sort", "level", "order: "+strings.Join(risk.SortKeys, ", "))
	a.dbFlags(list, true)

	var apply bool
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import risks from CSV or XLSX: a preview, or --apply to write",
		Long: `Read risks from a CSV file or the first sheet of an XLSX workbook with the
columns ` + strings.Join(risk.RiskColumns, ", ") + `
(title, threat and assets are required; assets and vulnerabilities are names
separated by ";"; ratings are numbers or level names of the organisation's
scales). A row with the ref of an existing risk updates it. Every bad cell is
named by line and column and nothing is imported until the file is clean;
with --apply everything lands in one transaction or nothing does.`,
		Args: cobra.ExactArgs(1),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			svc, sc, err := a.riskScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			return a.importRecords(cmd.Context(), sc, svc.Threats, dataimport.RecordRisks, args[0], apply)
		}),
	}
	imp.Flags().BoolVar(&apply, "apply", false, "write the risks (default: only check and count them)")
	a.dbFlags(imp, true)
	cmd.AddCommand(list, imp, a.assetCommand(), a.analysisCommand(), a.poamCommand())
	return cmd
}

// importRecords plans a file of the organisation's records (the
// inventory, the register, training completions) and says what it would
// do; with apply it writes it, or else says nothing was written.
func (a *app) importRecords(ctx context.Context, sc *store.Scoped, threats *risk.Threats, kind, path string, apply bool) error {
	content, err := readInput(path, dataimport.MaxRecordBytes(kind))
	if err != nil {
		return err
	}
	rs := &dataimport.Records{Threats: threats, Training: &training.Service{}}
	p, err := rs.Plan(ctx, sc, kind, path, content, nil, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, p.Summary())
	if p.Assets != nil {
		for _, u := range p.Assets.Update {
			fmt.Fprintf(a.stdout, "  %s: %s\n", u.Old.Name, strings.Join(u.Fields, ", "))
		}
	}
	if p.Vendors != nil {
		for _, u := range p.Vendors.Update {
			fmt.Fprintf(a.stdout, "  %s: %s\n", u.Old.Name, strings.Join(u.Fields, ", "))
		}
	}
	return a.applyIf(apply, func() error { return rs.Apply(ctx, sc, p) })
}

// applyIf writes an import planned from a file with --apply, or says
// nothing was written.
func (a *app) applyIf(apply bool, write func() error) error {
	if !apply {
		fmt.Fprintln(a.stdout, "Nothing written: run again with --apply to write them.")
		return nil
	}
	if err := write(); err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, "Imported.")
	return nil
}

// openInput opens a file named on the command line.
func openInput(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "cannot open "+path, err)
	}
	return f, nil
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func (a *app) assetCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "asset", Short: "The ePHI inventory: list and import assets"}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the assets of the ePHI inventory",
		Args:  cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			assets, err := sc.Assets(cmd.Context())
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, assets)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTYPE\tEPHI\tRECORDS\tOWNER\tCRITICALITY")
			for _, x := range assets {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%s\n", x.Name, x.Type, strings.Join(x.EPHIUses(), ","), x.Records, x.Owner, x.Criticality)
			}
			return tw.Flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	a.dbFlags(list, true)
	var apply bool
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import the inventory from CSV or XLSX: a preview, or --apply to write",
		Long: `Read assets from a CSV file or the first sheet of an XLSX workbook with the
columns ` + strings.Join(risk.AssetColumns, ", ") + `
(name and type are required; types are ` + typeNames() + `).
A row whose name matches an asset (ignoring case) updates it; columns the file
lacks keep their values. Every bad cell is named by line and column and nothing
is imported until the file is clean; with --apply everything lands in one
transaction or nothing does.`,
		Args: cobra.ExactArgs(1),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			svc, sc, err := a.riskScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			return a.importRecords(cmd.Context(), sc, svc.Threats, dataimport.RecordAssets, args[0], apply)
		}),
	}
	imp.Flags().BoolVar(&apply, "apply", false, "write the assets (default: only check and count them)")
	a.dbFlags(imp, true)
	cmd.AddCommand(list, imp)
	return cmd
}

func typeNames() string {
	s := make([]string, len(risk.AssetTypes))
	for i, t := range risk.AssetTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func (a *app) analysisCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "analysis", Short: "Dated risk analyses: list, start, finalise, what changed"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the risk analyses, newest first, and what calls for review",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			svc, sc, err := a.riskScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			all, err := sc.Analyses(cmd.Context())
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "VERSION\tSTATUS\tTITLE\tFINALISED\tREVIEW BY\tID")
			for _, an := range all {
				fin := ""
				if an.FinalizedAt != nil {
					fin = an.FinalizedAt.Format("2006-01-02")
				}
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", an.Version, an.Status, an.Title, fin, an.ReviewBy, an.ID)
			}
			if err := tw.Flush(); err != nil {
				return err
			}
			rem, err := svc.Reminders(cmd.Context(), sc, time.Now())
			if err != nil {
				return err
			}
			for _, r := range rem {
				fmt.Fprintln(a.stdout, "! "+r.Message)
			}
			return nil
		}),
	}
	a.dbFlags(list, true)
	var title, scope string
	start := &cobra.Command{
		Use:   "start",
		Short: "Start a draft risk analysis, continuing from the previous one",
		Args:  cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			an := &risk.Analysis{Title: title, Scope: scope}
			if err := sc.CreateAnalysis(cmd.Context(), an); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Started %q (version %d, %s).\n", an.Title, an.Version, an.ID)
			return nil
		}),
	}
	start.Flags().StringVar(&title, "title", "", "the analysis's title, e.g. \"2026 risk analysis\"")
	start.Flags().StringVar(&scope, "scope", "", "what it covers")
	requireFlags(start, "title", "scope")
	a.dbFlags(start, true)
	var approver string
	finalize := &cobra.Command{
		Use:   "finalize ANALYSIS",
		Short: "Freeze a draft analysis, signed off by --approver",
		Args:  cobra.ExactArgs(1),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			svc, sc, err := a.riskScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			an, err := svc.Resolve(cmd.Context(), sc, args[0])
			if err != nil {
				return err
			}
			fin, err := svc.Finalize(cmd.Context(), sc, sc.Org().Name, an.ID, approver, time.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Finalised %q: SHA-256 %s; review due %s.\n", fin.Title, fin.SHA256, fin.ReviewBy)
			return nil
		}),
	}
	finalize.Flags().StringVar(&approver, "approver", "", "who signs off the analysis: name and title")
	requireFlags(finalize, "approver")
	a.dbFlags(finalize, true)
	changes := &cobra.Command{
		Use:   "changes [ANALYSIS]",
		Short: "What changed since the previous final analysis",
		Args:  cobra.MaximumNArgs(1),
		RunE: a.withStoreArgs(func(cmd *cobra.Command, s *store.Store, args []string) error {
			svc, sc, err := a.riskScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			ref := ""
			if len(args) == 1 {
				ref = args[0]
			}
			an, err := svc.Resolve(cmd.Context(), sc, ref)
			if err != nil {
				return err
			}
			prev, _, ch, err := svc.Changes(cmd.Context(), sc, sc.Org().Name, an, time.Now())
			if err != nil {
				return err
			}
			if prev == nil {
				fmt.Fprintf(a.stdout, "%q is the first risk analysis: nothing to compare with.\n", an.Title)
				return nil
			}
			fmt.Fprintf(a.stdout, "Since %q (%s): %d change(s)\n", prev.Analysis.Title, prev.AsOf.Format("2006-01-02"), len(ch))
			for _, c := range ch {
				label := c.Title
				if c.Ref != "" {
					label = c.Ref + " " + c.Title
				}
				fmt.Fprintf(a.stdout, "  %-13s %-8s %s", c.Kind, c.What, label)
				if len(c.Detail) > 0 {
					fmt.Fprintf(a.stdout, " (%s)", strings.Join(c.Detail, "; "))
				}
				fmt.Fprintln(a.stdout)
			}
			return nil
		}),
	}
	a.dbFlags(changes, true)
	cmd.AddCommand(list, start, finalize, changes)
	return cmd
}

func (a *app) reportCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "report", Short: "Audit-ready reports"}
	var format, out, ref string
	ra := &cobra.Command{
		Use:   "risk-analysis",
		Short: "The risk analysis report as PDF, HTML, XLSX, CSV or JSON",
		Long: `The risk analysis report: scope and method, the rating scales, the summary and
heat maps, the ePHI inventory and data flows, the threats and vulnerabilities
considered, every risk with its ratings, rationale, current measures and
response, the plan of action and milestones, and the sign-off.

--analysis picks the analysis (id, version number, or "latest", the default); a
final analysis is rendered from its frozen record, a draft from the register as
it stands. xlsx and csv give the register (xlsx adds the inventory, the plan and
the scales); json gives the document every other format is made from.`,
		Example: `  safeguard report risk-analysis --org riverside --format pdf --out risk-analysis.pdf
  safeguard report risk-analysis --org riverside --analysis 1 --format html --out 2025.html`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			if _, err := report.RiskFormat(format); err != nil {
				return usageError{fmt.Errorf("--format %q: use pdf, html, xlsx, csv or json", format)}
			}
			svc, sc, err := a.riskScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			an, err := svc.Resolve(cmd.Context(), sc, ref)
			if err != nil {
				return err
			}
			doc, err := svc.Document(cmd.Context(), sc, sc.Org().Name, an, time.Now())
			if err != nil {
				return err
			}
			b, _, err := report.ExportRisk(cmd.Context(), s, sc.Org().ID, doc, format, "safeguard report risk-analysis")
			if err != nil {
				return err
			}
			return a.writeOut(out, func(w io.Writer) error {
				_, err := w.Write(b)
				return err
			})
		}),
	}
	ra.Flags().StringVar(&format, "format", "pdf", "pdf, html, xlsx, csv or json")
	ra.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	ra.Flags().StringVar(&ref, "analysis", "latest", "the analysis: id, version number or latest")
	a.dbFlags(ra, true)
	cmd.AddCommand(ra, a.assessmentReportCommand(), a.scorecardReportCommand(), a.auditPackageCommand(), a.sspReportCommand())
	return cmd
}

// poamCommand prints the plan of action and milestones.
func (a *app) poamCommand() *cobra.Command {
	var all bool
	var format, out string
	cmd := &cobra.Command{
		Use:   "poam",
		Short: "The plan of action and milestones: every open action, most overdue first",
		Long: `The plan of action and milestones (POA&M) of the risk register: each risk's
actions with their owner, due date, status and slippage, the most overdue
first (--all for done and cancelled ones too). --format table (default), json,
or oscal: an OSCAL 1.1.3 plan-of-action-and-milestones, each risk with its
plan's actions as milestones.`,
		Example: `  safeguard risk poam --org riverside
  safeguard risk poam --org riverside --all --format oscal --out poam.json`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			svc, sc, err := a.riskScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			now := time.Now()
			ms, overdue, err := svc.POAM(cmd.Context(), sc, risk.Today(now), all)
			if err != nil {
				return err
			}
			return a.writeOut(out, func(w io.Writer) error {
				switch format {
				case "oscal":
					b, err := risk.POAMOSCAL(sc.Org().ID, sc.Org().Name, ms, now)
					if err != nil {
						return err
					}
					_, err = w.Write(b)
					return err
				case "json":
					type line struct {
						Risk, Action, Owner, Due, Status, Standing string
						DaysLate                                   int `json:"days_late"`
					}
					lines := []line{}
					for _, m := range ms {
						lines = append(lines, line{m.Row.Risk.Ref(), m.Action.Title, m.Action.Owner, m.Action.Due, string(m.Action.Status), m.State(), m.Slip})
					}
					return writeJSON(w, map[string]any{"milestones": lines, "overdue": overdue})
				case "table", "":
					tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
					fmt.Fprintln(tw, "RISK\tACTION\tOWNER\tDUE\tSTATUS\tSTANDING")
					for _, m := range ms {
						fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", m.Row.Risk.Ref(), truncate(m.Action.Title, 50), m.Action.Owner, m.Action.Due, m.Action.Status, m.State())
					}
					fmt.Fprintf(tw, "\n%d milestone(s), %d overdue\n", len(ms), overdue)
					return tw.Flush()
				}
				return usageError{fmt.Errorf("--format %q: use table, json or oscal", format)}
			})
		}),
	}
	cmd.Flags().BoolVar(&all, "all", false, "include done and cancelled actions")
	cmd.Flags().StringVar(&format, "format", "table", "table, json or oscal (OSCAL 1.1.3 plan-of-action-and-milestones)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	a.dbFlags(cmd, true)
	return cmd
}
