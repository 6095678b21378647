package store

import (
	"context"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/org"
)

// Scoped is the store seen from inside one organisation: every method reads
// and writes that organisation's records only. The web layer hands a
// handler a Scoped store for the organisation the signed-in user is a
// member of, so no handler can name another organisation's data.
type Scoped struct {
	s   *Store
	org *org.Organization
}

// Scope returns the store scoped to an organisation.
func (s *Store) Scope(o *org.Organization) *Scoped { return &Scoped{s: s, org: o} }

// Org is the organisation in scope.
func (sc *Scoped) Org() *org.Organization { return sc.org }

// Members lists the organisation's members.
func (sc *Scoped) Members(ctx context.Context) ([]auth.Member, error) {
	return sc.s.Members(ctx, sc.org.ID)
}

// AuditLog returns the organisation's audit entries, newest first.
func (sc *Scoped) AuditLog(ctx context.Context, f AuditFilter) ([]audit.Entry, error) {
	f.OrgID = sc.org.ID
	return sc.s.AuditLog(ctx, f)
}

// SetRequireMFA sets whether every member must use MFA.
func (sc *Scoped) SetRequireMFA(ctx context.Context, on bool) error {
	o := *sc.org
	o.RequireMFA = on
	if err := sc.s.UpdateOrganization(ctx, &o); err != nil {
		return err
	}
	sc.org.RequireMFA = on
	return nil
}

// SetIdleTimeout sets the organisation's idle timeout; zero keeps the
// server's default. Errors: Invalid outside 1 minute to 8 hours.
func (sc *Scoped) SetIdleTimeout(ctx context.Context, d time.Duration) error {
	o := *sc.org
	o.IdleTimeout = d
	if err := sc.s.UpdateOrganization(ctx, &o); err != nil {
		return err
	}
	sc.org.IdleTimeout = d
	return nil
}

// Membership returns a user's role in an organisation. Errors: NotFound when
// they are not a member.
func (s *Store) Membership(ctx context.Context, orgID, userID string) (auth.Role, error) {
	var role string
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT role FROM memberships WHERE org_id = ? AND user_id = ?`), orgID, userID).Scan(&role)
	if err != nil {
		return "", translate(err, "membership")
	}
	return auth.Role(role), nil
}
