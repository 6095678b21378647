package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
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
)

// ImportJob is a file uploaded to be imported in the background.
type ImportJob struct {
	ID        string          `json:"id"`
	Filename  string          `json:"filename"`
	Format    string          `json:"format,omitempty"` // as the uploader named it; "" to detect
	Size      int64           `json:"size"`
	State     string          `json:"state"`
	Outcome   json.RawMessage `json:"outcome,omitempty"` // what the import did, when done
	Error     string          `json:"error,omitempty"`   // why it failed
	CreatedBy string          `json:"created_by"`
	Created   time.Time       `json:"created_at"`
	Finished  *time.Time      `json:"finished_at,omitempty"`
}

const jobColumns = `id, filename, format, size_bytes, state, outcome, error, created_by, created_at, finished_at`

// CreateImportJob records an upload waiting to be imported.
func (sc *Scoped) CreateImportJob(ctx context.Context, j *ImportJob) error {
	s := sc.s
	id, err := newID()
	if err != nil {
		return err
	}
	j.ID, j.State, j.CreatedBy, j.Created = id, JobQueued, audit.ActorFrom(ctx).Label, s.now().UTC().Truncate(time.Second)
	_, err = s.write.ExecContext(ctx, s.rebind(`INSERT INTO import_jobs (id, org_id, filename, format, size_bytes, state, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		j.ID, sc.org.ID, j.Filename, j.Format, j.Size, j.State, j.CreatedBy, formatTime(j.Created))
	return translate(err, "import job")
}

// SetImportJobState moves a job to running, or ends it: done with its
// outcome (any value marshalled as JSON), or failed with why.
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
	if state == JobDone || state == JobFailed {
		finished = formatTime(s.now().UTC().Truncate(time.Second))
	}
	res, err := s.write.ExecContext(ctx, s.rebind(`UPDATE import_jobs SET state = ?, outcome = ?, error = ?, finished_at = ? WHERE org_id = ? AND id = ?`),
		state, string(raw), why, finished, sc.org.ID, id)
	if err != nil {
		return translate(err, "import job")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return errs.New(errs.NotFound, "import job not found")
	}
	return nil
}

// ImportJob returns one job. Errors: NotFound.
func (sc *Scoped) ImportJob(ctx context.Context, id string) (*ImportJob, error) {
	s := sc.s
	j, err := scanJob(s.read.QueryRowContext(ctx, s.rebind(`SELECT `+jobColumns+` FROM import_jobs WHERE org_id = ? AND id = ?`), sc.org.ID, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "import job not found")
	}
	return j, translate(err, "import job")
}

// ImportJobs returns the organisation's newest jobs, newest first.
func (sc *Scoped) ImportJobs(ctx context.Context, limit int) ([]*ImportJob, error) {
	s := sc.s
	rows, err := s.read.QueryContext(ctx, s.rebind(`SELECT `+jobColumns+` FROM import_jobs WHERE org_id = ? ORDER BY created_at DESC, id DESC LIMIT ?`), sc.org.ID, limit)
	if err != nil {
		return nil, translate(err, "import jobs")
	}
	defer rows.Close()
	out := []*ImportJob{}
	for rows.Next() {
		j, err := scanJob(rows)
		if err != nil {
			return nil, translate(err, "import jobs")
		}
		out = append(out, j)
	}
	return out, translate(rows.Err(), "import jobs")
}

// AbandonImportJobs fails every job left queued or running, as a server
// that stopped in the middle leaves them: their uploads are gone and,
// each import being one transaction, nothing of them landed. It returns
// how many there were.
func (s *Store) AbandonImportJobs(ctx context.Context) (int, error) {
	res, err := s.write.ExecContext(ctx, s.rebind(`UPDATE import_jobs SET state = ?, error = ?, finished_at = ? WHERE state IN (?, ?)`),
		JobFailed, "the server stopped before the import finished; nothing of it landed: upload the file again", formatTime(s.now().UTC().Truncate(time.Second)), JobQueued, JobRunning)
	if err != nil {
		return 0, translate(err, "import jobs")
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

func scanJob(row scanner) (*ImportJob, error) {
	var j ImportJob
	var outcome, created, finished string
	if err := row.Scan(&j.ID, &j.Filename, &j.Format, &j.Size, &j.State, &outcome, &j.Error, &j.CreatedBy, &created, &finished); err != nil {
		return nil, err
	}
	if outcome != "" {
		j.Outcome = json.RawMessage(outcome)
	}
	var err error
	if j.Created, err = parseTime(created); err != nil {
		return nil, err
	}
	if finished != "" {
		t, err := parseTime(finished)
		if err != nil {
			return nil, err
		}
		j.Finished = &t
	}
	return &j, nil
}
