package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/vendor"
	"github.com/safeguard-health/safeguard/internal/web"
	"github.com/safeguard-health/safeguard/internal/workbook"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// persona is someone the matrix checks: anonymous, a member of the target
// organisation with a role, a member of another organisation only, or a
// vendor holding a questionnaire link.
type persona struct {
	name     string
	role     auth.Role // in the target organisation; "" for none
	outsider bool
	client   *http.Client
	email    string
	signIn   func() // nil for the anonymous visitor and the vendor
	link     string // the vendor's questionnaire link's token
}

// withLink sends a vendor's questionnaire token on every request as a
// bearer token and as the session cookie: a link must open nothing but
// its own questionnaire, whatever it is presented as.
type withLink struct{ token string }

func (l withLink) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+l.token)
	r.AddCookie(&http.Cookie{Name: "safeguard_session", Value: l.token})
	return http.DefaultTransport.RoundTrip(r)
}

// TestAuthorizationMatrix walks every route the server registers (read from
// its router, so a new route cannot be left out) for every persona and
// checks each is allowed or denied as its access rule says: no organisation
// page opens for a non-member, and each role gets exactly its permissions.
func TestAuthorizationMatrix(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		srv, routes := newServerWithRoutes(t, s)
		h := auth.NewHasher(auth.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}, nil)
		hash, _ := h.Hash(ownerPassword)
		target := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
		other := &org.Organization{Slug: "northside", Name: "Northside Health Plan", EntityType: org.HealthPlan}
		for _, o := range []*org.Organization{target, other} {
			if err := s.CreateOrganization(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		personas := []*persona{{name: "anonymous", client: newClient(t)}}
		for _, r := range auth.Roles {
			personas = append(personas, &persona{name: string(r.Role), role: r.Role})
		}
		personas = append(personas, &persona{name: "owner of another organisation", outsider: true})
		for _, p := range personas[1:] {
			u := &auth.User{Email: strings.ReplaceAll(p.name, " ", "-") + "@example.net", Name: p.name, PasswordHash: hash}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			orgID, role := target.ID, p.role
			if p.outsider {
				orgID, role = other.ID, auth.Owner
			}
			if err := s.SetMembership(ctx, orgID, u.ID, role); err != nil {
				t.Fatal(err)
			}
			p.email = u.Email
			p.signIn = func() {
				p.client = newClient(t)
				if resp, _ := post(t, p.client, srv.URL+"/login", url.Values{"email": {p.email}, "password": {ownerPassword}}); resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("%s: sign-in %d", p.name, resp.StatusCode)
				}
			}
			p.signIn()
		}
		// Routes that end the persona's sessions run last, each after a
		// fresh sign-in, and leaving the organisation after them.
		endsSession := func(rt web.Route) bool {
			return strings.Contains(rt.Pattern, "logout") || strings.HasSuffix(rt.Pattern, "/leave")
		}
		order := func(rt web.Route) int {
			switch {
			case strings.HasSuffix(rt.Pattern, "/leave"):
				return 2
			case endsSession(rt):
				return 1
			}
			return 0
		}
		slices.SortStableFunc(routes, func(a, b web.Route) int { return order(a) - order(b) })
		// Members for the owner to change and remove, and an invitation to
		// revoke.
		var spares []string
		for _, name := range []string{"spare-role", "spare-remove"} {
			u := &auth.User{Email: name + "@example.net", Name: name, PasswordHash: hash}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			if err := s.SetMembership(ctx, target.ID, u.ID, auth.Contributor); err != nil {
				t.Fatal(err)
			}
			spares = append(spares, u.ID)
		}
		invitation := &auth.Invitation{Email: "invited@example.net", Role: auth.Auditor, InvitedBy: "owner@example.net", CreatedAt: time.Now(), ExpiresAt: time.Now().Add(time.Hour)}
		_, invitationHash := auth.NewSessionToken()
		if err := s.Scope(target).CreateInvitation(ctx, invitation, invitationHash); err != nil {
			t.Fatal(err)
		}
		// A token for the revoke route to act on.
		_, tokHash := auth.NewAPIToken()
		tok := &auth.APIToken{Name: "to revoke", Scopes: []auth.Scope{auth.ScopeRead}, Hash: tokHash, Prefix: "sg_test", CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}
		if err := s.Scope(target).CreateAPIToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		// An assessment and a piece of evidence for their routes to act on.
		reg, _ := catalog.Load()
		prog, _ := assessment.NewProgram(reg)
		asmt, err := prog.Start(ctx, s.Scope(target), catalog.HIPAASecurityRule, "", "", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		ev := &evidence.Evidence{Title: "Policy"}
		if err := testEvidence(s).Upload(ctx, s.Scope(target), ev, evidence.File{Name: "policy.txt", Body: strings.NewReader("Our policy.\n")}); err != nil {
			t.Fatal(err)
		}
		v, err := prog.View(ctx, s.Scope(target), asmt.ID, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(workbook.Preview{Base: workbook.Digest(v)})
		importID, err := s.Scope(target).SavePendingImport(ctx, asmt.ID, "answers.xlsx", strings.Repeat("0", 64), raw)
		if err != nil {
			t.Fatal(err)
		}
		// An asset, a vulnerability, a risk, an analysis and kept import files
		// for the risk routes.
		rsc := s.Scope(target)
		asset := &risk.Asset{Name: "EHR", Type: risk.Application, Maintains: true}
		if err := rsc.CreateAsset(ctx, asset); err != nil {
			t.Fatal(err)
		}
		laptop := &risk.Asset{Name: "Laptop", Type: risk.Device}
		if err := rsc.CreateAsset(ctx, laptop); err != nil {
			t.Fatal(err)
		}
		vuln := &risk.Vulnerability{Title: "No MFA"}
		if err := rsc.AddVulnerabilities(ctx, []*risk.Vulnerability{vuln}); err != nil {
			t.Fatal(err)
		}
		rk := &risk.Risk{Title: "Ransomware", ThreatID: "ransomware", Assets: []string{asset.ID}, Likelihood: 3, ImpactA: 4}
		if err := rsc.CreateRisk(ctx, rk); err != nil {
			t.Fatal(err)
		}
		analysis := &risk.Analysis{Title: "2026", Scope: "All ePHI"}
		if err := rsc.CreateAnalysis(ctx, analysis); err != nil {
			t.Fatal(err)
		}
		assetImport, err := rsc.SaveUpload(ctx, "assets", "a.csv", "x", []byte("name,type\nFax,device\n"))
		if err != nil {
			t.Fatal(err)
		}
		riskImport, err := rsc.SaveUpload(ctx, "risks", "r.csv", "x", []byte("title,threat,assets\nPhish,social-engineering,EHR\n"))
		if err != nil {
			t.Fatal(err)
		}
		vendorImport, err := rsc.SaveUpload(ctx, "vendors", "v.csv", "x", []byte("name,status\nCourier,undetermined\n"))
		if err != nil {
			t.Fatal(err)
		}
		// A business associate with a subcontractor: deleting it is refused,
		// so every persona allowed to try finds it still there.
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
		// A questionnaire sent as a workbook for the routes that act on a
		// request, a returned workbook kept for its apply, and one sent as
		// a link to the vendor persona.
		sent := &vendor.Request{VendorID: baVendor.ID, Questionnaire: vendor.Builtin, Channel: vendor.ChannelXLSX, SentAt: time.Now(), SentBy: "matrix", ExpiresAt: time.Now().Add(time.Hour)}
		if err := rsc.CreateQuestionnaireRequest(ctx, sent, ""); err != nil {
			t.Fatal(err)
		}
		answersUpload, err := rsc.SaveUpload(ctx, "questionnaire-answers", "a.csv", "x", []byte("request,question_id,answer\n"+sent.ID+",mfa-remote,yes\n"))
		if err != nil {
			t.Fatal(err)
		}
		linkToken, linkHash := auth.NewSessionToken()
		linked := &vendor.Request{VendorID: baVendor.ID, Questionnaire: vendor.Builtin, Channel: vendor.ChannelLink, SentAt: time.Now(), SentBy: "matrix", ExpiresAt: time.Now().Add(time.Hour)}
		if err := rsc.CreateQuestionnaireRequest(ctx, linked, linkHash); err != nil {
			t.Fatal(err)
		}
		vendorPersona := &persona{name: "vendor holding a questionnaire link", link: linkToken,
			client: &http.Client{Transport: withLink{linkToken}, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		personas = append(personas, vendorPersona)
		contAsset := &risk.Asset{Name: "Backup NAS", Type: risk.DataStore, Maintains: true, Criticality: risk.CriticalityCritical}
		if err := rsc.CreateAsset(ctx, contAsset); err != nil {
			t.Fatal(err)
		}
		matrixIncident := &incident.Incident{Title: "Lost phone", DetectedAt: time.Now().Add(-time.Hour)}
		if err := rsc.SaveIncident(ctx, matrixIncident); err != nil {
			t.Fatal(err)
		}
		matrixPlan := incident.Starter()
		matrixPlan.Roles = []incident.Role{{Role: "Incident lead", Name: "Sam Patel"}}
		if err := rsc.SaveIncidentPlan(ctx, matrixPlan); err != nil {
			t.Fatal(err)
		}
		matrixExercise := &incident.Exercise{Title: "Ransomware tabletop", Scenario: "ransomware-friday", HeldOn: time.Now().UTC().Format("2006-01-02"), Participants: []string{"Sam Patel"},
			Findings: []incident.Finding{{Text: "Print the plan"}, {Text: "Test restores"}}}
		if err := rsc.SaveExercise(ctx, matrixExercise); err != nil {
			t.Fatal(err)
		}
		riskFormAsset, matrixRisk = asset.ID, rk.ID
		// The training program, every persona on the roster (so each can attest
		// its own training), a leaver with a checklist, and a kept roster export.
		reg2, _ := catalog.Load()
		starterProg, _, err := workforce.Starter(reg2)
		if err != nil {
			t.Fatal(err)
		}
		if err := rsc.InstallProgram(ctx, starterProg); err != nil {
			t.Fatal(err)
		}
		for i, p := range personas[1:] {
			if p.outsider || p.link != "" {
				continue
			}
			if err := rsc.SavePerson(ctx, &workforce.Person{EmployeeID: fmt.Sprint(100 + i), Name: p.name, Email: p.email, Start: "2020-01-01"}, nil); err != nil {
				t.Fatal(err)
			}
		}
		leaver := &workforce.Person{EmployeeID: "900", Name: "Leaver", Start: "2020-01-01", End: "2026-01-31"}
		if err := rsc.SavePerson(ctx, leaver, training.Checklist(nil)); err != nil {
			t.Fatal(err)
		}
		items, _ := rsc.Checklists(ctx, leaver.ID)
		rosterUpload, err := rsc.SaveUpload(ctx, "roster", "hr.csv", "x", []byte("Employee Number,Name\n901,New Starter\n"))
		if err != nil {
			t.Fatal(err)
		}
		trainingRule := starterProg.Rules[len(starterProg.Rules)-1].ID
		reminder := &workforce.Reminder{Subject: "Lock your screen", Body: "Every time you step away.", ScheduledFor: "2026-12-01"}
		if err := rsc.CreateReminder(ctx, reminder); err != nil {
			t.Fatal(err)
		}
		jobID, resultID := verificationRecords(t, rsc)
		idFor := func(pattern string) string {
			switch {
			case strings.Contains(pattern, "{org}/imports/"):
				return jobID
			case strings.Contains(pattern, "{org}/checks/"):
				return resultID
			case strings.Contains(pattern, "/risk/analyses/"):
				return analysis.ID
			case strings.Contains(pattern, "/risk/assets/"):
				return asset.ID
			case strings.Contains(pattern, "/vendors/"):
				return baVendor.ID
			case strings.Contains(pattern, "/incidents/exercises/"):
				return matrixExercise.ID
			case strings.Contains(pattern, "/incidents/"):
				return matrixIncident.ID
			case strings.Contains(pattern, "/risk/vulnerabilities/"):
				return vuln.ID
			case strings.Contains(pattern, "/risk/register/"):
				return rk.ID
			case strings.Contains(pattern, "/training/rules/"):
				return trainingRule
			case strings.Contains(pattern, "/training/reminders/"):
				return reminder.ID
			case strings.Contains(pattern, "/workforce/"):
				return leaver.ID
			case strings.Contains(pattern, "/checklist-items/"):
				return items[0].ID
			case strings.HasSuffix(pattern, "/members/{id}/role"):
				return spares[0]
			case strings.HasSuffix(pattern, "/members/{id}/remove"):
				return spares[1]
			case strings.Contains(pattern, "/invitations/{id}"):
				return invitation.ID
			case strings.Contains(pattern, "/assessments/"):
				return asmt.ID
			case strings.Contains(pattern, "/evidence/"):
				return ev.ID
			}
			return tok.ID
		}
		checked := 0
		for _, rt := range routes {
			method, path, _ := strings.Cut(rt.Pattern, " ")
			imp := importID
			switch {
			case strings.Contains(rt.Pattern, "/asset-imports/"):
				imp = assetImport
			case strings.Contains(rt.Pattern, "/register-imports/"):
				imp = riskImport
			case strings.Contains(rt.Pattern, "/vendor-imports/"):
				imp = vendorImport
			case strings.Contains(rt.Pattern, "/roster-imports/"):
				imp = rosterUpload
			case strings.Contains(rt.Pattern, "/answer-imports/"):
				imp = answersUpload
			}
			template := path
			path = strings.NewReplacer("{$}", "", "{org}", "riverside", "{framework}", "hipaa-security-rule", "{item}", "164.312(d)", "{item...}", "hph-cpg/enhanced-1", "{id}", idFor(rt.Pattern), "{import}", imp, "{module}", "awareness",
				"{token}", strings.Repeat("A", 43), "{agreement}", matrixAgreement.ID, "{finding}", "1", "{asset}", contAsset.ID, "{request}", sent.ID, "{ref}", vendor.Builtin.ID).Replace(path)
			if strings.Contains(template, "/incidents/plan/") {
				path = strings.Replace(path, "{version}", "1", 1)
			}
			path = strings.Replace(path, "{version}", vendor.Builtin.Version, 1)
			if strings.HasSuffix(path, "/static/") {
				path += "style.css"
			}
			for _, p := range personas {
				path := path
				if p.link != "" && strings.Contains(template, "{token}") {
					path = strings.Replace(path, strings.Repeat("A", 43), p.link, 1)
				}
				if endsSession(rt) && p.signIn != nil {
					p.signIn()
				}
				var resp *http.Response
				var body string
				switch method {
				case http.MethodPost:
					resp, body = post(t, p.client, srv.URL+path, formFor(rt.Pattern))
				case http.MethodGet:
					resp, body = fetch(t, p.client, srv.URL+path)
				default:
					req, _ := http.NewRequest(method, srv.URL+path, nil)
					r, err := p.client.Do(req)
					if err != nil {
						t.Fatal(err)
					}
					r.Body.Close()
					resp = r
				}
				checked++
				// The guard refuses with 401, 403 or 404, and sends a GET to sign
				// in; a redirect after a POST is the handler's own answer.
				denied := resp.StatusCode == 401 || resp.StatusCode == 403 || resp.StatusCode == 404 ||
					(method == http.MethodGet && resp.StatusCode == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login"))
				if resp.StatusCode >= 500 {
					t.Errorf("%s as %s: %d", rt.Pattern, p.name, resp.StatusCode)
				}
				switch rt.Access.Kind {
				case web.Public:
					// Anyone may reach it; what it answers is its own business.
					// The vendor's link opens its own questionnaire and nothing
					// else: no invitation, no page of the organisation.
					if p.link != "" && rt.Pattern == "GET /questionnaire/{token}" && (resp.StatusCode != http.StatusOK || !strings.Contains(body, "Matrix EHR") || !strings.Contains(body, "Riverside Family Clinic")) {
						t.Errorf("the vendor's own link: %d", resp.StatusCode)
					}
					if p.link != "" && strings.HasPrefix(rt.Pattern, "GET /invitations/") && resp.StatusCode == http.StatusOK {
						t.Errorf("a questionnaire link opens an invitation")
					}
				case web.SignedIn:
					if want := p.signIn == nil; denied != want {
						t.Errorf("%s as %s: status %d, denied %v, want denied %v", rt.Pattern, p.name, resp.StatusCode, denied, want)
					}
				case web.Org:
					want := p.role == "" || !p.role.Can(rt.Access.Perm)
					if denied != want {
						t.Errorf("%s (%s) as %s: status %d, denied %v, want denied %v", rt.Pattern, rt.Access.Perm, p.name, resp.StatusCode, denied, want)
					}
					if p.outsider && resp.StatusCode != http.StatusNotFound {
						t.Errorf("%s as a member of another organisation: %d, want 404 (its existence is not revealed)", rt.Pattern, resp.StatusCode)
					}
					if p.role != "" && !p.role.Can(rt.Access.Perm) && resp.StatusCode != http.StatusForbidden {
						t.Errorf("%s as %s: %d, want 403", rt.Pattern, p.name, resp.StatusCode)
					}
				case web.API:
					// The API takes tokens, not sessions: every persona here is refused.
					if resp.StatusCode != http.StatusUnauthorized {
						t.Errorf("%s as %s without a token: %d, want 401", rt.Pattern, p.name, resp.StatusCode)
					}
				default:
					t.Errorf("%s has no access rule", rt.Pattern)
				}
			}
		}
		// Presented everywhere, the link opened nothing, and is still unused.
		if back, err := rsc.QuestionnaireRequest(ctx, linked.ID); err != nil || back.State != vendor.RequestSent {
			t.Errorf("the vendor's request after the matrix: %+v %v", back, err)
		}
		t.Logf("authorization matrix: %d routes × %d personas, %d requests checked", len(routes), len(personas), checked)
		if len(routes) < 20 {
			t.Errorf("only %d routes registered", len(routes))
		}
	})
}

// riskFormAsset is an asset of the matrix's organisation, for the risk
// forms; matrixRisk a risk, for the exercise finding's plan action.
var riskFormAsset, matrixRisk string

// formFor is a valid form for a state-changing route, so that an allowed
// request gets past validation.
func formFor(pattern string) url.Values {
	switch pattern {
	case "POST /orgs/{org}/invitations":
		return url.Values{"email": {"new@example.net"}, "role": {"contributor"}}
	case "POST /orgs/{org}/members/{id}/role":
		return url.Values{"role": {"auditor"}}
	case "POST /orgs/{org}/settings":
		return url.Values{} // require_mfa stays off
	case "POST /account/reauth":
		return url.Values{"password": {ownerPassword}}
	case "POST /orgs/{org}/tokens":
		return url.Values{"name": {"matrix"}, "scope": {"read"}, "days": {"1"}}
	case "POST /orgs/{org}/assessments":
		return url.Values{"framework": {"hph-cpg"}}
	case "POST /orgs/{org}/assessments/{id}/items/{item}":
		return url.Values{"status": {"partially_implemented"}}
	case "POST /orgs/{org}/risk/analyses":
		return url.Values{"title": {"Next"}, "scope": {"All ePHI"}}
	case "POST /orgs/{org}/risk/analyses/{id}":
		return url.Values{"title": {"2026"}, "scope": {"All ePHI"}}
	case "POST /orgs/{org}/risk/analyses/{id}/finalize":
		return url.Values{"approver": {"Dana Reyes, owner"}}
	case "POST /orgs/{org}/risk/assets", "POST /orgs/{org}/risk/assets/{id}":
		return url.Values{"name": {"EHR " + strconv.Itoa(int(time.Now().UnixNano()%1e9))}, "type": {"application"}}
	case "POST /orgs/{org}/risk/assets/bulk":
		return url.Values{"asset": {riskFormAsset}, "owner": {"IT"}}
	case "POST /orgs/{org}/contingency/{asset}":
		return url.Values{"rto_hours": {"24"}, "what": {"Database"}, "where": {"NAS"}, "frequency": {"nightly"}}
	case "POST /orgs/{org}/contingency/{asset}/tests":
		return url.Values{"tested_on": {time.Now().UTC().Format("2006-01-02")}, "hours": {"3"}, "succeeded": {"on"}, "by": {"Matrix"}}
	case "POST /orgs/{org}/incidents/exercises", "POST /orgs/{org}/incidents/exercises/{id}":
		return url.Values{"title": {"Ransomware tabletop"}, "planned_on": {"2027-03-01"}}
	case "POST /orgs/{org}/incidents/exercises/{id}/findings/{finding}/track":
		return url.Values{"risk": {matrixRisk}, "due": {"2027-03-01"}}
	case "POST /orgs/{org}/incidents/plan":
		return url.Values{"title": {"Incident response plan"}, "role": {"Incident lead"}, "role_name": {"Sam Patel"}, "playbook_title": {"Ransomware"}, "playbook_steps": {"contain: Unplug it."}}
	case "POST /orgs/{org}/incidents/plan/{version}/approve":
		return url.Values{"approved_by": {"Dana Reyes, owner"}, "approved_on": {time.Now().UTC().Format("2006-01-02")}}
	case "POST /orgs/{org}/incidents", "POST /orgs/{org}/incidents/{id}":
		return url.Values{"title": {"Lost phone"}, "detected_at": {time.Now().UTC().Add(-time.Hour).Format("2006-01-02T15:04")}}
	case "POST /orgs/{org}/vendors/{id}/incidents":
		return url.Values{"summary": {"Phishing at the vendor"}, "aware_at": {"2026-01-15T09:00"}}
	case "POST /orgs/{org}/vendors/{id}/reviews":
		return url.Values{"reviewed_on": {"2026-01-15"}, "reviewer": {"Matrix"}, "outcome": {"approved"}}
	case "POST /orgs/{org}/vendors", "POST /orgs/{org}/vendors/{id}":
		return url.Values{"name": {"Matrix EHR"}, "status": {"business-associate"}, "receives": {"on"}}
	case "POST /orgs/{org}/risk/vulnerabilities":
		return url.Values{"title": {"Shared logins"}}
	case "POST /orgs/{org}/risk/vulnerabilities/{id}":
		return url.Values{"status": {"dismissed"}}
	case "POST /orgs/{org}/risk/register", "POST /orgs/{org}/risk/register/{id}":
		return url.Values{"title": {"Phishing"}, "threat": {"social-engineering"}, "asset": {riskFormAsset}, "likelihood": {"3"}, "impact_c": {"3"}}
	case "POST /orgs/{org}/risk/register/{id}/actions":
		return url.Values{"title": {"Turn on MFA"}, "due": {"2027-01-31"}}
	case "POST /orgs/{org}/risk/scales":
		return url.Values{"review_months": {"12"}}
	case "POST /orgs/{org}/training/mine/{module}":
		return url.Values{"completed_on": {time.Now().Format("2006-01-02")}, "attest": {"on"}}
	case "POST /orgs/{org}/training/modules":
		return url.Values{"code": {"m" + strconv.Itoa(int(time.Now().UnixNano()%1e9))}, "title": {"Module"}, "items": {"hph-cpg/essential-4"}}
	case "POST /orgs/{org}/training/rules":
		return url.Values{"module": {"awareness"}, "departments": {"Clinical"}}
	case "POST /orgs/{org}/workforce/{id}":
		return url.Values{"clearance": {"done"}, "end_date": {"2026-01-31"}}
	case "POST /orgs/{org}/workforce/{id}/completions":
		return url.Values{"module": {"awareness"}, "completed_on": {"2025-12-01"}}
	case "POST /orgs/{org}/workforce/{id}/sanctions":
		return url.Values{"date": {"2025-12-01"}, "policy": {"Acceptable use"}, "action": {"warning"}}
	case "POST /orgs/{org}/roster-imports/{import}":
		return url.Values{"map_employee_id": {"Employee Number"}, "map_name": {"Name"}}
	case "POST /orgs/{org}/checklist-items/{id}":
		return url.Values{"done": {"1"}}
	case "POST /orgs/{org}/training/reminders":
		return url.Values{"subject": {"Phishing"}, "body": {"Report it."}, "audience": {"all"}, "scheduled_for": {"2026-12-01"}}
	}
	return url.Values{}
}

func newServerWithRoutes(t *testing.T, s *store.Store) (*httptest.Server, []web.Route) {
	t.Helper()
	srv, h := newServerAndHandler(t, s)
	return srv, h.Routes()
}
