package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// A workforce member's account sees their own training and nobody else's,
// attests their own completions only, and reaches none of the roster,
// records or program pages.
func TestWorkforceMemberSeesOnlyTheirOwnTraining(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	ctx := context.Background()
	o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	u := addMember(t, s, o.ID, "wendy@riverside.example", "Wendy Garcia", auth.Workforce)
	sc := s.Scope(o)
	starter, _, err := workforce.Starter(mustCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := sc.InstallProgram(ctx, starter); err != nil {
		t.Fatal(err)
	}
	wendy := &workforce.Person{EmployeeID: "1004", Name: "Wendy Garcia", Email: "Wendy@Riverside.example", Position: "Medical assistant", Department: "Clinical", Access: workforce.Modify, Start: "2024-01-01"}
	sam := &workforce.Person{EmployeeID: "1002", Name: "Sam Patel", Email: "sam@riverside.example", Position: "IT lead", Access: workforce.Administer, Start: "2020-01-01"}
	for _, p := range []*workforce.Person{wendy, sam} {
		if err := sc.SavePerson(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	c := newClient(t)
	if resp, _ := post(t, c, srv.URL+"/login", url.Values{"email": {u.Email}, "password": {ownerPassword}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	base := srv.URL + "/orgs/riverside"
	_, body := fetch(t, c, base)
	if !strings.Contains(body, "/training/mine") || strings.Contains(body, "/workforce\"") {
		t.Error("the organisation page does not offer the member their training, or offers the roster")
	}
	_, body = fetch(t, c, base+"/training/mine")
	mustContain(t, "my training", body, "Wendy Garcia", "Security awareness", "Clinical workstations and mobile devices", "I completed this module myself")
	if strings.Contains(body, "Sam Patel") || strings.Contains(body, "Privileged administrator") {
		t.Error("the member sees someone else's training")
	}
	for _, path := range []string{"/workforce", "/workforce/" + sam.ID, "/workforce/" + wendy.ID, "/training"} {
		if resp, _ := fetch(t, c, base+path); resp.StatusCode != http.StatusForbidden {
			t.Errorf("GET %s as a workforce member: %d, want 403", path, resp.StatusCode)
		}
	}
	for path, form := range map[string]url.Values{
		"/workforce/" + sam.ID + "/completions": {"module": {"privileged"}, "completed_on": {"2026-01-01"}},
		"/training/completions":                 {},
		"/workforce/import":                     {},
	} {
		if resp, _ := post(t, c, base+path, form); resp.StatusCode != http.StatusForbidden {
			t.Errorf("POST %s as a workforce member: %d, want 403", path, resp.StatusCode)
		}
	}
	// Attesting: confirmation required, own modules only, recorded for herself.
	today := time.Now().UTC().Format("2006-01-02")
	if resp, body := post(t, c, base+"/training/mine/awareness", url.Values{"completed_on": {today}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "confirm that you completed") {
		t.Errorf("attest without confirming: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, base+"/training/mine/privileged", url.Values{"completed_on": {today}, "attest": {"on"}}); resp.StatusCode != http.StatusNotFound {
		t.Errorf("attest a module not assigned to her: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, base+"/training/mine/awareness", url.Values{"completed_on": {"2999-01-01"}, "attest": {"on"}}); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("attest in the future: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, base+"/training/mine/awareness", url.Values{"completed_on": {today}, "attest": {"on"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("attest: %d", resp.StatusCode)
	}
	mine, _ := sc.Completions(ctx, wendy.ID)
	others, _ := sc.Completions(ctx, sam.ID)
	if len(mine) != 1 || mine[0].Module != "awareness" || mine[0].Source != "attested by wendy@riverside.example" || len(others) != 0 {
		t.Errorf("completions: mine %+v, others %d", mine, len(others))
	}
	_, body = fetch(t, c, base+"/training/mine")
	mustContain(t, "my training after attesting", body, "status-current", "attested by wendy@riverside.example")
	inputs, _ := sc.ScorecardInputs(ctx)
	if len(inputs) != 2 || inputs[1].Goal != workforce.TrainingGoal || inputs[0].Goal != workforce.TrainingStandard || inputs[1].Source != "training" || inputs[1].Status != "met" {
		t.Errorf("scorecard inputs: %+v", inputs)
	}
}

var rosterApply = regexp.MustCompile(`action="(/orgs/riverside/roster-imports/[0-9a-f-]{36})"`)
var rosterDigest = regexp.MustCompile(`name="digest" value="([0-9a-f]+)"`)

// The Security Officer imports the roster twice over real HTTP: the
// mapping guessed then remembered, joiners, movers and leavers shown
// before applying, the leavers' checklists open, training follows.
func TestRosterPages(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	base := srv.URL + "/orgs/riverside"
	if resp, _ := post(t, c, base+"/training/starter", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("starter: %d", resp.StatusCode)
	}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "workforce", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	applyFile := func(name string, wants ...string) {
		t.Helper()
		resp, body := upload(t, c, base+"/workforce/import", name, read(name), nil)
		a, d := rosterApply.FindStringSubmatch(body), rosterDigest.FindStringSubmatch(body)
		if resp.StatusCode != http.StatusOK || a == nil || d == nil {
			t.Fatalf("preview of %s: %d\n%s", name, resp.StatusCode, body)
		}
		mustContain(t, "the preview of "+name, body, wants...)
		form := url.Values{"action": {"apply"}, "digest": {d[1]}}
		for _, m := range regexp.MustCompile(`<select name="(map_[a-z_]+)">([^/]*(?:/[^s][^/]*)*)</select>`).FindAllStringSubmatch(body, -1) {
			if sel := regexp.MustCompile(`<option selected>([^<]+)</option>`).FindStringSubmatch(m[2]); sel != nil {
				form.Set(m[1], html.UnescapeString(sel[1]))
			}
		}
		if resp, body := post(t, c, srv.URL+a[1], form); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("apply %s: %d\n%s", name, resp.StatusCode, body)
		}
	}
	applyFile("roster-2026-01.csv", "<strong>6</strong> join", "Maria Gomez", "Columns not used: Salary Grade")
	applyFile("roster-2026-07.csv", "<strong>1</strong> join", "<strong>1</strong> move", "<strong>2</strong> leave", "Raj Kumar", "Tom Baker", "not in the export")
	_, body := fetch(t, c, base+"/workforce")
	mustContain(t, "the roster", body, "Raj Kumar", "left 2026-06-30", "termination checklist item(s) open")
	id := regexp.MustCompile(`href="/orgs/riverside/workforce/([0-9a-f-]{36})">Ana Silva`).FindStringSubmatch(body)
	if id == nil {
		t.Fatal("Ana Silva is not linked")
	}
	_, body = fetch(t, c, base+"/workforce/"+id[1])
	mustContain(t, "a leaver's page", body, "Termination checklist", "Disable the email and directory account (ana@riverside.example)", "Collect the ID badge and keys")
	// A bad export is refused whole, naming the rows.
	resp, body := upload(t, c, base+"/training/completions", "lms.csv", read("completions.csv"), nil)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "line 5, column &#34;employee_id&#34;: no person with employee id &#34;9999&#34; on the roster") {
		t.Errorf("completions for an unknown person: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base+"/training")
	mustContain(t, "the training page", body, "By module", "By department", "By position", "Billing, payments and business email compromise", "Essential goal 4")
	// A module of the clinic's own: a bad item refused, a good one added.
	if resp, body := post(t, c, base+"/training/modules", url.Values{"code": {"x-ray"}, "title": {"X-ray safety"}, "items": {"hipaa-sr/999"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "hipaa-sr/999 is not a requirement") {
		t.Errorf("bad item: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, base+"/training/modules", url.Values{"code": {"x-ray"}, "title": {"X-ray safety"}, "minutes": {"15"}, "recur_months": {"0"}, "items": {"hipaa-sr/164.310(b)"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("add module: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, base+"/training/rules", url.Values{"module": {"x-ray"}, "positions": {"Radiologic technologist"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("add rule: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base+"/training")
	mustContain(t, "the training page with the new module", body, "X-ray safety", "once, at hire", "positions Radiologic technologist")
	// A security reminder, scheduled; a bad audience refused.
	if resp, body := post(t, c, base+"/training/reminders", url.Values{"subject": {"x"}, "body": {"y"}, "audience": {"everyone"}, "scheduled_for": {"2026-12-01"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "audience") {
		t.Errorf("bad audience: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, base+"/training/reminders", url.Values{"subject": {"Lock your screen"}, "body": {"Every time you step away."}, "audience": {"module:clinician"}, "scheduled_for": {"2026-12-01"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("schedule: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base+"/training")
	rem := regexp.MustCompile(`href="(/orgs/riverside/training/reminders/[0-9a-f-]{36})">Lock your screen`).FindStringSubmatch(body)
	if rem == nil {
		t.Fatal("the reminder is not listed")
	}
	_, body = fetch(t, c, srv.URL+rem[1])
	mustContain(t, "the reminder", body, "module:clinician", "Not sent yet", "Every time you step away.")
}
