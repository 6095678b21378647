package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// TOTP (RFC 6238) as authenticator apps expect it: SHA-1, 6 digits, 30-second
// steps. A code is accepted one step either side of now, for clock drift, and
// only once: the step it matched must be later than the last one used.
const (
	totpPeriod = 30
	totpSkew   = 1
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTP makes a new secret for an account and the otpauth:// URL an
// authenticator app reads (from a QR code or typed in).
func NewTOTP(issuer, account string) (secret, url string, err error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: issuer, AccountName: account, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", "", errs.Wrap(errs.Internal, "", err)
	}
	return k.Secret(), k.URL(), nil
}

// TOTPCode returns the code for a secret at a time (for tests and tools).
func TOTPCode(secret string, at time.Time) (string, error) {
	return totp.GenerateCodeCustom(secret, at, totpOpts)
}

// CheckTOTP returns the time step a code matches at a time, trying the
// steps either side of it, and whether it matched a step after lastStep.
// A code for an older or already used step does not match.
func CheckTOTP(secret, code string, at time.Time, lastStep int64) (step int64, ok bool) {
	code = strings.ReplaceAll(strings.TrimSpace(code), " ", "")
	if len(code) != 6 {
		return 0, false
	}
	now := at.Unix() / totpPeriod
	for s := now - totpSkew; s <= now+totpSkew; s++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(s*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, s > lastStep
		}
	}
	return 0, false
}

// NewRecoveryCodes returns n one-time recovery codes to show the user once,
// and their hashes to store. The codes carry 80 random bits, so a fast hash
// is enough.
func NewRecoveryCodes(n int) (codes, hashes []string) {
	for range n {
		c := strings.ToLower(rand.Text()[:16])
		c = c[:4] + "-" + c[4:8] + "-" + c[8:12] + "-" + c[12:]
		codes = append(codes, c)
		hashes = append(hashes, HashRecoveryCode(c))
	}
	return codes, hashes
}

// HashRecoveryCode normalises a typed recovery code and hashes it.
func HashRecoveryCode(code string) string {
	c := strings.ToLower(strings.NewReplacer("-", "", " ", "").Replace(strings.TrimSpace(code)))
	sum := sha256.Sum256([]byte(c))
	return hex.EncodeToString(sum[:])
}
