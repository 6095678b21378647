package ingest

import (
	"cmp"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
)

// The reports of the TLS scanners IT runs: testssl.sh (--jsonfile, and
// --jsonfile-pretty) and sslyze (--json_out). They say what Go's TLS
// client cannot: whether SSLv2 and SSLv3 are refused, and the suites Go
// does not implement.
const (
	FormatTestSSL = "testssl"
	FormatSSLyze  = "sslyze"
)

// KindTLS is a format whose records are TLS endpoints' results.
const KindTLS Kind = "tls"

// MaxTLSEndpoints bounds the endpoints of one report.
const MaxTLSEndpoints = 20000

// TLSScan is one TLS scanner's report: the tool, its version, when it ran,
// and each endpoint's result judged by Safeguard's rules.
type TLSScan struct {
	Tool    string
	Version string
	At      time.Time // when the scan ran; zero when the report does not say
	Results []*tlscheck.Result
}

// testsslEntry is one line of testssl.sh's flat JSON.
type testsslEntry struct {
	ID       string `json:"id"`
	IP       string `json:"ip"`
	Port     string `json:"port"`
	Severity string `json:"severity"`
	Finding  string `json:"finding"`
}

// ReadTestSSL reads a testssl.sh JSON file: the flat list --jsonfile
// writes (one entry per finding, each naming its ip and port), or the
// document --jsonfile-pretty writes (scanResult, one per target). Each
// endpoint's result is judged against profile as of the scan.
func ReadTestSSL(file string, r io.Reader, profile *tlscheck.Profile) (_ *TLSScan, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	rep := &TLSScan{Tool: "testssl.sh"}
	targets := map[string]*testsslTarget{}
	var order []string
	add := func(at string, host, port string, e testsslEntry) error {
		key := host + "|" + port
		t, ok := targets[key]
		if !ok {
			if len(order) >= MaxTLSEndpoints {
				return errs.New(errs.TooLarge, fmt.Sprintf("%s has more than %d endpoints", file, MaxTLSEndpoints))
			}
			h, p, err := tlscheck.SplitEndpoint(hostPort(host, port))
			if err != nil {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: %s: %v", file, at, err))
			}
			t = &testsslTarget{res: newTLSResult(h, p, "testssl.sh")}
			targets[key] = t
			order = append(order, key)
		}
		return t.read(e)
	}
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(file, err, "")
	}
	switch tok {
	case json.Delim('['): // --jsonfile
		for i := 0; dec.More(); i++ {
			var e testsslEntry
			at := fmt.Sprintf("entry %d", i+1)
			if err := dec.Decode(&e); err != nil {
				return nil, jsonError(file, err, ", at "+at)
			}
			if e.ID == "" {
				return nil, errs.New(errs.Invalid, fmt.Sprintf(`%s: %s has no "id": not testssl.sh's JSON`, file, at))
			}
			host, _, _ := strings.Cut(e.IP, "/")
			if host == "" || e.Port == "" {
				continue // the run's own (scanTime, engine_problem), not an endpoint's
			}
			if err := add(at, host, e.Port, e); err != nil {
				return nil, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, jsonError(file, err, "")
		}
	case json.Delim('{'): // --jsonfile-pretty
		saw := false
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return nil, jsonError(file, err, "")
			}
			key, _ := t.(string)
			switch key {
			case "version":
				var v string
				if err := dec.Decode(&v); err != nil {
					return nil, jsonError(file, err, ", at version")
				}
				rep.Version = v
			case "startTime":
				var v any
				if err := dec.Decode(&v); err != nil {
					return nil, jsonError(file, err, ", at startTime")
				}
				if n, err := strconv.ParseInt(fmt.Sprint(v), 10, 64); err == nil && n > 0 {
					rep.At = time.Unix(n, 0).UTC()
				}
			case "scanResult":
				saw = true
				if err := eachElement(dec, file, "scanResult", func(at string) error {
					var target map[string]json.RawMessage
					if err := dec.Decode(&target); err != nil {
						return jsonError(file, err, ", at "+at)
					}
					var host, port string
					json.Unmarshal(target["targetHost"], &host)
					json.Unmarshal(target["port"], &port)
					if host == "" {
						var ip string
						json.Unmarshal(target["ip"], &ip)
						host, _, _ = strings.Cut(ip, "/")
					}
					if host == "" || port == "" {
						return errs.New(errs.Invalid, fmt.Sprintf(`%s: %s names no "targetHost" and "port"`, file, at))
					}
					var service string
					if json.Unmarshal(target["service"], &service) == nil && service != "" {
						if err := add(at, host, port, testsslEntry{ID: "service", Finding: service}); err != nil {
							return err
						}
					}
					for section, raw := range target {
						var entries []testsslEntry
						if len(raw) == 0 || raw[0] != '[' {
							continue
						}
						if err := json.Unmarshal(raw, &entries); err != nil {
							return jsonError(file, err, ", at "+at+"."+section)
						}
						for _, e := range entries {
							if e.ID == "" {
								continue
							}
							if err := add(at, host, port, e); err != nil {
								return err
							}
						}
					}
					return nil
				}); err != nil {
					return nil, err
				}
			default:
				if err := skipValue(dec); err != nil {
					return nil, jsonError(file, err, "")
				}
			}
		}
		if !saw {
			return nil, errs.New(errs.Invalid, file+` is not testssl.sh's JSON (no "scanResult")`)
		}
	default:
		return nil, errs.New(errs.Invalid, file+" is not testssl.sh's JSON: neither the list --jsonfile writes nor the document of --jsonfile-pretty")
	}
	if len(order) == 0 {
		return nil, errs.New(errs.Invalid, file+": testssl.sh's JSON names no endpoint")
	}
	at := rep.At
	if at.IsZero() {
		at = time.Now().UTC()
	}
	for _, key := range order {
		t := targets[key]
		t.finish(at, profile)
		rep.Results = append(rep.Results, t.res)
	}
	return rep, nil
}

func hostPort(host, port string) string {
	if strings.Contains(host, ":") && !strings.HasPrefix(host, "[") {
		return "[" + host + "]:" + port
	}
	return host + ":" + port
}

func newTLSResult(host, port, tool string) *tlscheck.Result {
	return &tlscheck.Result{Endpoint: hostPort(host, port), Source: tool, Versions: []tlscheck.Version{}, Ciphers: []tlscheck.Cipher{},
		Findings: []tlscheck.Finding{}, NotProbed: []tlscheck.NotProbe{}}
}

// testsslTarget gathers one endpoint's entries.
type testsslTarget struct {
	res      *tlscheck.Result
	cert     *tlscheck.Cert
	trust    string // cert_chain_of_trust: "" when not reported
	trustOK  bool
	nameOK   *bool
	http     bool
	hsts     *tlscheck.HSTS
	problem  string
	versions map[string]bool
}

// testsslVersions are testssl.sh's protocol ids, oldest first.
var testsslVersions = []struct{ id, name string }{
	{"SSLv2", "SSLv2"}, {"SSLv3", "SSLv3"}, {"TLS1", "TLSv1.0"}, {"TLS1_1", "TLSv1.1"}, {"TLS1_2", "TLSv1.2"}, {"TLS1_3", "TLSv1.3"},
}

// testsslCipherVersion maps the protocol of a cipher-<proto>_x<hex> id.
var testsslCipherVersion = map[string]string{"ssl2": "SSLv2", "ssl3": "SSLv3", "tls1": "TLSv1.0", "tls1_1": "TLSv1.1", "tls1_2": "TLSv1.2", "tls1_3": "TLSv1.3"}

var (
	testsslCipherID = regexp.MustCompile(`^cipher(?:-(ssl2|ssl3|tls1|tls1_1|tls1_2|tls1_3))?_x[0-9a-f]+$`)
	testsslMaxAge   = regexp.MustCompile(`=\s*(\d+)\s*s`)
	testsslKeySize  = regexp.MustCompile(`^(RSA|EC|ECDSA|DSA|Ed25519|EdDSA)\S*\s+(\d+)\s*bits?`)
)

func (t *testsslTarget) read(e testsslEntry) error {
	id := e.ID
	// A second certificate's entries are "cert_x <hostCert#2>": the first
	// one is judged, as a client without SNI preferences would see it.
	if base, suffix, ok := strings.Cut(id, " <"); ok {
		if !strings.HasPrefix(suffix, "hostCert#1") {
			return nil
		}
		id = base
	}
	f := strings.TrimSpace(e.Finding)
	for _, v := range testsslVersions {
		if id == v.id {
			if t.versions == nil {
				t.versions = map[string]bool{}
			}
			low := strings.ToLower(f)
			t.versions[v.name] = strings.HasPrefix(low, "offered") || strings.HasPrefix(low, "supported")
			return nil
		}
	}
	if m := testsslCipherID.FindStringSubmatch(id); m != nil {
		fields := strings.Fields(f)
		if len(fields) == 0 {
			return nil
		}
		name := fields[len(fields)-1]
		version := testsslCipherVersion[m[1]]
		if version == "" && (strings.HasPrefix(name, "TLS_AES_") || strings.HasPrefix(name, "TLS_CHACHA20_")) {
			version = "TLSv1.3"
		}
		if strings.HasPrefix(name, "TLS_") || strings.HasPrefix(name, "SSL_") {
			t.res.Ciphers = append(t.res.Ciphers, tlscheck.Cipher{Name: name, Version: version})
		}
		return nil
	}
	c := t.certificate()
	switch id {
	case "service":
		t.http = strings.HasPrefix(strings.ToUpper(f), "HTTP")
	case "scanProblem", "optimal_proto":
		// testssl.sh could not scan the endpoint ("Your OpenSSL cannot
		// connect"): said, for a report that holds nothing else of it.
		if strings.EqualFold(e.Severity, "FATAL") || strings.Contains(strings.ToLower(f), "cannot connect") {
			t.problem = f
		}
	case "cert":
		if x := testsslPEM(f); x != nil {
			d := tlscheck.DescribeCert([]*x509.Certificate{x}, "", x509.NewCertPool(), x.NotBefore)
			*c = *d
		}
	case "cert_commonName":
		if c.Subject == "" {
			c.Subject = "CN=" + f
		}
	case "cert_subjectAltName":
		if len(c.Names) == 0 && f != "--" && !strings.HasPrefix(f, "No SAN") {
			c.Names = strings.Fields(f)
		}
	case "cert_caIssuers":
		if c.Issuer == "" {
			c.Issuer = "CN=" + f
		}
	case "cert_keySize":
		if m := testsslKeySize.FindStringSubmatch(f); m != nil && c.KeyType == "" {
			c.KeyBits, _ = strconv.Atoi(m[2])
			switch strings.ToUpper(m[1]) {
			case "RSA":
				c.KeyType = "rsa"
			case "EC", "ECDSA":
				c.KeyType = "ecdsa"
				c.Curve = map[int]string{256: "prime256v1", 384: "secp384r1", 521: "secp521r1"}[c.KeyBits]
			case "ED25519", "EDDSA":
				c.KeyType = "ed25519"
			default:
				c.KeyType = strings.ToLower(m[1])
			}
		}
	case "cert_signatureAlgorithm":
		if c.Signature == "" {
			c.Signature = testsslSignature(f)
		}
	case "cert_notBefore":
		if at, err := time.Parse("2006-01-02 15:04", f); err == nil && c.NotBefore.IsZero() {
			c.NotBefore = at
		}
	case "cert_notAfter":
		if at, err := time.Parse("2006-01-02 15:04", f); err == nil && c.NotAfter.IsZero() {
			c.NotAfter = at
		}
	case "cert_chain_of_trust":
		// testssl.sh folds expiry into its verdict on the chain ("failed
		// (expired)."): Safeguard judges expiry apart, from the dates, so a
		// chain refused only for that is taken as trusted.
		low := strings.ToLower(f)
		t.trust = f
		t.trustOK = strings.EqualFold(e.Severity, "OK") || strings.HasPrefix(low, "passed") || strings.TrimRight(low, ". ") == "failed (expired)"
	case "cert_trust":
		ok := strings.EqualFold(e.Severity, "OK") || strings.HasPrefix(strings.ToLower(f), "ok")
		t.nameOK = &ok
	case "cert_ocspURL":
		if f != "--" && f != "" && len(c.OCSPServers) == 0 {
			c.OCSPServers = strings.Fields(f)
		}
	case "OCSP_stapling":
		switch low := strings.ToLower(f); {
		case strings.HasPrefix(low, "not offered"):
			t.res.OCSP = "not stapled"
		case strings.HasPrefix(low, "offered"):
			t.res.OCSP = "stapled"
		}
	case "HSTS":
		if strings.Contains(strings.ToLower(f), "not offered") {
			t.hsts = &tlscheck.HSTS{MaxAge: -1}
		}
	case "HSTS_time":
		h := t.hstsOf()
		if m := testsslMaxAge.FindStringSubmatch(f); m != nil {
			h.MaxAge, _ = strconv.ParseInt(m[1], 10, 64)
		}
		h.Header = "max-age=" + strconv.FormatInt(h.MaxAge, 10)
	case "HSTS_subdomains":
		t.hstsOf().IncludeSubDomains = strings.Contains(strings.ToLower(f), "includes")
	case "HSTS_preload":
		t.hstsOf().Preload = strings.Contains(f, "marked for preloading") && !strings.Contains(f, "NOT")
	}
	return nil
}

func (t *testsslTarget) certificate() *tlscheck.Cert {
	if t.cert == nil {
		t.cert = &tlscheck.Cert{}
	}
	return t.cert
}

func (t *testsslTarget) hstsOf() *tlscheck.HSTS {
	if t.hsts == nil {
		t.hsts = &tlscheck.HSTS{MaxAge: -1}
	}
	return t.hsts
}

// finish makes the endpoint's result of what its entries said, and
// judges it.
func (t *testsslTarget) finish(at time.Time, profile *tlscheck.Profile) {
	res := t.res
	res.At = at
	if len(t.versions) == 0 && len(res.Ciphers) == 0 && (t.cert == nil || t.cert.Subject == "" && t.cert.NotAfter.IsZero()) {
		// Nothing of the endpoint but, perhaps, why.
		res.Status, res.Error = tlscheck.Unknown, "testssl.sh: "+cmp.Or(t.problem, "the report holds no result of the endpoint")
		return
	}
	if len(t.versions) == 0 {
		res.NotProbed = append(res.NotProbed, tlscheck.NotProbe{What: "protocol versions", Why: "the report has none (testssl.sh was run without -p)"})
	}
	for _, v := range testsslVersions {
		if accepted, ok := t.versions[v.name]; ok {
			res.Versions = append(res.Versions, tlscheck.Version{Name: v.name, Accepted: accepted})
		}
	}
	if len(res.Ciphers) == 0 {
		res.NotProbed = append(res.NotProbed, tlscheck.NotProbe{What: "cipher suites", Why: "the report lists none (testssl.sh was run without -e or -E)"})
	}
	if c := t.cert; c != nil && (c.Subject != "" || !c.NotAfter.IsZero()) {
		c.Trusted = t.trustOK
		if t.trust != "" && !t.trustOK {
			c.TrustError = "testssl.sh: " + t.trust
			c.SelfSigned = c.SelfSigned || strings.Contains(strings.ToLower(t.trust), "self signed")
		}
		if t.nameOK != nil {
			c.NameMatches = *t.nameOK
		} else {
			c.NameMatches = true // not reported: not judged
		}
		res.Cert = c
		if res.OCSP == "not stapled" && len(c.OCSPServers) == 0 {
			res.OCSP = "no responder"
		}
	} else {
		res.NotProbed = append(res.NotProbed, tlscheck.NotProbe{What: "the certificate", Why: "the report has none (testssl.sh was run without -S)"})
	}
	if t.http {
		if t.hsts != nil {
			res.HSTS = t.hsts
		} else {
			res.NotProbed = append(res.NotProbed, tlscheck.NotProbe{What: "HSTS", Why: "the report has no HTTP headers (testssl.sh was run without -h)"})
		}
	}
	tlscheck.Judge(res, profile, at)
	if res.Cert == nil {
		dropFinding(res, "cert.missing") // not looked at, not missing
	}
}

func dropFinding(res *tlscheck.Result, id string) {
	kept := res.Findings[:0]
	for _, f := range res.Findings {
		if f.ID != id {
			kept = append(kept, f)
		}
	}
	res.Findings = kept
	res.Status = tlscheck.Pass
	for _, f := range res.Findings {
		res.Status = tlscheck.Worse(res.Status, f.Status)
	}
}

// testsslPEM reads the certificate testssl.sh writes on one line.
func testsslPEM(s string) *x509.Certificate {
	body := strings.TrimSpace(s)
	body = strings.TrimPrefix(body, "-----BEGIN CERTIFICATE-----")
	body, _, _ = strings.Cut(body, "-----END CERTIFICATE-----")
	der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(body), ""))
	if err != nil {
		return nil
	}
	x, err := x509.ParseCertificate(der)
	if err != nil {
		return nil
	}
	return x
}

// testsslSignature names testssl.sh's "SHA256 with RSA" as Mozilla does.
func testsslSignature(f string) string {
	low := strings.ToLower(f)
	hash := ""
	for _, h := range []string{"sha512", "sha384", "sha256", "sha1", "md5"} {
		if strings.Contains(low, h) {
			hash = h
			break
		}
	}
	switch {
	case strings.Contains(low, "ecdsa") && hash != "":
		return "ecdsa-with-" + strings.ToUpper(hash[:3]) + hash[3:]
	case strings.Contains(low, "pss"):
		return "rsassaPss"
	case strings.Contains(low, "rsa") && hash != "":
		return hash + "WithRSAEncryption"
	case strings.Contains(low, "ed25519"):
		return "ED25519"
	}
	return f
}

// pemCert reads one PEM certificate.
func pemCert(s string) *x509.Certificate {
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		return nil
	}
	x, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		return nil
	}
	return x
}
