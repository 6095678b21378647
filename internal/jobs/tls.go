package jobs

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tlssec"
)

// TLSProbeArgs is the job that probes an organisation's TLS endpoints.
type TLSProbeArgs struct{ ProbeArgs }

// Kind names the job in River's queue.
func (TLSProbeArgs) Kind() string { return "tls_probe" }

// DefaultTLSProbeEvery is how often every organisation's TLS endpoints
// are probed.
const DefaultTLSProbeEvery = 24 * time.Hour

// QueueTLSProbe enqueues a probe of the organisation's TLS endpoints, as
// the actor of ctx; one already waiting or running stands for both.
func (e *Engine) QueueTLSProbe(ctx context.Context, orgID string) error {
	_, err := e.client.Insert(ctx, TLSProbeArgs{probeOf(ctx, orgID)}, waitingOrRunning)
	return err
}

// TLSService is the TLS service of the engine's installation, its probes
// queued as jobs and followed by a run of the checks.
func (e *Engine) TLSService() *tlssec.Service {
	svc := tlssec.Service{}
	if e.cfg.TLS != nil {
		svc = *e.cfg.TLS
	}
	svc.Queue = e
	if svc.Now == nil {
		svc.Now = e.cfg.Now
	}
	return &svc
}

type tlsWorker struct {
	river.WorkerDefaults[TLSProbeArgs]
	e *Engine
}

// Timeout bounds a probe: every endpoint, a few at a time, each bounded
// on its own.
func (w *tlsWorker) Timeout(*river.Job[TLSProbeArgs]) time.Duration { return time.Hour }

func (w *tlsWorker) Work(ctx context.Context, job *river.Job[TLSProbeArgs]) error {
	e := w.e
	o, err := e.cfg.Store.Organization(ctx, job.Args.OrgID)
	if errs.Is(err, errs.NotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	_, err = e.TLSService().Probe(audit.WithActor(ctx, job.Args.actor("TLS endpoint probe (server)")), e.cfg.Store.Scope(o))
	if errs.Is(err, errs.Invalid) {
		return nil // nothing to probe now
	}
	return err
}

// probeDueTLS enqueues a probe of each organisation with an endpoint due
// one: one Safeguard has not probed, or last probed longer ago than the
// installation's interval. The periodic work.
func (e *Engine) probeDueTLS(ctx context.Context) error {
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
		assets, err := sc.InternetFacingAssets(ctx)
		if err != nil {
			return err
		}
		targets := tlssec.Targets(p, assets)
		if len(targets) == 0 {
			continue
		}
		results, err := sc.TLSResults(ctx)
		if err != nil {
			return err
		}
		probed := map[string]time.Time{}
		for _, r := range results {
			if r.Source == "safeguard" {
				probed[r.Endpoint] = r.CheckedAt
			}
		}
		due := false
		for _, t := range targets {
			at, ok := probed[t.Endpoint]
			due = due || !ok || now.Sub(at) >= e.cfg.TLSEvery
		}
		if due {
			if err := e.QueueTLSProbe(audit.WithActor(ctx, audit.Actor{}), o.ID); err != nil {
				return err
			}
		}
	}
	return nil
}
