package api

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

func (s *Server) apiIncidents(w http.ResponseWriter, r *http.Request) {
	vs, err := s.register.Register(r.Context(), kit.ScopeFrom(r.Context()).Incidents())
	s.apiResult(w, r, http.StatusOK, map[string]any{"incidents": kit.NonNil(vs)}, err)
}

func (s *Server) apiIncident(w http.ResponseWriter, r *http.Request) {
	v, err := s.register.Find(r.Context(), kit.ScopeFrom(r.Context()).Incidents(), r.PathValue("id"))
	s.apiResult(w, r, http.StatusOK, v, err)
}

// apiSaveIncident records an incident (POST) or saves one again (PUT,
// the whole record).
func (s *Server) apiSaveIncident(w http.ResponseWriter, r *http.Request) {
	var i incident.Incident
	if err := kit.DecodeJSON(w, r, &i); err != nil {
		s.apiError(w, r, err)
		return
	}
	i.ID = r.PathValue("id")
	sc := kit.ScopeFrom(r.Context())
	if err := s.register.Save(r.Context(), sc.Incidents(), sc.Org().ID, &i); err != nil {
		s.apiError(w, r, err)
		return
	}
	v, err := s.register.Find(r.Context(), sc.Incidents(), i.ID)
	status := http.StatusOK
	if r.Method == http.MethodPost {
		status = http.StatusCreated
	}
	s.apiResult(w, r, status, v, err)
}

// apiBreachLog is the yearly logs of breaches under 500 individuals (45
// CFR 164.408(c)).
func (s *Server) apiBreachLog(w http.ResponseWriter, r *http.Request) {
	vs, err := s.register.Register(r.Context(), kit.ScopeFrom(r.Context()).Incidents())
	s.apiResult(w, r, http.StatusOK, map[string]any{"years": kit.NonNil(incidents.Log(vs))}, err)
}
