package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
)

const sessionColumns = "id, user_id, created_at, last_seen_at, expires_at, ip, user_agent, stage, reauth_at, failed_signins, failed_signin_at, failed_signin_ip"

// insertSession is the INSERT of a new session.
const insertSession = `INSERT INTO sessions (` + sessionColumns + `) VALUES (?, ?, ?, ?, ?, ?, ?, ?, '', ?, ?, ?)`

func sessionArgs(ss *auth.Session) []any {
	return []any{ss.ID, ss.UserID, formatTime(ss.CreatedAt), formatTime(ss.LastSeenAt), formatTime(ss.ExpiresAt), ss.IP, ss.UserAgent, ss.Stage,
		ss.Failed.Count, optionalTime(ss.Failed.Last), ss.Failed.LastIP}
}

// optionalTime is a time as stored, "" for the zero time.
func optionalTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return formatTime(t)
}

// CreateSession stores a session. Its ID is the hash of the cookie token.
// Errors: Invalid when the user does not exist.
func (s *Store) CreateSession(ctx context.Context, ss *auth.Session) error {
	if ss.Stage == "" {
		ss.Stage = auth.StageFull
	}
	_, err := s.write.ExecContext(ctx, s.rebind(insertSession), sessionArgs(ss)...)
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
		_, err = tx.ExecContext(ctx, s.rebind(insertSession), sessionArgs(ss)...)
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

// LoginFailures counts the failures under key since a time, and says when
// the last of them was (zero when there was none).
func (s *Store) LoginFailures(ctx context.Context, key string, since time.Time) (int, time.Time, error) {
	var n int
	var last sql.NullString
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT COUNT(*), MAX(at) FROM login_failures WHERE key = ? AND at >= ?`), key, formatTime(since)).Scan(&n, &last)
	if err != nil {
		return 0, time.Time{}, translate(err, "login failures")
	}
	var at time.Time
	if last.Valid {
		at, _ = parseTime(last.String)
	}
	return n, at, nil
}

// NoteFailedSignin counts a failed sign-in to a user's account, to be told
// to them when they next sign in.
func (s *Store) NoteFailedSignin(ctx context.Context, userID string, at time.Time, ip string) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`UPDATE users SET failed_signins = failed_signins + 1, failed_signin_at = ?, failed_signin_ip = ? WHERE id = ?`),
		formatTime(at), ip, userID)
	return translate(err, "user")
}

// TakeFailedSignins returns the failed sign-ins counted on a user's account
// since their last sign-in and starts the count again.
func (s *Store) TakeFailedSignins(ctx context.Context, userID string) (auth.FailedSignins, error) {
	var f auth.FailedSignins
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var at string
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT failed_signins, failed_signin_at, failed_signin_ip FROM users WHERE id = ?`+s.forUpdate()), userID).
			Scan(&f.Count, &at, &f.LastIP)
		if err != nil {
			return translate(err, "user")
		}
		if f.Count == 0 {
			return nil
		}
		f.Last, _ = parseTime(at)
		_, err = tx.ExecContext(ctx, s.rebind(`UPDATE users SET failed_signins = 0, failed_signin_at = '', failed_signin_ip = '' WHERE id = ?`), userID)
		return translate(err, "user")
	})
	return f, err
}

// ReadFailedSignins marks the failed sign-ins a session carries as read.
func (s *Store) ReadFailedSignins(ctx context.Context, sessionID string) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`UPDATE sessions SET failed_signins = 0, failed_signin_at = '', failed_signin_ip = '' WHERE id = ?`), sessionID)
	return translate(err, "session")
}

// AddKnownDevice records a browser (the hash of its device cookie's token)
// as one that signed in to a user's account, and forgets that user's
// devices unused since before forgetBefore.
func (s *Store) AddKnownDevice(ctx context.Context, id, userID string, at, forgetBefore time.Time) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM known_devices WHERE user_id = ? AND last_used_at < ?`), userID, formatTime(forgetBefore)); err != nil {
			return translate(err, "known devices")
		}
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO known_devices (id, user_id, created_at, last_used_at) VALUES (?, ?, ?, ?)
ON CONFLICT (id) DO UPDATE SET last_used_at = excluded.last_used_at WHERE known_devices.user_id = excluded.user_id`),
			id, userID, formatTime(at), formatTime(at))
		return translate(err, "known devices")
	})
}

// KnownDeviceUser is the user a known device signed in to, used since
// after; "" when the device is not known.
func (s *Store) KnownDeviceUser(ctx context.Context, id string, after time.Time) (string, error) {
	var user string
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT user_id FROM known_devices WHERE id = ? AND last_used_at >= ?`), id, formatTime(after)).Scan(&user)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return user, translate(err, "known devices")
}

// ClearLoginFailures forgets the failures under key (after a successful
// sign-in, or an operator's password reset).
func (s *Store) ClearLoginFailures(ctx context.Context, key string) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM login_failures WHERE key = ?`), key)
	return translate(err, "login failures")
}

func scanSession(sc scanner) (*auth.Session, error) {
	var ss auth.Session
	var created, seen, expires, reauth, failedAt string
	if err := sc.Scan(&ss.ID, &ss.UserID, &created, &seen, &expires, &ss.IP, &ss.UserAgent, &ss.Stage, &reauth,
		&ss.Failed.Count, &failedAt, &ss.Failed.LastIP); err != nil {
		return nil, err
	}
	if reauth != "" {
		ss.ReauthAt, _ = parseTime(reauth)
	}
	if failedAt != "" {
		ss.Failed.Last, _ = parseTime(failedAt)
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

// forUpdate locks the rows a SELECT in a write transaction reads, on
// PostgreSQL (SQLite's one writer holds the whole database).
func (s *Store) forUpdate() string {
	if s.engine == Postgres {
		return " FOR UPDATE"
	}
	return ""
}
