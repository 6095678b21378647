// Package tlstest starts real TLS servers on loopback, configured strong
// or weak, with certificates from a CA of its own: for the tests of the
// TLS checks, the demo and the benchmarks.
package tlstest

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"sync"
	"time"
)

// A CA issues the servers' certificates.
type CA struct {
	Cert *x509.Certificate
	key  crypto.Signer
	Pool *x509.CertPool
	PEM  []byte
}

// NewCA makes a CA valid from a year ago for ten years.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Safeguard Test CA"},
		NotBefore: time.Now().AddDate(-1, 0, 0), NotAfter: time.Now().AddDate(9, 0, 0),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &CA{Cert: cert, key: key, Pool: pool, PEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}, nil
}

// Leaf says what certificate to issue.
type Leaf struct {
	Names      []string      // DNS names; "127.0.0.1" and other addresses go in as IP SANs
	RSABits    int           // an RSA key of this size; ECDSA P-256 when 0
	NotBefore  time.Time     // a day ago when zero
	Lifetime   time.Duration // 90 days when 0
	SelfSigned bool
	SHA1       bool // signed with SHA-1 (RSA keys only)
	OCSP       []string
}

var serial struct {
	sync.Mutex
	n int64
}

// Issue makes a certificate and its key as l says.
func (ca *CA) Issue(l Leaf) (tls.Certificate, error) {
	var key crypto.Signer
	var err error
	if l.RSABits > 0 {
		key, err = rsa.GenerateKey(rand.Reader, l.RSABits)
	} else {
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		return tls.Certificate{}, err
	}
	if l.NotBefore.IsZero() {
		l.NotBefore = time.Now().Add(-24 * time.Hour)
	}
	if l.Lifetime == 0 {
		l.Lifetime = 90 * 24 * time.Hour
	}
	serial.Lock()
	serial.n++
	n := serial.n + 1
	serial.Unlock()
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(n), NotBefore: l.NotBefore, NotAfter: l.NotBefore.Add(l.Lifetime),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		OCSPServer: l.OCSP}
	for _, n := range l.Names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	if len(l.Names) > 0 {
		tmpl.Subject = pkix.Name{CommonName: l.Names[0]}
	}
	if l.SHA1 {
		tmpl.SignatureAlgorithm = x509.SHA1WithRSA
	}
	parent, signer := ca.Cert, ca.key
	if l.SelfSigned || l.SHA1 {
		parent, signer = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), signer)
	if err != nil {
		return tls.Certificate{}, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, err
	}
	chain := [][]byte{der}
	if parent != tmpl {
		chain = append(chain, ca.Cert.Raw)
	}
	return tls.Certificate{Certificate: chain, PrivateKey: key, Leaf: leaf}, nil
}

// Server is a TLS server on loopback.
type Server struct {
	Addr string // 127.0.0.1:port
	ln   net.Listener
	http *http.Server
	wg   sync.WaitGroup
}

// Serve listens on loopback with cfg. With hsts non-nil the server
// answers HTTPS and sends that Strict-Transport-Security header ("" for
// none); otherwise it shakes hands and hangs up.
func Serve(cfg *tls.Config, hsts *string) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{Addr: ln.Addr().String(), ln: ln}
	if hsts != nil {
		cfg = cfg.Clone()
		cfg.NextProtos = []string{"http/1.1"}
		s.http = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if *hsts != "" {
				w.Header().Set("Strict-Transport-Security", *hsts)
			}
			fmt.Fprintln(w, "patient portal")
		}), ReadHeaderTimeout: 5 * time.Second, ErrorLog: log.New(io.Discard, "", 0)}
		s.wg.Add(1)
		go func() { defer s.wg.Done(); s.http.Serve(tls.NewListener(ln, cfg)) }()
		return s, nil
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				c.SetDeadline(time.Now().Add(5 * time.Second))
				tc := tls.Server(c, cfg)
				tc.Handshake()
			}()
		}
	}()
	return s, nil
}

// Close stops the server.
func (s *Server) Close() {
	if s.http != nil {
		s.http.Close()
	} else {
		s.ln.Close()
	}
	s.wg.Wait()
}

// Dialer sends every name in names to its loopback address, and refuses
// the rest, as a resolver of a test network would.
func Dialer(names map[string]string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	var d net.Dialer
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		to, ok := names[addr]
		if !ok {
			return nil, &net.OpError{Op: "dial", Net: network, Err: fmt.Errorf("no such host in the test network: %s", addr)}
		}
		return d.DialContext(ctx, network, to)
	}
}
