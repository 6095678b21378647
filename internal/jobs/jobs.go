// Package jobs runs Safeguard's background and periodic work on River's
// queue, kept in the database: imports of uploaded files, the check runs
// an import calls for, and the periodic work of the installation (audit
// checkpoints, security reminders, sweeping uploads left behind). A job
// is enqueued in the transaction of the change that asks for it; any
// server sharing the database takes it up; a job whose server dies is
// taken up again by another once River finds it stuck; periodic work is
// enqueued by one server at a time, River's elected leader.
package jobs

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/safeguard-health/safeguard/internal/blob"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tlssec"
)

// Queues.
const (
	queueImports = "imports"
	queueDefault = river.QueueDefault
)

// DefaultRescueAfter is how often the servers look for jobs whose server
// died. A running job holds a lock of the database (on PostgreSQL, a lock
// of its server's connection, which a dead server lets go); a job marked
// running whose lock no one holds is given back to the queue for another
// server to take up. A job that still runs is never run twice, however
// long it takes.
const DefaultRescueAfter = time.Minute

// rescueGrace is how long a job must have been running before it can be
// taken for an orphan: a job holds its lock from the moment it starts, so
// this only spares one a server has just taken.
const rescueGrace = 5 * time.Second

// Periodic is work done every so often by one server of the installation.
type Periodic struct {
	Name  string
	Every time.Duration
	Run   func(ctx context.Context) error
}

// Config sets up an Engine.
type Config struct {
	Store *store.Store
	Blobs *blob.Store
	Log   *slog.Logger
	// Work says whether this process works jobs (a server) or only
	// enqueues them (a command line verb).
	Work bool
	// RescueAfter: DefaultRescueAfter when 0.
	RescueAfter time.Duration
	// PollInterval is how often an idle server looks for new jobs (1s when
	// 0).
	PollInterval time.Duration
	// Periodic is the installation's periodic work.
	Periodic []Periodic
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Email says how organisations' email domains are probed (the
	// resolver, the timeouts); the system's resolver when nil.
	// EmailEvery is how often every organisation's are
	// (DefaultEmailProbeEvery when 0; negative: never, only on request).
	Email      *emailsec.Service
	EmailEvery time.Duration
	// TLS says how organisations' TLS endpoints are probed (timeouts,
	// workers, trusted CAs); TLSEvery is how often every organisation's
	// are (DefaultTLSProbeEvery when 0; negative: never, only on
	// request).
	TLS      *tlssec.Service
	TLSEvery time.Duration
}

// Engine enqueues and works jobs.
type Engine struct {
	cfg    Config
	client *river.Client[*sql.Tx]
	tasks  map[string]Periodic
}

// New makes an engine over the store's database; Start starts working.
func New(cfg Config) (*Engine, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.RescueAfter <= 0 {
		cfg.RescueAfter = DefaultRescueAfter
	}
	if cfg.PollInterval <= 0 {
		cfg.PollInterval = time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.EmailEvery == 0 {
		cfg.EmailEvery = DefaultEmailProbeEvery
	}
	if cfg.TLSEvery == 0 {
		cfg.TLSEvery = DefaultTLSProbeEvery
	}
	e := &Engine{cfg: cfg, tasks: map[string]Periodic{}}
	rc := &river.Config{
		Logger: riverLogger(cfg.Log, cfg.Store.Engine() == store.SQLite),
		// Polling works the same on both engines and through database/sql.
		PollOnly:          true,
		FetchPollInterval: cfg.PollInterval,
		FetchCooldown:     min(cfg.PollInterval, 100*time.Millisecond),
		// River's own rescue is by time alone, so no job times out and
		// River leaves running jobs be; rescueOrphans finds the dead ones
		// by their locks. An import takes as long as its file.
		JobTimeout:  -1,
		MaxAttempts: 5,
		Middleware:  []rivertype.Middleware{&holdLock{e: e}},
	}
	if cfg.Work {
		workers := river.NewWorkers()
		river.AddWorker(workers, &importWorker{e: e})
		river.AddWorker(workers, &checkWorker{e: e})
		river.AddWorker(workers, &periodicWorker{e: e})
		river.AddWorker(workers, &rankWorker{e: e})
		river.AddWorker(workers, &emailWorker{e: e})
		river.AddWorker(workers, &tlsWorker{e: e})
		rc.Workers = workers
		imports := 2
		if cfg.Store.Engine() == store.SQLite {
			imports = 1 // the database takes one writer
		}
		rc.Queues = map[string]river.QueueConfig{queueImports: {MaxWorkers: imports}, queueDefault: {MaxWorkers: 2}}
		periodic := append([]Periodic{
			{Name: "sweep-uploads", Every: time.Hour, Run: e.SweepUploads},
			{Name: "rescue-orphans", Every: cfg.RescueAfter, Run: e.rescueOrphans},
		}, cfg.Periodic...)
		if cfg.EmailEvery > 0 {
			periodic = append(periodic, Periodic{Name: "email-probes", Every: min(emailTick, cfg.EmailEvery), Run: e.probeDueEmail})
		}
		if cfg.TLSEvery > 0 {
			periodic = append(periodic, Periodic{Name: "tls-probes", Every: min(emailTick, cfg.TLSEvery), Run: e.probeDueTLS})
		}
		for _, p := range periodic {
			if _, dup := e.tasks[p.Name]; dup || p.Every <= 0 || p.Run == nil {
				return nil, fmt.Errorf("periodic work %q: a name of its own, an interval and a function", p.Name)
			}
			e.tasks[p.Name] = p
			every := p.Every
			name := p.Name
			rc.PeriodicJobs = append(rc.PeriodicJobs, river.NewPeriodicJob(river.PeriodicInterval(every),
				func() (river.JobArgs, *river.InsertOpts) {
					return PeriodicArgs{Name: name}, &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByPeriod: every}}
				}, &river.PeriodicJobOpts{ID: name, RunOnStart: true}))
		}
	}
	client, err := river.NewClient(cfg.Store.QueueDriver(), rc)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "the job engine", err)
	}
	e.client = client
	return e, nil
}

// Start works jobs until Stop. Errors: Unavailable when the queue cannot
// be reached.
func (e *Engine) Start(ctx context.Context) error {
	if err := e.client.Start(context.WithoutCancel(ctx)); err != nil {
		return errs.Wrap(errs.Unavailable, "the job engine cannot start", err)
	}
	return nil
}

// Stop stops taking jobs and cancels the running ones: an import rolls
// back, leaving nothing, and goes back to the queue for the next server to
// take up.
func (e *Engine) Stop(ctx context.Context) error {
	err := e.client.StopAndCancel(ctx)
	if errors.Is(err, river.ErrNotFound) || err == nil {
		return nil
	}
	return err
}

// Wait returns once no job is waiting or running (or ctx ends): for tests,
// and for a command that must see its work done.
func (e *Engine) Wait(ctx context.Context) error {
	for {
		res, err := e.client.JobList(ctx, river.NewJobListParams().States(
			rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
			rivertype.JobStateRetryable, rivertype.JobStateScheduled).First(1))
		if err != nil {
			return err
		}
		if len(res.Jobs) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// holdLock holds a lock of the database named after the job while it
// runs: the sign, to every server, that its server is alive.
type holdLock struct {
	river.WorkerMiddlewareDefaults
	e *Engine
}

func jobLock(id int64) string { return "job:" + strconv.FormatInt(id, 10) }

func (h *holdLock) Work(ctx context.Context, job *rivertype.JobRow, doInner func(ctx context.Context) error) error {
	release, ok, err := h.e.cfg.Store.TryLock(ctx, jobLock(job.ID))
	if err != nil {
		return err
	}
	if !ok {
		return river.JobSnooze(time.Second) // another attempt still runs
	}
	defer release()
	return doInner(ctx)
}

// rescueOrphans gives back to the queue the jobs marked running whose
// lock no one holds: their server died.
func (e *Engine) rescueOrphans(ctx context.Context) error {
	res, err := e.client.JobList(ctx, river.NewJobListParams().States(rivertype.JobStateRunning).First(1000))
	if err != nil {
		return err
	}
	for _, j := range res.Jobs {
		if j.AttemptedAt == nil || e.cfg.Now().Sub(*j.AttemptedAt) < rescueGrace {
			continue
		}
		release, free, err := e.cfg.Store.TryLock(ctx, jobLock(j.ID))
		if err != nil {
			return err
		}
		if !free {
			continue // its server is alive
		}
		requeued, err := e.cfg.Store.RequeueOrphanedJob(ctx, j.ID)
		release()
		if err != nil {
			return err
		}
		if requeued {
			e.cfg.Log.Warn("a job whose server died goes back to the queue", "job", j.ID, "kind", j.Kind, "attempt", j.Attempt)
		}
	}
	return nil
}

// Blobs is where uploads wait for their import.
func (e *Engine) Blobs() *blob.Store { return e.cfg.Blobs }

// riverLogger marks River's own messages as the job engine's, and passes
// its routine ones (a client started, job counts every few seconds) at
// Debug: a server's log at Info says what Safeguard did. On SQLite, whose
// one writer a long import holds, River's operations wait for it and time
// out; those are passed at Warn, saying so, since the engine carries on
// when the import ends.
func riverLogger(l *slog.Logger, sqlite bool) *slog.Logger {
	return slog.New(quieter{Handler: l.Handler(), sqlite: sqlite}).With(slog.String("component", "jobs"))
}

type quieter struct {
	slog.Handler
	sqlite bool
}

func (q quieter) Enabled(ctx context.Context, level slog.Level) bool {
	// A timeout at Error may be passed at Warn: let it through to Handle.
	return q.Handler.Enabled(ctx, demote(level)) || (q.sqlite && level == slog.LevelError && q.Handler.Enabled(ctx, slog.LevelWarn))
}

func (q quieter) Handle(ctx context.Context, r slog.Record) error {
	r.Level = demote(r.Level)
	if q.sqlite && r.Level == slog.LevelError && timedOut(r) {
		r.Level = slog.LevelWarn
		r.AddAttrs(slog.String("why", "SQLite's one writer is held by a running import; the job engine carries on when it ends"))
	}
	if !q.Handler.Enabled(ctx, r.Level) {
		return nil
	}
	return q.Handler.Handle(ctx, r)
}

func timedOut(r slog.Record) bool {
	found := false
	r.Attrs(func(a slog.Attr) bool {
		if v := a.Value.String(); strings.Contains(v, "timed out") || strings.Contains(v, "deadline exceeded") || strings.Contains(v, "SQLITE_BUSY") {
			found = true
			return false
		}
		return true
	})
	return found
}

func (q quieter) WithAttrs(attrs []slog.Attr) slog.Handler {
	return quieter{Handler: q.Handler.WithAttrs(attrs), sqlite: q.sqlite}
}

func (q quieter) WithGroup(name string) slog.Handler {
	return quieter{Handler: q.Handler.WithGroup(name), sqlite: q.sqlite}
}

func demote(l slog.Level) slog.Level {
	if l == slog.LevelInfo {
		return slog.LevelDebug
	}
	return l
}
