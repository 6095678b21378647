package web_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/tlscheck/tlstest"
	"github.com/safeguard-health/safeguard/internal/tlssec"
	"github.com/safeguard-health/safeguard/internal/web"
)

// The TLS page and API: endpoints listed in the profile's form, a probe
// asked for in the browser runs as a job through the server's network;
// the page then shows each endpoint's verdicts with their reasons, the
// check follows, and the API gives the same.
func TestTLSPageAndAPI(t *testing.T) {
	s := storetest.SQLite(t)
	ca, err := tlstest.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.Issue(tlstest.Leaf{Names: []string{"portal.riverside.example", "vpn.riverside.example"}})
	if err != nil {
		t.Fatal(err)
	}
	hsts := "max-age=63072000"
	portal, err := tlstest.Serve(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12,
		CipherSuites: []uint16{tls.TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256}}, &hsts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(portal.Close)
	vpn, err := tlstest.Serve(&tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS10}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(vpn.Close)
	names := map[string]string{"portal.riverside.example:443": portal.Addr, "vpn.riverside.example:10443": vpn.Addr}
	srv, h := newServerAndHandler(t, s, func(c *web.Config) {
		c.TLS = &tlssec.Service{Timeout: 5 * time.Second, Roots: ca.Pool, Dial: tlstest.Dialer(names)}
	})
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	base := srv.URL + "/orgs/riverside"

	if _, body := fetch(t, c, base+"/tls"); !strings.Contains(body, "No TLS endpoints yet") {
		t.Errorf("the page without endpoints:\n%s", body)
	}
	if resp, body := post(t, c, base+"/tls/probe", nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "no TLS endpoints") {
		t.Errorf("a probe without endpoints: %d", resp.StatusCode)
	}
	// The profile's form takes the endpoints, refusing a bad one by name.
	form := map[string][]string{"step": {"3"}, "security_name": {"Dana Reyes"}, "tls_endpoints": {"portal.riverside.example\r\nvpn.riverside.example:99999"}}
	if resp, body := post(t, c, base+"/profile", form); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "TLS endpoint 2") {
		t.Errorf("a bad endpoint: %d", resp.StatusCode)
	}
	form["tls_endpoints"] = []string{"portal.riverside.example\r\nvpn.riverside.example:10443"}
	if resp, _ := post(t, c, base+"/profile", form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("the endpoints: %d", resp.StatusCode)
	}
	if _, body := fetch(t, c, base+"/profile?step=3"); !strings.Contains(body, "portal.riverside.example:443\nvpn.riverside.example:10443") {
		t.Errorf("the form does not show the endpoints it saved:\n%s", body)
	}
	_, body := fetch(t, c, base+"/tls")
	if !strings.Contains(body, "not checked yet") || !strings.Contains(body, "Probe the endpoints now") {
		t.Errorf("before a probe:\n%s", body)
	}
	resp, _ := post(t, c, base+"/tls/probe", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("probe: %d", resp.StatusCode)
	}
	h.Wait()
	_, body = fetch(t, c, srv.URL+resp.Header.Get("Location"))
	for _, want := range []string{
		"A probe of the organisation&#39;s TLS endpoints is queued",
		`<code>vpn.riverside.example:10443</code>`,
		"TLSv1.0 is accepted.",
		"RFC 8996",
		"HSTS <code>max-age=63072000</code>",
		"SSLv2, SSLv3: Go&#39;s TLS client does not speak them",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the TLS page lacks %q", want)
		}
	}
	_, body = fetch(t, c, base+"/checks")
	if !strings.Contains(body, "Services encrypt with current TLS") || !strings.Contains(body, "failing (vpn.riverside.example:10443)") {
		t.Errorf("the checks after the probe lack crypto.tls")
	}

	ctx := context.Background()
	o, err := s.ResolveOrganization(ctx, "riverside")
	if err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(ctx, &auth.APIToken{Name: "script", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	api := apiClient{t, srv.URL + "/api/v1/orgs/riverside", token}
	code, out := api.do("GET", "/tls", nil)
	endpoints, _ := out["endpoints"].([]any)
	if code != 200 || len(endpoints) != 2 || out["profile"] != "intermediate" {
		t.Fatalf("GET tls: %d %v", code, out)
	}
	statuses := map[string]any{}
	for _, raw := range endpoints {
		e := raw.(map[string]any)
		statuses[e["endpoint"].(string)] = e["status"]
		results := e["results"].([]any)
		if len(results) != 1 || results[0].(map[string]any)["source"] != "safeguard" {
			t.Errorf("%v: results %v", e["endpoint"], results)
		}
	}
	if statuses["portal.riverside.example:443"] != "pass" || statuses["vpn.riverside.example:10443"] != "fail" {
		t.Errorf("statuses through the API: %v", statuses)
	}
	if code, _ := api.do("POST", "/tls/probe", nil); code != http.StatusAccepted {
		t.Errorf("POST tls/probe: %d", code)
	}
	h.Wait()
}
