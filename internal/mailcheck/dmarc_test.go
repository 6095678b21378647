package mailcheck_test

import (
	"context"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/mailcheck/dnstest"
)

// A domain's DMARC record, read from a real DNS server on loopback and
// judged: the policy, how much of the mail it covers, alignment, and
// whether an outside report destination accepts the reports.
func TestReadDMARC(t *testing.T) {
	z := dnstest.New(t)
	z.Set(map[string][]dnstest.Record{
		"_dmarc.strict.example": {dnstest.TXT("v=DMARC1; p=reject; rua=mailto:dmarc@strict.example; adkim=s")},
		"_dmarc.vendor.example": {dnstest.TXT("v=DMARC1; p=reject; rua=mailto:reports@dmarc.vendor-analytics.example,mailto:x@unauthorised.example!10m")},
		"strict.example._report._dmarc.dmarc.vendor-analytics.example": {dnstest.TXT("v=DMARC1")},
		"vendor.example._report._dmarc.dmarc.vendor-analytics.example": {dnstest.TXT("v=DMARC1")},
		"_dmarc.quarantine.example":                                    {dnstest.TXT("v=DMARC1; p=quarantine; pct=50; rua=mailto:d@quarantine.example")},
		"_dmarc.none.example":                                          {dnstest.TXT("v=DMARC1; p=none")},
		"_dmarc.broken.example":                                        {dnstest.TXT("v=DMARC1; sp=reject")},
		"_dmarc.notfirst.example":                                      {dnstest.TXT("p=reject; v=DMARC1")},
		"_dmarc.org.example":                                           {dnstest.TXT("v=DMARC1; p=reject; sp=none; rua=mailto:d@org.example")},
		"mail.org.example":                                             {dnstest.TXT("v=spf1 -all")},
		"_dmarc.testing.example":                                       {dnstest.TXT("v=DMARC1; p=reject; t=y; rua=mailto:d@testing.example")},
		"_dmarc.slow.example":                                          {dnstest.Record{Timeout: true}},
	})
	ctx := context.Background()
	for domain, want := range map[string]struct {
		status, policy, at, says string
	}{
		"strict.example":     {"pass", "reject", "_dmarc.strict.example", "p=reject"},
		"vendor.example":     {"warn", "reject", "_dmarc.vendor.example", "unauthorised.example does not say it accepts"},
		"quarantine.example": {"warn", "quarantine", "_dmarc.quarantine.example", "pct=50"},
		"none.example":       {"fail", "none", "_dmarc.none.example", "p=none"},
		"broken.example":     {"fail", "", "_dmarc.broken.example", "no p= policy"},
		"notfirst.example":   {"fail", "", "", "No DMARC record"},
		"mail.org.example":   {"warn", "reject", "_dmarc.org.example", "sp=none"},
		"testing.example":    {"warn", "reject", "_dmarc.testing.example", "t=y"},
		"missing.example":    {"fail", "", "", "No DMARC record"},
		"slow.example":       {"unknown", "", "", "could not be read"},
	} {
		r := &mailcheck.Resolver{Server: z.Addr, Timeout: dnstest.Timeout}
		got := mailcheck.ReadDMARC(ctx, r, domain)
		if got.Status != want.status || got.Policy != want.policy || got.At != want.at || !strings.Contains(strings.Join(got.Findings, " "), want.says) {
			t.Errorf("%s: %s, p=%q at %q, %q; want %s, p=%q at %q, saying %q", domain, got.Status, got.Policy, got.At, got.Findings, want.status, want.policy, want.at, want.says)
		}
		if len(got.Lookups) == 0 {
			t.Errorf("%s: no lookup listed", domain)
		}
	}
	r := &mailcheck.Resolver{Server: z.Addr, Timeout: dnstest.Timeout}
	v := mailcheck.ReadDMARC(ctx, r, "vendor.example")
	if len(v.Aggregate) != 2 || !v.Aggregate[0].External || !v.Aggregate[0].Authorised || !v.Aggregate[1].External || v.Aggregate[1].Authorised {
		t.Errorf("the report destinations: %+v", v.Aggregate)
	}
	if s := mailcheck.ReadDMARC(ctx, r, "strict.example"); s.DKIMAlign != "s" || s.SPFAlign != "r" || s.Percent != 100 || len(s.Aggregate) != 1 || s.Aggregate[0].External {
		t.Errorf("strict.example: %+v", s)
	}
}
