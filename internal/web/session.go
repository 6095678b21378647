package web

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// authenticate puts the signed-in user, if any, into the request's context,
// with the audit actor that their changes are recorded under. A cookie that
// no longer works is cleared.
func (s *Server) authenticate(r *http.Request, w http.ResponseWriter) *http.Request {
	ctx := audit.WithActor(r.Context(), audit.Actor{Label: "anonymous", Source: kit.ClientIP(r)})
	token := kit.SessionToken(r)
	if token == "" {
		return r.WithContext(ctx)
	}
	u, ss, err := s.accounts.Authenticate(ctx, token)
	if err != nil {
		if !errs.Is(err, errs.Unauthenticated) {
			s.log.Error("authenticate", "err", err)
		}
		// A sign-in waiting for its second factor keeps its cookie; any
		// other session that does not work is cleared, once, and audited.
		if _, _, perr := s.accounts.PendingMFA(ctx, token); perr != nil {
			kit.SetSessionCookie(w, r, "", -1)
			s.store.RecordEvent(ctx, "", "session.rejected", r.Method+" "+r.URL.Path, map[string]string{"reason": "forged, truncated, expired or ended session cookie"})
		}
		return r.WithContext(ctx)
	}
	ctx = audit.WithActor(ctx, audit.Actor{ID: u.ID, Label: u.Email, Source: kit.ClientIP(r)})
	return r.WithContext(kit.WithViewer(ctx, &kit.Viewer{User: u, Session: ss, Token: token}))
}
