// Package members is who belongs to an organisation: a user joins only by
// accepting an invitation (a single-use link that expires) sent to their
// email, owners change roles and remove members, and members leave. An
// organisation always keeps an owner. The answer to an invitation is the
// same whether or not an account has the email, so nobody learns which
// emails have accounts, and nobody is added to an organisation without
// their consent.
package members

import (
	"context"
	"net/mail"
	"strconv"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
)

// InvitationLifetime is how long an invitation's link works.
const InvitationLifetime = 7 * 24 * time.Hour

// Store is what the service needs of the store: invitations by their
// link, and answering them.
type Store interface {
	InvitationByToken(ctx context.Context, tokenHash string) (*auth.Invitation, *org.Organization, error)
	EndInvitation(ctx context.Context, inv *auth.Invitation, outcome, userID string, at time.Time) error
}

// Scoped is one organisation's memberships and invitations
// (store.Scoped).
type Scoped interface {
	CreateInvitation(ctx context.Context, inv *auth.Invitation, tokenHash string) error
	Invitations(ctx context.Context, now time.Time) ([]*auth.Invitation, error)
	RevokeInvitation(ctx context.Context, id string, at time.Time) error
	ChangeMemberRole(ctx context.Context, userID string, role auth.Role) error
	RemoveMember(ctx context.Context, userID string) error
}

var _ Scoped = (*store.Scoped)(nil)

// Service is the membership service.
type Service struct {
	Store Store
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

// Invite invites email to the organisation of sc with role, from inviter,
// and returns the invitation and its link's token, which is shown once and
// never stored. Errors: Invalid for an address or role that is not one.
func (s *Service) Invite(ctx context.Context, sc Scoped, inviter *auth.User, email string, role auth.Role) (*auth.Invitation, string, error) {
	email = auth.NormalizeEmail(email)
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email || len(email) > 254 {
		return nil, "", errs.New(errs.Invalid, "email: "+quote(email)+" is not an email address")
	}
	role, err := auth.ParseRole(string(role))
	if err != nil {
		return nil, "", err
	}
	token, hash := auth.NewSessionToken()
	now := s.now()
	inv := &auth.Invitation{Email: email, Role: role, InvitedBy: inviter.Email, CreatedAt: now, ExpiresAt: now.Add(InvitationLifetime)}
	if err := sc.CreateInvitation(ctx, inv, hash); err != nil {
		return nil, "", err
	}
	return inv, token, nil
}

// Invitation is the open invitation behind a link's token, with its
// organisation. Errors: Gone for a token that is not one, or an
// invitation used, declined, revoked or expired (one answer for all).
func (s *Service) Invitation(ctx context.Context, token string) (*auth.Invitation, *org.Organization, error) {
	gone := errs.New(errs.Gone, "this invitation link does not work: it was used, revoked or has expired; ask the organisation's owner for a new one")
	hash := auth.SessionID(token)
	if hash == "" {
		return nil, nil, gone
	}
	inv, o, err := s.Store.InvitationByToken(ctx, hash)
	if errs.Is(err, errs.NotFound) || err == nil && !inv.Open(s.now()) {
		return nil, nil, gone
	}
	return inv, o, err
}

// Accept makes u a member by the invitation behind token. The invitation
// is for one address: u's email must be it. Errors: Gone (see
// Invitation), Forbidden for another user's invitation.
func (s *Service) Accept(ctx context.Context, token string, u *auth.User) (*org.Organization, error) {
	return s.answer(ctx, token, u, auth.InvitationAccepted)
}

// Decline ends the invitation behind token without joining.
func (s *Service) Decline(ctx context.Context, token string, u *auth.User) (*org.Organization, error) {
	return s.answer(ctx, token, u, auth.InvitationDeclined)
}

func (s *Service) answer(ctx context.Context, token string, u *auth.User, outcome string) (*org.Organization, error) {
	inv, o, err := s.Invitation(ctx, token)
	if err != nil {
		return nil, err
	}
	if auth.NormalizeEmail(u.Email) != inv.Email {
		return nil, errs.New(errs.Forbidden, "this invitation is for "+inv.Email+", and you are signed in as "+u.Email+": sign in as "+inv.Email+" to answer it")
	}
	if err := s.Store.EndInvitation(ctx, inv, outcome, u.ID, s.now()); err != nil {
		if errs.Is(err, errs.Conflict) {
			return nil, errs.New(errs.Gone, errs.Message(err))
		}
		return nil, err
	}
	return o, nil
}

// Revoke ends an open invitation of the organisation. Errors: NotFound.
func (s *Service) Revoke(ctx context.Context, sc Scoped, id string) error {
	return sc.RevokeInvitation(ctx, id, s.now())
}

// Invitations lists the organisation's open invitations, newest first.
func (s *Service) Invitations(ctx context.Context, sc Scoped) ([]*auth.Invitation, error) {
	return sc.Invitations(ctx, s.now())
}

// ChangeRole gives a member another role. Errors: NotFound for a
// non-member, Conflict when it would leave no owner, Invalid role.
func (s *Service) ChangeRole(ctx context.Context, sc Scoped, userID string, role auth.Role) error {
	return sc.ChangeMemberRole(ctx, userID, role)
}

// Remove takes a member out of the organisation; their sessions elsewhere
// are untouched. Errors: NotFound, Conflict for the last owner.
func (s *Service) Remove(ctx context.Context, sc Scoped, userID string) error {
	return sc.RemoveMember(ctx, userID)
}

// Leave takes u out of the organisation. Errors: Conflict for its last
// owner.
func (s *Service) Leave(ctx context.Context, sc Scoped, u *auth.User) error {
	return sc.RemoveMember(ctx, u.ID)
}

func quote(s string) string {
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return strconv.Quote(s)
}
