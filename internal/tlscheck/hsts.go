package tlscheck

import (
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
)

// hsts asks the endpoint for / over HTTPS and reads its
// Strict-Transport-Security header (RFC 6797 section 6.1), following no
// redirect: the header must come on the endpoint's own answer.
func (p *prober) hsts(ctx context.Context) *HSTS {
	ctx, cancel := context.WithTimeout(ctx, p.o.Timeout)
	defer cancel()
	// The transport closes a connection in a goroutine of its own once the
	// answer is read; the connections are closed here before returning, so
	// that a scan holds no more connections than its workers.
	var mu sync.Mutex
	var conns []net.Conn
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	}()
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
			c, err := p.o.Dial(ctx, network, p.addr)
			if err == nil {
				mu.Lock()
				conns = append(conns, c)
				mu.Unlock()
			}
			return c, err
		},
		TLSClientConfig:   &tls.Config{ServerName: serverName(p.host), InsecureSkipVerify: true, MinVersion: tls.VersionTLS10, CipherSuites: allSuites},
		DisableKeepAlives: true,
		ForceAttemptHTTP2: true,
	}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "https://"+p.addr+"/", nil)
	if err != nil {
		return &HSTS{Error: err.Error()}
	}
	req.Host = p.host
	resp, err := client.Do(req)
	if err != nil {
		return &HSTS{Error: "the HTTPS request failed: " + err.Error()}
	}
	io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return ParseHSTS(resp.Header.Get("Strict-Transport-Security"))
}

// ParseHSTS reads a Strict-Transport-Security header's directives (RFC
// 6797 section 6.1): max-age, includeSubDomains, preload. A header
// without a valid max-age has MaxAge -1.
func ParseHSTS(header string) *HSTS {
	h := &HSTS{Header: header, MaxAge: -1}
	if header == "" {
		return h
	}
	for _, d := range strings.Split(header, ";") {
		name, value, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(strings.TrimSpace(name)) {
		case "max-age":
			n, err := strconv.ParseInt(strings.Trim(strings.TrimSpace(value), `"`), 10, 64)
			if err == nil && n >= 0 {
				h.MaxAge = n
			}
		case "includesubdomains":
			h.IncludeSubDomains = true
		case "preload":
			h.Preload = true
		}
	}
	return h
}
