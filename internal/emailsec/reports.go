package emailsec

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/store"
)

// Window is how many days of aggregate reports the alignment check and
// the pages read.
const Window = 30

// AlignedShare is the share of a source's messages that must pass DMARC
// for it to count as aligned (Safeguard's threshold: forwarded mail can
// fail now and then).
const AlignedShare = 0.95

// The classes of a source of mail sent as a domain.
const (
	Aligned = "aligned" // at least AlignedShare of its messages pass DMARC
	Partly  = "partly"  // some pass, too many fail: a sender of the organisation's not fully set up
	Never   = "never"   // none pass: spoofing, or a service not set up
)

// Classify says what a source is from its messages.
func Classify(s *store.DMARCSource) string {
	switch {
	case s.Messages > 0 && float64(s.Passed) >= AlignedShare*float64(s.Messages):
		return Aligned
	case s.Passed > 0:
		return Partly
	}
	return Never
}

// Source is one source of mail sent as a domain over the window.
type Source struct {
	*store.DMARCSource
	Failed int64  `json:"failed"`
	Class  string `json:"class"`
}

// DomainReports is what the aggregate reports say of one domain over the
// window: who sent mail as it, how much passed DMARC, and what p=reject
// would refuse (every failing message), of which how much from sources
// that also send aligned mail (the organisation's own, likely).
type DomainReports struct {
	Domain        string   `json:"domain"`
	Messages      int64    `json:"messages"`
	Passed        int64    `json:"passed"`
	RejectRefuses int64    `json:"reject_would_refuse"`
	FromOwn       int64    `json:"reject_would_refuse_from_aligned_senders"`
	Sources       []Source `json:"sources"`
}

// Reports is the aggregate and TLS reports of the organisation's domains
// over the window.
type Reports struct {
	From    string                   `json:"from"`
	To      string                   `json:"to"`
	Domains []DomainReports          `json:"domains"`
	TLS     []*store.TLSPolicyTotal  `json:"tls"`
	Recent  []*store.DMARCReportInfo `json:"recent_reports"`
}

// ReportRecords is what the reports' summary reads (store.Scoped).
type ReportRecords interface {
	Records
	DMARCSources(ctx context.Context, from, to string) ([]*store.DMARCSource, error)
	DMARCReports(ctx context.Context, limit int) ([]*store.DMARCReportInfo, error)
	TLSTotals(ctx context.Context, from, to time.Time) ([]*store.TLSPolicyTotal, error)
}

// Summarise groups sources by the profile's domain they send as (a
// subdomain counts for its domain), busiest first.
func Summarise(domains []string, sources []*store.DMARCSource) []DomainReports {
	var out []DomainReports
	for _, d := range domains {
		dr := DomainReports{Domain: d, Sources: []Source{}}
		for _, s := range sources {
			if s.Domain != d && !strings.HasSuffix(s.Domain, "."+d) {
				continue
			}
			src := Source{DMARCSource: s, Failed: s.Messages - s.Passed, Class: Classify(s)}
			dr.Sources = append(dr.Sources, src)
			dr.Messages += s.Messages
			dr.Passed += s.Passed
			dr.RejectRefuses += src.Failed
			if src.Class != Never {
				dr.FromOwn += src.Failed
			}
		}
		slices.SortStableFunc(dr.Sources, func(a, b Source) int {
			return cmp.Or(cmp.Compare(b.Failed, a.Failed), cmp.Compare(b.Messages, a.Messages))
		})
		out = append(out, dr)
	}
	return out
}

// ReadReports reads the reports of the organisation's domains over the
// Window days to now.
func ReadReports(ctx context.Context, st ReportRecords, now time.Time) (*Reports, error) {
	p, err := st.Profile(ctx)
	if err != nil {
		return nil, err
	}
	to := now.UTC()
	from := to.AddDate(0, 0, -Window)
	out := &Reports{From: from.Format(time.DateOnly), To: to.Format(time.DateOnly)}
	sources, err := st.DMARCSources(ctx, out.From, out.To)
	if err != nil {
		return nil, err
	}
	var domains []string
	for _, d := range p.EmailDomains {
		domains = append(domains, d.Domain)
	}
	out.Domains = Summarise(domains, sources)
	if out.TLS, err = st.TLSTotals(ctx, from, to.Add(time.Second)); err != nil {
		return nil, err
	}
	if out.Recent, err = st.DMARCReports(ctx, 20); err != nil {
		return nil, err
	}
	return out, nil
}
