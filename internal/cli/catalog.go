package cli

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) catalogCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "catalog",
		Short: "List, show and export the frameworks, built in and imported",
		Long: `The catalog is the regulatory content built into Safeguard:

  hipaa-security-rule  45 CFR 164.308–164.316 with NIST SP 800-66 Rev. 2 guidance
  hph-cpg              HHS Healthcare and Public Health Cybersecurity Performance Goals
  nist-csf-2.0         NIST Cybersecurity Framework 2.0

Every item cites its primary source; mappings between frameworks work both ways.

An organisation adds frameworks of its own from OSCAL catalogs and profiles
(NIST SP 800-53 Rev. 5 and its LOW, MODERATE and HIGH baselines, or any other):
safeguard import --org ORG [--framework ID] FILE, the catalog before the profiles
that import it. With --org, list and show include them; remove deletes one.`,
	}
	cmd.AddCommand(a.catalogListCommand(), a.catalogShowCommand(), a.catalogExportCommand(), a.catalogRemoveCommand(), a.catalogDiffCommand())
	return cmd
}

func (a *app) catalogListCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List the frameworks with their versions and item counts",
		Long: `List the built-in frameworks; with --org, the organisation's imported ones too,
each with the file it was imported from, when and by whom.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			r, imported, err := a.orgCatalog(cmd)
			if err != nil {
				return err
			}
			type row struct {
				ID       string                   `json:"id"`
				Name     string                   `json:"name"`
				Version  string                   `json:"version"`
				Items    int                      `json:"items"`
				Counts   map[string]int           `json:"counts"`
				Imported *store.ImportedFramework `json:"imported,omitempty"`
			}
			var rows []row
			for _, fw := range r.Frameworks() {
				rows = append(rows, row{fw.ID, fw.Name, fw.Version, len(fw.Items), r.Count(fw), imported[fw.ID]})
			}
			if asJSON {
				return writeJSON(a.stdout, map[string]any{"frameworks": rows})
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "FRAMEWORK\tVERSION\tITEMS\tCONTENTS")
			for _, x := range rows {
				what := describeCounts(x.Counts)
				if im := x.Imported; im != nil {
					what += fmt.Sprintf("; imported from %s (OSCAL %s) %s by %s", im.File, im.Model, im.ImportedAt.Format("2006-01-02"), im.ImportedBy)
				}
				fmt.Fprintf(tw, "%s\t%s\t%d\t%s\n", x.ID, x.Version, x.Items, what)
			}
			return tw.Flush()
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	a.catalogOrgFlags(cmd)
	return cmd
}

// catalogOrgFlags are --db and --org, for the organisation whose imported
// frameworks a catalog verb includes; without --org it reads the built-in
// catalog alone and opens no database.
func (a *app) catalogOrgFlags(cmd *cobra.Command) {
	a.dbFlags(cmd, false)
	cmd.Flags().StringVar(&a.org, "org", "", "also the frameworks this organisation (slug or id) imported")
}

// orgCatalog is the built-in catalog, with the frameworks the organisation
// named by --org imported, by id, when it names one.
func (a *app) orgCatalog(cmd *cobra.Command) (*catalog.Registry, map[string]*store.ImportedFramework, error) {
	r, err := loadCatalog()
	if err != nil || a.org == "" {
		return r, nil, err
	}
	ctx := cmd.Context()
	s, err := a.openStore(ctx)
	if err != nil {
		return nil, nil, err
	}
	defer s.Close()
	sc, err := a.orgScope(ctx, s)
	if err != nil {
		return nil, nil, err
	}
	fs, err := sc.ImportedFrameworks(ctx)
	if err != nil {
		return nil, nil, err
	}
	byID := map[string]*store.ImportedFramework{}
	var fws []*catalog.Framework
	for _, f := range fs {
		byID[f.ID], fws = f, append(fws, f.Framework)
	}
	if r, err = r.With(fws...); err != nil {
		return nil, nil, errs.Wrap(errs.Internal, "the organisation's imported frameworks", err)
	}
	return r, byID, nil
}

func (a *app) catalogDiffCommand() *cobra.Command {
	var asJSON bool
	cmd := &cobra.Command{
		Use:   "diff FROM TO",
		Short: "What one framework changes of another, through their mappings",
		Long: `For each item of TO, the items of FROM it is mapped to, with each mapping's
basis and rationale; then the items of FROM no item of TO touches. Between
today's Security Rule and the proposed modification (90 FR 898), it says what the
proposal would change, provision by provision:

  safeguard catalog diff hipaa-security-rule hipaa-security-rule-nprm-2025

With --json: {"from": {...}, "to": {...}, "changes": [{"id", "citation", "title",
"text", "touches": [{"id", "citation", "title", "required", "basis",
"rationale"}]}], "untouched": [{"id", "citation", "title"}]}.`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, _, err := a.orgCatalog(cmd)
			if err != nil {
				return err
			}
			from, err := r.Framework(args[0])
			if err != nil {
				return err
			}
			to, err := r.Framework(args[1])
			if err != nil {
				return err
			}
			if from == to {
				return usageError{fmt.Errorf("name two different frameworks")}
			}
			d := r.Diff(from, to)
			if asJSON {
				return writeJSON(a.stdout, diffJSON(d))
			}
			fmt.Fprintf(a.stdout, "%s (%s, %s) → %s (%s, %s)\n", from.ID, from.Version, from.Basis, to.ID, to.Version, to.Basis)
			if to.Basis == catalog.BasisProposed {
				fmt.Fprintf(a.stdout, "%s is a proposal, not law.\n", to.ShortName)
			}
			for _, c := range d.Changes {
				fmt.Fprintf(a.stdout, "\n%s  %s\n  %s\n", c.Item.Citation, c.Item.Title, c.Item.Text)
				if len(c.Touches) == 0 {
					fmt.Fprintf(a.stdout, "  new: no item of %s is mapped to it\n", from.ID)
				}
				for _, t := range c.Touches {
					mark := ""
					if req, ok := t.Item.IsRequired(); ok {
						mark = map[bool]string{true: " (Required)", false: " (Addressable)"}[req]
					}
					fmt.Fprintf(a.stdout, "  changes %s %s%s: %s [%s]\n", t.Item.Citation, t.Item.Title, mark, t.Mapping.Rationale, t.Mapping.Basis)
				}
			}
			fmt.Fprintf(a.stdout, "\n%d items of %s no item of %s touches:\n", len(d.Untouched), from.ID, to.ID)
			for _, it := range d.Untouched {
				fmt.Fprintf(a.stdout, "  %s %s\n", it.Citation, it.Title)
			}
			return nil
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	a.catalogOrgFlags(cmd)
	return cmd
}

func diffJSON(d *catalog.Diff) map[string]any {
	fw := func(f *catalog.Framework) map[string]any {
		return map[string]any{"id": f.ID, "name": f.Name, "version": f.Version, "basis": f.Basis, "source": f.Source}
	}
	type touch struct {
		ID        string `json:"id"`
		Citation  string `json:"citation"`
		Title     string `json:"title"`
		Required  *bool  `json:"required,omitempty"`
		Basis     string `json:"basis"`
		Rationale string `json:"rationale,omitempty"`
	}
	type change struct {
		ID       string  `json:"id"`
		Citation string  `json:"citation"`
		Title    string  `json:"title"`
		Text     string  `json:"text"`
		Touches  []touch `json:"touches"`
	}
	type item struct {
		ID       string `json:"id"`
		Citation string `json:"citation"`
		Title    string `json:"title"`
	}
	changes := []change{}
	for _, c := range d.Changes {
		ch := change{ID: c.Item.ID, Citation: c.Item.Citation, Title: c.Item.Title, Text: c.Item.Text, Touches: []touch{}}
		for _, t := range c.Touches {
			ch.Touches = append(ch.Touches, touch{t.Item.ID, t.Item.Citation, t.Item.Title, t.Item.Required, t.Mapping.Basis, t.Mapping.Rationale})
		}
		changes = append(changes, ch)
	}
	untouched := []item{}
	for _, it := range d.Untouched {
		untouched = append(untouched, item{it.ID, it.Citation, it.Title})
	}
	return map[string]any{"from": fw(d.From), "to": fw(d.To), "changes": changes, "untouched": untouched}
}

func (a *app) catalogRemoveCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "remove FRAMEWORK",
		Short: "Remove a framework the organisation imported",
		Long: `Remove a framework the organisation imported from an OSCAL catalog or profile.
A framework an assessment was made of is kept with it: remove is refused.`,
		Example: `  safeguard catalog remove --org riverside nist-special-publication-800-53-revision-5.1.1-low`,
		Args:    cobra.ExactArgs(1),
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, args []string) error {
			if err := sc.RemoveFramework(cmd.Context(), args[0]); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "removed the framework %s of %s\n", args[0], sc.Org().Slug)
			return nil
		}),
	}
	a.dbFlags(cmd, true)
	return cmd
}

func describeCounts(n map[string]int) string {
	var parts []string
	for _, k := range []struct{ kind, label string }{
		{catalog.KindGeneral, "general rules"}, {catalog.KindStandard, "standards"}, {catalog.KindImplSpec, "implementation specifications"},
		{catalog.KindGoal, "goals"}, {catalog.KindFunction, "functions"}, {catalog.KindCategory, "categories"},
		{catalog.KindSubcategory, "subcategories"}, {catalog.KindControl, "controls"}, {catalog.KindProposal, "proposals"}, {"withdrawn", "withdrawn identifiers"},
	} {
		if n[k.kind] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", n[k.kind], k.label))
		}
	}
	return strings.Join(parts, ", ")
}

// itemJSON is the documented shape of an item in `catalog show --json`.
type itemJSON struct {
	ID         string              `json:"id"`
	Citation   string              `json:"citation"`
	Title      string              `json:"title"`
	Kind       string              `json:"kind"`
	Required   *bool               `json:"required,omitempty"`
	Tier       string              `json:"tier,omitempty"`
	Parent     string              `json:"parent,omitempty"`
	Aliases    []string            `json:"aliases,omitempty"`
	Withdrawn  bool                `json:"withdrawn,omitempty"`
	LeadIn     string              `json:"lead_in,omitempty"`
	Text       string              `json:"text"`
	Outcome    string              `json:"outcome,omitempty"`
	Source     catalog.Source      `json:"source"`
	Mappings   []string            `json:"mappings"`
	MappedFrom []mappingJSON       `json:"mapping_details,omitempty"`
	References []catalog.Reference `json:"references,omitempty"`
	Guidance   *catalog.Guidance   `json:"guidance,omitempty"`
}

type mappingJSON struct {
	ID        string `json:"id"`
	Direction string `json:"direction"` // "to": declared on this item; "from": declared on the other
	Basis     string `json:"basis"`
	Rationale string `json:"rationale,omitempty"`
}

func toJSON(r *catalog.Registry, it *catalog.Item, guidance bool) itemJSON {
	j := itemJSON{
		ID: it.ID, Citation: it.Citation, Title: it.Title, Kind: it.Kind, Required: it.Required, Tier: it.Tier,
		Parent: it.Parent, Aliases: it.Aliases, Withdrawn: it.Withdrawn, LeadIn: it.LeadIn, Text: it.Text,
		Outcome: it.Outcome, Source: it.Source, Mappings: r.MappingIDs(it.ID), References: it.References,
	}
	for _, rel := range r.Related(it.ID) {
		dir := "from"
		if rel.Outgoing {
			dir = "to"
		}
		j.MappedFrom = append(j.MappedFrom, mappingJSON{rel.Item.ID, dir, rel.Mapping.Basis, rel.Mapping.Rationale})
	}
	if guidance {
		j.Guidance = it.Guidance
	}
	return j
}

func (a *app) catalogShowCommand() *cobra.Command {
	var asJSON, guidance bool
	cmd := &cobra.Command{
		Use:   "show FRAMEWORK [ITEM]",
		Short: "Show a framework's items, or one item in full",
		Long: `Without ITEM, print the framework's items as an outline. With ITEM — an id, a
citation such as 164.312(d) or "§ 164.312(d)", or a CSF identifier such as
PR.AA-03 — print the item in full: its text, its source, its mappings and, for a
Security Rule standard, NIST SP 800-66 Rev. 2's key activities and sample
questions.

With --json, print one JSON document: {"framework": {...}, "items": [...]}, each
item carrying id, citation, title, kind, required (implementation
specifications), tier (CPGs), parent, text, source and mappings (ids, both
directions). Guidance is included for a single item, or with --guidance.`,
		Example: `  safeguard catalog show hipaa-security-rule
  safeguard catalog show hipaa-security-rule 164.312(d)
  safeguard catalog show hph-cpg --json`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, _, err := a.orgCatalog(cmd)
			if err != nil {
				return err
			}
			fw, err := r.Framework(args[0])
			if err != nil {
				return err
			}
			items := fw.Items
			if len(args) == 2 {
				it, err := r.FindItem(fw, args[1])
				if err != nil {
					return err
				}
				items, guidance = []*catalog.Item{it}, true
			}
			if asJSON {
				out := struct {
					Framework map[string]any `json:"framework"`
					Items     []itemJSON     `json:"items"`
				}{Framework: map[string]any{
					"id": fw.ID, "name": fw.Name, "version": fw.Version, "publisher": fw.Publisher, "basis": fw.Basis,
					"source": fw.Source, "notes": fw.Notes,
				}}
				for _, it := range items {
					out.Items = append(out.Items, toJSON(r, it, guidance))
				}
				return writeJSON(a.stdout, out)
			}
			if len(args) == 2 {
				return printItem(a.stdout, r, fw, items[0])
			}
			return printOutline(a.stdout, r, fw)
		},
	}
	cmd.Flags().BoolVar(&asJSON, "json", false, "print JSON")
	cmd.Flags().BoolVar(&guidance, "guidance", false, "with --json, include SP 800-66r2 guidance for every item")
	a.catalogOrgFlags(cmd)
	return cmd
}

func printOutline(w io.Writer, r *catalog.Registry, fw *catalog.Framework) error {
	fmt.Fprintf(w, "%s — %s\n%s\n\n", fw.Name, fw.Version, fw.Source.Document)
	depth := map[string]int{}
	for _, it := range fw.Items {
		d := 0
		if it.Parent != "" {
			d = depth[it.Parent] + 1
		}
		depth[it.ID] = d
		mark := ""
		if req, ok := it.IsRequired(); ok {
			mark = " (Addressable)"
			if req {
				mark = " (Required)"
			}
		}
		if it.Tier != "" {
			mark = " [" + it.Tier + "]"
		}
		if it.Withdrawn {
			mark = " [withdrawn]"
		}
		fmt.Fprintf(w, "%s%s  %s%s\n", strings.Repeat("  ", d), it.Citation, it.Title, mark)
	}
	return nil
}

func printItem(w io.Writer, r *catalog.Registry, fw *catalog.Framework, it *catalog.Item) error {
	fmt.Fprintf(w, "%s  %s\n", it.Citation, it.Title)
	meta := []string{fw.Name, it.Kind}
	if req, ok := it.IsRequired(); ok {
		meta = append(meta, map[bool]string{true: "Required", false: "Addressable"}[req])
	}
	if it.Tier != "" {
		meta = append(meta, it.Tier)
	}
	fmt.Fprintf(w, "%s\n\n", strings.Join(meta, " · "))
	if it.LeadIn != "" {
		fmt.Fprintln(w, it.LeadIn)
	}
	fmt.Fprintf(w, "%s\n\n", it.Text)
	src := it.Source.Document
	if it.Source.Citation != "" {
		src = it.Source.Citation
	}
	fmt.Fprintf(w, "Source: %s", src)
	if it.Source.URL != "" {
		fmt.Fprintf(w, " <%s>", it.Source.URL)
	}
	if it.Source.Wording == "summary" {
		fmt.Fprint(w, " (summary, not the publisher's wording)")
	}
	fmt.Fprintln(w)
	if kids := r.Children(it.ID); len(kids) > 0 {
		fmt.Fprintln(w, "\nContains:")
		for _, c := range kids {
			fmt.Fprintf(w, "  %s  %s\n", c.Citation, c.Title)
		}
	}
	if rel := r.Related(it.ID); len(rel) > 0 {
		fmt.Fprintln(w, "\nMappings:")
		for _, x := range rel {
			dir := "maps to this item"
			if x.Outgoing {
				dir = "this item maps to it"
			}
			fmt.Fprintf(w, "  %s  %s (%s; basis: %s)\n", x.Item.ID, x.Item.Title, dir, x.Mapping.Basis)
		}
	}
	if g := it.Guidance; g != nil {
		fmt.Fprintf(w, "\nNIST SP 800-66 Rev. 2 key activities:\n")
		for i, ka := range g.KeyActivities {
			fmt.Fprintf(w, "  %d. %s (%d sample questions)\n", i+1, ka.Title, len(ka.SampleQuestions))
		}
	}
	return nil
}

func (a *app) catalogExportCommand() *cobra.Command {
	var format, output string
	cmd := &cobra.Command{
		Use:   "export FRAMEWORK --format oscal|json",
		Short: "Export a framework as an OSCAL 1.1.3 catalog or as Safeguard's JSON",
		Long: `Write a framework as an OSCAL 1.1.3 catalog in JSON (--format oscal), which
validates against NIST's official OSCAL schema, or as Safeguard's own catalog
JSON (--format json). Output goes to standard output, or to --output FILE.`,
		Example: `  safeguard catalog export hipaa-security-rule --format oscal -o hipaa-oscal.json`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			r, fw, err := loadFramework(args[0])
			if err != nil {
				return err
			}
			var data []byte
			switch format {
			case "oscal":
				data, err = r.ExportOSCAL(fw, time.Now())
			case "json":
				data, err = json.MarshalIndent(fw, "", "  ")
			default:
				return errs.New(errs.Invalid, fmt.Sprintf("--format %q: use oscal or json", format))
			}
			if err != nil {
				return err
			}
			data = append(data, '\n')
			if output == "" || output == "-" {
				_, err = a.stdout.Write(data)
				return err
			}
			if err := os.WriteFile(output, data, 0o644); err != nil {
				return errs.Wrap(errs.Invalid, "cannot write "+output, err)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&format, "format", "oscal", "output format: oscal or json")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	return cmd
}

// loadFramework loads the catalog and finds the named framework.
func loadFramework(name string) (*catalog.Registry, *catalog.Framework, error) {
	r, err := loadCatalog()
	if err != nil {
		return nil, nil, err
	}
	fw, err := r.Framework(name)
	return r, fw, err
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}
