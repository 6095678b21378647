package ingest

import (
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
)

// sslyzeServer is one of sslyze's server_scan_results (sslyze 5 and 6).
type sslyzeServer struct {
	Location struct {
		Hostname string          `json:"hostname"`
		Port     json.RawMessage `json:"port"`
		IP       string          `json:"ip_address"`
	} `json:"server_location"`
	Connectivity      string                         `json:"connectivity_status"`
	ConnectivityError string                         `json:"connectivity_error_trace"`
	ScanResult        map[string]sslyzeCommandResult `json:"scan_result"`
}

type sslyzeCommandResult struct {
	Status string          `json:"status"`
	Result json.RawMessage `json:"result"`
}

type sslyzeSuites struct {
	Supported bool `json:"is_tls_version_supported"`
	Accepted  []struct {
		Suite struct {
			Name string `json:"name"`
		} `json:"cipher_suite"`
	} `json:"accepted_cipher_suites"`
}

type sslyzeCertInfo struct {
	Deployments []struct {
		Chain []struct {
			PEM       string `json:"as_pem"`
			NotBefore string `json:"not_valid_before"`
			NotAfter  string `json:"not_valid_after"`
			// sslyze 6 writes the times with their zone under these.
			NotBeforeUTC string `json:"not_valid_before_utc"`
			NotAfterUTC  string `json:"not_valid_after_utc"`
			Subject      struct {
				RFC4514 string `json:"rfc4514_string"`
			} `json:"subject"`
			Issuer struct {
				RFC4514 string `json:"rfc4514_string"`
			} `json:"issuer"`
			SAN struct {
				DNS []string `json:"dns"`
				IP  []string `json:"ip_addresses"`
			} `json:"subject_alternative_name"`
			Signature struct {
				Name string `json:"name"`
			} `json:"signature_algorithm_oid"`
			Key struct {
				Algorithm string `json:"algorithm"`
				Size      int    `json:"key_size"`
				Curve     string `json:"ec_curve_name"`
			} `json:"public_key"`
		} `json:"received_certificate_chain"`
		NameMatches *bool `json:"leaf_certificate_subject_matches_hostname"`
		Validation  []struct {
			OK    bool   `json:"was_validation_successful"`
			Error string `json:"openssl_error_string"`
		} `json:"path_validation_results"`
		OCSP json.RawMessage `json:"ocsp_response"`
	} `json:"certificate_deployments"`
}

type sslyzeHeaders struct {
	HSTS *struct {
		MaxAge            *int64 `json:"max_age"`
		Preload           bool   `json:"preload"`
		IncludeSubdomains bool   `json:"include_subdomains"`
	} `json:"strict_transport_security_header"`
	Error string `json:"http_error_trace"`
}

// sslyzeVersions are sslyze's scan commands per protocol version.
var sslyzeVersions = []struct{ command, name string }{
	{"ssl_2_0_cipher_suites", "SSLv2"}, {"ssl_3_0_cipher_suites", "SSLv3"}, {"tls_1_0_cipher_suites", "TLSv1.0"},
	{"tls_1_1_cipher_suites", "TLSv1.1"}, {"tls_1_2_cipher_suites", "TLSv1.2"}, {"tls_1_3_cipher_suites", "TLSv1.3"},
}

// ReadSSLyze reads sslyze's JSON (--json_out): each server's result,
// judged against profile as of the scan.
func ReadSSLyze(file string, r io.Reader, profile *tlscheck.Profile) (_ *TLSScan, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	rep := &TLSScan{Tool: "sslyze"}
	saw := false
	var servers []sslyzeServer
	err = topLevel(dec, file, "sslyze's JSON", func(key string) error {
		switch key {
		case "sslyze_version":
			return dec.Decode(&rep.Version)
		case "date_scans_completed", "date_scans_started":
			var v string
			if err := dec.Decode(&v); err != nil {
				return jsonError(file, err, ", at "+key)
			}
			if at, ok := sslyzeTime(v); ok && (key == "date_scans_completed" || rep.At.IsZero()) {
				rep.At = at
			}
			return nil
		case "server_scan_results":
			saw = true
			return eachElement(dec, file, key, func(at string) error {
				var s sslyzeServer
				if err := dec.Decode(&s); err != nil {
					return jsonError(file, err, ", at "+at)
				}
				if len(servers) >= MaxTLSEndpoints {
					return errs.New(errs.TooLarge, fmt.Sprintf("%s has more than %d endpoints", file, MaxTLSEndpoints))
				}
				if s.Location.Hostname == "" && s.Location.IP == "" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.server_location names no hostname", file, at))
				}
				servers = append(servers, s)
				return nil
			})
		}
		return skipValue(dec)
	})
	if err != nil {
		return nil, err
	}
	if !saw {
		return nil, errs.New(errs.Invalid, file+` is not sslyze's JSON (no "server_scan_results")`)
	}
	at := rep.At
	if at.IsZero() {
		at = time.Now().UTC()
	}
	for i, s := range servers {
		res, err := sslyzeResult(file, i, &s, at, profile)
		if err != nil {
			return nil, err
		}
		rep.Results = append(rep.Results, res)
	}
	return rep, nil
}

func sslyzeResult(file string, i int, s *sslyzeServer, at time.Time, profile *tlscheck.Profile) (*tlscheck.Result, error) {
	host := s.Location.Hostname
	if host == "" {
		host = s.Location.IP
	}
	port := strings.Trim(string(s.Location.Port), `"`)
	if port == "" || port == "null" {
		port = "443"
	}
	h, p, err := tlscheck.SplitEndpoint(hostPort(host, port))
	if err != nil {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: server_scan_results[%d]: %v", file, i, err))
	}
	res := newTLSResult(h, p, "sslyze")
	res.At = at
	if s.Connectivity != "" && s.Connectivity != "COMPLETED" {
		res.Status = tlscheck.Unknown
		res.Error = "sslyze could not connect (" + s.Connectivity + ")"
		if line := lastLine(s.ConnectivityError); line != "" {
			res.Error += ": " + line
		}
		return res, nil
	}
	decode := func(command string, into any) (bool, error) {
		c, ok := s.ScanResult[command]
		if !ok || c.Status != "COMPLETED" || len(c.Result) == 0 || string(c.Result) == "null" {
			return false, nil
		}
		if err := json.Unmarshal(c.Result, into); err != nil {
			return false, jsonError(file, err, fmt.Sprintf(", at server_scan_results[%d].scan_result.%s", i, command))
		}
		return true, nil
	}
	for _, v := range sslyzeVersions {
		var suites sslyzeSuites
		ok, err := decode(v.command, &suites)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue
		}
		res.Versions = append(res.Versions, tlscheck.Version{Name: v.name, Accepted: suites.Supported})
		for _, a := range suites.Accepted {
			res.Ciphers = append(res.Ciphers, tlscheck.Cipher{Name: a.Suite.Name, Version: v.name})
		}
	}
	if len(res.Versions) == 0 {
		res.NotProbed = append(res.NotProbed, tlscheck.NotProbe{What: "protocol versions and cipher suites", Why: "the report has no cipher suite scans"})
	}
	var info sslyzeCertInfo
	ok, err := decode("certificate_info", &info)
	if err != nil {
		return nil, err
	}
	if ok && len(info.Deployments) > 0 && len(info.Deployments[0].Chain) > 0 {
		d := info.Deployments[0]
		c := sslyzeCert(d.Chain[0].PEM, at)
		leaf := d.Chain[0]
		if c == nil {
			c = &tlscheck.Cert{Subject: leaf.Subject.RFC4514, Issuer: leaf.Issuer.RFC4514, Signature: leaf.Signature.Name, KeyBits: leaf.Key.Size}
			c.Names = append(append(c.Names, leaf.SAN.DNS...), leaf.SAN.IP...)
			c.NotBefore, _ = sslyzeTime(firstOf(leaf.NotBeforeUTC, leaf.NotBefore))
			c.NotAfter, _ = sslyzeTime(firstOf(leaf.NotAfterUTC, leaf.NotAfter))
			switch alg := strings.ToLower(leaf.Key.Algorithm); {
			case strings.Contains(alg, "rsa"):
				c.KeyType = "rsa"
			case strings.Contains(alg, "elliptic") || strings.Contains(alg, "ec"):
				c.KeyType = "ecdsa"
				c.Curve = map[string]string{"secp256r1": "prime256v1"}[leaf.Key.Curve]
				if c.Curve == "" {
					c.Curve = leaf.Key.Curve
				}
			case strings.Contains(alg, "ed25519"):
				c.KeyType = "ed25519"
			default:
				c.KeyType = alg
			}
		}
		c.Chain = nil
		for _, x := range d.Chain {
			c.Chain = append(c.Chain, firstOf(x.Subject.RFC4514, "(unnamed)"))
		}
		c.Trusted, c.TrustError = false, ""
		var why []string
		for _, v := range d.Validation {
			if v.OK {
				c.Trusted = true
			} else if v.Error != "" {
				why = append(why, v.Error)
			}
		}
		if !c.Trusted {
			c.TrustError = "sslyze: " + firstOf(strings.Join(why, "; "), "no trust store validated the chain")
			c.SelfSigned = c.SelfSigned || strings.Contains(strings.ToLower(c.TrustError), "self signed") || strings.Contains(strings.ToLower(c.TrustError), "self-signed")
		}
		c.NameMatches = d.NameMatches == nil || *d.NameMatches
		res.Cert = c
		switch {
		case len(d.OCSP) > 0 && string(d.OCSP) != "null":
			res.OCSP = "stapled"
		case len(c.OCSPServers) == 0:
			res.OCSP = "no responder"
		default:
			res.OCSP = "not stapled"
		}
	} else {
		res.NotProbed = append(res.NotProbed, tlscheck.NotProbe{What: "the certificate", Why: "the report has no certificate_info scan"})
	}
	var headers sslyzeHeaders
	if ok, err := decode("http_headers", &headers); err != nil {
		return nil, err
	} else if ok && headers.Error == "" {
		h := &tlscheck.HSTS{MaxAge: -1}
		if x := headers.HSTS; x != nil {
			parts := []string{}
			if x.MaxAge != nil {
				h.MaxAge = *x.MaxAge
				parts = append(parts, "max-age="+strconv.FormatInt(*x.MaxAge, 10))
			}
			if x.IncludeSubdomains {
				parts = append(parts, "includeSubDomains")
			}
			if x.Preload {
				parts = append(parts, "preload")
			}
			h.Header = firstOf(strings.Join(parts, "; "), "(present, no directives)")
			h.IncludeSubDomains, h.Preload = x.IncludeSubdomains, x.Preload
		}
		res.HSTS = h
	}
	tlscheck.Judge(res, profile, at)
	if res.Cert == nil {
		dropFinding(res, "cert.missing")
	}
	return res, nil
}

// sslyzeCert describes the leaf from its PEM, when it is there.
func sslyzeCert(pemText string, at time.Time) *tlscheck.Cert {
	x := pemCert(pemText)
	if x == nil {
		return nil
	}
	return tlscheck.DescribeCert([]*x509.Certificate{x}, "", x509.NewCertPool(), at)
}

// sslyzeTime reads sslyze's times: RFC 3339, or without a zone (UTC).
func sslyzeTime(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}
