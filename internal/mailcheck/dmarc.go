package mailcheck

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// DMARCRecord is a domain's DMARC policy as RFC 7489 section 6.3 reads
// it (with DMARCbis's np= and t= where a record has them), and the
// verdict on it.
type DMARCRecord struct {
	Domain string `json:"domain"`
	// At is where the record was found: _dmarc.DOMAIN, or the
	// organisational domain's when the domain has none (RFC 7489 6.6.3).
	At     string `json:"at,omitempty"`
	Record string `json:"record,omitempty"`
	Policy string `json:"policy,omitempty"` // p=: none, quarantine, reject
	// Subdomains is sp= (the policy for subdomains; p= when absent), and
	// NonExistent DMARCbis's np= for subdomains that do not exist.
	Subdomains  string   `json:"subdomain_policy,omitempty"`
	NonExistent string   `json:"nonexistent_policy,omitempty"`
	Percent     int      `json:"pct"`           // pct= (100 when absent)
	Testing     bool     `json:"testing"`       // DMARCbis t=y
	DKIMAlign   string   `json:"adkim"`         // r (relaxed, the default) or s (strict)
	SPFAlign    string   `json:"aspf"`          // r or s
	Aggregate   []Dest   `json:"rua,omitempty"` // where aggregate reports go
	Failure     []Dest   `json:"ruf,omitempty"` // where failure reports go
	Status      string   `json:"status"`        // pass, warn, fail, unknown
	Findings    []string `json:"findings"`
	Lookups     []Lookup `json:"lookups"`
}

// Dest is a report destination and whether it may receive the domain's
// reports: one in another organisational domain must say it accepts them
// (RFC 7489 section 7.1).
type Dest struct {
	URI        string `json:"uri"`
	External   bool   `json:"external"`
	Authorised bool   `json:"authorised"`
}

// ReadDMARC reads domain's DMARC record over r and judges it: p=reject
// passes; p=quarantine, or a policy applied to fewer than all messages
// (pct below 100, DMARCbis t=y), warns; p=none, no record, or a record
// that does not parse, fails. Report destinations in another
// organisational domain are checked for their authorisation record. A DNS
// failure makes the status unknown, saying so.
func ReadDMARC(ctx context.Context, r *Resolver, domain string) *DMARCRecord {
	out := &DMARCRecord{Domain: domain, Percent: 100, DKIMAlign: "r", SPFAlign: "r", Findings: []string{}}
	defer func() { out.Lookups = r.Lookups() }()
	say := func(status, f string, a ...any) {
		out.Status = worse(out.Status, status)
		out.Findings = append(out.Findings, fmt.Sprintf(f, a...))
	}
	org := orgDomain(domain)
	rec, at, err := dmarcAt(ctx, r, domain)
	if err == nil && rec == "" && org != domain {
		rec, at, err = dmarcAt(ctx, r, org)
	}
	switch {
	case err != nil:
		say("unknown", "The DMARC record of %s could not be read: %v", domain, err)
		return out
	case rec == "":
		say("fail", "No DMARC record at _dmarc.%s: receivers apply no policy to mail that fails SPF and DKIM alignment, and no one reports it (RFC 7489 section 6.1).", domain)
		return out
	}
	out.Record, out.At = rec, at
	tags, err := dmarcTags(rec)
	if err != nil {
		say("fail", "The DMARC record at %s does not parse: %v (RFC 7489 section 6.4), so receivers ignore it.", at, err)
		return out
	}
	out.Policy = tags["p"]
	out.Subdomains = cmp.Or(tags["sp"], out.Policy)
	out.NonExistent = tags["np"]
	if v, ok := tags["pct"]; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 100 {
			say("fail", "pct=%s is not a percentage (RFC 7489 section 6.3).", v)
		} else {
			out.Percent = n
		}
	}
	out.Testing = tags["t"] == "y"
	for _, a := range []struct {
		tag string
		to  *string
	}{{"adkim", &out.DKIMAlign}, {"aspf", &out.SPFAlign}} {
		if v, ok := tags[a.tag]; ok {
			if v != "r" && v != "s" {
				say("fail", "%s=%s: use r (relaxed) or s (strict) (RFC 7489 section 6.3).", a.tag, v)
				continue
			}
			*a.to = v
		}
	}
	switch out.Policy {
	case "reject":
		say("pass", "p=reject: receivers refuse mail that fails DMARC (RFC 7489 section 6.3).")
	case "quarantine":
		say("warn", "p=quarantine: mail that fails DMARC goes to spam, not away; p=reject is the goal once the aggregate reports show every sender aligned.")
	case "none":
		say("fail", "p=none: receivers only report mail that fails DMARC, and deliver it (RFC 7489 section 6.3); move to quarantine, then reject.")
	default:
		say("fail", "p=%q is not a DMARC policy: receivers ignore the record (RFC 7489 section 6.3).", out.Policy)
	}
	if out.Percent < 100 {
		say("warn", "pct=%d: the policy applies to %d%% of failing mail only.", out.Percent, out.Percent)
	}
	if out.Testing {
		say("warn", "t=y: the domain says its policy is being tested, and receivers may apply a lesser one (DMARCbis).")
	}
	if out.Subdomains == "none" && out.Policy != "none" {
		say("warn", "sp=none: mail from subdomains that fails DMARC is delivered.")
	}
	for _, d := range []struct {
		tag  string
		to   *[]Dest
		what string
	}{{"rua", &out.Aggregate, "aggregate"}, {"ruf", &out.Failure, "failure"}} {
		v, ok := tags[d.tag]
		if !ok {
			if d.tag == "rua" {
				say("warn", "No rua=: nobody receives the aggregate reports that show who sends mail as %s.", domain)
			}
			continue
		}
		for _, uri := range strings.Split(v, ",") {
			uri = strings.TrimSpace(uri)
			dest := Dest{URI: uri}
			u, err := url.Parse(uri)
			if err != nil || !strings.EqualFold(u.Scheme, "mailto") {
				say("fail", "%s=%s: report destinations are mailto: URIs (RFC 7489 section 6.2).", d.tag, uri)
				continue
			}
			addr := strings.SplitN(u.Opaque, "!", 2)[0] // a size limit follows "!"
			_, host, found := strings.Cut(addr, "@")
			if !found {
				say("fail", "%s=%s: not an email address.", d.tag, uri)
				continue
			}
			if orgDomain(host) != org {
				dest.External = true
				ok, err := externalAuthorised(ctx, r, domain, host)
				switch {
				case err != nil:
					say("unknown", "Whether %s accepts %s's %s reports could not be read: %v", host, domain, d.what, err)
				case ok:
					dest.Authorised = true
				default:
					say("warn", "%s does not say it accepts %s's %s reports (no \"v=DMARC1\" at %s._report._dmarc.%s, RFC 7489 section 7.1): receivers will not send them there.", host, domain, d.what, domain, host)
				}
			} else {
				dest.Authorised = true
			}
			*d.to = append(*d.to, dest)
		}
	}
	return out
}

// dmarcAt reads the DMARC record at _dmarc.domain: "" when there is none.
// More than one record is treated as none (RFC 7489 section 6.6.3).
func dmarcAt(ctx context.Context, r *Resolver, domain string) (string, string, error) {
	at := "_dmarc." + domain
	txts, err := r.LookupTXT(ctx, at)
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		return "", at, nil
	}
	if err != nil {
		return "", at, err
	}
	var recs []string
	for _, t := range txts {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(t)), "v=dmarc1") {
			recs = append(recs, t)
		}
	}
	if len(recs) != 1 {
		return "", at, nil
	}
	return recs[0], at, nil
}

// dmarcTags parses a record's tag=value pairs: v=DMARC1 first, then p=
// (RFC 7489 section 6.4).
func dmarcTags(rec string) (map[string]string, error) {
	tags := map[string]string{}
	for i, part := range strings.Split(rec, ";") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q is not a tag=value pair", part)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch {
		case i == 0 && (k != "v" || !strings.EqualFold(v, "DMARC1")):
			return nil, errors.New("it does not begin v=DMARC1")
		case k == "p" || k == "sp" || k == "np" || k == "adkim" || k == "aspf" || k == "t":
			v = strings.ToLower(v)
		}
		tags[k] = v
	}
	if _, ok := tags["p"]; !ok {
		return nil, errors.New("it has no p= policy")
	}
	return tags, nil
}

// externalAuthorised reports whether host publishes that it accepts
// domain's DMARC reports: a "v=DMARC1" record at
// domain._report._dmarc.host (RFC 7489 section 7.1).
func externalAuthorised(ctx context.Context, r *Resolver, domain, host string) (bool, error) {
	txts, err := r.LookupTXT(ctx, domain+"._report._dmarc."+host)
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	for _, t := range txts {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(t)), "v=dmarc1") {
			return true, nil
		}
	}
	return false, nil
}

// orgDomain is a domain's organisational domain: its registrable part by
// the Public Suffix List (RFC 7489 section 3.2).
func orgDomain(domain string) string {
	d := strings.TrimSuffix(strings.ToLower(domain), ".")
	if org, err := publicsuffix.EffectiveTLDPlusOne(d); err == nil {
		return org
	}
	return d
}

// worse is the worse of two statuses: fail, unknown, warn, pass ("" is
// none yet).
func worse(a, b string) string {
	rank := map[string]int{"": 0, "pass": 1, "warn": 2, "unknown": 3, "fail": 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}
