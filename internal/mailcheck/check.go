package mailcheck

import (
	"context"
	"errors"
	"net"

	"time"

	"github.com/miekg/dns"
)

// Result is one check of one domain, as `safeguard email check --json`
// gives it: the domain, the check (email.spf, email.dmarc), its status
// (pass, warn, fail or unknown; info for what is reported, not required:
// no BIMI record), what was found, the record read and the lookups made.
type Result struct {
	Domain   string   `json:"domain"`
	Check    string   `json:"check"`
	Status   string   `json:"status"`
	Record   string   `json:"record,omitempty"`
	At       string   `json:"at,omitempty"`
	Findings []string `json:"findings"`
	// Fix says what to publish or change for the check to pass: the
	// exact record and where, when it can be written from what was read.
	Fix     []string `json:"fix"`
	Lookups []Lookup `json:"lookups"`
	Detail  any      `json:"detail"`
}

// CheckDomain runs the checks of one domain, each with a resolver of its
// own (so each lists its own lookups) asking server; the MX hosts are
// reached as probe says. senders are the domain's own sending hosts, where
// known, for check_host() to be evaluated for each.
func CheckDomain(ctx context.Context, server string, timeout time.Duration, probe Probe, domain string, selectors, senders []string) []Result {
	spf := ReadSPF(ctx, &Resolver{Server: server, Timeout: timeout}, domain, senders...)
	dmarc := ReadDMARC(ctx, &Resolver{Server: server, Timeout: timeout}, domain)
	dkim := ReadDKIM(ctx, &Resolver{Server: server, Timeout: timeout}, domain, selectors)
	tr := ReadTransport(ctx, &Resolver{Server: server, Timeout: timeout}, probe, domain)
	bimi := ReadBIMI(ctx, &Resolver{Server: server, Timeout: timeout}, domain, dmarc)
	return []Result{
		{Domain: domain, Check: "email.spf", Status: spf.Status, Record: spf.Record, At: domain, Findings: spf.Findings, Fix: orEmpty(spfFix(spf)), Lookups: spf.Lookups, Detail: spf},
		{Domain: domain, Check: "email.dmarc", Status: dmarc.Status, Record: dmarc.Record, At: dmarc.At, Findings: dmarc.Findings, Fix: orEmpty(dmarcFix(dmarc)), Lookups: dmarc.Lookups, Detail: dmarc},
		{Domain: domain, Check: "email.dkim", Status: dkim.Status, At: "_domainkey." + domain, Findings: dkim.Findings, Fix: orEmpty(dkimFix(dkim)), Lookups: dkim.Lookups, Detail: dkim},
		{Domain: domain, Check: "email.transport", Status: tr.Status, At: domain, Findings: tr.Findings, Fix: orEmpty(transportFix(tr, time.Now())), Lookups: tr.Lookups, Detail: tr},
		dnssec(domain, spf.Lookups),
		{Domain: domain, Check: "email.bimi", Status: bimi.Status, Record: bimi.Record, At: "default._bimi." + domain, Findings: bimi.Findings, Fix: []string{}, Lookups: bimi.Lookups, Detail: bimi},
	}
}

// orEmpty is fixes, or none as an empty list (for JSON).
func orEmpty(fixes []string) []string {
	if fixes == nil {
		return []string{}
	}
	return fixes
}

// dnssec reports whether the resolver validated the domain's answers with
// DNSSEC (its AD bit on the TXT lookup of the domain): reported, a
// warning when not, since a forged answer could then pass for the
// domain's own records. The resolver asked must validate for this to
// mean anything, which Safeguard cannot tell from outside.
func dnssec(domain string, lookups []Lookup) Result {
	res := Result{Domain: domain, Check: "email.dnssec", At: domain, Findings: []string{}, Fix: []string{}, Lookups: lookups}
	for _, l := range lookups {
		if l.Name != domain || l.Type != "TXT" {
			continue
		}
		switch {
		case l.Error != "" && l.Error != "not found":
			res.Status = "unknown"
			res.Findings = append(res.Findings, "The domain's records could not be read: "+l.Error)
		case l.Authenticated:
			res.Status = "pass"
			res.Findings = append(res.Findings, "The resolver validated "+domain+"'s answers with DNSSEC (the AD bit, RFC 4035 section 3.2.3).")
		default:
			res.Status = "warn"
			res.Findings = append(res.Findings, "The resolver did not say it validated "+domain+"'s answers with DNSSEC: either the zone is not signed, or the resolver does not validate (RFC 4035 section 3.2.3). Signed, a forged answer could not pass for the domain's records.")
			res.Fix = append(res.Fix, "Sign the zone of "+domain+" with DNSSEC at its DNS host and publish the DS record at its registrar; if it is signed, ask a resolver that validates.")
		}
		return res
	}
	res.Status = "unknown"
	res.Findings = append(res.Findings, "The domain was not looked up.")
	return res
}

// SystemResolver is the first name server of /etc/resolv.conf, HOST:PORT.
func SystemResolver() (string, error) {
	conf, err := dns.ClientConfigFromFile("/etc/resolv.conf")
	if err != nil {
		return "", err
	}
	if len(conf.Servers) == 0 {
		return "", errors.New("/etc/resolv.conf names no name server")
	}
	return net.JoinHostPort(conf.Servers[0], conf.Port), nil
}

// Unknown lists the checks whose verdict is unknown: the resolver did
// not answer, or answered with a failure.
func Unknown(rs []Result) []string {
	var out []string
	for _, r := range rs {
		if r.Status == "unknown" {
			out = append(out, r.Domain+" "+r.Check)
		}
	}
	return out
}
