package jobs

import (
	"context"
	"database/sql"
	"io"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
)

// uploadPrefix is where uploads wait in the blob store.
const uploadPrefix = "uploads/"

// ImportArgs is the job that imports one upload.
type ImportArgs struct {
	OrgID string `json:"org_id"`
	JobID string `json:"job_id"` // the import job's record
	// Who uploaded it: the import is theirs.
	ActorID     string `json:"actor_id,omitempty"`
	ActorLabel  string `json:"actor"`
	ActorSource string `json:"actor_source,omitempty"`
}

// Kind names the job in River's queue.
func (ImportArgs) Kind() string { return "import" }

// InsertOpts puts imports in their own queue.
func (ImportArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: queueImports}
}

// Staged is an upload sealed into the blob store, waiting to be enqueued.
type Staged struct {
	Name   string
	Key    string
	SHA256 string
	Size   int64
}

// Stage seals an uploaded file into the blob store, reading at most max
// bytes (0: no bound). Enqueue it, or Discard it. Errors: TooLarge past
// max, Invalid for an empty file; the body's own errors.
func (e *Engine) Stage(ctx context.Context, name string, body io.Reader, max int64) (*Staged, error) {
	key := uploadPrefix + uuid.NewString()
	sha, size, err := e.cfg.Blobs.Put(ctx, key, body, max)
	if err != nil {
		return nil, err
	}
	st := &Staged{Name: name, Key: key, SHA256: sha, Size: size}
	if size == 0 {
		e.Discard(ctx, st)
		return nil, errs.New(errs.Invalid, name+" is empty")
	}
	return st, nil
}

// Discard removes a staged upload that will not be imported.
func (e *Engine) Discard(ctx context.Context, st *Staged) {
	if err := e.cfg.Blobs.Delete(context.WithoutCancel(ctx), st.Key); err != nil {
		e.cfg.Log.Warn("a refused upload could not be removed; the sweep will", "key", st.Key, "err", err)
	}
}

// JobStore is what enqueueing an import needs of the organisation's
// records (store.Scoped implements it).
type JobStore interface {
	Org() *org.Organization
	CreateImportJob(ctx context.Context, j *store.ImportJob, after ...store.TxFunc) error
	ApplyImportJob(ctx context.Context, id string, after ...store.TxFunc) error
	DiscardImportJob(ctx context.Context, id string) (*store.ImportJob, error)
}

// Apply imports a previewed account export: the job is queued again, to
// import the upload for real, in one transaction.
func (e *Engine) Apply(ctx context.Context, sc JobStore, id string) error {
	a := audit.ActorFrom(ctx)
	return sc.ApplyImportJob(ctx, id, func(ctx context.Context, tx *sql.Tx) error {
		_, err := e.client.InsertTx(ctx, tx, ImportArgs{OrgID: sc.Org().ID, JobID: id, ActorID: a.ID, ActorLabel: a.Label, ActorSource: a.Source}, nil)
		return err
	})
}

// DiscardPreview ends a previewed upload without importing it, and removes
// the upload.
func (e *Engine) DiscardPreview(ctx context.Context, sc JobStore, id string) error {
	j, err := sc.DiscardImportJob(ctx, id)
	if err != nil {
		return err
	}
	e.dropUpload(context.WithoutCancel(ctx), j)
	return nil
}

// Enqueue records the staged upload's import job and enqueues the job
// that imports it, in format ("" to detect it) — an account export's
// accounts replacing system's, an OSCAL catalog or profile becoming the
// framework of that id — in one transaction: the
// import is the uploader's, and any server takes it up. The upload is
// discarded if it cannot be enqueued.
func (e *Engine) Enqueue(ctx context.Context, sc JobStore, st *Staged, format, system, framework string) (*store.ImportJob, error) {
	a := audit.ActorFrom(ctx)
	job := &store.ImportJob{Filename: st.Name, Format: format, Size: st.Size, BlobKey: st.Key, SHA256: st.SHA256, System: system, Framework: framework}
	err := sc.CreateImportJob(ctx, job, func(ctx context.Context, tx *sql.Tx) error {
		_, err := e.client.InsertTx(ctx, tx, ImportArgs{OrgID: sc.Org().ID, JobID: job.ID, ActorID: a.ID, ActorLabel: a.Label, ActorSource: a.Source}, nil)
		return err
	})
	if err != nil {
		e.Discard(ctx, st)
		return nil, err
	}
	return job, nil
}

// SweepUploads removes uploads no import job waits for that are more than
// an hour old: left by a server that died while receiving them, or by an
// import whose end could not remove its file.
func (e *Engine) SweepUploads(ctx context.Context) error {
	keep, err := e.cfg.Store.LiveBlobKeys(ctx)
	if err != nil {
		return err
	}
	n, err := e.cfg.Blobs.Sweep(ctx, uploadPrefix, e.cfg.Now().Add(-time.Hour), keep)
	if n > 0 {
		e.cfg.Log.Info("uploads left behind removed", "uploads", n)
	}
	return err
}

type importWorker struct {
	river.WorkerDefaults[ImportArgs]
	e *Engine
}

// progressEvery is how often a running import records how far it has
// read.
const progressEvery = time.Second

func (w *importWorker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	e := w.e
	a := job.Args
	o, err := e.cfg.Store.Organization(ctx, a.OrgID)
	if errs.Is(err, errs.NotFound) {
		return nil // the organisation is gone, and its jobs with it
	}
	if err != nil {
		return err
	}
	sc := e.cfg.Store.Scope(o)
	j, err := sc.ImportJob(ctx, a.JobID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if j.Ended() {
		return nil // an earlier attempt ended it
	}
	ctx = audit.WithActor(ctx, audit.Actor{ID: a.ActorID, Label: a.ActorLabel, Source: a.ActorSource})
	if err := sc.StartImportJob(ctx, j.ID, job.Attempt); err != nil {
		return err
	}
	last := time.Time{}
	// An account export replaces its system's accounts: it is previewed
	// first, and imported once someone applies the preview.
	preview := false
	if !j.Applied {
		kind := j.Format
		if kind == "" {
			// A file that cannot be read or recognised fails in the import
			// below, as any other does.
			kind, _ = dataimport.DetectReader(j.Filename, func() (io.ReadCloser, error) { return e.cfg.Blobs.Open(ctx, j.BlobKey) })
		}
		preview = ingest.IsAccountExport(kind)
	}
	out, err := dataimport.File(ctx, dataimport.Request{
		Open:   func() (io.ReadCloser, error) { return e.cfg.Blobs.Open(ctx, j.BlobKey) },
		Name:   j.Filename,
		Format: j.Format, SHA256: j.SHA256, Size: j.Size, System: j.System, Framework: j.Framework, Preview: preview,
		Scope: func() (*store.Scoped, error) { return sc, nil },
		Progress: func(read, size int64) {
			if now := time.Now(); now.Sub(last) >= progressEvery {
				last = now
				if err := sc.SetImportJobProgress(ctx, j.ID, read); err != nil && ctx.Err() == nil {
					e.cfg.Log.Warn("import progress", "job", j.ID, "err", err)
				}
			}
		},
		After: []store.TxFunc{func(ctx context.Context, tx *sql.Tx) error {
			return e.queueChecks(ctx, tx, sc, j.ID)
		}},
	})
	// The job's end is recorded even when the server is stopping.
	end := context.WithoutCancel(ctx)
	switch {
	case err == nil && preview:
		return sc.SetImportJobState(end, j.ID, store.JobPreviewed, out, "")
	case err == nil:
		if err := sc.SetImportJobState(end, j.ID, store.JobDone, out, ""); err != nil {
			return err
		}
		e.dropUpload(end, j)
		return nil
	case ctx.Err() != nil:
		// Stopped: the import rolled back; the next server takes it up.
		if serr := sc.SetImportJobState(end, j.ID, store.JobQueued, nil, "the server stopped during the import; nothing of it landed, and another attempt follows"); serr != nil {
			e.cfg.Log.Error("import job", "job", j.ID, "err", serr)
		}
		return ctx.Err()
	case permanent(err) || job.Attempt >= job.MaxAttempts:
		if serr := sc.SetImportJobState(end, j.ID, store.JobFailed, nil, errs.Message(err)); serr != nil {
			return serr
		}
		e.dropUpload(end, j)
		return river.JobCancel(err)
	default:
		if serr := sc.SetImportJobState(end, j.ID, store.JobQueued, nil, "attempt "+strconv.Itoa(job.Attempt)+" failed ("+errs.Message(err)+"); another follows"); serr != nil {
			e.cfg.Log.Error("import job", "job", j.ID, "err", serr)
		}
		return err
	}
}

// permanent says whether another attempt would fail the same way: the
// file itself is refused.
func permanent(err error) bool {
	for _, k := range []errs.Kind{errs.Invalid, errs.Forbidden, errs.TooLarge, errs.NotFound} {
		if errs.Is(err, k) {
			return true
		}
	}
	return false
}

func (e *Engine) dropUpload(ctx context.Context, j *store.ImportJob) {
	if err := e.cfg.Blobs.Delete(ctx, j.BlobKey); err != nil {
		e.cfg.Log.Warn("an imported upload could not be removed; the sweep will", "job", j.ID, "err", err)
	}
}
