package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
)

// The demo clinic's Security Officer sends the telehealth vendor
// Safeguard's questionnaire as a link; the vendor, in a browser of its own
// with no session, answers it with a file of evidence; the officer sees
// the score, the exceptions and the evidence on the vendor's page. The
// link then opens nothing, nor does one withdrawn, and it reaches no page
// of the organisation.
func TestVendorQuestionnaireInTheBrowser(t *testing.T) {
	ctx := newBrowser(t)
	base, logins := startDemo(t, e2etest.BuildBinary(t))
	tab := page{t, ctx}
	do, text := tab.do, tab.text
	tab.signInDemoOwner(base, logins)
	vendors := base + "orgs/riverside-demo/vendors"

	// The register shows the demo's questionnaires: the EHR vendor's
	// answers, the IT provider's overdue.
	do(chromedp.Navigate(vendors), chromedp.WaitVisible(chromedp.CSS("table.table")))
	register := text("table.table")
	if !strings.Contains(register, "answered · 91%, 2 exception(s)") || !strings.Contains(register, "overdue") {
		t.Errorf("the register's questionnaires: %.600q", register)
	}
	vendorPage, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('table a')].find(a => a.textContent === 'VisitLink').href`))
	if err != nil || !strings.Contains(vendorPage, "/vendors/") {
		t.Fatalf("VisitLink's page: %q %v", vendorPage, err)
	}
	send := func(recipient string) string {
		t.Helper()
		do(chromedp.Navigate(vendorPage), chromedp.WaitVisible(chromedp.CSS(`form[action$="/questionnaires"] input[name=recipient]`)),
			chromedp.SendKeys(chromedp.CSS(`form[action$="/questionnaires"] input[name=recipient]`), recipient),
			chromedp.Click(chromedp.CSS(`form[action$="/questionnaires"] button[type=submit]`)),
			chromedp.WaitVisible(chromedp.CSS("input.link-once")))
		link, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('input.link-once').value`))
		if err != nil || !strings.Contains(link, "/questionnaire/") {
			t.Fatalf("the link: %q %v", link, err)
		}
		return link
	}
	link := send("security@visitlink.example")
	if n := text("div.notice"); !strings.Contains(n, "shown only now") || !strings.Contains(n, "security@visitlink.example") {
		t.Errorf("the link's notice: %q", n)
	}
	tab.shot("questionnaire-sent.png")

	// The vendor, in a fresh browser context: no cookie, no session.
	vctx, cancel := chromedp.NewContext(ctx, chromedp.WithNewBrowserContext())
	defer cancel()
	vendor := page{t, vctx}
	evidence := filepath.Join(t.TempDir(), "visitlink-mfa-policy.txt")
	if err := os.WriteFile(evidence, []byte("VisitLink requires phishing-resistant MFA for all staff remote and administrative access.\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	vendor.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("form.questionnaire")))
	intro := vendor.text("main")
	if !strings.Contains(intro, "Riverside Family Clinic") || !strings.Contains(intro, "VisitLink") || !strings.Contains(intro, "No account is needed") {
		t.Errorf("the vendor's page: %.400q", intro)
	}
	if strings.Contains(intro, "Cedar Health") || strings.Contains(intro, "Sign out") {
		t.Errorf("the vendor's page shows more than its questionnaire: %.400q", intro)
	}
	vendor.do(chromedp.SendKeys(chromedp.CSS(`input[name=respondent]`), "Priya Nair, Security lead"),
		chromedp.Evaluate[chromedp.Void](`document.querySelectorAll('input[type=radio][value=yes]').forEach(r => r.click())`),
		chromedp.Click(chromedp.CSS(`input[name=answer_sbom][value=no]`)),
		chromedp.Click(chromedp.CSS(`input[name=answer_backups][value=no]`)),
		chromedp.SendKeys(chromedp.CSS(`textarea[name=comment_backups]`), "Backups are replicated, not yet immutable."),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name="file_mfa-remote"]`), []string{evidence}))
	vendor.shot("questionnaire-vendor.png")
	vendor.do(chromedp.Click(chromedp.CSS(`form.questionnaire > button[type=submit]`)), chromedp.WaitVisible(chromedp.CSS(`p.notice[role=status]`)))
	if done := vendor.text("main"); !strings.Contains(done, "Thank you") || !strings.Contains(done, "Priya Nair") || !strings.Contains(done, "no longer opens") {
		t.Errorf("after answering: %.400q", done)
	}
	// Used once: the link opens nothing now.
	vendor.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("main")))
	if again := vendor.text("main"); !strings.Contains(again, "not valid") || strings.Contains(again, "VisitLink") {
		t.Errorf("the used link: %.300q", again)
	}
	// The link's browser reaches no page of the organisation.
	vendor.do(chromedp.Navigate(vendorPage), chromedp.WaitVisible(chromedp.ID("password")))
	if at, _ := chromedp.Run(vctx, chromedp.Location()); !strings.Contains(at, "/login") {
		t.Errorf("the vendor's browser opened %s", at)
	}

	// The officer sees the score, the exceptions and the evidence.
	do(chromedp.Navigate(vendorPage), chromedp.WaitVisible(chromedp.CSS("table.exceptions")))
	main := text("main")
	for _, want := range []string{"by Priya Nair, Security lead", "Backups are replicated, not yet immutable.", "SBOM", "Evidence sent with the answers"} {
		if !strings.Contains(main, want) {
			t.Errorf("the vendor's page lacks %q", want)
		}
	}
	score := text("p.score strong")
	if !strings.HasSuffix(score, "%") || score == "100%" {
		t.Errorf("the score: %q", score)
	}
	tab.shot("questionnaire-answered.png")
	do(chromedp.Click(chromedp.CSS(`ul.evidence-sent a`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	if ev := text("main"); !strings.Contains(ev, "visitlink-mfa-policy.txt") || !strings.Contains(ev, "Priya Nair") {
		t.Errorf("the evidence page: %.500q", ev)
	}

	// A link withdrawn before it is answered opens nothing.
	withdrawn := send("someone@visitlink.example")
	do(chromedp.Click(chromedp.CSS(`form[action$="/revoke"] button`)), chromedp.WaitVisible(chromedp.CSS(`p.notice[role=status]`)))
	vendor.do(chromedp.Navigate(withdrawn), chromedp.WaitVisible(chromedp.CSS("main")))
	if gone := vendor.text("main"); !strings.Contains(gone, "not valid") {
		t.Errorf("the withdrawn link: %.300q", gone)
	}
}
