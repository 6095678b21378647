package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
)

const invitationColumns = "id, org_id, email, role, invited_by, created_at, expires_at, outcome, ended_at, ended_by"

// CreateInvitation stores an invitation to the organisation, its link's
// token by hash, and audits it.
func (sc *Scoped) CreateInvitation(ctx context.Context, inv *auth.Invitation, tokenHash string) error {
	id, err := newID()
	if err != nil {
		return err
	}
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO invitations (id, org_id, email, role, token_hash, invited_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, inv.Email, string(inv.Role), tokenHash, inv.InvitedBy, formatTime(inv.CreatedAt), formatTime(inv.ExpiresAt))
		if err != nil {
			return change{}, translate(err, "invitation")
		}
		inv.ID, inv.OrgID = id, sc.org.ID
		return change{orgID: sc.org.ID, action: "invitation.create", target: "invitation:" + id,
			after: map[string]string{"email": inv.Email, "role": string(inv.Role), "expires_at": formatTime(inv.ExpiresAt)}}, nil
	})
}

// Invitations lists the organisation's invitations still open at now,
// newest first.
func (sc *Scoped) Invitations(ctx context.Context, now time.Time) ([]*auth.Invitation, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+invitationColumns+` FROM invitations WHERE org_id = ? AND outcome = '' AND expires_at > ? ORDER BY created_at DESC`),
		sc.org.ID, formatTime(now))
	if err != nil {
		return nil, translate(err, "invitations")
	}
	defer rows.Close()
	var out []*auth.Invitation
	for rows.Next() {
		inv, err := scanInvitation(rows)
		if err != nil {
			return nil, translate(err, "invitations")
		}
		out = append(out, inv)
	}
	return out, translate(rows.Err(), "invitations")
}

// RevokeInvitation ends an open invitation of the organisation. Errors:
// NotFound when there is none open by that id.
func (sc *Scoped) RevokeInvitation(ctx context.Context, id string, at time.Time) error {
	s := sc.s
	by := audit.ActorFrom(ctx).Label
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE invitations SET outcome = ?, ended_at = ?, ended_by = ? WHERE id = ? AND org_id = ? AND outcome = ''`),
			auth.InvitationRevoked, formatTime(at), by, id, sc.org.ID)
		if err != nil {
			return change{}, translate(err, "invitation")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return change{}, errs.New(errs.NotFound, "no open invitation by that id")
		}
		return change{orgID: sc.org.ID, action: "invitation.revoke", target: "invitation:" + id}, nil
	})
}

// InvitationByToken is the invitation whose link token hashes to
// tokenHash, with its organisation, whatever its state. Errors: NotFound.
func (s *Store) InvitationByToken(ctx context.Context, tokenHash string) (*auth.Invitation, *org.Organization, error) {
	inv, err := scanInvitation(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+invitationColumns+` FROM invitations WHERE token_hash = ?`), tokenHash))
	if err != nil {
		return nil, nil, translate(err, "invitation")
	}
	o, err := s.Organization(ctx, inv.OrgID)
	if err != nil {
		return nil, nil, err
	}
	return inv, o, nil
}

// EndInvitation answers an invitation that is still open at `at`: accepted
// by userID (who becomes a member with its role, keeping a higher role they
// hold) or declined. Errors: Conflict when it was answered, revoked or
// expired meanwhile.
func (s *Store) EndInvitation(ctx context.Context, inv *auth.Invitation, outcome, userID string, at time.Time) error {
	by := audit.ActorFrom(ctx).Label
	return s.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE invitations SET outcome = ?, ended_at = ?, ended_by = ? WHERE id = ? AND outcome = '' AND expires_at > ?`),
			outcome, formatTime(at), by, inv.ID, formatTime(at))
		if err != nil {
			return translate(err, "invitation")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "this invitation was used, revoked or has expired: ask for a new one")
		}
		if err := s.appendAudit(ctx, tx, change{orgID: inv.OrgID, action: "invitation." + outcome, target: "invitation:" + inv.ID,
			after: map[string]string{"email": inv.Email, "role": string(inv.Role)}}); err != nil {
			return err
		}
		if outcome != auth.InvitationAccepted {
			return nil
		}
		var before sql.NullString
		err = tx.QueryRowContext(ctx, s.rebind(`SELECT role FROM memberships WHERE org_id = ? AND user_id = ?`), inv.OrgID, userID).Scan(&before)
		if err != nil && err != sql.ErrNoRows {
			return translate(err, "membership")
		}
		if before.Valid && auth.Role(before.String).Rank() <= inv.Role.Rank() {
			return nil // already a member with this role or a higher one
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role`), inv.OrgID, userID, string(inv.Role), formatTime(at))
		if err != nil {
			return translate(err, "membership")
		}
		ch := change{orgID: inv.OrgID, action: "membership.set", target: "user:" + userID, after: map[string]string{"role": string(inv.Role), "invitation": inv.ID}}
		if before.Valid {
			ch.before = map[string]string{"role": before.String}
		}
		return s.appendAudit(ctx, tx, ch)
	})
}

// ChangeMemberRole gives a member another role. Errors: NotFound for a
// user who is not a member, Conflict when it would leave the organisation
// without an owner.
func (sc *Scoped) ChangeMemberRole(ctx context.Context, userID string, role auth.Role) error {
	s := sc.s
	if role.Label() == "" {
		return errs.New(errs.Invalid, fmt.Sprintf("unknown role %q", role))
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		before, err := sc.keepAnOwner(ctx, tx, userID, role != auth.Owner)
		if err != nil {
			return change{}, err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE memberships SET role = ? WHERE org_id = ? AND user_id = ?`), string(role), sc.org.ID, userID); err != nil {
			return change{}, translate(err, "membership")
		}
		return change{orgID: sc.org.ID, action: "membership.set", target: "user:" + userID, before: map[string]string{"role": string(before)}, after: map[string]string{"role": string(role)}}, nil
	})
}

// RemoveMember takes a user out of the organisation (an owner removing
// them, or they leaving). Errors: NotFound for a user who is not a member,
// Conflict for the last owner.
func (sc *Scoped) RemoveMember(ctx context.Context, userID string) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		before, err := sc.keepAnOwner(ctx, tx, userID, true)
		if err != nil {
			return change{}, err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM memberships WHERE org_id = ? AND user_id = ?`), sc.org.ID, userID); err != nil {
			return change{}, translate(err, "membership")
		}
		return change{orgID: sc.org.ID, action: "membership.remove", target: "user:" + userID, before: map[string]string{"role": string(before)}}, nil
	})
}

// keepAnOwner is a member's role, read in tx; when they would stop being
// an owner (losing), it refuses to leave the organisation without one.
func (sc *Scoped) keepAnOwner(ctx context.Context, tx *sql.Tx, userID string, losing bool) (auth.Role, error) {
	s := sc.s
	var role string
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT role FROM memberships WHERE org_id = ? AND user_id = ?`+s.forUpdate()), sc.org.ID, userID).Scan(&role)
	if err != nil {
		if err == sql.ErrNoRows {
			return "", errs.New(errs.NotFound, "not a member of "+sc.org.Name)
		}
		return "", translate(err, "membership")
	}
	if auth.Role(role) != auth.Owner || !losing {
		return auth.Role(role), nil
	}
	var others int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM memberships WHERE org_id = ? AND role = ? AND user_id <> ?`), sc.org.ID, string(auth.Owner), userID).Scan(&others); err != nil {
		return "", translate(err, "membership")
	}
	if others == 0 {
		return "", errs.New(errs.Conflict, sc.org.Name+" would have no owner: make another member owner first")
	}
	return auth.Role(role), nil
}

func scanInvitation(sc scanner) (*auth.Invitation, error) {
	var inv auth.Invitation
	var role, created, expires, ended string
	if err := sc.Scan(&inv.ID, &inv.OrgID, &inv.Email, &role, &inv.InvitedBy, &created, &expires, &inv.Outcome, &ended, &inv.EndedBy); err != nil {
		return nil, err
	}
	inv.Role = auth.Role(role)
	inv.CreatedAt, _ = parseTime(created)
	inv.ExpiresAt, _ = parseTime(expires)
	if ended != "" {
		inv.EndedAt, _ = parseTime(ended)
	}
	return &inv, nil
}
