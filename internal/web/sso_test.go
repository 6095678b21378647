package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// Single sign-on against an OpenID Connect provider the test runs on
// loopback: a member signs in; a state works once; unverified addresses,
// other domains and non-members are refused and audited.
func TestSSO(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		m, err := mockoidc.Run()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { m.Shutdown() })
		cfg := m.Config()

		srv := newServer(t, s)
		owner := newClient(t)
		post(t, owner, srv.URL+"/setup", setupForm)
		member := &auth.User{Email: "jane.doe@riverside.example", Name: "Jane Doe"}
		if err := s.CreateUser(ctx, member); err != nil {
			t.Fatal(err)
		}
		o, _ := s.OrganizationBySlug(ctx, "riverside")
		if err := s.SetMembership(ctx, o.ID, member.ID, auth.Workforce); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateUser(ctx, &auth.User{Email: "stranger@riverside.example", Name: "Not a member"}); err != nil {
			t.Fatal(err)
		}

		// The owner sets it up; a wrong issuer is refused with the reason.
		if resp, body := post(t, owner, srv.URL+"/orgs/riverside/sso", url.Values{"issuer": {"http://127.0.0.1:1/nothing"}, "client_id": {"x"}, "client_secret": {"y"}}); resp.StatusCode != 400 || !strings.Contains(body, "does not answer OpenID Connect discovery") {
			t.Errorf("bad issuer: %d", resp.StatusCode)
		}
		resp, body := post(t, owner, srv.URL+"/orgs/riverside/sso", url.Values{
			"issuer": {cfg.Issuer}, "client_id": {cfg.ClientID}, "client_secret": {cfg.ClientSecret}, "email_domain": {"riverside.example"}})
		if resp.StatusCode != 200 || !strings.Contains(body, "Single sign-on is set up") {
			t.Fatalf("configure: %d\n%s", resp.StatusCode, body)
		}
		if c, _ := s.SSO(ctx, o.ID); c == nil || strings.Contains(c.SecretSealed, cfg.ClientSecret) {
			t.Fatalf("the client secret is not sealed: %+v", c)
		}

		// signIn runs the browser's side of the flow and returns the
		// callback's response.
		signIn := func(c *http.Client, user *mockoidc.MockUser) (*http.Response, string) {
			t.Helper()
			m.QueueUser(user)
			resp, _ := fetch(t, c, srv.URL+"/sso?org=riverside&next=/account")
			resp, _ = fetch(t, c, srv.URL+resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusFound || !strings.HasPrefix(resp.Header.Get("Location"), cfg.Issuer) {
				t.Fatalf("start: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
			}
			resp, _ = fetch(t, c, resp.Header.Get("Location")) // the provider signs the user in
			callback := resp.Header.Get("Location")
			if !strings.HasPrefix(callback, srv.URL+"/sso/callback?") {
				t.Fatalf("the provider sent the browser to %q", callback)
			}
			resp, _ = fetch(t, c, callback)
			return resp, callback
		}

		c := newClient(t)
		resp, callback := signIn(c, &mockoidc.MockUser{Subject: "jd", Email: "Jane.Doe@riverside.example", EmailVerified: true})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
			t.Fatalf("callback: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		if _, body := fetch(t, c, srv.URL+"/account"); !strings.Contains(body, "jane.doe@riverside.example") {
			t.Errorf("not signed in after SSO")
		}
		if resp, _ := fetch(t, newClient(t), callback); resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("replayed callback: %d, want 401", resp.StatusCode)
		}
		for _, tc := range []struct {
			name string
			user *mockoidc.MockUser
		}{
			{"unverified address", &mockoidc.MockUser{Subject: "u", Email: "jane.doe@riverside.example", EmailVerified: false}},
			{"another domain", &mockoidc.MockUser{Subject: "o", Email: "jane.doe@elsewhere.example", EmailVerified: true}},
			{"not a member", &mockoidc.MockUser{Subject: "s", Email: "stranger@riverside.example", EmailVerified: true}},
			{"no account", &mockoidc.MockUser{Subject: "n", Email: "nobody@riverside.example", EmailVerified: true}},
		} {
			if resp, _ := signIn(newClient(t), tc.user); resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: %d, want 403", tc.name, resp.StatusCode)
			}
		}
		if resp, _ := fetch(t, newClient(t), srv.URL+"/sso/no-such-org"); resp.StatusCode != http.StatusNotFound {
			t.Errorf("unknown organisation: %d", resp.StatusCode)
		}
		entries, _ := s.AuditLog(ctx, store.AuditFilter{Limit: 1000})
		counts := map[string]int{}
		for _, e := range entries {
			counts[e.Action]++
		}
		if counts["sso.configure"] != 1 || counts["login.sso_failed"] < 5 {
			t.Errorf("audit: %v", counts)
		}
	})
}
