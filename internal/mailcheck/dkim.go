package mailcheck

import (
	"context"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	_ "embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"strings"
)

//go:embed dkim_selectors.json
var selectorsJSON []byte

// Provider is a mail provider's default DKIM selectors, with where it says so.
type Provider struct {
	Provider  string   `json:"provider"`
	Selectors []string `json:"selectors"`
	Source    string   `json:"source"`
	URL       string   `json:"url"`
}

// Providers are the big providers' default selectors (the list is data:
// dkim_selectors.json, each entry with its source).
func Providers() []Provider {
	var doc struct{ Providers []Provider }
	if err := json.Unmarshal(selectorsJSON, &doc); err != nil {
		panic("dkim_selectors.json: " + err.Error())
	}
	return doc.Providers
}

// DKIMKey is the key published at one selector (RFC 6376 section 3.6.1).
type DKIMKey struct {
	Selector string `json:"selector"`
	Provider string `json:"provider,omitempty"` // whose default selector it is
	Record   string `json:"record"`
	Type     string `json:"type"`           // rsa or ed25519
	Bits     int    `json:"bits,omitempty"` // an RSA key's size
	Revoked  bool   `json:"revoked"`        // p= empty
	Testing  bool   `json:"testing"`        // t=y
	Status   string `json:"status"`
	Finding  string `json:"finding"`
}

// DKIM is what a domain publishes for DKIM at the selectors tried.
type DKIM struct {
	Domain   string    `json:"domain"`
	Tried    []string  `json:"selectors_tried"`
	Keys     []DKIMKey `json:"keys"`
	Status   string    `json:"status"`
	Findings []string  `json:"findings"`
	Lookups  []Lookup  `json:"lookups"`
}

// ReadDKIM looks for DKIM keys at SELECTOR._domainkey.DOMAIN for the
// selectors the organisation names and the big providers' defaults, and
// judges each key found: RSA under 1024 bits fails (RFC 8301 section 3.2
// forbids them), under 2048 warns; Ed25519 (RFC 8463) passes; a key in
// test mode (t=y) warns; a revoked key (empty p=) is noted. No key at any
// selector fails, naming the selectors tried.
func ReadDKIM(ctx context.Context, r *Resolver, domain string, named []string) *DKIM {
	out := &DKIM{Domain: domain, Keys: []DKIMKey{}, Findings: []string{}}
	defer func() { out.Lookups = r.Lookups() }()
	provider := map[string]string{}
	for _, s := range named {
		s = strings.ToLower(strings.TrimSpace(s))
		if s != "" && !slices.Contains(out.Tried, s) {
			out.Tried = append(out.Tried, s)
		}
	}
	for _, p := range Providers() {
		for _, s := range p.Selectors {
			if !slices.Contains(out.Tried, s) {
				out.Tried = append(out.Tried, s)
				provider[s] = p.Provider
			}
		}
	}
	for _, sel := range out.Tried {
		txts, err := r.LookupTXT(ctx, sel+"._domainkey."+domain)
		var de *net.DNSError
		if errors.As(err, &de) && de.IsNotFound {
			continue
		}
		if err != nil {
			out.Status = worse(out.Status, "unknown")
			out.Findings = append(out.Findings, fmt.Sprintf("The DKIM record at %s._domainkey.%s could not be read: %v", sel, domain, err))
			continue
		}
		for _, rec := range txts {
			k := judgeKey(sel, rec)
			if k.Provider = provider[sel]; k.Provider != "" {
				k.Finding += " (" + k.Provider + "'s default selector)"
			}
			out.Keys = append(out.Keys, k)
			if !k.Revoked {
				out.Status = worse(out.Status, k.Status)
			}
			out.Findings = append(out.Findings, k.Finding)
		}
	}
	live := slices.ContainsFunc(out.Keys, func(k DKIMKey) bool { return !k.Revoked })
	if !live && out.Status != "unknown" {
		out.Status = "fail"
		out.Findings = append(out.Findings, fmt.Sprintf("No DKIM key at the selectors tried (%s): mail from %s cannot be DKIM-signed in a way receivers can verify, and DMARC rests on SPF alone. Name the selectors of the services that send as the domain.", strings.Join(out.Tried, ", "), domain))
	}
	return out
}

// judgeKey reads one key record's tags and judges the key.
func judgeKey(sel, rec string) DKIMKey {
	k := DKIMKey{Selector: sel, Record: rec, Type: "rsa"}
	at := sel + "._domainkey"
	tags := map[string]string{}
	for _, part := range strings.Split(rec, ";") {
		name, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		if ok {
			tags[strings.ToLower(strings.TrimSpace(name))] = strings.Join(strings.Fields(v), "")
		}
	}
	if v, ok := tags["v"]; ok && v != "DKIM1" {
		k.Status, k.Finding = "fail", fmt.Sprintf("%s: v=%s is not DKIM1 (RFC 6376 section 3.6.1): receivers ignore the record.", at, v)
		return k
	}
	if kt, ok := tags["k"]; ok {
		k.Type = strings.ToLower(kt)
	}
	for _, f := range strings.Split(tags["t"], ":") {
		if f == "y" {
			k.Testing = true
		}
	}
	p, ok := tags["p"]
	switch {
	case !ok:
		k.Status, k.Finding = "fail", at+": no p= public key (RFC 6376 section 3.6.1)."
		return k
	case p == "":
		k.Revoked, k.Status, k.Finding = true, "pass", at+": the key is revoked (empty p=, RFC 6376 section 3.6.1); the selector is not in use."
		return k
	}
	der, err := base64.StdEncoding.DecodeString(p)
	if err != nil {
		k.Status, k.Finding = "fail", at+": p= is not base64: "+err.Error()
		return k
	}
	switch k.Type {
	case "rsa":
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			if pk, err2 := x509.ParsePKCS1PublicKey(der); err2 == nil {
				pub, err = pk, nil
			}
		}
		rk, isRSA := pub.(*rsa.PublicKey)
		if err != nil || !isRSA {
			k.Status, k.Finding = "fail", at+": p= is not an RSA public key."
			return k
		}
		k.Bits = rk.N.BitLen()
		switch {
		case k.Bits < 1024:
			k.Status, k.Finding = "fail", fmt.Sprintf("%s: a %d-bit RSA key: RFC 8301 section 3.2 forbids keys under 1024 bits, and receivers fail them.", at, k.Bits)
		case k.Bits < 2048:
			k.Status, k.Finding = "warn", fmt.Sprintf("%s: a %d-bit RSA key: RFC 8301 section 3.2 asks signers for at least 2048 bits.", at, k.Bits)
		default:
			k.Status, k.Finding = "pass", fmt.Sprintf("%s: a %d-bit RSA key.", at, k.Bits)
		}
	case "ed25519":
		if len(der) != ed25519.PublicKeySize {
			k.Status, k.Finding = "fail", at+": p= is not an Ed25519 public key (RFC 8463)."
			return k
		}
		k.Status, k.Finding = "pass", at+": an Ed25519 key (RFC 8463)."
	default:
		k.Status, k.Finding = "fail", fmt.Sprintf("%s: k=%s is not a key type receivers know (RFC 6376 section 3.6.1, RFC 8463).", at, k.Type)
		return k
	}
	if k.Testing {
		k.Status = worse(k.Status, "warn")
		k.Finding += " It is in test mode (t=y): receivers may treat a failing signature as unsigned."
	}
	return k
}
