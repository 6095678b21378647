package pages

import (
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/org"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// programView is what the program's pages share: the organisation, the
// viewer's role, and a message to show.
type programView struct {
	Scope  *kit.Scope
	Error  string
	Notice string
}

func (pv programView) Can(p string) bool { return pv.Scope.Role.Can(auth.Permission(p)) }

// Org is the organisation in scope.
func (pv programView) Org() *org.Organization { return pv.Scope.Org() }
