package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
)

const sessionColumns = "id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, stage, reauth_at"

// CreateSession stores a session. Its ID is the hash of the cookie token.
// Errors: Invalid when the user does not exist.
func (s *Store) CreateSession(ctx context.Context, ss *auth.Session) error {
	if ss.Stage == "" {
		ss.Stage = auth.StageFull
	}
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '')`),
		ss.ID, ss.UserID, formatTime(ss.CreatedAt), formatTime(ss.LastSeenAt), formatTime(ss.ExpiresAt), ss.IP, ss.UserAgent, ss.Stage)
	return translate(err, "session")
}

// ReplaceSession ends one session and starts another in one transaction: a
// session that passes its second factor gets a new token, so a token seen
// before that step is worth nothing after it.
func (s *Store) ReplaceSession(ctx context.Context, oldID string, ss *auth.Session) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE id = ?`), oldID)
		if err != nil {
			return translate(err, "session")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Unauthenticated, "your session has ended; sign in again")
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO sessions (`+sessionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '')`),
			ss.ID, ss.UserID, formatTime(ss.CreatedAt), formatTime(ss.LastSeenAt), formatTime(ss.ExpiresAt), ss.IP, ss.UserAgent, ss.Stage)
		return translate(err, "session")
	})
}

// Session returns a session by ID. Errors: NotFound.
func (s *Store) Session(ctx context.Context, id string) (*auth.Session, error) {
	ss, err := scanSession(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+sessionColumns+` FROM sessions WHERE id = ?`), id))
	if err != nil {
		return nil, translate(err, "session")
	}
	return ss, nil
}

// TouchSession records activity on a session, for the idle timeout.
func (s *Store) TouchSession(ctx context.Context, id string, at time.Time) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`UPDATE sessions SET last_seen_at = ? WHERE id = ?`), formatTime(at), id)
	return translate(err, "session")
}

// SetSessionReauth records that the session's user confirmed who they are.
func (s *Store) SetSessionReauth(ctx context.Context, id string, at time.Time) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`UPDATE sessions SET reauth_at = ? WHERE id = ?`), formatTime(at), id)
	return translate(err, "session")
}

// DeleteSession ends one session; ending one that is gone is not an error.
func (s *Store) DeleteSession(ctx context.Context, id string) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE id = ?`), id)
	return translate(err, "session")
}

// DeleteUserSessions ends every session of a user and says how many.
func (s *Store) DeleteUserSessions(ctx context.Context, userID string) (int64, error) {
	res, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM sessions WHERE user_id = ?`), userID)
	if err != nil {
		return 0, translate(err, "sessions")
	}
	return res.RowsAffected()
}

// UserSessions lists a user's sessions, newest first.
func (s *Store) UserSessions(ctx context.Context, userID string) ([]*auth.Session, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+sessionColumns+` FROM sessions WHERE user_id = ? ORDER BY created_at DESC`), userID)
	if err != nil {
		return nil, translate(err, "sessions")
	}
	defer rows.Close()
	var out []*auth.Session
	for rows.Next() {
		ss, err := scanSession(rows)
		if err != nil {
			return nil, translate(err, "sessions")
		}
		out = append(out, ss)
	}
	return out, translate(rows.Err(), "sessions")
}

// RecordLoginFailure notes a failed sign-in under each key ("account:…",
// "ip:…") and forgets failures older than since.
func (s *Store) RecordLoginFailure(ctx context.Context, at, since time.Time, keys ...string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM login_failures WHERE at < ?`), formatTime(since)); err != nil {
			return translate(err, "login failures")
		}
		for _, k := range keys {
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO login_failures (key, at) VALUES (?, ?)`), k, formatTime(at)); err != nil {
				return translate(err, "login failures")
			}
		}
		return nil
	})
}

// LoginFailures counts the failures under key since a time.
func (s *Store) LoginFailures(ctx context.Context, key string, since time.Time) (int, error) {
	var n int
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM login_failures WHERE key = ? AND at >= ?`), key, formatTime(since)).Scan(&n)
	return n, translate(err, "login failures")
}

// ClearLoginFailures forgets the failures under key (after a successful
// sign-in, or an operator's password reset).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM login_failures WHERE key = ?`), key)
	return translate(err, "login failures")
}

func scanSession(sc scanner) (*auth.Session, error) {
	var ss auth.Session
	var created, seen, expires, reauth string
	if err := sc.Scan(&ss.ID, &ss.UserID, &created, &seen, &expires, &ss.IP, &ss.UserAgent, &ss.Stage, &reauth); err != nil {
		return nil, err
	}
	if reauth != "" {
		ss.ReauthAt, _ = parseTime(reauth)
	}
	var err error
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&ss.CreatedAt, created}, {&ss.LastSeenAt, seen}, {&ss.ExpiresAt, expires}} {
		if *f.dst, err = parseTime(f.src); err != nil {
			return nil, errs.Wrap(errs.Internal, "session time", err)
		}
	}
	return &ss, nil
}

// ClearAccountLoginFailures forgets every failure counted against an
// account, from any address: an operator's unlock.
func (s *Store) ClearAccountLoginFailures(ctx context.Context, email string) error {
	prefix := "account-ip:" + email + "|"
	_, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM login_failures WHERE key = ? OR (key >= ? AND key < ?)`),
		"account:"+email, prefix, prefix+"\x7f")
	return translate(err, "login failures")
}
