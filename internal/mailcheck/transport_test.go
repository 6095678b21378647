package mailcheck_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"

	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/mailcheck/dnstest"
)

// testCA makes a certificate authority and certificates it signs for names.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &testCA{cert, key, pool}
}

func (ca *testCA) leaf(t *testing.T, names ...string) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

type nullSession struct{}

func (nullSession) Reset()                               {}
func (nullSession) Logout() error                        { return nil }
func (nullSession) Mail(string, *smtp.MailOptions) error { return nil }
func (nullSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (nullSession) Data(r io.Reader) error               { _, err := io.Copy(io.Discard, r); return err }

// mailServer is a real SMTP server on loopback, with STARTTLS when cert
// is given.
func mailServer(t *testing.T, cert *tls.Certificate) string {
	t.Helper()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return nullSession{}, nil }))
	srv.Domain = "mx.test"
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return ln.Addr().String()
}

// Each MX host of a domain is asked, over real SMTP on loopback, whether
// it offers STARTTLS with a certificate valid for its name: one that does
// passes, one without STARTTLS fails, one whose certificate names
// another host fails naming why, one that refuses is named and unknown.
func TestReadTransport(t *testing.T) {
	ca := newTestCA(t)
	good, wrong := ca.leaf(t, "mx1.good.example"), ca.leaf(t, "elsewhere.example")
	// Each MX host has an address of its own on loopback; the dialer takes
	// port 25 of it to the server playing that host.
	servers := map[string]string{
		"127.0.0.2:25": mailServer(t, &good),
		"127.0.0.3:25": mailServer(t, nil),
		"127.0.0.4:25": mailServer(t, &wrong),
		"127.0.0.5:25": func() string { // nothing listens
			ln, _ := net.Listen("tcp", "127.0.0.1:0")
			addr := ln.Addr().String()
			ln.Close()
			return addr
		}(),
	}
	// The MTA-STS policies, over real HTTPS: good.example's in enforce
	// mode covering its MX, testing.example's in testing mode, and
	// narrow.example's missing its second MX.
	policies := map[string]string{
		"mta-sts.good.example":    "version: STSv1\r\nmode: enforce\r\nmx: *.good.example\r\nmax_age: 604800\r\n",
		"mta-sts.testing.example": "version: STSv1\nmode: testing\nmx: mx1.good.example\nmax_age: 86400\n",
		"mta-sts.narrow.example":  "version: STSv1\nmode: enforce\nmx: mx1.good.example\nmax_age: 604800\n",
	}
	web := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/mta-sts.txt" || policies[r.Host] == "" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, policies[r.Host])
	}))
	web.TLS = &tls.Config{Certificates: []tls.Certificate{ca.leaf(t, "mta-sts.good.example", "mta-sts.testing.example", "mta-sts.narrow.example", "mta-sts.broken.example")}}
	web.StartTLS()
	t.Cleanup(web.Close)
	servers["127.0.0.9:443"] = web.Listener.Addr().String()
	probe := mailcheck.Probe{Timeout: 3 * time.Second, Roots: ca.pool, Dial: func(ctx context.Context, network, addr string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, network, servers[addr])
	}}
	z := dnstest.New(t)
	a := func(ip string) dnstest.Record { return dnstest.Record{Type: dns.TypeA, Value: []string{ip}} }
	mx := func(pref uint16, host string) dnstest.Record {
		return dnstest.Record{Type: dns.TypeMX, Pref: pref, Value: []string{host}}
	}
	z.Set(map[string][]dnstest.Record{
		"good.example":              {mx(10, "mx1.good.example")},
		"mx1.good.example":          {a("127.0.0.2")},
		"plain.example":             {mx(10, "mx1.good.example"), mx(20, "mx.plain.example")},
		"mx.plain.example":          {a("127.0.0.3")},
		"wrong.example":             {mx(10, "mx.wrong.example")},
		"mx.wrong.example":          {a("127.0.0.4")},
		"down.example":              {mx(10, "mx.down.example")},
		"mx.down.example":           {a("127.0.0.5")},
		"nomx.example":              {a("127.0.0.2")},
		"_mta-sts.good.example":     {dnstest.TXT("v=STSv1; id=20261201")},
		"mta-sts.good.example":      {a("127.0.0.9")},
		"_smtp._tls.good.example":   {dnstest.TXT("v=TLSRPTv1; rua=mailto:tlsrpt@good.example")},
		"testing.example":           {mx(10, "mx1.good.example")},
		"_mta-sts.testing.example":  {dnstest.TXT("v=STSv1; id=1")},
		"mta-sts.testing.example":   {a("127.0.0.9")},
		"narrow.example":            {mx(10, "mx1.good.example"), mx(20, "mx2.good.example")},
		"mx2.good.example":          {a("127.0.0.2")},
		"_mta-sts.narrow.example":   {dnstest.TXT("v=STSv1; id=1")},
		"mta-sts.narrow.example":    {a("127.0.0.9")},
		"_smtp._tls.narrow.example": {dnstest.TXT("v=TLSRPTv1; rua=mailto:r@narrow.example")},
		"broken.example":            {mx(10, "mx1.good.example")},
		"_mta-sts.broken.example":   {dnstest.TXT("v=STSv1; id=1")},
		"mta-sts.broken.example":    {a("127.0.0.9")},
	})
	ctx := context.Background()
	for domain, want := range map[string]struct {
		status string
		says   string
	}{
		"good.example":    {"pass", "MTA-STS in enforce mode (max_age 604800 s)"},
		"testing.example": {"warn", "MTA-STS in testing mode"},
		"narrow.example":  {"fail", "do not cover mx2.good.example"},
		"broken.example":  {"fail", "could not be read (the server answered 404 Not Found)"},
		"plain.example":   {"fail", "mx.plain.example does not offer STARTTLS"},
		"wrong.example":   {"fail", "does not verify for its name"},
		"down.example":    {"unknown", "mx.down.example: it refused the connection"},
		"nomx.example":    {"fail", "No MX record"}, // and its own address, probed instead, shows another host's certificate
	} {
		r := &mailcheck.Resolver{Server: z.Addr, Timeout: dnstest.Timeout}
		got := mailcheck.ReadTransport(ctx, r, probe, domain)
		if got.Status != want.status || !strings.Contains(strings.Join(got.Findings, " "), want.says) {
			t.Errorf("%s: %s %q, want %s saying %q", domain, got.Status, got.Findings, want.status, want.says)
		}
	}
	r := &mailcheck.Resolver{Server: z.Addr, Timeout: dnstest.Timeout}
	g := mailcheck.ReadTransport(ctx, r, probe, "good.example")
	if !strings.Contains(strings.Join(g.Findings, " "), "mx1.good.example offers STARTTLS with a valid certificate (TLS 1.3)") || g.MTASTS.Mode != "enforce" || g.TLSRPT.Record == "" {
		t.Errorf("good.example: %+v", g)
	}
	r = &mailcheck.Resolver{Server: z.Addr, Timeout: dnstest.Timeout}
	p := mailcheck.ReadTransport(ctx, r, probe, "plain.example")
	if len(p.Hosts) != 2 || p.Hosts[0].Host != "mx1.good.example" || !p.Hosts[0].Verified || p.Hosts[1].StartTLS {
		t.Errorf("plain.example's hosts, by preference: %+v", p.Hosts)
	}
}
