package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// Access says who may use a route (kit.Access). Every route is
// registered with one, and a test walks them all for every role.
type Access = kit.Access

// Access kinds.
const (
	Public   = kit.Public
	SignedIn = kit.SignedIn
	Org      = kit.Org
	API      = kit.API
)

// ReauthWindow is how recent a sign-in or re-authentication must be for a
// privileged action.
const ReauthWindow = 10 * time.Minute

// Route is a registered route and who may use it.
type Route = kit.Route

// Routes lists every route the server answers, with its access rule.
func (s *Server) Routes() []Route { return s.routes }

func (s *Server) handle(pattern string, a Access, h http.HandlerFunc) {
	s.routes = append(s.routes, Route{Pattern: pattern, Access: a})
	s.mux.Handle(pattern, s.guard(a, h))
}

// guard enforces an access rule before the handler runs. For an
// organisation route, a missing organisation and one the viewer is not a
// member of look the same (404): nobody learns which organisations exist.
func (s *Server) guard(a Access, h http.HandlerFunc) http.Handler {
	if a.Kind == Public {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v := kit.ViewerFrom(r.Context())
		if v == nil {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
				return
			}
			s.site.Fail(w, r, errs.New(errs.Unauthenticated, "sign in to continue"))
			return
		}
		if a.Kind == SignedIn {
			h(w, r)
			return
		}
		o, err := s.store.OrganizationBySlug(r.Context(), r.PathValue("org"))
		var role auth.Role
		if err == nil {
			role, err = s.store.Membership(r.Context(), o.ID, v.User.ID)
		}
		if errs.Is(err, errs.NotFound) { // no such organisation, or not a member: alike
			err = errs.New(errs.NotFound, "no such organisation")
		}
		if err != nil {
			s.site.Fail(w, r, err)
			return
		}
		if !role.Can(a.Perm) {
			s.site.Fail(w, r, errs.New(errs.Forbidden, "your role ("+role.Label()+") does not allow this"))
			return
		}
		// The organisation's idle timeout governs its pages (and no others).
		if err := s.accounts.EnterOrg(r.Context(), v.Session, o); err != nil {
			if errs.Is(err, errs.Unauthenticated) && r.Method == http.MethodGet {
				http.Redirect(w, r, "/account/reauth?next="+url.QueryEscape(r.URL.Path)+"&why=idle", http.StatusSeeOther)
				return
			}
			s.site.Fail(w, r, err)
			return
		}
		if o.RequireMFA {
			on, _, err := s.accounts.MFAStatus(r.Context(), v.User.ID)
			if err != nil {
				s.site.Fail(w, r, err)
				return
			}
			if !on {
				s.site.Fail(w, r, errs.New(errs.Forbidden, o.Name+" requires multifactor authentication: turn it on in your account first"))
				return
			}
		}
		if a.Perm.Privileged() && time.Since(v.Session.Freshness()) > ReauthWindow {
			if r.Method == http.MethodGet {
				http.Redirect(w, r, "/account/reauth?next="+url.QueryEscape(r.URL.Path), http.StatusSeeOther)
				return
			}
			s.site.Fail(w, r, errs.New(errs.Forbidden, "this change needs you to confirm your password first: open /account/reauth, then retry"))
			return
		}
		ctx := kit.WithScope(r.Context(), kit.NewScope(s.store.Scope(o), role))
		h(w, r.WithContext(ctx))
	})
}
