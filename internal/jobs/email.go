package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// ProbeArgs are a probe job's: the organisation, unique while its probe
// waits or runs, and who asked for it (none for the periodic round).
type ProbeArgs struct {
	OrgID       string `json:"org_id" river:"unique"`
	ActorID     string `json:"actor_id,omitempty"`
	ActorLabel  string `json:"actor,omitempty"`
	ActorSource string `json:"actor_source,omitempty"`
}

// probeOf is the args of a probe of orgID asked for by the actor of ctx.
func probeOf(ctx context.Context, orgID string) ProbeArgs {
	a := audit.ActorFrom(ctx)
	return ProbeArgs{OrgID: orgID, ActorID: a.ID, ActorLabel: a.Label, ActorSource: a.Source}
}

// actor is who the probe runs as: who asked for it, or the server's round.
func (p ProbeArgs) actor(round string) audit.Actor {
	if p.ActorLabel == "" {
		return audit.Actor{Label: round, Source: "jobs"}
	}
	return audit.Actor{ID: p.ActorID, Label: p.ActorLabel, Source: p.ActorSource}
}

// waitingOrRunning makes a job unique by its args while it waits or runs:
// one already queued stands for a second.
var waitingOrRunning = &river.InsertOpts{UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
	rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled, rivertype.JobStateRetryable}}}

// EmailProbeArgs is the job that probes an organisation's email domains.
type EmailProbeArgs struct{ ProbeArgs }

// Kind names the job in River's queue.
func (EmailProbeArgs) Kind() string { return "email_probe" }

// DefaultEmailProbeEvery is how often every organisation's email domains
// are probed.
const DefaultEmailProbeEvery = 24 * time.Hour

// QueueEmailProbe enqueues a probe of the organisation's email domains,
// as the actor of ctx; one already waiting or running stands for both.
func (e *Engine) QueueEmailProbe(ctx context.Context, orgID string) error {
	_, err := e.client.Insert(ctx, EmailProbeArgs{probeOf(ctx, orgID)}, waitingOrRunning)
	return err
}

// email is the engine's email service, queueing through the engine.
func (e *Engine) email() *emailsec.Service {
	svc := emailsec.Service{}
	if e.cfg.Email != nil {
		svc = *e.cfg.Email
	}
	svc.Queue = e
	if svc.Now == nil {
		svc.Now = e.cfg.Now
	}
	return &svc
}

// EmailService is the email service of the engine's installation, its
// probes queued as jobs and followed by a run of the checks.
func (e *Engine) EmailService() *emailsec.Service { return e.email() }

type emailWorker struct {
	river.WorkerDefaults[EmailProbeArgs]
	e *Engine
}

// Timeout bounds a probe: every domain's DNS and servers, each bounded
// on its own.
func (w *emailWorker) Timeout(*river.Job[EmailProbeArgs]) time.Duration { return 10 * time.Minute }

func (w *emailWorker) Work(ctx context.Context, job *river.Job[EmailProbeArgs]) error {
	e := w.e
	o, err := e.cfg.Store.Organization(ctx, job.Args.OrgID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	ctx = audit.WithActor(ctx, job.Args.actor("email domain probe (server)"))
	out, err := e.email().Probe(ctx, e.cfg.Store.Scope(o))
	switch {
	case errs.Is(err, errs.Invalid):
		return nil // the profile lists no domains now
	case err != nil:
		return err
	}
	if len(out.Unknown) > 0 {
		e.cfg.Log.Warn("email probe", "org", o.Slug, "unknown", out.Unknown)
	}
	return nil
}

// emailTick is how often the servers look for organisations whose email
// domains (and TLS endpoints) are due a probe: a probe is due when a
// domain of the profile has none, or its newest is older than the
// installation's interval, so that restarts neither skip nor repeat one.
const emailTick = 15 * time.Minute

// probeDueEmail enqueues a probe of each organisation whose profile lists
// an email domain due one: the periodic work.
func (e *Engine) probeDueEmail(ctx context.Context) error {
	orgs, err := e.cfg.Store.Organizations(ctx)
	if err != nil {
		return err
	}
	now := e.cfg.Now()
	for _, o := range orgs {
		sc := e.cfg.Store.Scope(o)
		p, err := sc.Profile(ctx)
		if err != nil {
			return err
		}
		if len(p.EmailDomains) == 0 {
			continue
		}
		probes, err := sc.EmailProbes(ctx)
		if err != nil {
			return err
		}
		newest := map[string]time.Time{}
		for _, pr := range probes {
			if pr.ProbedAt.After(newest[pr.Domain]) {
				newest[pr.Domain] = pr.ProbedAt
			}
		}
		due := false
		for _, d := range p.EmailDomains {
			at, ok := newest[d.Domain]
			due = due || !ok || now.Sub(at) >= e.cfg.EmailEvery
		}
		if !due {
			continue
		}
		if err := e.QueueEmailProbe(audit.WithActor(ctx, audit.Actor{}), o.ID); err != nil {
			return err
		}
	}
	return nil
}
