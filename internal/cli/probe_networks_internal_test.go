package cli

import (
	"context"
	"crypto/tls"
	"net"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/tlscheck"
	"github.com/safeguard-health/safeguard/internal/tlscheck/tlstest"
)

// --probe-networks public keeps the server's TLS and email probes off
// every address that is not public, loopback here, unless --probe-allow
// names its network; "any" (the default) reaches everything. The policy
// is checked as the probe connects, so a TLS endpoint on loopback is
// reported as not probed, saying why, and probed once allowed.
func TestProbeNetworks(t *testing.T) {
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(tlstest.Leaf{Names: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := tlstest.Serve(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	ctx := context.Background()
	probe := func(a *app) *tlscheck.Result {
		t.Helper()
		svc, err := a.tlsService()
		if err != nil {
			t.Fatal(err)
		}
		return tlscheck.Check(ctx, srv.Addr, tlscheck.Options{Roots: ca.Pool, Dial: svc.Dial})
	}
	if r := probe(&app{}); r.Status == tlscheck.Unknown {
		t.Errorf("any network: %s %s", r.Status, r.Error)
	}
	r := probe(&app{probeNetworks: "public"})
	if r.Status != tlscheck.Unknown || !strings.Contains(r.Error, "not probed: "+srv.Addr+" is not a public address") || !strings.Contains(r.Error, "--probe-allow") {
		t.Errorf("public only: %s %q", r.Status, r.Error)
	}
	for _, allow := range []string{"127.0.0.0/8", "127.0.0.1"} {
		if r := probe(&app{probeNetworks: "public", probeAllow: []string{"192.0.2.0/24", allow}}); r.Status == tlscheck.Unknown {
			t.Errorf("public and %s: %s %s", allow, r.Status, r.Error)
		}
	}

	// The email probes' connections (SMTP, the MTA-STS policy) go through
	// the same policy.
	email, err := (&app{probeNetworks: "public"}).emailService()
	if err != nil {
		t.Fatal(err)
	}
	if email.Reach.Dial == nil {
		t.Fatal("the email probes connect without the policy")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if c, err := email.Reach.Dial(ctx, "tcp", ln.Addr().String()); err == nil || !strings.Contains(err.Error(), "not probed") {
		if c != nil {
			c.Close()
		}
		t.Errorf("an MX host on loopback: %v", err)
	}
	if _, err := (&app{probeNetworks: "any"}).emailService(); err != nil {
		t.Error(err)
	}

	for _, a := range []*app{{probeNetworks: "intranet"}, {probeNetworks: "public", probeAllow: []string{"10.0.0.0/33"}}, {probeAllow: []string{"10.0.0.0/8"}}} {
		if _, err := a.probeDial(); err == nil {
			t.Errorf("%+v: no usage error", a)
		}
	}
}
