package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
)

// pepperFlag adds --pepper-file to a verb that hashes passwords.
func (a *app) pepperFlag(cmd *cobra.Command) {
	cmd.Flags().StringVar(&a.pepperFile, "pepper-file", "", "file holding the installation's password pepper (a secret kept outside the database; every server and the CLI must use the same one, and losing it makes every password unverifiable)")
}

// hasher returns the password hasher, with the pepper from --pepper-file.
func (a *app) hasher() (*auth.Hasher, error) {
	if a.pepperFile == "" {
		return auth.NewHasher(auth.DefaultArgon2, nil), nil
	}
	pepper, err := os.ReadFile(a.pepperFile)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "--pepper-file", err)
	}
	pepper = []byte(strings.TrimSpace(string(pepper)))
	if len(pepper) < 16 {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("--pepper-file %s: the pepper must be at least 16 characters", a.pepperFile))
	}
	return auth.NewHasher(auth.DefaultArgon2, pepper), nil
}

func (a *app) userCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Create users, reset their passwords, disable and list them (for the operator)",
		Long: `Manage user accounts from the server's command line: for the first owner of an
organisation, for an operator locked out of the web app, or for scripts.

A new or reset password is generated and printed once, unless --password-stdin
reads one from standard input (the first line). Passwords follow NIST SP 800-63B:
at least 15 characters, not a common password, not the account's own name.`,
	}
	cmd.AddCommand(a.userCreateCommand(), a.userResetCommand(), a.userSetDisabledCommand(true), a.userSetDisabledCommand(false), a.userListCommand())
	return cmd
}

type userFlags struct {
	email, name, role string
	passwordStdin     bool
}

func (a *app) userCreateCommand() *cobra.Command {
	var f userFlags
	cmd := &cobra.Command{
		Use:     "create --email EMAIL --name NAME --role ROLE [--org ORG]",
		Short:   "Create a user with a role in an organisation",
		Example: `  safeguard user create --email jane@clinic.example --name "Jane Doe" --role owner`,
		Args:    cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			ctx := cmd.Context()
			role, err := auth.ParseRole(f.role)
			if err != nil {
				return err
			}
			o, err := s.ResolveOrganization(ctx, a.org)
			if err != nil {
				return err
			}
			u := &auth.User{Email: f.email, Name: f.name}
			if err := u.Validate(); err != nil {
				return err
			}
			password, shown, err := a.newPassword(f.passwordStdin, u.Name, u.Email, o.Name)
			if err != nil {
				return err
			}
			h, err := a.hasher()
			if err != nil {
				return err
			}
			if u.PasswordHash, err = h.Hash(password); err != nil {
				return err
			}
			if err := s.CreateUser(ctx, u); err != nil {
				return err
			}
			if err := s.SetMembership(ctx, o.ID, u.ID, role); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "Created %s (%s) as %s of %s.\n", u.Email, u.Name, role.Label(), o.Name)
			if shown {
				fmt.Fprintf(a.stdout, "Password: %s\nIt is shown only now.\n", password)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&f.email, "email", "", "the user's email address, their login (required)")
	cmd.Flags().StringVar(&f.name, "name", "", "the user's full name (required)")
	cmd.Flags().StringVar(&f.role, "role", "", "owner, security_officer, contributor, auditor or workforce (required)")
	cmd.Flags().BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from the first line of standard input instead of generating one")
	requireFlags(cmd, "email", "name", "role")
	a.dbFlags(cmd, true)
	a.pepperFlag(cmd)
	return cmd
}

func (a *app) userResetCommand() *cobra.Command {
	var f userFlags
	cmd := &cobra.Command{
		Use:   "reset-password --email EMAIL",
		Short: "Give a user a new password",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			u, err := s.UserByEmail(cmd.Context(), f.email)
			if err != nil {
				return err
			}
			password, shown, err := a.newPassword(f.passwordStdin, u.Name, u.Email)
			if err != nil {
				return err
			}
			h, err := a.hasher()
			if err != nil {
				return err
			}
			hash, err := h.Hash(password)
			if err != nil {
				return err
			}
			if err := s.SetPasswordHash(cmd.Context(), u.ID, hash); err != nil {
				return err
			}
			// A reset also lifts any sign-in throttling on the account.
			if err := s.ClearAccountLoginFailures(cmd.Context(), u.Email); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "New password set for %s.\n", u.Email)
			if shown {
				fmt.Fprintf(a.stdout, "Password: %s\nIt is shown only now.\n", password)
			}
			return nil
		}),
	}
	cmd.Flags().StringVar(&f.email, "email", "", "the user's email address (required)")
	cmd.Flags().BoolVar(&f.passwordStdin, "password-stdin", false, "read the password from the first line of standard input instead of generating one")
	requireFlags(cmd, "email")
	a.dbFlags(cmd, false)
	a.pepperFlag(cmd)
	return cmd
}

func (a *app) userSetDisabledCommand(disable bool) *cobra.Command {
	var email string
	use, short, done := "enable", "Let a disabled user sign in again", "enabled"
	if disable {
		use, short, done = "disable", "Stop a user from signing in (their records stay)", "disabled"
	}
	cmd := &cobra.Command{
		Use:   use + " --email EMAIL",
		Short: short,
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			u, err := s.UserByEmail(cmd.Context(), email)
			if err != nil {
				return err
			}
			u.Disabled = disable
			if err := s.UpdateUser(cmd.Context(), u); err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s is %s.\n", u.Email, done)
			return nil
		}),
	}
	cmd.Flags().StringVar(&email, "email", "", "the user's email address (required)")
	requireFlags(cmd, "email")
	a.dbFlags(cmd, false)
	return cmd
}

func (a *app) userListCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "list [--org ORG]",
		Short: "List an organisation's users and their roles",
		Args:  cobra.NoArgs,
		RunE: a.withStore(func(cmd *cobra.Command, s *store.Store) error {
			o, err := s.ResolveOrganization(cmd.Context(), a.org)
			if err != nil {
				return err
			}
			members, err := s.Members(cmd.Context(), o.ID)
			if err != nil {
				return err
			}
			tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
			fmt.Fprintf(tw, "EMAIL\tNAME\tROLE IN %s\tSTATUS\n", strings.ToUpper(o.Slug))
			for _, m := range members {
				status := "active"
				if m.User.Disabled {
					status = "disabled"
				}
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", m.User.Email, m.User.Name, m.Role.Label(), status)
			}
			return tw.Flush()
		}),
	}
	a.dbFlags(cmd, true)
	return cmd
}

// newPassword reads a password from standard input and checks it against
// the policy, or generates one (shown = true).
func (a *app) newPassword(fromStdin bool, context ...string) (password string, shown bool, err error) {
	if !fromStdin {
		return auth.RandomPassword(), true, nil
	}
	line, err := bufio.NewReader(a.stdin).ReadString('\n')
	if err != nil && line == "" {
		return "", false, errs.New(errs.Invalid, "--password-stdin: nothing on standard input")
	}
	password = strings.TrimRight(line, "\r\n")
	if err := auth.DefaultPasswordPolicy.Check(password, context...); err != nil {
		return "", false, err
	}
	return password, false, nil
}

// demoUsers are the demonstration clinic's people, one per role.
var demoUsers = []struct {
	email, name string
	role        auth.Role
}{
	{"owner@riverside.example", "Olivia Owens (practice owner)", auth.Owner},
	{"security@riverside.example", "Sam Patel (security officer)", auth.SecurityOfficer},
	{"contributor@riverside.example", "Chris Lee (office manager)", auth.Contributor},
	{"auditor@riverside.example", "Alex Morgan (external auditor)", auth.Auditor},
	{"workforce@riverside.example", "Wendy Garcia (medical assistant)", auth.Workforce},
}

// seedDemoUsers creates the demo users, one per role, and prints their
// logins. Users that already exist keep their passwords.
func (a *app) seedDemoUsers(ctx context.Context, s *store.Store, orgID string) error {
	h, err := a.hasher()
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(a.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "Demo logins, one per role:\nROLE\tEMAIL\tPASSWORD")
	for _, d := range demoUsers {
		password := "(unchanged; reset with safeguard user reset-password)"
		if _, err := s.UserByEmail(ctx, d.email); errs.Is(err, errs.NotFound) {
			password = auth.RandomPassword()
			u := &auth.User{Email: d.email, Name: d.name}
			if u.PasswordHash, err = h.Hash(password); err != nil {
				return err
			}
			if err := s.CreateUser(ctx, u); err != nil {
				return err
			}
			if err := s.SetMembership(ctx, orgID, u.ID, d.role); err != nil {
				return err
			}
		} else if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", d.role.Label(), d.email, password)
	}
	return tw.Flush()
}
