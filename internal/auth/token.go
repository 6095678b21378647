package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Scope is what an API token may do.
type Scope string

const (
	ScopeRead   Scope = "read"   // read the organisation's program data
	ScopeWrite  Scope = "write"  // change it
	ScopeImport Scope = "import" // upload imports (scanner output, account exports)
)

// Scopes lists the scopes.
var Scopes = []Scope{ScopeRead, ScopeWrite, ScopeImport}

// ParseScopes reads "read,write". Errors: Invalid, naming the bad scope.
func ParseScopes(s string) ([]Scope, error) {
	var out []Scope
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		sc := Scope(strings.ToLower(f))
		if !slices.Contains(Scopes, sc) {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("unknown scope %q (read, write or import)", f))
		}
		if !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	if len(out) == 0 {
		return nil, errs.New(errs.Invalid, "a token needs at least one scope (read, write or import)")
	}
	return out, nil
}

// APIToken is a token as stored: never the token itself.
type APIToken struct {
	ID, OrgID, Name, Prefix, CreatedBy string
	Scopes                             []Scope
	Hash                               string
	CreatedAt, ExpiresAt               time.Time
	RevokedAt, LastUsedAt              time.Time // zero when not
}

// Has reports whether the token holds a scope.
func (t *APIToken) Has(s Scope) bool { return slices.Contains(t.Scopes, s) }

// Active reports whether the token works at a time.
func (t *APIToken) Active(at time.Time) bool { return t.RevokedAt.IsZero() && at.Before(t.ExpiresAt) }

const tokenPrefix = "sg_"

// NewAPIToken returns a new token to show once ("sg_" and 43 URL-safe
// characters: 256 random bits) and its hash to store.
func NewAPIToken() (token, hash string) {
	b := make([]byte, 32)
	rand.Read(b)
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, APITokenHash(token)
}

// APITokenHash is the stored hash of a token, or "" for a string that is not
// one of ours (so it matches nothing, without a database look-up).
func APITokenHash(token string) string {
	raw, ok := strings.CutPrefix(token, tokenPrefix)
	if !ok {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil || len(b) != 32 {
		return ""
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}
