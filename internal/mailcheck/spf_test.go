package mailcheck_test

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/mailcheck/dnstest"
)

// A domain's SPF record, read from a real DNS server on loopback, judged
// by how it ends, every lookup listed; a resolver that does not answer
// makes the verdict unknown, saying so.
func TestReadSPF(t *testing.T) {
	z := dnstest.New(t)
	zone := map[string][]dnstest.Record{
		"strict.example":        {dnstest.TXT("v=spf1 include:_spf.provider.example -all"), dnstest.TXT("google-site-verification=abc")},
		"_spf.provider.example": {dnstest.TXT("v=spf1 ip4:198.51.100.0/24 -all")},
		"soft.example":          {dnstest.TXT("v=spf1 mx ~all")},
		"neutral.example":       {dnstest.TXT("v=spf1 a ?all")},
		"open.example":          {dnstest.TXT("v=spf1 +all")},
		"bare.example":          {dnstest.TXT("v=spf1 ip4:192.0.2.0/24")},
		"redirect.example":      {dnstest.TXT("v=spf1 redirect=strict.example")},
		"split.example":         {dnstest.TXT("v=spf1 ip4:192.0.2.1 ", "-all")}, // one record in two strings
		"two.example":           {dnstest.TXT("v=spf1 -all"), dnstest.TXT("v=spf1 ~all")},
		"none.example":          {dnstest.TXT("some other text")},
		"slow.example":          {dnstest.Record{Timeout: true}},
	}
	z.Set(zone)
	ctx := context.Background()
	for domain, want := range map[string]struct{ status, all, says string }{
		"strict.example":   {"pass", "-", `"-all"`},
		"soft.example":     {"warn", "~", `"~all"`},
		"neutral.example":  {"fail", "?", `"?all"`},
		"open.example":     {"fail", "+", `"+all"`},
		"bare.example":     {"fail", "", "no \"all\" and no redirect"},
		"redirect.example": {"pass", "", "redirect to strict.example"},
		"split.example":    {"pass", "-", `"-all"`},
		"two.example":      {"fail", "", "2 SPF records"},
		"none.example":     {"fail", "", "No SPF record"},
		"nowhere.example":  {"fail", "", "No SPF record"},
		"slow.example":     {"unknown", "", "could not be read"},
	} {
		r := &mailcheck.Resolver{Server: z.Addr, Timeout: dnstest.Timeout}
		got := mailcheck.ReadSPF(ctx, r, domain)
		if got.Status != want.status || got.All != want.all || !strings.Contains(strings.Join(got.Findings, " "), want.says) {
			t.Errorf("%s: %s, all %q, %q; want %s, %q, saying %q", domain, got.Status, got.All, got.Findings, want.status, want.all, want.says)
		}
		if len(got.Lookups) == 0 || got.Lookups[0].Name != domain || got.Lookups[0].Type != "TXT" {
			t.Errorf("%s: lookups %+v", domain, got.Lookups)
		}
	}
	if got := mailcheck.ReadSPF(ctx, &mailcheck.Resolver{Server: z.Addr}, "split.example"); got.Record != "v=spf1 ip4:192.0.2.1 -all" {
		t.Errorf("a record in two strings: %q", got.Record)
	}
}

// check_host() counts its DNS lookups as RFC 7208 4.6.4 asks: a chain of
// eleven includes is a permanent error, ten are not; every lookup is
// listed.
func TestCheckHostLookupLimit(t *testing.T) {
	z := dnstest.New(t)
	zone := map[string][]dnstest.Record{}
	chain := func(top string, n int) {
		for i := range n {
			next := fmt.Sprintf("%s-%d.example", top, i+1)
			if i == n-1 {
				zone[fmt.Sprintf("%s-%d.example", top, i)] = []dnstest.Record{dnstest.TXT("v=spf1 ip4:192.0.2.7 -all")}
				break
			}
			zone[fmt.Sprintf("%s-%d.example", top, i)] = []dnstest.Record{dnstest.TXT("v=spf1 include:" + next + " -all")}
		}
	}
	chain("ten", 11)    // the first record and ten includes
	chain("eleven", 12) // one include too many
	z.Set(zone)
	ctx := context.Background()
	r := &mailcheck.Resolver{Server: z.Addr, Timeout: dnstest.Timeout}
	if res, err := mailcheck.CheckHost(ctx, r, net.ParseIP("192.0.2.7"), "mail.example", "a@ten-0.example"); res != "pass" {
		t.Errorf("ten includes: %s (%v)", res, err)
	}
	if n := len(r.Lookups()); n != 11 {
		t.Errorf("ten includes: %d lookups listed, want 11 (the record and ten includes)", n)
	}
	r = &mailcheck.Resolver{Server: z.Addr, Timeout: dnstest.Timeout}
	if res, err := mailcheck.CheckHost(ctx, r, net.ParseIP("192.0.2.7"), "mail.example", "a@eleven-0.example"); res != "permerror" {
		t.Errorf("eleven includes: %s (%v), want permerror", res, err)
	}

	// The SPF check evaluates the whole record: eleven includes fail it,
	// ten do not; an include of a name without SPF, or three void
	// lookups, are permanent errors too.
	zone["broken.example"] = []dnstest.Record{dnstest.TXT("v=spf1 include:nothing-here.example -all")}
	zone["void.example"] = []dnstest.Record{dnstest.TXT("v=spf1 a:v1.example a:v2.example a:v3.example -all")}
	zone["senders.example"] = []dnstest.Record{dnstest.TXT("v=spf1 ip4:198.51.100.25 -all")}
	z.Set(zone)
	for domain, want := range map[string]struct{ status, says string }{
		"ten-0.example":    {"pass", "made 11 DNS queries and ended fail, within the limits"},
		"eleven-0.example": {"fail", "needs more than ten DNS-querying terms"},
		"broken.example":   {"fail", "ends in permerror"},
		"void.example":     {"fail", "more than two lookups that found nothing"},
	} {
		got := mailcheck.ReadSPF(ctx, &mailcheck.Resolver{Server: z.Addr, Timeout: dnstest.Timeout}, domain)
		if got.Status != want.status || !strings.Contains(strings.Join(got.Findings, " "), want.says) {
			t.Errorf("%s: %s %q; want %s saying %q", domain, got.Status, got.Findings, want.status, want.says)
		}
	}
	// The organisation's own senders (from the aggregate reports): one
	// listed passes, one not warns.
	got := mailcheck.ReadSPF(ctx, &mailcheck.Resolver{Server: z.Addr, Timeout: dnstest.Timeout}, "senders.example", "198.51.100.25", "198.51.100.77")
	if got.Status != "warn" || len(got.Senders) != 2 || got.Senders[0].Result != "pass" || got.Senders[1].Result != "fail" ||
		!strings.Contains(strings.Join(got.Findings, " "), "198.51.100.77 sends mail as senders.example by the DMARC aggregate reports, but SPF gives it fail") {
		t.Errorf("senders: %s %+v %q", got.Status, got.Senders, got.Findings)
	}
}

// Whether the resolver validated a domain's answers (its AD bit) is
// reported: validated passes, not validated warns, no answer is unknown.
func TestDNSSECReported(t *testing.T) {
	z := dnstest.New(t)
	z.Set(map[string][]dnstest.Record{
		"signed.example":   {dnstest.TXT("v=spf1 -all")},
		"unsigned.example": {dnstest.TXT("v=spf1 -all")},
		"slow.example":     {{Timeout: true}},
	})
	z.Sign("signed.example")
	for domain, want := range map[string]string{"signed.example": "pass", "unsigned.example": "warn", "slow.example": "unknown"} {
		rs := mailcheck.CheckDomain(context.Background(), z.Addr, dnstest.Timeout, mailcheck.Probe{Timeout: dnstest.Timeout}, domain, nil, nil)
		last := rs[len(rs)-2]
		if last.Check != "email.dnssec" || last.Status != want {
			t.Errorf("%s: %s %s %q, want %s", domain, last.Check, last.Status, last.Findings, want)
		}
	}
}
