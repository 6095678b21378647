package tlscheck

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"
)

// The statuses of an endpoint and of each finding.
const (
	Pass    = "pass"
	Warn    = "warn"
	Fail    = "fail"
	Unknown = "unknown" // not reached, or nothing Go speaks was accepted
	Info    = "info"    // said, not judged
)

// ExpiryWarning is how long before a certificate expires it is warned of.
const ExpiryWarning = 30 * 24 * time.Hour

// Options say how an endpoint is reached and judged.
type Options struct {
	// Profile judges versions, ciphers and the certificate; intermediate
	// when nil.
	Profile *Profile
	// Roots are the trusted CAs: the system's when nil (with an
	// organisation's private CA added, see Pool).
	Roots *x509.CertPool
	// Timeout bounds each connection (10s when 0).
	Timeout time.Duration
	// Dial connects; a net.Dialer when nil. Tests and the demo send
	// names to loopback through it.
	Dial func(ctx context.Context, network, addr string) (net.Conn, error)
	// Now is the clock for expiry; time.Now when nil.
	Now func() time.Time
}

// Result is what one endpoint showed, as `safeguard tls check --json`
// gives it.
type Result struct {
	Endpoint string `json:"endpoint"` // host:port
	Status   string `json:"status"`   // pass, warn, fail or unknown
	Profile  string `json:"profile"`
	// Source says who looked: "safeguard" for a probe, or the tool whose
	// report was imported (testssl.sh, sslyze).
	Source    string     `json:"source"`
	At        time.Time  `json:"at"`
	Error     string     `json:"error,omitempty"` // why it was not reached
	Versions  []Version  `json:"versions"`
	Ciphers   []Cipher   `json:"ciphers"`
	Cert      *Cert      `json:"certificate,omitempty"`
	OCSP      string     `json:"ocsp"` // stapled, not stapled, no responder
	HSTS      *HSTS      `json:"hsts,omitempty"`
	Findings  []Finding  `json:"findings"`
	NotProbed []NotProbe `json:"not_probed"`
}

// Version is one protocol version and whether the endpoint accepted it.
type Version struct {
	Name     string `json:"name"` // TLSv1.2, as Mozilla's guidelines name them
	Accepted bool   `json:"accepted"`
}

// Cipher is a cipher suite the endpoint accepted.
type Cipher struct {
	Name    string `json:"name"`    // IANA name
	Version string `json:"version"` // the protocol version it was accepted with
}

// Cert is the endpoint's certificate as presented.
type Cert struct {
	Subject     string    `json:"subject"`
	Issuer      string    `json:"issuer"`
	Names       []string  `json:"names"` // DNS and IP subject alternative names
	NotBefore   time.Time `json:"not_before"`
	NotAfter    time.Time `json:"not_after"`
	KeyType     string    `json:"key_type"` // rsa, ecdsa, ed25519
	KeyBits     int       `json:"key_bits"`
	Curve       string    `json:"curve,omitempty"` // prime256v1, secp384r1
	Signature   string    `json:"signature"`       // sha256WithRSAEncryption
	Chain       []string  `json:"chain"`           // the subjects presented, leaf first
	Trusted     bool      `json:"trusted"`
	TrustError  string    `json:"trust_error,omitempty"`
	NameMatches bool      `json:"name_matches"`
	SelfSigned  bool      `json:"self_signed"`
	OCSPServers []string  `json:"ocsp_servers,omitempty"`
}

// HSTS is the Strict-Transport-Security header of an HTTPS endpoint.
type HSTS struct {
	Header            string `json:"header"` // "" when none was sent
	MaxAge            int64  `json:"max_age"`
	IncludeSubDomains bool   `json:"include_subdomains"`
	Preload           bool   `json:"preload"`
	Error             string `json:"error,omitempty"` // the request failed
}

// A Finding is one verdict on the endpoint, with the rule behind it.
type Finding struct {
	ID     string `json:"id"` // protocol.TLSv1.0, cipher.…, cert.expired, hsts.missing
	Status string `json:"status"`
	Detail string `json:"detail"`
	Reason string `json:"reason"`
}

// NotProbe is what was not looked at, and why.
type NotProbe struct {
	What string `json:"what"`
	Why  string `json:"why"`
}

// versions are the protocol versions Go's client speaks, oldest first.
var versions = []struct {
	id   uint16
	name string
}{{tls.VersionTLS10, "TLSv1.0"}, {tls.VersionTLS11, "TLSv1.1"}, {tls.VersionTLS12, "TLSv1.2"}, {tls.VersionTLS13, "TLSv1.3"}}

// deprecated versions fail whatever the profile: RFC 8996.
func deprecated(v string) bool {
	return v == "SSLv2" || v == "SSLv3" || v == "TLSv1.0" || v == "TLSv1.1"
}

// notSpoken is what Go's client cannot offer, said in every probe's result.
var notSpoken = []NotProbe{
	{What: "SSLv2, SSLv3", Why: "Go's TLS client does not speak them; import a testssl.sh or sslyze report of the endpoint to verify they are refused"},
	{What: "cipher suites Go does not implement (DHE, CAMELLIA, ARIA, CCM, export and NULL suites)", Why: "Go's TLS client cannot offer them; a testssl.sh or sslyze report lists them"},
	{What: "TLS 1.3 cipher suites one by one", Why: "Go's TLS client offers all three of TLS 1.3's suites together; the one negotiated is listed"},
}

// Check probes one endpoint, host:port (port 443 when none is given).
func Check(ctx context.Context, endpoint string, o Options) *Result {
	if o.Profile == nil {
		o.Profile, _ = LoadProfile(DefaultProfile)
	}
	if o.Timeout <= 0 {
		o.Timeout = 10 * time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Dial == nil {
		d := &net.Dialer{}
		o.Dial = d.DialContext
	}
	host, port, err := SplitEndpoint(endpoint)
	res := &Result{Endpoint: net.JoinHostPort(host, port), Profile: o.Profile.Name, Source: "safeguard", At: o.Now().UTC(),
		Versions: []Version{}, Ciphers: []Cipher{}, Findings: []Finding{}, NotProbed: notSpoken}
	if err != nil {
		res.Endpoint, res.Status, res.Error = endpoint, Unknown, err.Error()
		return res
	}
	p := &prober{o: o, host: host, addr: res.Endpoint}

	// Which versions are accepted, with every suite Go has offered.
	var best *tls.ConnectionState
	reached := false
	for _, v := range versions {
		st, err := p.handshake(ctx, v.id, v.id, nil)
		if err == nil {
			reached = true
			best = st
		} else if !errors.Is(err, errHandshake) {
			if ctx.Err() != nil {
				res.Status, res.Error = Unknown, ctx.Err().Error()
				return res
			}
			res.Status, res.Error = Unknown, err.Error()
			return res
		} else {
			reached = true
		}
		res.Versions = append(res.Versions, Version{Name: v.name, Accepted: err == nil})
	}
	if !reached || best == nil {
		res.Status = Unknown
		res.Error = "no TLS version Go speaks (1.0 to 1.3) was accepted; the service may not speak TLS on this port, or only SSL, which a testssl.sh report would show"
		return res
	}

	// Which suites are accepted at each version below 1.3.
	for _, v := range versions {
		if v.id == tls.VersionTLS13 || !accepted(res.Versions, v.name) {
			continue
		}
		for _, cs := range suites(v.id) {
			if _, err := p.handshake(ctx, v.id, v.id, []uint16{cs.ID}); err == nil {
				res.Ciphers = append(res.Ciphers, Cipher{Name: cs.Name, Version: v.name})
			} else if !errors.Is(err, errHandshake) {
				res.Status, res.Error = Unknown, err.Error()
				return res
			}
		}
	}
	if best.Version == tls.VersionTLS13 {
		res.Ciphers = append(res.Ciphers, Cipher{Name: tls.CipherSuiteName(best.CipherSuite), Version: "TLSv1.3"})
	}

	res.Cert = DescribeCert(best.PeerCertificates, host, o.Roots, o.Now())
	switch {
	case len(best.OCSPResponse) > 0:
		res.OCSP = "stapled"
	case res.Cert != nil && len(res.Cert.OCSPServers) == 0:
		res.OCSP = "no responder"
	default:
		res.OCSP = "not stapled"
	}
	if isHTTP(port, best.NegotiatedProtocol) {
		res.HSTS = p.hsts(ctx)
	}
	Judge(res, o.Profile, o.Now())
	return res
}

// SplitEndpoint reads host:port, host or https://host[:port]/…, with port
// 443 when none is given.
func SplitEndpoint(endpoint string) (host, port string, err error) {
	e := strings.TrimSpace(endpoint)
	if rest, ok := strings.CutPrefix(strings.ToLower(e), "https://"); ok {
		e = e[len(e)-len(rest):]
		if i := strings.IndexAny(e, "/?#"); i >= 0 {
			e = e[:i]
		}
	}
	if e == "" {
		return "", "", fmt.Errorf("%q is not an endpoint: give host:port", endpoint)
	}
	host, port, err = net.SplitHostPort(e)
	if err != nil {
		// No port: the whole is the host (a bare IPv6 address included).
		host, port = strings.Trim(e, "[]"), "443"
	}
	if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
		return "", "", fmt.Errorf("%q is not an endpoint: the port %q is not a number from 1 to 65535", endpoint, port)
	}
	if host == "" || strings.ContainsAny(host, " /\\@") {
		return "", "", fmt.Errorf("%q is not an endpoint: the host %q is not a name or address", endpoint, host)
	}
	return strings.ToLower(host), port, nil
}

func accepted(vs []Version, name string) bool {
	for _, v := range vs {
		if v.Name == name {
			return v.Accepted
		}
	}
	return false
}

// suites lists the suites Go's client can offer at version v (below 1.3),
// secure and insecure.
func suites(v uint16) []*tls.CipherSuite {
	var out []*tls.CipherSuite
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			for _, sv := range cs.SupportedVersions {
				if sv == v && sv != tls.VersionTLS13 {
					out = append(out, cs)
					break
				}
			}
		}
	}
	return out
}

// allSuites are every suite below 1.3 Go can offer.
var allSuites = func() []uint16 {
	var ids []uint16
	for _, list := range [][]*tls.CipherSuite{tls.CipherSuites(), tls.InsecureCipherSuites()} {
		for _, cs := range list {
			ids = append(ids, cs.ID)
		}
	}
	return ids
}()

// errHandshake marks a connection that was made but whose handshake the
// server refused: the version or suite offered is not accepted.
var errHandshake = errors.New("handshake refused")

type prober struct {
	o    Options
	host string
	addr string
}

// handshake connects and shakes hands offering versions min to max and
// the suites (every suite Go has when nil). A refused handshake is
// errHandshake; a connection that cannot be made is its own error.
func (p *prober) handshake(ctx context.Context, min, max uint16, offer []uint16) (*tls.ConnectionState, error) {
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	raw, err := p.o.Dial(ctx, "tcp", p.addr)
	if err != nil {
		return nil, fmt.Errorf("could not connect to %s: %w", p.addr, unwrapOp(err))
	}
	defer raw.Close()
	if offer == nil {
		offer = allSuites
	}
	cfg := &tls.Config{
		ServerName:         serverName(p.host),
		MinVersion:         min,
		MaxVersion:         max,
		CipherSuites:       offer,
		InsecureSkipVerify: true, // the certificate is judged apart, to say what is wrong with it
		NextProtos:         []string{"h2", "http/1.1"},
	}
	c := tls.Client(raw, cfg)
	if err := c.HandshakeContext(ctx); err != nil {
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s did not finish a TLS handshake within %s", p.addr, p.o.Timeout)
		}
		return nil, fmt.Errorf("%w: %v", errHandshake, err)
	}
	st := c.ConnectionState()
	return &st, nil
}

// serverName is the SNI to send: none for an address.
func serverName(host string) string {
	if net.ParseIP(host) != nil {
		return ""
	}
	return host
}

func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// isHTTP says whether the endpoint serves HTTPS: it chose HTTP by ALPN,
// or it listens on an HTTPS port.
func isHTTP(port, alpn string) bool {
	return alpn == "h2" || alpn == "http/1.1" || port == "443" || port == "8443"
}

// DescribeCert describes the chain presented, leaf first, and whether it
// is trusted (by roots; the system's when nil) and names host.
func DescribeCert(chain []*x509.Certificate, host string, roots *x509.CertPool, now time.Time) *Cert {
	if len(chain) == 0 {
		return nil
	}
	leaf := chain[0]
	c := &Cert{Subject: leaf.Subject.String(), Issuer: leaf.Issuer.String(), NotBefore: leaf.NotBefore.UTC(), NotAfter: leaf.NotAfter.UTC(),
		Signature: signatureName(leaf.SignatureAlgorithm), OCSPServers: leaf.OCSPServer}
	c.Names = append(c.Names, leaf.DNSNames...)
	for _, ip := range leaf.IPAddresses {
		c.Names = append(c.Names, ip.String())
	}
	for _, x := range chain {
		c.Chain = append(c.Chain, x.Subject.String())
	}
	switch k := leaf.PublicKey.(type) {
	case *rsa.PublicKey:
		c.KeyType, c.KeyBits = "rsa", k.N.BitLen()
	case *ecdsa.PublicKey:
		c.KeyType, c.KeyBits = "ecdsa", k.Curve.Params().BitSize
		c.Curve = curveName(k.Curve.Params().Name)
	case ed25519.PublicKey:
		c.KeyType, c.KeyBits = "ed25519", 256
	default:
		c.KeyType = fmt.Sprintf("%T", k)
	}
	c.SelfSigned = leaf.Subject.String() == leaf.Issuer.String() && leaf.CheckSignatureFrom(leaf) == nil
	c.NameMatches = leaf.VerifyHostname(host) == nil
	// Trust is judged apart from expiry: an expired certificate from a
	// trusted CA is reported as expired, not as untrusted.
	inter := x509.NewCertPool()
	for _, x := range chain[1:] {
		inter.AddCert(x)
	}
	at := now
	if at.After(leaf.NotAfter) {
		at = leaf.NotAfter.Add(-time.Minute)
	} else if at.Before(leaf.NotBefore) {
		at = leaf.NotBefore.Add(time.Minute)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: at})
	c.Trusted = err == nil
	if err != nil {
		c.TrustError = err.Error()
	}
	return c
}

// signatureName names a signature algorithm as Mozilla's guidelines do.
func signatureName(a x509.SignatureAlgorithm) string {
	switch a {
	case x509.SHA256WithRSA:
		return "sha256WithRSAEncryption"
	case x509.SHA384WithRSA:
		return "sha384WithRSAEncryption"
	case x509.SHA512WithRSA:
		return "sha512WithRSAEncryption"
	case x509.SHA1WithRSA:
		return "sha1WithRSAEncryption"
	case x509.MD5WithRSA:
		return "md5WithRSAEncryption"
	case x509.ECDSAWithSHA256:
		return "ecdsa-with-SHA256"
	case x509.ECDSAWithSHA384:
		return "ecdsa-with-SHA384"
	case x509.ECDSAWithSHA512:
		return "ecdsa-with-SHA512"
	case x509.ECDSAWithSHA1:
		return "ecdsa-with-SHA1"
	case x509.SHA256WithRSAPSS, x509.SHA384WithRSAPSS, x509.SHA512WithRSAPSS:
		return "rsassaPss"
	case x509.PureEd25519:
		return "ED25519"
	}
	return a.String()
}

func curveName(n string) string {
	switch n {
	case "P-256":
		return "prime256v1"
	case "P-384":
		return "secp384r1"
	case "P-521":
		return "secp521r1"
	}
	return n
}
