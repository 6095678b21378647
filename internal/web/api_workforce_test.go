package web_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// The workforce through the API, as an HR integration would drive it.
func TestWorkforceAPI(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	ctx := context.Background()
	o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	starter, _, _ := workforce.Starter(mustCatalog(t))
	if err := s.Scope(o).InstallProgram(ctx, starter); err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(ctx, &auth.APIToken{Name: "hr", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite, auth.ScopeImport}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	api := apiClient{t, srv.URL + "/api/v1/orgs/riverside", token}
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "workforce", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	code, out := api.do("POST", "/workforce/import?apply=true", multipartFile(t, "bad.csv", read("roster-bad.csv"), map[string][]string{"map_first_name": {"Legal First Name"}, "map_last_name": {"Legal Last Name"}}))
	if code != 400 || !strings.Contains(out["error"].(string), `duplicate employee id "2001"`) {
		t.Errorf("bad roster: %d %v", code, out)
	}
	code, out = api.do("POST", "/workforce/import", multipartFile(t, "roster.csv", read("roster-2026-01.csv"), nil))
	if code != 200 || out["applied"] != false || len(out["joiners"].([]any)) != 6 {
		t.Fatalf("preview: %d %v", code, out)
	}
	if code, out := api.do("POST", "/workforce/import?apply=true", multipartFile(t, "roster.csv", read("roster-2026-01.csv"), nil)); code != 200 || out["applied"] != true {
		t.Fatalf("apply: %d %v", code, out)
	}
	code, out = api.do("POST", "/workforce/import", multipartFile(t, "roster.csv", read("roster-2026-07.csv"), nil))
	if code != 200 || len(out["joiners"].([]any)) != 1 || len(out["movers"].([]any)) != 1 || len(out["leavers"].([]any)) != 2 {
		t.Errorf("re-import preview: %d %v", code, out)
	}
	_, out = api.do("GET", "/workforce/people", nil)
	people := out["people"].([]any)
	var maria string
	for _, p := range people {
		if m := p.(map[string]any); m["employee_id"] == "1004" {
			maria = m["id"].(string)
		}
	}
	if len(people) != 6 || maria == "" {
		t.Fatalf("people: %d", len(people))
	}
	if code, out := api.do("POST", "/workforce/people/"+maria+"/completions", map[string]string{"module": "awareness", "completed_on": "2999-01-01"}); code != 400 || !strings.Contains(out["error"].(string), "in the future") {
		t.Errorf("future completion: %d %v", code, out)
	}
	if code, out := api.do("POST", "/workforce/people/"+maria+"/completions", map[string]string{"module": "awareness", "completed_on": time.Now().Format("2006-01-02")}); code != 201 || out["source"] != "API" {
		t.Errorf("completion: %d %v", code, out)
	}
	_, out = api.do("GET", "/workforce/people/"+maria, nil)
	found := false
	for _, a := range out["assignments"].([]any) {
		if m := a.(map[string]any); m["module"] == "awareness" && m["status"] == "current" {
			found = true
		}
	}
	if !found {
		t.Errorf("Maria's awareness is not current: %v", out["assignments"])
	}
	_, out = api.do("GET", "/training/status", nil)
	if out["overall"].(map[string]any)["assigned"].(float64) < 20 || len(out["modules"].([]any)) < 5 {
		t.Errorf("status: %v", out["overall"])
	}
	if code, out := api.do("POST", "/training/rules", map[string]any{"module": "cooking"}); code != 400 || !strings.Contains(out["error"].(string), `no training module "cooking"`) {
		t.Errorf("rule for an unknown module: %d %v", code, out)
	}
	if code, out := api.do("POST", "/training/modules", map[string]any{"code": "hipaa-basics", "title": "HIPAA basics", "recur_months": 24, "items": []string{"hipaa-sr/164.308(a)(5)"}}); code != 201 || out["due_days"].(float64) != 30 {
		t.Errorf("module: %d %v", code, out)
	}
	if code, out := api.do("POST", "/training/reminders", map[string]string{"subject": "Lock your screen", "body": "Always.", "audience": "department:Clinical", "scheduled_for": "2026-12-01"}); code != 201 || out["id"] == "" {
		t.Errorf("reminder: %d %v", code, out)
	}
	if _, out := api.do("GET", "/training/reminders", nil); len(out["reminders"].([]any)) != 1 {
		t.Errorf("reminders: %v", out)
	}
}
