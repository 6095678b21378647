// Package mailcheck verifies an organisation's email security from what
// anyone can see in the DNS (HHS CPG essential goal 2): for now the SPF
// record, evaluated by RFC 7208's check_host() (blitiri.com.ar/go/spf)
// over a resolver of Safeguard's own that lists every lookup it makes,
// so that the limits RFC 7208 sets on them can be shown, not just hit.
package mailcheck

import (
	"context"
	"errors"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Lookup is one DNS query a check made, as the results list it.
type Lookup struct {
	Name    string `json:"name"`
	Type    string `json:"type"`
	Answers int    `json:"answers"`
	Error   string `json:"error,omitempty"` // "not found", "timeout", a server failure
	// Authenticated: the resolver said it validated the answer with
	// DNSSEC (the AD bit, RFC 4035 section 3.2.3).
	Authenticated bool `json:"dnssec_validated"`
}

// Resolver asks one DNS server (a recursive resolver, such as the
// organisation's) over UDP, and over TCP when the answer is truncated, and
// keeps a list of every query. It answers as net.Resolver does, with
// *net.DNSError telling a name that does not exist (IsNotFound) from a
// failure worth trying again (IsTemporary, IsTimeout), which is how
// check_host() tells "none" from "temperror". Safe for concurrent use.
type Resolver struct {
	// Server is the DNS server, HOST:PORT.
	Server string
	// Timeout bounds each query; 5 seconds when 0.
	Timeout time.Duration

	mu      sync.Mutex
	lookups []Lookup
}

// Lookups are the queries made so far, in order.
func (r *Resolver) Lookups() []Lookup {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Lookup(nil), r.lookups...)
}

// ErrNoServer is returned when no server is set.
var ErrNoServer = errors.New("no DNS server to ask")

// query asks for the records of type qtype at name and returns those of
// that type the answer holds (following the CNAMEs the server answered
// with).
func (r *Resolver) query(ctx context.Context, name string, qtype uint16) ([]dns.RR, error) {
	fqdn := dns.Fqdn(name)
	l := Lookup{Name: strings.TrimSuffix(fqdn, "."), Type: dns.TypeToString[qtype]}
	rrs, ad, err := r.exchange(ctx, fqdn, qtype)
	l.Answers, l.Authenticated = len(rrs), ad
	if err != nil {
		var de *net.DNSError
		switch {
		case errors.As(err, &de) && de.IsNotFound:
			l.Error = "not found"
		case errors.As(err, &de) && de.IsTimeout:
			l.Error = "timeout"
		default:
			l.Error = err.Error()
		}
	}
	r.mu.Lock()
	r.lookups = append(r.lookups, l)
	r.mu.Unlock()
	return rrs, err
}

// exchange asks the server, and says whether it authenticated the answer.
func (r *Resolver) exchange(ctx context.Context, fqdn string, qtype uint16) ([]dns.RR, bool, error) {
	if r.Server == "" {
		return nil, false, ErrNoServer
	}
	if len(fqdn) > 254 {
		return nil, false, &net.DNSError{Err: "a name longer than 253 characters", Name: fqdn, IsNotFound: true}
	}
	for _, label := range dns.SplitDomainName(fqdn) {
		if label == "" || len(label) > 63 {
			return nil, false, &net.DNSError{Err: "a label longer than 63 characters, or empty", Name: fqdn, IsNotFound: true}
		}
	}
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = 5 * time.Second
	}
	m := new(dns.Msg)
	m.SetQuestion(fqdn, qtype)
	m.RecursionDesired = true
	m.SetEdns0(4096, true) // DO: ask for the resolver's view of DNSSEC
	c := &dns.Client{Net: "udp", Timeout: timeout}
	resp, _, err := c.ExchangeContext(ctx, m, r.Server)
	if err == nil && resp.Truncated {
		c.Net = "tcp"
		resp, _, err = c.ExchangeContext(ctx, m, r.Server)
	}
	if err != nil {
		var ne net.Error
		timedOut := errors.As(err, &ne) && ne.Timeout() || errors.Is(err, context.DeadlineExceeded)
		return nil, false, &net.DNSError{Err: err.Error(), Name: fqdn, Server: r.Server, IsTimeout: timedOut, IsTemporary: true}
	}
	ad := resp.AuthenticatedData
	switch resp.Rcode {
	case dns.RcodeSuccess:
	case dns.RcodeNameError:
		return nil, ad, &net.DNSError{Err: "no such host", Name: fqdn, Server: r.Server, IsNotFound: true}
	default:
		return nil, ad, &net.DNSError{Err: "the server answered " + dns.RcodeToString[resp.Rcode], Name: fqdn, Server: r.Server, IsTemporary: true}
	}
	var out []dns.RR
	for _, rr := range resp.Answer {
		if rr.Header().Rrtype == qtype {
			out = append(out, rr)
		}
	}
	if len(out) == 0 {
		// A name without records of the type: not found, as net.Resolver says.
		return nil, ad, &net.DNSError{Err: "no " + dns.TypeToString[qtype] + " record", Name: fqdn, Server: r.Server, IsNotFound: true}
	}
	return out, ad, nil
}

// LookupTXT returns the TXT records at name, each record's strings joined.
func (r *Resolver) LookupTXT(ctx context.Context, name string) ([]string, error) {
	rrs, err := r.query(ctx, name, dns.TypeTXT)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, strings.Join(rr.(*dns.TXT).Txt, ""))
	}
	return out, nil
}

// LookupMX returns the MX records at name.
func (r *Resolver) LookupMX(ctx context.Context, name string) ([]*net.MX, error) {
	rrs, err := r.query(ctx, name, dns.TypeMX)
	if err != nil {
		return nil, err
	}
	out := make([]*net.MX, 0, len(rrs))
	for _, rr := range rrs {
		mx := rr.(*dns.MX)
		out = append(out, &net.MX{Host: mx.Mx, Pref: mx.Preference})
	}
	return out, nil
}

// LookupIPAddr returns the A and AAAA records of host: not found only when
// it has neither.
func (r *Resolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	var out []net.IPAddr
	var first error
	for _, qtype := range []uint16{dns.TypeA, dns.TypeAAAA} {
		rrs, err := r.query(ctx, host, qtype)
		if err != nil {
			var de *net.DNSError
			if !errors.As(err, &de) || !de.IsNotFound {
				return nil, err
			}
			first = err
			continue
		}
		for _, rr := range rrs {
			switch a := rr.(type) {
			case *dns.A:
				out = append(out, net.IPAddr{IP: a.A})
			case *dns.AAAA:
				out = append(out, net.IPAddr{IP: a.AAAA})
			}
		}
	}
	if len(out) == 0 {
		return nil, first
	}
	return out, nil
}

// LookupAddr returns the names the PTR records of addr give.
func (r *Resolver) LookupAddr(ctx context.Context, addr string) ([]string, error) {
	rev, err := dns.ReverseAddr(addr)
	if err != nil {
		return nil, &net.DNSError{Err: err.Error(), Name: addr, IsNotFound: true}
	}
	rrs, err := r.query(ctx, rev, dns.TypePTR)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(rrs))
	for _, rr := range rrs {
		out = append(out, rr.(*dns.PTR).Ptr)
	}
	return out, nil
}
