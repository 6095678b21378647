package pages

import (
	"net/http"
	"strconv"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

type tokensView struct {
	Scope    *kit.Scope
	Tokens   []*auth.APIToken
	Scopes   []auth.Scope
	NewToken string // shown once
	Error    string
	Now      time.Time
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, tokensView{}, http.StatusOK)
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, tv tokensView, status int) {
	sc := kit.ScopeFrom(r.Context())
	tokens, err := sc.Admin().APITokens(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	tv.Scope, tv.Tokens, tv.Scopes, tv.Now = sc, tokens, auth.Scopes, time.Now()
	s.render(w, r, "tokens", status, page{Title: "API tokens · " + sc.Org().Name, Data: tv})
}

// createToken makes a token and shows it once.
func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	scopes, err := auth.ParseScopes(joinValues(r.PostForm["scope"]))
	days, derr := strconv.Atoi(r.PostFormValue("days"))
	if err == nil && (derr != nil || days < 1 || days > 366) {
		err = errs.New(errs.Invalid, "a token lasts from 1 to 366 days")
	}
	if err != nil {
		s.renderTokens(w, r, tokensView{Error: errs.Message(err)}, http.StatusBadRequest)
		return
	}
	token, hash := auth.NewAPIToken()
	t := &auth.APIToken{Name: r.PostFormValue("name"), Scopes: scopes, Hash: hash, Prefix: token[:10],
		CreatedBy: kit.ViewerFrom(r.Context()).User.Email, ExpiresAt: time.Now().UTC().AddDate(0, 0, days)}
	if err := kit.ScopeFrom(r.Context()).Admin().CreateAPIToken(r.Context(), t); err != nil {
		if !errs.Is(err, errs.Invalid) {
			s.fail(w, r, err)
			return
		}
		s.renderTokens(w, r, tokensView{Error: errs.Message(err)}, http.StatusBadRequest)
		return
	}
	s.renderTokens(w, r, tokensView{NewToken: token}, http.StatusOK)
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := sc.Admin().RevokeAPIToken(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/tokens", http.StatusSeeOther)
}

func joinValues(vs []string) string {
	out := ""
	for i, v := range vs {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out
}
