package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// A framework the organisation imported from an OSCAL profile is offered
// on the assessments page, assessed page by page — its control's text with
// the profile's parameter, its discussion, no link to the shared catalog —
// answered, and given evidence by upload and by link; another
// organisation's pages do not offer it.
func TestImportedFrameworkPages(t *testing.T) {
	s := storetest.SQLite(t)
	srv, h := newServerAndHandler(t, s)
	c := newClient(t)
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	ctx := context.Background()
	// The catalog, then the profile under an id of its own, uploaded on
	// the imports page and imported in the background.
	for _, f := range []struct{ file, id, want string }{
		{"catalog.json", "", "6 controls to assess, as the framework clinic-controls-catalog"},
		{"baseline_profile.json", "clinic-low", "4 controls to assess, as the framework clinic-low"},
	} {
		data, err := os.ReadFile(filepath.Join("..", "catalog", "oscalimport", "testdata", f.file))
		if err != nil {
			t.Fatal(err)
		}
		resp, body := upload(t, c, srv.URL+"/orgs/riverside/imports", f.file, data, url.Values{"framework": {f.id}})
		m := jobPathRE.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("upload %s: %d\n%s", f.file, resp.StatusCode, body)
		}
		h.Wait()
		_, body = fetch(t, c, srv.URL+m[0])
		mustContain(t, f.file+"'s job", body, "state-done", f.want)
	}
	if resp, body := upload(t, c, srv.URL+"/orgs/riverside/imports", "catalog.json", []byte("{}"), url.Values{"framework": {"Not An Id"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "is not a framework id") {
		t.Fatalf("a bad framework id: %d\n%s", resp.StatusCode, body)
	}
	base := srv.URL + "/orgs/riverside"
	_, body := fetch(t, c, base+"/assessments")
	mustContain(t, "the assessments page", body, `<option value="clinic-low">Clinic Low Baseline (2.1)</option>`, `<option value="clinic-controls-catalog">`)
	resp, _ := post(t, c, base+"/assessments", url.Values{"framework": {"clinic-low"}})
	where := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(where, "/orgs/riverside/assessments/") {
		t.Fatalf("start: %d %s", resp.StatusCode, where)
	}
	_, body = fetch(t, c, srv.URL+where)
	mustContain(t, "the assessment", body, "AC-1", "Policy and Procedures", "IA-2(1)", "Multi-factor Authentication to Privileged Accounts")
	if strings.Contains(body, "IA-2(2)") {
		t.Error("the assessment shows a control the baseline excludes")
	}
	_, body = fetch(t, c, srv.URL+where+"/items/ac-1")
	mustContain(t, "AC-1's page", body, "Review and update the current access control policy at least every 12 months.",
		"<summary>Discussion</summary>", "Access control policy and procedures address the controls in the AC family.",
		"Clinic Low Baseline, version 2.1, imported by the organisation")
	if strings.Contains(body, `href="/catalog/clinic-low`) {
		t.Error("AC-1's page links to a catalog page that does not show imported frameworks")
	}
	resp, _ = post(t, c, srv.URL+where+"/items/ac-1", url.Values{"status": {"implemented"}, "next": {"IA-2(1)"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != where+"/items/ia-2.1" {
		t.Fatalf("save and next: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, _ = upload(t, c, base+"/evidence", "mfa.txt", []byte("Privileged accounts sign in with a security key.\n"),
		url.Values{"title": {"MFA for administrators"}, "item": {"clinic-low/ia-2.1"}, "back": {where + "/items/ia-2.1"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("evidence for an imported control: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, srv.URL+where+"/items/ia-2.1")
	mustContain(t, "IA-2(1)'s page", body, "MFA for administrators")
	id := regexp.MustCompile(`/orgs/riverside/evidence/([0-9a-f-]+)"`).FindStringSubmatch(body)
	if id == nil {
		t.Fatal("no link to the evidence")
	}
	if resp, _ := post(t, c, base+"/evidence/"+id[1], url.Values{"link": {"clinic-low/ac-2"}, "back": {where + "/items/ac-2"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("linking evidence to an imported control: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, srv.URL+where+"/items/ac-2")
	mustContain(t, "AC-2's page", body, "MFA for administrators", "c. Disable accounts of departing workforce members within one business day.")

	// The imported frameworks are listed; one an assessment was made of is
	// kept, the other removed.
	_, body = fetch(t, c, base+"/assessments")
	mustContain(t, "the list of imported frameworks", body, "Frameworks imported by", "Clinic Low Baseline", "baseline_profile.json", "(OSCAL profile,", `action="/orgs/riverside/frameworks/clinic-low/remove"`)
	if resp, body := post(t, c, base+"/frameworks/clinic-low/remove", url.Values{}); resp.StatusCode != http.StatusConflict || !strings.Contains(body, "which keep it") {
		t.Fatalf("removing a framework with an assessment: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, base+"/frameworks/clinic-controls-catalog/remove", url.Values{}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("remove: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base+"/assessments?removed=clinic-controls-catalog")
	mustContain(t, "after removing", body, "Removed the framework clinic-controls-catalog.")
	if strings.Contains(body, `value="clinic-controls-catalog"`) {
		t.Error("a removed framework is still offered")
	}

	// Another organisation's assessments page does not offer it.
	lakeside := storetest.Clinic("lakeside")
	if err := s.CreateOrganization(ctx, lakeside); err != nil {
		t.Fatal(err)
	}
	owner, err := s.UserByEmail(ctx, "owner@riverside.example")
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetMembership(ctx, lakeside.ID, owner.ID, auth.Owner); err != nil {
		t.Fatal(err)
	}
	_, body = fetch(t, c, srv.URL+"/orgs/lakeside/assessments")
	mustContain(t, "another organisation's assessments", body, `<option value="hph-cpg">`)
	if strings.Contains(body, "clinic-low") {
		t.Error("another organisation is offered the imported framework")
	}
}

// The proposed rule's page says it is a proposal, where the clinic would
// stand proposal by proposal, and switches it into the program: then, and
// only then, the assessments page offers it.
func TestProposedRulePage(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	base := srv.URL + "/orgs/riverside"
	_, body := fetch(t, c, base)
	mustContain(t, "the organisation page", body, `href="/orgs/riverside/proposed-rule"`)
	_, body = fetch(t, c, base+"/proposed-rule")
	mustContain(t, "the proposed rule's page", body, "A proposal, not law.", "90 FR 898", "The proposed rule is <strong>off</strong>",
		"No Security Rule assessment yet", "NPRM proposal 12", "Vulnerability scanning every 6 months", "Switch it on")
	_, body = fetch(t, c, base+"/assessments")
	if strings.Contains(body, "hipaa-security-rule-nprm-2025") {
		t.Error("the assessments page offers the proposed rule while it is off")
	}
	resp, _ := post(t, c, base+"/proposed-rule", url.Values{"enabled": {"on"}})
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/orgs/riverside/proposed-rule?saved=1" {
		t.Fatalf("switch on: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = fetch(t, c, base+"/proposed-rule?saved=1")
	mustContain(t, "the page once on", body, "The proposed rule is <strong>on</strong>", "Switch it off")
	_, body = fetch(t, c, base+"/assessments")
	mustContain(t, "the assessments page once on", body, `<option value="hipaa-security-rule-nprm-2025">`)
	_, body = fetch(t, c, srv.URL+"/catalog/hipaa-security-rule-nprm-2025")
	mustContain(t, "the proposal in the catalog", body, "a proposed rule, not law")
}

// Through the API: an OSCAL catalog uploaded with its framework id is
// listed among the frameworks the organisation can assess, with where it
// came from, and removed; the proposed rule's delta is read and the rule
// switched on, after which it is listed too.
func TestFrameworksAndProposedRuleAPI(t *testing.T) {
	s := storetest.SQLite(t)
	srv, h := newServerAndHandler(t, s)
	ctx := context.Background()
	o := storetest.Clinic("riverside")
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(ctx, &auth.APIToken{Name: "automation", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite, auth.ScopeImport}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	api := apiClient{t, srv.URL + "/api/v1/orgs/riverside", token}
	data, err := os.ReadFile(filepath.Join("..", "catalog", "oscalimport", "testdata", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	if code, out := api.do("POST", "/imports", multipartFile(t, "catalog.json", data, map[string][]string{"framework": {"clinic-controls"}})); code != http.StatusAccepted {
		t.Fatalf("upload: %d %v", code, out)
	}
	h.Wait()
	ids := func() []string {
		t.Helper()
		code, out := api.do("GET", "/frameworks", nil)
		if code != 200 {
			t.Fatalf("frameworks: %d %v", code, out)
		}
		var got []string
		for _, f := range out["frameworks"].([]any) {
			fw := f.(map[string]any)
			id := fw["id"].(string)
			if im, ok := fw["imported"].(map[string]any); ok {
				id += "<" + im["file"].(string) + "," + im["model"].(string)
			}
			got = append(got, id)
		}
		return got
	}
	if got := strings.Join(ids(), " "); got != "hipaa-security-rule hph-cpg clinic-controls<catalog.json,catalog" {
		t.Fatalf("frameworks: %s", got)
	}
	code, out := api.do("GET", "/proposed-rule", nil)
	if code != 200 || out["enabled"] != false || len(out["changes"].([]any)) != 18 {
		t.Fatalf("proposed rule: %d %v", code, out["enabled"])
	}
	if code, out := api.do("PUT", "/proposed-rule", `{"enabled": "yes"}`); code != 400 {
		t.Fatalf("a switch that is not a boolean: %d %v", code, out)
	}
	if code, out := api.do("PUT", "/proposed-rule", `{"enabled": true}`); code != 200 || out["enabled"] != true {
		t.Fatalf("switch on: %d %v", code, out["enabled"])
	}
	if code, _ := api.do("DELETE", "/frameworks/clinic-controls", nil); code != http.StatusNoContent {
		t.Fatalf("remove: %d", code)
	}
	if code, _ := api.do("DELETE", "/frameworks/clinic-controls", nil); code != http.StatusNotFound {
		t.Fatalf("remove again: %d", code)
	}
	if got := strings.Join(ids(), " "); got != "hipaa-security-rule hph-cpg hipaa-security-rule-nprm-2025" {
		t.Fatalf("frameworks after: %s", got)
	}
}
