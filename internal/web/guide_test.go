package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/storetest"
)

// A small practice follows the guided path: each step's state comes from
// its records, so the path resumes where it stopped; the goals are asked
// one at a time in plain words, each answer saved through the same rules
// as the expert pages, and the next unanswered comes after it.
func TestGuidedPath(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	base := srv.URL + "/orgs/riverside"
	_, body := fetch(t, c, base+"/guide")
	mustContain(t, "a new practice's path", body, "three to four hours", "<strong>Next:</strong> step 1, Tell Safeguard about your practice", "10 minutes")

	step := func(n string, form url.Values) {
		t.Helper()
		form.Set("step", n)
		if resp, _ := post(t, c, base+"/profile", form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("profile step %s: %d", n, resp.StatusCode)
		}
	}
	step("1", url.Values{"name": {"Riverside Family Clinic"}, "entity_type": {"provider"}, "workforce": {"5"}, "sites": {"1"}})
	step("3", url.Values{"security_name": {"Dana Reyes"}, "fiscal_year_start": {"1"}})
	step("4", url.Values{})
	_, body = fetch(t, c, base+"/guide")
	mustContain(t, "after the profile", body, "<strong>Next:</strong> step 2, The ten essential goals")

	// No CPG assessment yet: the step offers to start one.
	_, body = fetch(t, c, base+"/guide/goals")
	mustContain(t, "before the goals' assessment", body, `name="start"`)
	if resp, _ := post(t, c, base+"/guide/goals", url.Values{"start": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base+"/guide/goals")
	mustContain(t, "the first goal", body, "Essential goal 1: Mitigate Known Vulnerabilities", "Item 1 of 10", "Yes, we do this")
	if resp, _ := post(t, c, base+"/guide/goals", url.Values{"item": {"essential-1"}, "status": {"partially_implemented"}, "notes": {"Monthly patching; the firewall lags."}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("answer: %d", resp.StatusCode)
	}
	// Resumed at the next one not answered.
	_, body = fetch(t, c, base+"/guide/goals")
	mustContain(t, "the next goal", body, "Essential goal 2: Email Security", "Item 2 of 10 · 1 answered")
	// A bad answer is refused by the same rules, naming why, and nothing moves on.
	resp, _ := post(t, c, base+"/guide/goals", url.Values{"item": {"essential-2"}, "status": {"implemented"}, "target_date": {"soon"}})
	if loc := resp.Header.Get("Location"); !strings.Contains(loc, "item=essential-2") || !strings.Contains(loc, "Not+saved") {
		t.Errorf("a bad date: %d %s", resp.StatusCode, loc)
	}
	_, body = fetch(t, c, base+"/guide")
	mustContain(t, "the path after one goal", body, "1 of 10 done", "<strong>Next:</strong> step 2")
	// Once all ten are answered the step sends back to the path, saying so.
	for _, g := range []string{"essential-2", "essential-3", "essential-4", "essential-5", "essential-6", "essential-7", "essential-8", "essential-9", "essential-10"} {
		if resp, _ := post(t, c, base+"/guide/goals", url.Values{"item": {g}, "status": {"planned"}}); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("%s: %d", g, resp.StatusCode)
		}
	}
	resp, _ = fetch(t, c, base+"/guide/goals")
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.Contains(loc, "/guide?notice=") {
		t.Fatalf("after the tenth goal: %d %s", resp.StatusCode, loc)
	}
	_, body = fetch(t, c, srv.URL+loc)
	mustContain(t, "the path after the goals", body, "The ten essential goals: every item is answered.", "<strong>Next:</strong> step 3, The Security Rule")
	// The answer is the assessment's: the expert page shows it.
	_, body = fetch(t, c, base+"/scorecard")
	mustContain(t, "the scorecard", body, "Monthly patching")
}
