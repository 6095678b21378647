package cli

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/miekg/dns"

	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/store"
)

// demoZone is the DNS zone of the demo clinic's email domains.
//
//go:embed demo_email.zone
var demoZone string

// demoMailNet is the demo's own mail network on loopback: a DNS server
// answering from demoZone, the two MX hosts (one offering STARTTLS with a
// certificate for its name, one not) and the HTTPS server of
// riverside.example's MTA-STS policy. The zone's addresses (TEST-NET-1)
// are taken to them by the probe's dialer, and the certificates chain to
// a CA made for the run. Nothing leaves the machine.
type demoMailNet struct {
	resolver string
	reach    mailcheck.Probe
	closers  []func()
}

func (n *demoMailNet) close() {
	for _, c := range n.closers {
		c()
	}
}

// emailService is the email service that probes through the network.
func (n *demoMailNet) emailService(now func() time.Time) *emailsec.Service {
	return &emailsec.Service{Resolver: n.resolver, Timeout: 5 * time.Second, Now: now, Reach: n.reach}
}

// startDemoMailNet starts the demo's mail network; close stops it.
func startDemoMailNet() (_ *demoMailNet, err error) {
	n := &demoMailNet{}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	zone, err := parseZone(demoZone)
	if err != nil {
		return nil, fmt.Errorf("the demo's zone: %w", err)
	}
	dnsAddr, stopDNS, err := serveZone(zone)
	if err != nil {
		return nil, err
	}
	n.resolver, n.closers = dnsAddr, append(n.closers, stopDNS)
	ca, err := newDemoCA()
	if err != nil {
		return nil, err
	}
	mx1Cert, err := ca.leaf("mx1.riverside.example")
	if err != nil {
		return nil, err
	}
	stsCert, err := ca.leaf("mta-sts.riverside.example")
	if err != nil {
		return nil, err
	}
	mx1, err := demoMailServer(&mx1Cert)
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, mx1.Close)
	reminders, err := demoMailServer(nil)
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, reminders.Close)
	stsLn, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	sts := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/mta-sts.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, "version: STSv1\nmode: testing\nmx: mx1.riverside.example\nmax_age: 604800\n")
	}), TLSConfig: &tls.Config{Certificates: []tls.Certificate{stsCert}, MinVersion: tls.VersionTLS12}}
	go sts.ServeTLS(stsLn, "", "")
	n.closers = append(n.closers, func() { sts.Close() })
	route := map[string]string{
		"192.0.2.10:25":  mx1.Addr,
		"192.0.2.20:25":  reminders.Addr,
		"192.0.2.30:443": stsLn.Addr().String(),
	}
	dial := func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := route[addr]
		if !ok {
			return nil, &net.OpError{Op: "dial", Net: network, Err: errors.New("connection refused")}
		}
		return (&net.Dialer{}).DialContext(ctx, network, to)
	}
	n.reach = mailcheck.Probe{Timeout: 10 * time.Second, Roots: ca.pool, Dial: dial}
	return n, nil
}

// seedDemoEmail probes the demo clinic's email domains as a server's
// probe does, through emailsec, against the demo's own mail network.
func seedDemoEmail(ctx context.Context, sc *store.Scoped, now time.Time) error {
	n, err := startDemoMailNet()
	if err != nil {
		return err
	}
	defer n.close()
	_, err = n.emailService(func() time.Time { return now }).Probe(ctx, sc)
	return err
}

// parseZone reads a zone file into its records by owner name.
func parseZone(text string) (map[string][]dns.RR, error) {
	zone := map[string][]dns.RR{}
	zp := dns.NewZoneParser(strings.NewReader(text), "", "demo_email.zone")
	for rr, ok := zp.Next(); ok; rr, ok = zp.Next() {
		name := strings.ToLower(rr.Header().Name)
		zone[name] = append(zone[name], rr)
	}
	return zone, zp.Err()
}

// serveZone answers from zone on loopback, over UDP and TCP, as a
// resolver does: NXDOMAIN for a name the zone lacks (unless a name below
// it exists), no records for a type the name lacks.
func serveZone(zone map[string][]dns.RR) (string, func(), error) {
	handler := dns.HandlerFunc(func(w dns.ResponseWriter, req *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(req)
		m.RecursionAvailable = true
		if len(req.Question) == 1 {
			q := req.Question[0]
			name := strings.ToLower(q.Name)
			rrs, found := zone[name]
			for _, rr := range rrs {
				if rr.Header().Rrtype == q.Qtype {
					m.Answer = append(m.Answer, rr)
				}
			}
			if !found {
				below := false
				for n := range zone {
					below = below || strings.HasSuffix(n, "."+name)
				}
				if !below {
					m.Rcode = dns.RcodeNameError
				}
			}
		}
		if m.Len() > 512 && w.LocalAddr().Network() == "udp" {
			m.Answer, m.Truncated = nil, true
		}
		w.WriteMsg(m)
	})
	// UDP and TCP on one port: a port free for UDP may be taken for TCP by
	// another program, so another is tried.
	var pc net.PacketConn
	var ln net.Listener
	var err error
	for try := 0; ; try++ {
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			return "", nil, err
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		if try == 20 {
			return "", nil, err
		}
	}
	udp := &dns.Server{PacketConn: pc, Handler: handler}
	tcp := &dns.Server{Listener: ln, Handler: handler}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	return pc.LocalAddr().String(), func() { udp.Shutdown(); tcp.Shutdown() }, nil
}

// demoMail is an SMTP server of the demo's on loopback.
type demoMail struct {
	Addr string
	srv  *smtp.Server
}

func (m *demoMail) Close() { m.srv.Close() }

// demoMailServer serves SMTP on loopback, offering STARTTLS when cert is
// given; it takes no mail.
func demoMailServer(cert *tls.Certificate) (*demoMail, error) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return refuseMail{}, nil }))
	srv.Domain = "demo.invalid"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	if cert != nil {
		srv.TLSConfig = &tls.Config{Certificates: []tls.Certificate{*cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	return &demoMail{Addr: ln.Addr().String(), srv: srv}, nil
}

// refuseMail is a session that takes no mail.
type refuseMail struct{}

var errNoMail = &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "the demo's server takes no mail"}

func (refuseMail) Reset()                               {}
func (refuseMail) Logout() error                        { return nil }
func (refuseMail) Mail(string, *smtp.MailOptions) error { return errNoMail }
func (refuseMail) Rcpt(string, *smtp.RcptOptions) error { return errNoMail }
func (refuseMail) Data(io.Reader) error                 { return errNoMail }

// demoCA is a certificate authority made for one demo run.
type demoCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newDemoCA() (*demoCA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Safeguard demo CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &demoCA{cert: cert, key: key, pool: pool}, nil
}

// leaf is a server certificate for name, signed by the CA.
func (ca *demoCA) leaf(name string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return tls.Certificate{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: name}, DNSNames: []string{name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
