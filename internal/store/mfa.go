package store

import (
	"context"
	"database/sql"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// TOTPState is a user's multifactor state.
type TOTPState struct {
	SealedSecret string // sealed by the vault; "" when never enrolled
	Enabled      bool
	LastStep     int64 // the last time step a code was accepted for
}

// TOTP returns a user's multifactor state. Errors: NotFound.
func (s *Store) TOTP(ctx context.Context, userID string) (TOTPState, error) {
	var st TOTPState
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT totp_secret, totp_enabled, totp_last_step FROM users WHERE id = ?`), userID).
		Scan(&st.SealedSecret, &st.Enabled, &st.LastStep)
	return st, translate(err, "user")
}

// StartTOTP stores a new, not yet confirmed, sealed secret. It refuses while
// MFA is enabled: disable it first. Errors: NotFound, Conflict.
func (s *Store) StartTOTP(ctx context.Context, userID, sealed string) error {
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE users SET totp_secret = ?, totp_last_step = 0 WHERE id = ? AND NOT totp_enabled`), sealed, userID)
		if err != nil {
			return change{}, translate(err, "user")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return change{}, errs.New(errs.Conflict, "multifactor authentication is already on")
		}
		return change{action: "mfa.enrol_start", target: "user:" + userID}, nil
	})
}

// EnableTOTP turns MFA on once the user has proved the secret with a code
// for step, and replaces their recovery codes with hashes.
func (s *Store) EnableTOTP(ctx context.Context, userID string, step int64, recoveryHashes []string) error {
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE users SET totp_enabled = TRUE, totp_last_step = ? WHERE id = ? AND totp_secret <> '' AND NOT totp_enabled`), step, userID)
		if err != nil {
			return change{}, translate(err, "user")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return change{}, errs.New(errs.Conflict, "start enrolment first")
		}
		if err := s.replaceRecoveryCodes(ctx, tx, userID, recoveryHashes); err != nil {
			return change{}, err
		}
		return change{action: "mfa.enable", target: "user:" + userID, after: map[string]int{"recovery_codes": len(recoveryHashes)}}, nil
	})
}

func (s *Store) replaceRecoveryCodes(ctx context.Context, tx *sql.Tx, userID string, hashes []string) error {
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM recovery_codes WHERE user_id = ?`), userID); err != nil {
		return translate(err, "recovery codes")
	}
	for _, h := range hashes {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)`), userID, h); err != nil {
			return translate(err, "recovery codes")
		}
	}
	return nil
}

// DisableTOTP turns MFA off and forgets the secret and recovery codes.
func (s *Store) DisableTOTP(ctx context.Context, userID string) error {
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE users SET totp_enabled = FALSE, totp_secret = '', totp_last_step = 0 WHERE id = ?`), userID); err != nil {
			return change{}, translate(err, "user")
		}
		if err := s.replaceRecoveryCodes(ctx, tx, userID, nil); err != nil {
			return change{}, err
		}
		return change{action: "mfa.disable", target: "user:" + userID}, nil
	})
}

// UseTOTPStep records that a code for step was accepted, only if step is
// later than every step accepted before: on every node at once, a code works
// once. It reports whether it did.
func (s *Store) UseTOTPStep(ctx context.Context, userID string, step int64) (bool, error) {
	res, err := s.write.ExecContext(ctx, s.rebind(`UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_enabled AND totp_last_step < ?`), step, userID, step)
	if err != nil {
		return false, translate(err, "user")
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// UseRecoveryCode spends an unused recovery code and reports whether there
// was one.
func (s *Store) UseRecoveryCode(ctx context.Context, userID, hash string) (bool, error) {
	used := false
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at = ''`), formatTime(s.now()), userID, hash)
		if err != nil {
			return change{}, translate(err, "recovery codes")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return change{}, errNoRecoveryCode
		}
		used = true
		return change{action: "mfa.recovery_code_used", target: "user:" + userID}, nil
	})
	if err == errNoRecoveryCode {
		return false, nil
	}
	return used, err
}

var errNoRecoveryCode = errs.New(errs.NotFound, "no such recovery code")

// RecoveryCodesLeft counts a user's unused recovery codes.
func (s *Store) RecoveryCodesLeft(ctx context.Context, userID string) (int, error) {
	var n int
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at = ''`), userID).Scan(&n)
	return n, translate(err, "recovery codes")
}
