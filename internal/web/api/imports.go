package api

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

func (s *Server) apiImports(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	jobs, err := sc.Imports().ImportJobs(r.Context(), 50)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	imports, err := sc.Imports().DataImports(r.Context(), 200)
	views := make([]*kit.JobView, 0, len(jobs))
	for _, j := range jobs {
		views = append(views, kit.ViewJob(j))
	}
	s.apiResult(w, r, http.StatusOK, map[string]any{"jobs": views, "imports": imports}, err)
}

func (s *Server) apiUploadImport(w http.ResponseWriter, r *http.Request) {
	job, err := s.imports.Accept(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+kit.ScopeFrom(r.Context()).Org().Slug+"/imports/"+job.ID)
	kit.WriteJSON(w, http.StatusAccepted, kit.ViewJob(job))
}

func (s *Server) apiImportJob(w http.ResponseWriter, r *http.Request) {
	j, err := kit.ScopeFrom(r.Context()).Imports().ImportJob(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiResult(w, r, http.StatusOK, kit.ViewJob(j), nil)
}

// apiApplyImportJob imports a previewed account export, and answers with
// its job (queued again).
func (s *Server) apiApplyImportJob(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := s.imports.Jobs.Apply(r.Context(), sc.Imports(), r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiImportJobStatus(w, r, http.StatusAccepted)
}

// apiDiscardImportJob drops a previewed account export.
func (s *Server) apiDiscardImportJob(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := s.imports.Jobs.DiscardPreview(r.Context(), sc.Imports(), r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiImportJobStatus(w, r, http.StatusOK)
}

func (s *Server) apiImportJobStatus(w http.ResponseWriter, r *http.Request, status int) {
	j, err := kit.ScopeFrom(r.Context()).Imports().ImportJob(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiResult(w, r, status, kit.ViewJob(j), nil)
}
