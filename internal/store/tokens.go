package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
)

const tokenColumns = "id, org_id, name, scopes, token_hash, prefix, created_by, created_at, expires_at, revoked_at, last_used_at"

// CreateAPIToken stores a token (its hash) for the organisation in scope.
func (sc *Scoped) CreateAPIToken(ctx context.Context, t *auth.APIToken) error {
	s := sc.s
	if strings.TrimSpace(t.Name) == "" || len(t.Name) > 100 {
		return errs.New(errs.Invalid, "a token needs a name of at most 100 characters")
	}
	id, err := uuid.NewV7()
	if err != nil {
		return errs.Wrap(errs.Internal, "", err)
	}
	t.ID, t.OrgID, t.CreatedAt = id.String(), sc.org.ID, s.now().UTC()
	scopes := make([]string, len(t.Scopes))
	for i, x := range t.Scopes {
		scopes[i] = string(x)
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO api_tokens (`+tokenColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, '', '')`),
			t.ID, t.OrgID, t.Name, strings.Join(scopes, ","), t.Hash, t.Prefix, t.CreatedBy, formatTime(t.CreatedAt), formatTime(t.ExpiresAt))
		if err != nil {
			return change{}, translate(err, "API token")
		}
		return change{orgID: t.OrgID, action: "api_token.create", target: "api_token:" + t.ID,
			after: map[string]any{"name": t.Name, "scopes": scopes, "expires_at": formatTime(t.ExpiresAt), "prefix": t.Prefix}}, nil
	})
}

// APITokens lists the organisation's tokens, newest first.
func (sc *Scoped) APITokens(ctx context.Context) ([]*auth.APIToken, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+tokenColumns+` FROM api_tokens WHERE org_id = ? ORDER BY created_at DESC`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "API tokens")
	}
	defer rows.Close()
	var out []*auth.APIToken
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, translate(rows.Err(), "API tokens")
}

// RevokeAPIToken stops one of the organisation's tokens. Errors: NotFound
// (also for another organisation's token).
func (sc *Scoped) RevokeAPIToken(ctx context.Context, id string) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND org_id = ? AND revoked_at = ''`), formatTime(s.now()), id, sc.org.ID)
		if err != nil {
			return change{}, translate(err, "API token")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return change{}, errs.New(errs.NotFound, "no such active token")
		}
		return change{orgID: sc.org.ID, action: "api_token.revoke", target: "api_token:" + id}, nil
	})
}

// APITokenByHash finds a token by its hash. Errors: NotFound.
func (s *Store) APITokenByHash(ctx context.Context, hash string) (*auth.APIToken, error) {
	return scanToken(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+tokenColumns+` FROM api_tokens WHERE token_hash = ?`), hash))
}

// TouchAPIToken records a token's use.
func (s *Store) TouchAPIToken(ctx context.Context, id string, at time.Time) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`UPDATE api_tokens SET last_used_at = ? WHERE id = ?`), formatTime(at), id)
	return translate(err, "API token")
}

func scanToken(sc scanner) (*auth.APIToken, error) {
	var t auth.APIToken
	var scopes, created, expires, revoked, used string
	if err := sc.Scan(&t.ID, &t.OrgID, &t.Name, &scopes, &t.Hash, &t.Prefix, &t.CreatedBy, &created, &expires, &revoked, &used); err != nil {
		return nil, translate(err, "API token")
	}
	for _, x := range strings.Split(scopes, ",") {
		t.Scopes = append(t.Scopes, auth.Scope(x))
	}
	var err error
	if t.CreatedAt, err = parseTime(created); err != nil {
		return nil, errs.Wrap(errs.Internal, "token time", err)
	}
	if t.ExpiresAt, err = parseTime(expires); err != nil {
		return nil, errs.Wrap(errs.Internal, "token time", err)
	}
	if revoked != "" {
		t.RevokedAt, _ = parseTime(revoked)
	}
	if used != "" {
		t.LastUsedAt, _ = parseTime(used)
	}
	return &t, nil
}
