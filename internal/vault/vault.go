// Package vault encrypts secrets and evidence at rest with envelope
// encryption: each value is sealed with AES-256-GCM under a data key; data
// keys are stored in the database wrapped (AES-256-GCM again) under a
// key-encryption key (KEK) that never enters the database — it comes from a
// file or an environment variable. Rotating the KEK re-wraps the data keys
// and leaves the data as it is. Losing every KEK loses the data.
package vault

import (
	"bufio"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"regexp"
	"strings"
	"sync"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// KEK is a key-encryption key with its id.
type KEK struct {
	ID  string
	Key []byte // 32 bytes
}

// Keyring holds the KEKs: the first is current (new data keys are wrapped
// under it); the others still unwrap data keys wrapped before a rotation.
type Keyring []KEK

var kekIDRE = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,40}$`)

// ParseKeyring reads a key file: one key a line, "ID:BASE64" (32 bytes of
// key), current first; blank lines and lines starting with # are ignored.
// Errors name the line and never echo a key.
func ParseKeyring(r io.Reader, source string) (Keyring, error) {
	var kr Keyring
	sc := bufio.NewScanner(r)
	seen := map[string]bool{}
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		id, b64, ok := strings.Cut(line, ":")
		if !ok || !kekIDRE.MatchString(id) {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%s line %d: expected ID:BASE64KEY", source, n))
		}
		key, err := base64.StdEncoding.DecodeString(b64)
		if err != nil || len(key) != 32 {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%s line %d: key %s is not 32 bytes of base64", source, n, id))
		}
		if seen[id] {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%s line %d: key id %s appears twice", source, n, id))
		}
		seen[id] = true
		kr = append(kr, KEK{ID: id, Key: key})
	}
	if err := sc.Err(); err != nil {
		return nil, errs.Wrap(errs.Invalid, source, err)
	}
	if len(kr) == 0 {
		return nil, errs.New(errs.Invalid, source+": no key")
	}
	return kr, nil
}

// NewKeyLine returns a new random key as a key-file line.
func NewKeyLine(id string) string {
	k := make([]byte, 32)
	rand.Read(k)
	return id + ":" + base64.StdEncoding.EncodeToString(k)
}

// DataKey is a data key as the database holds it: wrapped under a KEK.
type DataKey struct {
	ID      string
	KEKID   string
	Wrapped []byte
}

// Store is what the vault needs of the database.
type Store interface {
	ActiveDataKey(ctx context.Context) (*DataKey, error) // NotFound when there is none
	DataKey(ctx context.Context, id string) (*DataKey, error)
	CreateDataKey(ctx context.Context, k *DataKey) error
	DataKeys(ctx context.Context) ([]*DataKey, error)
	RewrapDataKeys(ctx context.Context, keys []*DataKey) error
}

// Vault seals and opens values.
type Vault struct {
	store   Store
	keyring Keyring
	mu      sync.Mutex
	plain   map[string][]byte // unwrapped data keys by id
}

// New returns a vault over the store's data keys and the keyring.
func New(st Store, kr Keyring) *Vault {
	return &Vault{store: st, keyring: kr, plain: map[string][]byte{}}
}

const prefix = "v1"

// Seal encrypts plaintext; the result names its data key and can be stored
// as text. aad binds the value to where it is stored (a table and row), so a
// sealed value moved elsewhere does not open.
func (v *Vault) Seal(ctx context.Context, plaintext, aad []byte) (string, error) {
	id, key, err := v.activeKey(ctx)
	if err != nil {
		return "", err
	}
	ct, err := seal(key, plaintext, append([]byte(id+"|"), aad...))
	if err != nil {
		return "", err
	}
	return prefix + ":" + id + ":" + base64.RawStdEncoding.EncodeToString(ct), nil
}

// Open decrypts a value Seal made with the same aad. Errors: Invalid for a
// value that is malformed, altered or moved; Internal when its data key
// cannot be unwrapped with any configured KEK.
func (v *Vault) Open(ctx context.Context, sealed string, aad []byte) ([]byte, error) {
	parts := strings.SplitN(sealed, ":", 3)
	if len(parts) != 3 || parts[0] != prefix {
		return nil, errs.New(errs.Invalid, "not a sealed value")
	}
	ct, err := base64.RawStdEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, errs.New(errs.Invalid, "not a sealed value")
	}
	key, err := v.key(ctx, parts[1])
	if err != nil {
		return nil, err
	}
	pt, err := open(key, ct, append([]byte(parts[1]+"|"), aad...))
	if err != nil {
		return nil, errs.New(errs.Invalid, "the sealed value was altered or belongs elsewhere")
	}
	return pt, nil
}

func (v *Vault) activeKey(ctx context.Context) (string, []byte, error) {
	dk, err := v.store.ActiveDataKey(ctx)
	if errs.Is(err, errs.NotFound) {
		return v.newDataKey(ctx)
	}
	if err != nil {
		return "", nil, err
	}
	key, err := v.unwrap(dk)
	return dk.ID, key, err
}

func (v *Vault) newDataKey(ctx context.Context) (string, []byte, error) {
	key := make([]byte, 32)
	rand.Read(key)
	id := rand.Text()[:16]
	kek := v.keyring[0]
	wrapped, err := seal(kek.Key, key, []byte("data-key|"+id))
	if err != nil {
		return "", nil, err
	}
	if err := v.store.CreateDataKey(ctx, &DataKey{ID: id, KEKID: kek.ID, Wrapped: wrapped}); err != nil {
		return "", nil, err
	}
	v.mu.Lock()
	v.plain[id] = key
	v.mu.Unlock()
	return id, key, nil
}

func (v *Vault) key(ctx context.Context, id string) ([]byte, error) {
	v.mu.Lock()
	k, ok := v.plain[id]
	v.mu.Unlock()
	if ok {
		return k, nil
	}
	dk, err := v.store.DataKey(ctx, id)
	if errs.Is(err, errs.NotFound) {
		return nil, errs.New(errs.Invalid, "the sealed value names an unknown data key")
	}
	if err != nil {
		return nil, err
	}
	return v.unwrap(dk)
}

func (v *Vault) unwrap(dk *DataKey) ([]byte, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if k, ok := v.plain[dk.ID]; ok {
		return k, nil
	}
	for _, kek := range v.keyring {
		if kek.ID != dk.KEKID {
			continue
		}
		k, err := open(kek.Key, dk.Wrapped, []byte("data-key|"+dk.ID))
		if err != nil {
			return nil, errs.New(errs.Internal, fmt.Sprintf("data key %s does not unwrap with key %s: the key file holds a different key under that id", dk.ID, kek.ID))
		}
		v.plain[dk.ID] = k
		return k, nil
	}
	return nil, errs.New(errs.Internal, fmt.Sprintf("data key %s is wrapped under key %s, which the key file does not hold: without it the data it protects cannot be read", dk.ID, dk.KEKID))
}

// Rotate re-wraps every data key under the current (first) KEK. The data
// sealed under them is untouched. It returns how many keys it re-wrapped.
func (v *Vault) Rotate(ctx context.Context) (int, error) {
	keys, err := v.store.DataKeys(ctx)
	if err != nil {
		return 0, err
	}
	cur := v.keyring[0]
	var changed []*DataKey
	for _, dk := range keys {
		if dk.KEKID == cur.ID {
			continue
		}
		plain, err := v.unwrap(dk)
		if err != nil {
			return 0, err
		}
		wrapped, err := seal(cur.Key, plain, []byte("data-key|"+dk.ID))
		if err != nil {
			return 0, err
		}
		changed = append(changed, &DataKey{ID: dk.ID, KEKID: cur.ID, Wrapped: wrapped})
	}
	if len(changed) == 0 {
		return 0, nil
	}
	return len(changed), v.store.RewrapDataKeys(ctx, changed)
}

func seal(key, plaintext, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, gcm.NonceSize())
	rand.Read(nonce)
	return gcm.Seal(nonce, nonce, plaintext, aad), nil
}

func open(key, ct, aad []byte) ([]byte, error) {
	gcm, err := newGCM(key)
	if err != nil {
		return nil, err
	}
	if len(ct) < gcm.NonceSize()+gcm.Overhead() {
		return nil, fmt.Errorf("short ciphertext")
	}
	return gcm.Open(nil, ct[:gcm.NonceSize()], ct[gcm.NonceSize():], aad)
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	return cipher.NewGCM(block)
}

// macLabel separates the MAC key from every other use of a KEK.
const macLabel = "safeguard audit checkpoint mac v1"

// MAC authenticates data under a key derived from the KEK with the given id
// (HKDF-SHA-256), so that whoever holds the key file, and only they, can
// make or check it. Errors: NotFound when the keyring lacks that KEK.
func (kr Keyring) MAC(kekID string, data []byte) ([]byte, error) {
	for _, k := range kr {
		if k.ID != kekID {
			continue
		}
		sub, err := hkdf.Key(sha256.New, k.Key, nil, macLabel, 32)
		if err != nil {
			return nil, errs.Wrap(errs.Internal, "", err)
		}
		m := hmac.New(sha256.New, sub)
		m.Write(data)
		return m.Sum(nil), nil
	}
	return nil, errs.New(errs.NotFound, "key "+kekID+" is not in the key file")
}
