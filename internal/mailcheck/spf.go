package mailcheck

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"blitiri.com.ar/go/spf"
)

// CheckHost evaluates RFC 7208's check_host() for a message from ip that
// announced helo and the envelope sender, over r: "none", "neutral",
// "pass", "fail", "softfail", "temperror" or "permerror", with the
// reason when there is one. The ten-lookup and two-void-lookup limits of
// RFC 7208 section 4.6.4 apply; r lists the lookups made.
func CheckHost(ctx context.Context, r *Resolver, ip net.IP, helo, sender string) (string, error) {
	res, err := spf.CheckHostWithSender(ip, helo, sender, spf.WithResolver(r), spf.WithContext(ctx))
	return string(res), err
}

// SPFRecord is what a domain's SPF record says, read as RFC 7208 asks:
// the one TXT record that begins "v=spf1" (section 4.5: none, or more
// than one, is an error), and how it ends.
type SPFRecord struct {
	Domain string `json:"domain"`
	// Record is the SPF record; Records every TXT record that began
	// "v=spf1", when more than one did.
	Record  string   `json:"record,omitempty"`
	Records []string `json:"records,omitempty"`
	// All is the qualifier of the record's "all" mechanism ("-", "~",
	// "?" or "+"), "" when there is none (then Redirect may say where
	// the rest of the policy is).
	All      string `json:"all,omitempty"`
	Redirect string `json:"redirect,omitempty"`
	// Evaluation is check_host()'s result for an address no record lists,
	// which walks every include and redirect: "none", "fail", "permerror"…,
	// and Queries the DNS queries it made.
	Evaluation string `json:"check_host,omitempty"`
	Queries    int    `json:"check_host_queries,omitempty"`
	// Senders are the organisation's own sending hosts (from the DMARC
	// aggregate reports) with check_host()'s result for each.
	Senders  []SPFSender `json:"senders,omitempty"`
	Status   string      `json:"status"` // pass, warn, fail, unknown
	Findings []string    `json:"findings"`
	Lookups  []Lookup    `json:"lookups"`
}

// SPFSender is check_host()'s result for one of the domain's senders.
type SPFSender struct {
	IP     string `json:"ip"`
	Result string `json:"result"`
	Error  string `json:"error,omitempty"`
}

// unlisted is the address check_host() is evaluated for to walk a whole
// record: of the IPv6 documentation range (RFC 3849), which no record
// should list, so that every ip4 term is passed over and every include
// and redirect followed.
const unlisted = "2001:db8::5f"

// ReadSPF reads domain's SPF record over r and judges how it ends: "-all"
// passes; "~all" warns (mail that fails is only marked); "?all", "+all"
// and a missing "all" (without a redirect) fail, since they let anyone
// send as the domain; no record, or more than one, fails (RFC 7208 4.5).
// A DNS failure makes the status unknown, saying so.
func ReadSPF(ctx context.Context, r *Resolver, domain string, senders ...string) *SPFRecord {
	out := &SPFRecord{Domain: domain, Findings: []string{}}
	ev := &Resolver{Server: r.Server, Timeout: r.Timeout}
	defer func() { out.Lookups = append(r.Lookups(), ev.Lookups()...) }()
	txts, err := r.LookupTXT(ctx, domain)
	if err != nil {
		if de, ok := err.(*net.DNSError); ok && de.IsNotFound {
			out.Status = "fail"
			out.Findings = append(out.Findings, "No SPF record: nothing says which hosts may send mail as "+domain+" (RFC 7208 section 4.5).")
			return out
		}
		out.Status = "unknown"
		out.Findings = append(out.Findings, "The TXT records of "+domain+" could not be read: "+err.Error())
		return out
	}
	for _, t := range txts {
		if strings.EqualFold(t, "v=spf1") || len(t) > 6 && strings.EqualFold(t[:7], "v=spf1 ") {
			out.Records = append(out.Records, t)
		}
	}
	switch len(out.Records) {
	case 0:
		out.Status = "fail"
		out.Findings = append(out.Findings, "No SPF record: none of the TXT records of "+domain+" begins \"v=spf1\" (RFC 7208 section 4.5).")
		return out
	case 1:
		out.Record, out.Records = out.Records[0], nil
	default:
		out.Status = "fail"
		out.Findings = append(out.Findings, fmt.Sprintf("%d SPF records: RFC 7208 section 4.5 makes that a permanent error, and receivers treat the domain as having none.", len(out.Records)))
		return out
	}
	for _, term := range strings.Fields(out.Record)[1:] {
		lower := strings.ToLower(term)
		switch {
		case lower == "all" || len(lower) == 4 && strings.ContainsAny(lower[:1], "+-~?") && lower[1:] == "all":
			out.All = "+"
			if len(lower) == 4 {
				out.All = lower[:1]
			}
		case strings.HasPrefix(lower, "redirect="):
			out.Redirect = term[len("redirect="):]
		}
	}
	switch out.All {
	case "-":
		out.Status = "pass"
		out.Findings = append(out.Findings, "The record ends \"-all\": mail from any other host fails (RFC 7208 section 5.1).")
	case "~":
		out.Status = "warn"
		out.Findings = append(out.Findings, "The record ends \"~all\": mail from other hosts only soft-fails, and many receivers still deliver it; \"-all\" once every sender is listed.")
	case "?":
		out.Status = "fail"
		out.Findings = append(out.Findings, "The record ends \"?all\": it says nothing of other hosts (neutral, RFC 7208 section 8.2), so anyone may send as the domain.")
	case "+":
		out.Status = "fail"
		out.Findings = append(out.Findings, "The record ends \"+all\": every host on the internet passes as the domain (RFC 7208 section 8.3).")
	default:
		if out.Redirect != "" {
			out.Status = "pass"
			out.Findings = append(out.Findings, "The record ends with a redirect to "+out.Redirect+", whose record decides the rest (RFC 7208 section 6.1).")
			break
		}
		out.Status = "fail"
		out.Findings = append(out.Findings, "The record has no \"all\" and no redirect: mail from hosts it does not list is neutral (RFC 7208 section 4.7), so anyone may send as the domain.")
	}
	out.evaluate(ctx, ev, senders)
	return out
}

// evaluate runs check_host() over the whole record — for an address no
// record lists, which follows every include and redirect — to find what
// receivers find: the ten-lookup and two-void-lookup limits (RFC 7208
// section 4.6.4) and includes that do not resolve make it a permanent
// error, and the domain has, in effect, no SPF. Then for each of the
// organisation's senders.
func (out *SPFRecord) evaluate(ctx context.Context, ev *Resolver, senders []string) {
	say := func(status, f string, a ...any) {
		out.Status = worse(out.Status, status)
		out.Findings = append(out.Findings, fmt.Sprintf(f, a...))
	}
	res, err := CheckHost(ctx, ev, net.ParseIP(unlisted), out.Domain, "postmaster@"+out.Domain)
	out.Evaluation, out.Queries = res, len(ev.Lookups())
	switch {
	case errors.Is(err, spf.ErrLookupLimitReached):
		say("fail", "check_host() needs more than ten DNS-querying terms (include, a, mx, ptr, exists, redirect; RFC 7208 section 4.6.4): receivers stop with permerror, and the domain has, in effect, no SPF. Flatten the includes.")
	case errors.Is(err, spf.ErrVoidLookupLimitReached):
		say("fail", "check_host() met more than two lookups that found nothing (RFC 7208 section 4.6.4): receivers stop with permerror. Remove the terms that name nothing.")
	case res == "permerror":
		say("fail", "check_host() ends in permerror (%v): receivers treat the domain as having no usable SPF (RFC 7208 section 2.6.7).", err)
	case res == "temperror":
		say("unknown", "check_host() could not be evaluated to its end: %v (RFC 7208 section 2.6.6).", err)
	default:
		out.Findings = append(out.Findings, fmt.Sprintf("check_host() over the whole record (every include and redirect followed, for %s, which no record lists) made %d DNS queries and ended %s, within the limits of ten DNS-querying terms and two void lookups (RFC 7208 section 4.6.4).", unlisted, out.Queries, res))
	}
	for _, ip := range senders {
		addr := net.ParseIP(ip)
		if addr == nil {
			continue
		}
		sr := &Resolver{Server: ev.Server, Timeout: ev.Timeout}
		res, err := CheckHost(ctx, sr, addr, out.Domain, "postmaster@"+out.Domain)
		s := SPFSender{IP: ip, Result: res}
		if err != nil && res != "pass" && res != "fail" && res != "softfail" && res != "neutral" {
			s.Error = err.Error()
		}
		out.Senders = append(out.Senders, s)
		switch res {
		case "pass":
		case "temperror":
			say("unknown", "check_host() for %s, which sends mail as %s by the DMARC aggregate reports, could not be evaluated: %v.", ip, out.Domain, err)
		default:
			say("warn", "%s sends mail as %s by the DMARC aggregate reports, but SPF gives it %s: list it in the record (ip4:, ip6: or the include its provider names), or its mail rests on DKIM alone.", ip, out.Domain, res)
		}
	}
}
