package store_test

import (
	"context"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/tailoring"
)

func TestProfileAndOverrides(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := storetest.Clinic("riverside")
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		p, err := sc.Profile(ctx)
		if err != nil || p.Completed || len(p.Systems) != 0 {
			t.Fatalf("empty profile: %+v, %v", p, err)
		}
		edit := *o
		edit.WorkforceSize, edit.EntityType = 14, org.Hybrid
		p = &org.Profile{
			Beds: 0, Completed: true, FiscalYearStart: 7, HealthCareComponents: "the clinic",
			SecurityOfficial: org.Official{Name: "Dana Reyes", Title: "Practice manager", Email: "dana@riverside.example"},
			Systems:          []org.System{{Name: "EHR", Location: "vendor cloud", Creates: true, Maintains: true}},
		}
		if err := sc.SaveProfile(ctx, &edit, p); err != nil {
			t.Fatal(err)
		}
		got, err := sc.Profile(ctx)
		if err != nil || !got.Completed || got.SecurityOfficial.Name != "Dana Reyes" || len(got.Systems) != 1 || !got.Systems[0].Creates || got.FiscalYearStart != 7 {
			t.Fatalf("read back %+v, %v", got, err)
		}
		if again, _ := s.Organization(ctx, o.ID); again.WorkforceSize != 14 || again.EntityType != org.Hybrid {
			t.Errorf("organisation fields not saved with the profile: %+v", again)
		}
		entries, _ := sc.AuditLog(ctx, store.AuditFilter{Limit: 1})
		if len(entries) != 1 || entries[0].Action != "org.profile_update" || !strings.Contains(entries[0].Before, `"WorkforceSize":5`) || !strings.Contains(entries[0].After, "Dana Reyes") {
			t.Errorf("audit entry: %+v", entries)
		}
		// A bad field is named, and nothing is written.
		bad := &org.Profile{Systems: []org.System{{Name: "EHR", Creates: true}, {Name: "ehr", Receives: true}}}
		if err := sc.SaveProfile(ctx, &edit, bad); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "listed twice") {
			t.Errorf("duplicate system: %v", err)
		}
		bad = &org.Profile{SecurityOfficial: org.Official{Name: "x", Email: "not an email"}}
		if err := sc.SaveProfile(ctx, &edit, bad); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "security official") {
			t.Errorf("bad email: %v", err)
		}
		if got, _ := sc.Profile(ctx); got.SecurityOfficial.Name != "Dana Reyes" {
			t.Errorf("a refused save changed the profile: %+v", got)
		}

		ov := &tailoring.Override{ItemID: "hph-cpg/enhanced-1", Applicable: true, Justification: "insurer requires it"}
		if err := sc.SetTailoringOverride(ctx, &tailoring.Override{ItemID: "hph-cpg/enhanced-1", Applicable: true}); !errs.Is(err, errs.Invalid) {
			t.Errorf("override without justification: %v", err)
		}
		if err := sc.SetTailoringOverride(ctx, ov); err != nil {
			t.Fatal(err)
		}
		ov.Applicable, ov.Justification = false, "changed our mind"
		if err := sc.SetTailoringOverride(ctx, ov); err != nil {
			t.Fatal(err)
		}
		all, err := sc.TailoringOverrides(ctx)
		if err != nil || len(all) != 1 || all["hph-cpg/enhanced-1"].Applicable || all["hph-cpg/enhanced-1"].Justification != "changed our mind" {
			t.Errorf("overrides: %+v, %v", all, err)
		}
		// Another organisation does not see them.
		other := storetest.Clinic("northside")
		if err := s.CreateOrganization(ctx, other); err != nil {
			t.Fatal(err)
		}
		if all, _ := s.Scope(other).TailoringOverrides(ctx); len(all) != 0 {
			t.Errorf("another organisation sees %d overrides", len(all))
		}
		if err := sc.ClearTailoringOverride(ctx, "hph-cpg/enhanced-1"); err != nil {
			t.Fatal(err)
		}
		if err := sc.ClearTailoringOverride(ctx, "hph-cpg/enhanced-1"); !errs.Is(err, errs.NotFound) {
			t.Errorf("clearing twice: %v", err)
		}
	})
}
