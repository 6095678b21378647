package web

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/store"
)

// DefaultMaxImportBytes bounds one uploaded scanner file or account
// export: the readers stream, so the bound is the disk the upload waits on.
const DefaultMaxImportBytes int64 = 4 << 30

// Jobs is what the web app asks of the job engine: an upload sealed
// where every server can read it, then enqueued for any server to import.
type Jobs interface {
	Stage(ctx context.Context, name string, body io.Reader, max int64) (*jobs.Staged, error)
	Discard(ctx context.Context, st *jobs.Staged)
	Enqueue(ctx context.Context, sc *store.Scoped, st *jobs.Staged, format string) (*store.ImportJob, error)
}

// jobView is a job as the pages and the API show it: its record, how far
// it has read as a percentage, and its outcome decoded.
type jobView struct {
	*store.ImportJob
	Percent int                 `json:"percent"`
	Result  *dataimport.Outcome `json:"-"`
}

func (s *Server) viewJob(j *store.ImportJob) *jobView {
	v := &jobView{ImportJob: j}
	if j.State == store.JobDone {
		var o dataimport.Outcome
		if json.Unmarshal(j.Outcome, &o) == nil {
			v.Result = &o
		}
	}
	if j.Size > 0 {
		v.Percent = int(v.Read * 100 / j.Size)
	}
	return v
}

// acceptUpload seals a multipart upload (the field "file", and an
// optional "format") into the blob store as it arrives, then records its
// job and enqueues it. The upload may take longer than the server's read
// timeout.
func (s *Server) acceptUpload(w http.ResponseWriter, r *http.Request) (*store.ImportJob, error) {
	sc := scopeFrom(r.Context())
	ctx := r.Context()
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Hour))
	r.Body = http.MaxBytesReader(w, r.Body, s.maxImportBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errs.New(errs.Invalid, `send the file as multipart/form-data in the field "file"`)
	}
	var format string
	var staged *jobs.Staged
	refuse := func(err error) (*store.ImportJob, error) {
		if staged != nil {
			s.jobs.Discard(ctx, staged)
		}
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return refuse(uploadError(err, s.maxImportBytes))
		}
		switch part.FormName() {
		case "format":
			b, _ := io.ReadAll(io.LimitReader(part, 100))
			format = strings.TrimSpace(string(b))
		case "file":
			if staged != nil {
				return refuse(errs.New(errs.Invalid, "send one file per upload"))
			}
			name := filepath.Base(part.FileName())
			if name == "." || name == string(filepath.Separator) || name == "" {
				name = "upload"
			}
			if staged, err = s.jobs.Stage(ctx, name, part, s.maxImportBytes); err != nil {
				return refuse(uploadError(err, s.maxImportBytes))
			}
		}
		part.Close()
	}
	if staged == nil {
		return nil, errs.New(errs.Invalid, `choose a file to import (the multipart field "file")`)
	}
	if _, known := ingest.FormatByID(format); format != "" && !known {
		return refuse(errs.New(errs.Invalid, fmt.Sprintf("format %q is not one Safeguard reads (it reads %s); leave it empty to detect it", format, strings.Join(ingest.Supported, ", "))))
	}
	return s.jobs.Enqueue(ctx, sc.Store, staged, format)
}

func uploadError(err error, max int64) error {
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		return errs.New(errs.TooLarge, fmt.Sprintf("the file is larger than the %d MiB an import takes", max>>20))
	}
	var known *errs.Error
	if errors.As(err, &known) {
		return err
	}
	return errs.Wrap(errs.Invalid, "the upload broke off or is malformed", err)
}

// importsView is the imports page: the upload form, the jobs and the
// record of every file imported.
type importsView struct {
	programView
	Jobs    []*jobView
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
	sc := scopeFrom(r.Context())
	jobs, err := sc.Store.ImportJobs(r.Context(), 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	imports, err := sc.Store.DataImports(r.Context(), 200)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &importsView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Imports: imports, Formats: uploadFormats()}
	for _, j := range jobs {
		v.Jobs = append(v.Jobs, s.viewJob(j))
	}
	s.render(w, r, "imports", status, page{Title: "Imported data · " + sc.Store.Org().Name, Data: v})
}

func (s *Server) uploadImport(w http.ResponseWriter, r *http.Request) {
	job, err := s.acceptUpload(w, r)
	if err != nil {
		s.refuse(w, r, err, s.renderImports)
		return
	}
	http.Redirect(w, r, "/orgs/"+scopeFrom(r.Context()).Store.Org().Slug+"/imports/"+job.ID, http.StatusSeeOther)
}

type jobPageView struct {
	programView
	Job *jobView
}

func (s *Server) importJobPage(w http.ResponseWriter, r *http.Request) {
	sc := scopeFrom(r.Context())
	j, err := sc.Store.ImportJob(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := page{Title: j.Filename + " · " + sc.Store.Org().Name, Data: &jobPageView{programView: programView{Scope: sc}, Job: s.viewJob(j)}}
	if !j.Ended() || j.ChecksState == store.ChecksQueued {
		p.Refresh = 2 // until it ends, and the checks it called for have run
	}
	s.render(w, r, "import_job", http.StatusOK, p)
}

func (s *Server) apiImports(w http.ResponseWriter, r *http.Request) {
	sc := scopeFrom(r.Context())
	jobs, err := sc.Store.ImportJobs(r.Context(), 50)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	imports, err := sc.Store.DataImports(r.Context(), 200)
	views := make([]*jobView, 0, len(jobs))
	for _, j := range jobs {
		views = append(views, s.viewJob(j))
	}
	s.apiResult(w, r, http.StatusOK, map[string]any{"jobs": views, "imports": imports}, err)
}

func (s *Server) apiUploadImport(w http.ResponseWriter, r *http.Request) {
	job, err := s.acceptUpload(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/orgs/"+scopeFrom(r.Context()).Store.Org().Slug+"/imports/"+job.ID)
	writeAPI(w, http.StatusAccepted, s.viewJob(job))
}

func (s *Server) apiImportJob(w http.ResponseWriter, r *http.Request) {
	j, err := scopeFrom(r.Context()).Store.ImportJob(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiResult(w, r, http.StatusOK, s.viewJob(j), nil)
}
