package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// SSOConfig is an organisation's OpenID Connect set-up.
type SSOConfig struct {
	OrgID        string
	Issuer       string
	ClientID     string
	SecretSealed string
	EmailDomain  string // when set, only addresses @EmailDomain sign in
}

// SSOState is a single sign-on in flight.
type SSOState struct {
	StateHash, OrgID, Nonce, Verifier, Next string
	CreatedAt                               time.Time
}

// SetSSO saves the organisation's SSO set-up (never the secret in clear).
func (sc *Scoped) SetSSO(ctx context.Context, c *SSOConfig) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO org_sso (org_id, issuer, client_id, client_secret_sealed, email_domain, updated_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET issuer = excluded.issuer, client_id = excluded.client_id,
			client_secret_sealed = excluded.client_secret_sealed, email_domain = excluded.email_domain, updated_at = excluded.updated_at`),
			sc.org.ID, c.Issuer, c.ClientID, c.SecretSealed, c.EmailDomain, formatTime(s.now()))
		if err != nil {
			return change{}, translate(err, "SSO set-up")
		}
		return change{orgID: sc.org.ID, action: "sso.configure", target: "org:" + sc.org.ID,
			after: map[string]string{"issuer": c.Issuer, "client_id": c.ClientID, "email_domain": c.EmailDomain}}, nil
	})
}

// RemoveSSO turns the organisation's SSO off.
func (sc *Scoped) RemoveSSO(ctx context.Context) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM org_sso WHERE org_id = ?`), sc.org.ID); err != nil {
			return change{}, translate(err, "SSO set-up")
		}
		return change{orgID: sc.org.ID, action: "sso.remove", target: "org:" + sc.org.ID}, nil
	})
}

// SSO returns an organisation's SSO set-up. Errors: NotFound when it has none.
func (s *Store) SSO(ctx context.Context, orgID string) (*SSOConfig, error) {
	c := SSOConfig{OrgID: orgID}
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT issuer, client_id, client_secret_sealed, email_domain FROM org_sso WHERE org_id = ?`), orgID).
		Scan(&c.Issuer, &c.ClientID, &c.SecretSealed, &c.EmailDomain)
	if err != nil {
		return nil, translate(err, "SSO set-up")
	}
	return &c, nil
}

// SaveSSOState records a sign-in in flight, forgetting those older than
// olderThan.
func (s *Store) SaveSSOState(ctx context.Context, st *SSOState, olderThan time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM sso_states WHERE created_at < ?`), formatTime(olderThan)); err != nil {
			return translate(err, "SSO state")
		}
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO sso_states (state_hash, org_id, nonce, verifier, next, created_at) VALUES (?, ?, ?, ?, ?, ?)`),
			st.StateHash, st.OrgID, st.Nonce, st.Verifier, st.Next, formatTime(st.CreatedAt))
		return translate(err, "SSO state")
	})
}

// TakeSSOState returns and deletes a sign-in in flight: a state works once.
// Errors: NotFound.
func (s *Store) TakeSSOState(ctx context.Context, stateHash string) (*SSOState, error) {
	var st SSOState
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var created string
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT state_hash, org_id, nonce, verifier, next, created_at FROM sso_states WHERE state_hash = ?`), stateHash).
			Scan(&st.StateHash, &st.OrgID, &st.Nonce, &st.Verifier, &st.Next, &created)
		if err != nil {
			return translate(err, "SSO state")
		}
		if st.CreatedAt, err = parseTime(created); err != nil {
			return errs.Wrap(errs.Internal, "SSO state time", err)
		}
		res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM sso_states WHERE state_hash = ?`), stateHash)
		if err != nil {
			return translate(err, "SSO state")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.NotFound, "SSO state not found")
		}
		return nil
	})
	return &st, err
}
