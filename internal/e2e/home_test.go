package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
)

// The demo clinic's Security Officer signs in and the organisation's home
// says what to do next, most urgent first, each item a link that opens;
// where the clinic stands beside it (scorecard, assessments, risk, training,
// checks and imports); a cell of the heat map opens the risks behind it. A
// workforce member sees their own training first. Screenshots at desktop
// and phone width are left for review.
func TestHomeSaysWhatToDoNext(t *testing.T) {
	ctx := newBrowserFor(t, 3*time.Minute)
	base, logins := startDemo(t, e2etest.BuildBinary(t))
	tab := page{t, ctx}
	do, text := tab.do, tab.text
	const email = "security@riverside.example"
	tab.signInDemo(base, email, logins)
	do(chromedp.Navigate(base+"orgs/riverside-demo"),
		chromedp.WaitVisible(chromedp.CSS("section.todo")))
	todo := text("section.todo")
	// The demo has a review of a business associate agreement overdue, an
	// expired acceptance, late plan actions, late training and failing
	// checks: the overdue first, then the checks.
	for _, want := range []string{"Review Business associate agreement", "Review an expired risk acceptance", "Catch up on late plan actions",
		"Bring the workforce's training up to date", "Fix: Multifactor authentication"} {
		if !strings.Contains(todo, want) {
			t.Errorf("the do-next list lacks %q:\n%s", want, todo)
		}
	}
	if strings.Index(todo, "Review Business associate agreement") > strings.Index(todo, "Fix: Multifactor authentication") {
		t.Errorf("an overdue review comes after a failing check:\n%s", todo)
	}
	glance := text("section.glance")
	for _, want := range []string{"essential goals met", "HIPAA Security Rule assessment", "open risks", "Training", "Verified from data", "Latest imports"} {
		if !strings.Contains(glance, want) {
			t.Errorf("the home lacks %q:\n%s", want, glance)
		}
	}
	shots := screenshotDir(t)
	tab.shot("home-desktop.png")
	// What the first screen shows (the README's picture of the home).
	first, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shots, "home.png"), first, 0o644); err != nil {
		t.Fatal(err)
	}
	todoPNG, err := chromedp.Run(ctx, chromedp.Screenshot(chromedp.CSS("section.todo")))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(shots, "home-todo.png"), todoPNG, 0o644); err != nil {
		t.Fatal(err)
	}
	// At a phone's width nothing runs off the side.
	do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("section.todo")))
	overflow, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`document.documentElement.scrollWidth > window.innerWidth`))
	if err != nil {
		t.Fatal(err)
	}
	if overflow {
		t.Error("the home page overflows at 390 px")
	}
	tab.shot("home-phone.png")
	do(chromedp.EmulateViewport(1280, 900), chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("section.todo")))

	// The first item opens the page to act on.
	do(chromedp.Click(chromedp.CSS("ol.todo-list li:first-child a")), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if h := text("main h1"); !strings.Contains(h, "Business associate agreement") {
		t.Errorf("the first item opened %q", h)
	}
	// A cell of the heat map opens the register at that rating.
	do(chromedp.Navigate(base+"orgs/riverside-demo"), chromedp.WaitVisible(chromedp.CSS(".risk-tile svg a")),
		chromedp.Click(chromedp.CSS(".risk-tile svg a")), chromedp.WaitVisible(chromedp.CSS("table.register")))
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(loc, "likelihood=") || !strings.Contains(loc, "impact=") {
		t.Errorf("the heat map's cell opened %s", loc)
	}
	if n := text("main"); !strings.Contains(n, "a cell of the heat map") {
		t.Error("the register does not say it shows one cell of the heat map")
	}

	// The guided path: the steps, and a goal asked in plain words.
	do(chromedp.Navigate(base+"orgs/riverside-demo/guide"), chromedp.WaitVisible(chromedp.CSS("ol.guide-steps")))
	if steps := text("ol.guide-steps"); !strings.Contains(steps, "The ten essential goals") || !strings.Contains(steps, "Your risk analysis") {
		t.Errorf("the guided path: %q", steps)
	}
	tab.shot("guide.png")
	do(chromedp.Navigate(base+"orgs/riverside-demo/guide/goals?item=essential-3"), chromedp.WaitVisible(chromedp.CSS("form.guide-answer")))
	if h := text("section.guide-item h2"); !strings.Contains(h, "Multifactor Authentication") {
		t.Errorf("the guided goal: %q", h)
	}
	tab.shot("guide-goal.png")

	// Email security: each domain's checks with the record to publish, and
	// who sends mail as the domains by the month of aggregate reports.
	do(chromedp.Navigate(base+"orgs/riverside-demo/email"), chromedp.WaitVisible(chromedp.CSS("section#reports, section[aria-labelledby=reports-h]")))
	mail := text("main")
	for _, want := range []string{"riverside-reminders.example", "does not offer STARTTLS", "Publish at _dmarc.riverside-reminders.example: TXT",
		"p=reject would refuse", "never aligned: spoofing, or a service not set up", "SMTP TLS reports", "google.com"} {
		if !strings.Contains(mail, want) {
			t.Errorf("the email page lacks %q", want)
		}
	}
	tab.shot("email.png")
	// Asked for again, the probe runs as a job against the demo's own mail
	// network (not the machine's resolver, which knows no .example name):
	// the same posture, through another resolver address.
	through := regexp.MustCompile(`through (127\.0\.0\.1:\d+)`)
	before := through.FindStringSubmatch(mail)
	do(chromedp.Click(chromedp.CSS(`form[action$="/email/probe"] button`)), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	var after []string
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
		mail = text("main")
		if after = through.FindStringSubmatch(mail); after != nil && before != nil && after[1] != before[1] {
			break
		}
	}
	if before == nil || after == nil || after[1] == before[1] || !strings.Contains(mail, "mx1.riverside.example offers STARTTLS with a valid certificate") {
		t.Errorf("the probe asked for in the demo: through %v, then %v:\n%s", before, after, mail)
	}

	// TLS of the services: the patient portal passes; the firewall's VPN
	// portal, found from the inventory, fails for TLS 1.0 and 1.1, 3DES and
	// no HSTS. Asked for again, the probe runs as a job against the demo's
	// own endpoints: the same verdicts, at a later time.
	do(chromedp.Navigate(base+"orgs/riverside-demo/tls"), chromedp.WaitVisible(chromedp.CSS("table.table")))
	tlsText := text("main")
	for _, want := range []string{"portal.riverside.example:443", "fw01.riverside.example:443", "asset: Network and firewall", "TLSv1.0 is accepted.",
		"TLS_RSA_WITH_3DES_EDE_CBC_SHA is accepted", "no Strict-Transport-Security header", "HSTS max-age=63072000; includeSubDomains"} {
		if !strings.Contains(tlsText, want) {
			t.Errorf("the TLS page lacks %q", want)
		}
	}
	tab.shot("tls.png")
	const fwAt = `tr[id="fw01.riverside.example:443"] time`
	firstAt, againAt := text(fwAt), ""
	do(chromedp.Click(chromedp.CSS(`form[action$="/tls/probe"] button`)), chromedp.WaitVisible(chromedp.CSS("p.notice")))
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(time.Second) {
		do(chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("table.table")))
		againAt = text(fwAt)
		if againAt != firstAt {
			break
		}
	}
	if tlsText = text("main"); againAt == firstAt || !strings.Contains(tlsText, "TLSv1.0 is accepted.") || strings.Contains(tlsText, "could not connect") {
		t.Errorf("the probe asked for in the demo: %s, then %s:\n%s", firstAt, againAt, tlsText)
	}

	// A workforce member's home leads with their own training.
	wctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	wtab := page{t, wctx}
	const worker = "workforce@riverside.example"
	wtab.signInDemo(base, worker, logins)
	wtab.do(chromedp.Navigate(base+"orgs/riverside-demo"),
		chromedp.WaitVisible(chromedp.CSS("p.mine")))
	if mine := wtab.text("p.mine"); !strings.Contains(mine, "Your training") || !strings.Contains(mine, "done") {
		t.Errorf("the workforce member's home: %q", mine)
	}
}
