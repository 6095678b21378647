package auth

import "time"

// Invitation asks someone, by email, to join an organisation with a role.
// The link holds a random token (NewSessionToken's kind) whose SHA-256 is
// all the database keeps; it works once, until ExpiresAt.
type Invitation struct {
	ID        string
	OrgID     string
	Email     string
	Role      Role
	InvitedBy string // the inviter's email
	CreatedAt time.Time
	ExpiresAt time.Time
	// Outcome is "" while the invitation is open, else how it ended.
	Outcome string
	EndedAt time.Time
	EndedBy string
}

// Invitation outcomes.
const (
	InvitationAccepted = "accepted"
	InvitationDeclined = "declined"
	InvitationRevoked  = "revoked"
)

// Open reports whether the invitation can still be answered at now.
func (i *Invitation) Open(now time.Time) bool { return i.Outcome == "" && now.Before(i.ExpiresAt) }
