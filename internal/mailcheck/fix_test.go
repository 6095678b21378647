package mailcheck_test

import (
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/mailcheck/dnstest"
)

// publishRE reads a fix that names a record: where, and the TXT value.
var publishRE = regexp.MustCompile(`^Publish at (\S+): TXT ("(?:[^"\\]|\\.)*")`)

// Each failing check says which record to publish; publishing exactly
// that record (in place of the one there) makes the check pass.
func TestPublishingTheFixPasses(t *testing.T) {
	zone := map[string][]dnstest.Record{
		// SPF: soft-failing; DMARC: p=none with pct and no reports;
		// TLS-RPT: none; DKIM: in test mode.
		"soft.example":                      {dnstest.TXT("v=spf1 include:_spf.soft.example ~all"), dnstest.TXT("google-site-verification=abc")},
		"_spf.soft.example":                 {dnstest.TXT("v=spf1 ip4:192.0.2.0/24 -all")},
		"_dmarc.soft.example":               {dnstest.TXT("v=DMARC1; p=none; pct=20; adkim=s")},
		"selector1._domainkey.soft.example": {dnstest.TXT("v=DKIM1; k=rsa; t=y; p=" + rsaKey(t, 2048))},
		// No SPF or DMARC at all.
		"bare.example": {dnstest.TXT("hello")},
	}
	z := dnstest.New(t)
	z.Set(zone)
	ctx := context.Background()
	read := func(check, domain string) mailcheck.Result {
		for _, r := range mailcheck.CheckDomain(ctx, z.Addr, dnstest.Timeout, mailcheck.Probe{Timeout: dnstest.Timeout}, domain, nil, nil) {
			if r.Check == check {
				return r
			}
		}
		t.Fatalf("no %s result for %s", check, domain)
		return mailcheck.Result{}
	}
	for _, c := range []struct{ check, domain, says string }{
		{"email.spf", "soft.example", `TXT "v=spf1 include:_spf.soft.example -all" in place of`},
		{"email.dmarc", "soft.example", `TXT "v=DMARC1; p=reject; adkim=s; rua=mailto:dmarc-reports@soft.example"`},
		{"email.dkim", "soft.example", "in place of the record in test mode"},
		{"email.spf", "bare.example", `TXT "v=spf1 mx -all"`},
		{"email.dmarc", "bare.example", `Publish at _dmarc.bare.example: TXT "v=DMARC1; p=reject; rua=mailto:dmarc-reports@bare.example"`},
	} {
		before := read(c.check, c.domain)
		if before.Status == "pass" || !strings.Contains(strings.Join(before.Fix, "\n"), c.says) {
			t.Fatalf("%s %s: %s, fix %q; want a fix saying %q", c.domain, c.check, before.Status, before.Fix, c.says)
		}
		m := publishRE.FindStringSubmatch(before.Fix[0])
		if m == nil {
			t.Fatalf("%s %s: the fix names no record: %q", c.domain, c.check, before.Fix[0])
		}
		value, err := strconv.Unquote(m[2])
		if err != nil {
			t.Fatal(err)
		}
		// The fix's record replaces the check's own (the other TXT records
		// of the name stay).
		var kept []dnstest.Record
		for _, r := range zone[m[1]] {
			v := strings.ToLower(strings.Join(r.Value, ""))
			if !strings.HasPrefix(v, "v=spf1") && !strings.HasPrefix(v, "v=dmarc1") && !strings.HasPrefix(v, "v=dkim1") {
				kept = append(kept, r)
			}
		}
		zone[m[1]] = append(kept, dnstest.TXT(value))
		z.Set(zone)
		if after := read(c.check, c.domain); after.Status != "pass" || len(after.Fix) != 0 {
			t.Errorf("%s %s after publishing %s at %s: %s %q, fix %q", c.domain, c.check, value, m[1], after.Status, after.Findings, after.Fix)
		}
	}
	// A check that cannot be made has no fix.
	zone["_dmarc.slow.example"] = []dnstest.Record{{Timeout: true}}
	z.Set(zone)
	if r := read("email.dmarc", "slow.example"); r.Status != "unknown" || len(r.Fix) != 0 {
		t.Errorf("a DMARC record that could not be read: %s, fix %q", r.Status, r.Fix)
	}
}
