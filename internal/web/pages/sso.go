package pages

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// ssoChoose turns the sign-in page's organisation field into /sso/{org}.
func (s *Server) ssoChoose(w http.ResponseWriter, r *http.Request) {
	slug := strings.ToLower(strings.TrimSpace(r.URL.Query().Get("org")))
	http.Redirect(w, r, "/sso/"+url.PathEscape(slug)+"?next="+url.QueryEscape(kit.LocalPath(r.URL.Query().Get("next"))), http.StatusSeeOther)
}

// ssoStart sends the browser to the organisation's provider. An unknown
// organisation and one without SSO answer alike.
func (s *Server) ssoStart(w http.ResponseWriter, r *http.Request) {
	o, err := s.store.OrganizationBySlug(r.Context(), r.PathValue("org"))
	if err == nil {
		var to string
		if to, err = s.sso.Start(r.Context(), o, kit.LocalPath(r.URL.Query().Get("next"))); err == nil {
			http.Redirect(w, r, to, http.StatusFound)
			return
		}
	}
	if errs.Is(err, errs.NotFound) {
		err = errs.New(errs.NotFound, "this organisation does not use single sign-on")
	}
	s.fail(w, r, err)
}

// ssoCallback finishes a sign-in the provider sends back.
func (s *Server) ssoCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		s.store.RecordEvent(r.Context(), "", "login.sso_failed", "provider", map[string]string{"reason": "provider error: " + e})
		s.fail(w, r, errs.New(errs.Unauthenticated, "the sign-in provider refused the sign-in"))
		return
	}
	res, err := s.sso.Finish(r.Context(), q.Get("state"), q.Get("code"))
	if err != nil {
		if k := errs.KindOf(err); k == errs.Unauthenticated || k == errs.Forbidden {
			s.store.RecordEvent(r.Context(), "", "login.sso_failed", "provider", map[string]string{"reason": err.Error()})
		}
		s.fail(w, r, err)
		return
	}
	token, err := s.accounts.SignInSSO(r.Context(), res.User, res.Org.ID, kit.ClientIP(r), r.UserAgent())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.startSession(w, r, token)
	http.Redirect(w, r, kit.LocalPath(res.Next), http.StatusSeeOther)
}

type ssoView struct {
	Scope                      *kit.Scope
	Issuer, ClientID, Domain   string
	Configured                 bool
	CallbackURL, Error, Notice string
}

func (s *Server) ssoPage(w http.ResponseWriter, r *http.Request) {
	s.renderSSO(w, r, ssoView{}, http.StatusOK)
}

func (s *Server) renderSSO(w http.ResponseWriter, r *http.Request, v ssoView, status int) {
	sc := kit.ScopeFrom(r.Context())
	v.Scope, v.CallbackURL = sc, s.ssoCallbackURL
	if c, err := s.store.SSO(r.Context(), sc.Org().ID); err == nil {
		v.Configured = true
		if v.Issuer == "" {
			v.Issuer, v.ClientID, v.Domain = c.Issuer, c.ClientID, c.EmailDomain
		}
	} else if !errs.Is(err, errs.NotFound) {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "sso", status, page{Title: "Single sign-on · " + sc.Org().Name, Data: v})
}

func (s *Server) ssoConfigure(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	v := ssoView{Issuer: r.PostFormValue("issuer"), ClientID: r.PostFormValue("client_id"), Domain: r.PostFormValue("email_domain")}
	if r.PostFormValue("remove") != "" {
		if err := sc.Admin().RemoveSSO(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
		s.renderSSO(w, r, ssoView{Notice: "Single sign-on is off."}, http.StatusOK)
		return
	}
	if err := s.sso.Configure(r.Context(), sc.Admin(), v.Issuer, v.ClientID, r.PostFormValue("client_secret"), v.Domain); err != nil {
		if !errs.Is(err, errs.Invalid) {
			s.fail(w, r, err)
			return
		}
		v.Error = errs.Message(err)
		s.renderSSO(w, r, v, http.StatusBadRequest)
		return
	}
	v.Notice = "Single sign-on is set up. Members sign in at /sso/" + sc.Org().Slug + "."
	s.renderSSO(w, r, v, http.StatusOK)
}
