package e2e

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
)

// startServe runs `safeguard serve` on a new database with a short idle
// timeout and returns its URL.
func startServe(t *testing.T, bin string, idle time.Duration) string {
	t.Helper()
	u, _ := start(t, bin, "serve", "--db", filepath.Join(t.TempDir(), "s.db"), "--addr", "127.0.0.1:0", "--idle-timeout", idle.String())
	return u
}

// The first owner sets up Safeguard, turns on TOTP, signs out, signs in with
// a code, and is signed out by the idle timeout.
func TestFirstOwnerEnrolsTOTP(t *testing.T) {
	ctx := newBrowser(t)
	const idle = 4 * time.Second
	base := startServe(t, e2etest.BuildBinary(t), idle)
	const email, password = "owner@riverside.example", "a quiet river under the old bridge"
	tab := page{t, ctx}
	do, text := tab.do, tab.text
	location := func() string {
		loc, _ := chromedp.Run(ctx, chromedp.Location())
		return loc
	}

	// A new installation opens on set-up.
	do(chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("org_name")))
	do(
		chromedp.SendKeys(chromedp.ID("org_name"), "Riverside Family Clinic"),
		chromedp.SendKeys(chromedp.ID("slug"), "riverside"),
		chromedp.SendKeys(chromedp.ID("name"), "Olivia Owens"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("password_confirm"), password),
		chromedp.Submit(chromedp.ID("password_confirm")),
		chromedp.WaitVisible(chromedp.CSS("ol.steps")), // set-up leads on to the profile wizard
	)
	// Enrol TOTP from the account page, reading the setup key as a person would.
	do(
		chromedp.Navigate(base+"account"),
		chromedp.Click(chromedp.CSS(`form[action="/account/mfa/start"] button`)),
		chromedp.WaitVisible(chromedp.ID("totp-secret")),
	)
	secret := strings.TrimSpace(text("#totp-secret"))
	code := func() string {
		c, err := auth.TOTPCode(secret, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	first := code()
	do(
		chromedp.SendKeys(chromedp.ID("code"), first),
		chromedp.Submit(chromedp.ID("code")),
		chromedp.WaitVisible(chromedp.CSS("ul.recovery-codes")),
	)
	if codes := text("ul.recovery-codes"); strings.Count(codes, "-") != 30 {
		t.Errorf("recovery codes shown: %q", codes)
	}
	// Sign out; the password alone now leads to the code page.
	do(
		chromedp.Click(chromedp.CSS("form.who button")),
		chromedp.WaitVisible(chromedp.ID("password")),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login/mfa"]`)),
	)
	// The code used at enrolment does not work again; wait for the next one.
	for code() == first {
		time.Sleep(time.Second)
	}
	do(
		chromedp.SendKeys(chromedp.ID("code"), code()),
		chromedp.Submit(chromedp.ID("code")),
		chromedp.WaitVisible(chromedp.CSS("li.card.org")),
	)
	if card := text("li.card.org"); !strings.Contains(card, "Your role: Owner") {
		t.Errorf("signed in with a code, home shows %q", card)
	}
	// Leave the page alone past the idle timeout: the next page asks to sign in.
	time.Sleep(idle + 2*time.Second)
	do(chromedp.Navigate(base+"account"), chromedp.WaitVisible(chromedp.ID("password")))
	if loc := location(); !strings.Contains(loc, "/login") {
		t.Errorf("after the idle timeout: %s", loc)
	}
}
