package cli

import (
	"context"
	"fmt"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tabular"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// demoVendors is the clinic's vendor register as its office manager
// keeps it in a spreadsheet, in the register file's columns
// (vendor.Columns): eight vendors of the kinds a small practice has.
var demoVendors = [][]string{
	{"Cedar Health EHR", "Hosted EHR and patient portal", "https://cedarhealth.example", "Sam Patel", "yes", "yes", "yes", "yes", "14200", "interface", "critical",
		"business-associate", "", "", "", "", "Cloud EHR; Patient portal", "Dana Whitfield", "Account manager", "dana.whitfield@cedarhealth.example", "+1 555 0140", ""},
	{"ClearClaim", "Claims, statements and practice management", "https://clearclaim.example", "Olivia Owens", "no", "yes", "yes", "yes", "14200", "remote", "high",
		"business-associate", "Submits claims and patient statements with PHI on the clinic's behalf", "", "", "", "Practice management and billing", "Ray Ortiz", "Support lead", "support@clearclaim.example", "", ""},
	{"Riverbend IT Services", "Managed IT: the network, the firewall, the file server and the laptops", "https://riverbend-it.example", "Sam Patel", "no", "no", "yes", "no", "14200", "remote", "critical",
		"business-associate", "Administers the servers and backups holding ePHI, with remote access to them", "", "", "", "Network and firewall; File server and backup NAS; Clinic laptops", "Jo Marsh", "Service desk", "help@riverbend-it.example", "+1 555 0177", ""},
	{"Backblaze", "Encrypted offsite copy of the NAS backups (B2)", "https://www.backblaze.com", "Sam Patel", "no", "yes", "yes", "no", "14200", "none", "high",
		"subcontractor", "Riverbend IT stores the clinic's encrypted backups in Backblaze B2 under its own agreement with Backblaze", "Riverbend IT Services", "", "", "Offsite backup storage", "", "", "", "", ""},
	{"VisitLink", "Telehealth video visits", "https://visitlink.example", "Sam Patel", "yes", "yes", "no", "yes", "1200", "none", "moderate",
		"business-associate", "", "", "", "", "Telehealth video platform", "", "Support", "support@visitlink.example", "", "Started in the spring"},
	{"Shred-Right", "On-site shredding of paper records, monthly", "", "Olivia Owens", "no", "no", "no", "no", "0", "onsite", "low",
		"business-associate", "Destroys paper records holding PHI on the clinic's behalf (45 CFR 160.103); it handles no ePHI", "", "", "", "", "", "Dispatch", "dispatch@shred-right.example", "+1 555 0199", ""},
	{"NightLine Answering", "After-hours answering service: takes patients' messages and pages the on-call clinician", "https://nightline.example", "Olivia Owens", "yes", "no", "yes", "yes", "3000", "none", "moderate",
		"business-associate", "", "", "", "", "", "", "", "accounts@nightline.example", "", ""},
	{"Summit Reference Lab", "Lab orders and results through the EHR's lab interface", "https://summitlab.example", "Sam Patel", "no", "yes", "no", "yes", "9000", "interface", "high",
		"not-business-associate", "A health care provider receiving PHI for the patients' treatment: disclosures to a provider concerning treatment need no business associate agreement (45 CFR 164.502(e)(1)(ii)(A))", "", "", "", "Cloud EHR", "", "Client services", "clientservices@summitlab.example", "", ""},
}

// seedDemoVendors imports the clinic's vendor register through the
// records pipeline, as the pages, the API and the command line do.
func seedDemoVendors(ctx context.Context, sc *store.Scoped, now time.Time) error {
	header := vendor.Columns
	for _, row := range demoVendors {
		if len(row) != len(header) {
			return fmt.Errorf("demo vendor %q: %d cells for %d columns", row[0], len(row), len(header))
		}
	}
	data, err := tabular.WriteCSV(header, demoVendors)
	if err != nil {
		return err
	}
	records := &dataimport.Records{}
	p, err := records.Plan(ctx, sc, dataimport.RecordVendors, "vendors.csv", data, nil, now)
	if err != nil {
		return fmt.Errorf("demo vendors: %w", err)
	}
	return records.Apply(ctx, sc, p)
}

// seedDemoAgreements records the clinic's business associate
// agreements: the EHR vendor's signed one in the evidence vault (its
// review due since September), the billing service's ended two months
// ago and not yet renewed, the IT provider's, the telehealth platform's
// and the shredder's current; the answering service has none on file.
// And the vendors' reviews.
func seedDemoAgreements(ctx context.Context, sc *store.Scoped, now time.Time) error {
	byName, err := demoVendorIDs(ctx, sc)
	if err != nil {
		return err
	}
	docs, err := sc.EvidenceList(ctx)
	if err != nil {
		return err
	}
	ehrDoc := ""
	for _, e := range docs {
		if e.Title == "Business associate agreement: cloud EHR vendor" {
			ehrDoc = e.ID
		}
	}
	day := func(months int) string { return now.AddDate(0, months, 0).Format(time.DateOnly) }
	required := func(where ...string) map[string]vendor.TermMark {
		m := map[string]vendor.TermMark{}
		for i, t := range []string{"comply-security-rule", "subcontractors", "report-incidents", "return-or-destroy"} {
			m[t] = vendor.TermMark{Present: true, Where: where[i]}
		}
		return m
	}
	with := func(m map[string]vendor.TermMark, extra map[string]string) map[string]vendor.TermMark {
		for t, where := range extra {
			m[t] = vendor.TermMark{Present: true, Where: where}
		}
		return m
	}
	for _, a := range []*vendor.Agreement{
		{VendorID: byName["Cedar Health EHR"], Title: "Business associate agreement 2023", SignedOn: "2023-09-01", ReviewBy: "2026-09-01", EvidenceID: ehrDoc, NoticeHours: 72,
			Terms: with(required("§2.1", "§3.4", "§5", "§11.2"), map[string]string{"vulnerability-disclosure": "Security addendum §2", "encryption": "Security addendum §4", "mfa": "Security addendum §5"})},
		{VendorID: byName["ClearClaim"], Title: "Business associate agreement 2023", SignedOn: day(-38), ExpiresOn: day(-2), NoticeHours: 120,
			Terms: required("§1", "§3", "§4", "§9"), Notes: "Renewal sent to ClearClaim's legal team; not signed back yet."},
		{VendorID: byName["Riverbend IT Services"], Title: "Managed services BAA", SignedOn: day(-14), ReviewBy: day(10), NoticeHours: 24,
			Terms: with(required("§4.1", "§4.2", "§4.3", "§12"), map[string]string{"mfa": "Schedule C", "encryption": "Schedule C"})},
		{VendorID: byName["VisitLink"], Title: "VisitLink HIPAA BAA", SignedOn: day(-8), ReviewBy: day(16), Terms: required("§2", "§2", "§3", "§7")},
		{VendorID: byName["Shred-Right"], Title: "Shredding services BAA", SignedOn: day(-30), ReviewBy: day(6), Terms: required("§1", "§1", "§2", "§3")},
		{VendorID: byName["Riverbend IT Services"], Kind: vendor.Contract, Title: "Managed services agreement", SignedOn: day(-14), ExpiresOn: day(22)},
	} {
		if err := sc.SaveAgreement(ctx, a); err != nil {
			return fmt.Errorf("demo agreement %s: %w", a.Title, err)
		}
	}
	// The reviews: the IT provider's yearly review is overdue, the EHR
	// vendor's due soon; the answering service has never been reviewed.
	for _, r := range []*vendor.Review{
		{VendorID: byName["Cedar Health EHR"], ReviewedOn: now.AddDate(0, -11, -20).Format(time.DateOnly), Reviewer: "Dana Reyes", Outcome: vendor.Approved},
		{VendorID: byName["ClearClaim"], ReviewedOn: day(-5), Reviewer: "Olivia Owens", Outcome: vendor.WithConditions, Notes: "Renew the BAA before it ends; confirm MFA on the billing portal."},
		{VendorID: byName["Riverbend IT Services"], ReviewedOn: day(-14), Reviewer: "Dana Reyes", Outcome: vendor.Approved},
		{VendorID: byName["VisitLink"], ReviewedOn: day(-8), Reviewer: "Sam Patel", Outcome: vendor.Approved},
		{VendorID: byName["Shred-Right"], ReviewedOn: day(-10), Reviewer: "Olivia Owens", Outcome: vendor.Approved},
		{VendorID: byName["Summit Reference Lab"], ReviewedOn: day(-6), Reviewer: "Sam Patel", Outcome: vendor.Approved},
		{VendorID: byName["Backblaze"], ReviewedOn: day(-6), Reviewer: "Sam Patel", Outcome: vendor.Approved, Notes: "Reviewed with Riverbend: B2 buckets encrypted, object lock on."},
	} {
		if err := sc.AddVendorReview(ctx, r); err != nil {
			return fmt.Errorf("demo review: %w", err)
		}
	}
	return nil
}

// seedDemoQuestionnaires records the questionnaires the clinic sent its
// vendors: the EHR vendor answered Safeguard's questionnaire a month ago
// with two exceptions (no SBOMs for its products, no independent
// penetration test yet); the IT provider's link, sent six weeks ago,
// expired unanswered two weeks ago. Their links' tokens were never kept.
func seedDemoQuestionnaires(ctx context.Context, at func(time.Time) *store.Scoped, now time.Time) error {
	byName, err := demoVendorIDs(ctx, at(now))
	if err != nil {
		return err
	}
	sentEHR, answered, sentIT := now.AddDate(0, 0, -40), now.AddDate(0, 0, -31), now.AddDate(0, 0, -44)
	ehr := &vendor.Request{VendorID: byName["Cedar Health EHR"], Questionnaire: vendor.Builtin, Channel: vendor.ChannelLink, Recipient: "dana.whitfield@cedarhealth.example",
		SentAt: sentEHR, SentBy: "officer@riverside.example", ExpiresAt: sentEHR.AddDate(0, 0, vendor.DefaultLinkDays)}
	it := &vendor.Request{VendorID: byName["Riverbend IT Services"], Questionnaire: vendor.Builtin, Channel: vendor.ChannelLink, Recipient: "help@riverbend-it.example",
		SentAt: sentIT, SentBy: "officer@riverside.example", ExpiresAt: sentIT.AddDate(0, 0, vendor.DefaultLinkDays)}
	for _, r := range []*vendor.Request{ehr, it} {
		_, hash := auth.NewSessionToken()
		if err := at(r.SentAt).CreateQuestionnaireRequest(ctx, r, hash); err != nil {
			return fmt.Errorf("demo questionnaire: %w", err)
		}
	}
	ehr.Respondent = "Dana Whitfield, account manager, with Cedar Health's security team"
	ehr.Answers = map[string]vendor.QuestionAnswer{}
	for _, q := range vendor.Builtin.Questions {
		ehr.Answers[q.ID] = vendor.QuestionAnswer{Value: vendor.AnswerYes}
	}
	ehr.Answers["sbom"] = vendor.QuestionAnswer{Value: vendor.AnswerNo, Comment: "We list third-party components on request; we do not yet publish SBOMs."}
	ehr.Answers["testing"] = vendor.QuestionAnswer{Value: vendor.AnswerNo, Comment: "Our first independent penetration test is booked for next quarter."}
	ehr.Answers["incident-notice"] = vendor.QuestionAnswer{Value: vendor.AnswerYes, Comment: "Within 72 hours, as our BAA's §5 says."}
	ehrCtx := audit.WithActor(ctx, audit.Actor{Label: "vendor Cedar Health EHR: " + ehr.Respondent + " (questionnaire link)", Source: "203.0.113.40"})
	if err := at(answered).AnswerQuestionnaireRequest(ehrCtx, ehr, nil, answered); err != nil {
		return fmt.Errorf("demo answers: %w", err)
	}
	return nil
}

// demoVendorIDs is the demo register's vendors' ids by name.
func demoVendorIDs(ctx context.Context, sc *store.Scoped) (map[string]string, error) {
	vs, err := sc.Vendors(ctx)
	if err != nil {
		return nil, err
	}
	byName := map[string]string{}
	for _, v := range vs {
		byName[v.Name] = v.ID
	}
	return byName, nil
}
