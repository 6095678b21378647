package tlscheck_test

import (
	"context"
	"crypto/tls"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
	"github.com/safeguard-health/safeguard/internal/tlscheck/tlstest"
)

// Safeguard's verdicts on protocol versions and certificates agree with
// testssl.sh's on the same loopback servers, strong and weak: for each
// endpoint, each of TLS 1.0 to 1.3 accepted or not, the certificate
// trusted or not, for the name or not, expired or not. testssl.sh
// (Debian's testssl.sh package, which .ci/run installs) scans them all in
// parallel; its report is read by Safeguard's own reader. The count of
// verdicts compared is printed (and, for CI, written to
// SAFEGUARD_TESTSSL_SUMMARY).
func TestAgreesWithTestSSL(t *testing.T) {
	summary := func(line string) {
		t.Log(line)
		if f := os.Getenv("SAFEGUARD_TESTSSL_SUMMARY"); f != "" {
			os.WriteFile(f, []byte(line+"\n"), 0o644)
		}
	}
	bin, err := exec.LookPath("testssl")
	if err != nil {
		if bin, err = exec.LookPath("testssl.sh"); err != nil {
			if os.Getenv("CI") != "" {
				t.Fatal("testssl.sh is not installed: .ci/run installs Debian's testssl.sh")
			}
			summary("testssl.sh agreement: not run (testssl.sh is not installed)")
			t.Skip("testssl.sh is not installed (apt-get install testssl.sh)")
		}
	}
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	caFile := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM, 0o600); err != nil {
		t.Fatal(err)
	}
	servers := map[string]string{} // address → what it is
	var addrs []string
	serve := func(what string, leaf tlstest.Leaf, cfg *tls.Config) {
		cert, err := ca.Issue(leaf)
		if err != nil {
			t.Fatal(err)
		}
		cfg.Certificates = []tls.Certificate{cert}
		s, err := tlstest.Serve(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		servers[s.Addr] = what
		addrs = append(addrs, s.Addr)
	}
	here := []string{"127.0.0.1"}
	serve("strong", tlstest.Leaf{Names: here}, strong())
	// (Servers of TLS 1.0 alone, or of TLS 1.3 alone, are not among them:
	// testssl.sh 3.0 on Debian's OpenSSL 3 cannot connect to them, and says
	// so, "Your OpenSSL cannot connect"; TestVerdicts covers them.)
	serve("TLS 1.0 to 1.2, RSA", tlstest.Leaf{Names: here, RSABits: 2048}, &tls.Config{MinVersion: tls.VersionTLS10, MaxVersion: tls.VersionTLS12})
	serve("TLS 1.1 and 1.2", tlstest.Leaf{Names: here}, &tls.Config{MinVersion: tls.VersionTLS11, MaxVersion: tls.VersionTLS12})
	serve("expired", tlstest.Leaf{Names: here, NotBefore: time.Now().AddDate(0, -4, 0)}, strong())
	serve("self-signed", tlstest.Leaf{Names: here, SelfSigned: true}, strong())
	serve("wrong name", tlstest.Leaf{Names: []string{"other.test"}}, strong())

	targets := filepath.Join(dir, "targets.txt")
	if err := os.WriteFile(targets, []byte(strings.Join(addrs, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "testssl.json")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--jsonfile", report, "--quiet", "--color", "0", "--warnings", "off", "--add-ca", caFile,
		"--parallel", "-p", "-S", "--file", targets)
	cmd.Env = append(os.Environ(), "TERM=dumb")
	if out, err := cmd.CombinedOutput(); err != nil {
		if _, statErr := os.Stat(report); statErr != nil {
			t.Fatalf("testssl.sh: %v\n%s", err, out)
		}
	}
	f, err := os.Open(report)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	theirs, err := ingest.ReadTestSSL("testssl.json", f, mustProfile(t))
	if err != nil {
		t.Fatal(err)
	}
	byEndpoint := map[string]*tlscheck.Result{}
	for _, r := range theirs.Results {
		byEndpoint[r.Endpoint] = r
	}

	compared, agreed := 0, 0
	agree := func(what string, ours, them bool) {
		compared++
		if ours == them {
			agreed++
			return
		}
		t.Errorf("%s: Safeguard says %v, testssl.sh %v", what, ours, them)
	}
	o := tlscheck.Options{Roots: ca.Pool, Timeout: 10 * time.Second}
	for _, addr := range addrs {
		ours := tlscheck.Check(context.Background(), addr, o)
		them := byEndpoint[addr]
		if them == nil || them.Cert == nil || ours.Cert == nil {
			t.Errorf("%s (%s): no result to compare (testssl.sh %+v)", addr, servers[addr], them)
			continue
		}
		for _, v := range []string{"TLSv1.0", "TLSv1.1", "TLSv1.2", "TLSv1.3"} {
			agree(fmt.Sprintf("%s (%s) accepts %s", addr, servers[addr], v), acceptedVersion(ours, v), acceptedVersion(them, v))
		}
		agree(fmt.Sprintf("%s (%s) certificate trusted", addr, servers[addr]), ours.Cert.Trusted, them.Cert.Trusted)
		agree(fmt.Sprintf("%s (%s) certificate for the name", addr, servers[addr]), ours.Cert.NameMatches, them.Cert.NameMatches)
		agree(fmt.Sprintf("%s (%s) certificate expired", addr, servers[addr]), hasFinding(ours, "cert.expired"), hasFinding(them, "cert.expired"))
	}
	summary(fmt.Sprintf("testssl.sh agreement: %d of %d verdicts on protocols and certificates agree, over %d loopback servers (testssl.sh %s)",
		agreed, compared, len(addrs), strings.TrimSpace(testsslVersion(bin))))
	if compared < 7*len(addrs) {
		t.Errorf("%d verdicts compared, want %d", compared, 7*len(addrs))
	}
}

func mustProfile(t *testing.T) *tlscheck.Profile {
	p, err := tlscheck.LoadProfile("")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func acceptedVersion(r *tlscheck.Result, name string) bool {
	for _, v := range r.Versions {
		if v.Name == name {
			return v.Accepted
		}
	}
	return false
}

func hasFinding(r *tlscheck.Result, id string) bool {
	for _, f := range r.Findings {
		if f.ID == id {
			return true
		}
	}
	return false
}

// testsslVersion is what testssl.sh says its version is.
func testsslVersion(bin string) string {
	out, _ := exec.Command(bin, "--version").CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if i := strings.Index(line, "testssl"); i >= 0 && strings.Contains(line, "from") {
			fields := strings.Fields(line[i:])
			if len(fields) > 1 {
				return fields[1]
			}
		}
	}
	return "(version unknown)"
}
