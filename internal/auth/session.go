package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"time"
)

// Session is one signed-in browser. The browser holds a random token; the
// database holds only its SHA-256 (ID).
type Session struct {
	ID         string
	UserID     string
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // the absolute timeout
	IP         string
	UserAgent  string
	// Stage is StageFull for a signed-in session, StageMFA while the
	// password is checked and the second factor awaited.
	Stage string
	// ReauthAt is when the user last confirmed who they are in this
	// session (zero until they do).
	ReauthAt time.Time
	// Failed are the failed sign-ins to the user's account between their
	// previous sign-in and the one that started this session, shown until
	// the user has read them.
	Failed FailedSignins
}

// FailedSignins counts failed sign-ins to an account: how many, and the
// last one's time and source address.
type FailedSignins struct {
	Count  int
	Last   time.Time
	LastIP string
}

// Freshness is when the session's user last proved who they are: signing in
// or re-authenticating.
func (s *Session) Freshness() time.Time {
	if s.ReauthAt.After(s.CreatedAt) {
		return s.ReauthAt
	}
	return s.CreatedAt
}

// Session stages.
const (
	StageFull = "full"
	StageMFA  = "mfa"
)

// MFAStageTimeout is how long a password-checked session waits for its code.
const MFAStageTimeout = 5 * time.Minute

// Session timeouts. The idle timeout is automatic logoff (164.312(a)(2)(iii)).
const (
	DefaultIdleTimeout     = 15 * time.Minute
	DefaultAbsoluteTimeout = 12 * time.Hour
)

// NewSessionToken returns a new random token (256 bits, URL-safe) and the
// session ID it hashes to.
func NewSessionToken() (token, id string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, SessionID(token)
}

// SessionID is the stored ID of a token. A token that is not one of ours
// (wrong length or alphabet) maps to "", which matches no session.
func SessionID(token string) string {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != 32 {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
