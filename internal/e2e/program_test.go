package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
)

// screenshotDir is where the browser tests leave their screenshots for
// review: $SAFEGUARD_SCREENSHOTS, or internal/e2e/screenshots.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir := os.Getenv("SAFEGUARD_SCREENSHOTS")
	if dir == "" {
		dir = "screenshots"
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	abs, _ := filepath.Abs(dir)
	return abs
}

// A small practice's Security Officer, in a real browser against the real
// binary: set up, run the profile wizard, answer items, record an
// addressable decision, upload evidence, finalise, and see the scorecard
// change.
func TestSmallPracticeAssessment(t *testing.T) {
	ctx := newBrowser(t)
	base := startServe(t, e2etest.BuildBinary(t), 0)
	tab := page{t, ctx}
	do, text := tab.do, tab.text
	shot := tab.shot
	submit := func(button string, then string) {
		t.Helper()
		do(chromedp.Click(chromedp.CSS(button)), chromedp.WaitVisible(chromedp.CSS(then)))
	}
	const password = "a quiet river under the old bridge"

	// First run: set-up leads straight into the profile wizard.
	do(chromedp.Navigate(base), chromedp.WaitVisible(chromedp.ID("org_name")),
		chromedp.SendKeys(chromedp.ID("org_name"), "Maple Street Dental"),
		chromedp.SendKeys(chromedp.ID("slug"), "maple"),
		chromedp.SetValue(chromedp.ID("workforce"), "6"),
		chromedp.SendKeys(chromedp.ID("name"), "Dana Reyes"),
		chromedp.SendKeys(chromedp.ID("email"), "dana@maple.example"),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.SendKeys(chromedp.ID("password_confirm"), password),
		chromedp.Submit(chromedp.ID("password_confirm")),
		chromedp.WaitVisible(chromedp.CSS("ol.steps")),
	)
	submit(`form.form button[type=submit]`, `input[name="sys-0-name"]`)
	do(chromedp.SendKeys(chromedp.CSS(`input[name="sys-0-name"]`), "Dental practice management (EHR)"),
		chromedp.SendKeys(chromedp.CSS(`input[name="sys-0-location"]`), "vendor cloud"),
		chromedp.Click(chromedp.CSS(`input[name="sys-0-creates"]`)),
		chromedp.Click(chromedp.CSS(`input[name="sys-0-maintains"]`)))
	submit(`form.form button[type=submit]`, `input[name="security_name"]`)
	do(chromedp.SendKeys(chromedp.CSS(`input[name="security_name"]`), "Dana Reyes"),
		chromedp.SendKeys(chromedp.CSS(`input[name="security_title"]`), "Office manager"))
	submit(`form.form button[type=submit]`, `main h2`)
	review := text("main")
	for _, want := range []string{"64 of 71", "10 of 20", "scaled for a small practice", "Dental practice management (EHR)", "Dana Reyes"} {
		if !strings.Contains(review, want) {
			t.Errorf("the wizard's review lacks %q", want)
		}
	}
	submit(`form.form button[type=submit]`, `table.tailoring`)
	if tailoring := text("main"); !strings.Contains(tailoring, "No health care clearinghouse is part of this organisation") {
		t.Error("the tailoring page does not say why clearinghouse isolation does not apply")
	}

	// A CPG assessment: the scorecard before and after answers.
	do(chromedp.Navigate(base+"orgs/maple/assessments"), chromedp.WaitVisible(chromedp.ID("framework")),
		chromedp.SetValue(chromedp.ID("framework"), "hph-cpg"),
		chromedp.SendKeys(chromedp.ID("title"), "CPG baseline"),
		chromedp.Submit(chromedp.ID("title")),
		chromedp.WaitVisible(chromedp.CSS("table.assessment")))
	cpgURL, _ := chromedp.Run(ctx, chromedp.Location())
	do(chromedp.Navigate(base+"orgs/maple/scorecard"), chromedp.WaitVisible(chromedp.CSS("figure.scorecard svg")))
	before := text("table.scorecard-goals")
	for _, a := range []struct{ item, status string }{{"essential-3", "implemented"}, {"essential-4", "implemented"}, {"essential-1", "partially_implemented"}} {
		do(chromedp.Navigate(cpgURL+"/items/"+a.item), chromedp.WaitVisible(chromedp.ID("status")),
			chromedp.SetValue(chromedp.ID("status"), a.status))
		submit(`form.answer .buttons button:first-child`, `p.notice[role=status]`)
	}
	if p := text("div.progress"); !strings.Contains(p, "3 of 10 applicable items answered") {
		t.Errorf("CPG progress after three answers: %q", p)
	}
	do(chromedp.Navigate(cpgURL), chromedp.WaitVisible(chromedp.CSS("section.finalise")))
	submit(`section.finalise button`, `p.notice`)
	if notice := text("main"); !strings.Contains(notice, "Finalised") || !strings.Contains(notice, "SHA-256 of the frozen record") {
		t.Error("finalising did not say so")
	}

	// A Security Rule assessment: an addressable decision and evidence.
	do(chromedp.Navigate(base+"orgs/maple/assessments"), chromedp.WaitVisible(chromedp.ID("framework")),
		chromedp.SetValue(chromedp.ID("framework"), "hipaa-security-rule"),
		chromedp.Submit(chromedp.ID("title")),
		chromedp.WaitVisible(chromedp.CSS("table.assessment")))
	hipaaURL, _ := chromedp.Run(ctx, chromedp.Location())
	do(chromedp.Navigate(hipaaURL+"/items/164.312(a)(2)(iv)"), chromedp.WaitVisible(chromedp.CSS("fieldset.decision")),
		chromedp.SetValue(chromedp.ID("status"), "implemented"),
		chromedp.Click(chromedp.CSS(`input[name=decision_kind][value=alternative]`)),
		chromedp.SendKeys(chromedp.ID("decision_measure"), "Full-disk encryption on both front-desk PCs; the practice management vendor encrypts at rest"),
		chromedp.SendKeys(chromedp.ID("decision_reason"), "Equivalent: every place ePHI rests is encrypted with AES-256"))
	submit(`form.answer .buttons button:first-child`, `p.notice[role=status]`)
	if p := text("div.progress"); !strings.Contains(p, "1 of 22 addressable decisions documented") {
		t.Errorf("HIPAA progress after one decision: %q", p)
	}
	pdf, _ := filepath.Abs("../evidence/testdata/security-policy.pdf")
	do(chromedp.SetUploadFiles(chromedp.ID("file"), []string{pdf}),
		chromedp.SendKeys(chromedp.CSS(`form[enctype] input[name=title]`), "Encryption policy"),
		chromedp.Submit(chromedp.ID("file")),
		chromedp.WaitVisible(chromedp.CSS(`#ev-h + ul.list`)))
	if ev := text(`#ev-h + ul.list`); !strings.Contains(ev, "Encryption policy") || !strings.Contains(ev, "security-policy.pdf") {
		t.Errorf("evidence on the item: %q", ev)
	}
	// Finalising refuses while decisions are missing, and says which.
	do(chromedp.Navigate(hipaaURL), chromedp.WaitVisible(chromedp.CSS("section.finalise")))
	submit(`section.finalise button`, `p.error`)
	if msg := text("p.error"); !strings.Contains(msg, "cannot finalise: 21 addressable implementation specifications lack the decision") {
		t.Errorf("finalise refusal: %q", msg)
	}
	shot("assessment-hipaa.png")

	// The scorecard changed.
	do(chromedp.Navigate(base+"orgs/maple/scorecard"), chromedp.WaitVisible(chromedp.CSS("figure.scorecard svg")))
	after := text("table.scorecard-goals")
	if before == after {
		t.Error("the scorecard did not change after answering and finalising")
	}
	desc, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS("figure.scorecard svg desc")))
	if err != nil || !strings.Contains(desc, "Essential goals: 2 of 10 met, 1 partially met") {
		t.Errorf("scorecard picture: %q %v", desc, err)
	}
	if !strings.Contains(after, "Answered implemented") || !strings.Contains(after, "CPG baseline (final)") {
		t.Errorf("scorecard inputs: %q", after)
	}
	shot("scorecard.png")
}
