package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/check"

	"github.com/chromedp/chromedp"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
)

// The demo clinic's owner, in a real browser: the checks verified from the
// demo's imported data with the records behind one of them, a scanner file
// uploaded and imported in the background, the findings in the order to fix
// them, and the accounts with the people they were matched to.
func TestVerificationFromDataInTheBrowser(t *testing.T) {
	ctx := newBrowser(t)
	base, logins := startDemo(t, e2etest.BuildBinary(t))
	tab := page{t, ctx}
	do, text := tab.do, tab.text
	shot := tab.shot
	org := base + "orgs/riverside-demo"
	tab.signInDemoOwner(base, logins)

	// The checks the demo ran, each linked to the records behind it.
	do(chromedp.Navigate(org+"/checks"), chromedp.WaitVisible(chromedp.CSS("table.table")))
	checks := text("table.table")
	// What each verifies is named as a person reads it, not by its id.
	for _, want := range []string{"Multifactor authentication", "Known exploited vulnerabilities", "Essential goal 3 Multifactor Authentication", "164.312(d) Person or entity authentication"} {
		if !strings.Contains(checks, want) {
			t.Errorf("the checks page lacks %q:\n%s", want, checks)
		}
	}
	if strings.Contains(checks, "hph-cpg/") || strings.Contains(checks, "hipaa-sr/") {
		t.Errorf("the checks page shows internal ids:\n%s", checks)
	}
	do(chromedp.Click(chromedp.CSS(`table.table a[href*="/checks/"]`)), chromedp.WaitVisible(chromedp.CSS("h1")))
	if body := text("main"); !strings.Contains(body, "The records behind the verdict") {
		t.Errorf("a check's page:\n%s", body)
	}
	shot("check-result.png")

	// A Trivy report uploaded: the job's page follows it to the end.
	report, _ := filepath.Abs("../ingest/testdata/trivy-small.json")
	do(chromedp.Navigate(org+"/imports"), chromedp.WaitVisible(chromedp.CSS(`input[name=file]`)),
		chromedp.SetUploadFiles(chromedp.CSS(`input[name=file]`), []string{report}),
		chromedp.Submit(chromedp.CSS(`input[name=file]`)),
		chromedp.WaitVisible(chromedp.CSS("span.badge")))
	job, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || !strings.Contains(job, "/imports/") {
		t.Fatalf("after the upload: %s %v", job, err)
	}
	var outcome string
	for range 40 {
		do(chromedp.Navigate(job), chromedp.WaitVisible(chromedp.CSS("span.badge")))
		if outcome = text("main"); strings.Contains(outcome, "checks ran") || strings.Contains(outcome, "failed") {
			break
		}
		time.Sleep(250 * time.Millisecond)
	}
	// The import enqueued the checks; the page says when they ran and what
	// changed.
	if !strings.Contains(outcome, "3 findings (Trivy)") || !strings.Contains(outcome, fmt.Sprintf("%d checks ran", len(check.Catalog))) {
		t.Errorf("the job's page:\n%s", outcome)
	}
	shot("import-job.png")

	// The findings, in order, each with why it is where it is.
	do(chromedp.Navigate(org+"/findings"), chromedp.WaitVisible(chromedp.CSS("table.table")))
	if f := text("main"); !strings.Contains(f, "What changed between scans") || !strings.Contains(f, "KEV-listed") {
		t.Errorf("the findings page:\n%s", f)
	}
	shot("findings.png")

	// The accounts, matched to the roster.
	do(chromedp.Navigate(org+"/accounts"), chromedp.WaitVisible(chromedp.CSS("table.table")))
	if a := text("table.table"); !strings.Contains(a, "high") && !strings.Contains(a, "medium") {
		t.Errorf("no account shows a match and its confidence:\n%s", a)
	}
}
