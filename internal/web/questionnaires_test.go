package web_test

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/tabular"
	"github.com/safeguard-health/safeguard/internal/vendor"
	"github.com/safeguard-health/safeguard/internal/web"
)

var (
	linkRE          = regexp.MustCompile(`value="(http://[^"]+/questionnaire/([A-Za-z0-9_-]{43}))"`)
	workbookRE      = regexp.MustCompile(`href="(/orgs/riverside/vendors/[^"]+/questionnaires/[^"]+/workbook)"`)
	answerPreviewRE = regexp.MustCompile(`action="(/orgs/riverside/vendors/[^"]+/answer-imports/[^"]+)"[^>]*>\s*<input type="hidden" name="digest" value="([0-9a-f]+)">\s*<input type="hidden" name="respondent" value="([^"]*)">`)
)

// reply posts a vendor's answers to its link as its browser does:
// multipart, with files of evidence by question.
func reply(t *testing.T, c *http.Client, link string, fields url.Values, files map[string]string) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for q, content := range files {
		fw, _ := mw.CreateFormFile("file_"+q, q+"-evidence.txt")
		io.WriteString(fw, content)
	}
	mw.Close()
	resp, err := c.Post(link, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// allYes answers every question of Safeguard's questionnaire yes, but
// those in no.
func allYes(no ...string) url.Values {
	f := url.Values{"respondent": {"Priya Nair, Security lead"}}
	for _, q := range vendor.Builtin.Questions {
		f.Set("answer_"+q.ID, "yes")
	}
	for _, id := range no {
		f.Set("answer_"+id, "no")
		f.Set("comment_"+id, "Not yet.")
	}
	return f
}

// The questionnaire pages: a link sent and shown once, answered by the
// vendor without a session (refused answers keep what was typed and
// nothing else), spent once used; a link that expires; a workbook sent,
// downloaded, returned filled in, previewed and applied; the
// organisation's own questionnaire added from a file.
func TestQuestionnairePages(t *testing.T) {
	s := storetest.SQLite(t)
	now := time.Now().UTC()
	srv, app := newServerAndHandler(t, s, func(c *web.Config) { c.Now = func() time.Time { return now } })
	c := newClient(t)
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	base := srv.URL + "/orgs/riverside/vendors"
	resp, body := post(t, c, base, url.Values{"name": {"VisitLink"}, "status": {"business-associate"}, "receives": {"on"}, "records": {"1200"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a vendor: %d %s", resp.StatusCode, body)
	}
	page := srv.URL + strings.Split(resp.Header.Get("Location"), "?")[0]

	if resp, body := post(t, c, page+"/questionnaires", url.Values{"days": {"400"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "1 to 90 days") {
		t.Errorf("400 days: %d", resp.StatusCode)
	}
	resp, body = post(t, c, page+"/questionnaires", url.Values{"questionnaire": {vendor.Builtin.ID + "@" + vendor.Builtin.Version}, "channel": {"link"}, "recipient": {"security@visitlink.example"}, "days": {"14"}})
	m := linkRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("send: %d\n%s", resp.StatusCode, body)
	}
	link, token := m[1], m[2]
	if _, again := fetch(t, c, page); strings.Contains(again, token) {
		t.Error("the link is shown again")
	}

	vendorClient := newClient(t) // no session
	resp, body = fetch(t, vendorClient, link)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("the link: %d", resp.StatusCode)
	}
	mustContain(t, "the vendor's page", body, "Riverside Family Clinic", "VisitLink", "No account is needed", `name="answer_mfa-remote"`, `name="file_mfa-remote"`)
	partial := allYes("sbom")
	partial.Del("answer_backups")
	resp, body = reply(t, vendorClient, link, partial, map[string]string{"mfa-remote": "Duo everywhere.\n"})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "(backups): not answered") || !strings.Contains(body, "choose the files again") || !strings.Contains(body, `value="Priya Nair, Security lead"`) {
		t.Errorf("unanswered: %d %s", resp.StatusCode, html.UnescapeString(body))
	}
	resp, body = reply(t, vendorClient, link, allYes("sbom", "backups"), map[string]string{"mfa-remote": "Duo everywhere.\n"})
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, "Thank you") {
		t.Fatalf("answers: %d %s", resp.StatusCode, body)
	}
	for _, try := range []func() (*http.Response, string){
		func() (*http.Response, string) { return fetch(t, vendorClient, link) },
		func() (*http.Response, string) { return reply(t, vendorClient, link, allYes(), nil) },
	} {
		if resp, body := try(); resp.StatusCode != http.StatusGone || strings.Contains(body, "VisitLink") {
			t.Errorf("the used link: %d", resp.StatusCode)
		}
	}
	// The answers queued a run of the checks, which records the
	// exceptions against the vendor.
	app.Wait()
	rs, err := s.Scope(mustOrg(t, s)).CheckResults(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var requirements string
	for _, r := range rs {
		if r.Check.ID == "vendor.requirements" {
			requirements = srv.URL + "/orgs/riverside/checks/" + r.ID
		}
	}
	if requirements == "" {
		t.Fatal("no check run after the answers")
	}
	_, body = fetch(t, c, requirements)
	mustContain(t, "vendor.requirements after the answers", html.UnescapeString(body), "questionnaire exception", "VisitLink")
	_, body = fetch(t, c, page)
	mustContain(t, "the vendor's page after the answers", body, `class="table exceptions"`, "Not yet.", "by Priya Nair, Security lead", "2 no", "Evidence sent with the answers", "answered")

	// A link expires.
	_, body = post(t, c, page+"/questionnaires", url.Values{"days": {"1"}})
	late := linkRE.FindStringSubmatch(body)
	if late == nil {
		t.Fatal("no second link")
	}
	now = now.Add(25 * time.Hour)
	if resp, body := fetch(t, vendorClient, late[1]); resp.StatusCode != http.StatusGone || !strings.Contains(body, "expired") {
		t.Errorf("an expired link: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, page)
	mustContain(t, "an overdue questionnaire", body, "overdue")

	// A workbook: sent, downloaded, returned with a bad cell, then good.
	if resp, _ := post(t, c, page+"/questionnaires", url.Values{"channel": {"xlsx"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a workbook sent: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, page)
	wb := workbookRE.FindStringSubmatch(body)
	if wb == nil {
		t.Fatalf("no workbook link:\n%s", body)
	}
	resp, xlsx := fetch(t, c, srv.URL+wb[1])
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(xlsx, "PK") {
		t.Fatalf("the workbook: %d", resp.StatusCode)
	}
	table, err := tabular.Read("w.xlsx", strings.NewReader(xlsx), 1<<20)
	if err != nil || len(table.Rows) != len(vendor.Builtin.Questions) {
		t.Fatalf("the workbook read back: %v", err)
	}
	request := table.Cell(0, "request")
	var rows []string
	for i := range table.Rows {
		answer := "yes"
		if table.Cell(i, "question_id") == "patching" {
			answer = "no"
		}
		rows = append(rows, request+","+table.Cell(i, "question_id")+","+answer)
	}
	bad := "request,question_id,answer\n" + strings.Join(rows, "\n") + "\n" + request + ",encryption-rest,perhaps\n"
	resp, body = upload(t, c, page+"/answer-imports", "answers.csv", []byte(bad), url.Values{"respondent": {"Priya Nair"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), `line 18, column "question_id": "encryption-rest" is answered twice`) {
		t.Errorf("a bad workbook: %d %s", resp.StatusCode, html.UnescapeString(body))
	}
	resp, body = upload(t, c, page+"/answer-imports", "answers.csv", []byte("request,question_id,answer\n"+strings.Join(rows, "\n")+"\n"), url.Values{"respondent": {"Priya Nair (workbook)"}})
	p := answerPreviewRE.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || p == nil {
		t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
	}
	mustContain(t, "the preview", html.UnescapeString(body), "the answers of <strong>VisitLink</strong>", "1 no", "KEV catalog")
	if resp, _ := post(t, c, srv.URL+p[1], url.Values{"digest": {p[2]}, "respondent": {html.UnescapeString(p[3])}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, srv.URL+p[1], url.Values{"digest": {p[2]}, "respondent": {"again"}}); resp.StatusCode < 400 {
		t.Errorf("applied twice: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, page)
	mustContain(t, "the vendor's page after the workbook", body, "by Priya Nair (workbook)")

	// The organisation's own questionnaire.
	resp, body = upload(t, c, srv.URL+"/orgs/riverside/questionnaires", "q.csv", []byte("id,question,weight\nsoc2,Do you hold a current SOC 2 Type II report?,4\n"), url.Values{"title": {"Cloud vendors"}, "version": {"1"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(html.UnescapeString(body), `line 2, column "weight": "4" is not 1, 2 or 3`) {
		t.Errorf("a bad file of questions: %d", resp.StatusCode)
	}
	if resp, body := upload(t, c, srv.URL+"/orgs/riverside/questionnaires", "q.csv", []byte("id,question,weight\nsoc2,Do you hold a current SOC 2 Type II report?,3\n"), url.Values{"title": {"Cloud vendors"}, "version": {"1"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a questionnaire: %d %s", resp.StatusCode, body)
	}
	_, body = fetch(t, c, srv.URL+"/orgs/riverside/questionnaires")
	mustContain(t, "the questionnaires", body, "Cloud vendors", "the organisation", "Vendor cybersecurity questionnaire")
	resp, csv := fetch(t, c, srv.URL+"/orgs/riverside/questionnaires/cloud-vendors/1")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(csv, "id,section,question,weight,maps") || !strings.Contains(csv, "soc2") {
		t.Errorf("the questions file: %d %q", resp.StatusCode, csv)
	}
	_, body = fetch(t, c, page)
	mustContain(t, "the send form offers it", body, `<option value="cloud-vendors@1">Cloud vendors 1 (1 questions)</option>`)
}

// The questionnaires through the API: a link's URL in the send's answer
// only, the vendor's answers read back scored, a workbook's answers
// previewed and applied, a withdrawal of an answered request refused, an
// organisation's own questionnaire added and listed.
func TestQuestionnaireAPI(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	ctx := context.Background()
	o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(ctx, &auth.APIToken{Name: "vendors", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite, auth.ScopeImport}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	api := apiClient{t, srv.URL + "/api/v1/orgs/riverside", token}
	code, out := api.do("POST", "/vendors", map[string]any{"name": "ClearClaim", "status": "business-associate", "receives": true})
	if code != 201 {
		t.Fatalf("a vendor: %d %v", code, out)
	}
	id := out["id"].(string)
	if code, out := api.do("POST", "/vendors/"+id+"/questionnaires", map[string]any{"channel": "fax"}); code != 400 || !strings.Contains(out["error"].(string), `"fax" is not link or xlsx`) {
		t.Errorf("a bad channel: %d %v", code, out)
	}
	code, out = api.do("POST", "/vendors/"+id+"/questionnaires", map[string]any{"recipient": "it@clearclaim.example", "days": 7})
	link, _ := out["link"].(string)
	if code != 201 || !strings.Contains(link, "/questionnaire/") || out["standing"] != "awaiting" {
		t.Fatalf("send: %d %v", code, out)
	}
	request := out["id"].(string)
	code, out = api.do("GET", "/vendors/"+id+"/questionnaires", nil)
	if list := out["questionnaires"].([]any); code != 200 || len(list) != 1 || list[0].(map[string]any)["link"] != nil {
		t.Errorf("the list (without the link): %d %v", code, out)
	}
	if resp, body := post(t, newClient(t), link, allYes("incident-notice")); resp.StatusCode != http.StatusOK || !strings.Contains(body, "Thank you") {
		t.Fatalf("the vendor's answers: %d", resp.StatusCode)
	}
	code, out = api.do("GET", "/vendors/"+id+"/questionnaires/"+request, nil)
	score, _ := out["score"].(map[string]any)
	if code != 200 || out["standing"] != "answered" || score == nil || score["no"].(float64) != 1 || len(score["exceptions"].([]any)) != 1 {
		t.Fatalf("the answered request: %d %v", code, out)
	}
	if code, _ := api.do("DELETE", "/vendors/"+id+"/questionnaires/"+request, nil); code != 409 {
		t.Errorf("withdrawing an answered request: %d", code)
	}
	code, out = api.do("GET", "/vendors", nil)
	if v := out["vendors"].([]any)[0].(map[string]any); code != 200 || v["questionnaire"] != "answered" || v["questionnaire_exceptions"].(float64) != 1 {
		t.Errorf("the register's questionnaire: %v", v)
	}

	// A workbook exchanged.
	code, out = api.do("POST", "/vendors/"+id+"/questionnaires", map[string]any{"channel": "xlsx"})
	if code != 201 || out["link"] != nil {
		t.Fatalf("a workbook sent: %d %v", code, out)
	}
	wbRequest := out["id"].(string)
	req, _ := http.NewRequest("GET", api.base+"/vendors/"+id+"/questionnaires/"+wbRequest+"/workbook", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	xlsx, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(xlsx, []byte("PK")) {
		t.Fatalf("the workbook: %d", resp.StatusCode)
	}
	var rows []string
	for _, q := range vendor.Builtin.Questions {
		rows = append(rows, wbRequest+","+q.ID+",yes")
	}
	file := []byte("request,question_id,answer\n" + strings.Join(rows, "\n") + "\n")
	code, out = api.do("POST", "/vendors/"+id+"/answers", multipartFile(t, "answers.csv", file, nil))
	if code != 200 || out["applied"] != false || out["questionnaire"].(map[string]any)["score"].(map[string]any)["percent"].(float64) != 100 {
		t.Fatalf("the workbook previewed: %d %v", code, out)
	}
	if code, out := api.do("POST", "/vendors/"+id+"/answers?apply=true", multipartFile(t, "answers.csv", file, nil)); code != 400 || !strings.Contains(out["error"].(string), "respondent") {
		t.Errorf("applied without a respondent: %d %v", code, out)
	}
	if code, out := api.do("POST", "/vendors/"+id+"/answers?apply=true", multipartFile(t, "answers.csv", file, map[string][]string{"respondent": {"Ray Ortiz"}})); code != 200 || out["applied"] != true {
		t.Fatalf("the workbook applied: %d %v", code, out)
	}
	if code, _ := api.do("POST", "/vendors/"+id+"/answers?apply=true", multipartFile(t, "answers.csv", file, map[string][]string{"respondent": {"Ray Ortiz"}})); code != 409 {
		t.Errorf("the workbook applied twice: %d", code)
	}

	// The organisation's own questionnaire.
	code, out = api.do("POST", "/questionnaires", multipartFile(t, "q.csv", []byte("id,question,maps\nsoc2,Do you hold a current SOC 2 Type II report?,hph-cpg/essential-10\n"), map[string][]string{"title": {"Billing vendors"}, "version": {"2027.1"}}))
	if code != 201 || out["id"] != "billing-vendors" {
		t.Fatalf("a questionnaire: %d %v", code, out)
	}
	code, out = api.do("GET", "/questionnaires", nil)
	if list := out["questionnaires"].([]any); code != 200 || len(list) != 2 || list[1].(map[string]any)["title"] != "Billing vendors" {
		t.Errorf("the questionnaires: %d %v", code, out)
	}
	if code, out := api.do("POST", "/vendors/"+id+"/questionnaires", map[string]any{"questionnaire": "billing-vendors"}); code != 201 || out["questionnaire"].(map[string]any)["version"] != "2027.1" {
		t.Errorf("sending the organisation's own: %d %v", code, out)
	}
}
