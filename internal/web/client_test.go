package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/web"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// postWith posts a form with extra headers.
func postWith(t *testing.T, c *http.Client, u string, form url.Values, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func cookieNamed(resp *http.Response, name string) *http.Cookie {
	for _, c := range resp.Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// checkSecureCookies asserts that a sign-in's answer set the __Host-
// session and device cookies, Secure, and sent HSTS.
func checkSecureCookies(t *testing.T, resp *http.Response) {
	t.Helper()
	for _, name := range []string{kit.TLSCookieName, kit.TLSDeviceCookieName} {
		c := cookieNamed(resp, name)
		if c == nil || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
			t.Errorf("cookie %s: %+v, want Secure, HttpOnly, host-only, for /", name, c)
		}
	}
	if c := cookieNamed(resp, kit.TLSDeviceCookieName); c != nil && c.MaxAge < 300*24*3600 {
		t.Errorf("the device cookie lasts %d s", c.MaxAge)
	}
	if cookieNamed(resp, kit.CookieName) != nil {
		t.Error("a cookie without Secure was set over TLS")
	}
	if h := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(h, "max-age=") {
		t.Errorf("HSTS %q", h)
	}
}

// Over TLS the session and device cookies are Secure with the __Host-
// prefix, and HSTS is sent.
func TestCookiesOverTLS(t *testing.T) {
	s := storetest.SQLite(t)
	srv := httptest.NewUnstartedServer(nil)
	h, err := newHandler(t, s, "https://"+srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.StartTLS()
	t.Cleanup(srv.Close)
	c := srv.Client()
	c.Jar, _ = cookiejar.New(nil)
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ := post(t, c, srv.URL+"/setup", setupForm)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup over TLS: %d", resp.StatusCode)
	}
	checkSecureCookies(t, resp)
	// The __Host- cookie signs the browser in.
	if resp, body := fetch(t, c, srv.URL+"/account"); resp.StatusCode != 200 || !strings.Contains(body, "owner@riverside.example") {
		t.Errorf("account page with the __Host- cookie: %d", resp.StatusCode)
	}
}

// Behind a trusted proxy the client's address comes from X-Forwarded-For
// (throttling and the audit log go by it) and X-Forwarded-Proto https
// makes cookies Secure and sends HSTS; from any other peer those headers
// are ignored.
func TestTrustedProxy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		proxies, err := kit.ParseProxies([]string{"127.0.0.1/32,::1"})
		if err != nil {
			t.Fatal(err)
		}
		behind, _ := newServerAndHandler(t, s, func(c *web.Config) { c.TrustedProxies = proxies })
		direct := newServer(t, s)
		forwarded := func(client string) http.Header {
			return http.Header{"X-Forwarded-For": {"198.51.100.77, " + client}, "X-Forwarded-Proto": {"https"}}
		}
		resp, _ := postWith(t, newClient(t), behind.URL+"/setup", setupForm, forwarded("203.0.113.5"))
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("setup behind the proxy: %d", resp.StatusCode)
		}
		checkSecureCookies(t, resp)
		// The same headers from a peer that is not trusted change nothing.
		resp, _ = postWith(t, newClient(t), direct.URL+"/login", url.Values{"email": {"owner@riverside.example"}, "password": {ownerPassword}}, forwarded("203.0.113.5"))
		if cookieNamed(resp, kit.CookieName) == nil || cookieNamed(resp, kit.TLSCookieName) != nil || resp.Header.Get("Strict-Transport-Security") != "" {
			t.Errorf("forwarded headers from an untrusted peer were believed: %v, HSTS %q", resp.Cookies(), resp.Header.Get("Strict-Transport-Security"))
		}
		// Throttling goes by the forwarded client: one client's failures do
		// not hold back another behind the same proxy.
		wrong := url.Values{"email": {"owner@riverside.example"}, "password": {"guess guess guess guess"}}
		for range 5 {
			postWith(t, newClient(t), behind.URL+"/login", wrong, forwarded("203.0.113.9"))
		}
		if resp, _ := postWith(t, newClient(t), behind.URL+"/login", wrong, forwarded("203.0.113.9")); resp.StatusCode != http.StatusTooManyRequests {
			t.Errorf("the guessing client after 5 failures: %d, want 429", resp.StatusCode)
		}
		right := url.Values{"email": {"owner@riverside.example"}, "password": {ownerPassword}}
		if resp, _ := postWith(t, newClient(t), behind.URL+"/login", right, forwarded("203.0.113.10")); resp.StatusCode != http.StatusSeeOther {
			t.Errorf("another client behind the same proxy: %d, want a sign-in", resp.StatusCode)
		}
		entries, err := s.AuditLog(context.Background(), store.AuditFilter{Limit: 1000})
		if err != nil {
			t.Fatal(err)
		}
		sources := map[string]bool{}
		for _, e := range entries {
			if e.Action == "login.failed" {
				sources[e.Source] = true
			}
		}
		if !sources["203.0.113.9"] || len(sources) != 1 {
			t.Errorf("the failures were recorded from %v, want the forwarded client 203.0.113.9", sources)
		}
	})
}

// The signed-in user is told of the failed sign-ins to their account since
// they last signed in, on every page until they have read it.
func TestFailedSigninsAreTold(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	owner := newClient(t)
	post(t, owner, srv.URL+"/setup", setupForm)
	post(t, owner, srv.URL+"/logout", nil)
	for range 3 {
		post(t, newClient(t), srv.URL+"/login", url.Values{"email": {"owner@riverside.example"}, "password": {"guess guess guess guess"}})
	}
	post(t, owner, srv.URL+"/login", url.Values{"email": {"owner@riverside.example"}, "password": {ownerPassword}})
	for _, path := range []string{"/", "/catalog"} {
		if _, body := fetch(t, owner, srv.URL+path); !strings.Contains(body, "3 failed sign-in attempts</strong> to your account since you last signed in") ||
			!strings.Contains(body, time.Now().UTC().Format("2 Jan 2006")) {
			t.Errorf("%s does not tell of the failed sign-ins:\n%s", path, body)
		}
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/account/failed-signins", nil)
	req.Header.Set("Referer", srv.URL+"/catalog?q=encryption")
	resp, err := owner.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalog?q=encryption" {
		t.Errorf("read: %d → %s, want back to the page", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := fetch(t, owner, srv.URL+"/"); strings.Contains(body, "failed sign-in attempt") {
		t.Error("still told after reading")
	}
}
