package check

import (
	"context"
	"time"

	"github.com/safeguard-health/safeguard/internal/identity"
)

// Source is where the checks read their data: the store, scoped to one
// organisation.
type Source interface {
	CheckSettings(ctx context.Context) (Settings, error)
	PeopleCount(ctx context.Context) (int, error)
	EachAccount(ctx context.Context, fn func(*identity.Account) error) error
	KEVLoaded(ctx context.Context) (bool, error)
	EachOpenFinding(ctx context.Context, fn func(*OpenFinding) error) error
}

// Run runs every check of the catalog over the organisation's data, in
// one pass over the accounts and one over the open findings, and returns
// the results dated now, in the catalog's order.
func Run(ctx context.Context, src Source, now time.Time) ([]*Result, error) {
	set, err := src.CheckSettings(ctx)
	if err != nil {
		return nil, err
	}
	people, err := src.PeopleCount(ctx)
	if err != nil {
		return nil, err
	}
	id := NewIdentity(set, people)
	if err := src.EachAccount(ctx, func(a *identity.Account) error { id.Add(a); return nil }); err != nil {
		return nil, err
	}
	kev, err := src.KEVLoaded(ctx)
	if err != nil {
		return nil, err
	}
	v := NewVuln(set.WithDefaults(), kev)
	if err := src.EachOpenFinding(ctx, func(f *OpenFinding) error { v.Add(f); return nil }); err != nil {
		return nil, err
	}
	out := append(id.Results(), v.Result())
	for _, r := range out {
		r.At = now.UTC().Truncate(time.Second)
	}
	return out, nil
}
