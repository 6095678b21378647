// Package pages is Safeguard's server-rendered pages: html/template,
// assets embedded in the binary, no script of its own yet and nothing from
// a CDN. Each page is registered by Routes with its access rule; the
// server's guard applies it and scopes the request (kit.Scope) before a
// handler runs. The handlers call the same services and store methods as
// the JSON API.
package pages

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/members"
	"github.com/safeguard-health/safeguard/internal/questionnaire"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/tlssec"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/vendors"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Deps are what the pages are built from.
type Deps struct {
	Catalog        *catalog.Registry
	Store          kit.Store
	Accounts       kit.Accounts
	SSO            kit.SSO
	SSOCallbackURL string
	Program        *assessment.Program
	Evidence       *evidence.Service
	Members        *members.Service
	Risk           *riskanalysis.Service
	Training       *training.Service
	Records        *dataimport.Records
	Imports        *kit.Imports
	Files          *kit.Files
	Questionnaires *questionnaire.Service
	Incidents      *incidents.Service
	Vendors        *vendors.Service
	Email          *emailsec.Service
	TLS            *tlssec.Service
	Log            *slog.Logger
	Version        string
	Now            func() time.Time
}

// Server holds the pages' handlers and their parsed templates.
type Server struct {
	catalog        *catalog.Registry
	store          kit.Store
	accounts       kit.Accounts
	sso            kit.SSO
	ssoCallbackURL string
	program        *assessment.Program
	evidence       *evidence.Service
	members        *members.Service
	risk           *riskanalysis.Service
	training       *training.Service
	records        *dataimport.Records
	imports        *kit.Imports
	files          *kit.Files
	questionnaires *questionnaire.Service
	incidents      *incidents.Service
	vendors        *vendors.Service
	email          *emailsec.Service
	tls            *tlssec.Service
	log            *slog.Logger
	version        string
	now            func() time.Time
	pages          map[string]*template.Template
	static         fs.FS
}

// New parses every template: a broken one fails here, at start, not when
// a user opens the page.
func New(d Deps) (*Server, error) {
	s := &Server{catalog: d.Catalog, store: d.Store, accounts: d.Accounts, sso: d.SSO, ssoCallbackURL: d.SSOCallbackURL,
		program: d.Program, evidence: d.Evidence, members: d.Members, risk: d.Risk, training: d.Training, records: d.Records, imports: d.Imports, files: d.Files, questionnaires: d.Questionnaires, incidents: d.Incidents, vendors: d.Vendors, email: d.Email, tls: d.TLS,
		log: d.Log, version: d.Version, now: d.Now, pages: map[string]*template.Template{}}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).Funcs(template.FuncMap{"itemRef": s.itemRef}).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	if s.static, err = fs.Sub(staticFS, "static"); err != nil {
		return nil, err
	}
	return s, nil
}

// Routes registers every page with handle, with its access rule.
func (s *Server) Routes(handle func(pattern string, a kit.Access, h http.HandlerFunc)) {
	pub, in, orgRoute := kit.Access{Kind: kit.Public}, kit.Access{Kind: kit.SignedIn}, kit.OrgRoute
	handle("GET /static/", pub, http.StripPrefix("/static/", http.FileServerFS(s.static)).ServeHTTP)
	handle("GET /{$}", pub, s.home) // sends anonymous visitors to sign in or set up
	handle("GET /catalog", pub, s.catalogIndex)
	handle("GET /catalog/{framework}", pub, s.framework)
	handle("GET /catalog/{framework}/{item}", pub, s.item)
	handle("GET /login", pub, s.loginPage)
	handle("POST /login", pub, s.login)
	handle("POST /logout", pub, s.logout)
	handle("GET /login/mfa", pub, s.mfaPage)
	handle("POST /login/mfa", pub, s.mfa)
	handle("GET /sso", pub, s.ssoChoose)
	handle("GET /sso/{org}", pub, s.ssoStart)
	handle("GET /sso/callback", pub, s.ssoCallback)
	handle("GET /setup", pub, s.setupPage)
	handle("POST /setup", pub, s.setup)
	handle("GET /account", in, s.accountPage)
	handle("POST /account/mfa/start", in, s.mfaStart)
	handle("POST /account/mfa/confirm", in, s.mfaConfirm)
	handle("POST /account/mfa/disable", in, s.mfaDisable)
	handle("POST /account/sessions/logout-all", in, s.logoutEverywhere)
	handle("POST /account/password", in, s.changePassword)
	handle("POST /account/failed-signins", in, s.readFailedSignins)
	handle("GET /account/reauth", in, s.reauthPage)
	handle("POST /account/reauth", in, s.reauth)
	handle("GET /orgs/{org}", orgRoute(auth.ViewOrg), s.orgPage)
	handle("GET /orgs/{org}/members", orgRoute(auth.ViewMembers), s.membersPage)
	handle("POST /orgs/{org}/invitations", orgRoute(auth.ManageMembers), s.invite)
	handle("POST /orgs/{org}/invitations/{id}/revoke", orgRoute(auth.ManageMembers), s.revokeInvitation)
	handle("POST /orgs/{org}/members/{id}/role", orgRoute(auth.ManageMembers), s.changeRole)
	handle("POST /orgs/{org}/members/{id}/remove", orgRoute(auth.ManageMembers), s.removeMember)
	handle("POST /orgs/{org}/leave", orgRoute(auth.ViewOrg), s.leave)
	handle("GET /invitations/{token}", pub, s.invitationPage)
	handle("POST /invitations/{token}/accept", in, s.acceptInvitation)
	handle("POST /invitations/{token}/decline", in, s.declineInvitation)
	handle("POST /orgs/{org}/settings", orgRoute(auth.ManageSettings), s.updateSettings)
	handle("GET /orgs/{org}/audit", orgRoute(auth.ViewAudit), s.auditPage)
	handle("GET /orgs/{org}/audit-package", orgRoute(auth.ViewAudit), s.auditPackage)
	handle("GET /orgs/{org}/sso", orgRoute(auth.ManageSettings), s.ssoPage)
	handle("POST /orgs/{org}/sso", orgRoute(auth.ManageSettings), s.ssoConfigure)
	handle("GET /orgs/{org}/tokens", orgRoute(auth.ManageTokens), s.tokensPage)
	handle("POST /orgs/{org}/tokens", orgRoute(auth.ManageTokens), s.createToken)
	handle("POST /orgs/{org}/tokens/{id}/revoke", orgRoute(auth.ManageTokens), s.revokeToken)
	handle("GET /orgs/{org}/profile", orgRoute(auth.ViewProgram), s.profilePage)
	handle("POST /orgs/{org}/profile", orgRoute(auth.EditProfile), s.saveProfile)
	handle("GET /orgs/{org}/tailoring", orgRoute(auth.ViewProgram), s.tailoringPage)
	handle("POST /orgs/{org}/tailoring", orgRoute(auth.EditProfile), s.overrideTailoring)
	handle("GET /orgs/{org}/assessments", orgRoute(auth.ViewProgram), s.assessmentsPage)
	handle("POST /orgs/{org}/assessments", orgRoute(auth.ManageAssessments), s.startAssessment)
	handle("GET /orgs/{org}/assessments/{id}", orgRoute(auth.ViewProgram), s.assessmentPage)
	handle("POST /orgs/{org}/assessments/{id}/finalize", orgRoute(auth.ManageAssessments), s.finalizeAssessment)
	handle("GET /orgs/{org}/assessments/{id}/export", orgRoute(auth.ViewProgram), s.exportAssessment)
	handle("POST /orgs/{org}/assessments/{id}/import", orgRoute(auth.Answer), s.importAssessment)
	handle("POST /orgs/{org}/assessments/{id}/imports/{import}/apply", orgRoute(auth.Answer), s.applyImport)
	handle("GET /orgs/{org}/assessments/{id}/items/{item}", orgRoute(auth.ViewProgram), s.answerPage)
	handle("POST /orgs/{org}/assessments/{id}/items/{item}", orgRoute(auth.Answer), s.saveAnswer)
	handle("POST /orgs/{org}/assessments/{id}/items/{item}/confirm", orgRoute(auth.Answer), s.confirmAnswer)
	handle("GET /orgs/{org}/scorecard", orgRoute(auth.ViewProgram), s.scorecardPage)
	handle("GET /orgs/{org}/guide", orgRoute(auth.ViewProgram), s.guidePage)
	handle("GET /orgs/{org}/guide/goals", orgRoute(auth.ViewProgram), s.guideItem(catalog.HPHCPG))
	handle("POST /orgs/{org}/guide/goals", orgRoute(auth.Answer), s.guideAnswer(catalog.HPHCPG))
	handle("GET /orgs/{org}/guide/rule", orgRoute(auth.ViewProgram), s.guideItem(catalog.HIPAASecurityRule))
	handle("POST /orgs/{org}/guide/rule", orgRoute(auth.Answer), s.guideAnswer(catalog.HIPAASecurityRule))
	handle("GET /orgs/{org}/guide/reports", orgRoute(auth.ViewProgram), s.guideReports)
	handle("GET /orgs/{org}/evidence", orgRoute(auth.ViewProgram), s.evidencePage)
	handle("POST /orgs/{org}/evidence", orgRoute(auth.UploadEvidence), s.uploadEvidence)
	handle("GET /orgs/{org}/evidence/{id}", orgRoute(auth.ViewProgram), s.evidenceDetail)
	handle("POST /orgs/{org}/evidence/{id}", orgRoute(auth.UploadEvidence), s.updateEvidence)
	handle("POST /orgs/{org}/evidence/{id}/versions", orgRoute(auth.UploadEvidence), s.addEvidenceVersion)
	handle("GET /orgs/{org}/evidence/{id}/download", orgRoute(auth.ViewProgram), s.downloadEvidence)
	handle("GET /orgs/{org}/risk", orgRoute(auth.ViewProgram), s.riskPage)
	handle("POST /orgs/{org}/risk/analyses", orgRoute(auth.ManageAssessments), s.startAnalysis)
	handle("GET /orgs/{org}/risk/analyses/{id}", orgRoute(auth.ViewProgram), s.analysisPage)
	handle("POST /orgs/{org}/risk/analyses/{id}", orgRoute(auth.ManageAssessments), s.saveAnalysis)
	handle("POST /orgs/{org}/risk/analyses/{id}/finalize", orgRoute(auth.ManageAssessments), s.finalizeAnalysis)
	handle("GET /orgs/{org}/risk/analyses/{id}/report", orgRoute(auth.ViewProgram), s.analysisReport)
	handle("GET /orgs/{org}/risk/assets", orgRoute(auth.ViewProgram), s.assetsPage)
	handle("POST /orgs/{org}/risk/assets", orgRoute(auth.EditRisks), s.createAsset)
	handle("POST /orgs/{org}/risk/assets/bulk", orgRoute(auth.EditRisks), s.bulkEditAssets)
	handle("POST /orgs/{org}/risk/assets/import", orgRoute(auth.EditRisks), s.importAssets)
	handle("POST /orgs/{org}/risk/asset-imports/{import}", orgRoute(auth.EditRisks), s.applyAssetImport)
	handle("GET /orgs/{org}/risk/assets/{id}", orgRoute(auth.ViewProgram), s.assetPage)
	handle("POST /orgs/{org}/risk/assets/{id}", orgRoute(auth.EditRisks), s.saveAsset)
	handle("POST /orgs/{org}/risk/assets/{id}/delete", orgRoute(auth.EditRisks), s.deleteAsset)
	handle("POST /orgs/{org}/risk/assets/{id}/flows", orgRoute(auth.EditRisks), s.addFlow)
	handle("GET /orgs/{org}/vendors", orgRoute(auth.ViewProgram), s.vendorsPage)
	handle("POST /orgs/{org}/vendors", orgRoute(auth.EditRisks), s.createVendor)
	handle("GET /orgs/{org}/vendors/new", orgRoute(auth.EditRisks), s.newVendorPage)
	handle("GET /orgs/{org}/vendors/export", orgRoute(auth.ViewProgram), s.exportVendors)
	handle("POST /orgs/{org}/vendors/import", orgRoute(auth.EditRisks), s.importVendors)
	handle("POST /orgs/{org}/vendor-imports/{import}", orgRoute(auth.EditRisks), s.applyVendorImport)
	handle("GET /orgs/{org}/vendors/{id}", orgRoute(auth.ViewProgram), s.vendorPage)
	handle("POST /orgs/{org}/vendors/{id}", orgRoute(auth.EditRisks), s.saveVendor)
	handle("POST /orgs/{org}/vendors/{id}/delete", orgRoute(auth.EditRisks), s.deleteVendor)
	handle("POST /orgs/{org}/vendors/{id}/reviews", orgRoute(auth.EditRisks), s.addVendorReview)
	handle("POST /orgs/{org}/vendors/{id}/incidents", orgRoute(auth.EditRisks), s.addVendorIncident)
	handle("POST /orgs/{org}/vendors/{id}/sboms", orgRoute(auth.EditRisks), s.linkVendorSBOM)
	handle("POST /orgs/{org}/vendors/{id}/questionnaires", orgRoute(auth.EditRisks), s.sendQuestionnaire)
	handle("POST /orgs/{org}/vendors/{id}/questionnaires/{request}/revoke", orgRoute(auth.EditRisks), s.revokeQuestionnaire)
	handle("GET /orgs/{org}/vendors/{id}/questionnaires/{request}/workbook", orgRoute(auth.ViewProgram), s.questionnaireWorkbook)
	handle("POST /orgs/{org}/vendors/{id}/answer-imports", orgRoute(auth.EditRisks), s.importAnswers)
	handle("POST /orgs/{org}/vendors/{id}/answer-imports/{import}", orgRoute(auth.EditRisks), s.applyAnswers)
	handle("GET /orgs/{org}/questionnaires", orgRoute(auth.ViewProgram), s.questionnairesPage)
	handle("POST /orgs/{org}/questionnaires", orgRoute(auth.EditRisks), s.defineQuestionnaire)
	handle("GET /orgs/{org}/questionnaires/{ref}/{version}", orgRoute(auth.ViewProgram), s.questionsFile)
	// A vendor's questionnaire link: public, and reaching only its own
	// request (internal/questionnaire).
	handle("GET /questionnaire/{token}", pub, s.linkPage)
	handle("POST /questionnaire/{token}", pub, s.answerLink)
	handle("GET /orgs/{org}/vendors/{id}/agreements/new", orgRoute(auth.EditRisks), s.newAgreementPage)
	handle("POST /orgs/{org}/vendors/{id}/agreements", orgRoute(auth.EditRisks), s.saveAgreement)
	handle("GET /orgs/{org}/vendors/{id}/agreements/{agreement}", orgRoute(auth.ViewProgram), s.agreementPage)
	handle("POST /orgs/{org}/vendors/{id}/agreements/{agreement}", orgRoute(auth.EditRisks), s.saveAgreement)
	handle("POST /orgs/{org}/vendors/{id}/agreements/{agreement}/delete", orgRoute(auth.EditRisks), s.deleteAgreement)
	handle("GET /orgs/{org}/incidents", orgRoute(auth.ViewProgram), s.incidentsPage)
	handle("GET /orgs/{org}/incidents/plan", orgRoute(auth.ViewProgram), s.planPage)
	handle("POST /orgs/{org}/incidents/plan", orgRoute(auth.ManageIncidents), s.savePlan)
	handle("POST /orgs/{org}/incidents/plan/{version}/approve", orgRoute(auth.ManageIncidents), s.approvePlan)
	handle("GET /orgs/{org}/incidents/plan/{version}/pdf", orgRoute(auth.ViewProgram), s.planPDF)
	handle("GET /orgs/{org}/contingency", orgRoute(auth.ViewProgram), s.contingencyPage)
	handle("POST /orgs/{org}/contingency", orgRoute(auth.ManageIncidents), s.saveProcedures)
	handle("GET /orgs/{org}/contingency/{asset}", orgRoute(auth.ViewProgram), s.contingencyPage)
	handle("POST /orgs/{org}/contingency/{asset}", orgRoute(auth.ManageIncidents), s.saveSystem)
	handle("POST /orgs/{org}/contingency/{asset}/tests", orgRoute(auth.ManageIncidents), s.addRestoreTest)
	handle("GET /orgs/{org}/incidents/exercises", orgRoute(auth.ViewProgram), s.exercisesPage)
	handle("POST /orgs/{org}/incidents/exercises", orgRoute(auth.ManageIncidents), s.saveExercise)
	handle("GET /orgs/{org}/incidents/exercises/{id}", orgRoute(auth.ViewProgram), s.exercisePage)
	handle("POST /orgs/{org}/incidents/exercises/{id}", orgRoute(auth.ManageIncidents), s.saveExercise)
	handle("POST /orgs/{org}/incidents/exercises/{id}/findings/{finding}/track", orgRoute(auth.ManageIncidents), s.trackFinding)
	handle("GET /orgs/{org}/incidents/new", orgRoute(auth.ManageIncidents), s.newIncidentPage)
	handle("POST /orgs/{org}/incidents", orgRoute(auth.ManageIncidents), s.saveIncident)
	handle("GET /orgs/{org}/incidents/{id}", orgRoute(auth.ViewProgram), s.incidentPage)
	handle("POST /orgs/{org}/incidents/{id}", orgRoute(auth.ManageIncidents), s.saveIncident)
	handle("GET /orgs/{org}/risk/threats", orgRoute(auth.ViewProgram), s.threatsPage)
	handle("GET /orgs/{org}/risk/vulnerabilities", orgRoute(auth.ViewProgram), s.vulnerabilitiesPage)
	handle("POST /orgs/{org}/risk/vulnerabilities", orgRoute(auth.EditRisks), s.addVulnerability)
	handle("POST /orgs/{org}/risk/vulnerabilities/propose", orgRoute(auth.EditRisks), s.proposeVulnerabilities)
	handle("POST /orgs/{org}/risk/vulnerabilities/{id}", orgRoute(auth.EditRisks), s.setVulnerabilityStatus)
	handle("GET /orgs/{org}/risk/register", orgRoute(auth.ViewProgram), s.registerPage)
	handle("GET /orgs/{org}/risk/register/export", orgRoute(auth.ViewProgram), s.registerExport)
	handle("POST /orgs/{org}/risk/register/import", orgRoute(auth.EditRisks), s.importRisks)
	handle("POST /orgs/{org}/risk/register-imports/{import}", orgRoute(auth.EditRisks), s.applyRiskImport)
	handle("GET /orgs/{org}/risk/register/new", orgRoute(auth.EditRisks), s.newRiskPage)
	handle("POST /orgs/{org}/risk/register", orgRoute(auth.EditRisks), s.createRisk)
	handle("GET /orgs/{org}/risk/register/{id}", orgRoute(auth.ViewProgram), s.riskDetail)
	handle("POST /orgs/{org}/risk/register/{id}", orgRoute(auth.EditRisks), s.saveRisk)
	handle("POST /orgs/{org}/risk/register/{id}/actions", orgRoute(auth.EditRisks), s.saveAction)
	handle("GET /orgs/{org}/risk/poam", orgRoute(auth.ViewProgram), s.poamPage)
	handle("GET /orgs/{org}/risk/scales", orgRoute(auth.ViewProgram), s.scalesPage)
	handle("POST /orgs/{org}/risk/scales", orgRoute(auth.ManageAssessments), s.saveScales)
	handle("GET /orgs/{org}/training/mine", orgRoute(auth.OwnTraining), s.myTrainingPage)
	handle("POST /orgs/{org}/training/mine/{module}", orgRoute(auth.OwnTraining), s.attestTraining)
	handle("GET /orgs/{org}/training", orgRoute(auth.ViewWorkforce), s.trainingPage)
	handle("POST /orgs/{org}/training/starter", orgRoute(auth.ManageWorkforce), s.installStarter)
	handle("POST /orgs/{org}/training/rules", orgRoute(auth.ManageWorkforce), s.addRule)
	handle("POST /orgs/{org}/training/modules", orgRoute(auth.ManageWorkforce), s.addModule)
	handle("POST /orgs/{org}/training/rules/{id}/delete", orgRoute(auth.ManageWorkforce), s.deleteRule)
	handle("POST /orgs/{org}/training/completions", orgRoute(auth.ManageWorkforce), s.importCompletions)
	handle("POST /orgs/{org}/training/reminders", orgRoute(auth.ManageWorkforce), s.scheduleReminder)
	handle("GET /orgs/{org}/training/reminders/{id}", orgRoute(auth.ViewWorkforce), s.reminderPage)
	handle("GET /orgs/{org}/workforce", orgRoute(auth.ViewWorkforce), s.workforcePage)
	handle("POST /orgs/{org}/workforce/import", orgRoute(auth.ManageWorkforce), s.importRoster)
	handle("POST /orgs/{org}/roster-imports/{import}", orgRoute(auth.ManageWorkforce), s.applyRoster)
	handle("GET /orgs/{org}/workforce/{id}", orgRoute(auth.ViewWorkforce), s.personPage)
	handle("POST /orgs/{org}/workforce/{id}", orgRoute(auth.ManageWorkforce), s.savePerson)
	handle("POST /orgs/{org}/workforce/{id}/completions", orgRoute(auth.ManageWorkforce), s.recordCompletion)
	handle("POST /orgs/{org}/workforce/{id}/sanctions", orgRoute(auth.ManageWorkforce), s.addSanction)
	handle("POST /orgs/{org}/checklist-items/{id}", orgRoute(auth.ManageWorkforce), s.tickChecklist)
	handle("GET /orgs/{org}/imports", orgRoute(auth.ViewProgram), s.importsPage)
	handle("POST /orgs/{org}/imports", orgRoute(auth.ImportData), s.uploadImport)
	handle("GET /orgs/{org}/imports/{id}", orgRoute(auth.ViewProgram), s.importJobPage)
	handle("POST /orgs/{org}/imports/{id}/apply", orgRoute(auth.ImportData), s.applyImportJob)
	handle("POST /orgs/{org}/imports/{id}/discard", orgRoute(auth.ImportData), s.discardImportJob)
	handle("GET /orgs/{org}/accounts", orgRoute(auth.ViewWorkforce), s.accountsPage)
	handle("GET /orgs/{org}/checks", orgRoute(auth.ViewProgram), s.checksPage)
	handle("POST /orgs/{org}/checks/run", orgRoute(auth.ImportData), s.runChecksForm)
	handle("GET /orgs/{org}/checks/{id}", orgRoute(auth.ViewProgram), s.checkPage)
	handle("GET /orgs/{org}/findings", orgRoute(auth.ViewProgram), s.findingsPage)
	handle("GET /orgs/{org}/email", orgRoute(auth.ViewProgram), s.emailPage)
	handle("POST /orgs/{org}/email/probe", orgRoute(auth.ImportData), s.probeEmailForm)
	handle("GET /orgs/{org}/tls", orgRoute(auth.ViewProgram), s.tlsPage)
	handle("GET /orgs/{org}/proposed-rule", orgRoute(auth.ViewProgram), s.proposedRulePage)
	handle("POST /orgs/{org}/frameworks/{id}/remove", orgRoute(auth.ImportData), s.removeFramework)
	handle("POST /orgs/{org}/proposed-rule", orgRoute(auth.EditProfile), s.switchProposedRule)
	handle("GET /orgs/{org}/devices", orgRoute(auth.ViewProgram), s.devicesPage)
	handle("GET /orgs/{org}/risk/assets/reconcile", orgRoute(auth.ViewProgram), s.reconcilePage)
	handle("POST /orgs/{org}/risk/assets/reconcile", orgRoute(auth.EditRisks), s.reconcileAdd)
	handle("POST /orgs/{org}/tls/probe", orgRoute(auth.ImportData), s.probeTLSForm)
}

// itemRef names a catalog item for a person (its citation and title),
// linked to its page in the catalog; an id the catalog lacks stays as it is.
func (s *Server) itemRef(id string) template.HTML {
	it, ok := s.catalog.Item(id)
	if !ok {
		return template.HTML(template.HTMLEscapeString(id))
	}
	return template.HTML(`<a href="` + template.HTMLEscapeString(itemURL(s.catalog.FrameworkOf(it), it)) + `">` +
		template.HTMLEscapeString(it.Citation+" "+it.Title) + `</a>`)
}

// Fail answers with the error's status and its user-safe message as a
// page; the detail goes to the log.
func (s *Server) Fail(w http.ResponseWriter, r *http.Request, err error) { s.fail(w, r, err) }

// page is what every template gets.
type page struct {
	Title   string
	Version string
	Viewer  *kit.Viewer
	Demo    bool
	Query   string
	Data    any
	Refresh int // seconds after which the browser reloads the page; 0: never
}

func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, status int, p page) {
	// Every page of an installation that holds a demonstration organisation
	// says so, signed in or not.
	demo, err := s.store.HasDemoOrganization(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Version, p.Viewer, p.Demo = s.version, kit.ViewerFrom(r.Context()), demo
	t, ok := s.pages[name]
	if !ok {
		s.fail(w, r, fmt.Errorf("no template %q", name))
		return
	}
	var buf strings.Builder
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprint(w, buf.String())
}

// fail answers with the error's status and its user-safe message; the detail
// goes to the log.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := errs.HTTPStatus(err)
	if status >= 500 {
		s.log.Error("request failed", slog.String("path", r.URL.Path), slog.Any("err", err))
	}
	if t, ok := s.pages["error"]; ok {
		var buf strings.Builder
		if t.ExecuteTemplate(&buf, "layout", page{Title: http.StatusText(status), Version: s.version, Viewer: kit.ViewerFrom(r.Context()), Data: errs.Message(err)}) == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			fmt.Fprint(w, buf.String())
			return
		}
	}
	http.Error(w, errs.Message(err), status)
}
