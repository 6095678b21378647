package dataimport

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
)

// emailReport imports a mail provider's report about one of the
// organisation's email domains: a DMARC aggregate report or an SMTP TLS
// report. A report about a domain the profile does not list is refused,
// naming it: it is another organisation's, or the profile lacks it.
func emailReport(ctx context.Context, req Request, sc *store.Scoped, name string, format *ingest.Format, r io.Reader, raw *hashed, out *Outcome) error {
	say := func(format string, args ...any) { out.Summary = append(out.Summary, fmt.Sprintf(format, args...)) }
	p, err := sc.Profile(ctx)
	if err != nil {
		return err
	}
	var domains []string
	for _, d := range p.EmailDomains {
		domains = append(domains, d.Domain)
	}
	ours := func(domain string) error {
		for _, d := range domains {
			if domain == d || strings.HasSuffix(domain, "."+d) {
				return nil
			}
		}
		listed := "lists none"
		if len(domains) > 0 {
			listed = "lists " + strings.Join(domains, ", ")
		}
		return errs.New(errs.Invalid, fmt.Sprintf("%s: the report is about %s, which is not an email domain of %s (its profile %s): import it into the organisation it belongs to, or add the domain to the profile", name, domain, sc.Org().Name, listed))
	}
	var res *store.EmailReportImport
	switch format.ID {
	case ingest.FormatDMARC:
		var rep *ingest.DMARCReport
		res, rep, err = sc.ImportDMARCReport(ctx, format.ID, name, out.SHA256, out.Size, func(emit func(*ingest.DMARCRow) error) (*ingest.DMARCReport, error) {
			rep, err := ingest.ReadDMARC(name, r, emit)
			if err != nil {
				return nil, err
			}
			return rep, ours(rep.Policy.Domain)
		}, func() string { sum, _ := raw.sum(); return sum }, req.After...)
		if err != nil {
			return err
		}
		if res.Again != "" {
			say("%s: the DMARC aggregate report %s from %s was imported before, from another file — nothing changed.", name, rep.ReportID, rep.Reporter)
			return nil
		}
		out.Import, out.Fresh, out.Records = res.Record.ID, res.Fresh, res.Records
		if !res.Fresh {
			say("%s: a DMARC aggregate report%s.", name, again(false))
			return nil
		}
		say("%s: the DMARC aggregate report %s from %s about %s, %s to %s: %d messages from %s.", name, rep.ReportID, cmp.Or(rep.Reporter, rep.Email), rep.Policy.Domain,
			rep.Begin.Format(time.DateTime), rep.End.Format(time.DateTime), rep.Messages, plural(rep.Rows, "source record", "source records"))
	case ingest.FormatTLSRPT:
		rep, err := ingest.ReadTLSReport(name, r)
		if err != nil {
			return err
		}
		var policies []string
		for _, pol := range rep.Policies {
			if err := ours(pol.Domain); err != nil {
				return err
			}
			if !slices.Contains(policies, pol.Domain) {
				policies = append(policies, pol.Domain)
			}
		}
		sum, err := raw.sum()
		if err != nil {
			return errs.Wrap(errs.Invalid, "cannot read "+name, err)
		}
		if res, err = sc.ImportTLSReport(ctx, format.ID, name, out.SHA256, out.Size, rep, sum, req.After...); err != nil {
			return err
		}
		if res.Again != "" {
			say("%s: the SMTP TLS report %s from %s was imported before, from another file — nothing changed.", name, rep.ReportID, rep.Reporter)
			return nil
		}
		out.Import, out.Fresh, out.Records = res.Record.ID, res.Fresh, res.Records
		var failures int64
		for _, pol := range rep.Policies {
			failures += pol.Failures
		}
		say("%s: the SMTP TLS report %s from %s about %s, %s to %s: %d sessions, %d failed%s.", name, rep.ReportID, rep.Reporter, strings.Join(policies, ", "),
			rep.Begin.Format(time.DateTime), rep.End.Format(time.DateTime), res.Messages, failures, again(res.Fresh))
	default:
		return errs.New(errs.Invalid, name+": "+format.Label+" is not a report Safeguard imports")
	}
	return nil
}
