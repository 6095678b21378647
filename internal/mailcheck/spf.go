package mailcheck

import (
	"context"
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
	All      string   `json:"all,omitempty"`
	Redirect string   `json:"redirect,omitempty"`
	Status   string   `json:"status"` // pass, warn, fail, unknown
	Findings []string `json:"findings"`
	Lookups  []Lookup `json:"lookups"`
}

// ReadSPF reads domain's SPF record over r and judges how it ends: "-all"
// passes; "~all" warns (mail that fails is only marked); "?all", "+all"
// and a missing "all" (without a redirect) fail, since they let anyone
// send as the domain; no record, or more than one, fails (RFC 7208 4.5).
// A DNS failure makes the status unknown, saying so.
func ReadSPF(ctx context.Context, r *Resolver, domain string) *SPFRecord {
	out := &SPFRecord{Domain: domain, Findings: []string{}}
	defer func() { out.Lookups = r.Lookups() }()
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
	return out
}
