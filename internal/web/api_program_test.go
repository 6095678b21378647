package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/workbook"
)

// The OpenAPI document describes exactly the API the server registers:
// every route with its method and scope, and nothing else; every $ref
// resolves.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	s := storetest.SQLite(t)
	srv, routes := newServerWithRoutes(t, s)
	_, body := fetch(t, newClient(t), srv.URL+"/api/v1/openapi.json")
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi.json: %v, version %q", err, doc.OpenAPI)
	}
	documented := map[string]string{} // "METHOD path" -> scope
	for path, ops := range doc.Paths {
		for method, raw := range ops {
			if method == "parameters" {
				continue
			}
			var op struct {
				Scope string `json:"x-safeguard-scope"`
			}
			json.Unmarshal(raw, &op)
			documented[strings.ToUpper(method)+" "+path] = op.Scope
		}
	}
	registered := map[string]string{}
	for _, rt := range routes {
		method, path, _ := strings.Cut(rt.Pattern, " ")
		if !strings.HasPrefix(path, "/api/") {
			continue
		}
		registered[method+" "+strings.ReplaceAll(path, "...}", "}")] = string(rt.Access.Scope)
	}
	for k, scope := range registered {
		if got, ok := documented[k]; !ok {
			t.Errorf("%s is not documented", k)
		} else if got != scope {
			t.Errorf("%s: documented scope %q, registered %q", k, got, scope)
		}
	}
	for k := range documented {
		if _, ok := registered[k]; !ok {
			t.Errorf("%s is documented but not served", k)
		}
	}
	var all map[string]any
	json.Unmarshal([]byte(body), &all)
	for _, m := range regexp.MustCompile(`"\$ref":\s*"#/([^"]+)"`).FindAllStringSubmatch(body, -1) {
		var cur any = all
		for _, part := range strings.Split(m[1], "/") {
			obj, _ := cur.(map[string]any)
			cur = obj[part]
		}
		if cur == nil {
			t.Errorf("$ref #/%s does not resolve", m[1])
		}
	}
	keys := make([]string, 0, len(registered))
	for k := range registered {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	t.Logf("%d API operations documented", len(keys))
	// The import's format parameter lists every format an organisation's
	// import takes, in the registry's order.
	var ids []string
	for _, f := range ingest.Formats() {
		if !f.Shared() {
			ids = append(ids, f.ID)
		}
	}
	if want := "the file's format when detection should not decide: " + strings.Join(ids, ", "); !strings.Contains(body, want) {
		t.Errorf("the import's format parameter does not say %q", want)
	}
}

type apiClient struct {
	t     *testing.T
	base  string
	token string
}

func (c apiClient) do(method, path string, body any) (int, map[string]any) {
	c.t.Helper()
	var rd io.Reader
	ctype := "application/json"
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case *bytes.Buffer:
		rd = b
	case multipartBody:
		rd, ctype = b.buf, b.ctype
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, c.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", ctype)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

type multipartBody struct {
	buf   *bytes.Buffer
	ctype string
}

func multipartFile(t *testing.T, name string, content []byte, fields map[string][]string) multipartBody {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(content)
	mw.Close()
	return multipartBody{&b, mw.FormDataContentType()}
}

// The program through the API, as a script would drive it.
func TestProgramAPI(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	ctx := context.Background()
	o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider, WorkforceSize: 8}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(ctx, &auth.APIToken{Name: "automation", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite, auth.ScopeImport}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	api := apiClient{t, srv.URL + "/api/v1/orgs/riverside", token}

	if code, out := api.do("PUT", "/profile", `{"organization":{"name":"Riverside Family Clinic","entity_type":"provider","workforce_size":8,"sites":1},"profile":{"beds":0,"colour":"blue"}}`); code != 400 || !strings.Contains(out["error"].(string), `unknown field "colour"`) {
		t.Errorf("unknown field: %d %v", code, out)
	}
	if code, out := api.do("PUT", "/profile", `{"organization":{"name":"Riverside Family Clinic","entity_type":"provider","workforce_size":"eight"},"profile":{}}`); code != 400 || !strings.Contains(out["error"].(string), `organization.workforce_size`) {
		t.Errorf("wrong type: %d %v", code, out)
	}
	// A plan sponsor given only summary health information: 164.314(b)(1)
	// excepts it, and no Security Rule item applies, each saying why.
	sponsor := func(receives string) (int, map[string]any) {
		return api.do("PUT", "/profile", map[string]any{"organization": map[string]any{"name": "Riverside Family Clinic", "entity_type": "plan_sponsor", "workforce_size": 8, "sites": 1},
			"profile": map[string]any{"sponsor_receives": receives}})
	}
	if code, out := sponsor("everything"); code != 400 || !strings.Contains(out["error"].(string), "sponsor_receives") {
		t.Errorf("an unknown exception: %d %v", code, out)
	}
	if code, out := sponsor("summary-or-enrolment"); code != 200 {
		t.Fatalf("a plan sponsor: %d %v", code, out)
	}
	_, tl := api.do("GET", "/tailoring", nil)
	for _, d := range tl["frameworks"].(map[string]any)["hipaa-security-rule"].([]any) {
		m := d.(map[string]any)
		if m["applicable"].(bool) || !strings.Contains(m["reason"].(string), "164.314(b)(1) excepts") {
			t.Errorf("an excepted plan sponsor: %v", m)
			break
		}
	}
	code, out := api.do("PUT", "/profile", map[string]any{"organization": map[string]any{"name": "Riverside Family Clinic", "entity_type": "business_associate", "workforce_size": 8, "sites": 1},
		"profile": map[string]any{"subcontractors": true, "security_official": map[string]string{"name": "Dana Reyes"}, "systems": []map[string]any{{"name": "EHR", "maintains": true}}}})
	if code != 200 || out["profile"].(map[string]any)["subcontractors"] != true {
		t.Fatalf("profile: %d %v", code, out)
	}
	_, out = api.do("GET", "/tailoring", nil)
	applies := map[string]bool{}
	for _, d := range out["frameworks"].(map[string]any)["hipaa-security-rule"].([]any) {
		m := d.(map[string]any)
		applies[m["item_id"].(string)] = m["applicable"].(bool)
	}
	if !applies["hipaa-sr/164.314(a)(2)(iii)"] || applies["hipaa-sr/164.308(a)(4)(ii)(A)"] {
		t.Errorf("a business associate with subcontractors: %v", applies)
	}
	if code, _ := api.do("PUT", "/tailoring/hph-cpg/enhanced-4", map[string]any{"applicable": true, "justification": "our customers require annual testing"}); code != 200 {
		t.Errorf("override: %d", code)
	}

	code, out = api.do("POST", "/assessments", map[string]string{"framework": "hipaa-security-rule", "title": "BA assessment"})
	if code != 201 {
		t.Fatalf("start: %d %v", code, out)
	}
	id := out["id"].(string)
	if code, out := api.do("POST", "/assessments", map[string]string{"framework": "iso-27001"}); code != 400 || !strings.Contains(out["error"].(string), "unknown framework") {
		t.Errorf("unknown framework: %d %v", code, out)
	}
	// A batch lands whole or not at all.
	code, out = api.do("PUT", "/assessments/"+id+"/answers", map[string]any{"answers": []map[string]any{
		{"item_id": "164.312(d)", "status": "implemented"},
		{"item_id": "164.312(a)(2)(iv)", "status": "implemented", "decision": map[string]string{"kind": "not_reasonable"}},
	}})
	if code != 400 || !strings.Contains(out["error"].(string), "document why") {
		t.Errorf("bad batch: %d %v", code, out)
	}
	_, out = api.do("GET", "/assessments/"+id, nil)
	if out["progress"].(map[string]any)["answered"].(float64) != 0 {
		t.Error("a refused batch wrote part of itself")
	}
	code, out = api.do("PUT", "/assessments/"+id+"/answers", map[string]any{"answers": []map[string]any{
		{"item_id": "164.312(d)", "status": "implemented", "source": "claimed"},
		{"item_id": "164.312(a)(2)(iv)", "status": "implemented", "decision": map[string]string{"kind": "alternative", "measure": "the vendor's encrypted storage", "reason": "our own systems hold no ePHI at rest"}},
	}})
	if code != 200 || out["progress"].(map[string]any)["answered"].(float64) != 2 {
		t.Fatalf("batch: %d %v", code, out["progress"])
	}
	for _, it := range out["items"].([]any) {
		if m := it.(map[string]any); m["id"] == "hipaa-sr/164.312(d)" && m["answer"].(map[string]any)["source"] != nil {
			t.Error("a client claimed an answer's provenance")
		}
	}
	if code, out := api.do("POST", "/assessments/"+id+"/finalize", nil); code != 400 || !strings.Contains(out["error"].(string), "cannot finalise") {
		t.Errorf("finalise: %d %v", code, out)
	}

	// Evidence by upload, refused when it lies about its type.
	pdf, _ := os.ReadFile("../evidence/testdata/security-policy.pdf")
	if code, out := api.do("POST", "/evidence", multipartFile(t, "baa.pdf", []byte("plain words\n"), nil)); code != 400 || !strings.Contains(out["error"].(string), "the name says PDF") {
		t.Errorf("lying upload: %d %v", code, out)
	}
	code, out = api.do("POST", "/evidence", multipartFile(t, "policy.pdf", pdf, map[string][]string{"title": {"Security policy"}, "item": {"hipaa-sr/164.316(a)"}}))
	if code != 201 || out["versions"].([]any)[0].(map[string]any)["content_type"] != "application/pdf" {
		t.Fatalf("upload: %d %v", code, out)
	}
	evID := out["id"].(string)
	if code, out := api.do("POST", "/evidence/"+evID+"/links", map[string]any{"items": []string{"hph-cpg/essential-4"}}); code != 200 || len(out["items"].([]any)) != 2 {
		t.Errorf("link: %d %v", code, out)
	}
	if code, out := api.do("DELETE", "/evidence/"+evID+"/links/hph-cpg/essential-4", nil); code != 200 || len(out["items"].([]any)) != 1 {
		t.Errorf("unlink: %d %v", code, out)
	}
	req, _ := http.NewRequest("GET", api.base+"/evidence/"+evID+"/download", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, pdf) || resp.Header.Get("X-Content-SHA256") == "" {
		t.Errorf("download: %d bytes", len(got))
	}

	// The workbook through the API: export, edit, import as a dry run, then apply.
	req, _ = http.NewRequest("GET", api.base+"/assessments/"+id+"/export", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	wb, err := excelize.OpenReader(resp.Body)
	resp.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	wb.SetCellValue(workbook.AnswersSheet, "G3", "Planned")
	var edited bytes.Buffer
	wb.Write(&edited)
	code, out = api.do("POST", "/assessments/"+id+"/import", multipartFile(t, "a.xlsx", edited.Bytes(), nil))
	if code != 200 || out["applied"] != false || len(out["changes"].([]any)) != 1 {
		t.Errorf("dry run: %d %v", code, out)
	}
	code, out = api.do("POST", "/assessments/"+id+"/import?apply=true", multipartFile(t, "a.xlsx", edited.Bytes(), nil))
	if code != 200 || out["applied"] != true {
		t.Errorf("apply: %d %v", code, out)
	}

	code, out = api.do("GET", "/scorecard", nil)
	if code != 200 || len(out["goals"].([]any)) != 20 || out["organization"] != "riverside" {
		t.Errorf("scorecard: %d", code)
	}

	// The do-next list: the foundations first (the profile's wizard was
	// never finished; no risk analysis yet); the draft's unanswered items
	// are listed, linked to the assessment.
	code, out = api.do("GET", "/todo", nil)
	if code != 200 || out["organization"] != "riverside" {
		t.Fatalf("todo: %d %v", code, out)
	}
	items := out["items"].([]any)
	for i, want := range []struct{ kind, link string }{{"profile", "/orgs/riverside/profile"}, {"analysis", "/orgs/riverside/risk"}} {
		if m := items[i].(map[string]any); m["kind"] != want.kind || m["urgency"] != float64(1) || m["link"] != want.link {
			t.Errorf("item %d of the do-next list: %v", i, m)
		}
	}
	answers := false
	for _, it := range items {
		m := it.(map[string]any)
		if m["kind"] == "answers" && strings.Contains(m["title"].(string), "BA assessment") && strings.HasPrefix(m["link"].(string), "/orgs/riverside/assessments/"+id) {
			answers = true
		}
	}
	if !answers {
		t.Errorf("no item to answer the BA assessment: %v", items)
	}

	// The audit package, for a script: a ZIP with its manifest, the
	// training status in (a token sees the whole program).
	pkgReq, _ := http.NewRequest("GET", api.base+"/audit-package", nil)
	pkgReq.Header.Set("Authorization", "Bearer "+api.token)
	pkg, err := http.DefaultClient.Do(pkgReq)
	if err != nil {
		t.Fatal(err)
	}
	zipped, _ := io.ReadAll(pkg.Body)
	pkg.Body.Close()
	z, err := zip.NewReader(bytes.NewReader(zipped), int64(len(zipped)))
	if pkg.StatusCode != 200 || err != nil {
		t.Fatalf("audit package: %d %v", pkg.StatusCode, err)
	}
	names := map[string]bool{}
	for _, f := range z.File {
		names[f.Name] = true
	}
	if !names["manifest.json"] || !names["training/status.csv"] || !names["reports/hipaa-security-rule-assessment.pdf"] {
		t.Errorf("the package holds %v", names)
	}
	if code, _ := api.do("GET", "/audit-package?to=tomorrow", nil); code != 400 {
		t.Errorf("a bad date: %d", code)
	}
}
