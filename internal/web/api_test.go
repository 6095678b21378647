package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/tailoring"
	"github.com/safeguard-health/safeguard/internal/vendor"
	"github.com/safeguard-health/safeguard/internal/web"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// Every API route, for every kind of token: only an active token of the
// organisation in the path, holding the route's scope, gets in.
func TestAPITokenMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv, routes := newServerWithRoutes(t, s)
		a := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
		b := &org.Organization{Slug: "northside", Name: "Northside", EntityType: org.HealthPlan}
		for _, o := range []*org.Organization{a, b} {
			if err := s.CreateOrganization(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		mint := func(o *org.Organization, expires time.Time, scopes ...auth.Scope) (string, *auth.APIToken) {
			token, hash := auth.NewAPIToken()
			tk := &auth.APIToken{Name: "t", Scopes: scopes, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: expires}
			if err := s.Scope(o).CreateAPIToken(ctx, tk); err != nil {
				t.Fatal(err)
			}
			return token, tk
		}
		later := time.Now().Add(time.Hour)
		readA, _ := mint(a, later, auth.ScopeRead)
		importA, _ := mint(a, later, auth.ScopeImport)
		readB, _ := mint(b, later, auth.ScopeRead, auth.ScopeWrite, auth.ScopeImport)
		expired, _ := mint(a, time.Now().Add(-time.Second), auth.ScopeRead)
		revoked, revokedTok := mint(a, later, auth.ScopeRead)
		if err := s.Scope(a).RevokeAPIToken(ctx, revokedTok.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Scope(b).RevokeAPIToken(ctx, revokedTok.ID); err == nil {
			t.Error("one organisation revoked another's token")
		}
		writeA, _ := mint(a, later, auth.ScopeWrite)
		// An assessment and evidence of a for the routes that name one.
		prog, _ := assessment.NewProgram(mustCatalog(t))
		asmt, err := prog.Start(ctx, s.Scope(a), catalog.HIPAASecurityRule, "", "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ev := &evidence.Evidence{Title: "Policy", Items: []string{"hipaa-sr/164.316(a)"}}
		if err := testEvidence(s).Upload(ctx, s.Scope(a), ev, evidence.File{Name: "policy.txt", Body: strings.NewReader("Our policy.\n")}); err != nil {
			t.Fatal(err)
		}
		if err := s.Scope(a).SetTailoringOverride(ctx, &tailoring.Override{ItemID: "hph-cpg/enhanced-1", Applicable: true, Justification: "for the DELETE route"}); err != nil {
			t.Fatal(err)
		}
		// Risk records of a for the risk routes that name one.
		rsc := s.Scope(a)
		ehr, nas, portal := &risk.Asset{Name: "EHR", Type: risk.Application}, &risk.Asset{Name: "NAS", Type: risk.DataStore}, &risk.Asset{Name: "Portal", Type: risk.Application}
		for _, x := range []*risk.Asset{ehr, nas, portal} {
			if err := rsc.CreateAsset(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		flow := &risk.Flow{From: ehr.ID, To: portal.ID}
		if err := rsc.AddFlow(ctx, flow); err != nil {
			t.Fatal(err)
		}
		rk := &risk.Risk{Title: "Ransomware", ThreatID: "ransomware", Assets: []string{ehr.ID}}
		if err := rsc.CreateRisk(ctx, rk); err != nil {
			t.Fatal(err)
		}
		// A business associate with a subcontractor, which DELETE may not
		// remove.
		baVendor := &vendor.Vendor{Name: "Matrix EHR", Receives: true, Status: vendor.BusinessAssociate}
		if err := rsc.CreateVendor(ctx, baVendor); err != nil {
			t.Fatal(err)
		}
		if err := rsc.CreateVendor(ctx, &vendor.Vendor{Name: "Matrix Backup", Status: vendor.Subcontractor, StatusReason: "backups", SubcontractorOf: baVendor.ID}); err != nil {
			t.Fatal(err)
		}
		matrixAgreement := &vendor.Agreement{VendorID: baVendor.ID, SignedOn: "2025-01-10"}
		if err := rsc.SaveAgreement(ctx, matrixAgreement); err != nil {
			t.Fatal(err)
		}
		// A questionnaire sent to the vendor, for the routes that act on one.
		sent := &vendor.Request{VendorID: baVendor.ID, Questionnaire: vendor.Builtin, Channel: vendor.ChannelXLSX, SentAt: time.Now(), SentBy: "matrix", ExpiresAt: time.Now().Add(time.Hour)}
		if err := rsc.CreateQuestionnaireRequest(ctx, sent, ""); err != nil {
			t.Fatal(err)
		}
		matrixIncident := &incident.Incident{Title: "Lost phone", DetectedAt: time.Now().Add(-time.Hour)}
		if err := rsc.SaveIncident(ctx, matrixIncident); err != nil {
			t.Fatal(err)
		}
		contAsset := &risk.Asset{Name: "Backup NAS", Type: risk.DataStore, Maintains: true, Criticality: risk.CriticalityCritical}
		if err := rsc.CreateAsset(ctx, contAsset); err != nil {
			t.Fatal(err)
		}
		matrixExercise := &incident.Exercise{Title: "Ransomware tabletop", HeldOn: time.Now().UTC().Format("2006-01-02"), Participants: []string{"Sam Patel"}, Findings: []incident.Finding{{Text: "Print the plan"}}}
		if err := rsc.SaveExercise(ctx, matrixExercise); err != nil {
			t.Fatal(err)
		}
		matrixPlan := incident.Starter()
		matrixPlan.Roles = []incident.Role{{Role: "Incident lead", Name: "Sam Patel"}}
		if err := rsc.SaveIncidentPlan(ctx, matrixPlan); err != nil {
			t.Fatal(err)
		}
		analysis := &risk.Analysis{Title: "2026", Scope: "All ePHI"}
		if err := rsc.CreateAnalysis(ctx, analysis); err != nil {
			t.Fatal(err)
		}
		person := &workforce.Person{EmployeeID: "1", Name: "Wendy Garcia", Start: "2024-01-01"}
		if err := rsc.SavePerson(ctx, person, nil); err != nil {
			t.Fatal(err)
		}
		jobID, resultID := verificationRecords(t, rsc)
		// A framework imported from OSCAL, which DELETE may remove.
		if _, err := dataimport.File(ctx, dataimport.Request{Path: filepath.Join("..", "catalog", "oscalimport", "testdata", "catalog.json"), Framework: "matrix-controls",
			Scope: func() (*store.Scoped, error) { return rsc, nil }}); err != nil {
			t.Fatal(err)
		}
		withScope := map[auth.Scope]string{auth.ScopeRead: readA, auth.ScopeWrite: writeA, auth.ScopeImport: importA}
		without := map[auth.Scope]string{auth.ScopeRead: importA, auth.ScopeWrite: readA, auth.ScopeImport: readA}
		checked := 0
		for _, rt := range routes {
			if rt.Access.Kind != web.API {
				continue
			}
			method, path, _ := strings.Cut(rt.Pattern, " ")
			id := asmt.ID
			switch {
			case strings.Contains(path, "/evidence/"):
				id = ev.ID
			case strings.Contains(path, "/risk/assets/"):
				id = nas.ID // the asset no risk names, so DELETE may remove it
			case strings.Contains(path, "/risk/flows/"):
				id = flow.ID
			case strings.Contains(path, "/vendors/"):
				id = baVendor.ID
			case strings.Contains(path, "/incidents/exercises/"):
				id = matrixExercise.ID
			case strings.Contains(path, "/incidents/"):
				id = matrixIncident.ID
			case strings.Contains(path, "/risk/risks/"):
				id = rk.ID
			case strings.Contains(path, "/risk/analyses/"):
				id = analysis.ID
			case strings.Contains(path, "/workforce/people/"):
				id = person.ID
			case strings.Contains(path, "/imports/"):
				id = jobID
			case strings.Contains(path, "/checks/"):
				id = resultID
			case strings.Contains(path, "/frameworks/"):
				id = "matrix-controls"
			}
			item := "hph-cpg/enhanced-1"
			if strings.Contains(path, "/links/") {
				item = "hipaa-sr/164.316(a)"
			}
			target := srv.URL + strings.NewReplacer("{org}", "riverside", "{id}", id, "{item...}", item, "{agreement}", matrixAgreement.ID, "{import}", "no-such-import", "{request}", sent.ID, "{version}", "1", "{finding}", "1", "{asset}", contAsset.ID).Replace(path)
			for _, tc := range []struct {
				name, bearer string
				want         int // 0: allowed, whatever the handler answers below 500 but a refusal
			}{
				{"no token", "", 401},
				{"malformed", "sg_not-a-token", 401},
				{"truncated", readA[:len(readA)-3], 401},
				{"expired", expired, 401},
				{"revoked", revoked, 401},
				{"token of another organisation", readB, 404},
				{"token without the scope", without[rt.Access.Scope], 403},
				{"token of this organisation with the scope", withScope[rt.Access.Scope], 0},
			} {
				req, _ := http.NewRequest(method, target, nil)
				if tc.bearer != "" {
					req.Header.Set("Authorization", "Bearer "+tc.bearer)
				}
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				checked++
				var body map[string]any
				isJSON := resp.Header.Get("Content-Type") == "application/json"
				if isJSON {
					json.NewDecoder(resp.Body).Decode(&body)
				}
				resp.Body.Close()
				switch {
				case tc.want == 0 && (resp.StatusCode == 401 || resp.StatusCode == 403 || resp.StatusCode == 404 || resp.StatusCode >= 500):
					t.Errorf("%s with %s: %d %v, want it allowed", rt.Pattern, tc.name, resp.StatusCode, body)
				case tc.want != 0 && (resp.StatusCode != tc.want || !isJSON || body["error"] == nil):
					t.Errorf("%s with %s: %d (%s), want %d with an error message", rt.Pattern, tc.name, resp.StatusCode, resp.Header.Get("Content-Type"), tc.want)
				}
				if tc.want == 0 && rt.Pattern == "GET /api/v1/orgs/{org}" && body["slug"] != "riverside" {
					t.Errorf("body %v", body)
				}
			}
		}
		t.Logf("API token matrix: %d requests checked", checked)
		entries, _ := s.AuditLog(ctx, store.AuditFilter{Limit: 1000})
		counts := map[string]int{}
		for _, e := range entries {
			counts[e.Action]++
		}
		if counts["api.auth_failed"] < 5 || counts["api.denied"] < 2 {
			t.Errorf("refusals in the audit log: %v", counts)
		}
	})
}

func FuzzAPITokenHash(f *testing.F) {
	tok, _ := auth.NewAPIToken()
	for _, seed := range []string{tok, "sg_", "sg_" + strings.Repeat("A", 43), "Bearer x", "\x00\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if h := auth.APITokenHash(s); h != "" && len(h) != 64 {
			t.Fatalf("hash %q of %q", h, s)
		}
	})
}

var newTokenRE = regexp.MustCompile(`id="new-token">(sg_[A-Za-z0-9_-]{43})<`)

// An owner creates a token, sees it once, uses it, and revokes it.
func TestTokenLifecycle(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	resp, body := post(t, c, srv.URL+"/orgs/riverside/tokens", url.Values{"name": {"SIEM export"}, "scope": {"read", "import"}, "days": {"30"}})
	m := newTokenRE.FindStringSubmatch(body)
	if resp.StatusCode != 200 || m == nil {
		t.Fatalf("create: %d\n%s", resp.StatusCode, body)
	}
	token := m[1]
	if _, list := fetch(t, c, srv.URL+"/orgs/riverside/tokens"); strings.Contains(list, token) || !strings.Contains(list, token[:10]) || !strings.Contains(list, "read, import") {
		t.Errorf("the token list shows the whole token, or not its prefix and scopes")
	}
	api := func() int {
		req, _ := http.NewRequest(http.MethodGet, srv.URL+"/api/v1/orgs/riverside/members", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := api(); code != 200 {
		t.Fatalf("API with the new token: %d", code)
	}
	tokens, _ := s.Scope(mustOrg(t, s)).APITokens(context.Background())
	if len(tokens) != 1 || tokens[0].LastUsedAt.IsZero() || tokens[0].Hash == token {
		t.Fatalf("stored token: %+v", tokens)
	}
	if resp, _ := post(t, c, srv.URL+"/orgs/riverside/tokens/"+tokens[0].ID+"/revoke", nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("revoke: %d", resp.StatusCode)
	}
	if code := api(); code != 401 {
		t.Errorf("API after revoke: %d, want 401", code)
	}
	if resp, body := post(t, c, srv.URL+"/orgs/riverside/tokens", url.Values{"name": {"x"}, "scope": {"admin"}, "days": {"30"}}); resp.StatusCode != 400 || !strings.Contains(body, `unknown scope`) {
		t.Errorf("bad scope: %d", resp.StatusCode)
	}
}

func mustOrg(t *testing.T, s *store.Store) *org.Organization {
	t.Helper()
	o, err := s.OrganizationBySlug(context.Background(), "riverside")
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func mustCatalog(t testing.TB) *catalog.Registry {
	t.Helper()
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return reg
}
