package mailcheck

import (
	"context"
	"errors"
	"net"
	"net/url"
	"strings"
)

// BIMI is a domain's Brand Indicators for Message Identification record,
// at default._bimi.DOMAIN: reported, not required. Receivers that show
// the logo do so only for mail that passes a DMARC policy of quarantine
// or reject on all of it.
type BIMI struct {
	Domain   string   `json:"domain"`
	Record   string   `json:"record,omitempty"`
	Logo     string   `json:"logo,omitempty"`      // l=, an SVG over HTTPS
	Evidence string   `json:"authority,omitempty"` // a=, the mark certificate (VMC)
	Status   string   `json:"status"`              // info (none), pass, warn, unknown
	Findings []string `json:"findings"`
	Lookups  []Lookup `json:"lookups"`
}

// ReadBIMI reads domain's default BIMI record over r and says whether
// receivers could use it, given the domain's DMARC policy: a record with
// an HTTPS logo under an enforced policy passes; one under p=none (or
// with pct under 100), or whose logo is not an HTTPS address, warns; no
// record is reported as such (status info): BIMI is not required.
func ReadBIMI(ctx context.Context, r *Resolver, domain string, dmarc *DMARCRecord) *BIMI {
	out := &BIMI{Domain: domain, Findings: []string{}}
	defer func() { out.Lookups = r.Lookups() }()
	at := "default._bimi." + domain
	txts, err := r.LookupTXT(ctx, at)
	var de *net.DNSError
	switch {
	case errors.As(err, &de) && de.IsNotFound:
		out.Status = "info"
		out.Findings = append(out.Findings, "No BIMI record at "+at+": not required; receivers that support BIMI show no logo beside the domain's mail.")
		return out
	case err != nil:
		out.Status = "unknown"
		out.Findings = append(out.Findings, "The BIMI record could not be read: "+err.Error())
		return out
	}
	for _, t := range txts {
		if strings.HasPrefix(strings.ToLower(strings.TrimSpace(t)), "v=bimi1") {
			out.Record = t
		}
	}
	if out.Record == "" {
		out.Status = "info"
		out.Findings = append(out.Findings, "No BIMI record (\"v=BIMI1\") at "+at+": not required.")
		return out
	}
	for _, part := range strings.Split(out.Record, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			continue
		}
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "l":
			out.Logo = strings.TrimSpace(v)
		case "a":
			out.Evidence = strings.TrimSpace(v)
		}
	}
	out.Status = "pass"
	if u, err := url.Parse(out.Logo); out.Logo != "" && (err != nil || u.Scheme != "https") {
		out.Status = "warn"
		out.Findings = append(out.Findings, "The logo (l=) is not an HTTPS address: receivers fetch it only over HTTPS.")
	}
	enforced := dmarc != nil && (dmarc.Policy == "quarantine" || dmarc.Policy == "reject") && dmarc.Percent == 100
	if !enforced {
		out.Status = worse(out.Status, "warn")
		out.Findings = append(out.Findings, "A BIMI record is published, but the DMARC policy is not quarantine or reject on all mail: receivers show no logo until it is.")
	}
	if out.Status == "pass" {
		f := "A BIMI record with its logo, under an enforced DMARC policy."
		if out.Evidence == "" {
			f += " It names no mark certificate (a=): some receivers show the logo only with one."
		}
		out.Findings = append(out.Findings, f)
	}
	return out
}
