package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/web"
)

const ownerPassword = "a quiet river under the old bridge"

func newClient(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func post(t *testing.T, c *http.Client, u string, form url.Values) (*http.Response, string) {
	t.Helper()
	resp, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func fetch(t *testing.T, c *http.Client, u string) (*http.Response, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

var setupForm = url.Values{
	"org_name": {"Riverside Family Clinic"}, "slug": {"riverside"}, "entity_type": {"provider"}, "workforce": {"12"}, "sites": {"1"},
	"name": {"Olivia Owens"}, "email": {"owner@riverside.example"}, "password": {ownerPassword}, "password_confirm": {ownerPassword},
}

// First run: set-up creates the organisation and its owner, signs them in,
// and closes behind them.
func TestSetupSignInSignOut(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv := newServer(t, s)
		c := newClient(t)
		if resp, _ := fetch(t, c, srv.URL+"/"); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/setup" {
			t.Fatalf("/ on a new installation: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		bad := url.Values{}
		for k, v := range setupForm {
			bad[k] = v
		}
		bad["password_confirm"] = []string{"something else entirely"}
		if resp, body := post(t, c, srv.URL+"/setup", bad); resp.StatusCode != 400 || !strings.Contains(body, "the two passwords differ") || !strings.Contains(body, `value="Riverside Family Clinic"`) {
			t.Errorf("mismatched passwords: %d", resp.StatusCode)
		}
		resp, _ := post(t, c, srv.URL+"/setup", setupForm)
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/orgs/riverside/profile" {
			t.Fatalf("setup: %d to %q, want the profile wizard", resp.StatusCode, resp.Header.Get("Location"))
		}
		var cookie *http.Cookie
		for _, ck := range resp.Cookies() {
			if ck.Name == "safeguard_session" {
				cookie = ck
			}
		}
		if cookie == nil || !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.Path != "/" {
			t.Fatalf("session cookie %+v", cookie)
		}
		if _, body := fetch(t, c, srv.URL+"/"); !strings.Contains(body, "Riverside Family Clinic") || !strings.Contains(body, "Your role: Owner") || !strings.Contains(body, "owner@riverside.example") {
			t.Errorf("home after set-up:\n%s", body)
		}
		// Set-up is closed now, for everyone.
		if resp, _ := post(t, newClient(t), srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusForbidden {
			t.Errorf("second set-up: %d, want 403", resp.StatusCode)
		}
		// Sign out, and the cookie no longer works.
		if resp, _ := post(t, c, srv.URL+"/logout", nil); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/login" {
			t.Errorf("logout: %d", resp.StatusCode)
		}
		stale := newClient(t)
		u, _ := url.Parse(srv.URL)
		stale.Jar.SetCookies(u, []*http.Cookie{cookie})
		if resp, _ := fetch(t, stale, srv.URL+"/"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("a signed-out cookie still opens /: %d", resp.StatusCode)
		}
		// Sign in again.
		resp, _ = post(t, c, srv.URL+"/login", url.Values{"email": {"OWNER@riverside.example"}, "password": {ownerPassword}, "next": {"/catalog"}})
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/catalog" {
			t.Errorf("login: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		seen := auditActions(t, s)
		for _, a := range []string{"org.create", "user.create", "membership.set", "login.success", "logout"} {
			if !seen[a] {
				t.Errorf("no %s in the audit log", a)
			}
		}
	})
}

// Bad input on sign-in: each refused with the right status, the same words
// whatever was wrong, and an audit entry.
func TestSignInRefusals(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	post(t, c, srv.URL+"/logout", nil)
	for _, tc := range []struct {
		name   string
		form   url.Values
		status int
	}{
		{"wrong password", url.Values{"email": {"owner@riverside.example"}, "password": {"not the right passphrase"}}, 401},
		{"unknown email", url.Values{"email": {"nobody@riverside.example"}, "password": {ownerPassword}}, 401},
		{"empty", url.Values{}, 401},
	} {
		resp, body := post(t, newClient(t), srv.URL+"/login", tc.form)
		if resp.StatusCode != tc.status || !strings.Contains(body, "the email or password is wrong") {
			t.Errorf("%s: %d", tc.name, resp.StatusCode)
		}
	}
	// An open redirect is not.
	resp, _ := post(t, newClient(t), srv.URL+"/login", url.Values{"email": {"owner@riverside.example"}, "password": {ownerPassword}, "next": {"//evil.example/"}})
	if resp.Header.Get("Location") != "/" {
		t.Errorf("next=//evil.example redirected to %q", resp.Header.Get("Location"))
	}
	// Throttled after repeated failures from one address.
	var last int
	for range 6 {
		resp, _ := post(t, newClient(t), srv.URL+"/login", url.Values{"email": {"owner@riverside.example"}, "password": {"guess guess guess guess"}})
		last = resp.StatusCode
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("after repeated failures: %d, want 429", last)
	}
	// A forged or truncated cookie is anonymous, and cleared.
	u, _ := url.Parse(srv.URL)
	for _, v := range []string{"forged", strings.Repeat("A", 43), "%%%"} {
		fc := newClient(t)
		fc.Jar.SetCookies(u, []*http.Cookie{{Name: "safeguard_session", Value: v}})
		resp, _ := fetch(t, fc, srv.URL+"/")
		if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("forged cookie %q: %d %s", v, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	// An oversized form is refused before it is read.
	resp, _ = post(t, newClient(t), srv.URL+"/login", url.Values{"email": {strings.Repeat("a", 20<<10)}})
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("oversized form: %d, want 413", resp.StatusCode)
	}
	entries, _ := s.AuditLog(context.Background(), store.AuditFilter{Limit: 1000})
	counts := map[string]int{}
	for _, e := range entries {
		counts[e.Action]++
	}
	if counts["login.failed"] < 8 || counts["login.throttled"] < 1 || counts["session.rejected"] < 3 || counts["request.too_large"] < 1 {
		t.Errorf("audit counts %v", counts)
	}
}

var (
	secretRE   = regexp.MustCompile(`id="totp-secret">([A-Z2-7]+)<`)
	recoveryRE = regexp.MustCompile(`<code>([a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4}-[a-z2-7]{4})</code>`)
)

// With MFA on, the password leads to the code page, the pending sign-in
// keeps its cookie there, and a recovery code completes it.
func TestMFASignIn(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	_, body := post(t, c, srv.URL+"/account/mfa/start", nil)
	m := secretRE.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no setup key on the page:\n%s", body)
	}
	code, _ := auth.TOTPCode(m[1], time.Now())
	resp, body := post(t, c, srv.URL+"/account/mfa/confirm", url.Values{"code": {code}})
	codes := recoveryRE.FindAllStringSubmatch(body, -1)
	if resp.StatusCode != 200 || len(codes) != 10 {
		t.Fatalf("confirm: %d, %d recovery codes", resp.StatusCode, len(codes))
	}
	post(t, c, srv.URL+"/logout", nil)
	resp, _ = post(t, c, srv.URL+"/login", url.Values{"email": {"owner@riverside.example"}, "password": {ownerPassword}})
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login/mfa") {
		t.Fatalf("password with MFA on: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	// The pending sign-in opens no page…
	if resp, _ := fetch(t, c, srv.URL+"/"); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("home before the code: %d", resp.StatusCode)
	}
	// …but its code page works, and a wrong code is refused with 401.
	if resp, _ := fetch(t, c, srv.URL+"/login/mfa"); resp.StatusCode != 200 {
		t.Fatalf("code page: %d", resp.StatusCode)
	}
	if resp, body := post(t, c, srv.URL+"/login/mfa", url.Values{"code": {"000000"}}); resp.StatusCode != 401 || !strings.Contains(body, "that code is not right") {
		t.Errorf("wrong code: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, srv.URL+"/login/mfa", url.Values{"code": {codes[0][1]}, "next": {"/account"}}); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account" {
		t.Fatalf("recovery code: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if _, body := fetch(t, c, srv.URL+"/account"); !strings.Contains(body, "9 recovery codes left") {
		t.Errorf("account after a recovery code:\n%s", body)
	}
}

// No bytes posted to the sign-in form make the server panic or answer with
// a server error.
func FuzzLoginForm(f *testing.F) {
	s := storetest.SQLite(f)
	h, err := newHandler(f, s, "http://127.0.0.1")
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		"email=owner%40riverside.example&password=x",
		"email=&password=&next=%2F%2Fevil.example",
		"%zz=1&email=\x00",
		strings.Repeat("a=b&", 100),
		"next=/\\evil&email=a@b&password=" + strings.Repeat("p", 300),
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, "/login", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("POST /login %q: %d", body, rec.Code)
		}
		if loc := rec.Header().Get("Location"); strings.HasPrefix(loc, "//") || strings.Contains(loc, "://") {
			t.Fatalf("redirect off the site: %q", loc)
		}
	})
}

// The account page lists where the user is signed in; signing out
// everywhere ends every one of those sessions.
func TestSignOutEverywhere(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	first := newClient(t)
	post(t, first, srv.URL+"/setup", setupForm)
	second := newClient(t)
	post(t, second, srv.URL+"/login", url.Values{"email": {"owner@riverside.example"}, "password": {ownerPassword}})
	_, body := fetch(t, first, srv.URL+"/account")
	if n := strings.Count(body, "<tr><td>"); n != 2 || !strings.Contains(body, "this browser") {
		t.Errorf("account page lists %d sessions:\n%s", n, body)
	}
	if resp, _ := post(t, first, srv.URL+"/account/sessions/logout-all", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign out everywhere: %d", resp.StatusCode)
	}
	for name, c := range map[string]*http.Client{"this browser": first, "the other browser": second} {
		if resp, _ := fetch(t, c, srv.URL+"/account"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
			t.Errorf("%s after signing out everywhere: %d", name, resp.StatusCode)
		}
	}
}

// An owner whose sign-in is older than the re-authentication window is
// asked to confirm their password before a privileged action.
func TestReauthForPrivilegedActions(t *testing.T) {
	path := storetest.SQLitePath(t)
	s := storetest.SQLiteAt(t, path)
	srv := newServer(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	// Age the session past the window, in the database file itself,
	// waiting for the server's writer (its job engine writes too) as the
	// store's own connections do.
	raw, err := store.OpenSQLiteFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	old := time.Now().UTC().Add(-web.ReauthWindow - time.Minute).Format("2006-01-02T15:04:05.000000Z")
	if _, err := raw.Exec("UPDATE sessions SET created_at = ?", old); err != nil {
		t.Fatal(err)
	}
	resp, _ := fetch(t, c, srv.URL+"/orgs/riverside/tokens")
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account/reauth?next=%2Forgs%2Friverside%2Ftokens" {
		t.Fatalf("privileged page with an old sign-in: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := post(t, c, srv.URL+"/orgs/riverside/tokens", url.Values{"name": {"x"}, "scope": {"read"}, "days": {"1"}}); resp.StatusCode != http.StatusForbidden {
		t.Errorf("privileged change with an old sign-in: %d, want 403", resp.StatusCode)
	}
	if resp, _ := fetch(t, c, srv.URL+"/orgs/riverside"); resp.StatusCode != 200 {
		t.Errorf("ordinary page with an old sign-in: %d", resp.StatusCode)
	}
	if resp, body := post(t, c, srv.URL+"/account/reauth", url.Values{"password": {"not my password at all"}, "next": {"/orgs/riverside/tokens"}}); resp.StatusCode != 401 || !strings.Contains(body, "the password or code is wrong") {
		t.Errorf("wrong password: %d", resp.StatusCode)
	}
	resp, _ = post(t, c, srv.URL+"/account/reauth", url.Values{"password": {ownerPassword}, "next": {"/orgs/riverside/tokens"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/orgs/riverside/tokens" {
		t.Fatalf("reauth: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := fetch(t, c, srv.URL+"/orgs/riverside/tokens"); resp.StatusCode != 200 {
		t.Errorf("privileged page after reauth: %d", resp.StatusCode)
	}
}

// A signed-in user changes their own password: the current one is
// checked, a weak or mistyped new one is refused with the reason, and once
// it is changed the old password no longer signs in, the new one does,
// this browser stays signed in and every other session is over.
func TestChangeOwnPassword(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	other := newClient(t)
	if resp, _ := post(t, other, srv.URL+"/login", url.Values{"email": {"owner@riverside.example"}, "password": {ownerPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("second sign-in: %d", resp.StatusCode)
	}
	const next = "tea kettles sing at seven sharp"
	for _, tc := range []struct {
		name          string
		current, a, b string
		status        int
		want          string
	}{
		{"wrong current", "not it at all, sorry", next, next, http.StatusBadRequest, "the current password is wrong"},
		{"easy to guess", ownerPassword, "qwertyuiopasdfgh", "qwertyuiopasdfgh", http.StatusBadRequest, "easy to guess"},
		{"mistyped", ownerPassword, next, next + ".", http.StatusBadRequest, "differ"},
	} {
		resp, body := post(t, c, srv.URL+"/account/password", url.Values{"current_password": {tc.current}, "password": {tc.a}, "password_confirm": {tc.b}})
		if resp.StatusCode != tc.status || !strings.Contains(body, tc.want) {
			t.Errorf("%s: %d, want %d saying %q", tc.name, resp.StatusCode, tc.status, tc.want)
		}
	}
	resp, _ := post(t, c, srv.URL+"/account/password", url.Values{"current_password": {ownerPassword}, "password": {next}, "password_confirm": {next}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/account?password=changed" {
		t.Fatalf("change: %d → %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body := fetch(t, c, srv.URL+"/account?password=changed"); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Your password is changed") {
		t.Errorf("this browser after the change: %d", resp.StatusCode)
	}
	if resp, _ := fetch(t, other, srv.URL+"/account"); resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Header.Get("Location"), "/login") {
		t.Errorf("the other session still opens /account: %d", resp.StatusCode)
	}
	if resp, _ := post(t, newClient(t), srv.URL+"/login", url.Values{"email": {"owner@riverside.example"}, "password": {ownerPassword}}); resp.StatusCode == http.StatusSeeOther {
		t.Error("the old password still signs in")
	}
	if resp, _ := post(t, newClient(t), srv.URL+"/login", url.Values{"email": {"owner@riverside.example"}, "password": {next}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("the new password does not sign in: %d", resp.StatusCode)
	}
	seen := auditActions(t, s)
	if !seen["user.password_set"] || !seen["password.change_failed"] {
		t.Errorf("the audit log has no password change or failed attempt: %v", seen)
	}
}

// auditActions are the actions the audit log holds.
func auditActions(t *testing.T, s *store.Store) map[string]bool {
	t.Helper()
	entries, err := s.AuditLog(context.Background(), store.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		seen[e.Action] = true
	}
	return seen
}
