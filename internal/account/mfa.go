package account

import (
	"context"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// RecoveryCodeCount is how many recovery codes enrolment hands out.
const RecoveryCodeCount = 10

// MaxCodeFailures is how many wrong codes a pending sign-in may send within
// Window before it is throttled.
const MaxCodeFailures = 5

func totpAAD(userID string) []byte { return []byte("users.totp_secret|" + userID) }

// StartTOTP makes a new secret for the user, stores it sealed, and returns it
// with its otpauth:// URL for the authenticator app. Errors: Conflict while
// MFA is on.
func (s *Service) StartTOTP(ctx context.Context, u *auth.User) (secret, url string, err error) {
	secret, url, err = auth.NewTOTP("Safeguard", u.Email)
	if err != nil {
		return "", "", err
	}
	sealed, err := s.vault.Seal(ctx, []byte(secret), totpAAD(u.ID))
	if err != nil {
		return "", "", err
	}
	return secret, url, s.store.StartTOTP(ctx, u.ID, sealed)
}

// ConfirmTOTP turns MFA on when code proves the user's app holds the secret,
// and returns recovery codes to show once. Errors: Invalid for a wrong code,
// Conflict when enrolment was not started.
func (s *Service) ConfirmTOTP(ctx context.Context, u *auth.User, code string) ([]string, error) {
	st, err := s.store.TOTP(ctx, u.ID)
	if err != nil {
		return nil, err
	}
	if st.SealedSecret == "" || st.Enabled {
		return nil, errs.New(errs.Conflict, "start enrolment first")
	}
	secret, err := s.vault.Open(ctx, st.SealedSecret, totpAAD(u.ID))
	if err != nil {
		return nil, err
	}
	step, ok := auth.CheckTOTP(string(secret), code, s.now(), 0)
	if !ok {
		return nil, errs.New(errs.Invalid, "that code is not right; check the time on your device and try the next code")
	}
	codes, hashes := auth.NewRecoveryCodes(RecoveryCodeCount)
	return codes, s.store.EnableTOTP(ctx, u.ID, step, hashes)
}

// DisableTOTP turns MFA off, on proof of a current code or a recovery code.
// Errors: Invalid for a wrong code.
func (s *Service) DisableTOTP(ctx context.Context, u *auth.User, code string) error {
	if ok, err := s.checkSecondFactor(ctx, u.ID, code); err != nil || !ok {
		if err == nil {
			err = errs.New(errs.Invalid, "that code is not right")
		}
		return err
	}
	return s.store.DisableTOTP(ctx, u.ID)
}

// MFAStatus says whether the user has MFA on and how many recovery codes
// they have left.
func (s *Service) MFAStatus(ctx context.Context, userID string) (enabled bool, recoveryLeft int, err error) {
	st, err := s.store.TOTP(ctx, userID)
	if err != nil {
		return false, 0, err
	}
	if !st.Enabled {
		return false, 0, nil
	}
	n, err := s.store.RecoveryCodesLeft(ctx, userID)
	return true, n, err
}

// checkSecondFactor accepts a TOTP code once (a replayed code fails) or an
// unused recovery code.
func (s *Service) checkSecondFactor(ctx context.Context, userID, code string) (bool, error) {
	st, err := s.store.TOTP(ctx, userID)
	if err != nil || !st.Enabled {
		return false, err
	}
	secret, err := s.vault.Open(ctx, st.SealedSecret, totpAAD(userID))
	if err != nil {
		return false, err
	}
	if step, ok := auth.CheckTOTP(string(secret), code, s.now(), st.LastStep); ok {
		return s.store.UseTOTPStep(ctx, userID, step)
	}
	return s.store.UseRecoveryCode(ctx, userID, auth.HashRecoveryCode(code))
}

// PendingMFA returns the user and session of a sign-in waiting for its
// second factor. Errors: Unauthenticated when there is none, or it waited
// longer than auth.MFAStageTimeout.
func (s *Service) PendingMFA(ctx context.Context, token string) (*auth.User, *auth.Session, error) {
	ss, err := s.session(ctx, token)
	if err != nil {
		return nil, nil, err
	}
	if ss.Stage != auth.StageMFA || s.now().Sub(ss.CreatedAt) > auth.MFAStageTimeout {
		return nil, nil, errs.New(errs.Unauthenticated, "sign in again")
	}
	u, err := s.store.User(ctx, ss.UserID)
	if err != nil {
		return nil, nil, err
	}
	return u, ss, nil
}

// VerifyMFA completes a pending sign-in with a TOTP or recovery code and
// returns the token of the new, full session (the pending token stops
// working). Errors: Unauthenticated for a wrong or replayed code (one
// message for both; the audit log has which), RateLimited after
// MaxCodeFailures.
func (s *Service) VerifyMFA(ctx context.Context, token, code string) (string, error) {
	u, ss, err := s.PendingMFA(ctx, token)
	if err != nil {
		return "", err
	}
	ctx = audit.WithActor(ctx, audit.Actor{ID: u.ID, Label: u.Email, Source: ss.IP})
	key := "mfa:" + u.ID
	since := s.now().Add(-Window)
	if wait, _, err := s.throttled(ctx, []limit{{key, MaxCodeFailures}}); err != nil {
		return "", err
	} else if wait > 0 {
		s.store.RecordEvent(ctx, "", "login.throttled", "user:"+u.ID, map[string]string{"limit": "mfa", "wait": wait.Round(time.Second).String()})
		return "", errs.New(errs.RateLimited, waitMessage("wrong codes", wait))
	}
	ok, err := s.checkSecondFactor(ctx, u.ID, code)
	if err != nil {
		return "", err
	}
	if !ok {
		if err := s.store.RecordLoginFailure(ctx, s.now(), since, key); err != nil {
			return "", err
		}
		s.store.RecordEvent(ctx, "", "login.mfa_failed", "user:"+u.ID, map[string]string{"reason": "wrong, expired or already used code"})
		return "", errs.New(errs.Unauthenticated, "that code is not right")
	}
	s.store.ClearLoginFailures(ctx, key)
	newToken, id := auth.NewSessionToken()
	now := s.now().UTC()
	full := &auth.Session{ID: id, UserID: u.ID, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(s.AbsoluteTimeout), IP: ss.IP, UserAgent: ss.UserAgent, Stage: auth.StageFull}
	if full.Failed, err = s.store.TakeFailedSignins(ctx, u.ID); err != nil {
		return "", err
	}
	if err := s.store.ReplaceSession(ctx, ss.ID, full); err != nil {
		return "", err
	}
	s.store.RecordEvent(ctx, "", "login.success", "user:"+u.ID, map[string]string{"session": id[:12], "mfa": "totp"})
	return newToken, nil
}
