package cli_test

import (
	"crypto/tls"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/tlscheck/tlstest"
)

// `safeguard tls check` against real TLS servers on loopback: the JSON
// gives each endpoint's status and findings with their reasons; a weak
// endpoint exits 1, naming it; an organisation's CA is trusted only when
// given; with --org, what was found is recorded for the checks.
func TestTLSCheck(t *testing.T) {
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(tlstest.Leaf{Names: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	hsts := "max-age=63072000"
	strong, err := tlstest.Serve(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12, CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, &hsts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(strong.Close)
	weak, err := tlstest.Serve(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS11}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(weak.Close)

	code, out, errOut := run(t, "tls", "check", strong.Addr, weak.Addr, "--ca-file", caFile, "--json")
	if code != 1 || !strings.Contains(errOut, "failing: "+weak.Addr) {
		t.Errorf("exit %d: %s", code, errOut)
	}
	var rs []struct {
		Endpoint, Status string
		Findings         []struct{ ID, Status, Detail, Reason string }
	}
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(rs) != 2 || rs[0].Endpoint != strong.Addr || rs[0].Status != "pass" || rs[1].Endpoint != weak.Addr || rs[1].Status != "fail" {
		t.Fatalf("%+v", rs)
	}
	found := false
	for _, f := range rs[1].Findings {
		if f.ID == "protocol.TLSv1.0" && f.Status == "fail" && strings.Contains(f.Reason, "RFC 8996") {
			found = true
		}
	}
	if !found {
		t.Errorf("the weak endpoint's findings: %+v", rs[1].Findings)
	}
	// Without the CA the certificate is not trusted; text says why.
	code, out, _ = run(t, "tls", "check", strong.Addr)
	if code != 1 || !strings.Contains(out, strong.Addr+": FAIL") || !strings.Contains(out, "cert.untrusted") {
		t.Errorf("without the CA: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "tls", "check", strong.Addr, "--ca-file", caFile, "--profile", "modern")
	if code != 0 || !strings.Contains(out, strong.Addr+": WARN (Mozilla modern profile)") || !strings.Contains(out, "protocol.TLSv1.2") {
		t.Errorf("modern: exit %d\n%s", code, out)
	}
	if code, _, errOut := run(t, "tls", "check", "--profile", "old", strong.Addr); code == 0 || !strings.Contains(errOut, `no TLS profile "old"`) {
		t.Errorf("an unknown profile: exit %d %s", code, errOut)
	}
	if code, _, errOut := run(t, "tls", "check"); code != 2 || !strings.Contains(errOut, "name the endpoints") {
		t.Errorf("no endpoints: exit %d %s", code, errOut)
	}

	// With --org: recorded for the demo clinic, beside its own.
	db := seededDemo(t)
	code, out, errOut = run(t, "tls", "check", "--db", db, "--org", "riverside-demo", "--ca-file", caFile, weak.Addr)
	if code != 1 || !strings.Contains(out, "recorded as probe") {
		t.Errorf("recorded: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = run(t, "check", "run", "--db", db, "--org", "riverside-demo", "--json")
	if code != 0 || !strings.Contains(out, weak.Addr) {
		t.Errorf("the checks after the recorded probe do not name %s: exit %d", weak.Addr, code)
	}
}
