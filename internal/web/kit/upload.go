package kit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/catalog/oscalimport"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/store"
)

// Events records what the audit log must hear of a request refused
// before any handler ran (store.Store implements it).
type Events interface {
	RecordEvent(ctx context.Context, orgID, action, target string, detail any) error
}

// ReadUpload reads a multipart form whose field "file" holds at most max
// bytes: the evidence, workbook and record uploads of the pages and the
// API. An oversized body is audited through ev. Errors: TooLarge, Invalid
// when the form is malformed or holds no file. what names the file in
// messages.
func ReadUpload(ev Events, w http.ResponseWriter, r *http.Request, max int64, what string) (multipart.File, *multipart.FileHeader, error) {
	f, h, err := ReadOptionalUpload(ev, w, r, max, what)
	if err == nil && f == nil {
		err = errs.New(errs.Invalid, `choose `+what+` to upload (the multipart field "file")`)
	}
	return f, h, err
}

// ReadOptionalUpload is ReadUpload for a form whose file may be left
// out: no file and no error then.
func ReadOptionalUpload(ev Events, w http.ResponseWriter, r *http.Request, max int64, what string) (multipart.File, *multipart.FileHeader, error) {
	r.Body = http.MaxBytesReader(w, r.Body, max+64<<10)
	if err := r.ParseMultipartForm(8 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			orgID := ""
			if sc := ScopeFrom(r.Context()); sc != nil {
				orgID = sc.Org().ID
			}
			ev.RecordEvent(r.Context(), orgID, "request.too_large", r.Method+" "+r.URL.Path, map[string]int64{"limit_bytes": tooBig.Limit})
			return nil, nil, errs.New(errs.TooLarge, what+" is larger than the "+strconv.FormatInt(max>>20, 10)+" MiB this takes")
		}
		return nil, nil, errs.New(errs.Invalid, `the upload is malformed: send `+what+` as multipart/form-data in the field "file"`)
	}
	f, h, err := r.FormFile("file")
	if errors.Is(err, http.ErrMissingFile) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, errs.New(errs.Invalid, `choose `+what+` to upload (the multipart field "file")`)
	}
	return f, h, nil
}

// Jobs is what the web app asks of the job engine: an upload sealed
// where every server can read it, then enqueued for any server to import.
type Jobs interface {
	Stage(ctx context.Context, name string, body io.Reader, max int64) (*jobs.Staged, error)
	Discard(ctx context.Context, st *jobs.Staged)
	Enqueue(ctx context.Context, sc jobs.JobStore, st *jobs.Staged, format, system, framework string) (*store.ImportJob, error)
	Apply(ctx context.Context, sc jobs.JobStore, id string) error
	DiscardPreview(ctx context.Context, sc jobs.JobStore, id string) error
}

// Imports takes uploads of scanner output and account exports for the
// job engine: the imports page and the API's imports route share it.
type Imports struct {
	Jobs Jobs
	Max  int64 // the largest file
}

// Accept seals a multipart upload (the field "file", an optional
// "format", for an account export an optional "system", the system its
// accounts sign in to, and for an OSCAL catalog or profile an optional
// "framework", the id it becomes) into the blob store as it arrives, then records its job and
// enqueues it. The upload may take longer than the server's read timeout.
func (im *Imports) Accept(w http.ResponseWriter, r *http.Request) (*store.ImportJob, error) {
	sc := ScopeFrom(r.Context())
	ctx := r.Context()
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(time.Hour))
	r.Body = http.MaxBytesReader(w, r.Body, im.Max+1<<20)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, errs.New(errs.Invalid, `send the file as multipart/form-data in the field "file"`)
	}
	var format, system, framework string
	var staged *jobs.Staged
	refuse := func(err error) (*store.ImportJob, error) {
		if staged != nil {
			im.Jobs.Discard(ctx, staged)
		}
		return nil, err
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return refuse(uploadError(err, im.Max))
		}
		switch part.FormName() {
		case "format":
			b, _ := io.ReadAll(io.LimitReader(part, 100))
			format = strings.TrimSpace(string(b))
		case "system":
			b, _ := io.ReadAll(io.LimitReader(part, 401))
			system = strings.TrimSpace(string(b))
		case "framework":
			b, _ := io.ReadAll(io.LimitReader(part, 100))
			framework = strings.TrimSpace(string(b))
		case "file":
			if staged != nil {
				return refuse(errs.New(errs.Invalid, "send one file per upload"))
			}
			name := filepath.Base(part.FileName())
			if name == "." || name == string(filepath.Separator) || name == "" {
				name = "upload"
			}
			if staged, err = im.Jobs.Stage(ctx, name, part, im.Max); err != nil {
				return refuse(uploadError(err, im.Max))
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
	if err := errs.Longest(errs.Field{Name: "system", Value: system, Max: 100}); err != nil || !utf8.ValidString(system) {
		if err == nil {
			err = errs.New(errs.Invalid, "system: not text")
		}
		return refuse(err)
	}
	if framework != "" {
		if err := oscalimport.CheckID(framework); err != nil {
			return refuse(err)
		}
	}
	return im.Jobs.Enqueue(ctx, sc.Imports(), staged, format, system, framework)
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

// JobView is an import job as the pages and the API show it: its record,
// how far it has read as a percentage, and its outcome decoded.
type JobView struct {
	*store.ImportJob
	Percent int                 `json:"percent"`
	Result  *dataimport.Outcome `json:"-"`
}

// ViewJob makes a job's view.
func ViewJob(j *store.ImportJob) *JobView {
	v := &JobView{ImportJob: j}
	if j.State == store.JobDone || j.State == store.JobPreviewed {
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

// ReadRecordsFile reads the form's file of the organisation's records
// (dataimport.RecordKinds: an inventory, a register, an HR export,
// completions) whole, within the bound of its kind; what names it in
// messages.
func ReadRecordsFile(ev Events, w http.ResponseWriter, r *http.Request, kind, what string) (name string, content []byte, err error) {
	f, h, err := ReadUpload(ev, w, r, dataimport.MaxRecordBytes(kind), what)
	if err != nil {
		return "", nil, err
	}
	defer f.Close()
	if content, err = io.ReadAll(f); err != nil {
		return "", nil, errs.Wrap(errs.Invalid, "the upload could not be read", err)
	}
	return h.Filename, content, nil
}
