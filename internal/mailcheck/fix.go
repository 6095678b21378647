package mailcheck

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// The fixes say what to publish or change for a check to pass: the exact
// record, and where, when Safeguard can write it from what it read; what
// to ask of a mail service when only the service can give it (a DKIM
// key). A check that passes, or could not be made, has none.

// spfFix is what would make a domain's SPF record pass.
func spfFix(s *SPFRecord) []string {
	if s.Status == "pass" || s.Status == "unknown" {
		return nil
	}
	switch {
	case len(s.Records) > 1:
		return []string{fmt.Sprintf("Merge the %d SPF records at %s into one TXT record that begins \"v=spf1\" (RFC 7208 section 3.2).", len(s.Records), s.Domain)}
	case s.Record == "":
		return []string{fmt.Sprintf("Publish at %s: TXT \"v=spf1 mx -all\", with an include: (or ip4:, ip6:) for each service that sends mail as %s before -all.", s.Domain, s.Domain)}
	}
	terms := strings.Fields(s.Record)
	kept := []string{terms[0]}
	for _, t := range terms[1:] {
		if l := strings.ToLower(t); l == "all" || len(l) == 4 && strings.ContainsAny(l[:1], "+-~?") && l[1:] == "all" {
			continue
		}
		kept = append(kept, t)
	}
	return []string{fmt.Sprintf("Publish at %s: TXT %q in place of %q, once every service that sends mail as %s is listed in it.", s.Domain, strings.Join(append(kept, "-all"), " "), s.Record, s.Domain)}
}

// dmarcFix is what would make a domain's DMARC record pass: p=reject on
// every message, and aggregate reports somewhere that accepts them.
func dmarcFix(d *DMARCRecord) []string {
	if d.Status == "pass" || d.Status == "unknown" {
		return nil
	}
	org := orgDomain(d.Domain)
	if d.Record == "" || d.Policy == "" {
		return []string{fmt.Sprintf("Publish at _dmarc.%s: TXT \"v=DMARC1; p=reject; rua=mailto:dmarc-reports@%s\", once the aggregate reports show every service that sends mail as %s passing aligned SPF or DKIM (p=none until then, to collect them).", d.Domain, org, d.Domain)}
	}
	var out []string
	var tags []string
	hasRUA := false
	for _, part := range strings.Split(d.Record, ";") {
		part = strings.TrimSpace(part)
		name, v, _ := strings.Cut(part, "=")
		name, v = strings.ToLower(strings.TrimSpace(name)), strings.TrimSpace(v)
		switch {
		case part == "":
		case name == "p":
			tags = append(tags, "p=reject")
		case name == "pct" || name == "t" && v == "y" || name == "sp" && v == "none":
			// applied to every message, subdomains included
		case name == "rua":
			hasRUA = true
			tags = append(tags, part)
		default:
			tags = append(tags, part)
		}
	}
	if !hasRUA {
		tags = append(tags, "rua=mailto:dmarc-reports@"+org)
	}
	if rec := strings.Join(tags, "; "); rec != d.Record {
		out = append(out, fmt.Sprintf("Publish at %s: TXT %q in place of %q, once the aggregate reports show every service that sends mail as %s passing aligned SPF or DKIM.", d.At, rec, d.Record, d.Domain))
	}
	for _, dests := range [][]Dest{d.Aggregate, d.Failure} {
		for _, dest := range dests {
			if !dest.External || dest.Authorised {
				continue
			}
			_, host, _ := strings.Cut(strings.SplitN(strings.TrimPrefix(strings.ToLower(dest.URI), "mailto:"), "!", 2)[0], "@")
			out = append(out, fmt.Sprintf("Ask %s to publish at %s._report._dmarc.%s: TXT \"v=DMARC1\" (RFC 7489 section 7.1), or send the reports to an address in %s.", host, d.Domain, host, org))
		}
	}
	return out
}

// dkimFix is what would make a domain's DKIM keys pass.
func dkimFix(d *DKIM) []string {
	if d.Status == "pass" || d.Status == "unknown" {
		return nil
	}
	live := slices.ContainsFunc(d.Keys, func(k DKIMKey) bool { return !k.Revoked })
	if !live {
		return []string{fmt.Sprintf("Turn on DKIM signing at each service that sends mail as %s and publish the public key it gives at SELECTOR._domainkey.%s (a TXT record \"v=DKIM1; k=rsa; p=…\" of 2048 bits, or the CNAME the service names); then add the selector to the domain in the organisation's profile.", d.Domain, d.Domain)}
	}
	var out []string
	for _, k := range d.Keys {
		at := k.Selector + "._domainkey." + d.Domain
		switch {
		case k.Revoked || k.Status == "pass":
		case k.Type == "rsa" && k.Bits > 0 && k.Bits < 2048:
			out = append(out, fmt.Sprintf("Rotate the %d-bit key at %s to a 2048-bit RSA (or Ed25519) key from the signing service, and publish it there.", k.Bits, at))
		case k.Testing && k.Status == "warn":
			out = append(out, fmt.Sprintf("Publish at %s: TXT %q in place of the record in test mode.", at, withoutTestFlag(k.Record)))
		default:
			out = append(out, fmt.Sprintf("Publish at %s the key record exactly as the signing service gives it: the one there does not parse as a DKIM key.", at))
		}
	}
	return out
}

// withoutTestFlag is a DKIM key record without its t=y flag.
func withoutTestFlag(rec string) string {
	var tags []string
	for _, part := range strings.Split(rec, ";") {
		part = strings.TrimSpace(part)
		name, v, _ := strings.Cut(part, "=")
		if part == "" {
			continue
		}
		if strings.EqualFold(strings.TrimSpace(name), "t") {
			var flags []string
			for _, f := range strings.Split(strings.Join(strings.Fields(v), ""), ":") {
				if f != "y" && f != "" {
					flags = append(flags, f)
				}
			}
			if len(flags) == 0 {
				continue
			}
			part = "t=" + strings.Join(flags, ":")
		}
		tags = append(tags, part)
	}
	return strings.Join(tags, "; ")
}

// transportFix is what would make a domain's mail transport pass: STARTTLS
// with a valid certificate at every MX host, an MTA-STS policy in enforce
// mode covering them, and a TLS-RPT record. now dates a new policy's id.
func transportFix(t *Transport, now time.Time) []string {
	if t.Status == "pass" || t.Status == "unknown" && len(t.Hosts) == 0 {
		return nil
	}
	var out []string
	var hosts []string
	for _, h := range t.Hosts {
		hosts = append(hosts, h.Host)
		switch {
		case h.NoAddress:
			out = append(out, fmt.Sprintf("Publish an address (A or AAAA) for %s, or take it out of %s's MX records.", h.Host, t.Domain))
		case h.Error != "" && !h.StartTLS:
		case !h.StartTLS:
			out = append(out, fmt.Sprintf("Turn on STARTTLS at %s (RFC 3207), with a certificate from a public CA that names %s.", h.Host, h.Host))
		case !h.Verified:
			out = append(out, fmt.Sprintf("Install at %s a certificate from a public CA that names %s: the one it has does not verify.", h.Host, h.Host))
		case h.TLS == "TLS 1.0" || h.TLS == "TLS 1.1":
			out = append(out, fmt.Sprintf("Turn off TLS 1.0 and 1.1 at %s (RFC 8996): accept TLS 1.2 and 1.3.", h.Host))
		}
	}
	policy := func() string {
		var b strings.Builder
		b.WriteString("version: STSv1\nmode: enforce\n")
		for _, h := range hosts {
			fmt.Fprintf(&b, "mx: %s\n", h)
		}
		b.WriteString("max_age: 1209600\n")
		return b.String()
	}
	id := now.UTC().Format("20060102150405")
	policyAt := "https://mta-sts." + t.Domain + "/.well-known/mta-sts.txt"
	if m := t.MTASTS; m != nil && len(hosts) > 0 {
		switch {
		case m.Record == "":
			out = append(out,
				fmt.Sprintf("Publish at _mta-sts.%s: TXT \"v=STSv1; id=%s\".", t.Domain, id),
				fmt.Sprintf("Serve at %s, over HTTPS with a certificate for mta-sts.%s (RFC 8461 section 3.2; mode: testing first, until the TLS reports are clean):\n%s", policyAt, t.Domain, policy()))
		case m.Error != "" || m.Mode != "enforce" || len(m.Uncovered) > 0 || m.MaxAge < 86400:
			out = append(out,
				fmt.Sprintf("Serve at %s, over HTTPS with a certificate for mta-sts.%s:\n%s", policyAt, t.Domain, policy()),
				fmt.Sprintf("Then publish at _mta-sts.%s: TXT \"v=STSv1; id=%s\", so senders fetch the new policy.", t.Domain, id))
		}
	}
	if r := t.TLSRPT; r != nil && (r.Record == "" || !strings.Contains(strings.ToLower(r.Record), "rua=")) && len(hosts) > 0 {
		out = append(out, fmt.Sprintf("Publish at _smtp._tls.%s: TXT \"v=TLSRPTv1; rua=mailto:tls-reports@%s\".", t.Domain, orgDomain(t.Domain)))
	}
	return out
}
