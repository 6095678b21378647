package vault_test

import (
	"context"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

func keyring(t *testing.T, lines ...string) vault.Keyring {
	t.Helper()
	kr, err := vault.ParseKeyring(strings.NewReader(strings.Join(lines, "\n")), "test keys")
	if err != nil {
		t.Fatal(err)
	}
	return kr
}

func TestSealOpen(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		v := vault.New(s, keyring(t, vault.NewKeyLine("k1")))
		sealed, err := v.Seal(ctx, []byte("JBSWY3DPEHPK3PXP"), []byte("users.totp_secret|u-1"))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(sealed, "JBSWY3DPEHPK3PXP") || !strings.HasPrefix(sealed, "v1:") {
			t.Fatalf("sealed value %q", sealed)
		}
		got, err := v.Open(ctx, sealed, []byte("users.totp_secret|u-1"))
		if err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
			t.Fatalf("open: %q, %v", got, err)
		}
		// Bound to its place: the same value under another row does not open.
		if _, err := v.Open(ctx, sealed, []byte("users.totp_secret|u-2")); !errs.Is(err, errs.Invalid) {
			t.Errorf("moved value opened: %v", err)
		}
		// Altered or truncated values do not open, and do not panic.
		for _, bad := range []string{sealed[:len(sealed)-2], sealed[:len(sealed)-4] + "AAAA", "v1:x:", "v2:" + sealed[3:], "", "v1:::"} {
			if _, err := v.Open(ctx, bad, []byte("users.totp_secret|u-1")); err == nil {
				t.Errorf("altered value %q opened", bad)
			}
		}
	})
}

// Rotation re-wraps data keys under the new key; the data stays as it is and
// opens with the new key alone. Without any key that wrapped it, nothing opens.
func TestRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		old, next := vault.NewKeyLine("2026-01"), vault.NewKeyLine("2026-11")
		v := vault.New(s, keyring(t, old))
		sealed, err := v.Seal(ctx, []byte("secret evidence"), []byte("evidence|1"))
		if err != nil {
			t.Fatal(err)
		}
		rotated := vault.New(s, keyring(t, next, old))
		n, err := rotated.Rotate(ctx)
		if err != nil || n != 1 {
			t.Fatalf("rotate: %d, %v", n, err)
		}
		if n, _ := rotated.Rotate(ctx); n != 0 {
			t.Errorf("a second rotation re-wrapped %d keys", n)
		}
		onlyNew := vault.New(s, keyring(t, next))
		if got, err := onlyNew.Open(ctx, sealed, []byte("evidence|1")); err != nil || string(got) != "secret evidence" {
			t.Errorf("after rotation, with the new key only: %q, %v", got, err)
		}
		onlyOld := vault.New(s, keyring(t, old))
		_, err = onlyOld.Open(ctx, sealed, []byte("evidence|1"))
		if err == nil || !strings.Contains(err.Error(), "2026-11") || !strings.Contains(err.Error(), "cannot be read") {
			t.Errorf("with only the retired key: %v", err)
		}
		entries, _ := s.AuditLog(ctx, store.AuditFilter{})
		if len(entries) == 0 || entries[0].Action != "key.rotate" {
			t.Errorf("rotation not in the audit log: %+v", entries)
		}
	})
}

func TestParseKeyring(t *testing.T) {
	for in, want := range map[string]string{
		"":                                   "no key",
		"# only a comment\n":                 "no key",
		"k1 nocolon":                         "line 1: expected ID:BASE64KEY",
		"k1:c2hvcnQ=":                        "line 1: key k1 is not 32 bytes",
		"bad id!:" + strings.Repeat("A", 44): "line 1: expected",
		vault.NewKeyLine("a") + "\n" + vault.NewKeyLine("a"): "line 2: key id a appears twice",
	} {
		_, err := vault.ParseKeyring(strings.NewReader(in), "keys.txt")
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "keys.txt") {
			t.Errorf("ParseKeyring(%q) = %v, want %q", in, err, want)
		}
	}
	line := vault.NewKeyLine("k")
	_, err := vault.ParseKeyring(strings.NewReader("k:"+line[2:len(line)-4]+"!!!!"), "keys.txt")
	if err == nil || strings.Contains(err.Error(), line[2:12]) {
		t.Errorf("an error echoes the key: %v", err)
	}
}

func FuzzOpen(f *testing.F) {
	s := storetest.SQLite(f)
	v := vault.New(s, vault.Keyring{{ID: "k", Key: make([]byte, 32)}})
	good, _ := v.Seal(context.Background(), []byte("x"), nil)
	for _, seed := range []string{good, "v1:a:b", "v1:" + strings.Repeat("A", 100)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, sealed string) {
		v.Open(context.Background(), sealed, nil)
	})
}
