package api

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

func (s *Server) apiOrg(w http.ResponseWriter, r *http.Request) {
	o := kit.ScopeFrom(r.Context()).Org()
	kit.WriteJSON(w, http.StatusOK, map[string]any{
		"id": o.ID, "slug": o.Slug, "name": o.Name, "entity_type": o.EntityType,
		"workforce_size": o.WorkforceSize, "sites": o.Sites, "demo": o.Demo, "require_mfa": o.RequireMFA,
	})
}

func (s *Server) apiMembers(w http.ResponseWriter, r *http.Request) {
	members, err := kit.ScopeFrom(r.Context()).Admin().Members(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := []map[string]any{}
	for _, m := range members {
		out = append(out, map[string]any{"email": m.User.Email, "name": m.User.Name, "role": m.Role, "disabled": m.User.Disabled})
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"members": out})
}
