package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// keyFlags adds --key-file to a verb that encrypts or decrypts.
func (a *app) keyFlags(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.keyFile, "key-file", "", "key file for encryption at rest: one ID:BASE64 key a line, current first (default for SQLite: the database path + .keys, created when missing; required for PostgreSQL, or set SAFEGUARD_KEYS to the file's contents)")
}

// keyring loads the key-encryption keys: --key-file, else SAFEGUARD_KEYS,
// else (SQLite only) a key file beside the database, created on first use.
func (a *app) keyring(s *store.Store) (vault.Keyring, error) { return a.loadKeyring(s, true) }

// existingKeyring is keyring without creating a key file: nil when no key
// is configured or present.
func (a *app) existingKeyring(s *store.Store) (vault.Keyring, error) { return a.loadKeyring(s, false) }

func (a *app) loadKeyring(s *store.Store, create bool) (vault.Keyring, error) {
	if a.keyFile != "" {
		f, err := os.Open(a.keyFile)
		if err != nil {
			return nil, errs.Wrap(errs.Invalid, "--key-file", err)
		}
		defer f.Close()
		return vault.ParseKeyring(f, a.keyFile)
	}
	if env := os.Getenv(envPrefix + "KEYS"); env != "" {
		return vault.ParseKeyring(strings.NewReader(env), envPrefix+"KEYS")
	}
	if s.Engine() != store.SQLite {
		if !create {
			return nil, nil
		}
		return nil, errs.New(errs.Invalid, "no key for encryption at rest: pass --key-file (make one with `safeguard key generate`) or set SAFEGUARD_KEYS")
	}
	path := strings.TrimPrefix(a.db, "file:") + ".keys"
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) && !create {
		return nil, nil
	}
	if errors.Is(err, fs.ErrNotExist) {
		line := vault.NewKeyLine(time.Now().UTC().Format("2006-01-02"))
		content := "# Safeguard key-encryption keys, current first. Back this file up apart from\n# the database: without it the encrypted data cannot be read.\n" + line + "\n"
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			return nil, errs.Wrap(errs.Invalid, "cannot create the key file "+path, err)
		}
		a.log.Warn("created a key file for encryption at rest; back it up apart from the database", slog.String("path", path))
		return vault.ParseKeyring(strings.NewReader(content), path)
	}
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "key file "+path, err)
	}
	defer f.Close()
	return vault.ParseKeyring(f, path)
}

func (a *app) keyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "key",
		Short: "Manage the keys that encrypt secrets and evidence at rest",
		Long: `Secrets (such as MFA seeds) and evidence are encrypted with AES-256-GCM under
data keys, which are stored in the database wrapped under a key-encryption key
(KEK) that is not: it lives in a key file (--key-file, or SAFEGUARD_KEYS).

To rotate: generate a new key, put its line first in the key file (keep the old
line below it), run "safeguard key rotate", then remove the old line. Rotation
re-wraps the data keys; the data itself is not re-encrypted.

Losing every key that wrapped the data keys loses the encrypted data. Back the
key file up, apart from the database backups.`,
	}
	gen := &cobra.Command{
		Use:   "generate [ID]",
		Short: "Print a new random key as a key-file line",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := time.Now().UTC().Format("2006-01-02")
			if len(args) == 1 {
				id = args[0]
			}
			line := vault.NewKeyLine(id)
			if _, err := vault.ParseKeyring(strings.NewReader(line), "the new key"); err != nil {
				return usageError{fmt.Errorf("key id %q: use letters, digits, '.', '_' and '-'", id)}
			}
			fmt.Fprintln(a.stdout, line)
			return nil
		},
	}
	rotate := &cobra.Command{
		Use:   "rotate",
		Short: "Re-wrap every data key under the key file's first (current) key",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			kr, err := a.keyring(s)
			if err != nil {
				return err
			}
			n, err := vault.New(s, kr).Rotate(cmd.Context())
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Re-wrapped %d data key(s) under key %s.\n", n, kr[0].ID)
			return nil
		}),
	}
	a.dbFlags(rotate, false)
	a.keyFlags(rotate)
	cmd.AddCommand(gen, rotate)
	return cmd
}
