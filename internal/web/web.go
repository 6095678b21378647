// Package web serves Safeguard's server-rendered pages: html/template, assets
// embedded in the binary, no script of its own yet and nothing from a CDN.
package web

import (
	"context"
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
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/web/api"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Store is what the pages need of the store. Organisation pages work through
// Scope, which reaches one organisation's records only.
type Store interface {
	Ping(ctx context.Context) error
	HasDemoOrganization(ctx context.Context) (bool, error)
	OrganizationBySlug(ctx context.Context, slug string) (*org.Organization, error)
	Memberships(ctx context.Context, userID string) ([]auth.Membership, error)
	Membership(ctx context.Context, orgID, userID string) (auth.Role, error)
	Scope(o *org.Organization) *store.Scoped
	RecordEvent(ctx context.Context, orgID, action, target string, detail any) error
	SSO(ctx context.Context, orgID string) (*store.SSOConfig, error)
}

// Accounts is what the pages need of the sign-in service.
type Accounts interface {
	Login(ctx context.Context, email, password, ip, userAgent string) (*auth.User, string, string, error)
	VerifyMFA(ctx context.Context, token, code string) (string, error)
	PendingMFA(ctx context.Context, token string) (*auth.User, *auth.Session, error)
	StartTOTP(ctx context.Context, u *auth.User) (secret, url string, err error)
	ConfirmTOTP(ctx context.Context, u *auth.User, code string) ([]string, error)
	DisableTOTP(ctx context.Context, u *auth.User, code string) error
	MFAStatus(ctx context.Context, userID string) (enabled bool, recoveryLeft int, err error)
	APIToken(ctx context.Context, bearer string) (*auth.APIToken, error)
	Sessions(ctx context.Context, userID string) ([]*auth.Session, error)
	LogoutEverywhere(ctx context.Context, userID string) error
	SignInSSO(ctx context.Context, u *auth.User, orgID, ip, userAgent string) (string, error)
	Reauthenticate(ctx context.Context, u *auth.User, ss *auth.Session, password, code string) error
	Authenticate(ctx context.Context, token string) (*auth.User, *auth.Session, error)
	Logout(ctx context.Context, token string) error
	NeedsSetup(ctx context.Context) (bool, error)
	Setup(ctx context.Context, o *org.Organization, u *auth.User, password, ip, userAgent string) (string, error)
}

// Config is what the web app is built from.
type Config struct {
	Catalog  *catalog.Registry
	Store    Store
	Accounts Accounts
	SSO      SSO
	// SSOCallbackURL is shown to owners setting up SSO.
	SSOCallbackURL string
	Program        *assessment.Program
	Evidence       *evidence.Service
	// Risk is the risk analysis service; one over Catalog when nil.
	Risk *riskanalysis.Service
	// Training is the training service; one on Now's clock when nil.
	Training *training.Service
	Log      *slog.Logger
	Version  string
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Jobs takes uploaded files to import in the background;
	// MaxImportBytes bounds one (DefaultMaxImportBytes when 0).
	Jobs           Jobs
	MaxImportBytes int64
}

// Server is the web app's http.Handler.
type Server struct {
	catalog        *catalog.Registry
	store          Store
	accounts       Accounts
	sso            SSO
	ssoCallbackURL string
	program        *assessment.Program
	evidence       *evidence.Service
	risk           *riskanalysis.Service
	training       *training.Service
	records        *dataimport.Records
	log            *slog.Logger
	version        string
	now            func() time.Time
	pages          map[string]*template.Template
	mux            *http.ServeMux
	routes         []Route
	jobs           Jobs
	imports        *kit.Imports
	files          *kit.Files
	maxImportBytes int64
}

// New builds the server and parses every template: a broken template fails
// here, at start, not when a user opens the page.
func New(c Config) (*Server, error) {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Program == nil || c.Evidence == nil || c.Jobs == nil {
		return nil, fmt.Errorf("web: the program, the evidence vault and the job engine are required")
	}
	if c.MaxImportBytes <= 0 {
		c.MaxImportBytes = DefaultMaxImportBytes
	}
	if c.Risk == nil {
		rs, err := riskanalysis.NewService(c.Catalog)
		if err != nil {
			return nil, fmt.Errorf("web: %w", err)
		}
		c.Risk = rs
	}
	if c.Training == nil {
		c.Training = &training.Service{Now: c.Now}
	}
	s := &Server{training: c.Training, catalog: c.Catalog, store: c.Store, accounts: c.Accounts, sso: c.SSO, ssoCallbackURL: c.SSOCallbackURL,
		program: c.Program, evidence: c.Evidence, risk: c.Risk, log: c.Log, version: c.Version, now: c.Now,
		pages: map[string]*template.Template{}, mux: http.NewServeMux(), jobs: c.Jobs, maxImportBytes: c.MaxImportBytes,
		records: &dataimport.Records{Threats: c.Risk.Threats, Training: c.Training},
		imports: &kit.Imports{Jobs: c.Jobs, Max: c.MaxImportBytes},
		files:   &kit.Files{Evidence: c.Evidence, Program: c.Program, Catalog: c.Catalog, Events: c.Store, Now: c.Now}}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return nil, err
	}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" || name == "partials" {
			continue
		}
		t, err := template.New(name).Funcs(funcs).ParseFS(templateFS, "templates/layout.html", "templates/partials.html", p)
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", name, err)
		}
		s.pages[name] = t
	}
	static, err := fs.Sub(staticFS, "static")
	if err != nil {
		return nil, err
	}
	pub, in := Access{Kind: Public}, Access{Kind: SignedIn}
	orgRoute := func(p auth.Permission) Access { return Access{Kind: Org, Perm: p} }
	s.handle("GET /static/", pub, http.StripPrefix("/static/", http.FileServerFS(static)).ServeHTTP)
	s.handle("GET /healthz", pub, s.healthz)
	s.handle("GET /{$}", pub, s.home) // sends anonymous visitors to sign in or set up
	s.handle("GET /catalog", pub, s.catalogIndex)
	s.handle("GET /catalog/{framework}", pub, s.framework)
	s.handle("GET /catalog/{framework}/{item}", pub, s.item)
	s.handle("GET /login", pub, s.loginPage)
	s.handle("POST /login", pub, s.login)
	s.handle("POST /logout", pub, s.logout)
	s.handle("GET /login/mfa", pub, s.mfaPage)
	s.handle("POST /login/mfa", pub, s.mfa)
	s.handle("GET /sso", pub, s.ssoChoose)
	s.handle("GET /sso/{org}", pub, s.ssoStart)
	s.handle("GET /sso/callback", pub, s.ssoCallback)
	s.handle("GET /setup", pub, s.setupPage)
	s.handle("POST /setup", pub, s.setup)
	s.handle("GET /account", in, s.accountPage)
	s.handle("POST /account/mfa/start", in, s.mfaStart)
	s.handle("POST /account/mfa/confirm", in, s.mfaConfirm)
	s.handle("POST /account/mfa/disable", in, s.mfaDisable)
	s.handle("POST /account/sessions/logout-all", in, s.logoutEverywhere)
	s.handle("GET /account/reauth", in, s.reauthPage)
	s.handle("POST /account/reauth", in, s.reauth)
	s.handle("GET /orgs/{org}", orgRoute(auth.ViewOrg), s.orgPage)
	s.handle("GET /orgs/{org}/members", orgRoute(auth.ViewMembers), s.membersPage)
	s.handle("POST /orgs/{org}/members", orgRoute(auth.ManageMembers), s.addMember)
	s.handle("POST /orgs/{org}/settings", orgRoute(auth.ManageSettings), s.updateSettings)
	s.handle("GET /orgs/{org}/audit", orgRoute(auth.ViewAudit), s.auditPage)
	s.handle("GET /orgs/{org}/sso", orgRoute(auth.ManageSettings), s.ssoPage)
	s.handle("POST /orgs/{org}/sso", orgRoute(auth.ManageSettings), s.ssoConfigure)
	s.handle("GET /orgs/{org}/tokens", orgRoute(auth.ManageTokens), s.tokensPage)
	s.handle("POST /orgs/{org}/tokens", orgRoute(auth.ManageTokens), s.createToken)
	s.handle("POST /orgs/{org}/tokens/{id}/revoke", orgRoute(auth.ManageTokens), s.revokeToken)
	s.handle("GET /orgs/{org}/profile", orgRoute(auth.EditProfile), s.profilePage)
	s.handle("POST /orgs/{org}/profile", orgRoute(auth.EditProfile), s.saveProfile)
	s.handle("GET /orgs/{org}/tailoring", orgRoute(auth.ViewProgram), s.tailoringPage)
	s.handle("POST /orgs/{org}/tailoring", orgRoute(auth.EditProfile), s.overrideTailoring)
	s.handle("GET /orgs/{org}/assessments", orgRoute(auth.ViewProgram), s.assessmentsPage)
	s.handle("POST /orgs/{org}/assessments", orgRoute(auth.ManageAssessments), s.startAssessment)
	s.handle("GET /orgs/{org}/assessments/{id}", orgRoute(auth.ViewProgram), s.assessmentPage)
	s.handle("POST /orgs/{org}/assessments/{id}/finalize", orgRoute(auth.ManageAssessments), s.finalizeAssessment)
	s.handle("GET /orgs/{org}/assessments/{id}/export", orgRoute(auth.ViewProgram), s.exportAssessment)
	s.handle("POST /orgs/{org}/assessments/{id}/import", orgRoute(auth.Answer), s.importAssessment)
	s.handle("POST /orgs/{org}/assessments/{id}/imports/{import}/apply", orgRoute(auth.Answer), s.applyImport)
	s.handle("GET /orgs/{org}/assessments/{id}/items/{item}", orgRoute(auth.ViewProgram), s.answerPage)
	s.handle("POST /orgs/{org}/assessments/{id}/items/{item}", orgRoute(auth.Answer), s.saveAnswer)
	s.handle("POST /orgs/{org}/assessments/{id}/items/{item}/confirm", orgRoute(auth.Answer), s.confirmAnswer)
	s.handle("GET /orgs/{org}/scorecard", orgRoute(auth.ViewProgram), s.scorecardPage)
	s.handle("GET /orgs/{org}/evidence", orgRoute(auth.ViewProgram), s.evidencePage)
	s.handle("POST /orgs/{org}/evidence", orgRoute(auth.UploadEvidence), s.uploadEvidence)
	s.handle("GET /orgs/{org}/evidence/{id}", orgRoute(auth.ViewProgram), s.evidenceDetail)
	s.handle("POST /orgs/{org}/evidence/{id}", orgRoute(auth.UploadEvidence), s.updateEvidence)
	s.handle("POST /orgs/{org}/evidence/{id}/versions", orgRoute(auth.UploadEvidence), s.addEvidenceVersion)
	s.handle("GET /orgs/{org}/evidence/{id}/download", orgRoute(auth.ViewProgram), s.downloadEvidence)
	s.handle("GET /orgs/{org}/risk", orgRoute(auth.ViewProgram), s.riskPage)
	s.handle("POST /orgs/{org}/risk/analyses", orgRoute(auth.ManageAssessments), s.startAnalysis)
	s.handle("GET /orgs/{org}/risk/analyses/{id}", orgRoute(auth.ViewProgram), s.analysisPage)
	s.handle("POST /orgs/{org}/risk/analyses/{id}", orgRoute(auth.ManageAssessments), s.saveAnalysis)
	s.handle("POST /orgs/{org}/risk/analyses/{id}/finalize", orgRoute(auth.ManageAssessments), s.finalizeAnalysis)
	s.handle("GET /orgs/{org}/risk/analyses/{id}/report", orgRoute(auth.ViewProgram), s.analysisReport)
	s.handle("GET /orgs/{org}/risk/assets", orgRoute(auth.ViewProgram), s.assetsPage)
	s.handle("POST /orgs/{org}/risk/assets", orgRoute(auth.EditRisks), s.createAsset)
	s.handle("POST /orgs/{org}/risk/assets/bulk", orgRoute(auth.EditRisks), s.bulkEditAssets)
	s.handle("POST /orgs/{org}/risk/assets/import", orgRoute(auth.EditRisks), s.importAssets)
	s.handle("POST /orgs/{org}/risk/asset-imports/{import}", orgRoute(auth.EditRisks), s.applyAssetImport)
	s.handle("GET /orgs/{org}/risk/assets/{id}", orgRoute(auth.ViewProgram), s.assetPage)
	s.handle("POST /orgs/{org}/risk/assets/{id}", orgRoute(auth.EditRisks), s.saveAsset)
	s.handle("POST /orgs/{org}/risk/assets/{id}/delete", orgRoute(auth.EditRisks), s.deleteAsset)
	s.handle("POST /orgs/{org}/risk/assets/{id}/flows", orgRoute(auth.EditRisks), s.addFlow)
	s.handle("GET /orgs/{org}/risk/threats", orgRoute(auth.ViewProgram), s.threatsPage)
	s.handle("GET /orgs/{org}/risk/vulnerabilities", orgRoute(auth.ViewProgram), s.vulnerabilitiesPage)
	s.handle("POST /orgs/{org}/risk/vulnerabilities", orgRoute(auth.EditRisks), s.addVulnerability)
	s.handle("POST /orgs/{org}/risk/vulnerabilities/propose", orgRoute(auth.EditRisks), s.proposeVulnerabilities)
	s.handle("POST /orgs/{org}/risk/vulnerabilities/{id}", orgRoute(auth.EditRisks), s.setVulnerabilityStatus)
	s.handle("GET /orgs/{org}/risk/register", orgRoute(auth.ViewProgram), s.registerPage)
	s.handle("GET /orgs/{org}/risk/register/export", orgRoute(auth.ViewProgram), s.registerExport)
	s.handle("POST /orgs/{org}/risk/register/import", orgRoute(auth.EditRisks), s.importRisks)
	s.handle("POST /orgs/{org}/risk/register-imports/{import}", orgRoute(auth.EditRisks), s.applyRiskImport)
	s.handle("GET /orgs/{org}/risk/register/new", orgRoute(auth.EditRisks), s.newRiskPage)
	s.handle("POST /orgs/{org}/risk/register", orgRoute(auth.EditRisks), s.createRisk)
	s.handle("GET /orgs/{org}/risk/register/{id}", orgRoute(auth.ViewProgram), s.riskDetail)
	s.handle("POST /orgs/{org}/risk/register/{id}", orgRoute(auth.EditRisks), s.saveRisk)
	s.handle("POST /orgs/{org}/risk/register/{id}/actions", orgRoute(auth.EditRisks), s.saveAction)
	s.handle("GET /orgs/{org}/risk/poam", orgRoute(auth.ViewProgram), s.poamPage)
	s.handle("GET /orgs/{org}/risk/scales", orgRoute(auth.ViewProgram), s.scalesPage)
	s.handle("POST /orgs/{org}/risk/scales", orgRoute(auth.ManageAssessments), s.saveScales)
	s.handle("GET /orgs/{org}/training/mine", orgRoute(auth.OwnTraining), s.myTrainingPage)
	s.handle("POST /orgs/{org}/training/mine/{module}", orgRoute(auth.OwnTraining), s.attestTraining)
	s.handle("GET /orgs/{org}/training", orgRoute(auth.ViewWorkforce), s.trainingPage)
	s.handle("POST /orgs/{org}/training/starter", orgRoute(auth.ManageWorkforce), s.installStarter)
	s.handle("POST /orgs/{org}/training/rules", orgRoute(auth.ManageWorkforce), s.addRule)
	s.handle("POST /orgs/{org}/training/modules", orgRoute(auth.ManageWorkforce), s.addModule)
	s.handle("POST /orgs/{org}/training/rules/{id}/delete", orgRoute(auth.ManageWorkforce), s.deleteRule)
	s.handle("POST /orgs/{org}/training/completions", orgRoute(auth.ManageWorkforce), s.importCompletions)
	s.handle("POST /orgs/{org}/training/reminders", orgRoute(auth.ManageWorkforce), s.scheduleReminder)
	s.handle("GET /orgs/{org}/training/reminders/{id}", orgRoute(auth.ViewWorkforce), s.reminderPage)
	s.handle("GET /orgs/{org}/workforce", orgRoute(auth.ViewWorkforce), s.workforcePage)
	s.handle("POST /orgs/{org}/workforce/import", orgRoute(auth.ManageWorkforce), s.importRoster)
	s.handle("POST /orgs/{org}/roster-imports/{import}", orgRoute(auth.ManageWorkforce), s.applyRoster)
	s.handle("GET /orgs/{org}/workforce/{id}", orgRoute(auth.ViewWorkforce), s.personPage)
	s.handle("POST /orgs/{org}/workforce/{id}", orgRoute(auth.ManageWorkforce), s.savePerson)
	s.handle("POST /orgs/{org}/workforce/{id}/completions", orgRoute(auth.ManageWorkforce), s.recordCompletion)
	s.handle("POST /orgs/{org}/workforce/{id}/sanctions", orgRoute(auth.ManageWorkforce), s.addSanction)
	s.handle("POST /orgs/{org}/checklist-items/{id}", orgRoute(auth.ManageWorkforce), s.tickChecklist)
	s.handle("GET /orgs/{org}/imports", orgRoute(auth.ViewProgram), s.importsPage)
	s.handle("POST /orgs/{org}/imports", orgRoute(auth.ImportData), s.uploadImport)
	s.handle("GET /orgs/{org}/imports/{id}", orgRoute(auth.ViewProgram), s.importJobPage)
	s.handle("GET /orgs/{org}/accounts", orgRoute(auth.ViewWorkforce), s.accountsPage)
	s.handle("GET /orgs/{org}/checks", orgRoute(auth.ViewProgram), s.checksPage)
	s.handle("POST /orgs/{org}/checks/run", orgRoute(auth.ImportData), s.runChecksForm)
	s.handle("GET /orgs/{org}/checks/{id}", orgRoute(auth.ViewProgram), s.checkPage)
	s.handle("GET /orgs/{org}/findings", orgRoute(auth.ViewProgram), s.findingsPage)
	api := api.New(api.Deps{Log: s.log, Now: s.now, Catalog: s.catalog, Program: s.program, Evidence: s.evidence, Risk: s.risk,
		Training: s.training, Records: s.records, Imports: s.imports, Files: s.files, Events: s.store})
	api.Routes(s.handleAPI)
	s.handle("GET /api/v1/openapi.json", pub, api.OpenAPI)
	return s, nil
}

// ServeHTTP applies the security headers and cross-origin protection to
// every response, logs the request, and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if r.TLS != nil {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	h.Set("Cache-Control", "no-store")
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	crossOrigin.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mux.ServeHTTP(w, s.authenticate(r, w))
	})).ServeHTTP(rec, r)
	s.log.LogAttrs(r.Context(), slog.LevelDebug, "request",
		slog.String("method", r.Method), slog.String("path", r.URL.Path),
		slog.Int("status", rec.status), slog.Duration("took", time.Since(start)))
}

// crossOrigin rejects state-changing cross-origin browser requests (CSRF).
var crossOrigin = http.NewCrossOriginProtection()

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	r.status = code
	r.ResponseWriter.WriteHeader(code)
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.store.Ping(ctx); err != nil {
		s.log.Warn("health check: store unreachable", slog.Any("err", err))
		http.Error(w, "store unreachable", http.StatusServiceUnavailable)
		return
	}
	fmt.Fprintln(w, "ok")
}

// page is what every template gets.
type page struct {
	Title   string
	Version string
	Viewer  *viewer
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
	p.Version, p.Viewer, p.Demo = s.version, viewerFrom(r.Context()), demo
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
		if t.ExecuteTemplate(&buf, "layout", page{Title: http.StatusText(status), Version: s.version, Viewer: viewerFrom(r.Context()), Data: errs.Message(err)}) == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.WriteHeader(status)
			fmt.Fprint(w, buf.String())
			return
		}
	}
	http.Error(w, errs.Message(err), status)
}
