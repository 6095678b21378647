package checkrun_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// The vendor checks on both engines, from a register and its agreements:
// the business associates' agreements (missing, ended, due for review),
// the goals' requirements by tier, and how each verdict moves as the
// agreements do.
func TestVendorChecks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		day := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
		results := func() map[string]*check.Result {
			rs, err := checkrun.VendorResults(ctx, sc, day, nil)
			if err != nil {
				t.Fatal(err)
			}
			out := map[string]*check.Result{}
			for _, r := range rs {
				out[r.Check.ID] = r
			}
			return out
		}
		if rs := results(); rs["vendor.baa"].GoalStatus != assessment.Unknown || rs["vendor.requirements"].GoalStatus != assessment.Unknown {
			t.Errorf("an empty register: %s %s", rs["vendor.baa"].GoalStatus, rs["vendor.requirements"].GoalStatus)
		}
		add := func(v *vendor.Vendor) *vendor.Vendor {
			if err := sc.CreateVendor(ctx, v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		ehr := add(&vendor.Vendor{Name: "Northwind EHR", Receives: true, Maintains: true, Records: 12000, Status: vendor.BusinessAssociate})
		billing := add(&vendor.Vendor{Name: "ClearClaim", Receives: true, Records: 300, Status: vendor.BusinessAssociate})
		add(&vendor.Vendor{Name: "Backup Co", Maintains: true, Status: vendor.Subcontractor, StatusReason: "EHR backups", SubcontractorOf: ehr.ID})
		add(&vendor.Vendor{Name: "Coffee", Access: vendor.AccessNone, Criticality: risk.CriticalityLow})
		required := map[string]vendor.TermMark{"comply-security-rule": {Present: true}, "subcontractors": {Present: true}, "report-incidents": {Present: true}, "return-or-destroy": {Present: true}}
		ehrBAA := &vendor.Agreement{VendorID: ehr.ID, Title: "EHR BAA", SignedOn: "2024-01-10", ExpiresOn: "2026-11-30", Terms: required}
		if err := sc.SaveAgreement(ctx, ehrBAA); err != nil {
			t.Fatal(err)
		}
		rs := results()
		baa := rs["vendor.baa"]
		if baa.GoalStatus != assessment.NotMet || baa.Counts["business_associates"] != 2 || baa.Counts["expired"] != 1 || baa.Counts["missing"] != 1 || baa.Counts["undetermined"] != 1 ||
			!strings.Contains(baa.Detail, "Northwind EHR (expired)") || !strings.Contains(baa.Detail, "ClearClaim (missing)") {
			t.Errorf("vendor.baa: %s %v %q", baa.GoalStatus, baa.Counts, baa.Detail)
		}
		// The EHR vendor (tier 1) has no agreement in force; the billing
		// service (tier 2, 300 records) none at all.
		if r := rs["vendor.incident-reporting"]; r.GoalStatus != assessment.NotMet || r.Counts["vendors"] != 2 || !strings.Contains(r.Detail, "Northwind EHR") {
			t.Errorf("vendor.incident-reporting: %s %v %q", r.GoalStatus, r.Counts, r.Detail)
		}

		// Renewed with a stated notice time and the goals' terms; the
		// billing service's agreement signed, due for review.
		renewed := &vendor.Agreement{VendorID: ehr.ID, Title: "EHR BAA 2026", SignedOn: "2026-11-20", NoticeHours: 48,
			Terms: map[string]vendor.TermMark{"comply-security-rule": {Present: true}, "subcontractors": {Present: true}, "report-incidents": {Present: true}, "return-or-destroy": {Present: true},
				"mfa": {Present: true}, "encryption": {Present: true}, "vulnerability-disclosure": {Present: true}}}
		billingBAA := &vendor.Agreement{VendorID: billing.ID, Title: "Billing BAA", SignedOn: "2024-03-01", ReviewBy: "2026-12-01", Terms: required}
		for _, a := range []*vendor.Agreement{renewed, billingBAA} {
			if err := sc.SaveAgreement(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		rs = results()
		if r := rs["vendor.baa"]; r.GoalStatus != assessment.PartlyMet || !strings.Contains(r.Detail, "agreements due for review: ClearClaim") || !strings.Contains(r.Detail, "not yet determined: Coffee") {
			t.Errorf("vendor.baa renewed: %s %q", r.GoalStatus, r.Detail)
		}
		if r := rs["vendor.requirements"]; r.GoalStatus != assessment.PartlyMet || len(r.Records) != 1 || r.Records[0].Label != "ClearClaim" {
			t.Errorf("vendor.requirements: %s %q %v", r.GoalStatus, r.Detail, r.Records)
		}
		if r := rs["vendor.disclosure"]; r.GoalStatus != assessment.PartlyMet || !strings.Contains(r.Detail, "ClearClaim") {
			t.Errorf("vendor.disclosure: %s %q", r.GoalStatus, r.Detail)
		}
		if r := rs["vendor.incident-reporting"]; r.GoalStatus != assessment.PartlyMet || r.Counts["stated_time"] != 1 || !strings.Contains(r.Records[0].Reason, "state no time") {
			t.Errorf("vendor.incident-reporting: %s %v %v", r.GoalStatus, r.Counts, r.Records)
		}
		// The EHR vendor answers its questionnaire no on MFA and on
		// vulnerability disclosure; the billing service leaves its own
		// unanswered past its date.
		answered := &vendor.Request{VendorID: ehr.ID, Questionnaire: vendor.Builtin, Channel: vendor.ChannelLink, SentAt: day.AddDate(0, 0, -20), SentBy: "test", ExpiresAt: day.AddDate(0, 0, 10)}
		late := &vendor.Request{VendorID: billing.ID, Questionnaire: vendor.Builtin, Channel: vendor.ChannelXLSX, SentAt: day.AddDate(0, 0, -40), SentBy: "test", ExpiresAt: day.AddDate(0, 0, -10)}
		for i, r := range []*vendor.Request{answered, late} {
			if err := sc.CreateQuestionnaireRequest(ctx, r, map[int]string{0: "hash-of-a-token"}[i]); err != nil {
				t.Fatal(err)
			}
		}
		answered.Respondent, answered.Answers = "EHR security", map[string]vendor.QuestionAnswer{}
		for _, q := range vendor.Builtin.Questions {
			answered.Answers[q.ID] = vendor.QuestionAnswer{Value: vendor.AnswerYes}
		}
		answered.Answers["mfa-remote"] = vendor.QuestionAnswer{Value: vendor.AnswerNo, Comment: "Only for administrators."}
		answered.Answers["vulnerability-disclosure"] = vendor.QuestionAnswer{Value: vendor.AnswerNo}
		if err := sc.AnswerQuestionnaireRequest(ctx, answered, nil, day.AddDate(0, 0, -1)); err != nil {
			t.Fatal(err)
		}
		rs = results()
		req := rs["vendor.requirements"]
		var ehrExceptions, overdue int
		for _, rec := range req.Records {
			switch {
			case rec.Label == "Northwind EHR" && strings.Contains(rec.Reason, "questionnaire exception"):
				ehrExceptions++
				if strings.Contains(rec.Reason, "multifactor") && (rec.Weight != 3 || !strings.Contains(rec.Reason, "Only for administrators.")) {
					t.Errorf("the MFA exception: %+v", rec)
				}
			case rec.Label == "ClearClaim" && strings.Contains(rec.Reason, "not answered by"):
				overdue++
			}
		}
		if req.GoalStatus != assessment.PartlyMet || ehrExceptions != 2 || overdue != 1 || req.Counts["questionnaire_exceptions"] != 2 || !strings.Contains(req.Detail, "Northwind EHR") {
			t.Errorf("vendor.requirements with questionnaires: %s %q %v %+v", req.GoalStatus, req.Detail, req.Counts, req.Records)
		}
		// Only the disclosure question bears on enhanced goal 2; none on
		// incident reporting (enhanced goal 3) was answered no.
		if r := rs["vendor.disclosure"]; r.Counts["questionnaire_exceptions"] != 1 || !strings.Contains(r.Detail, "questionnaires") {
			t.Errorf("vendor.disclosure with questionnaires: %s %q %v", r.GoalStatus, r.Detail, r.Counts)
		}
		if r := rs["vendor.incident-reporting"]; r.Counts["questionnaire_exceptions"] != 0 {
			t.Errorf("vendor.incident-reporting with questionnaires: %v", r.Counts)
		}
		for _, r := range rs {
			if r.Check.Goal == "" || len(r.Check.Items) == 0 {
				t.Errorf("%s cites no goal or provision", r.Check.ID)
			}
		}
	})
}
