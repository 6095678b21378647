package cli

import (
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tabular"
	"github.com/safeguard-health/safeguard/internal/vendor"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// vendorViews is the register's views, as the pages and the API show
// them.
func vendorViews(ctx context.Context, sc *store.Scoped) ([]*vendor.View, error) {
	return kit.VendorViews(ctx, sc, time.Now())
}

// findVendor is the vendor of vs with the id or the name (ignoring case)
// ref. Errors: NotFound.
func findVendor(vs []*vendor.View, ref string) (*vendor.View, error) {
	for _, v := range vs {
		if v.ID == ref || strings.EqualFold(v.Name, ref) {
			return v, nil
		}
	}
	return nil, errs.New(errs.NotFound, fmt.Sprintf("no vendor %q in the register", ref))
}

func (a *app) vendorCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "vendor",
		Short: "The vendor register: vendors and business associates",
		Long: `The organisation's vendors and business associates (45 CFR 160.103;
164.308(b), 164.314(a)): what ePHI each creates, receives, maintains or
transmits on the organisation's behalf, how it reaches the organisation's
systems, the inventory assets it touches, its criticality and tier, and whether
it is a business associate or a subcontractor of one.`,
	}
	var asJSON bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the vendors of the register",
		Example: `  safeguard vendor list --org riverside
  safeguard vendor list --org riverside --json`,
		Args: cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			vs, err := vendorViews(cmd.Context(), sc)
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(a.stdout, vs)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "NAME\tTIER\tSTATUS\tAGREEMENT\tREVIEW\tQUESTIONNAIRE\tEPHI\tRECORDS")
			for _, v := range vs {
				q := orDash(string(v.Questionnaire))
				if v.Score != nil {
					q = fmt.Sprintf("%s %d%%", q, *v.Score)
				}
				fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%d\n", v.Name, v.Tier, v.Status.Label(), v.Agreement, v.Review, q, orDash(strings.Join(v.EPHIUses(), ",")), v.Records)
			}
			return tw.Flush()
		}),
	}
	list.Flags().BoolVar(&asJSON, "json", false, "print JSON: each vendor with id, name, status, business_associate, tier and why, ePHI, assets and contacts")
	a.dbFlags(list, true)

	var showJSON bool
	show := &cobra.Command{
		Use:   "show VENDOR",
		Short: "Show one vendor (by name or id)",
		Args:  cobra.ExactArgs(1),
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, args []string) error {
			vs, err := vendorViews(cmd.Context(), sc)
			if err != nil {
				return err
			}
			l, err := findVendor(vs, args[0])
			if err != nil {
				return err
			}
			v := l.Vendor
			if showJSON {
				return writeJSON(a.stdout, l)
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			line := func(k, v string) { fmt.Fprintf(tw, "%s\t%s\n", k, orDash(v)) }
			line("Name", v.Name)
			line("Services", v.Services)
			line("Website", v.Website)
			line("Owner", v.Owner)
			status := v.Status.Label()
			if l.SubcontractorName != "" {
				status += " (of " + l.SubcontractorName + ")"
			}
			line("Status", status)
			line("Why", v.StatusReason)
			line("Agreement", string(l.Agreement)+": "+l.AgreementWhy)
			line("Review", string(l.Review)+": "+l.ReviewWhy)
			questionnaire := string(l.Questionnaire)
			if l.Score != nil {
				questionnaire += fmt.Sprintf(" (newest answers: %d%%, %d exception(s))", *l.Score, l.Exceptions)
			}
			line("Questionnaire", questionnaire)
			line("ePHI", strings.Join(l.EPHI, ", "))
			line("Records", fmt.Sprint(v.Records))
			line("Access", string(v.Access))
			line("Criticality", string(v.Criticality))
			line("Tier", fmt.Sprintf("%d: %s", l.Tier, l.TierWhy))
			line("Assets", strings.Join(l.AssetNames, ", "))
			for _, c := range v.Contacts {
				line("Contact", strings.Join(nonEmpty(c.Name, c.Role, c.Email, c.Phone), " · "))
			}
			line("Notes", v.Notes)
			return tw.Flush()
		}),
	}
	show.Flags().BoolVar(&showJSON, "json", false, "print JSON")
	a.dbFlags(show, true)

	var apply bool
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: "Import vendors from CSV or XLSX: a preview, or --apply to write",
		Long: `Read vendors from a CSV file or the first sheet of an XLSX workbook with the
columns ` + strings.Join(vendor.Columns, ", ") + `
(name is required; status is business-associate, subcontractor,
not-business-associate or undetermined, with status_reason; subcontractor_of
names the business associate, in the register or the file; access is none,
onsite, remote or interface; tier is 1 to 3 only to set it by hand, with
tier_reason; assets are inventory names separated by ";"). A row whose name
matches a vendor (ignoring case) updates it; columns the file lacks keep their
values. Every bad cell is named by line and column and nothing is imported
until the file is clean; with --apply everything lands in one transaction or
nothing does. What "vendor export" writes imports back.`,
		Args: cobra.ExactArgs(1),
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, args []string) error {
			return a.importRecords(cmd.Context(), sc, nil, dataimport.RecordVendors, args[0], apply)
		}),
	}
	imp.Flags().BoolVar(&apply, "apply", false, "write the vendors (default: only check and count them)")
	a.dbFlags(imp, true)

	var format, output string
	export := &cobra.Command{
		Use:   "export",
		Short: "Export the register as CSV or XLSX (which imports back)",
		Example: `  safeguard vendor export --org riverside > vendors.csv
  safeguard vendor export --org riverside --format xlsx --output vendors.xlsx`,
		Args: cobra.NoArgs,
		RunE: a.withScope(func(cmd *cobra.Command, sc *store.Scoped, _ []string) error {
			vs, err := sc.Vendors(cmd.Context())
			if err != nil {
				return err
			}
			_, names, err := sc.AssetNames(cmd.Context())
			if err != nil {
				return err
			}
			header, rows := vendor.Export(vs, names)
			var data []byte
			switch format {
			case "csv":
				data, err = tabular.WriteCSV(header, rows)
			case "xlsx":
				if output == "" {
					return errs.New(errs.Invalid, "--format xlsx writes a workbook: name the file with --output")
				}
				data, err = tabular.WriteXLSX("Vendors", header, rows)
			default:
				return errs.New(errs.Invalid, fmt.Sprintf("--format: %q is not csv or xlsx", format))
			}
			if err != nil {
				return errs.Wrap(errs.Internal, "the register could not be written", err)
			}
			if output == "" {
				_, err = a.stdout.Write(data)
				return err
			}
			if err := os.WriteFile(output, data, 0o600); err != nil {
				return errs.Wrap(errs.Invalid, "cannot write "+output, err)
			}
			fmt.Fprintf(a.stderr, "Wrote %d vendor(s) to %s.\n", len(rows), output)
			return nil
		}),
	}
	export.Flags().StringVar(&format, "format", "csv", "csv or xlsx")
	export.Flags().StringVarP(&output, "output", "o", "", "the file to write (default: standard output, CSV only)")
	a.dbFlags(export, true)
	cmd.AddCommand(list, show, imp, export)
	return cmd
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
