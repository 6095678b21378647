package account_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/account"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

func code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := auth.TOTPCode(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTOTP(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		c := newClock()
		svc := setup(t, s, c)
		u, _ := s.UserByEmail(ctx, "owner@riverside.example")

		secret, url, err := svc.StartTOTP(ctx, u)
		if err != nil || !strings.HasPrefix(url, "otpauth://totp/Safeguard:owner@riverside.example?") || !strings.Contains(url, "secret="+secret) {
			t.Fatalf("start: %q, %v", url, err)
		}
		st, _ := s.TOTP(ctx, u.ID)
		if st.SealedSecret == "" || strings.Contains(st.SealedSecret, secret) {
			t.Fatalf("the secret is not sealed in the database: %q", st.SealedSecret)
		}
		if _, err := svc.ConfirmTOTP(ctx, u, "000000"); !errs.Is(err, errs.Invalid) {
			t.Errorf("confirm with a wrong code: %v", err)
		}
		codes, err := svc.ConfirmTOTP(ctx, u, code(t, secret, c.t))
		if err != nil || len(codes) != 10 {
			t.Fatalf("confirm: %d codes, %v", len(codes), err)
		}
		if _, _, err := svc.StartTOTP(ctx, u); !errs.Is(err, errs.Conflict) {
			t.Errorf("re-enrol while on: %v", err)
		}

		// The password alone no longer signs in.
		c.advance(time.Minute)
		_, pending, stage, err := svc.Login(ctx, "owner@riverside.example", password, "192.0.2.1", "x", "")
		if err != nil || stage != auth.StageMFA {
			t.Fatalf("login with MFA on: stage %q, %v", stage, err)
		}
		if _, _, err := svc.Authenticate(ctx, pending); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("a session waiting for its code opens pages: %v", err)
		}
		if _, err := svc.VerifyMFA(ctx, pending, "123456"); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("wrong code: %v", err)
		}
		good := code(t, secret, c.t)
		full, err := svc.VerifyMFA(ctx, pending, good)
		if err != nil {
			t.Fatalf("right code: %v", err)
		}
		if _, _, err := svc.Authenticate(ctx, full); err != nil {
			t.Errorf("full session: %v", err)
		}
		if _, err := svc.VerifyMFA(ctx, pending, good); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("the pending token still works after the code: %v", err)
		}

		// The same code does not work twice, even on a new sign-in.
		_, pending, _, _ = svc.Login(ctx, "owner@riverside.example", password, "192.0.2.1", "x", "")
		if _, err := svc.VerifyMFA(ctx, pending, good); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("replayed code accepted: %v", err)
		}
		c.advance(30 * time.Second)
		if _, err := svc.VerifyMFA(ctx, pending, code(t, secret, c.t)); err != nil {
			t.Errorf("the next code: %v", err)
		}

		// A recovery code works once.
		_, pending, _, _ = svc.Login(ctx, "owner@riverside.example", password, "192.0.2.1", "x", "")
		if _, err := svc.VerifyMFA(ctx, pending, strings.ToUpper(codes[0])); err != nil {
			t.Errorf("recovery code: %v", err)
		}
		_, pending, _, _ = svc.Login(ctx, "owner@riverside.example", password, "192.0.2.1", "x", "")
		if _, err := svc.VerifyMFA(ctx, pending, codes[0]); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("recovery code used twice: %v", err)
		}
		if on, left, _ := svc.MFAStatus(ctx, u.ID); !on || left != 9 {
			t.Errorf("status: on %v, %d codes left", on, left)
		}

		// Guessing codes is throttled.
		for range 5 {
			svc.VerifyMFA(ctx, pending, "999999")
		}
		if _, err := svc.VerifyMFA(ctx, pending, code(t, secret, c.t.Add(30*time.Second))); !errs.Is(err, errs.RateLimited) {
			t.Errorf("after repeated wrong codes: %v", err)
		}

		// A pending sign-in lapses.
		c.advance(account.Window + time.Minute)
		_, pending, _, _ = svc.Login(ctx, "owner@riverside.example", password, "192.0.2.9", "x", "")
		c.advance(auth.MFAStageTimeout + time.Second)
		if _, err := svc.VerifyMFA(ctx, pending, code(t, secret, c.t)); !errs.Is(err, errs.Unauthenticated) {
			t.Errorf("a stale pending sign-in: %v", err)
		}

		// Turning MFA off needs a code.
		if err := svc.DisableTOTP(ctx, u, "000000"); !errs.Is(err, errs.Invalid) {
			t.Errorf("disable with a wrong code: %v", err)
		}
		if err := svc.DisableTOTP(ctx, u, codes[1]); err != nil {
			t.Errorf("disable with a recovery code: %v", err)
		}
		if _, _, stage, _ := svc.Login(ctx, "owner@riverside.example", password, "192.0.2.1", "x", ""); stage != auth.StageFull {
			t.Errorf("after disable, stage %q", stage)
		}
	})
}
