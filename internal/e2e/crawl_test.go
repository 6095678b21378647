package e2e

import (
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
)

// crawlJS follows every link of the signed-in pages from the home page, in
// the browser with its session: each link is requested (fetch, following
// redirects as the browser would) and its status kept; an HTML page's
// links are followed in turn, the pages of one shape (the same path but
// for ids) read for links at most perShape times, so that a register of
// thousands of rows does not make the crawl endless while every link a
// page shows is still requested. It answers the number of links requested
// and those that failed, each with the page that showed it.
const crawlJS = `(async (perShape) => {
	const seen = new Map(), shapes = new Map(), bad = [];
	const queue = [["/", "(start)"]];
	while (queue.length) {
		const [u, from] = queue.shift();
		if (seen.has(u)) continue;
		let r;
		try { r = await fetch(u, {credentials: "same-origin"}); } catch (e) { seen.set(u, 0); bad.push({url: u, status: 0, from}); continue; }
		seen.set(u, r.status);
		if (r.status >= 400) { bad.push({url: u, status: r.status, from}); continue; }
		if (!(r.headers.get("content-type") || "").startsWith("text/html")) continue;
		const at = new URL(r.url);
		const shape = at.pathname.replace(/\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\/[0-9]+(?=\/|$)/g, "/:id");
		const n = (shapes.get(shape) || 0) + 1;
		shapes.set(shape, n);
		if (n > perShape) continue;
		const doc = new DOMParser().parseFromString(await r.text(), "text/html");
		for (const a of doc.querySelectorAll("a[href]")) {
			const link = new URL(a.getAttribute("href"), at);
			if (link.origin !== location.origin || link.pathname.startsWith("/static/")) continue;
			link.hash = "";
			const p = link.pathname + link.search;
			if (!seen.has(p)) queue.push([p, at.pathname + at.search]);
		}
	}
	return {requested: seen.size, bad};
})(3)`

type crawlResult struct {
	Requested int `json:"requested"`
	Bad       []struct {
		URL    string `json:"url"`
		Status int    `json:"status"`
		From   string `json:"from"`
	} `json:"bad"`
}

// Every role of the demo clinic signs in through the browser and follows
// every link its pages show it: none answers 4xx or 5xx (a link to a page
// the role may not see, or to nothing, is a defect). The count is printed
// for CI and written to SAFEGUARD_CRAWL_SUMMARY when set.
func TestEveryLinkEveryRoleSees(t *testing.T) {
	root := newBrowserFor(t, 10*time.Minute)
	if _, err := chromedp.Run(root, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	base, logins := startDemo(t, e2etest.BuildBinary(t))
	if len(logins) != 5 {
		t.Fatalf("demo printed %d logins", len(logins))
	}
	emails := make([]string, 0, len(logins))
	for e := range logins {
		emails = append(emails, e)
	}
	sort.Strings(emails)
	var summary []string
	total := 0
	for _, email := range emails {
		// A browser context of its own per role: its own cookies.
		ctx, cancel := chromedp.NewContext(root, chromedp.WithNewBrowserContext())
		tab := page{t, ctx}
		tab.signInDemo(base, email, logins)
		res, err := chromedp.Run(ctx, chromedp.Evaluate[crawlResult](crawlJS, chromedp.EvalAwaitPromise))
		cancel()
		if err != nil {
			t.Fatalf("%s: %v", email, err)
		}
		role := strings.TrimSuffix(email, "@riverside.example")
		// Every role has the catalog, its account and the organisation's pages.
		if res.Requested < 100 {
			t.Errorf("%s: only %d links followed", role, res.Requested)
		}
		for _, b := range res.Bad {
			t.Errorf("%s: %s answered %d (linked from %s)", role, b.URL, b.Status, b.From)
		}
		total += res.Requested
		summary = append(summary, fmt.Sprintf("%s %d links, %d failed", role, res.Requested, len(res.Bad)))
	}
	line := fmt.Sprintf("browser crawl: %d links followed as the demo's 5 roles (%s)", total, strings.Join(summary, "; "))
	t.Log(line)
	if f := os.Getenv("SAFEGUARD_CRAWL_SUMMARY"); f != "" {
		if err := os.WriteFile(f, []byte(line+"\n"), 0o644); err != nil {
			t.Error(err)
		}
	}
}
