package pages

import (
	"net/http"
	"net/url"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
	"github.com/safeguard-health/safeguard/internal/tlssec"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// The TLS of the organisation's services (HPH CPG essential goal 5)
// verified: each endpoint with what Safeguard's probe and the imported
// testssl.sh and sslyze reports found, and why each verdict.

type tlsView struct {
	programView
	Posture *tlssec.Posture
	Profile *tlscheck.Profile
	// Probing says a probe can be asked for (a job engine is there).
	Probing bool
}

func (s *Server) tlsPage(w http.ResponseWriter, r *http.Request) {
	s.renderTLS(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderTLS(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	p, err := tlssec.ReadPosture(r.Context(), sc.TLS())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prof, _ := tlscheck.LoadProfile(p.Profile)
	s.render(w, r, "tls", status, page{Title: "TLS of the services · " + sc.Org().Name,
		Data: &tlsView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Posture: p, Profile: prof, Probing: s.tls != nil && s.tls.Queue != nil}})
}

func (s *Server) probeTLSForm(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if s.tls == nil {
		s.refuse(w, r, errs.New(errs.Unavailable, "this server has no job engine to probe the endpoints"), s.renderTLS)
		return
	}
	if err := s.tls.Request(r.Context(), sc.TLS()); err != nil {
		s.refuse(w, r, err, s.renderTLS)
		return
	}
	notice := "A probe of the organisation's TLS endpoints is queued: this page shows what it found once it is done, and the checks run after it."
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/tls?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}
