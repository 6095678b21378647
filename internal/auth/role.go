package auth

import (
	"fmt"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Role is what a user may do in one organisation.
type Role string

const (
	// Owner manages the organisation, its members, SSO, MFA and API tokens.
	Owner Role = "owner"
	// SecurityOfficer runs the whole program (164.308(a)(2)'s security official).
	SecurityOfficer Role = "security_officer"
	// Contributor answers, uploads evidence and edits risks assigned to them.
	Contributor Role = "contributor"
	// Auditor reads everything and exports; changes nothing.
	Auditor Role = "auditor"
	// Workforce sees and completes their own training only.
	Workforce Role = "workforce"
)

// Roles lists every role, most privileged first, with what a person reads.
var Roles = []struct {
	Role  Role
	Label string
}{
	{Owner, "Owner"},
	{SecurityOfficer, "Security officer"},
	{Contributor, "Assessor / contributor"},
	{Auditor, "Auditor"},
	{Workforce, "Workforce member"},
}

// ParseRole accepts a role name ("security_officer", "security-officer").
// Errors: Invalid, naming the roles.
func ParseRole(s string) (Role, error) {
	r := Role(strings.ReplaceAll(strings.ToLower(strings.TrimSpace(s)), "-", "_"))
	if r.Label() != "" {
		return r, nil
	}
	names := make([]string, len(Roles))
	for i, x := range Roles {
		names[i] = string(x.Role)
	}
	return "", errs.New(errs.Invalid, fmt.Sprintf("unknown role %q (one of %s)", s, strings.Join(names, ", ")))
}

// Label returns the role as a person reads it, "" for an unknown role.
func (r Role) Label() string {
	for _, x := range Roles {
		if x.Role == r {
			return x.Label
		}
	}
	return ""
}

// Rank orders roles by privilege: 0 for the owner, larger for less; an
// unknown role ranks below every known one.
func (r Role) Rank() int {
	for i, x := range Roles {
		if x.Role == r {
			return i
		}
	}
	return len(Roles)
}
