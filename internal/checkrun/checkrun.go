// Package checkrun is the service that runs an organisation's automated
// checks and keeps what follows from them: the results with the records
// behind each verdict, the scorecard's inputs and the vulnerabilities
// failing checks propose to the risk register, in one transaction. The
// web pages, the API, the command line, the demo and the job that runs
// after an import all run the checks through it.
package checkrun

import (
	"context"
	"time"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/store"
)

// Store is what a check run needs of an organisation's records
// (store.Scoped implements it): what the checks read, and the run's
// transaction.
type Store interface {
	Source
	SaveCheckRun(ctx context.Context, run func(stage store.Stage) ([]*check.Result, error), propose store.Proposals) ([]*check.Result, error)
}

// Service runs the checks.
type Service struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

// Run runs every check of the organisation now, against its records, and
// stores the run: the records behind the verdicts are staged as the checks
// find them (a run holds none in memory), each result becomes a dated
// input of the scorecard, and each failing check with no vulnerability in
// the register yet proposes one.
func (s *Service) Run(ctx context.Context, sc Store) ([]*check.Result, error) {
	now := time.Now()
	if s != nil && s.Now != nil {
		now = s.Now()
	}
	return sc.SaveCheckRun(ctx, func(stage store.Stage) ([]*check.Result, error) {
		return EvaluateTo(ctx, sc, now, RecordSink(stage))
	}, CheckProposals)
}
