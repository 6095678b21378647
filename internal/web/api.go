package web

import (
	"context"
	"net/http"
	"strings"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

type tokenKey struct{}

// handleAPI registers an API route; its guard is apiGuard.
func (s *Server) handleAPI(pattern string, scope auth.Scope, h http.HandlerFunc) {
	a := Access{Kind: API, Scope: scope}
	s.routes = append(s.routes, Route{Pattern: pattern, Access: a})
	s.mux.Handle(pattern, s.apiGuard(a, h))
}

func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	kit.APIError(s.log, w, r, err)
}

// apiGuard admits a request with an active token of the path's organisation
// that holds the route's scope. A token of another organisation gets 404,
// as if the organisation did not exist. Refusals are audited.
func (s *Server) apiGuard(a Access, h http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		tok, err := s.accounts.APIToken(r.Context(), strings.TrimSpace(bearer))
		if !ok || err != nil {
			if err == nil || errs.Is(err, errs.Unauthenticated) {
				s.store.RecordEvent(r.Context(), "", "api.auth_failed", r.Method+" "+r.URL.Path, map[string]string{"reason": "missing, malformed, unknown, expired or revoked token"})
				w.Header().Set("WWW-Authenticate", `Bearer realm="safeguard"`)
				err = errs.New(errs.Unauthenticated, "a valid API token is required")
			}
			s.apiError(w, r, err)
			return
		}
		o, err := s.store.OrganizationBySlug(r.Context(), r.PathValue("org"))
		if err != nil || o.ID != tok.OrgID {
			if err == nil || errs.Is(err, errs.NotFound) {
				s.store.RecordEvent(r.Context(), tok.OrgID, "api.denied", r.Method+" "+r.URL.Path, map[string]string{"reason": "token of another organisation", "token": tok.Prefix})
				err = errs.New(errs.NotFound, "no such organisation")
			}
			s.apiError(w, r, err)
			return
		}
		if !tok.Has(a.Scope) {
			s.store.RecordEvent(r.Context(), o.ID, "api.denied", r.Method+" "+r.URL.Path, map[string]string{"reason": "missing scope " + string(a.Scope), "token": tok.Prefix})
			s.apiError(w, r, errs.New(errs.Forbidden, "this token lacks the "+string(a.Scope)+" scope"))
			return
		}
		ctx := audit.WithActor(r.Context(), audit.Actor{Label: "API token " + tok.Name + " (" + tok.Prefix + "…)", Source: kit.ClientIP(r)})
		ctx = kit.WithScope(ctx, kit.NewScope(s.store.Scope(o), ""))
		ctx = context.WithValue(ctx, tokenKey{}, tok)
		h(w, r.WithContext(ctx))
	})
}
