package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/account"
	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/blob"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/sso"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
	"github.com/safeguard-health/safeguard/internal/web"
)

// testEvidenceMax keeps the vault's size limit small enough to test.
const testEvidenceMax = 256 << 10

// testEvidence is the evidence service over s's database.
func testEvidence(s *store.Store) *evidence.Service {
	v := vault.New(s, vault.Keyring{{ID: "test", Key: make([]byte, 32)}})
	return &evidence.Service{Blobs: &blob.Store{Backend: blob.Database{Rows: s}, Sealer: v}, Sealer: v}
}

// testApp is the web app with the job engine that imports its uploads.
type testApp struct {
	*web.Server
	jobs *jobs.Engine
	t    testing.TB
}

// Wait waits until every background job has ended.
func (a *testApp) Wait() {
	a.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := a.jobs.Wait(ctx); err != nil {
		a.t.Fatalf("waiting for the background jobs: %v", err)
	}
}

// newHandler builds the web app over s, with a job engine working its
// uploads until the test ends; base is the address it is served at (for
// the SSO callback). Options change the configuration.
func newHandler(t testing.TB, s *store.Store, base string, options ...func(*web.Config)) (*testApp, error) {
	t.Helper()
	reg, err := catalog.Load()
	if err != nil {
		return nil, err
	}
	v := vault.New(s, vault.Keyring{{ID: "test", Key: make([]byte, 32)}})
	accounts := account.New(s, auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}, nil), v, nil)
	callback := base + "/sso/callback"
	prog, err := assessment.NewProgram(reg)
	if err != nil {
		return nil, err
	}
	blobs := &blob.Store{Backend: blob.Database{Rows: s}, Sealer: v}
	c := web.Config{
		Catalog: reg, Store: s, Accounts: accounts, SSO: sso.New(s, v, callback, nil), SSOCallbackURL: callback,
		Program: prog, Evidence: &evidence.Service{Blobs: blobs, Sealer: v, MaxBytes: testEvidenceMax},
		Log: slog.New(slog.NewTextHandler(io.Discard, nil)), Version: "test",
	}
	for _, o := range options {
		o(&c)
	}
	// The job engine probes email domains as the options' email service
	// says (its resolver), when the pages ask it: never on its own round,
	// which would probe a domain the moment a profile names it and run the
	// checks behind a test's back (the round is tested in package jobs).
	engine, err := jobs.New(jobs.Config{Store: s, Blobs: blobs, Work: true, PollInterval: 20 * time.Millisecond, Email: c.Email, EmailEvery: -1, TLS: c.TLS, TLSEvery: -1})
	if err != nil {
		return nil, err
	}
	if err := engine.Start(context.Background()); err != nil {
		return nil, err
	}
	t.Cleanup(func() { engine.Stop(context.Background()) })
	c.Jobs, c.Email, c.TLS = engine, engine.EmailService(), engine.TLSService()
	h, err := web.New(c)
	if err != nil {
		return nil, err
	}
	return &testApp{Server: h, jobs: engine, t: t}, nil
}

// addMember creates a user with ownerPassword and gives them role in the
// organisation orgID.
func addMember(t *testing.T, s *store.Store, orgID, email, name string, role auth.Role) *auth.User {
	t.Helper()
	hash, _ := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}, nil).Hash(ownerPassword)
	u := &auth.User{Email: email, Name: name, PasswordHash: hash}
	if err := s.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	if err := s.SetMembership(context.Background(), orgID, u.ID, role); err != nil {
		t.Fatal(err)
	}
	return u
}

// newServer serves the web app over s on loopback.
func newServer(t *testing.T, s *store.Store) *httptest.Server {
	t.Helper()
	srv, _ := newServerAndHandler(t, s)
	return srv
}

func newServerAndHandler(t *testing.T, s *store.Store, options ...func(*web.Config)) (*httptest.Server, *testApp) {
	t.Helper()
	srv := httptest.NewUnstartedServer(nil)
	h, err := newHandler(t, s, "http://"+srv.Listener.Addr().String(), options...)
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler = h
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, h
}

func get(t *testing.T, base, path string) (int, http.Header, string) {
	t.Helper()
	resp, err := http.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(body)
}

// The pages, as a table of requests and what each answer must hold.
func TestPages(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	if err := s.CreateOrganization(ctx, &org.Organization{Slug: "riverside-demo", Name: "Riverside Family Clinic", EntityType: org.Provider, WorkforceSize: 5, Sites: 1, Demo: true}); err != nil {
		t.Fatal(err)
	}
	srv := newServer(t, s)
	for _, tc := range []struct {
		name, path string
		status     int
		want       []string
		not        []string
	}{
		{"home on a new installation asks for set-up", "/", 200, []string{"Set up Safeguard", "Demonstration organisation"}, []string{"Riverside Family Clinic"}},
		{"health", "/healthz", 200, []string{"ok"}, nil},
		{"catalog", "/catalog", 200, []string{"HIPAA Security Rule", "HHS Healthcare and Public Health Cybersecurity Performance Goals", "NIST Cybersecurity Framework 2.0"}, nil},
		{"framework tree", "/catalog/hipaa-security-rule", 200, []string{"164.308(a)(1)(ii)(A)", "Risk analysis", `class="badge required"`, `class="badge addressable"`, "About this data"}, nil},
		{"standard with guidance", "/catalog/hipaa-security-rule/" + url.PathEscape("164.312(d)"), 200, []string{
			"Person or entity authentication", "is the one claimed", "45 CFR 164.312(d)",
			`href="/catalog/hph-cpg/essential-3"`, "Multifactor Authentication", "maps to this item",
			"NIST SP 800-66 Rev. 2 guidance", "Evaluate Available Authentication Options", "Is MFA being used?"}, nil},
		{"specification", "/catalog/hipaa-security-rule/164.312(a)(2)(iv)", 200, []string{"Encryption and decryption", "Addressable", `href="/catalog/hipaa-security-rule/164.312%28a%29%281%29"`}, []string{"badge required"}},
		{"NIST numbering resolves", "/catalog/hipaa-security-rule/164.308(b)(4)", 200, []string{"164.308(b)(3)", "Written contract or other arrangement"}, nil},
		{"goal", "/catalog/hph-cpg/essential-3", 200, []string{"Multifactor Authentication", "essential", `href="/catalog/hipaa-security-rule/164.312%28d%29"`, "this item maps to it", "summary", "2.H"}, nil},
		{"csf subcategory", "/catalog/nist-csf-2.0/PR.AA-03", 200, []string{"Users, services, and hardware are authenticated", "hph-cpg/essential-3"}, nil},
		{"search by citation", "/catalog?q=" + url.QueryEscape("164.312(d)"), 200, []string{`href="/catalog/hipaa-security-rule/164.312%28d%29"`, "matched in citation"}, nil},
		{"search by words", "/catalog?q=encryption", 200, []string{"Encryption and decryption", "Strong Encryption"}, nil},
		{"search nothing", "/catalog?q=qwertyuiop", 200, []string{"Nothing in the catalog matches"}, nil},
		{"search too long", "/catalog?q=" + strings.Repeat("a", 201), 400, []string{"longer than 200"}, nil},
		{"search escapes input", "/catalog?q=" + url.QueryEscape("<script>alert(1)</script>"), 200, []string{"&lt;script&gt;"}, []string{"<script>alert(1)"}},
		{"unknown framework", "/catalog/pci-dss", 404, []string{"unknown framework"}, nil},
		{"unknown item", "/catalog/hipaa-security-rule/164.399(z)", 404, []string{"no item"}, nil},
		{"unknown page", "/nowhere", 404, nil, nil},
		{"stylesheet", "/static/style.css", 200, []string{".demo-banner"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, hdr, body := get(t, srv.URL, tc.path)
			if status != tc.status {
				t.Fatalf("GET %s = %d, want %d\n%s", tc.path, status, tc.status, body)
			}
			for _, w := range tc.want {
				if !strings.Contains(body, w) {
					t.Errorf("GET %s: body lacks %q", tc.path, w)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(body, n) {
					t.Errorf("GET %s: body holds %q", tc.path, n)
				}
			}
			if csp := hdr.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe-inline") {
				t.Errorf("GET %s: CSP %q", tc.path, csp)
			}
			if hdr.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("GET %s: no nosniff", tc.path)
			}
		})
	}
}

// A cross-origin state-changing request from a browser is refused.
func TestCrossOriginProtection(t *testing.T) {
	srv := newServer(t, storetest.SQLite(t))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/catalog", strings.NewReader("q=x"))
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST = %d, want 403", resp.StatusCode)
	}
}

// /healthz says 503 when the store is gone.
func TestHealthzWhenStoreIsDown(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	s.Close()
	if status, _, _ := get(t, srv.URL, "/healthz"); status != http.StatusServiceUnavailable {
		t.Errorf("healthz with a closed store = %d, want 503", status)
	}
}

// The same pages work on PostgreSQL.
func TestPagesOnPostgres(t *testing.T) {
	srv := newServer(t, storetest.Postgres(t))
	if status, _, body := get(t, srv.URL, "/catalog"); status != 200 || !strings.Contains(body, "22 standards") {
		t.Errorf("catalog on PostgreSQL = %d", status)
	}
	if status, _, _ := get(t, srv.URL, "/healthz"); status != 200 {
		t.Errorf("healthz on PostgreSQL = %d", status)
	}
}

// A read that outlasts the server's read limit is stopped and answered
// 503, saying so, rather than holding its connections; writes are not
// limited.
func TestReadLimit(t *testing.T) {
	s := storetest.SQLite(t)
	srv, _ := newServerAndHandler(t, s, func(c *web.Config) { c.ReadLimit = time.Nanosecond })
	c := newClient(t)
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup, a write: %d", resp.StatusCode)
	}
	resp, body := fetch(t, c, srv.URL+"/orgs/riverside/findings")
	if resp.StatusCode != http.StatusServiceUnavailable || !strings.Contains(body, "was stopped before it finished") {
		t.Errorf("a read past the limit: %d\n%s", resp.StatusCode, body)
	}
}
