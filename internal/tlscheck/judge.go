package tlscheck

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Judge adds the findings of what res shows against the profile, and the
// endpoint's status: the worst of its findings' (pass with none). A
// probe's result is judged as it is made; an imported report's, as it is
// read, by the same rules.
func Judge(res *Result, p *Profile, now time.Time) {
	res.Profile = p.Name
	add := func(id, status, reason, format string, args ...any) {
		res.Findings = append(res.Findings, Finding{ID: id, Status: status, Detail: fmt.Sprintf(format, args...), Reason: reason})
	}
	cite := p.cite()

	// Protocol versions.
	allowed := 0
	for _, v := range res.Versions {
		switch {
		case v.Accepted && deprecated(v.Name):
			add("protocol."+v.Name, Fail, "RFC 8996 (TLS 1.0 and 1.1 deprecated), RFC 7568 (SSL 3.0); "+cite+" allows "+strings.Join(p.TLSVersions, ", "),
				"%s is accepted.", v.Name)
		case v.Accepted && !p.allowsVersion(v.Name):
			add("protocol."+v.Name, Warn, cite+" allows "+strings.Join(p.TLSVersions, ", "), "%s is accepted; the %s profile does not use it.", v.Name, p.Name)
		case v.Accepted:
			allowed++
		case p.allowsVersion(v.Name):
			add("protocol."+v.Name, Info, cite+" uses "+strings.Join(p.TLSVersions, ", "), "%s is not accepted.", v.Name)
		}
	}
	if allowed == 0 && len(res.Versions) > 0 {
		add("protocol.none", Fail, cite+" uses "+strings.Join(p.TLSVersions, ", "), "None of the profile's versions (%s) is accepted.", strings.Join(p.TLSVersions, ", "))
	}

	// Cipher suites below TLS 1.3 (TLS 1.3's three are all in both profiles).
	seen := map[string]bool{}
	for _, c := range res.Ciphers {
		if c.Version == "TLSv1.3" || seen[c.Name] {
			continue
		}
		seen[c.Name] = true
		switch {
		case weakCipher(c.Name):
			add("cipher."+c.Name, Fail, "RFC 7465 (RC4), RFC 9325 section 4.1 (NULL, export, 3DES and other suites under 128 bits); "+cite,
				"%s is accepted (%s): it offers no real protection.", c.Name, c.Version)
		case !p.allowsCipher(c.Name):
			why := ""
			switch {
			case !strings.Contains(c.Name, "ECDHE"):
				why = ": RSA key exchange, without forward secrecy (RFC 9325 section 4.1: SHOULD NOT)"
			case strings.Contains(c.Name, "_CBC_"):
				why = ": CBC mode (RFC 9325 section 4.2 recommends AEAD suites)"
			}
			add("cipher."+c.Name, Warn, cite+" lists "+orNone(p.Ciphers), "%s is accepted (%s)%s; the %s profile does not list it.", c.Name, c.Version, why, p.Name)
		}
	}

	// The certificate.
	c := res.Cert
	if c == nil && len(res.Versions) > 0 {
		add("cert.missing", Fail, "RFC 8446 section 4.4.2", "No certificate was presented.")
	}
	if c != nil {
		switch {
		case now.After(c.NotAfter):
			add("cert.expired", Fail, "RFC 5280 section 4.1.2.5", "The certificate expired on %s.", c.NotAfter.Format(time.DateOnly))
		case now.Before(c.NotBefore):
			add("cert.not-yet-valid", Fail, "RFC 5280 section 4.1.2.5", "The certificate is not valid until %s.", c.NotBefore.Format(time.DateOnly))
		case c.NotAfter.Sub(now) < ExpiryWarning:
			add("cert.expiring", Warn, "Renew at least 30 days before expiry", "The certificate expires on %s, in %d days.", c.NotAfter.Format(time.DateOnly), int(c.NotAfter.Sub(now).Hours()/24))
		}
		if !c.Trusted {
			what := "The certificate's chain does not lead to a trusted CA"
			if c.SelfSigned {
				what = "The certificate is self-signed"
			}
			add("cert.untrusted", Fail, "RFC 5280 section 6 (path validation); trust a private CA with --ca-file", "%s: %s.", what, c.TrustError)
		}
		if !c.NameMatches {
			add("cert.name", Fail, "RFC 6125 section 6; RFC 9525", "The certificate is not for %s: it names %s.", hostOf(res.Endpoint), orNone(c.Names))
		}
		switch {
		case c.KeyType == "rsa" && c.KeyBits < 2048:
			add("cert.key", Fail, "NIST SP 800-131A Rev. 2 (RSA under 2048 bits disallowed); "+cite, "The certificate's RSA key has %d bits.", c.KeyBits)
		case !slices.Contains(p.CertificateTypes, c.KeyType):
			add("cert.key", Warn, cite+" uses "+strings.Join(p.CertificateTypes, ", ")+" certificates", "The certificate's key is %s; the %s profile does not use it.", c.KeyType, p.Name)
		case c.KeyType == "rsa" && p.RSAKeySize > 0 && c.KeyBits < p.RSAKeySize:
			add("cert.key", Warn, cite, "The certificate's RSA key has %d bits; the profile asks for %d.", c.KeyBits, p.RSAKeySize)
		case c.KeyType == "ecdsa" && !slices.Contains(p.CertificateCurves, c.Curve):
			add("cert.key", Warn, cite+" uses "+strings.Join(p.CertificateCurves, ", "), "The certificate's key is on %s.", c.Curve)
		}
		switch {
		case strings.Contains(strings.ToLower(c.Signature), "sha1") || strings.Contains(strings.ToLower(c.Signature), "md5"):
			add("cert.signature", Fail, "NIST SP 800-131A Rev. 2 (SHA-1 signatures disallowed); CA/Browser Forum Baseline Requirements 7.1.3", "The certificate is signed with %s.", c.Signature)
		case !slices.Contains(p.CertificateSignatures, c.Signature):
			add("cert.signature", Warn, cite+" lists "+strings.Join(p.CertificateSignatures, ", "), "The certificate is signed with %s.", c.Signature)
		}
		if days := int(c.NotAfter.Sub(c.NotBefore).Hours() / 24); p.MaxLifespanDays > 0 && days > p.MaxLifespanDays {
			add("cert.lifespan", Warn, cite+" (maximum certificate lifespan)", "The certificate is valid for %d days; the profile's longest is %d.", days, p.MaxLifespanDays)
		}
	}

	// OCSP stapling, where the certificate has a responder to staple from.
	switch {
	case res.OCSP == "not stapled" && p.OCSPStaple:
		add("ocsp.staple", Warn, cite+" (OCSP stapling); RFC 6066 section 8", "The certificate names an OCSP responder, but no OCSP response was stapled.")
	case res.OCSP == "no responder":
		add("ocsp.staple", Info, "RFC 6066 section 8", "The certificate names no OCSP responder, so there is nothing to staple.")
	}

	// HSTS on HTTPS.
	if h := res.HSTS; h != nil {
		min := int64(p.HSTSMinAge)
		switch {
		case h.Error != "":
			add("hsts.unread", Warn, "RFC 6797 section 6.1", "HSTS could not be read: %s.", h.Error)
		case h.Header == "":
			add("hsts.missing", Fail, "RFC 6797 section 6.1; "+cite+" (HSTS max-age "+fmt.Sprint(min)+")", "The HTTPS answer has no Strict-Transport-Security header: a first visit over HTTP can be downgraded.")
		case h.MaxAge <= 0:
			add("hsts.max-age", Fail, "RFC 6797 section 6.1.1", "Strict-Transport-Security %q has no positive max-age.", h.Header)
		case h.MaxAge < min:
			add("hsts.max-age", Warn, cite+" (HSTS max-age "+fmt.Sprint(min)+")", "HSTS max-age is %d seconds (%d days); the profile asks for %d (%d days).", h.MaxAge, h.MaxAge/86400, min, min/86400)
		}
	}

	res.Status = Pass
	for _, f := range res.Findings {
		res.Status = Worse(res.Status, f.Status)
	}
}

// weakCipher reports suites with no real protection: RC4, NULL, export
// and 3DES.
func weakCipher(name string) bool {
	for _, w := range []string{"_RC4_", "_NULL_", "_EXPORT", "_3DES_", "_DES_", "_DES40_", "_anon_"} {
		if strings.Contains(name, w) {
			return true
		}
	}
	return false
}

// Worse returns the worse of two statuses (fail, then warn, then unknown,
// then pass; info judges nothing).
func Worse(a, b string) string {
	rank := map[string]int{Info: 0, Pass: 1, Unknown: 2, Warn: 3, Fail: 4}
	if rank[b] > rank[a] {
		return b
	}
	return a
}

func hostOf(endpoint string) string {
	h, _, err := SplitEndpoint(endpoint)
	if err != nil {
		return endpoint
	}
	return h
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
