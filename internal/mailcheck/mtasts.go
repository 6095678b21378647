package mailcheck

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// MTASTS is a domain's MTA-STS policy (RFC 8461): the TXT record that
// announces it and the policy file it points to.
type MTASTS struct {
	Record string   `json:"record,omitempty"` // at _mta-sts.DOMAIN
	Mode   string   `json:"mode,omitempty"`   // enforce, testing, none
	MX     []string `json:"mx,omitempty"`     // the patterns the policy allows
	MaxAge int      `json:"max_age,omitempty"`
	// Uncovered are the domain's MX hosts no pattern of the policy matches.
	Uncovered []string `json:"uncovered,omitempty"`
	Error     string   `json:"error,omitempty"`
}

// TLSRPT is a domain's TLS reporting record (RFC 8460), at
// _smtp._tls.DOMAIN: where senders report failures to secure its mail.
type TLSRPT struct {
	Record string `json:"record,omitempty"`
}

// maxPolicy bounds the policy file read (RFC 8461 section 3.3 allows 64 KiB).
const maxPolicy = 64 << 10

// readMTASTS reads domain's MTA-STS record and, when there is one, its
// policy over HTTPS from mta-sts.DOMAIN, and says how it stands against
// the domain's MX hosts. It returns the findings and their worst status.
func readMTASTS(ctx context.Context, r *Resolver, p Probe, domain string, mxHosts []string) (*MTASTS, string, []string) {
	m := &MTASTS{}
	txts, err := r.LookupTXT(ctx, "_mta-sts."+domain)
	var de *net.DNSError
	switch {
	case errors.As(err, &de) && de.IsNotFound:
		return m, "warn", []string{"No MTA-STS record at _mta-sts." + domain + ": a sender cannot know that the domain's mail must arrive over verified TLS, so an attacker in the path can strip STARTTLS (RFC 8461)."}
	case err != nil:
		return m, "unknown", []string{"The MTA-STS record could not be read: " + err.Error()}
	}
	for _, t := range txts {
		if strings.HasPrefix(strings.ToLower(t), "v=stsv1") {
			m.Record = t
		}
	}
	if m.Record == "" {
		return m, "warn", []string{"No MTA-STS record (\"v=STSv1\") at _mta-sts." + domain + " (RFC 8461 section 3.1)."}
	}
	body, err := fetchPolicy(ctx, r, p, "mta-sts."+domain)
	if err != nil {
		m.Error = err.Error()
		return m, "fail", []string{fmt.Sprintf("The MTA-STS record is published, but the policy at https://mta-sts.%s/.well-known/mta-sts.txt could not be read (%v): senders ignore it (RFC 8461 section 3.3).", domain, err)}
	}
	if err := m.parse(body); err != nil {
		m.Error = err.Error()
		return m, "fail", []string{"The MTA-STS policy does not parse: " + err.Error() + " (RFC 8461 section 3.2)."}
	}
	for _, h := range mxHosts {
		if !m.covers(h) {
			m.Uncovered = append(m.Uncovered, h)
		}
	}
	var findings []string
	status := "pass"
	switch m.Mode {
	case "enforce":
		findings = append(findings, fmt.Sprintf("MTA-STS in enforce mode (max_age %d s): senders deliver only over verified TLS to the listed MX hosts.", m.MaxAge))
	case "testing":
		status = "warn"
		findings = append(findings, "MTA-STS in testing mode: senders report failures but still deliver (RFC 8461 section 5); enforce once the TLS reports are clean.")
	default:
		status = "fail"
		findings = append(findings, "MTA-STS mode "+strconv.Quote(m.Mode)+": the policy protects nothing (RFC 8461 section 3.2).")
	}
	if len(m.Uncovered) > 0 {
		status = worse(status, "fail")
		findings = append(findings, "The policy's mx patterns do not cover "+strings.Join(m.Uncovered, ", ")+": senders in enforce mode refuse to deliver there (RFC 8461 section 4.1).")
	}
	if m.MaxAge < 86400 {
		status = worse(status, "warn")
		findings = append(findings, fmt.Sprintf("max_age %d s is under a day: senders forget the policy quickly, and RFC 8461 section 3.2 suggests weeks.", m.MaxAge))
	}
	return m, status, findings
}

// parse reads a policy file's key: value lines (RFC 8461 section 3.2).
func (m *MTASTS) parse(body string) error {
	version := ""
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			return fmt.Errorf("%q is not a key: value line", line)
		}
		k, v = strings.ToLower(strings.TrimSpace(k)), strings.TrimSpace(v)
		switch k {
		case "version":
			version = v
		case "mode":
			m.Mode = strings.ToLower(v)
		case "mx":
			m.MX = append(m.MX, strings.ToLower(strings.TrimSuffix(v, ".")))
		case "max_age":
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 || n > 31557600 {
				return fmt.Errorf("max_age %q is not a number of seconds up to a year", v)
			}
			m.MaxAge = n
		}
	}
	switch {
	case version != "STSv1":
		return errors.New("it does not say version: STSv1")
	case m.Mode == "":
		return errors.New("it has no mode")
	case m.Mode != "none" && len(m.MX) == 0:
		return errors.New("it names no mx")
	}
	return nil
}

// covers reports whether an MX host matches a pattern of the policy: the
// name itself, or "*.example.com" for one label in front (RFC 8461 4.1).
func (m *MTASTS) covers(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	for _, p := range m.MX {
		if p == host {
			return true
		}
		if rest, ok := strings.CutPrefix(p, "*."); ok {
			if _, after, found := strings.Cut(host, "."); found && after == rest {
				return true
			}
		}
	}
	return false
}

// fetchPolicy gets the policy file over HTTPS from host, its address
// found through r like every other name, the certificate verified for the
// name and no redirect followed (RFC 8461 section 3.3).
func fetchPolicy(ctx context.Context, r *Resolver, p Probe, host string) (string, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	dial := p.Dial
	if dial == nil {
		dial = (&net.Dialer{}).DialContext
	}
	viaResolver := func(ctx context.Context, network, addr string) (net.Conn, error) {
		h, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		ips, err := r.LookupIPAddr(ctx, h)
		if err != nil {
			return nil, err
		}
		return dial(ctx, network, net.JoinHostPort(ips[0].IP.String(), port))
	}
	client := &http.Client{
		Timeout:   timeout,
		Transport: &http.Transport{DialContext: viaResolver, TLSClientConfig: &tls.Config{RootCAs: p.Roots, MinVersion: tls.VersionTLS12}},
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return errors.New("the policy's address redirects, which RFC 8461 forbids")
		},
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+host+"/.well-known/mta-sts.txt", nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", errors.Unwrap(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("the server answered %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPolicy+1))
	if err != nil {
		return "", err
	}
	if len(b) > maxPolicy {
		return "", errors.New("the policy is longer than 64 KiB")
	}
	return string(b), nil
}

// readTLSRPT reads domain's TLS reporting record.
func readTLSRPT(ctx context.Context, r *Resolver, domain string) (*TLSRPT, string, []string) {
	t := &TLSRPT{}
	txts, err := r.LookupTXT(ctx, "_smtp._tls."+domain)
	var de *net.DNSError
	switch {
	case errors.As(err, &de) && de.IsNotFound:
		return t, "warn", []string{"No TLS-RPT record at _smtp._tls." + domain + ": senders have nowhere to report failures to secure the domain's mail (RFC 8460 section 3)."}
	case err != nil:
		return t, "unknown", []string{"The TLS-RPT record could not be read: " + err.Error()}
	}
	for _, x := range txts {
		if strings.HasPrefix(strings.ToLower(x), "v=tlsrptv1") {
			t.Record = x
		}
	}
	if t.Record == "" || !strings.Contains(strings.ToLower(t.Record), "rua=") {
		return t, "warn", []string{"No TLS-RPT record (\"v=TLSRPTv1; rua=…\") at _smtp._tls." + domain + " (RFC 8460 section 3)."}
	}
	return t, "pass", []string{"TLS-RPT reports go where _smtp._tls." + domain + " says: " + t.Record}
}
