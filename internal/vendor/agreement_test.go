package vendor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/vendor"
)

func allRequired(where string) map[string]vendor.TermMark {
	out := map[string]vendor.TermMark{}
	for _, t := range vendor.Terms {
		if t.Required {
			out[t.ID] = vendor.TermMark{Where: where}
		}
	}
	return out
}

// Where a business associate's agreements stand on a day: the one in
// force judged (signed before unsigned, the latest to end), each status
// with why; a vendor that is not a business associate needs none.
func TestStanding(t *testing.T) {
	ba := &vendor.Vendor{ID: "v1", Name: "Northwind EHR", Status: vendor.BusinessAssociate}
	day := "2026-12-06"
	agreement := func(f func(a *vendor.Agreement)) *vendor.Agreement {
		a := &vendor.Agreement{VendorID: "v1", Kind: vendor.BAA, Title: "BAA 2024", SignedOn: "2024-01-10", ExpiresOn: "2027-01-09", ReviewBy: "2027-01-01", Terms: allRequired("§4")}
		if f != nil {
			f(a)
		}
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
		return a
	}
	for _, c := range []struct {
		name string
		v    *vendor.Vendor
		as   []*vendor.Agreement
		want vendor.AgreementStatus
		why  string
	}{
		{"none", ba, nil, vendor.AgreementMissing, "164.308(b)(1)"},
		{"a contract only", ba, []*vendor.Agreement{agreement(func(a *vendor.Agreement) { a.Kind = vendor.Contract })}, vendor.AgreementMissing, "no business associate agreement"},
		{"current", ba, []*vendor.Agreement{agreement(nil)}, vendor.AgreementCurrent, "signed 2024-01-10"},
		{"expired", ba, []*vendor.Agreement{agreement(func(a *vendor.Agreement) { a.ExpiresOn = "2026-10-01" })}, vendor.AgreementExpired, "ended on 2026-10-01"},
		{"renewed", ba, []*vendor.Agreement{agreement(func(a *vendor.Agreement) { a.ExpiresOn = "2026-10-01" }), agreement(func(a *vendor.Agreement) { a.Title = "BAA 2026"; a.SignedOn = "2026-09-20"; a.ExpiresOn = "" })}, vendor.AgreementCurrent, "BAA 2026"},
		{"awaited", ba, []*vendor.Agreement{agreement(func(a *vendor.Agreement) { a.SignedOn = "" })}, vendor.AgreementUnsigned, "not signed"},
		{"incomplete", ba, []*vendor.Agreement{agreement(func(a *vendor.Agreement) { delete(a.Terms, "return-or-destroy") })}, vendor.AgreementIncomplete, "164.504(e)(2)(ii)(J)"},
		{"review overdue", ba, []*vendor.Agreement{agreement(func(a *vendor.Agreement) { a.ReviewBy = "2026-11-30" })}, vendor.AgreementReviewDue, "reviewed by 2026-11-30"},
		{"not a business associate", &vendor.Vendor{ID: "v2", Status: vendor.NotBusinessAssociate}, nil, vendor.AgreementNotNeeded, "no agreement is required"},
		{"a subcontractor", &vendor.Vendor{ID: "v3", Status: vendor.Subcontractor}, nil, vendor.AgreementNotNeeded, "subcontractor"},
	} {
		got, why, _ := vendor.Standing(c.v, c.as, day)
		if got != c.want || !strings.Contains(why, c.why) {
			t.Errorf("%s: %s (%s), want %s with %q", c.name, got, why, c.want, c.why)
		}
	}
}

// An agreement's fields: dates, the kind, known terms; a stated notice
// time ticks the notice term.
func TestValidateAgreement(t *testing.T) {
	for _, c := range []struct {
		a    vendor.Agreement
		want string
	}{
		{vendor.Agreement{SignedOn: "10/01/2024"}, "signed_on"},
		{vendor.Agreement{SignedOn: "2024-01-10", ExpiresOn: "2023-01-01"}, "expires_on: 2023-01-01 is before"},
		{vendor.Agreement{Kind: "handshake"}, "kind"},
		{vendor.Agreement{Terms: map[string]vendor.TermMark{"telepathy": {Present: true}}}, `"telepathy" is not a term`},
		{vendor.Agreement{NoticeHours: -1}, "notice_hours"},
	} {
		if err := c.a.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %s", c.a, err, c.want)
		}
	}
	a := vendor.Agreement{SignedOn: "2024-01-10", NoticeHours: 72, Terms: map[string]vendor.TermMark{"mfa": {Where: "Schedule B"}, "sbom": {}}}
	if err := a.Validate(); err != nil || a.Title != "business associate agreement" || a.EffectiveOn != "2024-01-10" || !a.Terms["incident-notice-time"].Present ||
		!a.Terms["mfa"].Present || a.Terms["sbom"].Present || len(a.Missing()) != 4 {
		t.Errorf("tidied: %v %+v", err, a)
	}
	for _, term := range vendor.Terms {
		if term.Basis == "regulation" && !strings.Contains(term.Citation, "45 CFR 164.") {
			t.Errorf("%s: a regulation's term without its section: %q", term.ID, term.Citation)
		}
	}
}

// A vendor's next review follows its newest review by its tier's
// cadence, or its entry into the register; due soon within 30 days.
func TestReviewStanding(t *testing.T) {
	created := time.Date(2026, 10, 1, 9, 0, 0, 0, time.UTC)
	tier1 := &vendor.Vendor{ID: "v1", Maintains: true, CreatedAt: created}
	tier3 := &vendor.Vendor{ID: "v3", Access: vendor.AccessNone, Criticality: "low", CreatedAt: created}
	for _, c := range []struct {
		name    string
		v       *vendor.Vendor
		reviews []*vendor.Review
		day     string
		want    vendor.ReviewStatus
		next    string
	}{
		{"never reviewed, new", tier1, nil, "2026-10-10", vendor.ReviewDueSoon, "2026-10-31"},
		{"never reviewed, past its first month", tier1, nil, "2026-11-15", vendor.ReviewOverdue, "2026-10-31"},
		{"tier 1, a year on", tier1, []*vendor.Review{{VendorID: "v1", ReviewedOn: "2025-12-01", Outcome: vendor.Approved}, {VendorID: "v1", ReviewedOn: "2024-11-01", Outcome: vendor.Approved}}, "2026-12-06", vendor.ReviewOverdue, "2026-12-01"},
		{"tier 1, due soon", tier1, []*vendor.Review{{VendorID: "v1", ReviewedOn: "2025-12-20", Outcome: vendor.Approved}}, "2026-12-06", vendor.ReviewDueSoon, "2026-12-20"},
		{"tier 3, three years", tier3, []*vendor.Review{{VendorID: "v3", ReviewedOn: "2025-12-01", Outcome: vendor.WithConditions}}, "2026-12-06", vendor.ReviewUpToDate, "2028-12-01"},
	} {
		got, next, why := vendor.ReviewStanding(c.v, c.reviews, c.day)
		if got != c.want || next != c.next || why == "" {
			t.Errorf("%s: %s %s (%s), want %s %s", c.name, got, next, why, c.want, c.next)
		}
	}
	for _, r := range []vendor.Review{
		{ReviewedOn: "2026-12-07", Reviewer: "A", Outcome: vendor.Approved},
		{ReviewedOn: "2026-12-01", Outcome: vendor.Approved},
		{ReviewedOn: "2026-12-01", Reviewer: "A", Outcome: vendor.NotApproved},
		{ReviewedOn: "2026-12-01", Reviewer: "A", Outcome: "fine"},
	} {
		if err := r.Validate("2026-12-06"); err == nil {
			t.Errorf("%+v accepted", r)
		}
	}
}

// An incident's notice against the hours promised: on time, late,
// awaited, overdue, or no promise to measure it by.
func TestIncidentNotice(t *testing.T) {
	aware := time.Date(2026, 11, 1, 8, 0, 0, 0, time.UTC)
	at := func(h int) *time.Time { t := aware.Add(time.Duration(h) * time.Hour); return &t }
	now := *at(100)
	for _, c := range []struct {
		notified *time.Time
		promised int
		want     vendor.NoticeStatus
		why      string
	}{
		{at(70), 72, vendor.NoticeOnTime, "within the 72 promised"},
		{at(80), 72, vendor.NoticeLate, "8 past the 72 promised"},
		{nil, 120, vendor.NoticeAwaited, "100 of the 120 hours"},
		{nil, 72, vendor.NoticeOverdue, "28 past the 72"},
		{at(30), 0, vendor.NoticeNoPromise, "no agreement in force states"},
	} {
		i := &vendor.Incident{Summary: "x", AwareAt: aware, NotifiedAt: c.notified}
		got, why := i.Notice(c.promised, now)
		if got != c.want || !strings.Contains(why, c.why) {
			t.Errorf("%v/%d: %s %q, want %s %q", c.notified, c.promised, got, why, c.want, c.why)
		}
	}
	as := []*vendor.Agreement{{SignedOn: "2025-01-01", NoticeHours: 72}, {SignedOn: "2025-06-01", NoticeHours: 24, ExpiresOn: "2026-01-01"}, {NoticeHours: 1}}
	if h := vendor.PromisedHours(as, "2026-11-01"); h != 72 {
		t.Errorf("promised on 2026-11-01: %d (the 24 hours ended, the 1 is unsigned)", h)
	}
	if h := vendor.PromisedHours(as, "2025-07-01"); h != 24 {
		t.Errorf("promised on 2025-07-01: %d", h)
	}
}
