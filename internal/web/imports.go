package web

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
)

// DefaultMaxImportBytes bounds one uploaded scanner file or account
// export: the readers stream, so the bound is the disk the upload waits on.
const DefaultMaxImportBytes int64 = 4 << 30

// jobRunner imports uploaded files in the background, one at a time (the
// database takes one writer), keeping how far each running import has read.
type jobRunner struct {
	dir      string // where uploads wait for their import
	maxBytes int64
	ctx      context.Context // ends when the server closes
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	turn     chan struct{} // one import at a time

	mu       sync.Mutex
	progress map[string][2]int64 // job → bytes read, size
}

func newJobRunner(dir string, maxBytes int64) *jobRunner {
	if dir == "" {
		dir = os.TempDir()
	}
	if maxBytes <= 0 {
		maxBytes = DefaultMaxImportBytes
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &jobRunner{dir: dir, maxBytes: maxBytes, ctx: ctx, cancel: cancel, turn: make(chan struct{}, 1), progress: map[string][2]int64{}}
}

// Close stops the running import (its transaction rolls back, leaving
// nothing) and waits for every job to end.
func (s *Server) Close() {
	s.jobs.cancel()
	s.jobs.wg.Wait()
}

// Wait blocks until no import job is queued or running: for tests, and for
// a server asked to finish its work before it stops.
func (s *Server) Wait() { s.jobs.wg.Wait() }

func (j *jobRunner) setProgress(id string, read, size int64) {
	j.mu.Lock()
	j.progress[id] = [2]int64{read, size}
	j.mu.Unlock()
}

// read is how far a running job has read.
func (j *jobRunner) read(id string) int64 {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.progress[id][0]
}

// jobView is a job as the pages and the API show it: its record, how far
// it has read while it runs, and its outcome decoded.
type jobView struct {
	*store.ImportJob
	Read    int64               `json:"read_bytes"`
	Percent int                 `json:"percent"`
	Result  *dataimport.Outcome `json:"-"`
}

func (s *Server) viewJob(j *store.ImportJob) *jobView {
	v := &jobView{ImportJob: j}
	switch j.State {
	case store.JobRunning:
		v.Read = s.jobs.read(j.ID)
	case store.JobDone:
		v.Read = j.Size
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

// acceptUpload streams a multipart upload (the field "file", and an
// optional "format") to a file of its own on disk, records the job and
// starts it. The upload may take longer than the server's read timeout.
func (s *Server) acceptUpload(w http.ResponseWriter, r *http.Request) (*store.ImportJob, error) {
	sc := scopeFrom(r.Context())
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Hour))
	r.Body = http.MaxBytesReader(w, r.Body, s.jobs.maxBytes+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errs.New(errs.Invalid, `send the file as multipart/form-data in the field "file"`)
	}
	var format, name, path, sha string
	var size int64
	cleanup := func() {
		if path != "" {
			os.Remove(path)
		}
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			cleanup()
			return nil, uploadError(err, s.jobs.maxBytes)
		}
		switch part.FormName() {
		case "format":
			b, _ := io.ReadAll(io.LimitReader(part, 100))
			format = strings.TrimSpace(string(b))
		case "file":
			if path != "" {
				cleanup()
				return nil, errs.New(errs.Invalid, "send one file per upload")
			}
			name = filepath.Base(part.FileName())
			if name == "." || name == string(filepath.Separator) || name == "" {
				name = "upload"
			}
			if path, sha, size, err = s.saveUpload(part); err != nil {
				cleanup()
				return nil, uploadError(err, s.jobs.maxBytes)
			}
		}
		part.Close()
	}
	if path == "" {
		return nil, errs.New(errs.Invalid, `choose a file to import (the multipart field "file")`)
	}
	if format != "" && !slices.Contains(ingest.Supported, format) {
		cleanup()
		return nil, errs.New(errs.Invalid, fmt.Sprintf("format %q is not one Safeguard reads (it reads %s); leave it empty to detect it", format, strings.Join(ingest.Supported, ", ")))
	}
	if size == 0 {
		cleanup()
		return nil, errs.New(errs.Invalid, name+" is empty")
	}
	job := &store.ImportJob{Filename: name, Format: format, Size: size}
	if err := sc.Store.CreateImportJob(r.Context(), job); err != nil {
		cleanup()
		return nil, err
	}
	s.startJob(sc.Store, job, path, sha, audit.ActorFrom(r.Context()))
	return job, nil
}

// saveUpload writes the file part to disk, hashing it as it goes.
func (s *Server) saveUpload(part *multipart.Part) (path, sha string, size int64, err error) {
	f, err := os.CreateTemp(s.jobs.dir, "safeguard-upload-*")
	if err != nil {
		return "", "", 0, errs.Wrap(errs.Unavailable, "the upload cannot be stored", err)
	}
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(f, h), io.LimitReader(part, s.jobs.maxBytes+1))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > s.jobs.maxBytes {
		err = &http.MaxBytesError{Limit: s.jobs.maxBytes}
	}
	if err != nil {
		os.Remove(f.Name())
		return "", "", 0, err
	}
	return f.Name(), hex.EncodeToString(h.Sum(nil)), n, nil
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

// startJob imports the uploaded file in the background, as the uploader,
// once no other import is running, and removes the upload when done.
func (s *Server) startJob(sc *store.Scoped, job *store.ImportJob, path, sha string, actor audit.Actor) {
	j := s.jobs
	j.wg.Add(1)
	go func() {
		defer j.wg.Done()
		defer os.Remove(path)
		ctx := audit.WithActor(j.ctx, actor)
		finish := func(state string, outcome any, why string) {
			// The job's end is recorded even when the server is closing.
			if err := sc.SetImportJobState(context.WithoutCancel(ctx), job.ID, state, outcome, why); err != nil {
				s.log.Error("import job", "job", job.ID, "err", err)
			}
			j.mu.Lock()
			delete(j.progress, job.ID)
			j.mu.Unlock()
		}
		select {
		case j.turn <- struct{}{}:
		case <-ctx.Done():
			finish(store.JobFailed, nil, "the server stopped before the import started; nothing of it landed: upload the file again")
			return
		}
		defer func() { <-j.turn }()
		j.setProgress(job.ID, 0, job.Size)
		if err := sc.SetImportJobState(ctx, job.ID, store.JobRunning, nil, ""); err != nil {
			finish(store.JobFailed, nil, errs.Message(err))
			return
		}
		out, err := dataimport.File(ctx, dataimport.Request{Path: path, Name: job.Filename, Format: job.Format, SHA256: sha, Size: job.Size,
			Scope:    func() (*store.Scoped, error) { return sc, nil },
			Progress: func(read, size int64) { j.setProgress(job.ID, read, size) }})
		switch {
		case err == nil:
			finish(store.JobDone, out, "")
		case ctx.Err() != nil:
			finish(store.JobFailed, nil, "the server stopped during the import; nothing of it landed: upload the file again")
		default:
			finish(store.JobFailed, nil, errs.Message(err))
		}
	}()
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
	for _, f := range ingest.Supported {
		if f != ingest.FormatKEV && f != ingest.FormatEPSS {
			out = append(out, formatOption{f, ingest.FormatLabel(f)})
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
	if j.State == store.JobQueued || j.State == store.JobRunning {
		p.Refresh = 2 // until it ends
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
