package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
)

const userColumns = "id, email, name, password_hash, disabled, password_changed_at, created_at, updated_at"

// CreateUser stores a new user, setting its ID and timestamps. Errors:
// Invalid (see User.Validate), Conflict when the email is taken.
func (s *Store) CreateUser(ctx context.Context, u *auth.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) { return s.insertUser(ctx, tx, u) })
	if err != nil {
		u.ID = ""
	}
	return err
}

// insertUser adds a validated user inside tx, setting its ID and
// timestamps, and returns the audit change for it.
func (s *Store) insertUser(ctx context.Context, tx *sql.Tx, u *auth.User) (change, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return change{}, errs.Wrap(errs.Internal, "", err)
	}
	now := s.now().UTC()
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO users (`+userColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		id.String(), u.Email, u.Name, u.PasswordHash, u.Disabled, formatTime(now), formatTime(now), formatTime(now))
	if err != nil {
		return change{}, translate(err, fmt.Sprintf("user %s", u.Email))
	}
	u.ID, u.PasswordChangedAt, u.CreatedAt, u.UpdatedAt = id.String(), now, now, now
	return change{action: "user.create", target: "user:" + u.ID, after: auditUser(u)}, nil
}

// auditUser is what the audit log records of a user: never the password hash.
func auditUser(u *auth.User) any {
	return struct {
		ID       string `json:"id"`
		Email    string `json:"email"`
		Name     string `json:"name"`
		Disabled bool   `json:"disabled"`
	}{u.ID, u.Email, u.Name, u.Disabled}
}

// UpdateUser saves a user's email, name and disabled flag. Errors: Invalid,
// NotFound, Conflict when the new email is taken.
func (s *Store) UpdateUser(ctx context.Context, u *auth.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	now := s.now().UTC()
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		before, err := scanUser(tx.QueryRowContext(ctx, s.rebind(`SELECT `+userColumns+` FROM users WHERE id = ?`), u.ID))
		if err != nil {
			return change{}, translate(err, "user")
		}
		_, err = tx.ExecContext(ctx, s.rebind(`UPDATE users SET email = ?, name = ?, disabled = ?, updated_at = ? WHERE id = ?`),
			u.Email, u.Name, u.Disabled, formatTime(now), u.ID)
		if err != nil {
			return change{}, translate(err, fmt.Sprintf("user %s", u.Email))
		}
		u.UpdatedAt = now
		action := "user.update"
		switch {
		case u.Disabled && !before.Disabled:
			action = "user.disable"
		case !u.Disabled && before.Disabled:
			action = "user.enable"
		}
		return change{action: action, target: "user:" + u.ID, before: auditUser(before), after: auditUser(u)}, nil
	})
}

// SetPasswordHash replaces a user's password hash and records when.
// Errors: NotFound.
func (s *Store) SetPasswordHash(ctx context.Context, userID, hash string) error {
	now := formatTime(s.now())
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE users SET password_hash = ?, password_changed_at = ?, updated_at = ? WHERE id = ?`),
			hash, now, now, userID)
		if err != nil {
			return change{}, translate(err, "user")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return change{}, errs.New(errs.NotFound, "user not found")
		}
		return change{action: "user.password_set", target: "user:" + userID}, nil
	})
}

// User returns a user by id. Errors: NotFound.
func (s *Store) User(ctx context.Context, id string) (*auth.User, error) {
	return s.userWhere(ctx, "id = ?", id)
}

// UserByEmail returns a user by email, in any case. Errors: NotFound.
func (s *Store) UserByEmail(ctx context.Context, email string) (*auth.User, error) {
	return s.userWhere(ctx, "email = ?", auth.NormalizeEmail(email))
}

func (s *Store) userWhere(ctx context.Context, where string, arg any) (*auth.User, error) {
	u, err := scanUser(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+userColumns+` FROM users WHERE `+where), arg))
	if err != nil {
		return nil, translate(err, "user")
	}
	return u, nil
}

// Users lists every user by email.
func (s *Store) Users(ctx context.Context) ([]*auth.User, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+userColumns+` FROM users ORDER BY email`)
	if err != nil {
		return nil, translate(err, "users")
	}
	defer rows.Close()
	var out []*auth.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, translate(err, "users")
		}
		out = append(out, u)
	}
	return out, translate(rows.Err(), "users")
}

// SetMembership gives a user a role in an organisation, replacing any role
// they had there. Errors: Invalid for an unknown role, or a user or
// organisation that does not exist.
func (s *Store) SetMembership(ctx context.Context, orgID, userID string, role auth.Role) error {
	if role.Label() == "" {
		return errs.New(errs.Invalid, fmt.Sprintf("unknown role %q", role))
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var before sql.NullString
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT role FROM memberships WHERE org_id = ? AND user_id = ?`), orgID, userID).Scan(&before)
		if err != nil && err != sql.ErrNoRows {
			return change{}, translate(err, "membership")
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role`),
			orgID, userID, string(role), formatTime(s.now()))
		if err != nil {
			return change{}, translate(err, "membership")
		}
		ch := change{orgID: orgID, action: "membership.set", target: "user:" + userID, after: map[string]string{"role": string(role)}}
		if before.Valid {
			ch.before = map[string]string{"role": before.String}
		}
		return ch, nil
	})
}

// RemoveMembership takes a user out of an organisation. Errors: NotFound.
func (s *Store) RemoveMembership(ctx context.Context, orgID, userID string) error {
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var role string
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT role FROM memberships WHERE org_id = ? AND user_id = ?`), orgID, userID).Scan(&role)
		if err != nil {
			return change{}, translate(err, "membership")
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM memberships WHERE org_id = ? AND user_id = ?`), orgID, userID); err != nil {
			return change{}, translate(err, "membership")
		}
		return change{orgID: orgID, action: "membership.remove", target: "user:" + userID, before: map[string]string{"role": role}}, nil
	})
}

// Memberships lists the organisations a user belongs to, by name.
func (s *Store) Memberships(ctx context.Context, userID string) ([]auth.Membership, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT o.id, o.slug, o.name, o.entity_type, o.workforce_size, o.sites, o.demo, o.created_at, o.updated_at, o.require_mfa, o.idle_timeout_seconds, m.role
		FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = ? ORDER BY o.name, o.slug`), userID)
	if err != nil {
		return nil, translate(err, "memberships")
	}
	defer rows.Close()
	var out []auth.Membership
	for rows.Next() {
		var role string
		o, err := scanOrg(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &role)...) }))
		if err != nil {
			return nil, translate(err, "memberships")
		}
		out = append(out, auth.Membership{Org: o, Role: auth.Role(role)})
	}
	return out, translate(rows.Err(), "memberships")
}

// Members lists an organisation's users with their roles, by email.
func (s *Store) Members(ctx context.Context, orgID string) ([]auth.Member, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT u.id, u.email, u.name, u.password_hash, u.disabled, u.password_changed_at, u.created_at, u.updated_at, m.role
		FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = ? ORDER BY u.email`), orgID)
	if err != nil {
		return nil, translate(err, "members")
	}
	defer rows.Close()
	var out []auth.Member
	for rows.Next() {
		var role string
		u, err := scanUser(scanFunc(func(dest ...any) error { return rows.Scan(append(dest, &role)...) }))
		if err != nil {
			return nil, translate(err, "members")
		}
		out = append(out, auth.Member{User: u, Role: auth.Role(role)})
	}
	return out, translate(rows.Err(), "members")
}

// scanFunc adapts a function to the scanner interface, so that a row with
// extra columns can reuse a record's scan.
type scanFunc func(dest ...any) error

func (f scanFunc) Scan(dest ...any) error { return f(dest...) }

func scanUser(sc scanner) (*auth.User, error) {
	var u auth.User
	var changed, created, updated string
	if err := sc.Scan(&u.ID, &u.Email, &u.Name, &u.PasswordHash, &u.Disabled, &changed, &created, &updated); err != nil {
		return nil, err
	}
	var err error
	if u.PasswordChangedAt, err = parseTime(changed); err != nil {
		return nil, err
	}
	if u.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if u.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &u, nil
}

// CountUsers says how many users exist.
func (s *Store) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, translate(err, "users")
}

// CreateFirstOwner creates an organisation, a user and the user's owner
// membership in one transaction, only while no user exists: two first-run
// set-ups racing cannot both succeed. Errors: Forbidden once a user exists;
// Invalid, Conflict as CreateOrganization and CreateUser.
func (s *Store) CreateFirstOwner(ctx context.Context, o *org.Organization, u *auth.User) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := u.Validate(); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if s.engine == Postgres {
			if _, err := tx.ExecContext(ctx, "LOCK TABLE users IN EXCLUSIVE MODE"); err != nil {
				return translate(err, "users")
			}
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n); err != nil {
			return translate(err, "users")
		}
		if n > 0 {
			return errs.New(errs.Forbidden, "Safeguard is already set up: sign in, or ask an owner for an account")
		}
		orgChange, err := s.insertOrganization(ctx, tx, o)
		if err != nil {
			return err
		}
		userChange, err := s.insertUser(ctx, tx, u)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?)`),
			o.ID, u.ID, string(auth.Owner), formatTime(s.now())); err != nil {
			return translate(err, "membership")
		}
		for _, ch := range []change{orgChange, userChange,
			{orgID: o.ID, action: "membership.set", target: "user:" + u.ID, after: map[string]string{"role": string(auth.Owner)}},
		} {
			if err := s.appendAudit(ctx, tx, ch); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		o.ID, u.ID = "", ""
	}
	return err
}

// UserIdleTimeouts are the idle timeouts of the organisations a user
// belongs to, one per membership; zero where the organisation sets none.
func (s *Store) UserIdleTimeouts(ctx context.Context, userID string) ([]time.Duration, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT o.idle_timeout_seconds FROM memberships m JOIN organizations o ON o.id = m.org_id WHERE m.user_id = ?`), userID)
	if err != nil {
		return nil, translate(err, "idle timeouts")
	}
	defer rows.Close()
	var out []time.Duration
	for rows.Next() {
		var secs int64
		if err := rows.Scan(&secs); err != nil {
			return nil, translate(err, "idle timeouts")
		}
		out = append(out, time.Duration(secs)*time.Second)
	}
	return out, translate(rows.Err(), "idle timeouts")
}

// SessionOrgSeen is when a session last opened an organisation's pages;
// false when it has not.
func (s *Store) SessionOrgSeen(ctx context.Context, sessionID, orgID string) (time.Time, bool, error) {
	var at string
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT last_seen_at FROM session_orgs WHERE session_id = ? AND org_id = ?`), sessionID, orgID).Scan(&at)
	if err == sql.ErrNoRows {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, translate(err, "session")
	}
	t, err := parseTime(at)
	return t, err == nil, nil
}

// TouchSessionOrg records that a session opened an organisation's pages.
func (s *Store) TouchSessionOrg(ctx context.Context, sessionID, orgID string, at time.Time) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO session_orgs (session_id, org_id, last_seen_at) VALUES (?, ?, ?)
		ON CONFLICT (session_id, org_id) DO UPDATE SET last_seen_at = excluded.last_seen_at`), sessionID, orgID, formatTime(at))
	return translate(err, "session")
}
