package auth

import (
	"net/mail"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
)

// User is one person's account: unique user identification
// (164.312(a)(2)(i)). A user belongs to organisations through memberships.
type User struct {
	ID                string
	Email             string // lower-cased; unique
	Name              string
	PasswordHash      string // argon2id PHC string; "" for SSO-only accounts
	Disabled          bool
	PasswordChangedAt time.Time
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// NormalizeEmail lower-cases and trims an address.
func NormalizeEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// Validate returns an Invalid error naming the first wrong field.
func (u *User) Validate() error {
	u.Email = NormalizeEmail(u.Email)
	a, err := mail.ParseAddress(u.Email)
	switch {
	case err != nil || a.Address != u.Email || !strings.Contains(u.Email, "@"):
		return errs.New(errs.Invalid, "email "+quote(u.Email)+" is not a valid address")
	case strings.TrimSpace(u.Name) == "":
		return errs.New(errs.Invalid, "name is required")
	case len(u.Name) > 200 || len(u.Email) > 254:
		return errs.New(errs.Invalid, "name or email is too long")
	}
	return nil
}

func quote(s string) string { return "\"" + s + "\"" }

// Membership is a user's role in one organisation.
type Membership struct {
	Org  *org.Organization
	Role Role
}

// Member is one user of an organisation with their role there.
type Member struct {
	User *User
	Role Role
}
