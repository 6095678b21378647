package tlscheck_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/tlscheck"
	"github.com/safeguard-health/safeguard/internal/tlscheck/tlstest"
)

// A test network of loopback TLS servers, each under a name, configured
// strong or weak as the name says.
type network struct {
	ca      *tlstest.CA
	names   map[string]string
	servers []*tlstest.Server
}

func newNetwork(t *testing.T) *network {
	t.Helper()
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	n := &network{ca: ca, names: map[string]string{}}
	t.Cleanup(func() {
		for _, s := range n.servers {
			s.Close()
		}
	})
	return n
}

// serve starts a server for endpoint (name:port) with the leaf and
// config; hsts non-nil makes it HTTPS.
func (n *network) serve(t *testing.T, endpoint string, leaf tlstest.Leaf, cfg *tls.Config, hsts *string) {
	t.Helper()
	host, _, _ := net.SplitHostPort(endpoint)
	if leaf.Names == nil {
		leaf.Names = []string{host}
	}
	cert, err := n.ca.Issue(leaf)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Certificates = []tls.Certificate{cert}
	s, err := tlstest.Serve(cfg, hsts)
	if err != nil {
		t.Fatal(err)
	}
	n.servers = append(n.servers, s)
	n.names[endpoint] = s.Addr
}

func (n *network) options() tlscheck.Options {
	return tlscheck.Options{Roots: n.ca.Pool, Timeout: 5 * time.Second, Dial: tlstest.Dialer(n.names)}
}

// strong is Mozilla's intermediate configuration.
func strong() *tls.Config {
	return &tls.Config{MinVersion: tls.VersionTLS12, CipherSuites: []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,
		tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
		tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256, tls.TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256}}
}

func str(s string) *string { return &s }

const twoYears = "max-age=63072000; includeSubDomains"

func findings(r *tlscheck.Result, status string) []string {
	var out []string
	for _, f := range r.Findings {
		if f.Status == status {
			out = append(out, f.ID)
		}
	}
	return out
}

func has(list []string, id string) bool {
	for _, x := range list {
		if x == id {
			return true
		}
	}
	return false
}

// Each server, strong and weak, gets the verdict its configuration
// deserves, for the reason the profile or the RFC gives.
func TestVerdicts(t *testing.T) {
	n := newNetwork(t)
	n.serve(t, "portal.test:443", tlstest.Leaf{}, strong(), str(twoYears))
	n.serve(t, "rsa.test:443", tlstest.Leaf{RSABits: 2048}, strong(), str(twoYears))
	n.serve(t, "old.test:993", tlstest.Leaf{RSABits: 2048}, &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS10}, nil)
	n.serve(t, "rc4.test:8443", tlstest.Leaf{RSABits: 2048}, &tls.Config{MaxVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_RSA_WITH_RC4_128_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA, tls.TLS_RSA_WITH_AES_128_GCM_SHA256}}, str(twoYears))
	n.serve(t, "expired.test:443", tlstest.Leaf{NotBefore: time.Now().AddDate(0, -4, 0)}, strong(), str(twoYears))
	n.serve(t, "expiring.test:443", tlstest.Leaf{NotBefore: time.Now().AddDate(0, 0, -80)}, strong(), str(twoYears))
	n.serve(t, "selfsigned.test:443", tlstest.Leaf{SelfSigned: true}, strong(), str(twoYears))
	n.serve(t, "wrongname.test:443", tlstest.Leaf{Names: []string{"other.test"}}, strong(), str(twoYears))
	n.serve(t, "nohsts.test:443", tlstest.Leaf{}, strong(), str(""))
	n.serve(t, "shorthsts.test:443", tlstest.Leaf{}, strong(), str("max-age=86400"))
	n.serve(t, "weakkey.test:443", tlstest.Leaf{RSABits: 1024}, strong(), str(twoYears))
	n.serve(t, "sha1.test:443", tlstest.Leaf{RSABits: 2048, SHA1: true}, strong(), str(twoYears))
	n.serve(t, "ocsp.test:443", tlstest.Leaf{OCSP: []string{"http://ocsp.test"}}, strong(), str(twoYears))
	n.serve(t, "long.test:443", tlstest.Leaf{Lifetime: 800 * 24 * time.Hour}, strong(), str(twoYears))

	for _, c := range []struct {
		endpoint string
		status   string
		fail     []string
		warn     []string
	}{
		{"portal.test:443", "pass", nil, nil},
		{"rsa.test:443", "pass", nil, nil},
		{"old.test:993", "fail", []string{"protocol.TLSv1.0", "protocol.none"}, []string{"cipher.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA"}},
		{"rc4.test:8443", "fail", []string{"cipher.TLS_RSA_WITH_RC4_128_SHA", "cipher.TLS_RSA_WITH_3DES_EDE_CBC_SHA"}, []string{"cipher.TLS_RSA_WITH_AES_128_GCM_SHA256"}},
		{"expired.test:443", "fail", []string{"cert.expired"}, nil},
		{"expiring.test:443", "warn", nil, []string{"cert.expiring"}},
		{"selfsigned.test:443", "fail", []string{"cert.untrusted"}, nil},
		{"wrongname.test:443", "fail", []string{"cert.name"}, nil},
		{"nohsts.test:443", "fail", []string{"hsts.missing"}, nil},
		{"shorthsts.test:443", "warn", nil, []string{"hsts.max-age"}},
		{"weakkey.test:443", "fail", []string{"cert.key"}, nil},
		{"sha1.test:443", "fail", []string{"cert.signature", "cert.untrusted"}, nil},
		{"ocsp.test:443", "warn", nil, []string{"ocsp.staple"}},
		{"long.test:443", "warn", nil, []string{"cert.lifespan"}},
	} {
		t.Run(c.endpoint, func(t *testing.T) {
			r := tlscheck.Check(context.Background(), c.endpoint, n.options())
			if r.Status != c.status {
				t.Errorf("status %s, want %s: %+v", r.Status, c.status, r.Findings)
			}
			fails, warns := findings(r, "fail"), findings(r, "warn")
			for _, id := range c.fail {
				if !has(fails, id) {
					t.Errorf("no failing %s in %v", id, fails)
				}
			}
			for _, id := range c.warn {
				if !has(warns, id) {
					t.Errorf("no warning %s in %v", id, warns)
				}
			}
			if c.status == "pass" && (len(fails) > 0 || len(warns) > 0) {
				t.Errorf("a strong endpoint has findings: %v %v", fails, warns)
			}
			for _, f := range r.Findings {
				if f.Reason == "" || f.Detail == "" {
					t.Errorf("finding %s without its reason or detail", f.ID)
				}
			}
		})
	}

	// What the strong portal shows, in detail.
	r := tlscheck.Check(context.Background(), "portal.test", n.options())
	if r.Endpoint != "portal.test:443" || r.Cert == nil || r.Cert.KeyType != "ecdsa" || r.Cert.Curve != "prime256v1" || !r.Cert.Trusted || !r.Cert.NameMatches ||
		r.Cert.Signature != "ecdsa-with-SHA256" || r.HSTS == nil || r.HSTS.MaxAge != 63072000 || !r.HSTS.IncludeSubDomains || r.OCSP != "no responder" {
		t.Errorf("the portal: %+v %+v %+v", r, r.Cert, r.HSTS)
	}
	var accepted []string
	for _, v := range r.Versions {
		if v.Accepted {
			accepted = append(accepted, v.Name)
		}
	}
	if strings.Join(accepted, " ") != "TLSv1.2 TLSv1.3" {
		t.Errorf("versions accepted: %v", accepted)
	}
	var ciphers []string
	for _, c := range r.Ciphers {
		if c.Version == "TLSv1.2" {
			ciphers = append(ciphers, c.Name)
		}
	}
	if len(ciphers) != 3 { // the ECDSA suites of the six; the RSA ones need an RSA certificate
		t.Errorf("TLS 1.2 suites: %v", ciphers)
	}
	if len(r.NotProbed) == 0 || !strings.Contains(r.NotProbed[0].What, "SSLv3") {
		t.Errorf("what Go cannot probe is not said: %+v", r.NotProbed)
	}
	if b, err := json.Marshal(r); err != nil || !strings.Contains(string(b), `"endpoint":"portal.test:443","status":"pass"`) {
		t.Errorf("JSON: %v %s", err, b)
	}

	// The modern profile wants TLS 1.3 alone and ECDSA certificates.
	modern, _ := tlscheck.LoadProfile("modern")
	o := n.options()
	o.Profile = modern
	r = tlscheck.Check(context.Background(), "rsa.test:443", o)
	if w := findings(r, "warn"); r.Status != "warn" || !has(w, "protocol.TLSv1.2") || !has(w, "cert.key") || !has(w, "cipher.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256") {
		t.Errorf("RSA server under modern: %s %v", r.Status, r.Findings)
	}

	// Without the organisation's CA, its certificates are not trusted.
	o = n.options()
	o.Roots = nil
	if r := tlscheck.Check(context.Background(), "portal.test:443", o); !has(findings(r, "fail"), "cert.untrusted") {
		t.Errorf("a private CA trusted without being named: %v", r.Findings)
	}
}

// An endpoint that cannot be reached is unknown, saying why, not failed
// on a guess; nor is one that does not speak TLS.
func TestUnreached(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	go func() {
		for {
			c, err := plain.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("220 mail.test ESMTP\r\n"))
			c.Close()
		}
	}()
	o := tlscheck.Options{Timeout: 2 * time.Second, Dial: tlstest.Dialer(map[string]string{"closed.test:443": closed, "plain.test:25": plain.Addr().String()})}
	for endpoint, want := range map[string]string{
		"closed.test:443":  "could not connect",
		"plain.test:25":    "no TLS version Go speaks",
		"missing.test:443": "no such host",
		"bad:port":         "not a number",
		"https://":         "not an endpoint",
	} {
		r := tlscheck.Check(context.Background(), endpoint, o)
		if r.Status != "unknown" || !strings.Contains(r.Error, want) {
			t.Errorf("%s: %s %q, want unknown saying %q", endpoint, r.Status, r.Error, want)
		}
	}
}

// A scan of many endpoints runs at most its workers at once and reports
// each endpoint once.
func TestScanBounded(t *testing.T) {
	n := newNetwork(t)
	var endpoints []string
	for i := range 40 {
		e := "host" + string(rune('a'+i%26)) + string(rune('a'+i/26)) + ".test:443"
		endpoints = append(endpoints, e)
	}
	for _, e := range endpoints[:5] {
		n.serve(t, e, tlstest.Leaf{}, strong(), str(twoYears))
	}
	// The rest share one server under their own names (wrong names).
	for _, e := range endpoints[5:] {
		n.names[e] = n.names[endpoints[0]]
	}
	var mu sync.Mutex
	active, peak := 0, 0
	o := n.options()
	dial := o.Dial
	count := func(delta int) {
		mu.Lock()
		active += delta
		peak = max(peak, active)
		mu.Unlock()
	}
	o.Dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
		c, err := dial(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		count(1)
		return &counted{Conn: c, done: func() { count(-1) }}, nil
	}
	seen := map[string]string{}
	tlscheck.Scan(context.Background(), endpoints, o, 3, func(r *tlscheck.Result) {
		seen[r.Endpoint] = r.Status
	})
	mu.Lock()
	most := peak
	mu.Unlock()
	if most > 3 || most == 0 {
		t.Errorf("%d connections open at once with 3 workers", most)
	}
	if len(seen) != len(endpoints) {
		t.Fatalf("%d results for %d endpoints", len(seen), len(endpoints))
	}
	passes := 0
	for _, st := range seen {
		if st == "pass" {
			passes++
		}
	}
	if passes != 5 {
		t.Errorf("%d endpoints pass, want the 5 with their own certificates: %v", passes, seen)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	unknown := 0
	tlscheck.Scan(ctx, endpoints, o, 3, func(r *tlscheck.Result) {
		if r.Status == "unknown" {
			unknown++
		}
	})
	if unknown != len(endpoints) {
		t.Errorf("a cancelled scan: %d of %d unknown", unknown, len(endpoints))
	}
}

func TestParseHSTS(t *testing.T) {
	for header, want := range map[string]tlscheck.HSTS{
		"max-age=31536000; includeSubDomains; preload": {MaxAge: 31536000, IncludeSubDomains: true, Preload: true},
		`MAX-AGE="600"`:     {MaxAge: 600},
		"includeSubDomains": {MaxAge: -1, IncludeSubDomains: true},
		"max-age=-5":        {MaxAge: -1},
		"":                  {MaxAge: -1},
	} {
		got := tlscheck.ParseHSTS(header)
		want.Header = header
		if *got != want {
			t.Errorf("%q: %+v, want %+v", header, *got, want)
		}
	}
}

func TestSplitEndpoint(t *testing.T) {
	for in, want := range map[string]string{
		"Portal.Example.org":             "portal.example.org 443",
		"portal.example.org:8443":        "portal.example.org 8443",
		"https://portal.example.org/x?y": "portal.example.org 443",
		"HTTPS://vpn.example.org:10443/": "vpn.example.org 10443",
		"[2001:db8::1]:443":              "2001:db8::1 443",
		"192.0.2.10":                     "192.0.2.10 443",
	} {
		h, p, err := tlscheck.SplitEndpoint(in)
		if err != nil || h+" "+p != want {
			t.Errorf("%q: %q %q %v, want %q", in, h, p, err, want)
		}
	}
	for _, in := range []string{"", "host:0", "host:99999", "a b:443", "user@host:443"} {
		if _, _, err := tlscheck.SplitEndpoint(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

// counted is a connection that says when it is closed, once.
type counted struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *counted) Close() error {
	c.once.Do(c.done)
	return c.Conn.Close()
}
