// Package dnstest runs a real DNS server on loopback for the tests, answering
// from a zone the test sets (github.com/miekg/dns), as a recursive resolver
// would.
package dnstest

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
)

// Record is one record of a test zone, or a failure of its name.
type Record struct {
	Type    uint16
	Value   []string // TXT strings; an address, a host
	Pref    uint16   // MX
	Timeout bool     // the server does not answer for the name
	Fail    bool     // the server answers SERVFAIL
}

// Server is a real DNS server on loopback (miekg/dns, UDP and TCP)
// answering from a zone the test sets, as a recursive resolver would:
// CNAMEs followed (a loop answered SERVFAIL), NXDOMAIN for a name the zone
// lacks (unless a name below it exists), no answer at all for a name
// marked to time out.
type Server struct {
	Addr   string
	mu     sync.Mutex
	zone   map[string][]Record
	signed map[string]bool
}

// Sign marks names whose answers the server says it validated (the AD
// bit), as a validating resolver does for a signed zone.
func (z *Server) Sign(names ...string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.signed == nil {
		z.signed = map[string]bool{}
	}
	for _, n := range names {
		z.signed[strings.ToLower(dns.Fqdn(n))] = true
	}
}

// New starts a server for the test, stopped when the test ends.
func New(t testing.TB) *Server {
	t.Helper()
	z := &Server{zone: map[string][]Record{}}
	// UDP and TCP on one port: a port free for UDP may be taken for TCP by
	// another test's server, so another is tried.
	var pc net.PacketConn
	var ln net.Listener
	var err error
	for try := 0; ; try++ {
		if pc, err = net.ListenPacket("udp", "127.0.0.1:0"); err != nil {
			t.Fatal(err)
		}
		if ln, err = net.Listen("tcp", pc.LocalAddr().String()); err == nil {
			break
		}
		pc.Close()
		if try == 20 {
			t.Fatal(err)
		}
	}
	z.Addr = pc.LocalAddr().String()
	udp := &dns.Server{PacketConn: pc, Handler: z}
	tcp := &dns.Server{Listener: ln, Handler: z}
	go udp.ActivateAndServe()
	go tcp.ActivateAndServe()
	t.Cleanup(func() { udp.Shutdown(); tcp.Shutdown() })
	return z
}

// Set replaces the zone.
func (z *Server) Set(zone map[string][]Record) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.zone = map[string][]Record{}
	for name, rs := range zone {
		// As a query names it: a space escaped (presentation format).
		z.zone[strings.ToLower(dns.Fqdn(strings.ReplaceAll(name, " ", `\ `)))] = rs
	}
}

// ServeDNS answers a query from the zone.
func (z *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	z.mu.Lock()
	defer z.mu.Unlock()
	m := new(dns.Msg)
	m.SetReply(req)
	m.RecursionAvailable = true
	q := req.Question[0]
	name := strings.ToLower(q.Name)
	m.AuthenticatedData = z.signed[name]
	for hops := 0; ; hops++ {
		rs, ok := z.zone[name]
		if !ok {
			if !z.hasBelow(name) && len(m.Answer) == 0 {
				m.Rcode = dns.RcodeNameError
			}
			break
		}
		if hops > 8 {
			m.Rcode, m.Answer = dns.RcodeServerFailure, nil
			break
		}
		var cname string
		has := false // the name has records of the type asked: a failure marked for it is another type's
		for _, r := range rs {
			has = has || r.Type == q.Qtype
		}
		for _, r := range rs {
			switch {
			case r.Timeout && !has:
				return // no answer: the client times out
			case r.Timeout:
			case r.Fail && !has:
				m.Rcode = dns.RcodeServerFailure
				w.WriteMsg(m)
				return
			case r.Type == dns.TypeCNAME && q.Qtype != dns.TypeCNAME:
				cname = strings.ToLower(dns.Fqdn(r.Value[0]))
				m.Answer = append(m.Answer, &dns.CNAME{Hdr: hdr(name, dns.TypeCNAME), Target: cname})
			case r.Type == q.Qtype:
				m.Answer = append(m.Answer, rr(name, r))
			}
		}
		if cname == "" {
			break
		}
		name = cname
	}
	if m.Len() > 512 && w.LocalAddr().Network() == "udp" {
		m.Answer, m.Truncated = nil, true
	}
	w.WriteMsg(m)
}

// hasBelow reports whether a name below name is in the zone: name then
// exists, without records of its own (NOERROR, no answer).
func (z *Server) hasBelow(name string) bool {
	for n := range z.zone {
		if strings.HasSuffix(n, "."+name) {
			return true
		}
	}
	return false
}

func hdr(name string, t uint16) dns.RR_Header {
	return dns.RR_Header{Name: name, Rrtype: t, Class: dns.ClassINET, Ttl: 300}
}

func rr(name string, r Record) dns.RR {
	switch r.Type {
	case dns.TypeTXT:
		// A character-string holds 255 bytes: a longer value (a DKIM key)
		// is published as several, as zone files do.
		var strs []string
		for _, v := range r.Value {
			for len(v) > 255 {
				strs, v = append(strs, v[:255]), v[255:]
			}
			strs = append(strs, v)
		}
		return &dns.TXT{Hdr: hdr(name, dns.TypeTXT), Txt: strs}
	case dns.TypeA:
		return &dns.A{Hdr: hdr(name, dns.TypeA), A: net.ParseIP(r.Value[0]).To4()}
	case dns.TypeAAAA:
		return &dns.AAAA{Hdr: hdr(name, dns.TypeAAAA), AAAA: net.ParseIP(r.Value[0])}
	case dns.TypeMX:
		return &dns.MX{Hdr: hdr(name, dns.TypeMX), Preference: r.Pref, Mx: dns.Fqdn(r.Value[0])}
	case dns.TypePTR:
		return &dns.PTR{Hdr: hdr(name, dns.TypePTR), Ptr: dns.Fqdn(r.Value[0])}
	}
	panic("a record type the test zone does not serve")
}

// Timeout bounds each query of the tests: a name that times out costs
// this, not the default five seconds.
const Timeout = 300 * time.Millisecond

// TXT is a TXT record of the strings v.
func TXT(v ...string) Record { return Record{Type: dns.TypeTXT, Value: v} }
