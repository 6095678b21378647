package pages

import (
	"fmt"
	"net/http"
	"net/url"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// Email security (HPH CPG essential goal 2) verified from the DNS: each
// email domain of the profile with what its newest probe found, the
// records read, the lookups made and the record to publish.

type emailView struct {
	programView
	Posture *emailsec.Posture
	Reports *emailsec.Reports
	Titles  map[string]string // check id → title
	// Probing says a probe can be asked for (a job engine is there).
	Probing bool
}

func (s *Server) emailPage(w http.ResponseWriter, r *http.Request) {
	s.renderEmail(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderEmail(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	p, err := emailsec.ReadPosture(r.Context(), sc.Email())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	reports, err := emailsec.ReadReports(r.Context(), sc.Email(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	titles := map[string]string{"email.dnssec": "DNSSEC", "email.bimi": "BIMI (reported, not required)"}
	for _, c := range check.Catalog {
		titles[c.ID] = c.Title
	}
	s.render(w, r, "email", status, page{Title: "Email security · " + sc.Org().Name,
		Data: &emailView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Posture: p, Reports: reports, Titles: titles, Probing: s.email != nil && s.email.Queue != nil}})
}

func (s *Server) probeEmailForm(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if s.email == nil {
		s.refuse(w, r, errs.New(errs.Unavailable, "this server has no job engine to probe the domains"), s.renderEmail)
		return
	}
	if err := s.email.Request(r.Context(), sc.Email()); err != nil {
		s.refuse(w, r, err, s.renderEmail)
		return
	}
	p, err := sc.Email().Profile(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	n, noun := len(p.EmailDomains), "email domains"
	if n == 1 {
		noun = "email domain"
	}
	notice := fmt.Sprintf("A probe of %d %s is queued: this page shows what it found once it is done, and the checks run after it.", n, noun)
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/email?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}
