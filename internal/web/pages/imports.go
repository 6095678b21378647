package pages

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// importsView is the imports page: the upload form, the jobs and the
// record of every file imported.
type importsView struct {
	programView
	Jobs    []*kit.JobView
	Imports []*store.DataImport
	Formats []formatOption
}

type formatOption struct{ ID, Label string }

// uploadFormats are the formats an organisation uploads: not the KEV
// catalog or EPSS scores, which every organisation shares.
func uploadFormats() []formatOption {
	var out []formatOption
	for _, f := range ingest.Formats() {
		if !f.Shared() {
			out = append(out, formatOption{f.ID, f.Label})
		}
	}
	return out
}

func (s *Server) importsPage(w http.ResponseWriter, r *http.Request) {
	s.renderImports(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderImports(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	jobs, err := sc.Imports().ImportJobs(r.Context(), 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	imports, err := sc.Imports().DataImports(r.Context(), 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &importsView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Imports: imports, Formats: uploadFormats()}
	for _, j := range jobs {
		v.Jobs = append(v.Jobs, kit.ViewJob(j))
	}
	s.render(w, r, "imports", status, page{Title: "Imported data · " + sc.Org().Name, Data: v})
}

func (s *Server) uploadImport(w http.ResponseWriter, r *http.Request) {
	job, err := s.imports.Accept(w, r)
	if err != nil {
		s.refuse(w, r, err, s.renderImports)
		return
	}
	http.Redirect(w, r, "/orgs/"+kit.ScopeFrom(r.Context()).Org().Slug+"/imports/"+job.ID, http.StatusSeeOther)
}

type jobPageView struct {
	programView
	Job *kit.JobView
}

func (s *Server) importJobPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	j, err := sc.Imports().ImportJob(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := page{Title: j.Filename + " · " + sc.Org().Name, Data: &jobPageView{programView: programView{Scope: sc}, Job: kit.ViewJob(j)}}
	if !j.Ended() && j.State != store.JobPreviewed || j.ChecksState == store.ChecksQueued {
		p.Refresh = 2 // until it ends, and the checks it called for have run
	}
	s.render(w, r, "import_job", http.StatusOK, p)
}

// applyImportJob imports a previewed account export.
func (s *Server) applyImportJob(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := s.imports.Jobs.Apply(r.Context(), sc.Imports(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/imports/"+r.PathValue("id"), http.StatusSeeOther)
}

// discardImportJob drops a previewed account export.
func (s *Server) discardImportJob(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := s.imports.Jobs.DiscardPreview(r.Context(), sc.Imports(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/imports/"+r.PathValue("id"), http.StatusSeeOther)
}
