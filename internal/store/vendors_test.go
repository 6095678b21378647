package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// A vendor's agreements on both engines: added, read back with their
// terms, saved again, kept from naming another organisation's vendor or
// evidence, deleted with the vendor; each change in the audit log.
func TestVendorAgreements(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var scs []*store.Scoped
		for _, slug := range []string{"riverside", "lakeside"} {
			o := &org.Organization{Slug: slug, Name: slug, EntityType: org.Provider}
			if err := s.CreateOrganization(ctx, o); err != nil {
				t.Fatal(err)
			}
			scs = append(scs, s.Scope(o))
		}
		sc, other := scs[0], scs[1]
		v := &vendor.Vendor{Name: "Northwind EHR", Receives: true, Status: vendor.BusinessAssociate}
		if err := sc.CreateVendor(ctx, v); err != nil {
			t.Fatal(err)
		}
		a := &vendor.Agreement{VendorID: v.ID, Title: "BAA 2024", SignedOn: "2024-01-10", ExpiresOn: "2027-01-09", NoticeHours: 72,
			Terms: map[string]vendor.TermMark{"comply-security-rule": {Where: "§2.1"}, "report-incidents": {Where: "§4"}, "sbom": {Present: false}}}
		if err := sc.SaveAgreement(ctx, a); err != nil {
			t.Fatal(err)
		}
		got, err := sc.Agreements(ctx, v.ID)
		if err != nil || len(got) != 1 {
			t.Fatalf("%v %v", got, err)
		}
		g := got[0]
		if g.Kind != vendor.BAA || g.Terms["report-incidents"].Where != "§4" || !g.Terms["incident-notice-time"].Present || g.NoticeHours != 72 || len(g.Terms) != 3 || g.EffectiveOn != "2024-01-10" {
			t.Errorf("read back: %+v", g)
		}
		status, why, _ := vendor.Standing(v, got, "2026-12-06")
		if status != vendor.AgreementIncomplete || !strings.Contains(why, "Binds its subcontractors") {
			t.Errorf("standing: %s %s", status, why)
		}
		g.Terms["subcontractors"] = vendor.TermMark{Where: "§5"}
		g.Terms["return-or-destroy"] = vendor.TermMark{Where: "§9"}
		if err := sc.SaveAgreement(ctx, g); err != nil {
			t.Fatal(err)
		}
		got, _ = sc.Agreements(ctx, "")
		if status, _, _ := vendor.Standing(v, got, "2026-12-06"); status != vendor.AgreementCurrent {
			t.Errorf("after the terms were ticked: %s", status)
		}
		if err := other.SaveAgreement(ctx, &vendor.Agreement{VendorID: v.ID}); !errs.Is(err, errs.Invalid) {
			t.Errorf("an agreement with another organisation's vendor: %v", err)
		}
		if err := other.SaveAgreement(ctx, &vendor.Agreement{ID: g.ID, VendorID: v.ID}); !errs.Is(err, errs.NotFound) {
			t.Errorf("saving another organisation's agreement: %v", err)
		}
		if err := sc.SaveAgreement(ctx, &vendor.Agreement{VendorID: v.ID, EvidenceID: "nope"}); !errs.Is(err, errs.Invalid) {
			t.Errorf("evidence not in the vault: %v", err)
		}
		entries, err := s.AuditLog(ctx, store.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range entries {
			actions[e.Action]++
		}
		if actions["vendor.agreement.create"] != 1 || actions["vendor.agreement.update"] != 1 || actions["vendor.create"] != 1 {
			t.Errorf("audit: %v", actions)
		}
		// Reviews: recorded, read back newest first, another
		// organisation's vendor refused.
		for _, r := range []*vendor.Review{{VendorID: v.ID, ReviewedOn: "2025-11-02", Reviewer: "Dana", Outcome: vendor.Approved},
			{VendorID: v.ID, ReviewedOn: "2026-11-20", Reviewer: "Dana", Outcome: vendor.WithConditions, Notes: "MFA by March"}} {
			if err := sc.AddVendorReview(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		if rs, err := sc.VendorReviews(ctx, v.ID); err != nil || len(rs) != 2 || rs[0].ReviewedOn != "2026-11-20" || rs[0].Notes != "MFA by March" {
			t.Errorf("reviews: %v %v", rs, err)
		}
		if err := other.AddVendorReview(ctx, &vendor.Review{VendorID: v.ID, ReviewedOn: "2026-11-20", Reviewer: "Eve", Outcome: vendor.Approved}); !errs.Is(err, errs.NotFound) {
			t.Errorf("a review of another organisation's vendor: %v", err)
		}
		// Incidents: recorded with and without a notice, read back.
		aware := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
		told := aware.Add(80 * time.Hour)
		for _, i := range []*vendor.Incident{{VendorID: v.ID, Summary: "Ransomware", AwareAt: aware, NotifiedAt: &told, Records: 1200, PHI: true},
			{VendorID: v.ID, Summary: "Lost laptop", AwareAt: aware.Add(24 * time.Hour)}} {
			if err := sc.AddVendorIncident(ctx, i); err != nil {
				t.Fatal(err)
			}
		}
		is, err := sc.VendorIncidents(ctx, "")
		if err != nil || len(is) != 2 || is[0].Summary != "Lost laptop" || is[0].NotifiedAt != nil || !is[1].NotifiedAt.Equal(told) || !is[1].PHI || is[1].Records != 1200 {
			t.Errorf("incidents: %v %v", is, err)
		}
		if err := other.AddVendorIncident(ctx, &vendor.Incident{VendorID: v.ID, Summary: "x", AwareAt: aware}); !errs.Is(err, errs.NotFound) {
			t.Errorf("an incident at another organisation's vendor: %v", err)
		}
		if err := sc.DeleteVendor(ctx, v.ID); err != nil {
			t.Fatal(err)
		}
		if got, _ := sc.Agreements(ctx, ""); len(got) != 0 {
			t.Errorf("%d agreements outlive their vendor", len(got))
		}
	})
}
