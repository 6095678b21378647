package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"

	"github.com/riverqueue/river"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
)

// CheckRunArgs is the job that runs an organisation's checks.
type CheckRunArgs struct {
	OrgID string `json:"org_id"`
	// ImportJobID names the import job whose file called for the run, if
	// one did.
	ImportJobID string `json:"import_job_id,omitempty"`
}

// Kind names the job in River's queue.
func (CheckRunArgs) Kind() string { return "check_run" }

// queueChecks enqueues, in the import's transaction, the run of the
// checks its file calls for, and marks the import job as waiting for it.
func (e *Engine) queueChecks(ctx context.Context, tx *sql.Tx, sc *store.Scoped, jobID string) error {
	if err := sc.QueueChecks(ctx, tx, jobID); err != nil {
		return err
	}
	_, err := e.client.InsertTx(ctx, tx, CheckRunArgs{OrgID: sc.Org().ID, ImportJobID: jobID}, nil)
	return err
}

// QueueChecksTx enqueues a run of the organisation's checks in tx: for an
// import that lands outside an import job (the command line's).
func (e *Engine) QueueChecksTx(ctx context.Context, tx *sql.Tx, orgID string) error {
	_, err := e.client.InsertTx(ctx, tx, CheckRunArgs{OrgID: orgID}, nil)
	return err
}

type checkWorker struct {
	river.WorkerDefaults[CheckRunArgs]
	e *Engine
}

func (w *checkWorker) Work(ctx context.Context, job *river.Job[CheckRunArgs]) error {
	e := w.e
	o, err := e.cfg.Store.Organization(ctx, job.Args.OrgID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	sc := e.cfg.Store.Scope(o)
	// One run of an organisation's checks at a time; the next sees what
	// landed meanwhile.
	release, ok, err := e.cfg.Store.TryLock(ctx, "checks:"+o.ID)
	if err != nil {
		return err
	}
	if !ok {
		return river.JobSnooze(2 * time.Second)
	}
	defer release()
	waiting, err := sc.ChecksQueuedFor(ctx)
	if err != nil {
		return err
	}
	if job.Args.ImportJobID != "" && !slices.Contains(waiting, job.Args.ImportJobID) {
		return nil // a run since its import landed saw it
	}
	before, err := sc.CheckResults(ctx)
	if err != nil {
		return err
	}
	ctx = audit.WithActor(ctx, audit.Actor{Label: "checks after an import (server)", Source: "jobs"})
	results, err := (&checkrun.Service{Now: e.cfg.Now}).Run(ctx, sc)
	end := context.WithoutCancel(ctx)
	if err != nil {
		if ctx.Err() == nil && job.Attempt >= job.MaxAttempts {
			if serr := sc.ChecksRan(end, waiting, store.ChecksFailed, []string{errs.Message(err)}); serr != nil {
				e.cfg.Log.Error("check run", "org", o.Slug, "err", serr)
			}
		}
		return err
	}
	return sc.ChecksRan(end, waiting, store.ChecksDone, Changes(before, results))
}

// Changes says what a run of the checks changed: a line for each check
// whose verdict is new or differs from the run before, or one line saying
// nothing changed.
func Changes(before, after []*check.Result) []string {
	was := map[string]check.Status{}
	for _, r := range before {
		was[r.Check.ID] = r.Status
	}
	var lines []string
	for _, r := range after {
		old, ran := was[r.Check.ID]
		switch {
		case !ran:
			lines = append(lines, fmt.Sprintf("%s: %s (first run)", r.Check.Title, r.Status))
		case old != r.Status:
			lines = append(lines, fmt.Sprintf("%s: %s (was %s)", r.Check.Title, r.Status, old))
		}
	}
	if len(lines) == 0 {
		return []string{fmt.Sprintf("%d checks ran; no verdict changed", len(after))}
	}
	return append([]string{fmt.Sprintf("%d checks ran; %d verdicts changed", len(after), len(lines))}, lines...)
}

// PeriodicArgs is one round of periodic work.
type PeriodicArgs struct {
	Name string `json:"name"`
}

// Kind names the job in River's queue.
func (PeriodicArgs) Kind() string { return "periodic" }

type periodicWorker struct {
	river.WorkerDefaults[PeriodicArgs]
	e *Engine
}

func (w *periodicWorker) Work(ctx context.Context, job *river.Job[PeriodicArgs]) error {
	p, ok := w.e.tasks[job.Args.Name]
	if !ok {
		// Every server is set up alike; one that is not leaves the work to
		// the next round.
		w.e.cfg.Log.Warn("periodic work this server does not know", "name", job.Args.Name)
		return nil
	}
	return p.Run(ctx)
}
