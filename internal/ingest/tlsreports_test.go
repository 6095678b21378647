package ingest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
)

func intermediate(t testing.TB) *tlscheck.Profile {
	p, err := tlscheck.LoadProfile("intermediate")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func readTLS(t *testing.T, format, name string) *ingest.TLSScan {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ff, _ := ingest.FormatByID(format)
	rep, err := ff.TLS(name, f, intermediate(t))
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func statuses(r *tlscheck.Result) map[string]string {
	m := map[string]string{}
	for _, f := range r.Findings {
		m[f.ID] = f.Status
	}
	return m
}

// expiry is what depends on the day a test runs, not on the file.
func expiry(id string) bool { return id == "cert.expiring" || id == "cert.expired" }

func accepted(r *tlscheck.Result) []string {
	var out []string
	for _, v := range r.Versions {
		if v.Accepted {
			out = append(out, v.Name)
		}
	}
	return out
}

// testssl.sh's flat JSON of two loopback servers it scanned (-p -e -S -h):
// one configured as Mozilla's intermediate profile, one weak (TLS 1.0 and
// 1.1, 3DES, a self-signed certificate, no HSTS). Each is judged by the
// rules of Safeguard's own probe.
func TestReadTestSSL(t *testing.T) {
	rep := readTLS(t, ingest.FormatTestSSL, "testssl-loopback.json")
	if rep.Tool != "testssl.sh" || len(rep.Results) != 2 {
		t.Fatalf("%s: %d results", rep.Tool, len(rep.Results))
	}
	strong, weak := rep.Results[0], rep.Results[1]
	if strong.Endpoint != "127.0.0.1:32809" || weak.Endpoint != "127.0.0.1:43601" {
		t.Fatalf("endpoints %s, %s", strong.Endpoint, weak.Endpoint)
	}
	if got := accepted(strong); !slices.Equal(got, []string{"TLSv1.2", "TLSv1.3"}) || len(strong.Versions) != 6 {
		t.Errorf("strong versions: %v of %v", got, strong.Versions)
	}
	if len(strong.Ciphers) != 6 || strong.Cert == nil || !strong.Cert.Trusted || !strong.Cert.NameMatches || strong.Cert.KeyType != "ecdsa" ||
		strong.Cert.Signature != "ecdsa-with-SHA256" || strong.HSTS == nil || strong.HSTS.MaxAge != 63072000 || !strong.HSTS.IncludeSubDomains {
		t.Errorf("strong: %d ciphers, cert %+v, HSTS %+v", len(strong.Ciphers), strong.Cert, strong.HSTS)
	}
	for id, st := range statuses(strong) {
		if (st == "fail" || st == "warn") && !expiry(id) {
			t.Errorf("strong endpoint: %s %s", id, st)
		}
	}
	w := statuses(weak)
	for _, id := range []string{"protocol.TLSv1.0", "protocol.TLSv1.1", "cipher.TLS_RSA_WITH_3DES_EDE_CBC_SHA", "cert.untrusted", "hsts.missing"} {
		if w[id] != "fail" {
			t.Errorf("weak endpoint: %s is %q, want fail (%v)", id, w[id], w)
		}
	}
	if w["cipher.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"] != "warn" || w["protocol.TLSv1.3"] != "info" || weak.Status != "fail" {
		t.Errorf("weak endpoint: %s %v", weak.Status, w)
	}
	if !weak.Cert.SelfSigned || !strings.Contains(weak.Cert.TrustError, "self signed") {
		t.Errorf("the self-signed certificate: %+v", weak.Cert)
	}
	for _, r := range rep.Results {
		if r.Source != "testssl.sh" || r.Profile != "intermediate" {
			t.Errorf("%s: source %q, profile %q", r.Endpoint, r.Source, r.Profile)
		}
	}

	// --jsonfile-pretty of the weak server (-p -S -h): the same verdicts,
	// and the suites said not to be in the report.
	pretty := readTLS(t, ingest.FormatTestSSL, "testssl-pretty.json")
	if len(pretty.Results) != 1 || pretty.Results[0].Endpoint != "127.0.0.1:43601" || pretty.At.IsZero() || pretty.Version != "3.0.8  from " {
		t.Fatalf("pretty: %+v", pretty)
	}
	p := pretty.Results[0]
	ps := statuses(p)
	for _, id := range []string{"protocol.TLSv1.0", "protocol.TLSv1.1", "cert.untrusted", "hsts.missing"} {
		if ps[id] != "fail" {
			t.Errorf("pretty: %s is %q", id, ps[id])
		}
	}
	if len(p.Ciphers) != 0 || !slices.ContainsFunc(p.NotProbed, func(n tlscheck.NotProbe) bool { return n.What == "cipher suites" }) {
		t.Errorf("pretty: ciphers %v, not probed %v", p.Ciphers, p.NotProbed)
	}
	if !p.At.Equal(pretty.At) {
		t.Errorf("judged at %s, the scan started %s", p.At, pretty.At)
	}

	// An endpoint testssl.sh could not scan is unknown, saying why, never
	// passed on nothing.
	rep, err := ingest.ReadTestSSL("cannot.json", strings.NewReader(`[{"id":"optimal_proto","ip":"vpn.example/192.0.2.1","port":"443","severity":"WARN","finding":"Your OpenSSL cannot connect to vpn.example:443."},
		{"id":"service","ip":"mail.example/192.0.2.2","port":"993","severity":"INFO","finding":"IMAP"}]`), intermediate(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Results) != 2 || rep.Results[0].Status != "unknown" || !strings.Contains(rep.Results[0].Error, "cannot connect") ||
		rep.Results[1].Status != "unknown" || !strings.Contains(rep.Results[1].Error, "no result of the endpoint") {
		t.Errorf("endpoints testssl.sh did not scan: %+v %+v", rep.Results[0], rep.Results[1])
	}
}

// sslyze's JSON (built from sslyze 6's schema): SSLv3 accepted with RC4,
// which Go's client cannot see, and a server sslyze could not reach.
func TestReadSSLyze(t *testing.T) {
	rep := readTLS(t, ingest.FormatSSLyze, "sslyze-portal.json")
	if rep.Tool != "sslyze" || rep.Version != "6.1.0" || len(rep.Results) != 2 || !rep.At.Equal(time.Date(2026, 12, 6, 9, 0, 41, 0, time.UTC)) {
		t.Fatalf("%+v", rep)
	}
	portal, vpn := rep.Results[0], rep.Results[1]
	s := statuses(portal)
	for id, want := range map[string]string{
		"protocol.SSLv3": "fail", "protocol.TLSv1.0": "fail", "cipher.TLS_RSA_WITH_RC4_128_SHA": "fail", "cert.untrusted": "fail",
		"cipher.TLS_DHE_RSA_WITH_AES_128_GCM_SHA256": "warn", "cipher.TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA": "warn", "hsts.max-age": "warn",
		"protocol.TLSv1.3": "info", "ocsp.staple": "info",
	} {
		if s[id] != want {
			t.Errorf("portal: %s is %q, want %q", id, s[id], want)
		}
	}
	if _, ok := s["cert.name"]; ok || portal.Status != "fail" || portal.Endpoint != "portal.riverside.example:443" {
		t.Errorf("portal: %s %s %v", portal.Endpoint, portal.Status, s)
	}
	if c := portal.Cert; c == nil || c.KeyType != "ecdsa" || c.Curve != "prime256v1" || c.Signature != "ecdsa-with-SHA256" || !c.SelfSigned ||
		!slices.Equal(c.Names, []string{"portal.riverside.example"}) || c.NotAfter.Sub(c.NotBefore) < 396*24*time.Hour {
		t.Errorf("portal certificate: %+v", c)
	}
	if s["cert.lifespan"] != "warn" { // 397 days, longer than the profile's 366
		t.Errorf("lifespan: %v", s)
	}
	if vpn.Endpoint != "vpn.riverside.example:10443" || vpn.Status != "unknown" || !strings.Contains(vpn.Error, "timed out") || len(vpn.Findings) != 0 {
		t.Errorf("vpn: %+v", vpn)
	}
}

// What is not a report of these tools is refused, naming the file and
// what is wrong.
func TestTLSReportsRefused(t *testing.T) {
	p := intermediate(t)
	for _, c := range []struct {
		read func(string, *bytes.Reader) error
		in   string
		want string
	}{
		{func(n string, r *bytes.Reader) error { _, err := ingest.ReadTestSSL(n, r, p); return err }, `[]`, "names no endpoint"},
		{func(n string, r *bytes.Reader) error { _, err := ingest.ReadTestSSL(n, r, p); return err }, `{"version": "3.2"}`, `no "scanResult"`},
		{func(n string, r *bytes.Reader) error { _, err := ingest.ReadTestSSL(n, r, p); return err }, `"text"`, "neither the list"},
		{func(n string, r *bytes.Reader) error { _, err := ingest.ReadTestSSL(n, r, p); return err }, `[{"id": "TLS1", "ip": "a/1.2.3.4", "port": "443"`, "truncated"},
		{func(n string, r *bytes.Reader) error { _, err := ingest.ReadTestSSL(n, r, p); return err }, `[{"ip": "a/1.2.3.4", "port": "443"}]`, `no "id"`},
		{func(n string, r *bytes.Reader) error { _, err := ingest.ReadTestSSL(n, r, p); return err }, `[{"id": "TLS1", "ip": "a b/1.2.3.4", "port": "443"}]`, "entry 1"},
		{func(n string, r *bytes.Reader) error { _, err := ingest.ReadSSLyze(n, r, p); return err }, `{"sslyze_version": "6"}`, `no "server_scan_results"`},
		{func(n string, r *bytes.Reader) error { _, err := ingest.ReadSSLyze(n, r, p); return err }, `{"server_scan_results": [{"server_location": {}}]}`, "names no hostname"},
		{func(n string, r *bytes.Reader) error { _, err := ingest.ReadSSLyze(n, r, p); return err }, `{"server_scan_results": [{"server_location": {"hostname": "a", "port": 443}, "scan_result": {"tls_1_2_cipher_suites": {"status": "COMPLETED", "result": {"is_tls_version_supported": "yes"}}}}]}`, "tls_1_2_cipher_suites"},
	} {
		err := c.read("scan.json", bytes.NewReader([]byte(c.in)))
		if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "scan.json") || !strings.Contains(errs.Message(err), c.want) {
			t.Errorf("%s: %v, want an error saying %q", c.in, err, c.want)
		}
	}
}

func FuzzReadTestSSL(f *testing.F) {
	for _, name := range []string{"testssl-loopback.json", "testssl-pretty.json"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`[{"id":"cert_keySize","ip":"h/1","port":"1","finding":"RSA 99999999999999999999 bits"}]`))
	p := intermediate(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := ingest.ReadTestSSL("fuzz.json", bytes.NewReader(b), p)
		if err == nil && len(rep.Results) == 0 {
			t.Error("a report without results")
		}
	})
}

func FuzzReadSSLyze(f *testing.F) {
	b, err := os.ReadFile(filepath.Join("testdata", "sslyze-portal.json"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Add([]byte(`{"server_scan_results":[{"server_location":{"hostname":"x","port":"1"},"connectivity_status":"ERROR"}]}`))
	p := intermediate(f)
	f.Fuzz(func(t *testing.T, b []byte) {
		rep, err := ingest.ReadSSLyze("fuzz.json", bytes.NewReader(b), p)
		if err == nil {
			for _, r := range rep.Results {
				if r.Status == "" {
					t.Errorf("%s: no status", r.Endpoint)
				}
			}
		}
	})
}
