package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// Import job states.
const (
	JobQueued  = "queued"
	JobRunning = "running"
	JobDone    = "done"
	JobFailed  = "failed"
	// JobPreviewed: an account export was read and what it would change
	// is its outcome; it waits for someone to apply or discard it.
	JobPreviewed = "previewed"
)

// States of the check run an import enqueues when it lands.
const (
	ChecksQueued = "queued"
	ChecksDone   = "done"
	ChecksFailed = "failed"
)

// TxFunc is work done inside another method's transaction, so that it
// lands with that method's change or not at all: the state of the job a
// change belongs to, the background work it asks for.
type TxFunc func(ctx context.Context, tx *sql.Tx) error

func runAfter(ctx context.Context, tx *sql.Tx, after []TxFunc) error {
	for _, fn := range after {
		if fn == nil {
			continue
		}
		if err := fn(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// ImportJob is a file uploaded to be imported in the background.
type ImportJob struct {
	ID       string `json:"id"`
	Filename string `json:"filename"`
	Format   string `json:"format,omitempty"` // as the uploader named it; "" to detect
	Size     int64  `json:"size"`
	BlobKey  string `json:"-"` // where the sealed upload waits
	SHA256   string `json:"sha256,omitempty"`
	// System is the system an account export's accounts sign in to ("":
	// the format's); Applied says its preview was applied.
	System string `json:"system,omitempty"`
	// Framework is the id an OSCAL catalog or profile becomes ("": made
	// from its title).
	Framework string          `json:"framework,omitempty"`
	Applied   bool            `json:"applied,omitempty"`
	State     string          `json:"state"`
	Read      int64           `json:"read_bytes"` // how far a running import has read
	Attempts  int             `json:"attempts"`
	Outcome   json.RawMessage `json:"outcome,omitempty"` // what the import did, when done
	Error     string          `json:"error,omitempty"`   // why it failed, or why it waits for another attempt
	CreatedBy string          `json:"created_by"`
	Created   time.Time       `json:"created_at"`
	Started   *time.Time      `json:"started_at,omitempty"`
	Finished  *time.Time      `json:"finished_at,omitempty"`
	// The check run the import enqueued when it landed: queued, done (when,
	// and what changed) or failed.
	ChecksState   string     `json:"checks_state,omitempty"`
	ChecksAt      *time.Time `json:"checks_at,omitempty"`
	ChecksSummary []string   `json:"checks_summary,omitempty"`
}

// Ended says whether the job is done or failed.
func (j *ImportJob) Ended() bool { return j.State == JobDone || j.State == JobFailed }

const jobColumns = `id, filename, format, size_bytes, blob_key, sha256, system, framework, applied, state, read_bytes, attempts, outcome, error, created_by, created_at, started_at, finished_at, checks_state, checks_at, checks_summary`

// CreateImportJob records an upload waiting in the blob store under
// j.BlobKey to be imported, and runs after in the same transaction (the
// background job that will import it is enqueued there).
func (sc *Scoped) CreateImportJob(ctx context.Context, j *ImportJob, after ...TxFunc) error {
	s := sc.s
	id, err := newID()
	if err != nil {
		return err
	}
	j.ID, j.State, j.CreatedBy, j.Created = id, JobQueued, audit.ActorFrom(ctx).Label, s.now().UTC().Truncate(time.Second)
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO import_jobs (id, org_id, filename, format, size_bytes, blob_key, sha256, system, framework, state, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			j.ID, sc.org.ID, j.Filename, j.Format, j.Size, j.BlobKey, j.SHA256, j.System, j.Framework, j.State, j.CreatedBy, formatTime(j.Created)); err != nil {
			return translate(err, "import job")
		}
		return runAfter(ctx, tx, after)
	})
}

// StartImportJob marks a job running, as its attempt-th attempt, from the
// start of its file. Errors: NotFound.
func (sc *Scoped) StartImportJob(ctx context.Context, id string, attempt int) error {
	s := sc.s
	s.progress.forget(id)
	return sc.updateJob(ctx, s.write, `state = ?, read_bytes = 0, attempts = ?, error = '', started_at = ?`, JobRunning, attempt, formatTime(s.now().UTC().Truncate(time.Second)))(id)
}

// SetImportJobProgress records how far a running import has read. On
// PostgreSQL the row holds it, so that every server shows it; SQLite's one
// writer is the import's own transaction until it ends, so the process
// running the import (the only one a SQLite file has) holds it instead.
func (sc *Scoped) SetImportJobProgress(ctx context.Context, id string, read int64) error {
	s := sc.s
	if s.engine == SQLite {
		s.progress.set(id, read)
		return nil
	}
	return sc.updateJob(ctx, s.write, `read_bytes = ?`, read)(id)
}

// SetImportJobState ends a job — done with its outcome (any value
// marshalled as JSON), or failed with why — or puts it back in the queue
// with why it waits for another attempt.
func (sc *Scoped) SetImportJobState(ctx context.Context, id, state string, outcome any, why string) error {
	s := sc.s
	var raw []byte
	if outcome != nil {
		var err error
		if raw, err = json.Marshal(outcome); err != nil {
			return errs.Wrap(errs.Internal, "import job outcome", err)
		}
	}
	finished := ""
	read := "read_bytes"
	if state == JobDone || state == JobFailed || state == JobPreviewed {
		finished = formatTime(s.now().UTC().Truncate(time.Second))
	}
	if state == JobDone {
		read = "size_bytes"
	}
	s.progress.forget(id)
	return sc.updateJob(ctx, s.write, `state = ?, outcome = ?, error = ?, finished_at = ?, read_bytes = `+read, state, string(raw), why, finished)(id)
}

// QueueChecks marks, inside the import's transaction, that the job's
// import enqueued a run of the checks.
func (sc *Scoped) QueueChecks(ctx context.Context, tx *sql.Tx, jobID string) error {
	return sc.updateJob(ctx, tx, `checks_state = ?, checks_at = '', checks_summary = ''`, ChecksQueued)(jobID)
}

// ChecksQueuedFor returns the jobs of the organisation whose import
// queued a run of the checks that has not yet run: their imports have
// landed, so a run that starts now sees them.
func (sc *Scoped) ChecksQueuedFor(ctx context.Context) ([]string, error) {
	s := sc.s
	return s.queryStrings(ctx, "import jobs", `SELECT id FROM import_jobs WHERE org_id = ? AND checks_state = ? ORDER BY id`, sc.org.ID, ChecksQueued)
}

// ChecksRan records on the jobs ids that the checks their imports queued
// ran (or failed to), and what changed.
func (sc *Scoped) ChecksRan(ctx context.Context, ids []string, state string, summary []string) error {
	s := sc.s
	raw, err := json.Marshal(summary)
	if err != nil {
		return errs.Wrap(errs.Internal, "check summary", err)
	}
	at := formatTime(s.now().UTC().Truncate(time.Second))
	for _, id := range ids {
		if err := sc.updateJob(ctx, s.write, `checks_state = ?, checks_at = ?, checks_summary = ?`, state, at, string(raw))(id); err != nil && !errs.Is(err, errs.NotFound) {
			return err
		}
	}
	return nil
}

type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
}

// updateJob sets columns of one of the organisation's jobs.
func (sc *Scoped) updateJob(ctx context.Context, db execer, set string, args ...any) func(id string) error {
	return func(id string) error {
		s := sc.s
		res, err := db.ExecContext(ctx, s.rebind(`UPDATE import_jobs SET `+set+` WHERE org_id = ? AND id = ?`), append(args, sc.org.ID, id)...)
		if err != nil {
			return translate(err, "import job")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "import job not found")
		}
		return nil
	}
}

// ImportJob returns one job. Errors: NotFound.
func (sc *Scoped) ImportJob(ctx context.Context, id string) (*ImportJob, error) {
	s := sc.s
	j, err := s.scanJob(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+jobColumns+` FROM import_jobs WHERE org_id = ? AND id = ?`), sc.org.ID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "import job not found")
	}
	return j, translate(err, "import job")
}

// ImportJobs returns the organisation's newest jobs, newest first.
func (sc *Scoped) ImportJobs(ctx context.Context, limit int) ([]*ImportJob, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+jobColumns+` FROM import_jobs WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`), sc.org.ID, limit)
	if err != nil {
		return nil, translate(err, "import jobs")
	}
	defer rows.Close()
	out := []*ImportJob{}
	for rows.Next() {
		j, err := s.scanJob(rows)
		if err != nil {
			return nil, translate(err, "import jobs")
		}
		out = append(out, j)
	}
	return out, translate(rows.Err(), "import jobs")
}

// PreviewKept is how long a previewed upload waits to be applied: a sweep
// then removes it, and applying it asks for the file again.
const PreviewKept = 7 * 24 * time.Hour

// ApplyImportJob marks a previewed job to be imported and queued again,
// and runs after (which enqueues its background job) in the same
// transaction. Errors: Conflict when it is not waiting on its preview.
func (sc *Scoped) ApplyImportJob(ctx context.Context, id string, after ...TxFunc) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE import_jobs SET state = ?, applied = 1, error = '', finished_at = '', read_bytes = 0 WHERE org_id = ? AND id = ? AND state = ? AND finished_at >= ?`),
			JobQueued, sc.org.ID, id, JobPreviewed, formatTime(s.now().Add(-PreviewKept)))
		if err != nil {
			return change{}, translate(err, "import job")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return change{}, errs.New(errs.Conflict, "this upload is not waiting to be applied (applied or discarded already, or kept past its week): upload the file again")
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "import.apply", target: "import_job:" + id}, nil
	})
}

// DiscardImportJob ends a previewed job without importing it, and returns
// it (its upload is then the caller's to remove). Errors: Conflict when it
// is not waiting on its preview.
func (sc *Scoped) DiscardImportJob(ctx context.Context, id string) (*ImportJob, error) {
	s := sc.s
	j, err := sc.ImportJob(ctx, id)
	if err != nil {
		return nil, err
	}
	err = s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE import_jobs SET state = ?, error = ?, finished_at = ? WHERE org_id = ? AND id = ? AND state = ?`),
			JobFailed, "discarded after its preview by "+audit.ActorFrom(ctx).Label, formatTime(s.now().UTC().Truncate(time.Second)), sc.org.ID, id, JobPreviewed)
		if err != nil {
			return change{}, translate(err, "import job")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return change{}, errs.New(errs.Conflict, "this upload is not waiting to be applied")
		}
		return change{orgID: sc.org.ID, action: "import.discard", target: "import_job:" + id}, nil
	})
	return j, err
}

// LiveBlobKeys returns the blobs of every job, in any organisation, that
// has not ended, or waits on its preview: the uploads a sweep must keep.
func (s *Store) LiveBlobKeys(ctx context.Context) (map[string]bool, error) {
	keys, err := s.queryStrings(ctx, "import jobs", `SELECT blob_key FROM import_jobs WHERE (state IN (?, ?) OR state = ? AND finished_at >= ?) AND blob_key <> ''`,
		JobQueued, JobRunning, JobPreviewed, formatTime(s.now().Add(-PreviewKept)))
	live := map[string]bool{}
	for _, k := range keys {
		live[k] = true
	}
	return live, err
}

func (s *Store) scanJob(row scanner) (*ImportJob, error) {
	var j ImportJob
	var outcome, created, started, finished, checksAt, summary string
	var applied int
	defer func() { j.Applied = applied != 0 }()
	if err := row.Scan(&j.ID, &j.Filename, &j.Format, &j.Size, &j.BlobKey, &j.SHA256, &j.System, &j.Framework, &applied, &j.State, &j.Read, &j.Attempts, &outcome, &j.Error, &j.CreatedBy, &created, &started, &finished, &j.ChecksState, &checksAt, &summary); err != nil {
		return nil, err
	}
	if outcome != "" {
		j.Outcome = json.RawMessage(outcome)
	}
	if summary != "" {
		if err := json.Unmarshal([]byte(summary), &j.ChecksSummary); err != nil {
			return nil, err
		}
	}
	var err error
	if j.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	for _, t := range []struct {
		text string
		into **time.Time
	}{{started, &j.Started}, {finished, &j.Finished}, {checksAt, &j.ChecksAt}} {
		if t.text == "" {
			continue
		}
		v, err := parseTime(t.text)
		if err != nil {
			return nil, err
		}
		*t.into = &v
	}
	if j.State == JobRunning {
		if read, ok := s.progress.get(j.ID); ok {
			j.Read = read
		}
	}
	return &j, nil
}

// progress holds how far the running imports of a SQLite database have
// read (see SetImportJobProgress).
type progress struct {
	mu   sync.Mutex
	read map[string]int64
}

func (p *progress) set(id string, read int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.read == nil {
		p.read = map[string]int64{}
	}
	p.read[id] = read
}

func (p *progress) get(id string) (int64, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	r, ok := p.read[id]
	return r, ok
}

func (p *progress) forget(id string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.read, id)
}

// ChecksQueue queues a run of an organisation's checks inside a
// transaction (internal/jobs' engine implements it).
type ChecksQueue interface {
	QueueChecksTx(ctx context.Context, tx *sql.Tx, orgID string) error
}

// QueueChecks is what a service hands a write so that the checks of
// orgID run once it lands: nothing when q is nil.
func QueueChecks(q ChecksQueue, orgID string) []TxFunc {
	if q == nil {
		return nil
	}
	return []TxFunc{func(ctx context.Context, tx *sql.Tx) error { return q.QueueChecksTx(ctx, tx, orgID) }}
}
