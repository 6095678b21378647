package mailcheck

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/smtp"
	"sort"
	"strings"
	"time"
)

// MXHost is one mail exchanger of a domain and what it offered.
type MXHost struct {
	Host     string `json:"host"`
	Pref     uint16 `json:"preference"`
	Address  string `json:"address,omitempty"` // the address connected to
	StartTLS bool   `json:"starttls"`          // offered in answer to EHLO
	// TLS is the version negotiated ("TLS 1.3"); Verified whether the
	// certificate chains to a trusted root and names the host.
	TLS      string `json:"tls,omitempty"`
	Verified bool   `json:"verified"`
	Error    string `json:"error,omitempty"` // what went wrong, named: refused, timed out, the certificate's fault
	// NoAddress: the host has no A or AAAA record, so no mail reaches it.
	NoAddress bool `json:"no_address,omitempty"`
}

// Transport is how a domain's mail arrives: its MX hosts and, for each,
// STARTTLS with a certificate valid for the host.
type Transport struct {
	Domain   string   `json:"domain"`
	Hosts    []MXHost `json:"mx"`
	MTASTS   *MTASTS  `json:"mta_sts"`
	TLSRPT   *TLSRPT  `json:"tls_rpt"`
	Status   string   `json:"status"` // pass, warn, fail, unknown
	Findings []string `json:"findings"`
	Lookups  []Lookup `json:"lookups"`
}

// Probe says how the domain's servers are reached: the MX hosts' port
// (25), how long a server may take, the roots a certificate must chain to
// (the system's when nil), and the dialer (net.Dialer's when nil), for
// SMTP and for the MTA-STS policy's HTTPS alike.
type Probe struct {
	Port    string
	Timeout time.Duration
	Roots   *x509.CertPool
	Dial    func(ctx context.Context, network, addr string) (net.Conn, error)
}

// ReadTransport reads domain's MX records over r and asks each host, on
// port 25, whether it offers STARTTLS, then negotiates TLS and verifies
// the certificate for the host's name (RFC 3207; a certificate that does
// not verify still encrypts, but proves nothing of the host). Every host
// offering STARTTLS with a valid certificate passes; a host without it,
// or with one that does not verify, fails; a host that does not answer
// is named and the status unknown unless another fails. No MX record
// falls back to the domain's own address, as RFC 5321 section 5.1 says.
// Then the domain's MTA-STS policy (RFC 8461: enforce passes, testing
// warns, none or a policy that cannot be read fails, MX hosts its
// patterns miss fail; no policy at all warns) and TLS-RPT record (RFC
// 8460; none warns).
func ReadTransport(ctx context.Context, r *Resolver, p Probe, domain string) *Transport {
	out := &Transport{Domain: domain, Findings: []string{}}
	defer func() { out.Lookups = r.Lookups() }()
	say := func(status, f string, a ...any) {
		out.Status = worse(out.Status, status)
		out.Findings = append(out.Findings, fmt.Sprintf(f, a...))
	}
	mxs, err := r.LookupMX(ctx, domain)
	var de *net.DNSError
	switch {
	case errors.As(err, &de) && de.IsNotFound:
		mxs = []*net.MX{{Host: domain, Pref: 0}}
		say("warn", "No MX record: mail to %s goes to the domain's own address (RFC 5321 section 5.1).", domain)
	case err != nil:
		say("unknown", "The MX records of %s could not be read: %v", domain, err)
		return out
	}
	sort.SliceStable(mxs, func(i, j int) bool { return mxs[i].Pref < mxs[j].Pref })
	for _, mx := range mxs {
		h := MXHost{Host: strings.TrimSuffix(mx.Host, "."), Pref: mx.Pref}
		if h.Host == "" {
			say("fail", "A null MX (RFC 7505): %s accepts no mail.", domain)
			continue
		}
		probe(ctx, r, p, &h)
		switch {
		case h.NoAddress:
			say("fail", "%s has no address: mail for %s cannot be delivered there.", h.Host, domain)
		case h.Error != "" && !h.StartTLS:
			say("unknown", "%s: %s.", h.Host, h.Error)
		case !h.StartTLS:
			say("fail", "%s does not offer STARTTLS: mail reaches it in the clear (RFC 3207).", h.Host)
		case !h.Verified:
			say("fail", "%s offers STARTTLS, but its certificate does not verify for its name (%s): a sender cannot tell it from an impostor.", h.Host, h.Error)
		case h.TLS == "TLS 1.0" || h.TLS == "TLS 1.1":
			say("fail", "%s negotiates %s, which RFC 8996 deprecates.", h.Host, h.TLS)
		default:
			say("pass", "%s offers STARTTLS with a valid certificate (%s).", h.Host, h.TLS)
		}
		out.Hosts = append(out.Hosts, h)
	}
	// MTA-STS says senders must use verified TLS to the listed hosts;
	// TLS-RPT where they report when they cannot.
	var names []string
	for _, h := range out.Hosts {
		names = append(names, h.Host)
	}
	var status string
	var findings []string
	out.MTASTS, status, findings = readMTASTS(ctx, r, p, domain, names)
	out.Status, out.Findings = worse(out.Status, status), append(out.Findings, findings...)
	out.TLSRPT, status, findings = readTLSRPT(ctx, r, domain)
	out.Status, out.Findings = worse(out.Status, status), append(out.Findings, findings...)
	return out
}

// probe connects to one MX host and records what it offered.
func probe(ctx context.Context, r *Resolver, p Probe, h *MXHost) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addrs, err := r.LookupIPAddr(ctx, h.Host)
	var de *net.DNSError
	if errors.As(err, &de) && de.IsNotFound {
		h.NoAddress = true
		return
	}
	if err != nil || len(addrs) == 0 {
		h.Error = fmt.Sprintf("its address could not be read (%v)", err)
		return
	}
	port := p.Port
	if port == "" {
		port = "25"
	}
	h.Address = net.JoinHostPort(addrs[0].IP.String(), port)
	dial := p.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	conn, err := dial(ctx, "tcp", h.Address)
	if err != nil {
		h.Error = describe(err)
		return
	}
	defer conn.Close()
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, h.Host)
	if err != nil {
		h.Error = "no SMTP greeting: " + describe(err)
		return
	}
	defer c.Close()
	if err := c.Hello("safeguard.invalid"); err != nil {
		h.Error = "EHLO refused: " + describe(err)
		return
	}
	if h.StartTLS, _ = c.Extension("STARTTLS"); !h.StartTLS {
		c.Quit()
		return
	}
	// Negotiate without verifying, then verify the chain and the name
	// apart, so that a bad certificate is named, not just refused.
	cfg := &tls.Config{ServerName: h.Host, InsecureSkipVerify: true, MinVersion: tls.VersionTLS10} //nolint:gosec // verified below
	if err := c.StartTLS(cfg); err != nil {
		h.Error = "STARTTLS failed: " + describe(err)
		return
	}
	st, _ := c.TLSConnectionState()
	h.TLS = tls.VersionName(st.Version)
	if len(st.PeerCertificates) == 0 {
		h.Error = "no certificate"
		return
	}
	inter := x509.NewCertPool()
	for _, ic := range st.PeerCertificates[1:] {
		inter.AddCert(ic)
	}
	if _, err := st.PeerCertificates[0].Verify(x509.VerifyOptions{DNSName: h.Host, Roots: p.Roots, Intermediates: inter}); err != nil {
		h.Error = err.Error()
	} else {
		h.Verified = true
	}
	c.Quit()
}

// describe names a connection's failure for a person.
func describe(err error) string {
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return "it did not answer in time"
	case strings.Contains(err.Error(), "connection refused"):
		return "it refused the connection"
	}
	return err.Error()
}
