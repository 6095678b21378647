package web_test

import (
	"bytes"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/store/storetest"
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
	srv, _ := newServerAndHandler(t, s, func(c *web.Config) { c.Now = func() time.Time { return now } })
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
