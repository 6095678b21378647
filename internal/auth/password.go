// Package auth holds Safeguard's own security: users, roles, password
// hashing and the password policy. (Sessions, MFA, SSO and API tokens build
// on it.)
package auth

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
	"golang.org/x/text/unicode/norm"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Argon2Params are argon2id's cost parameters.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
}

// DefaultArgon2 costs about 64 MiB and two passes per hash: above OWASP's
// minimums for argon2id (19 MiB, 2 passes) while keeping a login well under
// a second on a small server.
var DefaultArgon2 = Argon2Params{MemoryKiB: 64 * 1024, Time: 2, Threads: 2}

const (
	saltLen = 16
	keyLen  = 32
)

// Hasher hashes and verifies passwords with argon2id. With a pepper (a
// per-installation secret kept outside the database), the password is first
// keyed with HMAC-SHA-256 under it, so a stolen database alone cannot be
// attacked offline. Losing or changing the pepper makes every password
// unverifiable.
type Hasher struct {
	params Argon2Params
	pepper []byte
}

// NewHasher returns a hasher with the given cost and optional pepper.
func NewHasher(p Argon2Params, pepper []byte) *Hasher {
	return &Hasher{params: p, pepper: append([]byte(nil), pepper...)}
}

// prepare normalises the password (NFKC, as SP 800-63B recommends, so the
// same characters typed differently verify) and applies the pepper.
func (h *Hasher) prepare(password string) []byte {
	pw := []byte(norm.NFKC.String(password))
	if len(h.pepper) == 0 {
		return pw
	}
	m := hmac.New(sha256.New, h.pepper)
	m.Write(pw)
	return m.Sum(nil)
}

// Hash returns the password's argon2id hash in the PHC string format:
// $argon2id$v=19$m=65536,t=2,p=2$<salt>$<hash>.
func (h *Hasher) Hash(password string) (string, error) {
	salt := make([]byte, saltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", errs.Wrap(errs.Internal, "", err)
	}
	key := argon2.IDKey(h.prepare(password), salt, h.params.Time, h.params.MemoryKiB, h.params.Threads, keyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version,
		h.params.MemoryKiB, h.params.Time, h.params.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// Verify reports whether password matches encoded, in constant time, and
// whether the hash should be replaced because its cost is not the current
// one. A malformed hash never matches.
func (h *Hasher) Verify(password, encoded string) (ok, rehash bool) {
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return false, false
	}
	got := argon2.IDKey(h.prepare(password), salt, p.Time, p.MemoryKiB, p.Threads, uint32(len(key)))
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false
	}
	return true, p != h.params
}

func decodeHash(s string) (Argon2Params, []byte, []byte, error) {
	var p Argon2Params
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[1] != "argon2id" || parts[2] != fmt.Sprintf("v=%d", argon2.Version) {
		return p, nil, nil, fmt.Errorf("not an argon2id hash")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, err
	}
	// Refuse costs no hash of ours has, so a forged row cannot exhaust memory.
	if p.MemoryKiB == 0 || p.MemoryKiB > 1<<20 || p.Time == 0 || p.Time > 16 || p.Threads == 0 {
		return p, nil, nil, fmt.Errorf("argon2id cost out of range")
	}
	salt, err := base64.RawStdEncoding.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, fmt.Errorf("bad salt")
	}
	key, err := base64.RawStdEncoding.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 64 {
		return p, nil, nil, fmt.Errorf("bad key")
	}
	return p, salt, key, nil
}

// RandomPassword returns a new random password (crypto/rand.Text: 26
// base32 characters, 128 bits), for accounts an operator creates or resets.
func RandomPassword() string { return rand.Text() }
