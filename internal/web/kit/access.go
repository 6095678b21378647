package kit

import (
	"context"
	"strings"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/members"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/questionnaire"
	"github.com/safeguard-health/safeguard/internal/sso"
	"github.com/safeguard-health/safeguard/internal/store"
)

// Access says who may use a route. Every route is registered with one,
// and a test walks them all for every role.
type Access struct {
	// Kind is Public (anyone), SignedIn (any signed-in user), Org (a member
	// of the organisation named by the path's {org}, whose role grants
	// Perm) or API (a bearer token of that organisation holding Scope).
	Kind  string
	Perm  auth.Permission
	Scope auth.Scope
}

// Access kinds.
const (
	Public   = "public"
	SignedIn = "signed-in"
	Org      = "org"
	API      = "api"
)

// OrgRoute is the access of an organisation's page that needs perm.
func OrgRoute(perm auth.Permission) Access { return Access{Kind: Org, Perm: perm} }

// Route is a registered route and who may use it.
type Route struct {
	Pattern string
	Access  Access
}

// Viewer is the signed-in user of a request, and their session.
type Viewer struct {
	User    *auth.User
	Session *auth.Session
	Token   string // the session's cookie
}

type viewerKey struct{}

// WithViewer puts the signed-in user in the request's context.
func WithViewer(ctx context.Context, v *Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom is the request's signed-in user; nil when nobody is.
func ViewerFrom(ctx context.Context) *Viewer {
	v, _ := ctx.Value(viewerKey{}).(*Viewer)
	return v
}

// LocalPath keeps a ?next= redirect on this site.
func LocalPath(p string) string {
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") || strings.HasPrefix(p, "/\\") {
		return "/"
	}
	return p
}

// Store is what the web app needs of the store. Organisation pages work
// through Scope, which reaches one organisation's records only.
type Store interface {
	Ping(ctx context.Context) error
	HasDemoOrganization(ctx context.Context) (bool, error)
	OrganizationBySlug(ctx context.Context, slug string) (*org.Organization, error)
	Memberships(ctx context.Context, userID string) ([]auth.Membership, error)
	Membership(ctx context.Context, orgID, userID string) (auth.Role, error)
	Scope(o *org.Organization) *store.Scoped
	RecordEvent(ctx context.Context, orgID, action, target string, detail any) error
	SSO(ctx context.Context, orgID string) (*store.SSOConfig, error)
	members.Store
	questionnaire.Store
}

// Accounts is what the web app needs of the sign-in service.
type Accounts interface {
	Login(ctx context.Context, email, password, ip, userAgent, device string) (*auth.User, string, string, error)
	RememberDevice(ctx context.Context, sessionToken, device string) (string, error)
	ReadFailedSignins(ctx context.Context, ss *auth.Session) error
	VerifyMFA(ctx context.Context, token, code string) (string, error)
	PendingMFA(ctx context.Context, token string) (*auth.User, *auth.Session, error)
	StartTOTP(ctx context.Context, u *auth.User) (secret, url string, err error)
	ConfirmTOTP(ctx context.Context, u *auth.User, code string) ([]string, error)
	DisableTOTP(ctx context.Context, u *auth.User, code string) error
	MFAStatus(ctx context.Context, userID string) (enabled bool, recoveryLeft int, err error)
	APIToken(ctx context.Context, bearer string) (*auth.APIToken, error)
	Sessions(ctx context.Context, userID string) ([]*auth.Session, error)
	LogoutEverywhere(ctx context.Context, userID string) error
	SignInSSO(ctx context.Context, u *auth.User, orgID, ip, userAgent string) (string, error)
	Reauthenticate(ctx context.Context, u *auth.User, ss *auth.Session, password, code string) error
	ChangePassword(ctx context.Context, u *auth.User, ss *auth.Session, current, next, ip, userAgent string) (string, error)
	Authenticate(ctx context.Context, token string) (*auth.User, *auth.Session, error)
	EnterOrg(ctx context.Context, ss *auth.Session, o *org.Organization) error
	Logout(ctx context.Context, token string) error
	NeedsSetup(ctx context.Context) (bool, error)
	Setup(ctx context.Context, o *org.Organization, u *auth.User, password, ip, userAgent string) (string, error)
}

// SSO is what the web app needs of single sign-on.
type SSO interface {
	Configure(ctx context.Context, sc sso.ConfigStore, issuer, clientID, clientSecret, emailDomain string) error
	Start(ctx context.Context, o *org.Organization, next string) (string, error)
	Finish(ctx context.Context, state, code string) (*sso.Result, error)
}
