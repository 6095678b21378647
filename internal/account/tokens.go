package account

import (
	"context"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// APIToken returns the active token behind a bearer value and records its
// use. Errors: Unauthenticated for anything that is not an active token
// (malformed, unknown, revoked, expired) — one message for all.
func (s *Service) APIToken(ctx context.Context, bearer string) (*auth.APIToken, error) {
	hash := auth.APITokenHash(bearer)
	if hash == "" {
		return nil, errs.New(errs.Unauthenticated, "a valid API token is required")
	}
	t, err := s.store.APITokenByHash(ctx, hash)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.New(errs.Unauthenticated, "a valid API token is required")
	}
	if err != nil {
		return nil, err
	}
	now := s.now()
	if !t.Active(now) {
		return nil, errs.New(errs.Unauthenticated, "a valid API token is required")
	}
	if now.Sub(t.LastUsedAt) >= time.Minute {
		if err := s.store.TouchAPIToken(ctx, t.ID, now); err != nil {
			return nil, err
		}
	}
	return t, nil
}
