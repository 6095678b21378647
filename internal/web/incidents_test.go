package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/notify"
	"github.com/safeguard-health/safeguard/internal/notify/smtptest"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// The incident pages: an incident recorded from its form, refused with
// what was typed kept (a low probability resting on three factors), then
// assessed a breach of 120 individuals: its page shows each notice's last
// day with the rule's text, the register the next notice due, and the
// yearly log of breaches under 500 its report to HHS.
func TestIncidentPages(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	base := srv.URL + "/orgs/riverside/incidents"
	_, body := fetch(t, c, base)
	mustContain(t, "the empty register", body, "No incident recorded", "Record an incident")
	_, body = fetch(t, c, base+"/new")
	mustContain(t, "the form", html.UnescapeString(body), "The nature and extent of the protected health information involved", "45 CFR 164.404(a)(2)", "Loss or theft of equipment or media")

	detected := time.Now().UTC().Add(-48 * time.Hour)
	form := url.Values{"title": {"Stolen laptop with unencrypted schedules"}, "detected_at": {detected.Format("2006-01-02T15:04")}, "phi": {"on"}, "records": {"120"},
		"threat": {"lost-stolen-device"}, "conclusion": {"low-probability"}, "factor_1": {"Names and visit times"}, "factor_2": {"Unknown thief"}, "factor_3": {"Unknown"},
		"reasoning": {"Police report filed."}, "assessed_by": {"Dana Reyes"}, "assessed_on": {time.Now().UTC().Format("2006-01-02")}}
	resp, body := post(t, c, base, form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), "factors[4]: a low probability of compromise must rest on each factor") || !strings.Contains(body, `value="Stolen laptop with unencrypted schedules"`) {
		t.Errorf("three factors: %d %s", resp.StatusCode, html.UnescapeString(body))
	}
	form.Set("conclusion", "breach")
	form.Set("reasoning", "Unencrypted; the thief had it for two days: the presumption of 164.402(2) is not rebutted.")
	discovered := detected.Format("2006-01-02")
	form.Set("discovered_on", discovered)
	form.Set("role", "covered-entity")
	form.Set("individuals", "120")
	form.Set("most_in_one_state", "120")
	resp, body = post(t, c, base, form)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("record: %d %s", resp.StatusCode, html.UnescapeString(body))
	}
	page := srv.URL + strings.Split(resp.Header.Get("Location"), "?")[0]
	_, body = fetch(t, c, page)
	due := detected.AddDate(0, 0, 60).Format("2006-01-02")
	logDue := time.Date(detected.Year(), 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 60).Format("2006-01-02")
	mustContain(t, "the incident's page", html.UnescapeString(body), "INC-001 Stolen laptop", "a breach of unsecured PHI", "45 CFR 164.404(b)", due, "no case later than 60 calendar days after discovery",
		"45 CFR 164.408(c)", logDue, "<strong class=\"standing due\">due</strong>")
	// A server with a mail server reminds the owner; the page lists it.
	o, err := s.OrganizationBySlug(context.Background(), "riverside")
	if err != nil {
		t.Fatal(err)
	}
	box := smtptest.Start(t)
	m, _ := notify.ParseSMTP("smtp+plain://"+box.Addr, "safeguard@riverside.example")
	if n, err := (&incidents.Service{}).SendReminders(context.Background(), s.Scope(o), m, srv.URL+"/orgs/riverside"); n != 1 || err != nil || len(box.Messages()) != 1 {
		t.Fatalf("reminders: %d %v %d", n, err, len(box.Messages()))
	}
	_, body = fetch(t, c, page)
	mustContain(t, "the incident's reminders", html.UnescapeString(body), "Reminders sent", "notice to individuals", "due within 60 days", "Olivia Owens <owner@riverside.example>: sent")
	// The notice to the individuals sent: the register shows the log next.
	form.Set("notice_to", "individuals")
	form.Set("notice_sent_on", time.Now().UTC().Format("2006-01-02"))
	form.Set("notice_how", "first-class mail")
	if resp, body := post(t, c, page, form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", resp.StatusCode, html.UnescapeString(body))
	}
	_, body = fetch(t, c, base)
	mustContain(t, "the register", html.UnescapeString(body), "INC-001", "hhs-log by "+logDue, "The log of breaches under 500", "(120 individuals)")

	// The API reads the same.
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(context.Background(), &auth.APIToken{Name: "incidents", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	api := apiClient{t, srv.URL + "/api/v1/orgs/riverside", token}
	code, out := api.do("GET", "/incidents/INC-001", nil)
	if code != 200 || out["ref"] != "INC-001" || out["next"].(map[string]any)["to"] != "hhs-log" || out["log_year"].(float64) != float64(detected.Year()) || len(out["reminders"].([]any)) != 1 {
		t.Errorf("the API's incident: %d %v", code, out)
	}
	code, out = api.do("GET", "/incidents/log", nil)
	if years := out["years"].([]any); code != 200 || len(years) != 1 || years[0].(map[string]any)["due"] != logDue {
		t.Errorf("the API's log: %d %v", code, out)
	}
	code, out = api.do("POST", "/incidents", map[string]any{"title": "Phishing", "detected_at": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)})
	if code != 400 || !strings.Contains(out["error"].(string), "detected_at: in the future") {
		t.Errorf("the API refuses: %d %v", code, out)
	}
	code, out = api.do("POST", "/incidents", map[string]any{"title": "Phishing", "detected_at": detected.Format(time.RFC3339)})
	if code != 201 || out["ref"] != "INC-002" {
		t.Errorf("the API records: %d %v", code, out)
	}
}

// The incident response plan's page: the first version started from
// Safeguard's playbooks, a step that does not read refused with its line,
// saved as a draft, approved once, and printed.
func TestIncidentPlanPage(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	plan := srv.URL + "/orgs/riverside/incidents/plan"
	_, body := fetch(t, c, plan)
	mustContain(t, "the plan's page", html.UnescapeString(body), "<strong>none</strong>: no incident response plan has been approved", "Disconnect affected machines", "Attack against network-connected medical devices")
	form := url.Values{"title": {"Incident response plan"}, "review_months": {"12"}, "role": {"Incident lead", ""}, "role_name": {"Sam Patel", ""}, "role_phone": {"+1 555 0101", ""},
		"contact_kind": {"insurer", "vendor"}, "contact_name": {"Claims hotline", ""}, "contact_org": {"Harbor Mutual", ""},
		"playbook_threat": {"ransomware"}, "playbook_title": {"Ransomware"}, "playbook_steps": {"contain: Unplug it.\nrestore from backups"}}
	resp, body := post(t, c, plan, form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), `Ransomware, line 2: write each step as "phase: what to do"`) || !strings.Contains(body, `value="Harbor Mutual"`) {
		t.Errorf("a step that does not read: %d %s", resp.StatusCode, html.UnescapeString(body))
	}
	form.Set("playbook_steps", "contain: Unplug it.\nrecover: Restore from the backups.")
	if resp, body := post(t, c, plan, form); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d %s", resp.StatusCode, html.UnescapeString(body))
	}
	_, body = fetch(t, c, plan)
	mustContain(t, "the draft", body, "Version 1, saved", "is a draft", "Approve version 1")
	today := time.Now().UTC().Format("2006-01-02")
	if resp, _ := post(t, c, plan+"/1/approve", url.Values{"approved_by": {"Dana Reyes, owner"}, "approved_on": {today}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("approve: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, plan+"/1/approve", url.Values{"approved_by": {"Dana Reyes, owner"}, "approved_on": {today}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("approved twice: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, plan)
	mustContain(t, "the approved plan", body, "<strong>current</strong>", "approved by Dana Reyes, owner on "+today)
	resp, pdf := fetch(t, c, plan+"/1/pdf")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(pdf, "%PDF") {
		t.Errorf("the PDF: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if resp, _ := fetch(t, c, plan+"/7/pdf"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("a version that does not exist: %d", resp.StatusCode)
	}
}

// The exercise pages: an exercise planned, then held with its findings,
// one finding made a plan action on a risk, found in the plan of action
// and milestones, and kept when the exercise is saved again.
func TestExercisePages(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, srv.URL+"/orgs/riverside/risk/assets", url.Values{"name": {"File server"}, "type": {"data-store"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("an asset")
	}
	_, body := fetch(t, c, srv.URL+"/orgs/riverside/risk/assets")
	asset := regexp.MustCompile(`/risk/assets/([0-9a-f-]{36})`).FindStringSubmatch(body)
	if asset == nil {
		t.Fatal("no asset")
	}
	if resp, body := post(t, c, srv.URL+"/orgs/riverside/risk/register", url.Values{"title": {"Ransomware"}, "threat": {"ransomware"}, "asset": {asset[1]}, "likelihood": {"3"}, "impact_a": {"4"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a risk: %d %s", resp.StatusCode, body)
	}
	base := srv.URL + "/orgs/riverside/incidents/exercises"
	_, body = fetch(t, c, base)
	mustContain(t, "the exercises", html.UnescapeString(body), "No exercise yet", "Ransomware on a Friday afternoon", "Safeguard's own scenario")
	resp, body := post(t, c, base, url.Values{"title": {"Ransomware tabletop"}, "scenario": {"ransomware-friday"}, "held_on": {time.Now().UTC().Format("2006-01-02")}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "participants: who took part") {
		t.Errorf("held without participants: %d", resp.StatusCode)
	}
	resp, body = post(t, c, base, url.Values{"title": {"Ransomware tabletop"}, "scenario": {"ransomware-friday"}, "held_on": {time.Now().UTC().Format("2006-01-02")},
		"participants": {"Sam Patel\nOlivia Owens\n"}, "findings": {"Nobody knew where the printed plan was.\nRestores were never timed.\n"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("an exercise: %d %s", resp.StatusCode, body)
	}
	page := srv.URL + strings.Split(resp.Header.Get("Location"), "?")[0]
	_, body = fetch(t, c, page)
	mustContain(t, "the exercise", html.UnescapeString(body), "Sam Patel; Olivia Owens", "Nobody knew where the printed plan was.", "Make it a plan action", "17:15: the IT provider confirms", "R-001 Ransomware")
	riskID := regexp.MustCompile(`<option value="([0-9a-f-]{36})">R-001`).FindStringSubmatch(body)
	if riskID == nil {
		t.Fatal("no risk to choose")
	}
	if resp, body := post(t, c, page+"/findings/2/track", url.Values{"risk": {riskID[1]}, "owner": {"Sam Patel"}, "due": {"2027-03-01"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("track: %d %s", resp.StatusCode, body)
	}
	_, body = fetch(t, c, srv.URL+"/orgs/riverside/risk/poam")
	mustContain(t, "the POA&M", body, "Restores were never timed.", "2027-03-01")
	// Saved again with the findings word for word, the tracked one keeps its action.
	if resp, _ := post(t, c, page, url.Values{"title": {"Ransomware tabletop"}, "scenario": {"ransomware-friday"}, "held_on": {time.Now().UTC().Format("2006-01-02")},
		"participants": {"Sam Patel\nOlivia Owens"}, "findings": {"Nobody knew where the printed plan was.\nRestores were never timed."}, "notes": {"Ninety minutes."}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save again: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, page)
	mustContain(t, "the exercise saved again", html.UnescapeString(body), "Plan action: ", "Restores were never timed.</a> — planned, Sam Patel, due 2027-03-01", "Ninety minutes.")
	if strings.Count(body, "Make it a plan action") != 1 {
		t.Errorf("the tracked finding offers a plan action again")
	}
}

// The contingency pages: the inventory's ePHI systems listed, critical
// first; a system's objectives and backup saved; a restore test over its
// objective, and over the proposed 72 hours, shown as such.
func TestContingencyPages(t *testing.T) {
	s := storetest.SQLite(t)
	srv, h := newServerAndHandler(t, s)
	c := newClient(t)
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	for _, a := range []url.Values{{"name": {"E-fax"}, "type": {"cloud-service"}, "transmits": {"on"}, "criticality": {"moderate"}},
		{"name": {"Backup NAS"}, "type": {"data-store"}, "maintains": {"on"}, "criticality": {"critical"}}} {
		if resp, _ := post(t, c, srv.URL+"/orgs/riverside/risk/assets", a); resp.StatusCode != http.StatusSeeOther {
			t.Fatal("an asset")
		}
	}
	base := srv.URL + "/orgs/riverside/contingency"
	_, body := fetch(t, c, base)
	mustContain(t, "the plan", html.UnescapeString(body), "Backup NAS", "E-fax", "Proposed, not in force", "164.308(a)(7)(ii)(C)")
	if strings.Index(body, "Backup NAS") > strings.Index(body, "E-fax") {
		t.Error("the critical system is not first")
	}
	nas := regexp.MustCompile(`/contingency/([0-9a-f-]{36})">Backup NAS`).FindStringSubmatch(body)
	if nas == nil {
		t.Fatal("no link to the NAS")
	}
	page := base + "/" + nas[1]
	if resp, body := post(t, c, page, url.Values{"rto_hours": {"a day"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "a number of hours") {
		t.Errorf("a bad objective: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, page, url.Values{"rto_hours": {"24"}, "rpo_hours": {"24"}, "what": {"Shares"}, "where": {"Backblaze B2 with object lock"}, "frequency": {"nightly"}, "offline": {"on"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save: %d", resp.StatusCode)
	}
	if resp, body := post(t, c, page+"/tests", url.Values{"tested_on": {time.Now().UTC().Format("2006-01-02")}, "hours": {"80"}, "succeeded": {"on"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "by: who ran the test") {
		t.Errorf("a test by nobody: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, page+"/tests", url.Values{"tested_on": {time.Now().UTC().Format("2006-01-02")}, "hours": {"80"}, "succeeded": {"on"}, "by": {"Jo Marsh"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a test: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, page)
	mustContain(t, "the NAS", html.UnescapeString(body), "backup planned; restore over-objective", "took 80 hours, over its objective of 24 hours", "over the proposed 72 h", "Jo Marsh", "Backblaze B2 with object lock")
	_, body = fetch(t, c, base)
	mustContain(t, "the plan after the test", html.UnescapeString(body), "over-objective", "over the proposed 72 h")

	// A backup job report uploaded: its job, which no system claims yet,
	// is listed; named on the NAS's entry, its runs are the NAS's.
	ok, failed := time.Now().UTC().Add(-30*time.Hour).Truncate(time.Minute), time.Now().UTC().Add(-6*time.Hour).Truncate(time.Minute)
	report := "job,started,result,target\nNAS nightly," + ok.Format(time.RFC3339) + ",success,B2\nNAS nightly," + failed.Format(time.RFC3339) + ",failed,B2\n"
	if resp, body := upload(t, c, srv.URL+"/orgs/riverside/imports", "backups.csv", []byte(report), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", resp.StatusCode, body)
	}
	h.Wait()
	_, body = fetch(t, c, base)
	mustContain(t, "the plan with a report", html.UnescapeString(body), "Backup jobs no system claims", "NAS nightly", "backup-jobs")
	if resp, _ := post(t, c, page, url.Values{"rto_hours": {"24"}, "rpo_hours": {"24"}, "what": {"Shares"}, "where": {"Backblaze B2 with object lock"}, "frequency": {"nightly"}, "offline": {"on"},
		"jobs": {"NAS nightly\r\n\r\n"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("save the jobs: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, page)
	mustContain(t, "the NAS with its job", html.UnescapeString(body), "backup failing; restore over-objective", "NAS nightly failed once since its newest success on "+ok.Format("2006-01-02 15:04"),
		"<td>NAS nightly</td><td>backup-jobs</td><td>2</td>", ">NAS nightly\n</textarea>")
	if _, body = fetch(t, c, base); strings.Contains(body, "Backup jobs no system claims") {
		t.Error("the job is still unclaimed")
	}
}
