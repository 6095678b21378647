// Package account signs people in and out: password verification with
// throttling, server-side sessions with idle and absolute timeouts, and the
// first-run set-up of the first owner. Every sign-in, failure and sign-out is
// in the audit log.
package account

import (
	"context"
	"fmt"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// Throttling: failed sign-ins are counted over Window under keys: the
// account from one address, the address, and the account from browsers
// that have not signed in to it before (from any address). Past a key's
// limit the next attempt waits FirstBackoff, doubling with every further
// failure up to Window; nothing locks an account. A browser that signed in
// to the account before (its device cookie, RememberDevice) is held back
// only by its own failures (MaxPerDevice), so failures made elsewhere never
// keep a user out of their own browsers. An operator's password reset
// clears the counts at once.
const (
	Window             = 15 * time.Minute
	MaxPerAccountAndIP = 5
	MaxPerIP           = 50
	MaxPerAccount      = 20
	MaxPerDevice       = 5
	FirstBackoff       = 30 * time.Second
	// DeviceLifetime is how long a browser stays known after it last
	// signed in.
	DeviceLifetime      = 365 * 24 * time.Hour
	touchEvery          = time.Minute
	genericLoginMessage = "the email or password is wrong"
)

// Service is the sign-in service.
type Service struct {
	store  *store.Store
	hasher *auth.Hasher
	vault  *vault.Vault
	now    func() time.Time
	// IdleTimeout is automatic logoff after inactivity; AbsoluteTimeout ends
	// a session however active.
	IdleTimeout, AbsoluteTimeout time.Duration
	dummyHash                    string
}

// New returns the service; v seals MFA secrets. now is the clock (time.Now
// when nil).
func New(st *store.Store, h *auth.Hasher, v *vault.Vault, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	dummy, _ := h.Hash(auth.RandomPassword())
	return &Service{store: st, hasher: h, vault: v, now: now, IdleTimeout: auth.DefaultIdleTimeout, AbsoluteTimeout: auth.DefaultAbsoluteTimeout, dummyHash: dummy}
}

// limit is a throttling key and the failures it allows in Window.
type limit struct {
	key string
	max int
}

// backoff is how long the attempt after n failures under a key waits past
// its last: nothing below max, then FirstBackoff doubling up to Window.
func backoff(n, max int) time.Duration {
	if n < max {
		return 0
	}
	return min(Window, FirstBackoff<<min(n-max, 10))
}

// throttled is how long an attempt must still wait under limits, and the
// key that holds it back.
func (s *Service) throttled(ctx context.Context, limits []limit) (time.Duration, string, error) {
	now := s.now()
	var wait time.Duration
	key := ""
	for _, l := range limits {
		n, last, err := s.store.LoginFailures(ctx, l.key, now.Add(-Window))
		if err != nil {
			return 0, "", err
		}
		if d := last.Add(backoff(n, l.max)).Sub(now); n >= l.max && d > wait {
			wait, key = d, l.key
		}
	}
	return wait, key, nil
}

// waitMessage tells a throttled user how long to wait.
func waitMessage(what string, d time.Duration) string {
	secs := int((d + time.Second - 1) / time.Second)
	if secs < 120 {
		return fmt.Sprintf("too many %s; try again in %d seconds", what, secs)
	}
	return fmt.Sprintf("too many %s; try again in %d minutes", what, (secs+59)/60)
}

// Login checks an email and password from ip and starts a session,
// returning the user, the token for the cookie and the session's stage:
// auth.StageMFA when the user must still give a code (VerifyMFA), else
// auth.StageFull. device is the browser's device cookie ("" when it has
// none; see RememberDevice). Errors: Unauthenticated with one message
// whatever was wrong (unknown email, wrong password, disabled account),
// RateLimited while throttled, saying how long to wait.
func (s *Service) Login(ctx context.Context, email, password, ip, userAgent, device string) (*auth.User, string, string, error) {
	email = auth.NormalizeEmail(email)
	ctx = audit.WithActor(ctx, audit.Actor{Label: email, Source: ip})
	u, err := s.store.UserByEmail(ctx, email)
	if err != nil && !errs.Is(err, errs.NotFound) {
		return nil, "", "", err
	}
	limits := []limit{{"account-ip:" + email + "|" + ip, MaxPerAccountAndIP}, {"ip:" + ip, MaxPerIP}, {"account:" + email, MaxPerAccount}}
	if u != nil {
		if known, err := s.knownDevice(ctx, u.ID, device); err != nil {
			return nil, "", "", err
		} else if known != "" {
			limits = []limit{{"device:" + known, MaxPerDevice}}
		}
	}
	if wait, key, err := s.throttled(ctx, limits); err != nil {
		return nil, "", "", err
	} else if wait > 0 {
		s.store.RecordEvent(ctx, "", "login.throttled", "account:"+email, map[string]string{"limit": key, "wait": wait.Round(time.Second).String()})
		return nil, "", "", errs.New(errs.RateLimited, waitMessage("failed sign-ins", wait))
	}
	reason := ""
	switch {
	case u == nil:
		s.hasher.Verify(password, s.dummyHash) // take as long as a real check
		reason = "unknown email"
	case u.PasswordHash == "":
		reason = "no password (single sign-on account)"
	default:
		ok, rehash := s.hasher.Verify(password, u.PasswordHash)
		switch {
		case !ok:
			reason = "wrong password"
		case u.Disabled:
			reason = "account disabled"
		case rehash:
			if h, err := s.hasher.Hash(password); err == nil {
				s.store.SetPasswordHash(ctx, u.ID, h)
			}
		}
	}
	if reason != "" {
		keys := make([]string, len(limits))
		for i, l := range limits {
			keys[i] = l.key
		}
		if err := s.store.RecordLoginFailure(ctx, s.now(), s.now().Add(-Window), keys...); err != nil {
			return nil, "", "", err
		}
		if u != nil {
			if err := s.store.NoteFailedSignin(ctx, u.ID, s.now(), ip); err != nil {
				return nil, "", "", err
			}
		}
		s.store.RecordEvent(ctx, "", "login.failed", "account:"+email, map[string]string{"reason": reason})
		return nil, "", "", errs.New(errs.Unauthenticated, genericLoginMessage)
	}
	s.store.ClearLoginFailures(ctx, limits[0].key)
	ctx = audit.WithActor(ctx, audit.Actor{ID: u.ID, Label: u.Email, Source: ip})
	mfa, err := s.store.TOTP(ctx, u.ID)
	if err != nil {
		return nil, "", "", err
	}
	if mfa.Enabled {
		token, err := s.newSession(ctx, u, ip, userAgent, auth.StageMFA)
		if err == nil {
			s.store.RecordEvent(ctx, "", "login.password_ok", "user:"+u.ID, map[string]string{"awaiting": "totp"})
		}
		return u, token, auth.StageMFA, err
	}
	token, err := s.startSession(ctx, u, ip, userAgent)
	return u, token, auth.StageFull, err
}

// knownDevice is the stored id of a device cookie that signed in to the
// user's account before, or "".
func (s *Service) knownDevice(ctx context.Context, userID, device string) (string, error) {
	id := auth.SessionID(device)
	if id == "" {
		return "", nil
	}
	owner, err := s.store.KnownDeviceUser(ctx, id, s.now().Add(-DeviceLifetime))
	if err != nil || owner != userID {
		return "", err
	}
	return id, nil
}

// RememberDevice marks the browser of a signed-in session as one its user
// signs in from, and returns the device cookie to keep (device itself when
// it already is this user's). Failed sign-ins from other browsers never
// hold back a known one (see Login).
func (s *Service) RememberDevice(ctx context.Context, sessionToken, device string) (string, error) {
	ss, err := s.session(ctx, sessionToken)
	if err != nil {
		return "", err
	}
	id, err := s.knownDevice(ctx, ss.UserID, device)
	if err != nil {
		return "", err
	}
	if id == "" {
		device, id = auth.NewSessionToken()
	}
	now := s.now().UTC()
	return device, s.store.AddKnownDevice(ctx, id, ss.UserID, now, now.Add(-DeviceLifetime))
}

// ReadFailedSignins marks the failed sign-ins a session was told of as
// read.
func (s *Service) ReadFailedSignins(ctx context.Context, ss *auth.Session) error {
	if ss.Failed.Count == 0 {
		return nil
	}
	return s.store.ReadFailedSignins(ctx, ss.ID)
}

func (s *Service) startSession(ctx context.Context, u *auth.User, ip, userAgent string) (string, error) {
	token, err := s.newSession(ctx, u, ip, userAgent, auth.StageFull)
	if err != nil {
		return "", err
	}
	s.store.RecordEvent(ctx, "", "login.success", "user:"+u.ID, map[string]string{"session": auth.SessionID(token)[:12]})
	return token, nil
}

func (s *Service) newSession(ctx context.Context, u *auth.User, ip, userAgent, stage string) (string, error) {
	token, id := auth.NewSessionToken()
	now := s.now().UTC()
	if len(userAgent) > 300 {
		userAgent = userAgent[:300]
	}
	ss := &auth.Session{ID: id, UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.AbsoluteTimeout), IP: ip, UserAgent: userAgent, Stage: stage}
	if stage == auth.StageFull {
		// The failed sign-ins since the user's last sign-in go with the
		// session that signs in, to be told to them.
		var err error
		if ss.Failed, err = s.store.TakeFailedSignins(ctx, u.ID); err != nil {
			return "", err
		}
	}
	return token, s.store.CreateSession(ctx, ss)
}

// session returns the session behind a token. Errors: Unauthenticated.
func (s *Service) session(ctx context.Context, token string) (*auth.Session, error) {
	id := auth.SessionID(token)
	if id == "" {
		return nil, errs.New(errs.Unauthenticated, "sign in to continue")
	}
	ss, err := s.store.Session(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.New(errs.Unauthenticated, "sign in to continue")
	}
	return ss, err
}

// Authenticate returns the user and session behind a cookie token and
// records the activity. Errors: Unauthenticated for a missing, forged,
// expired (idle or absolute) or disabled user's session.
func (s *Service) Authenticate(ctx context.Context, token string) (*auth.User, *auth.Session, error) {
	ss, err := s.session(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	if ss.Stage != auth.StageFull {
		return nil, nil, errs.New(errs.Unauthenticated, "sign in to continue")
	}
	id := ss.ID
	now := s.now().UTC()
	u, err := s.store.User(ctx, ss.UserID)
	if err != nil {
		return nil, nil, err
	}
	// The session lives while any of the user's organisations would keep
	// it (each governs its own pages: EnterOrg); without one, the server's
	// timeout applies.
	timeouts, err := s.store.UserIdleTimeouts(ctx, u.ID)
	if err != nil {
		return nil, nil, err
	}
	idle, strictest := s.IdleTimeout, s.IdleTimeout
	if len(timeouts) > 0 {
		idle = 0
		for _, d := range timeouts {
			d = s.orgIdle(d)
			idle, strictest = max(idle, d), min(strictest, d)
		}
	}
	why := ""
	switch {
	case now.After(ss.ExpiresAt):
		why = "absolute timeout"
	case now.Sub(ss.LastSeenAt) > idle:
		why = "idle timeout"
	case u.Disabled:
		why = "account disabled"
	}
	if why != "" {
		s.store.DeleteSession(ctx, id)
		s.store.RecordEvent(audit.WithActor(ctx, audit.Actor{ID: u.ID, Label: u.Email, Source: ss.IP}), "", "session.end", "user:"+u.ID, map[string]string{"reason": why})
		return nil, nil, errs.New(errs.Unauthenticated, "your session has ended; sign in again")
	}
	// Record activity at most every touchEvery (a tenth of a short idle
	// timeout), so that every page view is not a write.
	if now.Sub(ss.LastSeenAt) >= min(touchEvery, strictest/10) {
		if err := s.store.TouchSession(ctx, id, now); err != nil {
			return nil, nil, err
		}
		ss.LastSeenAt = now
	}
	return u, ss, nil
}

// orgIdle is an organisation's idle timeout d, or the server's when it
// sets none.
func (s *Service) orgIdle(d time.Duration) time.Duration {
	if d > 0 {
		return d
	}
	return s.IdleTimeout
}

// EnterOrg lets a signed-in session open an organisation's pages, under
// that organisation's idle timeout (or the server's): past it without
// activity on the organisation's pages, the user must confirm who they are
// (Reauthenticate) before opening them again. One organisation's timeout
// never governs another's pages. Errors: Unauthenticated, saying so.
func (s *Service) EnterOrg(ctx context.Context, ss *auth.Session, o *org.Organization) error {
	now := s.now().UTC()
	idle := s.orgIdle(o.IdleTimeout)
	last, seen, err := s.store.SessionOrgSeen(ctx, ss.ID, o.ID)
	if err != nil {
		return err
	}
	if seen && now.Sub(last) > idle && !ss.ReauthAt.After(last.Add(idle)) {
		s.store.RecordEvent(ctx, o.ID, "session.org_idle", "user:"+ss.UserID, map[string]string{"idle_timeout": idle.String()})
		return errs.New(errs.Unauthenticated, fmt.Sprintf("%s locks its pages after %s without activity on them: confirm it is you to go on", o.Name, idle))
	}
	if !seen || now.Sub(last) >= min(touchEvery, idle/10) {
		return s.store.TouchSessionOrg(ctx, ss.ID, o.ID, now)
	}
	return nil
}

// Reauthenticate confirms, inside a signed-in session, that its user is
// still the one at the keyboard: their password and, with MFA on, a code.
// Privileged actions want this to be recent. Errors: Unauthenticated (one
// message whatever was wrong), RateLimited after repeated failures.
func (s *Service) Reauthenticate(ctx context.Context, u *auth.User, ss *auth.Session, password, code string) error {
	key := "account-ip:" + u.Email + "|" + ss.IP
	since := s.now().Add(-Window)
	if wait, _, err := s.throttled(ctx, []limit{{key, MaxPerAccountAndIP}}); err != nil {
		return err
	} else if wait > 0 {
		return errs.New(errs.RateLimited, waitMessage("failed attempts", wait))
	}
	ok := u.PasswordHash != ""
	if ok {
		ok, _ = s.hasher.Verify(password, u.PasswordHash)
	}
	if ok {
		if mfa, err := s.store.TOTP(ctx, u.ID); err != nil {
			return err
		} else if mfa.Enabled {
			if ok, err = s.checkSecondFactor(ctx, u.ID, code); err != nil {
				return err
			}
		}
	}
	if !ok {
		if err := s.store.RecordLoginFailure(ctx, s.now(), since, key); err != nil {
			return err
		}
		s.store.RecordEvent(ctx, "", "session.reauth_failed", "user:"+u.ID, nil)
		return errs.New(errs.Unauthenticated, "the password or code is wrong")
	}
	if err := s.store.SetSessionReauth(ctx, ss.ID, s.now().UTC()); err != nil {
		return err
	}
	return s.store.RecordEvent(ctx, "", "session.reauth", "user:"+u.ID, nil)
}

// ChangePassword sets a signed-in user's password to next once current,
// their password now, checks out, under the password policy (with their
// name and email as words it must not be). Every session of theirs ends
// and a new one starts for the browser that asked, whose token is
// returned. Errors: Unauthenticated for a wrong current password (counted
// as a failed sign-in), RateLimited after repeated failures, Invalid for a
// next password the policy refuses, Forbidden for an account without a
// password (signed in through the organisation's provider).
func (s *Service) ChangePassword(ctx context.Context, u *auth.User, ss *auth.Session, current, next, ip, userAgent string) (string, error) {
	if u.PasswordHash == "" {
		return "", errs.New(errs.Forbidden, "this account signs in through the organisation's identity provider and has no password here")
	}
	key := "account-ip:" + u.Email + "|" + ss.IP
	since := s.now().Add(-Window)
	if wait, _, err := s.throttled(ctx, []limit{{key, MaxPerAccountAndIP}}); err != nil {
		return "", err
	} else if wait > 0 {
		return "", errs.New(errs.RateLimited, waitMessage("failed attempts", wait))
	}
	if ok, _ := s.hasher.Verify(current, u.PasswordHash); !ok {
		if err := s.store.RecordLoginFailure(ctx, s.now(), since, key); err != nil {
			return "", err
		}
		s.store.RecordEvent(ctx, "", "password.change_failed", "user:"+u.ID, nil)
		return "", errs.New(errs.Unauthenticated, "the current password is wrong")
	}
	if err := auth.DefaultPasswordPolicy.Check(next, u.Name, u.Email); err != nil {
		return "", err
	}
	hash, err := s.hasher.Hash(next)
	if err != nil {
		return "", err
	}
	if err := s.store.SetPasswordHash(ctx, u.ID, hash); err != nil {
		return "", err
	}
	if _, err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
		return "", err
	}
	return s.startSession(ctx, u, ip, userAgent)
}

// SignInSSO starts a full session for a user the organisation's provider
// vouched for (see package sso).
func (s *Service) SignInSSO(ctx context.Context, u *auth.User, orgID, ip, userAgent string) (string, error) {
	ctx = audit.WithActor(ctx, audit.Actor{ID: u.ID, Label: u.Email, Source: ip})
	token, err := s.newSession(ctx, u, ip, userAgent, auth.StageFull)
	if err != nil {
		return "", err
	}
	s.store.RecordEvent(ctx, orgID, "login.success", "user:"+u.ID, map[string]string{"session": auth.SessionID(token)[:12], "via": "sso"})
	return token, nil
}

// Sessions lists a user's signed-in sessions, newest first.
func (s *Service) Sessions(ctx context.Context, userID string) ([]*auth.Session, error) {
	all, err := s.store.UserSessions(ctx, userID)
	var out []*auth.Session
	for _, ss := range all {
		if ss.Stage == auth.StageFull {
			out = append(out, ss)
		}
	}
	return out, err
}

// Logout ends the session behind a token.
func (s *Service) Logout(ctx context.Context, token string) error {
	id := auth.SessionID(token)
	if id == "" {
		return nil
	}
	if err := s.store.DeleteSession(ctx, id); err != nil {
		return err
	}
	a := audit.ActorFrom(ctx)
	return s.store.RecordEvent(ctx, "", "logout", "user:"+a.ID, nil)
}

// LogoutEverywhere ends every session of a user.
func (s *Service) LogoutEverywhere(ctx context.Context, userID string) error {
	n, err := s.store.DeleteUserSessions(ctx, userID)
	if err != nil {
		return err
	}
	return s.store.RecordEvent(ctx, "", "logout.everywhere", "user:"+userID, map[string]int64{"sessions": n})
}

// NeedsSetup reports whether the installation has no user yet.
func (s *Service) NeedsSetup(ctx context.Context) (bool, error) {
	n, err := s.store.CountUsers(ctx)
	return n == 0, err
}

// Setup creates the first organisation and its first owner, and signs the
// owner in. It works only while there is no user. Errors: Forbidden once a
// user exists; Invalid for a bad organisation, user or password.
func (s *Service) Setup(ctx context.Context, o *org.Organization, u *auth.User, password, ip, userAgent string) (string, error) {
	if err := auth.DefaultPasswordPolicy.Check(password, u.Name, u.Email, o.Name); err != nil {
		return "", err
	}
	hash, err := s.hasher.Hash(password)
	if err != nil {
		return "", err
	}
	u.PasswordHash = hash
	ctx = audit.WithActor(ctx, audit.Actor{Label: auth.NormalizeEmail(u.Email) + " (first run)", Source: ip})
	if err := s.store.CreateFirstOwner(ctx, o, u); err != nil {
		return "", err
	}
	return s.startSession(audit.WithActor(ctx, audit.Actor{ID: u.ID, Label: u.Email, Source: ip}), u, ip, userAgent)
}
