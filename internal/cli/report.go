package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/auditpack"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
)

func (a *app) assessmentReportCommand() *cobra.Command {
	var format, out, ref string
	cmd := &cobra.Command{
		Use:   "assessment",
		Short: "An assessment's report as PDF or HTML",
		Long: `The report an auditor reads: the assessment's progress, every addressable
specification's documented decision (45 CFR 164.306(d)(3)) with its measure and
reason, each applicable item's status, owner, target, notes, evidence (with its
version, file, SHA-256 and review date) and answers to NIST SP 800-66r2's sample
questions, then the items that do not apply with the tailoring's reason.

--assessment picks it: an id, or a framework (hipaa-security-rule, the default,
or hph-cpg) for that framework's newest assessment.`,
		Example: `  safeguard report assessment --org riverside --format pdf --out hipaa-assessment.pdf
  safeguard report assessment --org riverside --assessment hph-cpg --format html --out cpg.html`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			if _, ok := report.AssessmentFormats[format]; !ok {
				return usageError{fmt.Errorf("--format %q: use pdf or html", format)}
			}
			_, sc, v, err := a.assessmentView(cmd.Context(), s, ref)
			if err != nil {
				return err
			}
			b, _, err := report.ExportAssessment(cmd.Context(), s, sc.Org().ID, v, sc.Org().Name, format, "safeguard report assessment", time.Now())
			if err != nil {
				return err
			}
			return a.writeOut(out, func(w io.Writer) error {
				_, err := w.Write(b)
				return err
			})
		}),
	}
	cmd.Flags().StringVar(&format, "format", "pdf", "pdf or html")
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	cmd.Flags().StringVar(&ref, "assessment", "hipaa-security-rule", "the assessment: an id, or a framework for its newest assessment")
	a.dbFlags(cmd, true)
	return cmd
}

func (a *app) scorecardReportCommand() *cobra.Command {
	var format, out string
	cmd := &cobra.Command{
		Use:   "scorecard",
		Short: "The HPH CPG scorecard as a PDF report",
		Long: `The scorecard as a report: the essential and enhanced tallies, each goal with its
status, the inputs behind it (the answer and what was verified from data, each
with its source and date) and what it lacks, why goals are deferred, and the
trend across CPG assessments.`,
		Example: `  safeguard report scorecard --org riverside --format pdf --out scorecard.pdf`,
		Args:    cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			if format != "pdf" {
				return usageError{fmt.Errorf("--format %q: use pdf (the picture is scorecard --svg, the data scorecard --json)", format)}
			}
			prog, sc, err := a.programScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			now := time.Now()
			card, err := prog.Scorecard(cmd.Context(), sc, now)
			if err != nil {
				return err
			}
			b, err := report.ExportScorecard(cmd.Context(), s, sc.Org().ID, card, sc.Org().Name, "safeguard report scorecard", now)
			if err != nil {
				return err
			}
			return a.writeOut(out, func(w io.Writer) error {
				_, err := w.Write(b)
				return err
			})
		}),
	}
	cmd.Flags().StringVar(&format, "format", "pdf", "pdf")
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	a.dbFlags(cmd, true)
	return cmd
}

func (a *app) auditPackageCommand() *cobra.Command {
	var out, from, to string
	var files bool
	cmd := &cobra.Command{
		Use:   "audit-package",
		Short: "One ZIP of what an audit asks for, with a manifest of hashes",
		Long: `The audit package: the current assessments' reports (PDF and HTML), the CPG
scorecard (PDF and SVG), the risk analysis (the newest final one, else the
draft; PDF and XLSX), an index of every version of every piece of evidence
(title, linked items, dates, file name, SHA-256), the policies' files (the
evidence linked to 164.316, policies and procedures), the training status
person by person, and the audit log of a period (--from, --to; the year before
today by default), with manifest.json and SHA256SUMS giving every file's
SHA-256. --files puts every piece of evidence's current file in too.
Making a package is recorded in the audit log.`,
		Example: `  safeguard report audit-package --org riverside --out riverside-audit.zip
  safeguard report audit-package --org riverside --from 2026-01-01 --to 2027-01-01 --files --out audit-2026.zip`,
		Args: cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			if out == "" || out == "-" {
				return usageError{fmt.Errorf("--out: name the ZIP file to write")}
			}
			var opt auditpack.Options
			for _, d := range []struct {
				flag, v string
				to      *time.Time
			}{{"--from", from, &opt.From}, {"--to", to, &opt.To}} {
				if d.v == "" {
					continue
				}
				t, err := time.Parse(time.DateOnly, d.v)
				if err != nil {
					return usageError{fmt.Errorf("%s %q: a date, YYYY-MM-DD", d.flag, d.v)}
				}
				*d.to = t
			}
			opt.Files, opt.Target = files, "safeguard report audit-package"
			prog, sc, err := a.programScope(cmd.Context(), s)
			if err != nil {
				return err
			}
			rs, err := riskanalysis.NewService(prog.Catalog)
			if err != nil {
				return errs.Wrap(errs.Internal, "the built-in threat catalog is broken", err)
			}
			ev, err := a.evidenceService(cmd.Context(), s)
			if err != nil {
				return err
			}
			svc := &auditpack.Service{Program: prog, Risk: rs, Evidence: ev, Events: s}
			var m *auditpack.Manifest
			if err := a.writeOut(out, func(w io.Writer) error {
				m, err = svc.Write(cmd.Context(), sc, w, opt, time.Now())
				return err
			}); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s: %d files, their SHA-256 in manifest.json and SHA256SUMS\n", out, len(m.Files))
			for _, l := range m.Left {
				fmt.Fprintf(a.stdout, "not in it: %s\n", l)
			}
			return nil
		}),
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "the ZIP file to write")
	cmd.Flags().StringVar(&from, "from", "", "the audit log from this day, YYYY-MM-DD (default: a year before --to)")
	cmd.Flags().StringVar(&to, "to", "", "the audit log before this day, YYYY-MM-DD (default: now)")
	cmd.Flags().BoolVar(&files, "files", false, "put every piece of evidence's current file in the package, not only the policies'")
	cmd.Flags().StringVar(&a.evidenceStore, "evidence-store", "database", `where evidence files are kept, as serve's --evidence-store`)
	a.keyFlags(cmd)
	a.dbFlags(cmd, true)
	return cmd
}

func (a *app) sspReportCommand() *cobra.Command {
	var format, out, ref string
	cmd := &cobra.Command{
		Use:   "ssp",
		Short: "The system security plan as OSCAL",
		Long: `The organisation's system security plan as an OSCAL 1.1.3
system-security-plan: the organisation as the system, its ePHI as the
information type, the ePHI inventory's assets as components, the security
official as the responsible party, and an implemented requirement for each
applicable item of the Security Rule assessment (--assessment: an id, or the
framework for its newest) with its status, what was answered and the
addressable decision, against the controls of "catalog export --format oscal".`,
		Example: `  safeguard report ssp --org riverside --format oscal --out ssp.json`,
		Args:    cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			if format != "oscal" {
				return usageError{fmt.Errorf("--format %q: use oscal", format)}
			}
			_, sc, v, err := a.assessmentView(cmd.Context(), s, ref)
			if err != nil {
				return err
			}
			if v.Framework.ID != catalog.HIPAASecurityRule {
				return usageError{fmt.Errorf("--assessment: a Security Rule assessment, not %s", v.Framework.ShortName)}
			}
			p, err := sc.Profile(cmd.Context())
			if err != nil {
				return err
			}
			assets, err := sc.Assets(cmd.Context())
			if err != nil {
				return err
			}
			b, err := report.SSPOSCAL(sc.Org(), p, assets, v, time.Now())
			if err != nil {
				return err
			}
			return a.writeOut(out, func(w io.Writer) error {
				_, err := w.Write(b)
				return err
			})
		}),
	}
	cmd.Flags().StringVar(&format, "format", "oscal", "oscal (OSCAL 1.1.3 system-security-plan)")
	cmd.Flags().StringVarP(&out, "out", "o", "", "file to write (default: standard output)")
	cmd.Flags().StringVar(&ref, "assessment", "hipaa-security-rule", "the Security Rule assessment: an id, or the framework for its newest")
	a.dbFlags(cmd, true)
	return cmd
}
