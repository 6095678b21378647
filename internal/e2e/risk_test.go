package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
)

// The demo clinic's Security Officer, in a real browser against the real
// binary: add a system to the ePHI inventory, add a risk from a threat in
// the catalog, rate it, plan its mitigation, and find it on the heat map
// and in the plan of action and milestones.
func TestRiskAnalysisInTheBrowser(t *testing.T) {
	ctx := newBrowser(t)
	base, logins := startDemo(t, e2etest.BuildBinary(t))
	tab := page{t, ctx}
	do, text := tab.do, tab.text
	shot := tab.shot
	risk := base + "orgs/riverside-demo/risk"
	tab.signInDemoOwner(base, logins)

	// The overview shows the demo's analysis at once.
	do(chromedp.Navigate(risk), chromedp.WaitVisible(chromedp.CSS("div.heatmaps svg")))
	overview := text("main")
	for _, want := range []string{"20 open risks", "Risk analysis " + time.Now().AddDate(-1, 0, 0).Format("2006"), "holding ePHI were added since", "expired"} {
		if !strings.Contains(overview, want) && !strings.Contains(overview, strings.Replace(want, "20 open", "19 open", 1)) {
			t.Errorf("the risk overview lacks %q", want)
		}
	}
	shot("risk-overview.png")

	// An asset.
	do(chromedp.Navigate(risk+"/assets"), chromedp.WaitVisible(chromedp.CSS(`form.form input[name="name"]`)),
		chromedp.SendKeys(chromedp.CSS(`form.form input[name="name"]`), "Lab results interface"),
		chromedp.SetValue(chromedp.CSS(`form.form select[name="type"]`), "application"),
		chromedp.Click(chromedp.CSS(`form.form input[name="receives"]`)),
		chromedp.Click(chromedp.CSS(`form.form input[name="transmits"]`)),
		chromedp.SendKeys(chromedp.CSS(`form.form input[name="records"]`), "4000"),
		chromedp.SendKeys(chromedp.CSS(`form.form input[name="owner"]`), "Sam Patel"),
		chromedp.SetValue(chromedp.CSS(`form.form select[name="criticality"]`), "high"),
		chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice[role=status]`)))
	if n := text("p.notice"); !strings.Contains(n, "Added Lab results interface") {
		t.Fatalf("adding the asset: %q", n)
	}
	assetID, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('table a')].find(a => a.textContent === 'Lab results interface').href.split('/').pop()`))
	if err != nil || len(assetID) != 36 {
		t.Fatalf("the new asset's id: %q %v", assetID, err)
	}

	// A risk from the catalog's ransomware threat, rated.
	do(chromedp.Navigate(risk+"/threats"), chromedp.WaitVisible(chromedp.CSS(`tr#ransomware a.add-risk`)),
		chromedp.Click(chromedp.CSS(`tr#ransomware a.add-risk`)),
		chromedp.WaitVisible(chromedp.ID("risk-form")))
	if th := text("main"); !strings.Contains(th, "Threat: Ransomware") || !strings.Contains(th, "HICP 2023 Edition") {
		t.Errorf("the new-risk form does not show the threat and its source: %.300q", th)
	}
	do(chromedp.SendKeys(chromedp.CSS(`#risk-form input[name="title"]`), "Ransomware spreads through the lab interface"),
		chromedp.Click(chromedp.CSS(`#risk-form input[name="asset"][value="`+assetID+`"]`)),
		chromedp.SendKeys(chromedp.CSS(`#risk-form textarea[name="current_measures"]`), "Vendor VPN; endpoint protection on the interface server"),
		chromedp.SetValue(chromedp.CSS(`#risk-form select[name="likelihood"]`), "4"),
		chromedp.SendKeys(chromedp.CSS(`#risk-form textarea[name="likelihood_rationale"]`), "Lab vendors were hit twice in the region this year"),
		chromedp.SetValue(chromedp.CSS(`#risk-form select[name="impact_c"]`), "4"),
		chromedp.SetValue(chromedp.CSS(`#risk-form select[name="impact_a"]`), "5"),
		chromedp.SendKeys(chromedp.CSS(`#risk-form textarea[name="impact_rationale"]`), "Results stop flowing; 4,000 patients' results exposed"),
		chromedp.SendKeys(chromedp.CSS(`#risk-form input[name="owner"]`), "Sam Patel"),
		chromedp.SetValue(chromedp.CSS(`#risk-form select[name="response"]`), "mitigate"),
		chromedp.SetValue(chromedp.CSS(`#risk-form select[name="target_likelihood"]`), "2"),
		chromedp.SetValue(chromedp.CSS(`#risk-form select[name="target_impact"]`), "3"),
		chromedp.Click(chromedp.CSS(`#risk-form input[name="item"][value="hph-cpg/essential-7"]`)),
		chromedp.Click(chromedp.CSS(`#risk-form > button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`p.notice[role=status]`)))
	summary := strings.Join(strings.Fields(text("p.summary")), " ")
	if n := text("p.notice"); !strings.Contains(n, "Added R-021") || !strings.Contains(summary, "Very High") || !strings.Contains(summary, "target after the plan: Low") {
		t.Fatalf("the new risk: %q / %q", n, summary)
	}
	riskURL, _ := chromedp.Run(ctx, chromedp.Location())

	// Its mitigation plan.
	due := time.Now().AddDate(0, 2, 0).Format("01022006") // as typed into a date field
	do(chromedp.SendKeys(chromedp.CSS(`#action-form input[name="title"]`), "Segment the lab interface onto its own VLAN"),
		chromedp.SendKeys(chromedp.CSS(`#action-form input[name="owner"]`), "Sam Patel"),
		chromedp.SendKeys(chromedp.CSS(`#action-form input[name="due"]`), due),
		chromedp.Click(chromedp.CSS(`#action-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`table.actions`)))
	if plan := text("main"); !strings.Contains(plan, "Plan updated") || !strings.Contains(plan, "Segment the lab interface onto its own VLAN") {
		t.Errorf("the plan: %.500q", plan)
	}
	shot("risk-form.png")

	// On the heat map: the register for the new asset counts one risk at likelihood 4, impact 5.
	do(chromedp.Navigate(risk+"/register?asset="+assetID), chromedp.WaitVisible(chromedp.CSS("div.heatmaps svg")))
	cell, err := chromedp.Run(ctx, chromedp.Evaluate[string](`[...document.querySelectorAll('div.heatmaps svg g title')].map(t => t.textContent).filter(s => !s.endsWith(' 0 risk(s)')).join('|')`))
	if err != nil || cell != "Likelihood High × impact Very High: Very High, 1 risk(s)" {
		t.Errorf("the heat map's occupied cells: %q %v", cell, err)
	}
	if reg := text("table.register"); !strings.Contains(reg, "R-021") || !strings.Contains(reg, "Lab results interface") {
		t.Errorf("the register: %q", reg)
	}
	do(chromedp.Navigate(risk+"/register"), chromedp.WaitVisible(chromedp.CSS("div.heatmaps svg")))
	shot("risk-register.png")

	// In the POA&M.
	do(chromedp.Navigate(risk+"/poam"), chromedp.WaitVisible(chromedp.CSS("table.poam")))
	poam := text("table.poam")
	if !strings.Contains(poam, "R-021") || !strings.Contains(poam, "Segment the lab interface onto its own VLAN") || !strings.Contains(poam, "on track") || !strings.Contains(poam, "overdue") {
		t.Errorf("the POA&M: %q", poam)
	}
	shot("risk-poam.png")
	_ = riskURL
}
