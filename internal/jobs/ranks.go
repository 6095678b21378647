package jobs

import (
	"context"
	"database/sql"

	"github.com/riverqueue/river"
)

// RankRefreshArgs is the walk that brings every organisation's open
// findings' KEV and EPSS keys (the order to fix) up to date after a KEV
// catalog or EPSS scores land, in short transactions of rankStretch
// findings, and then runs again the checks of every organisation, whose
// verdicts the catalog may have changed.
type RankRefreshArgs struct{}

// Kind names the job in River's queue.
func (RankRefreshArgs) Kind() string { return "rank_refresh" }

// rankStretch is how many open findings one transaction of the walk
// brings up to date: the writer is held that long at a time.
const rankStretch = 5000

// QueueRankRefreshTx enqueues the walk in tx, the transaction of the
// KEV or EPSS import that calls for it.
func (e *Engine) QueueRankRefreshTx(ctx context.Context, tx *sql.Tx) error {
	_, err := e.client.InsertTx(ctx, tx, RankRefreshArgs{}, nil)
	return err
}

// RefreshRanks walks every organisation's open findings now (what the
// job does), for a process that imported a catalog and will read the
// order itself before a server has taken the job; it gives the
// organisations whose KEV keys moved.
func (e *Engine) RefreshRanks(ctx context.Context) ([]string, error) {
	return e.cfg.Store.RefreshAllRanks(ctx, rankStretch)
}

type rankWorker struct {
	river.WorkerDefaults[RankRefreshArgs]
	e *Engine
}

func (w *rankWorker) Work(ctx context.Context, job *river.Job[RankRefreshArgs]) error {
	e := w.e
	if _, err := e.RefreshRanks(ctx); err != nil {
		return err
	}
	orgs, err := e.cfg.Store.Organizations(ctx)
	if err != nil {
		return err
	}
	for _, o := range orgs {
		if _, err := e.client.Insert(ctx, CheckRunArgs{OrgID: o.ID}, nil); err != nil {
			return err
		}
	}
	return nil
}
