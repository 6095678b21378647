package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// The risk analysis through the API, as a hospital's risk team's scripts
// would drive it.
func TestRiskAPI(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	ctx := context.Background()
	o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider, WorkforceSize: 8}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(ctx, &auth.APIToken{Name: "risk team", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite, auth.ScopeImport}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	api := apiClient{t, srv.URL + "/api/v1/orgs/riverside/risk", token}

	// The inventory by file: a bad file is refused whole, a good one previewed then applied.
	bad := multipartFile(t, "assets.csv", []byte("name,type\nEHR,application\nPACS,imaging\nehr,system\n"), nil)
	code, out := api.do("POST", "/assets/import?apply=true", bad)
	if code != 400 || !strings.Contains(out["error"].(string), `line 3, column "type": "imaging" is not an asset type`) || !strings.Contains(out["error"].(string), `line 4, column "name": duplicate asset name "ehr"`) {
		t.Errorf("bad inventory: %d %v", code, out)
	}
	code, out = api.do("POST", "/assets/import?apply=true", multipartFile(t, "assets.csv", []byte("name\nEHR\n"), nil))
	if code != 400 || !strings.Contains(out["error"].(string), "missing required column(s) type") {
		t.Errorf("missing column: %d %v", code, out)
	}
	good := []byte("name,type,maintains,records,criticality\nEHR,application,yes,12000,critical\nBackup NAS,data-store,yes,12000,high\n")
	code, out = api.do("POST", "/assets/import", multipartFile(t, "assets.csv", good, nil))
	if code != 200 || out["applied"] != false || len(out["add"].([]any)) != 2 {
		t.Fatalf("preview: %d %v", code, out)
	}
	if _, out := api.do("GET", "/assets", nil); len(out["assets"].([]any)) != 0 {
		t.Error("a preview wrote assets")
	}
	if code, out := api.do("POST", "/assets/import?apply=true", multipartFile(t, "assets.csv", good, nil)); code != 200 || out["applied"] != true {
		t.Fatalf("apply: %d %v", code, out)
	}
	_, out = api.do("GET", "/assets", nil)
	assets := out["assets"].([]any)
	ids := map[string]string{}
	for _, a := range assets {
		m := a.(map[string]any)
		ids[m["name"].(string)] = m["id"].(string)
	}
	if len(ids) != 2 || out["total"].(float64) != 2 {
		t.Fatalf("assets %v", out)
	}
	// A page of one, and a filter on the name.
	if code, out := api.do("GET", "/assets?limit=1&offset=1", nil); code != 200 || len(out["assets"].([]any)) != 1 || out["total"].(float64) != 2 {
		t.Errorf("the second page of one: %d %v", code, out)
	}
	if code, out := api.do("GET", "/assets?q=ehr", nil); code != 200 || len(out["assets"].([]any)) != 1 || out["total"].(float64) != 1 {
		t.Errorf("filtered: %d %v", code, out)
	}
	// A risk: strict fields, ratings on the scale.
	if code, out := api.do("POST", "/risks", map[string]any{"title": "Ransomware", "threat": "ransomware", "assets": []string{ids["EHR"]}, "likelihood": 6}); code != 400 || !strings.Contains(out["error"].(string), "likelihood: 6 is off the scale") {
		t.Errorf("off scale: %d %v", code, out)
	}
	if code, out := api.do("POST", "/risks", `{"title":"x","threat":"ransomware","assets":["`+ids["EHR"]+`"],"severity":5}`); code != 400 || !strings.Contains(out["error"].(string), `unknown field "severity"`) {
		t.Errorf("unknown field: %d %v", code, out)
	}
	if code, out := api.do("POST", "/risks", map[string]any{"title": "x", "threat": "meteor", "assets": []string{ids["EHR"]}}); code != 400 || !strings.Contains(out["error"].(string), "meteor is not in the threat catalog") {
		t.Errorf("unknown threat: %d %v", code, out)
	}
	code, out = api.do("POST", "/risks", map[string]any{"title": "Ransomware encrypts the EHR", "threat": "ransomware", "assets": []string{ids["EHR"], ids["Backup NAS"]},
		"likelihood": 4, "impact_availability": 5, "response": "mitigate", "target_likelihood": 2, "target_impact": 3, "items": []string{"hph-cpg/essential-7"}})
	if code != 201 || out["ref"] != "R-001" || out["level"] != "Very High" || out["target_level"] != "Low" {
		t.Fatalf("create risk: %d %v", code, out)
	}
	riskID := out["id"].(string)
	if code, out := api.do("POST", "/risks/"+riskID+"/actions", map[string]any{"title": "Immutable backups", "due": "2020-01-01"}); code != 201 || out["id"] == "" {
		t.Fatalf("action: %d %v", code, out)
	}
	_, out = api.do("GET", "/poam", nil)
	if ms := out["milestones"].([]any); len(ms) != 1 || ms[0].(map[string]any)["state"] != "overdue" || out["total"].(float64) != 1 || out["overdue"].(float64) != 1 {
		t.Errorf("POA&M: %v", out)
	}
	if _, out = api.do("GET", "/poam?offset=1", nil); len(out["milestones"].([]any)) != 0 || out["total"].(float64) != 1 {
		t.Errorf("POA&M past its end: %v", out)
	}
	// The register by file: a likelihood off the scale is named, nothing lands.
	code, out = api.do("POST", "/risks/import?apply=true", multipartFile(t, "risks.csv", []byte("title,threat,assets,likelihood\nPhishing,social-engineering,EHR,3\nFlood,natural-disaster,EHR,Extreme\n"), nil))
	if code != 400 || !strings.Contains(out["error"].(string), `line 3, column "likelihood": "Extreme" is off the scale`) {
		t.Errorf("register import: %d %v", code, out)
	}
	if code, out := api.do("GET", "/risks?limit=1&offset=1", nil); code != 200 || len(out["risks"].([]any)) != 0 || out["total"].(float64) != 1 || out["offset"].(float64) != 1 {
		t.Errorf("a page past the end: %d %v", code, out)
	}
	if _, out := api.do("GET", "/risks", nil); len(out["risks"].([]any)) != 1 {
		t.Errorf("a refused import left risks: %v", out)
	}
	// A cell of the heat map: the risk rated 4 × 5 is there, and not in
	// any other cell; a rating that is not one is refused, naming it.
	if _, out := api.do("GET", "/risks?likelihood=4&impact=5", nil); out["total"].(float64) != 1 {
		t.Errorf("the 4 × 5 cell: %v", out)
	}
	if _, out := api.do("GET", "/risks?likelihood=4&impact=4", nil); out["total"].(float64) != 0 {
		t.Errorf("the 4 × 4 cell: %v", out)
	}
	if code, out := api.do("GET", "/risks?impact=high", nil); code != 400 || !strings.Contains(out["error"].(string), `impact: "high" is not a rating from 1 to 10`) {
		t.Errorf("a cell that is not one: %d %v", code, out)
	}
	// Scales: a matrix with a hole is refused.
	_, out = api.do("GET", "/scales", nil)
	scales := out["scales"].(map[string]any)
	scales["matrix"].([]any)[0] = []any{0, 0}
	if code, out := api.do("PUT", "/scales", map[string]any{"scales": scales, "review_months": 12}); code != 400 || !strings.Contains(out["error"].(string), "matrix row 1: 2 cells for 5 impact levels") {
		t.Errorf("bad scales: %d %v", code, out)
	}
	// An analysis, finalised, its report fetched.
	code, out = api.do("POST", "/analyses", map[string]string{"title": "2026", "scope": "All ePHI"})
	if code != 201 {
		t.Fatalf("analysis: %d %v", code, out)
	}
	aid := out["id"].(string)
	if code, out := api.do("POST", "/analyses/"+aid+"/finalize", map[string]string{"approver": "Dana Reyes, owner"}); code != 200 || len(out["sha256"].(string)) != 64 {
		t.Fatalf("finalise: %d %v", code, out)
	}
	req, _ := http.NewRequest("GET", api.base+"/analyses/"+aid+"/report?format=pdf", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Errorf("report: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if code, _ := api.do("GET", "/analyses/"+aid+"/report?format=docx", nil); code != 400 {
		t.Errorf("bad format: %d", code)
	}
	_, out = api.do("GET", "/analyses", nil)
	if len(out["analyses"].([]any)) != 1 {
		t.Errorf("analyses: %v", out)
	}
}
