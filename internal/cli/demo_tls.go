package cli

import (
	"context"
	"crypto/tls"
	"time"

	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tlscheck/tlstest"
	"github.com/safeguard-health/safeguard/internal/tlssec"
)

// demoTLSNet is the demo clinic's TLS endpoints on loopback: its patient
// portal, configured as Mozilla's intermediate profile asks, and the SSL
// VPN portal of its firewall (fw01.riverside.example, an internet-facing
// asset of the inventory), which still takes TLS 1.0 and 1.1 and 3DES and
// sends no HSTS. Their certificates chain to a CA made for the run; the
// probe's dialer takes the names to them. Nothing leaves the machine.
type demoTLSNet struct {
	svc     *tlssec.Service
	closers []func()
}

func (n *demoTLSNet) close() {
	for _, c := range n.closers {
		c()
	}
}

// startDemoTLSNet starts the demo's TLS endpoints; close stops them.
func startDemoTLSNet() (_ *demoTLSNet, err error) {
	n := &demoTLSNet{}
	defer func() {
		if err != nil {
			n.close()
		}
	}()
	ca, err := tlstest.NewCA()
	if err != nil {
		return nil, err
	}
	portalCert, err := ca.Issue(tlstest.Leaf{Names: []string{"portal.riverside.example"}, Lifetime: 90 * 24 * time.Hour})
	if err != nil {
		return nil, err
	}
	hsts := "max-age=63072000; includeSubDomains"
	portal, err := tlstest.Serve(&tls.Config{Certificates: []tls.Certificate{portalCert}, MinVersion: tls.VersionTLS12, CipherSuites: []uint16{
		tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384, tls.TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256}}, &hsts)
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, portal.Close)
	vpnCert, err := ca.Issue(tlstest.Leaf{Names: []string{"fw01.riverside.example"}, RSABits: 2048, Lifetime: 365 * 24 * time.Hour})
	if err != nil {
		return nil, err
	}
	none := ""
	vpn, err := tlstest.Serve(&tls.Config{Certificates: []tls.Certificate{vpnCert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12, CipherSuites: []uint16{
		tls.TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256, tls.TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_AES_128_CBC_SHA, tls.TLS_RSA_WITH_3DES_EDE_CBC_SHA}}, &none)
	if err != nil {
		return nil, err
	}
	n.closers = append(n.closers, vpn.Close)
	n.svc = &tlssec.Service{Timeout: 5 * time.Second, Workers: 2, Roots: ca.Pool,
		Dial: tlstest.Dialer(map[string]string{"portal.riverside.example:443": portal.Addr, "fw01.riverside.example:443": vpn.Addr})}
	return n, nil
}

// seedDemoTLS probes the demo clinic's endpoints as a server's probe does,
// through tlssec, against the demo's own endpoints.
func seedDemoTLS(ctx context.Context, sc *store.Scoped, now time.Time) error {
	n, err := startDemoTLSNet()
	if err != nil {
		return err
	}
	defer n.close()
	svc := *n.svc
	svc.Now = func() time.Time { return now }
	_, err = svc.Probe(ctx, sc)
	return err
}
