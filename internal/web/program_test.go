package web_test

import (
	"bytes"
	"encoding/json"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/safeguard-health/safeguard/internal/catalog/oscaltest"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/workbook"
)

// upload posts a multipart form with one file.
func upload(t *testing.T, c *http.Client, u, filename string, content []byte, fields url.Values) (*http.Response, string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(content)
	mw.Close()
	resp, err := c.Post(u, mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func mustContain(t *testing.T, what, body string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
}

var assessmentLoc = regexp.MustCompile(`^/orgs/riverside/assessments/([0-9a-f-]{36})$`)

// A Security Officer's first hour, over real HTTP: the profile wizard,
// tailoring with an override, answering with a decision and evidence, the
// answer given in another framework, finalising, the scorecard.
func TestProgramPages(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	base := srv.URL + "/orgs/riverside"
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	_, body := fetch(t, c, base)
	mustContain(t, "the organisation page before the profile", body, "Complete the organisation profile")

	// The wizard, step by step.
	step := func(n string, form url.Values) (*http.Response, string) {
		t.Helper()
		form.Set("step", n)
		return post(t, c, base+"/profile", form)
	}
	if resp, body := step("1", url.Values{"name": {"Riverside Family Clinic"}, "entity_type": {"provider"}, "workforce": {"-3"}}); resp.StatusCode != 400 {
		t.Errorf("negative workforce: %d", resp.StatusCode)
	} else {
		mustContain(t, "negative workforce", body, "Workforce must be a whole number")
	}
	if resp, _ := step("1", url.Values{"name": {"Riverside Family Clinic"}, "entity_type": {"provider"}, "workforce": {"9"}, "sites": {"2"}}); resp.Header.Get("Location") != "/orgs/riverside/profile?step=2" {
		t.Errorf("step 1 → %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, _ := step("2", url.Values{"sys-0-name": {"EHR"}, "sys-0-location": {"vendor cloud"}, "sys-0-creates": {"on"}, "sys-0-maintains": {"on"}, "sys-1-name": {""}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("step 2: %d", resp.StatusCode)
	}
	if resp, body := step("2", url.Values{"sys-0-name": {"Billing"}}); resp.StatusCode != 400 {
		t.Errorf("a system that does nothing with ePHI: %d", resp.StatusCode)
	} else {
		mustContain(t, "system without a use", body, "say whether it creates, receives, maintains or transmits ePHI")
	}
	if resp, body := step("4", url.Values{}); resp.StatusCode != 400 {
		t.Errorf("finishing without a security official: %d", resp.StatusCode)
	} else {
		mustContain(t, "finish without an official", body, "name the security official")
	}
	if resp, body := step("3", url.Values{"security_name": {"Dana Reyes"}, "email_domains": {"riverside.example\nnot a domain"}}); resp.StatusCode != 400 {
		t.Errorf("a bad email domain: %d", resp.StatusCode)
	} else {
		mustContain(t, "a bad email domain", body, `email domain 2: &#34;not a domain&#34; is not a domain name`)
	}
	step("3", url.Values{"security_name": {"Dana Reyes"}, "security_email": {"dana@riverside.example"}, "fiscal_year_start": {"7"},
		"email_domains": {"Riverside.example: selector1, selector2\r\nreminders.riverside.example"}})
	_, body = fetch(t, c, base+"/profile?step=4")
	mustContain(t, "the review", body, "64 of 71", "10 of 20", "scaled for a small practice", "EHR", "Dana Reyes", "Email domains: riverside.example, reminders.riverside.example")
	_, body = fetch(t, c, base+"/profile?step=3")
	mustContain(t, "step 3 again", body, "riverside.example: selector1, selector2\nreminders.riverside.example")
	if resp, _ := step("4", url.Values{}); resp.Header.Get("Location") != "/orgs/riverside/tailoring" {
		t.Errorf("finish → %s", resp.Header.Get("Location"))
	}

	// Tailoring: reasons visible, overrides justified.
	_, body = fetch(t, c, base+"/tailoring")
	mustContain(t, "tailoring", body, "No health care clearinghouse is part of this organisation", "45 CFR 164.308(a)(4)(ii)(A)", "a floor of safeguards", "deferred until then")
	if resp, body := post(t, c, base+"/tailoring", url.Values{"item": {"hph-cpg/enhanced-1"}, "applicable": {"yes"}}); resp.StatusCode != 400 {
		t.Errorf("override without a justification: %d", resp.StatusCode)
	} else {
		mustContain(t, "override refused", body, "needs a justification")
	}
	if _, body := post(t, c, base+"/tailoring", url.Values{"item": {"hph-cpg/enhanced-1"}, "applicable": {"yes"}, "justification": {"Our cyber insurer asks for an asset inventory."}}); !strings.Contains(body, "Overridden by owner@riverside.example") {
		t.Error("the override is not shown with who made it")
	}
	// The wizard's review counts the override, as the tailoring page does.
	_, body = fetch(t, c, base+"/profile?step=4")
	mustContain(t, "the review after an override", body, "11 of 20", "and 1 enhanced goal taken on")

	// A Security Rule assessment.
	resp, _ := post(t, c, base+"/assessments", url.Values{"framework": {"hipaa-security-rule"}})
	m := assessmentLoc.FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		t.Fatalf("start: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	hipaa := base + "/assessments/" + m[1]
	_, body = fetch(t, c, hipaa)
	mustContain(t, "new assessment", body, "0%</strong> complete", "0 of 64 applicable items answered", "0 of 22 addressable decisions documented", "decision missing")
	if resp, body := post(t, c, base+"/assessments", url.Values{"framework": {"hipaa-security-rule"}}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "already open") {
		t.Errorf("a second draft: %d", resp.StatusCode)
	}
	enc := hipaa + "/items/164.312(a)(2)(iv)"
	if resp, body := post(t, c, enc, url.Values{"status": {"implemented"}, "decision_kind": {"not_reasonable"}, "decision_measure": {"paper"}, "notes": {"kept"}}); resp.StatusCode != 400 {
		t.Errorf("a decision without its reason: %d", resp.StatusCode)
	} else {
		mustContain(t, "refused decision", body, "document why", ">kept</textarea>")
	}
	// 164.306(d)(3)(ii)(B)(1): an alternative documents why the
	// specification is not reasonable and appropriate; the form shows the
	// rule's text beside each field.
	if resp, body := post(t, c, enc, url.Values{"status": {"implemented"}, "decision_kind": {"alternative"}, "decision_measure": {"BitLocker on every laptop"}}); resp.StatusCode != 400 {
		t.Errorf("an alternative without its reason: %d", resp.StatusCode)
	} else {
		mustContain(t, "refused alternative", html.UnescapeString(body), "document why it would not be reasonable and appropriate to implement the specification itself (45 CFR 164.306(d)(3)(ii)(B)(1))",
			">BitLocker on every laptop</textarea>", "Implement an equivalent alternative measure if reasonable and appropriate (45 CFR 164.306(d)(3)(ii)(B)(2)).")
	}
	if resp, _ := post(t, c, enc, url.Values{"status": {"implemented"}, "decision_kind": {"alternative"}, "decision_measure": {"BitLocker on every laptop"},
		"decision_reason":      {"Encrypting each record is beyond the EHR; whole-disk encryption protects the same data."},
		"q:SQ_164.312(a).8.01": {"Yes: laptops and the file server"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("answer with a decision: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, enc)
	mustContain(t, "saved answer", body, "BitLocker on every laptop", "Yes: laptops and the file server", "Last saved by owner@riverside.example", "1 of 22 addressable decisions documented")

	// Evidence for the item, and what the vault refuses.
	pdf, err := os.ReadFile("../evidence/testdata/security-policy.pdf")
	if err != nil {
		t.Fatal(err)
	}
	back := url.Values{"item": {"hipaa-sr/164.312(a)(2)(iv)"}, "back": {"/orgs/riverside/assessments/" + m[1] + "/items/164.312(a)(2)(iv)"}, "title": {"Encryption policy"}, "review_by": {"2027-06-30"}}
	for _, bad := range []struct {
		name    string
		content []byte
		status  int
		want    string
	}{
		{"empty.pdf", nil, 400, "empty.pdf is empty (0 bytes)"},
		{"baa.pdf", []byte("just some words, not a PDF at all\n"), 400, "the name says PDF, but the content is a text"},
		{"huge.txt", bytes.Repeat([]byte("x"), 300<<10), 413, "larger than"},
	} {
		resp, body := upload(t, c, base+"/evidence", bad.name, bad.content, back)
		if resp.StatusCode != bad.status || !strings.Contains(body, bad.want) {
			t.Errorf("%s: %d, want %d with %q", bad.name, resp.StatusCode, bad.status, bad.want)
		}
	}
	if resp, _ := upload(t, c, base+"/evidence", "encryption-policy.pdf", pdf, back); resp.StatusCode != http.StatusSeeOther || !strings.HasSuffix(resp.Header.Get("Location"), "/items/164.312(a)(2)(iv)") {
		t.Errorf("upload: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = fetch(t, c, enc)
	mustContain(t, "item with evidence", body, "Encryption policy", "v1 · encryption-policy.pdf")
	_, body = fetch(t, c, base+"/evidence")
	evID := regexp.MustCompile(`/orgs/riverside/evidence/([0-9a-f-]{36})`).FindStringSubmatch(body)
	if evID == nil {
		t.Fatal("no evidence listed")
	}
	dl, err := c.Get(base + "/evidence/" + evID[1] + "/download")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(dl.Body)
	dl.Body.Close()
	if !bytes.Equal(got, pdf) || dl.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(dl.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("download: %d bytes, %s, %s", len(got), dl.Header.Get("Content-Type"), dl.Header.Get("Content-Disposition"))
	}
	// Evidence past its review date is flagged, and only that.
	if resp, _ := upload(t, c, base+"/evidence", "baa-2019.pdf", pdf, url.Values{"title": {"Old BAA"}, "collected_on": {"2019-01-15"}, "review_by": {"2020-01-15"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("second upload: %d", resp.StatusCode)
	}
	if _, body := fetch(t, c, base+"/evidence"); strings.Count(body, `badge overdue">review overdue`) != 1 {
		t.Errorf("the evidence list flags %d pieces as overdue, want 1", strings.Count(body, `badge overdue">review overdue`))
	}
	if _, body := fetch(t, c, base+"/audit?action=evidence."); !strings.Contains(body, "evidence.download") || !strings.Contains(body, "evidence.upload") {
		t.Error("the upload and the download are not in the audit log")
	}

	// Finalising refuses while decisions are missing.
	if resp, body := post(t, c, hipaa+"/finalize", nil); resp.StatusCode != 400 {
		t.Errorf("finalise: %d", resp.StatusCode)
	} else {
		mustContain(t, "finalise refused", body, "cannot finalise: 21 addressable implementation specifications lack the decision 45 CFR 164.306(d)(3) requires")
	}

	// The CPG assessment, and one answer seen from the other framework.
	resp, _ = post(t, c, base+"/assessments", url.Values{"framework": {"hph-cpg"}, "title": {"CPG 2026"}})
	cm := assessmentLoc.FindStringSubmatch(resp.Header.Get("Location"))
	if cm == nil {
		t.Fatalf("start CPG: %s", resp.Header.Get("Location"))
	}
	cpg := base + "/assessments/" + cm[1]
	post(t, c, cpg+"/items/essential-3", url.Values{"status": {"implemented"}, "notes": {"MFA everywhere"}})
	mfa := hipaa + "/items/164.312(d)"
	_, body = fetch(t, c, mfa)
	mustContain(t, "related answers", body, "Answers given elsewhere", "Essential goal 3", "Implemented", "in CPG 2026")
	if resp, _ := post(t, c, mfa+"/confirm", url.Values{"from_item": {"hph-cpg/essential-3"}, "from_assessment": {cm[1]}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("confirm: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, mfa)
	mustContain(t, "confirmed answer", body, "Status confirmed from Essential goal 3 Multifactor Authentication in CPG 2026")

	// The reports: the assessment as PDF (a download) and HTML (opened in
	// the browser, sandboxed), the scorecard as PDF; each audited.
	for format, want := range map[string]string{"pdf": "application/pdf", "html": "text/html; charset=utf-8"} {
		resp, body := fetch(t, c, hipaa+"/export?format="+format)
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != want || !strings.Contains(body, "164.312(b)") && format == "html" {
			t.Errorf("the assessment's %s report: %d %s", format, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if disp := resp.Header.Get("Content-Disposition"); format == "html" && (!strings.HasPrefix(disp, "inline") || !strings.HasPrefix(resp.Header.Get("Content-Security-Policy"), "sandbox;")) {
			t.Errorf("the HTML report does not open in the browser, sandboxed: %q", disp)
		}
	}
	if resp, body := fetch(t, c, base+"/scorecard?format=pdf"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF-") {
		t.Errorf("the scorecard's PDF: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if _, body := fetch(t, c, base+"/audit?action=assessment.report&format=csv"); strings.Count(strings.TrimSpace(body), "\n") != 2 {
		t.Errorf("the assessment's two reports in the audit log:\n%s", body)
	}

	// OSCAL assessment results, valid, as a download.
	if resp, body := fetch(t, c, hipaa+"/export?format=oscal"); resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/json" ||
		!strings.Contains(resp.Header.Get("Content-Disposition"), "oscal-assessment-results.json") || !strings.Contains(body, `"assessment-results"`) {
		t.Errorf("the OSCAL export: %d %s", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	} else {
		oscaltest.Validate(t, []byte(body))
	}

	// The workbook, both ways: export, edit, preview, apply; a stale preview is refused.
	xl, err := c.Get(hipaa + "/export")
	if err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(xl.Body)
	xl.Body.Close()
	if err != nil || xl.Header.Get("Content-Type") != "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" {
		t.Fatalf("export: %v %s", err, xl.Header.Get("Content-Type"))
	}
	rows, _ := wb.GetRows(workbook.AnswersSheet)
	for i, row := range rows {
		if row[0] == "hipaa-sr/164.312(b)" {
			wb.SetCellValue(workbook.AnswersSheet, "G"+strconv.Itoa(i+1), "Planned")
			wb.SetCellValue(workbook.AnswersSheet, "K"+strconv.Itoa(i+1), "IT vendor")
		}
	}
	var edited bytes.Buffer
	wb.Write(&edited)
	previewAndID := func() (string, string) {
		t.Helper()
		resp, body := upload(t, c, hipaa+"/import", "answers.xlsx", edited.Bytes(), nil)
		mustContain(t, "import preview", body, "would change <strong>1</strong> item", "Nothing has been written yet", "IT vendor", "Not answered")
		m := regexp.MustCompile(`/imports/([0-9a-f-]{36})/apply`).FindStringSubmatch(body)
		if resp.StatusCode != 200 || m == nil {
			t.Fatalf("preview: %d", resp.StatusCode)
		}
		return body, m[1]
	}
	_, stale := previewAndID()
	_, fresh := previewAndID()
	_, body = fetch(t, c, hipaa+"/items/164.312(b)")
	if strings.Contains(body, "IT vendor") {
		t.Error("a preview wrote the answer")
	}
	if resp, _ := post(t, c, hipaa+"/imports/"+fresh+"/apply", nil); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("apply: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, hipaa+"/items/164.312(b)")
	mustContain(t, "imported answer", body, `value="IT vendor"`)
	if resp, body := post(t, c, hipaa+"/imports/"+stale+"/apply", nil); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "the answers changed since this preview") {
		t.Errorf("stale preview: %d", resp.StatusCode)
	}
	if resp, body := post(t, c, hipaa+"/imports/"+fresh+"/apply", nil); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "applied") {
		t.Errorf("applied twice: %d", resp.StatusCode)
	}
	wb.SetSheetName(workbook.AnswersSheet, "Sheet2")
	edited.Reset()
	wb.Write(&edited)
	if resp, body := upload(t, c, hipaa+"/import", "answers.xlsx", edited.Bytes(), nil); resp.StatusCode != 400 || !strings.Contains(body, `answers.xlsx has no sheet &#34;Answers&#34;`) {
		t.Errorf("wrong sheet: %d", resp.StatusCode)
	}

	// The organisation's page shows where the program stands.
	_, body = fetch(t, c, base)
	mustContain(t, "the organisation page", body, "essential goals met", "CPG 2026", "complete · 1 of 11 applicable items answered") // 10 essential and the enhanced goal taken on

	// The scorecard, as a page and as JSON.
	_, body = fetch(t, c, base+"/scorecard")
	mustContain(t, "scorecard page", body, "<svg", "Essential goals: 1 of 10 met", "Enhanced goals: 0 of 1 met")
	_, body = fetch(t, c, base+"/scorecard?format=json")
	var card struct {
		Goals []struct {
			ID, Tier, Status string
			Inputs           []struct{ Source, Date string }
		}
	}
	if err := json.Unmarshal([]byte(body), &card); err != nil || len(card.Goals) != 20 {
		t.Fatalf("scorecard JSON: %v\n%s", err, body)
	}
	if g := card.Goals[2]; g.ID != "hph-cpg/essential-3" || g.Tier != "essential" || g.Status != "met" || len(g.Inputs) != 1 || g.Inputs[0].Source != "assessment" || g.Inputs[0].Date == "" {
		t.Errorf("goal 3 in JSON: %+v", g)
	}
}
