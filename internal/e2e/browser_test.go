// Package e2e drives the real safeguard binary from the outside: built by
// the test, started as a user would start it, and used through a real
// browser.
package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
)

var loginRE = regexp.MustCompile(`([a-z]+@riverside\.example)\s+([A-Z2-7]{26})\b`)

// start runs the binary with args, stops it with SIGINT when the test
// ends (failing the test if it does not stop cleanly), and returns the
// address it prints and the lines it printed before it.
func start(t *testing.T, bin string, args ...string) (string, []string) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "SAFEGUARD_DB=", "SAFEGUARD_KEYS=") // a fresh database of its own
	return e2etest.Launch(t, args[0], cmd)
}

// startDemo runs `safeguard demo` on a free port and returns its URL and the
// demo logins it printed (email → password).
func startDemo(t *testing.T, bin string) (string, map[string]string) {
	t.Helper()
	u, lines := start(t, bin, "demo", "--addr", "127.0.0.1:0")
	logins := map[string]string{}
	for _, l := range lines {
		if m := loginRE.FindStringSubmatch(l); m != nil {
			logins[m[1]] = m[2]
		}
	}
	return u, logins
}

// chromium finds the browser: SAFEGUARD_CHROMIUM, or Debian's. In CI a
// missing browser fails the test; elsewhere it skips, saying how to install.
func chromium(t *testing.T) string {
	t.Helper()
	candidates := []string{os.Getenv("SAFEGUARD_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	msg := "no Chromium found: install it (apt-get install chromium) or set SAFEGUARD_CHROMIUM"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// newBrowser starts a headless Chromium for the test, for 90 seconds.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	return newBrowserFor(t, 90*time.Second)
}

// newBrowserFor starts a headless Chromium the test may use for limit.
func newBrowserFor(t *testing.T, limit time.Duration) context.Context {
	t.Helper()
	browser := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(browser),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelA := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelC := chromedp.NewContext(actx)
	ctx, cancelT := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelT(); cancelC(); cancelA() })
	return ctx
}

// page drives one browser tab for a test, failing it on the first error.
type page struct {
	t   *testing.T
	ctx context.Context
}

// do runs the steps in order.
func (p page) do(steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	if err := chromedp.Do(p.ctx, steps...); err != nil {
		p.t.Fatal(err)
	}
}

// shot saves a full-page screenshot (PNG) under the screenshot folder.
func (p page) shot(name string) {
	p.t.Helper()
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100)) // 100: PNG; below it, JPEG
	if err != nil {
		p.t.Fatal(err)
	}
	path := filepath.Join(screenshotDir(p.t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		p.t.Fatal(err)
	}
	p.t.Logf("screenshot: %s", path)
}

// signInDemoOwner signs in as the demo clinic's owner with the password
// the demo printed.
func (p page) signInDemoOwner(base string, logins map[string]string) {
	p.t.Helper()
	p.signInDemo(base, "owner@riverside.example", logins)
}

// signInDemo signs in as one of the demo's users with the password the
// demo printed, and waits for the home page.
func (p page) signInDemo(base, email string, logins map[string]string) {
	p.t.Helper()
	p.do(chromedp.Navigate(base+"login"),
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), logins[email]),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS("li.card.org")))
}

// text is the visible text of the first element sel matches.
func (p page) text(sel string) string {
	p.t.Helper()
	v, err := chromedp.Run(p.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		p.t.Fatalf("text of %s: %v", sel, err)
	}
	return v
}

// A newcomer opens the demo, finds 164.312(d) and follows its mapping to the
// CPG it supports.
func TestBrowseFromSecurityRuleToCPG(t *testing.T) {
	ctx := newBrowser(t)
	base, logins := startDemo(t, e2etest.BuildBinary(t))

	tab := page{t, ctx}
	do, text := tab.do, tab.text
	do(chromedp.Navigate(base))
	banner := text(".demo-banner")
	// Search for the citation from the box on every page.
	do(
		chromedp.SendKeys(chromedp.ID("q"), "164.312(d)"),
		chromedp.Submit(chromedp.ID("q")),
		chromedp.WaitVisible(chromedp.CSS("ol.results")),
		chromedp.Click(chromedp.CSS("ol.results li:first-child a")),
		chromedp.WaitVisible(chromedp.CSS("section.rule")),
	)
	heading := text("h1")
	// Follow the mapping to the CPG.
	do(
		chromedp.Click(chromedp.CSS(`a.mapping[href="/catalog/hph-cpg/essential-3"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a.mapping[href="/catalog/hipaa-security-rule/164.312%28d%29"]`)),
	)
	url, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	cpgHeading, cpgText := text("h1"), text("ul.mappings")
	screenshot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(banner, "Demonstration") {
		t.Errorf("demo banner = %q", banner)
	}
	if !strings.Contains(heading, "164.312(d)") || !strings.Contains(heading, "Person or entity authentication") {
		t.Errorf("after search, heading = %q", heading)
	}
	if !strings.HasSuffix(url, "/catalog/hph-cpg/essential-3") || !strings.Contains(cpgHeading, "Multifactor Authentication") {
		t.Errorf("after following the mapping: %s, heading %q", url, cpgHeading)
	}
	if !strings.Contains(cpgText, "164.312(d)") {
		t.Errorf("the CPG page does not link back to 164.312(d): %q", cpgText)
	}
	if dir := os.Getenv("SAFEGUARD_SCREENSHOTS"); dir != "" {
		os.WriteFile(filepath.Join(dir, "cpg-essential-3.png"), screenshot, 0o644)
	}

	// Sign in with a demo login printed by `safeguard demo`, see the clinic
	// and the role, and sign out.
	password := logins["owner@riverside.example"]
	if password == "" || len(logins) != 5 {
		t.Fatalf("demo printed %d logins: %v", len(logins), logins)
	}
	do(
		chromedp.Navigate(base+"login"),
		chromedp.SendKeys(chromedp.ID("email"), "owner@riverside.example"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Submit(chromedp.ID("password")),
		chromedp.WaitVisible(chromedp.CSS("li.card.org")),
	)
	card := text("li.card.org")
	if !strings.Contains(card, "Riverside Family Clinic") || !strings.Contains(card, "Your role: Owner") {
		t.Errorf("home after sign-in: %q", card)
	}
	home, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil && os.Getenv("SAFEGUARD_SCREENSHOTS") != "" {
		os.WriteFile(filepath.Join(os.Getenv("SAFEGUARD_SCREENSHOTS"), "home-owner.png"), home, 0o644)
	}
	do(
		chromedp.Click(chromedp.CSS("form.who button")),
		chromedp.WaitVisible(chromedp.ID("password")),
	)
	if loc, _ := chromedp.Run(ctx, chromedp.Location()); !strings.HasSuffix(loc, "/login") {
		t.Errorf("after sign-out: %s", loc)
	}
}
