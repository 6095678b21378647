package store_test

import (
	"context"
	"testing"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

func TestUsers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		u := &auth.User{Email: " Jane.Doe@Clinic.Example ", Name: "Jane Doe", PasswordHash: "$argon2id$x"}
		if err := s.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if u.ID == "" || u.Email != "jane.doe@clinic.example" || u.PasswordChangedAt.IsZero() {
			t.Errorf("created %+v", u)
		}
		// Emails are unique whatever their case.
		if err := s.CreateUser(ctx, &auth.User{Email: "JANE.DOE@clinic.example", Name: "Another Jane"}); !errs.Is(err, errs.Conflict) {
			t.Errorf("duplicate email: %v", err)
		}
		if err := s.CreateUser(ctx, &auth.User{Email: "not-an-address", Name: "X"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("bad email: %v", err)
		}
		got, err := s.UserByEmail(ctx, "JANE.doe@clinic.example")
		if err != nil || got.ID != u.ID || got.PasswordHash != "$argon2id$x" || got.Disabled {
			t.Fatalf("by email: %+v, %v", got, err)
		}
		got.Disabled, got.Name = true, "Jane Q. Doe"
		if err := s.UpdateUser(ctx, got); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPasswordHash(ctx, u.ID, "$argon2id$y"); err != nil {
			t.Fatal(err)
		}
		again, _ := s.User(ctx, u.ID)
		if again == nil || !again.Disabled || again.Name != "Jane Q. Doe" || again.PasswordHash != "$argon2id$y" {
			t.Errorf("after update: %+v", again)
		}
		if err := s.SetPasswordHash(ctx, "nobody", "h"); !errs.Is(err, errs.NotFound) {
			t.Errorf("password of a missing user: %v", err)
		}
		if _, err := s.UserByEmail(ctx, "nobody@clinic.example"); !errs.Is(err, errs.NotFound) {
			t.Errorf("missing user: %v", err)
		}
		if all, err := s.Users(ctx); err != nil || len(all) != 1 {
			t.Errorf("users: %v, %v", all, err)
		}
	})
}

// A user belongs to several organisations with a role in each.
func TestMemberships(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a := &org.Organization{Slug: "alpha", Name: "Alpha Clinic", EntityType: org.Provider}
		b := &org.Organization{Slug: "beta", Name: "Beta Health Plan", EntityType: org.HealthPlan}
		u := &auth.User{Email: "msp@example.net", Name: "MSP Technician"}
		w := &auth.User{Email: "nurse@alpha.example", Name: "Nurse"}
		for _, o := range []*org.Organization{a, b} {
			if err := s.CreateOrganization(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		for _, x := range []*auth.User{u, w} {
			if err := s.CreateUser(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(s.SetMembership(ctx, a.ID, u.ID, auth.SecurityOfficer))
		must(s.SetMembership(ctx, b.ID, u.ID, auth.Auditor))
		must(s.SetMembership(ctx, a.ID, w.ID, auth.Workforce))
		must(s.SetMembership(ctx, a.ID, u.ID, auth.Owner)) // a new role replaces the old
		ms, err := s.Memberships(ctx, u.ID)
		if err != nil || len(ms) != 2 || ms[0].Org.Slug != "alpha" || ms[0].Role != auth.Owner || ms[1].Role != auth.Auditor {
			t.Fatalf("memberships: %+v, %v", ms, err)
		}
		members, err := s.Members(ctx, a.ID)
		if err != nil || len(members) != 2 || members[0].User.Email != "msp@example.net" || members[1].Role != auth.Workforce {
			t.Fatalf("members: %+v, %v", members, err)
		}
		if err := s.SetMembership(ctx, a.ID, "no-such-user", auth.Owner); !errs.Is(err, errs.Invalid) {
			t.Errorf("membership of a missing user: %v (foreign keys must be on)", err)
		}
		if err := s.SetMembership(ctx, a.ID, u.ID, auth.Role("admin")); !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown role: %v", err)
		}
		must(s.RemoveMembership(ctx, b.ID, u.ID))
		if err := s.RemoveMembership(ctx, b.ID, u.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("remove twice: %v", err)
		}
		// Deleting an organisation removes its memberships, not its users.
		must(s.DeleteOrganization(ctx, a.ID))
		if ms, _ := s.Memberships(ctx, u.ID); len(ms) != 0 {
			t.Errorf("memberships after the organisation was deleted: %+v", ms)
		}
		if _, err := s.User(ctx, w.ID); err != nil {
			t.Errorf("user gone with the organisation: %v", err)
		}
	})
}
