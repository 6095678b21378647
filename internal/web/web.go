// Package web is Safeguard's HTTP server: the security headers and
// cross-origin protection on every response, the signed-in user from the
// session cookie, and every route behind its guard (access.go for the
// pages' sessions and roles, api.go for the API's bearer tokens). The
// rooms it routes to are internal/web/pages (the server-rendered pages)
// and internal/web/api (the JSON API); both use internal/web/kit, the
// plumbing they share.
package web

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/members"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/questionnaire"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/tlssec"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/vendors"
	"github.com/safeguard-health/safeguard/internal/web/api"
	"github.com/safeguard-health/safeguard/internal/web/kit"
	"github.com/safeguard-health/safeguard/internal/web/pages"
)

// Store is what the web app needs of the store (kit.Store).
type Store = kit.Store

// Accounts is what the web app needs of the sign-in service (kit.Accounts).
type Accounts = kit.Accounts

// SSO is what the web app needs of single sign-on (kit.SSO).
type SSO = kit.SSO

// Jobs is what the web app asks of the job engine: an upload sealed
// where every server can read it, then enqueued for any server to import.
type Jobs = kit.Jobs

// DefaultMaxImportBytes bounds one uploaded scanner file or account
// export: the readers stream, so the bound is the disk the upload waits on.
const DefaultMaxImportBytes int64 = 4 << 30

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
	// Email probes organisations' email domains, queueing through the job
	// engine (a page or the API asks; a server's job probes); none when nil.
	Email *emailsec.Service
	// TLS probes organisations' TLS endpoints, as Email does.
	TLS *tlssec.Service
	// Jobs takes uploaded files to import in the background;
	// MaxImportBytes bounds one (DefaultMaxImportBytes when 0).
	Jobs           Jobs
	MaxImportBytes int64
	// ReadLimit bounds the database time of a page or API read (GET):
	// past it the read is abandoned and answered 503, so one slow page
	// cannot hold connections others wait for (DefaultReadLimit when 0).
	ReadLimit time.Duration
	// TrustedProxies are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed (none when empty): the client's
	// address, for throttling and the audit log, and whether it reached
	// the proxy over TLS, for Secure cookies and HSTS.
	TrustedProxies kit.Proxies
	// PublicURL is the scheme and host browsers reach the installation at
	// (serve --public-url), for the links handed out to be sent on
	// (invitations, vendor questionnaires); "" for the request's own.
	PublicURL string
}

// DefaultReadLimit is how long a page or API read may take by default.
const DefaultReadLimit = 30 * time.Second

// Server is the web app's http.Handler: it routes every request through
// its route's guard to the pages (internal/web/pages) or the JSON API
// (internal/web/api), which share the plumbing of internal/web/kit.
type Server struct {
	store     Store
	accounts  Accounts
	log       *slog.Logger
	site      *pages.Server
	mux       *http.ServeMux
	routes    []Route
	limit     time.Duration // ReadLimit
	proxies   kit.Proxies
	publicURL string // PublicURL
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
	if q, ok := c.Jobs.(emailsec.Queue); ok && c.Email == nil {
		c.Email = &emailsec.Service{Queue: q, Now: c.Now}
	}
	if q, ok := c.Jobs.(tlssec.Queue); ok && c.TLS == nil {
		c.TLS = &tlssec.Service{Queue: q, Now: c.Now}
	}
	answers := &questionnaire.Service{Store: c.Store, Scope: func(o *org.Organization) questionnaire.Scoped { return c.Store.Scope(o) },
		Evidence: c.Evidence, Now: c.Now}
	if q, ok := c.Jobs.(questionnaire.Queue); ok {
		answers.Queue = q
	}
	if c.Catalog != nil {
		answers.Known = func(id string) bool { _, ok := c.Catalog.Item(id); return ok }
	}
	records := &dataimport.Records{Threats: c.Risk.Threats, Training: c.Training, Answers: answers}
	register := &incidents.Service{Now: c.Now}
	if q, ok := c.Jobs.(incidents.Queue); ok {
		register.Queue = q
	}
	suppliers := &vendors.Service{}
	if q, ok := c.Jobs.(vendors.Queue); ok {
		suppliers.Queue = q
	}
	imports := &kit.Imports{Jobs: c.Jobs, Max: c.MaxImportBytes}
	files := &kit.Files{Evidence: c.Evidence, Program: c.Program, Vendors: suppliers, Events: c.Store, Now: c.Now}
	site, err := pages.New(pages.Deps{Catalog: c.Catalog, Store: c.Store, Accounts: c.Accounts, SSO: c.SSO, SSOCallbackURL: c.SSOCallbackURL,
		Program: c.Program, Evidence: c.Evidence, Members: &members.Service{Store: c.Store, Now: c.Now}, Risk: c.Risk, Training: c.Training, Records: records, Imports: imports, Files: files,
		Questionnaires: answers, Incidents: register, Vendors: suppliers, Email: c.Email, TLS: c.TLS, Log: c.Log, Version: c.Version, Now: c.Now})
	if err != nil {
		return nil, err
	}
	if c.ReadLimit <= 0 {
		c.ReadLimit = DefaultReadLimit
	}
	s := &Server{store: c.Store, accounts: c.Accounts, log: c.Log, site: site, mux: http.NewServeMux(), limit: c.ReadLimit, proxies: c.TrustedProxies,
		publicURL: strings.TrimSuffix(c.PublicURL, "/")}
	pub := Access{Kind: Public}
	s.handle("GET /healthz", pub, s.healthz)
	site.Routes(s.handle)
	api := api.New(api.Deps{Log: c.Log, Now: c.Now, Catalog: c.Catalog, Program: c.Program, Evidence: c.Evidence, Risk: c.Risk,
		Training: c.Training, Records: records, Imports: imports, Files: files, Questionnaires: answers, Incidents: register, Vendors: suppliers, Email: c.Email, TLS: c.TLS, Events: c.Store})
	api.Routes(s.handleAPI)
	s.handle("GET /api/v1/openapi.json", pub, api.OpenAPI)
	return s, nil
}

// ServeHTTP applies the security headers and cross-origin protection to
// every response, logs the request, and routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	client := s.proxies.Resolve(r)
	client.Origin = s.publicURL
	r = r.WithContext(kit.WithClient(r.Context(), client))
	h := w.Header()
	h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "same-origin")
	h.Set("X-Frame-Options", "DENY")
	if kit.Secure(r) {
		h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
	}
	h.Set("Cache-Control", "no-store")
	rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	crossOrigin.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		r = s.authenticate(r, w)
		if r.Method == http.MethodGet || r.Method == http.MethodHead {
			// A read has ReadLimit of the database: queries still running
			// then are cancelled (the store answers Unavailable). Pages,
			// reports and downloads read what they need before they write.
			ctx, cancel := context.WithTimeout(r.Context(), s.limit)
			defer cancel()
			r = r.WithContext(ctx)
		}
		s.mux.ServeHTTP(w, r)
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

// Unwrap lets http.ResponseController reach the connection, as an upload
// does to outlast the server's read timeout.
func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

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
