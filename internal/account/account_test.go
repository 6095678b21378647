package account_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/account"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

const password = "a quiet river under the old bridge"

type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)} }
func fastHasher() *auth.Hasher {
	return auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}, nil)
}
func testVault(s *store.Store) *vault.Vault {
	return vault.New(s, vault.Keyring{{ID: "test", Key: make([]byte, 32)}})
}

func setup(t *testing.T, s *store.Store, c *clock) *account.Service {
	t.Helper()
	svc := account.New(s, fastHasher(), testVault(s), c.now)
	if need, err := svc.NeedsSetup(context.Background()); err != nil || !need {
		t.Fatalf("a new installation needs set-up: %v, %v", need, err)
	}
	o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
	u := &auth.User{Email: "Owner@Riverside.example", Name: "Olivia Owens"}
	token, err := svc.Setup(context.Background(), o, u, password, "192.0.2.1", "test")
	if err != nil || token == "" {
		t.Fatalf("setup: %v", err)
	}
	return svc
}

func TestSetupOnlyOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		c := newClock()
		svc := setup(t, s, c)
		_, err := svc.Setup(context.Background(), &org.Organization{Slug: "evil", Name: "Evil", EntityType: org.Provider},
			&auth.User{Email: "mallory@evil.example", Name: "Mallory"}, password, "198.51.100.9", "x")
		if !errs.Is(err, errs.Forbidden) {
			t.Errorf("second set-up: %v, want forbidden", err)
		}
		members, _ := s.Members(context.Background(), mustOrg(t, s).ID)
		if len(members) != 1 || members[0].Role != auth.Owner {
			t.Errorf("members after set-up: %+v", members)
		}
	})
}

func mustOrg(t *testing.T, s *store.Store) *org.Organization {
	o, err := s.ResolveOrganization(context.Background(), "riverside")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func TestLogin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newClock()
		svc := setup(t, s, c)
		u, token, _, err := svc.Login(ctx, "OWNER@riverside.example", password, "192.0.2.1", "Firefox", "")
		if err != nil || u.Email != "owner@riverside.example" {
			t.Fatalf("login: %v", err)
		}
		got, ss, err := svc.Authenticate(ctx, token)
		if err != nil || got.ID != u.ID || ss.IP != "192.0.2.1" {
			t.Fatalf("authenticate: %v", err)
		}
		// Every failure says the same thing.
		for _, tc := range []struct{ email, pw string }{
			{"owner@riverside.example", "the wrong passphrase entirely"},
			{"nobody@riverside.example", password},
		} {
			_, _, _, err := svc.Login(ctx, tc.email, tc.pw, "192.0.2.50", "x", "")
			if !errs.Is(err, errs.Unauthenticated) || errs.Message(err) != "the email or password is wrong" {
				t.Errorf("login %s: %v", tc.email, err)
			}
		}
		u.Disabled = true
		if err := s.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := svc.Login(ctx, "owner@riverside.example", password, "192.0.2.1", "x", ""); errs.Message(err) != "the email or password is wrong" {
			t.Errorf("disabled login: %v", err)
		}
		if _, _, err := svc.Authenticate(ctx, token); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("a disabled user's session still works: %v", err)
		}
		entries, _ := s.AuditLog(ctx, store.AuditFilter{})
		var failed, success int
		for _, e := range entries {
			switch e.Action {
			case "login.failed":
				failed++
				if !strings.Contains(e.After, "reason") {
					t.Errorf("login.failed without its reason: %s", e.After)
				}
			case "login.success":
				success++
			}
		}
		if failed != 3 || success != 2 {
			t.Errorf("audit: %d failures, %d successes; want 3 and 2", failed, success)
		}
	})
}

func TestThrottling(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newClock()
		svc := setup(t, s, c)
		const attacker, owner = "198.51.100.9", "192.0.2.1"
		for range account.MaxPerAccountAndIP {
			svc.Login(ctx, "owner@riverside.example", "guess guess guess guess", attacker, "x", "")
		}
		if _, _, _, err := svc.Login(ctx, "owner@riverside.example", password, attacker, "x", ""); !errs.Is(err, errs.RateLimited) {
			t.Errorf("after %d failures from one address: %v, want rate limited", account.MaxPerAccountAndIP, err)
		}
		// The attacker cannot lock the owner out from the owner's own address…
		if _, _, _, err := svc.Login(ctx, "owner@riverside.example", password, owner, "x", ""); err != nil {
			t.Errorf("owner from another address: %v", err)
		}
		// …and the throttle is a wait that lapses: FirstBackoff after the
		// limit, doubling with each further failure.
		c.advance(account.FirstBackoff + time.Second)
		svc.Login(ctx, "owner@riverside.example", "guess guess guess guess", attacker, "x", "")
		c.advance(account.FirstBackoff + time.Second)
		if _, _, _, err := svc.Login(ctx, "owner@riverside.example", password, attacker, "x", ""); !errs.Is(err, errs.RateLimited) || !strings.Contains(errs.Message(err), "try again in 29 seconds") {
			t.Errorf("after one more failure the wait doubles: %v", err)
		}
		c.advance(account.FirstBackoff)
		if _, _, _, err := svc.Login(ctx, "owner@riverside.example", password, attacker, "x", ""); err != nil {
			t.Errorf("after the doubled wait: %v", err)
		}
	})
}

// Nobody can keep a user out by failing to sign in as them: past
// MaxPerAccount failures from anywhere, browsers that never signed in to
// the account wait, but the user's own browser signs in at once, and is
// then told of the failures.
func TestLockoutIsNoWeapon(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newClock()
		svc := setup(t, s, c)
		const email = "owner@riverside.example"
		_, token, _, err := svc.Login(ctx, email, password, "192.0.2.1", "x", "")
		if err != nil {
			t.Fatal(err)
		}
		device, err := svc.RememberDevice(ctx, token, "")
		if err != nil || device == "" {
			t.Fatalf("remember device: %q, %v", device, err)
		}
		if again, err := svc.RememberDevice(ctx, token, device); err != nil || again != device {
			t.Errorf("a known device keeps its cookie: %q, %v", again, err)
		}
		// An attacker spread over many addresses, never more than the
		// per-address limits from one.
		attempts, refused := 0, 0
		for i := range 40 {
			for range 3 {
				attempts++
				_, _, _, err := svc.Login(ctx, email, "guess guess guess guess", fmt.Sprintf("203.0.113.%d", i), "x", "")
				if errs.Is(err, errs.RateLimited) {
					refused++
				}
			}
		}
		if attempts-refused != account.MaxPerAccount {
			t.Errorf("%d of %d guesses were checked; want %d before strangers wait", attempts-refused, attempts, account.MaxPerAccount)
		}
		// A stranger's browser waits…
		if _, _, _, err := svc.Login(ctx, email, password, "198.51.100.1", "x", ""); !errs.Is(err, errs.RateLimited) {
			t.Errorf("an unknown browser during the attack: %v, want a wait", err)
		}
		// …and so does a forged device cookie, or another user's…
		forged, _ := auth.NewSessionToken()
		if _, _, _, err := svc.Login(ctx, email, password, "198.51.100.1", "x", forged); !errs.Is(err, errs.RateLimited) {
			t.Errorf("a forged device cookie: %v, want a wait", err)
		}
		// …but the owner's browser signs in at once, from anywhere.
		_, token, _, err = svc.Login(ctx, email, password, "198.51.100.2", "x", device)
		if err != nil {
			t.Fatalf("the owner's own browser during the attack: %v", err)
		}
		_, ss, err := svc.Authenticate(ctx, token)
		if err != nil {
			t.Fatal(err)
		}
		if ss.Failed.Count != account.MaxPerAccount || ss.Failed.LastIP != "203.0.113.6" || !ss.Failed.Last.Equal(c.now()) {
			t.Errorf("the session tells of %+v; want %d failures, the last from 203.0.113.6", ss.Failed, account.MaxPerAccount)
		}
		if err := svc.ReadFailedSignins(ctx, ss); err != nil {
			t.Fatal(err)
		}
		if _, ss, _ := svc.Authenticate(ctx, token); ss.Failed.Count != 0 {
			t.Errorf("read failures still shown: %+v", ss.Failed)
		}
		// Told once: the next sign-in has nothing new to tell.
		_, token, _, _ = svc.Login(ctx, email, password, "198.51.100.2", "x", device)
		if _, ss, _ := svc.Authenticate(ctx, token); ss == nil || ss.Failed.Count != 0 {
			t.Errorf("the next sign-in tells again: %+v", ss)
		}
		// A known browser is held back by its own failures only.
		for range account.MaxPerDevice {
			svc.Login(ctx, email, "guess guess guess guess", "198.51.100.2", "x", device)
		}
		if _, _, _, err := svc.Login(ctx, email, password, "198.51.100.2", "x", device); !errs.Is(err, errs.RateLimited) {
			t.Errorf("a known browser after %d failures of its own: %v", account.MaxPerDevice, err)
		}
		// The wait lapses: nothing is locked for good.
		c.advance(account.Window)
		if _, _, _, err := svc.Login(ctx, email, password, "198.51.100.1", "x", ""); err != nil {
			t.Errorf("a new browser once the window has passed: %v", err)
		}
	})
}

func TestSessionTimeouts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newClock()
		svc := setup(t, s, c)
		_, token, _, err := svc.Login(ctx, "owner@riverside.example", password, "192.0.2.1", "x", "")
		if err != nil {
			t.Fatal(err)
		}
		// Activity inside the idle timeout keeps the session…
		for range 5 {
			c.advance(svc.IdleTimeout - time.Minute)
			if _, _, err := svc.Authenticate(ctx, token); err != nil {
				t.Fatalf("active session ended: %v", err)
			}
		}
		// …inactivity past it ends it (automatic logoff).
		c.advance(svc.IdleTimeout + time.Second)
		if _, _, err := svc.Authenticate(ctx, token); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("after the idle timeout: %v", err)
		}
		// The absolute timeout ends even an active session.
		_, token, _, _ = svc.Login(ctx, "owner@riverside.example", password, "192.0.2.1", "x", "")
		for elapsed := time.Duration(0); elapsed < svc.AbsoluteTimeout; elapsed += 10 * time.Minute {
			c.advance(10 * time.Minute)
			svc.Authenticate(ctx, token)
		}
		c.advance(time.Minute)
		if _, _, err := svc.Authenticate(ctx, token); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("after the absolute timeout: %v", err)
		}
	})
}

func TestForgedTokensAndLogout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newClock()
		svc := setup(t, s, c)
		u, token, _, _ := svc.Login(ctx, "owner@riverside.example", password, "192.0.2.1", "x", "")
		for _, forged := range []string{"", "x", token[:len(token)-1], token + "A", strings.Repeat("A", 43), "../../etc/passwd", "\xff\xfe"} {
			if _, _, err := svc.Authenticate(ctx, forged); !errs.Is(err, errs.Unauthenticated) {
				t.Errorf("forged token %q: %v", forged, err)
			}
		}
		_, other, _, _ := svc.Login(ctx, "owner@riverside.example", password, "192.0.2.2", "y", "")
		if err := svc.Logout(ctx, token); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Authenticate(ctx, token); !errs.Is(err, errs.Unauthenticated) {
			t.Error("a logged-out session still works")
		}
		if _, _, err := svc.Authenticate(ctx, other); err != nil {
			t.Errorf("logout ended another session: %v", err)
		}
		if err := svc.LogoutEverywhere(ctx, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, _, err := svc.Authenticate(ctx, other); !errs.Is(err, errs.Unauthenticated) {
			t.Error("logout everywhere left a session")
		}
	})
}

func FuzzAuthenticate(f *testing.F) {
	s := storetest.SQLite(f)
	svc := account.New(s, fastHasher(), testVault(s), nil)
	token, _ := auth.NewSessionToken()
	for _, seed := range []string{token, "", "%00", strings.Repeat("-", 43)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, tok string) {
		if _, _, err := svc.Authenticate(context.Background(), tok); err == nil {
			t.Fatalf("token %q authenticated", tok)
		}
	})
}

// An organisation's idle timeout governs its own pages and no others': a
// member of one organisation only is signed out after it; a member of two
// keeps their session under the looser, while the stricter organisation's
// pages ask them to confirm who they are.
func TestOrganisationIdleTimeout(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newClock()
		svc := setup(t, s, c)
		strict := mustOrg(t, s)
		sc := s.Scope(strict)
		if err := sc.SetIdleTimeout(ctx, 30*time.Second); !errs.Is(err, errs.Invalid) {
			t.Errorf("a 30-second timeout: %v, want invalid", err)
		}
		if err := sc.SetIdleTimeout(ctx, 5*time.Minute); err != nil {
			t.Fatal(err)
		}
		strict.IdleTimeout = 5 * time.Minute
		login := func() (string, *auth.Session) {
			_, token, _, err := svc.Login(ctx, "owner@riverside.example", password, "192.0.2.1", "x", "")
			if err != nil {
				t.Fatal(err)
			}
			_, ss, err := svc.Authenticate(ctx, token)
			if err != nil {
				t.Fatal(err)
			}
			return token, ss
		}
		// A member of the strict organisation only: its timeout is the
		// session's.
		token, _ := login()
		c.advance(4 * time.Minute)
		if _, _, err := svc.Authenticate(ctx, token); err != nil {
			t.Fatalf("within the organisation's timeout: %v", err)
		}
		c.advance(5*time.Minute + time.Second)
		if _, _, err := svc.Authenticate(ctx, token); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("past the organisation's 5 minutes (server default 15): %v", err)
		}
		// Also a member of a second organisation, on the server's 15 minutes.
		relaxed := &org.Organization{Slug: "northside", Name: "Northside Health Plan", EntityType: org.HealthPlan}
		if err := s.CreateOrganization(ctx, relaxed); err != nil {
			t.Fatal(err)
		}
		u, _ := s.UserByEmail(ctx, "owner@riverside.example")
		if err := s.SetMembership(ctx, relaxed.ID, u.ID, auth.Auditor); err != nil {
			t.Fatal(err)
		}
		token, ss := login()
		for _, o := range []*org.Organization{strict, relaxed} {
			if err := svc.EnterOrg(ctx, ss, o); err != nil {
				t.Fatalf("entering %s: %v", o.Slug, err)
			}
		}
		c.advance(10 * time.Minute)
		_, ss, err := svc.Authenticate(ctx, token)
		if err != nil {
			t.Fatalf("the stricter organisation signed the user out of the other: %v", err)
		}
		if err := svc.EnterOrg(ctx, ss, relaxed); err != nil {
			t.Errorf("the relaxed organisation's pages after 10 minutes: %v", err)
		}
		if err := svc.EnterOrg(ctx, ss, strict); !errs.Is(err, errs.Unauthenticated) || !strings.Contains(errs.Message(err), "locks its pages after 5m0s") {
			t.Errorf("the strict organisation's pages after 10 minutes: %v", err)
		}
		// Confirming who they are opens them again.
		if err := svc.Reauthenticate(ctx, u, ss, password, ""); err != nil {
			t.Fatal(err)
		}
		_, ss, _ = svc.Authenticate(ctx, token)
		if err := svc.EnterOrg(ctx, ss, strict); err != nil {
			t.Errorf("after re-authenticating: %v", err)
		}
		// The session itself ends after the looser timeout.
		c.advance(15*time.Minute + time.Second)
		if _, _, err := svc.Authenticate(ctx, token); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("past every organisation's timeout: %v", err)
		}
	})
}
