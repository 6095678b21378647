package api

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/inventory"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// apiReconciliation is what the organisation's data shows that its
// inventory lacks, and the assets none of it has seen.
func (s *Server) apiReconciliation(w http.ResponseWriter, r *http.Request) {
	rec, err := inventory.Reconcile(r.Context(), kit.ScopeFrom(r.Context()).Inventory(), s.now(), 0)
	s.apiResult(w, r, http.StatusOK, rec, err)
}

// apiReconcileAdd adds the missing things named by key ({"keys": [...]},
// or ["all"]) to the inventory: 201 with the assets added.
func (s *Server) apiReconcileAdd(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Keys []string `json:"keys"`
	}
	if err := kit.DecodeJSON(w, r, &body); err != nil {
		s.apiError(w, r, err)
		return
	}
	added, err := inventory.Add(r.Context(), kit.ScopeFrom(r.Context()).Inventory(), s.now(), body.Keys)
	s.apiResult(w, r, http.StatusCreated, map[string]any{"added": added}, err)
}

// apiDevices is a page of the organisation's devices: ?source=, attention=1
// (those a device check counts against), offset and limit.
func (s *Server) apiDevices(w http.ResponseWriter, r *http.Request) {
	list, total, f, err := kit.DevicesPage(r)
	s.apiResult(w, r, http.StatusOK, map[string]any{"devices": list, "total": total, "offset": f.Offset, "limit": f.Limit}, err)
}
