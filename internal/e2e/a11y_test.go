package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
)

// axeSource finds axe-core's axe.min.js (the npm package axe-core):
// SAFEGUARD_AXE, or where .ci/run installs it. In CI a missing axe-core
// fails the test; elsewhere it skips, saying how to install it.
func axeSource(t *testing.T) string {
	t.Helper()
	home, _ := os.UserHomeDir()
	for _, p := range []string{os.Getenv("SAFEGUARD_AXE"), filepath.Join(home, ".cache/safeguard/axe/node_modules/axe-core/axe.min.js")} {
		if p == "" {
			continue
		}
		if b, err := os.ReadFile(p); err == nil {
			return string(b)
		}
	}
	msg := "no axe-core found: npm install --prefix ~/.cache/safeguard/axe axe-core (or set SAFEGUARD_AXE to axe.min.js)"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []string `json:"target"`
	} `json:"nodes"`
}

// The pages a Security Officer lives in, checked by axe-core at a
// desktop's width and a phone's: no violation of impact serious or
// critical, and at 390 px nothing runs off the side of the page (a wide
// table scrolls in its own box).
func TestPagesAreAccessibleAndFitAPhone(t *testing.T) {
	axe := axeSource(t)
	ctx := newBrowserFor(t, 5*time.Minute)
	base, logins := startDemo(t, e2etest.BuildBinary(t))
	tab := page{t, ctx}
	const email = "security@riverside.example"
	tab.signInDemo(base, email, logins)
	tab.do(chromedp.Navigate(base+"orgs/riverside-demo/assessments"),
		chromedp.WaitVisible(chromedp.CSS("main h1")))
	// An item of the Security Rule assessment: the first the assessment's page links.
	assessment, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('main a')].map(a => a.getAttribute('href')).find(h => /\/assessments\/[^/]+$/.test(h)) || ''`))
	if err != nil || assessment == "" {
		t.Fatalf("no assessment linked: %v", err)
	}
	tab.do(chromedp.Navigate(strings.TrimSuffix(base, "/")+assessment), chromedp.WaitVisible(chromedp.CSS("main h1")))
	item, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('main a')].map(a => a.getAttribute('href')).find(h => /\/items\//.test(h)) || ''`))
	if err != nil || item == "" {
		t.Fatalf("no item linked: %v", err)
	}
	// A vendor's page, and the link a questionnaire sent to it opens (which
	// vendors answer on their phones as often as not).
	tab.do(chromedp.Navigate(base+"orgs/riverside-demo/vendors"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	vendorPage, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('table a')].find(a => a.textContent === 'Cedar Health EHR').getAttribute('href')`))
	if err != nil || vendorPage == "" {
		t.Fatalf("no vendor linked: %v", err)
	}
	tab.do(chromedp.Navigate(strings.TrimSuffix(base, "/")+vendorPage), chromedp.WaitVisible(chromedp.CSS(`form[action$="/questionnaires"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/questionnaires"] button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS("input.link-once")))
	link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`new URL(document.querySelector('input.link-once').value).pathname`))
	if err != nil || !strings.HasPrefix(link, "/questionnaire/") {
		t.Fatalf("no questionnaire link: %q %v", link, err)
	}
	pages := []struct{ name, path string }{
		{"a vendor", strings.TrimPrefix(vendorPage, "/")},
		{"a vendor's questionnaire link", strings.TrimPrefix(link, "/")},
		{"questionnaires", "orgs/riverside-demo/questionnaires"},
		{"home", "orgs/riverside-demo"},
		{"scorecard", "orgs/riverside-demo/scorecard"},
		{"assessment item", strings.TrimPrefix(item, "/")},
		{"risk register", "orgs/riverside-demo/risk/register"},
		{"findings", "orgs/riverside-demo/findings"},
		{"email security", "orgs/riverside-demo/email"},
		{"TLS of the services", "orgs/riverside-demo/tls"},
		{"devices", "orgs/riverside-demo/devices"},
		{"inventory reconciliation", "orgs/riverside-demo/risk/assets/reconcile"},
		{"vendors", "orgs/riverside-demo/vendors"},
		{"a new vendor's form", "orgs/riverside-demo/vendors/new"},
		{"workforce", "orgs/riverside-demo/workforce"},
		{"guided path", "orgs/riverside-demo/guide"},
		{"guided goal", "orgs/riverside-demo/guide/goals?item=essential-3"},
		{"the proposed Security Rule", "orgs/riverside-demo/proposed-rule"},
		{"assessments", "orgs/riverside-demo/assessments"},
	}
	checked := 0
	for _, width := range []int64{1400, 390} {
		opts := []chromedp.EmulateViewportOption{}
		if width < 500 {
			opts = append(opts, chromedp.EmulateMobile)
		}
		tab.do(chromedp.EmulateViewport(width, 900, opts...))
		for _, p := range pages {
			tab.do(chromedp.Navigate(base+p.path), chromedp.WaitVisible(chromedp.CSS("main h1")))
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](axe)); err != nil {
				t.Fatalf("injecting axe-core: %v", err)
			}
			vs, err := chromedp.Run(ctx, chromedp.Evaluate[[]axeViolation](`axe.run(document, {resultTypes: ['violations']}).then(r => r.violations)`, chromedp.EvalAwaitPromise))
			if err != nil {
				t.Fatalf("%s at %d px: axe: %v", p.name, width, err)
			}
			for _, v := range vs {
				if v.Impact != "serious" && v.Impact != "critical" {
					continue
				}
				var where []string
				for _, n := range v.Nodes {
					where = append(where, strings.Join(n.Target, " "))
				}
				t.Errorf("%s at %d px: %s (%s) on %d elements: %s", p.name, width, v.Help, v.ID, len(v.Nodes), strings.Join(where[:min(5, len(where))], "; "))
			}
			if width < 500 {
				wide, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(() => {
					const w = document.documentElement.clientWidth;
					if (document.documentElement.scrollWidth <= w) return '';
					const out = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.scroll-x, table, pre'));
					return document.documentElement.scrollWidth + ' px wide: ' + out.slice(0, 5).map(e => e.tagName.toLowerCase() + (e.className ? '.' + e.className : '')).join(', ');
				})()`))
				if err != nil {
					t.Fatal(err)
				}
				if wide != "" {
					t.Errorf("%s overflows at %d px: %s", p.name, width, wide)
				}
			}
			checked++
		}
	}
	t.Logf("axe-core: %d page views checked", checked)
}
