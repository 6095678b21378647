package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/store/storetest"
	"github.com/safeguard-health/safeguard/internal/web"
)

// Every API route, for every kind of token: only an active token of the
// organisation in the path, holding the route's scope, gets in.
func TestAPITokenMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv, routes := newServerWithRoutes(t, s)
		a := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
		b := &org.Organization{Slug: "northside", Name: "Northside", EntityType: org.HealthPlan}
		for _, o := range []*org.Organization{a, b} {
			if err := s.CreateOrganization(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		mint := func(o *org.Organization, expires time.Time, scopes ...auth.Scope) (string, *auth.APIToken) {
			token, hash := auth.NewAPIToken()
			tk := &auth.APIToken{Name: "t", Scopes: scopes, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: expires}
			if err := s.Scope(o).CreateAPIToken(ctx, tk); err != nil {
				t.Fatal(err)
			}
			return token, tk
		}
		later := time.Now().Add(time.Hour)
		readA, _ := mint(a, later, auth.ScopeRead)
		importA, _ := mint(a, later, auth.ScopeImport)
		readB, _ := mint(b, later, auth.ScopeRead, auth.ScopeWrite, auth.ScopeImport)
		expired, _ := mint(a, time.Now().Add(-time.Second), auth.ScopeRead)
		revoked, revokedTok := mint(a, later, auth.ScopeRead)
		if err := s.Scope(a).RevokeAPIToken(ctx, revokedTok.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Scope(b).RevokeAPIToken(ctx, revokedTok.ID); err == nil {
			t.Error("one organisation revoked another's token")
		}
		for _, rt := range routes {
			if rt.Access.Kind != web.API {
				continue
			}
			_, path, _ := strings.Cut(rt.Pattern, " ")
			target := srv.URL + strings.ReplaceAll(path, "{org}", "riverside")
			for _, tc := range []struct {
				name, bearer string
				want         int
			}{
				{"no token", "", 401},
				{"malformed", "sg_not-a-token", 401},
				{"truncated", readA[:len(readA)-3], 401},
				{"expired", expired, 401},
				{"revoked", revoked, 401},
				{"token of another organisation", readB, 404},
				{"token without the scope", importA, 403},
				{"token of this organisation with the scope", readA, 200},
			} {
				req, _ := http.NewRequest(http.MethodGet, target, nil)
				if tc.bearer != "" {
					req.Header.Set("Authorization", "Bearer "+tc.bearer)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				var body map[string]any
				json.NewDecoder(resp.Body).Decode(&body)
				resp.Body.Close()
				if resp.StatusCode != tc.want || resp.Header.Get("Content-Type") != "application/json" {
					t.Errorf("%s with %s: %d (%s), want %d", rt.Pattern, tc.name, resp.StatusCode, resp.Header.Get("Content-Type"), tc.want)
				}
				if tc.want == 200 && rt.Pattern == "GET /api/v1/orgs/{org}" && body["slug"] != "riverside" {
					t.Errorf("body %v", body)
				}
				if tc.want != 200 && body["error"] == nil {
					t.Errorf("%s with %s: no error message", rt.Pattern, tc.name)
				}
			}
		}
		entries, _ := s.AuditLog(ctx, store.AuditFilter{Limit: 1000})
		counts := map[string]int{}
		for _, e := range entries {
			counts[e.Action]++
		}
		if counts["api.auth_failed"] < 5 || counts["api.denied"] < 2 {
			t.Errorf("refusals in the audit log: %v", counts)
		}
	})
}

func FuzzAPITokenHash(f *testing.F) {
	tok, _ := auth.NewAPIToken()
	for _, seed := range []string{tok, "sg_", "sg_" + strings.Repeat("A", 43), "Bearer x", "\x00\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if h := auth.APITokenHash(s); h != "" && len(h) != 64 {
			t.Fatalf("hash %q of %q", h, s)
		}
	})
}

var newTokenRE = regexp.MustCompile(`id="new-token">(sg_[A-Za-z0-9_-]{43})<`)

// An owner creates a token, sees it once, uses it, and revokes it.
func TestTokenLifecycle(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	resp, body := post(t, c, srv.URL+"/orgs/riverside/tokens", url.Values{"name": {"SIEM export"}, "scope": {"read", "import"}, "days": {"30"}})
	m := newTokenRE.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("create: %d\n%s", resp.StatusCode, body)
	}
	token := m[1]
	if _, list := fetch(t, c, srv.URL+"/orgs/riverside/tokens"); strings.Contains(list, token) || !strings.Contains(list, token[:10]) || !strings.Contains(list, "read, import") {
		t.Errorf("the token list shows the whole token, or not its prefix and scopes")
	}
	api := func() int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/orgs/riverside/members", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := api(); code != 200 {
		t.Fatalf("API with the new token: %d", code)
	}
	tokens, _ := s.Scope(mustOrg(t, s)).APITokens(context.Background())
	if len(tokens) != 1 || tokens[0].LastUsedAt.IsZero() || tokens[0].Hash == token {
		t.Fatalf("stored token: %+v", tokens)
	}
	if resp, _ := post(t, c, srv.URL+"/orgs/riverside/tokens/"+tokens[0].ID+"/revoke", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if code := api(); code != 401 {
		t.Errorf("API after revoke: %d, want 401", code)
	}
	if resp, body := post(t, c, srv.URL+"/orgs/riverside/tokens", url.Values{"name": {"x"}, "scope": {"admin"}, "days": {"30"}}); resp.StatusCode != 400 || !strings.Contains(body, `unknown scope`) {
		t.Errorf("bad scope: %d", resp.StatusCode)
	}
}

func mustOrg(t *testing.T, s *store.Store) *org.Organization {
	t.Helper()
	o, err := s.OrganizationBySlug(context.Background(), "riverside")
	if err != nil {
		t.Fatal(err)
	}
	return o
}
