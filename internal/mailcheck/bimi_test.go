package mailcheck_test

import (
	"context"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/mailcheck/dnstest"
)

// BIMI is reported, not required: a record with an HTTPS logo under an
// enforced DMARC policy passes; under p=none, or with a logo not over
// HTTPS, it warns; no record is info.
func TestReadBIMI(t *testing.T) {
	z := dnstest.New(t)
	z.Set(map[string][]dnstest.Record{
		"_dmarc.brand.example":        {dnstest.TXT("v=DMARC1; p=reject; rua=mailto:d@brand.example")},
		"default._bimi.brand.example": {dnstest.TXT("v=BIMI1; l=https://brand.example/logo.svg; a=https://brand.example/vmc.pem")},
		"_dmarc.soft.example":         {dnstest.TXT("v=DMARC1; p=none")},
		"default._bimi.soft.example":  {dnstest.TXT("v=BIMI1; l=https://soft.example/logo.svg")},
		"_dmarc.plain.example":        {dnstest.TXT("v=DMARC1; p=reject")},
		"default._bimi.plain.example": {dnstest.TXT("v=BIMI1; l=http://plain.example/logo.svg")},
		"_dmarc.none.example":         {dnstest.TXT("v=DMARC1; p=reject")},
	})
	ctx := context.Background()
	for domain, want := range map[string]struct{ status, says string }{
		"brand.example": {"pass", "under an enforced DMARC policy"},
		"soft.example":  {"warn", "the DMARC policy is not quarantine or reject"},
		"plain.example": {"warn", "not an HTTPS address"},
		"none.example":  {"info", "No BIMI record at default._bimi.none.example: not required"},
	} {
		rs := mailcheck.CheckDomain(ctx, z.Addr, dnstest.Timeout, mailcheck.Probe{Timeout: dnstest.Timeout}, domain, nil, nil)
		b := rs[len(rs)-1]
		if b.Check != "email.bimi" || b.Status != want.status || !strings.Contains(strings.Join(b.Findings, " "), want.says) {
			t.Errorf("%s: %s %s %q; want %s saying %q", domain, b.Check, b.Status, b.Findings, want.status, want.says)
		}
	}
	if u := mailcheck.Unknown(mailcheck.CheckDomain(ctx, z.Addr, dnstest.Timeout, mailcheck.Probe{Timeout: dnstest.Timeout}, "none.example", nil, nil)); strings.Contains(strings.Join(u, " "), "bimi") {
		t.Errorf("no BIMI record made the checks unknown: %v", u)
	}
}
