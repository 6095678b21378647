package api

import (
	"fmt"
	"net/http"
	"strconv"

	"github.com/safeguard-health/safeguard/internal/contingency"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/risk"

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

func (s *Server) apiIncidentPlan(w http.ResponseWriter, r *http.Request) {
	st, err := s.register.Plan(r.Context(), kit.ScopeFrom(r.Context()).Incidents())
	s.apiResult(w, r, http.StatusOK, st, err)
}

// apiSaveIncidentPlan saves the posted plan as the next version, a draft
// until approved.
func (s *Server) apiSaveIncidentPlan(w http.ResponseWriter, r *http.Request) {
	var p incident.Plan
	if err := kit.DecodeJSON(w, r, &p); err != nil {
		s.apiError(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	err := s.register.SavePlan(r.Context(), sc.Incidents(), sc.Org().ID, &p)
	s.apiResult(w, r, http.StatusCreated, &p, err)
}

func (s *Server) apiApproveIncidentPlan(w http.ResponseWriter, r *http.Request) {
	var in struct {
		ApprovedBy string `json:"approved_by"`
		ApprovedOn string `json:"approved_on"`
	}
	if err := kit.DecodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		s.apiError(w, r, errs.New(errs.NotFound, "no such version of the incident response plan"))
		return
	}
	if err := s.register.ApprovePlan(r.Context(), sc.Incidents(), sc.Org().ID, version, in.ApprovedBy, in.ApprovedOn); err != nil {
		s.apiError(w, r, err)
		return
	}
	st, err := s.register.Plan(r.Context(), sc.Incidents())
	s.apiResult(w, r, http.StatusOK, st, err)
}

func (s *Server) apiIncidentPlanPDF(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		s.apiError(w, r, errs.New(errs.NotFound, "no such version of the incident response plan"))
		return
	}
	p, err := s.register.Version(r.Context(), sc.Incidents(), version)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	data, err := report.IncidentPlanPDF(p, sc.Org().Name, s.now())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	kit.Attachment(w, fmt.Sprintf("%s-incident-response-plan-v%d.pdf", sc.Org().Slug, version), "application/pdf", data)
}

func (s *Server) apiExercises(w http.ResponseWriter, r *http.Request) {
	es, err := s.register.Exercises(r.Context(), kit.ScopeFrom(r.Context()).Incidents())
	s.apiResult(w, r, http.StatusOK, map[string]any{"exercises": kit.NonNil(es)}, err)
}

func (s *Server) exerciseView(r *http.Request, id string) (*incidents.ExerciseView, error) {
	es, err := s.register.Exercises(r.Context(), kit.ScopeFrom(r.Context()).Incidents())
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		if e.ID == id {
			return e, nil
		}
	}
	return nil, errs.New(errs.NotFound, "exercise not found")
}

func (s *Server) apiExercise(w http.ResponseWriter, r *http.Request) {
	v, err := s.exerciseView(r, r.PathValue("id"))
	s.apiResult(w, r, http.StatusOK, v, err)
}

// apiSaveExercise records an exercise (POST) or saves one again (PUT).
func (s *Server) apiSaveExercise(w http.ResponseWriter, r *http.Request) {
	var e incident.Exercise
	if err := kit.DecodeJSON(w, r, &e); err != nil {
		s.apiError(w, r, err)
		return
	}
	e.ID = r.PathValue("id")
	sc := kit.ScopeFrom(r.Context())
	if err := s.register.SaveExercise(r.Context(), sc.Incidents(), sc.Org().ID, &e); err != nil {
		s.apiError(w, r, err)
		return
	}
	v, err := s.exerciseView(r, e.ID)
	status := http.StatusOK
	if r.Method == http.MethodPost {
		status = http.StatusCreated
	}
	s.apiResult(w, r, status, v, err)
}

// apiTrackFinding turns finding number {finding} (from 1) into a plan
// action on a risk.
func (s *Server) apiTrackFinding(w http.ResponseWriter, r *http.Request) {
	var a risk.Action
	if err := kit.DecodeJSON(w, r, &a); err != nil {
		s.apiError(w, r, err)
		return
	}
	n, err := strconv.Atoi(r.PathValue("finding"))
	if err != nil || n < 1 {
		s.apiError(w, r, errs.New(errs.NotFound, "no such finding"))
		return
	}
	a.ID = ""
	sc := kit.ScopeFrom(r.Context())
	if err := s.register.TrackFinding(r.Context(), sc.Incidents(), sc.Org().ID, r.PathValue("id"), n-1, &a); err != nil {
		s.apiError(w, r, err)
		return
	}
	v, err := s.exerciseView(r, r.PathValue("id"))
	s.apiResult(w, r, http.StatusOK, v, err)
}

func (s *Server) apiContingency(w http.ResponseWriter, r *http.Request) {
	c, err := s.register.Contingency(r.Context(), kit.ScopeFrom(r.Context()).Incidents())
	s.apiResult(w, r, http.StatusOK, c, err)
}

// apiSaveProcedures sets the plan's procedures and its restore-test
// cadence.
func (s *Server) apiSaveProcedures(w http.ResponseWriter, r *http.Request) {
	var in struct {
		DisasterRecovery string `json:"disaster_recovery"`
		EmergencyMode    string `json:"emergency_mode"`
		TestMonths       int    `json:"test_months"`
	}
	if err := kit.DecodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	if err := s.register.SaveProcedures(r.Context(), sc.Incidents(), sc.Org().ID, in.DisasterRecovery, in.EmergencyMode, in.TestMonths); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiContingency(w, r)
}

func (s *Server) apiSaveSystem(w http.ResponseWriter, r *http.Request) {
	var sys contingency.System
	if err := kit.DecodeJSON(w, r, &sys); err != nil {
		s.apiError(w, r, err)
		return
	}
	sys.AssetID = r.PathValue("asset")
	sc := kit.ScopeFrom(r.Context())
	if err := s.register.SaveSystem(r.Context(), sc.Incidents(), sc.Org().ID, &sys); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiContingency(w, r)
}

func (s *Server) apiAddRestoreTest(w http.ResponseWriter, r *http.Request) {
	var t contingency.Test
	if err := kit.DecodeJSON(w, r, &t); err != nil {
		s.apiError(w, r, err)
		return
	}
	t.ID, t.AssetID = "", r.PathValue("asset")
	sc := kit.ScopeFrom(r.Context())
	err := s.register.AddRestoreTest(r.Context(), sc.Incidents(), sc.Org().ID, &t)
	s.apiResult(w, r, http.StatusCreated, &t, err)
}
