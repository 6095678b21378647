package cli

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tailoring"
)

// demoAnswer is one answer of the demonstration's assessments.
type demoAnswer struct {
	item, status, owner, target, notes string
	decision, measure, reason          string
	questions                          map[string]string
}

func (d demoAnswer) answer() *assessment.Answer {
	a := &assessment.Answer{ItemID: d.item, Status: assessment.Status(d.status), Owner: d.owner, TargetDate: d.target, Notes: d.notes, Questions: d.questions}
	if d.decision != "" {
		a.Decision = &assessment.Decision{Kind: assessment.DecisionKind(d.decision), Measure: d.measure, Reason: d.reason}
	}
	return a
}

const (
	impl    = string(assessment.Implemented)
	partial = string(assessment.Partial)
	planned = string(assessment.Planned)
	notImpl = string(assessment.NotImplemented)
	asSpec  = string(assessment.AsSpecified)
	alt     = string(assessment.Alternative)
	notRA   = string(assessment.NotReasonable)
)

// The CPG baseline, a year ago: where a small clinic typically starts.
var demoCPGBaseline = []demoAnswer{
	{item: "essential-1", status: partial, owner: "Sam Patel", notes: "Workstations patch monthly through the IT vendor; the server and the firewall lag by months. No check against the KEV catalog."},
	{item: "essential-2", status: notImpl, owner: "Sam Patel", notes: "No SPF, DKIM or DMARC on riverside-clinic.example; no attachment filtering beyond the default."},
	{item: "essential-3", status: partial, owner: "Sam Patel", notes: "MFA on the EHR's remote access; not on Microsoft 365 email."},
	{item: "essential-4", status: impl, owner: "Chris Lee", notes: "Annual security awareness training at the staff meeting, sign-in sheet kept."},
	{item: "essential-5", status: partial, owner: "Sam Patel", notes: "EHR vendor encrypts at rest; two of nine laptops without BitLocker."},
	{item: "essential-6", status: notImpl, owner: "Chris Lee", notes: "Accounts are removed when someone remembers; no checklist."},
	{item: "essential-7", status: planned, owner: "Sam Patel", target: "2026-06-30", notes: "No written incident response plan yet."},
	{item: "essential-8", status: impl, owner: "Sam Patel", notes: "Everyone has their own EHR and Microsoft 365 login."},
	{item: "essential-9", status: notImpl, owner: "Sam Patel", notes: "The office manager's daily account is a global administrator."},
	{item: "essential-10", status: partial, owner: "Olivia Owens", notes: "BAAs signed with the EHR vendor and the billing service; no security questions asked of vendors."},
}

// This year's CPG assessment: carried forward from the baseline, much of
// it reviewed and improved, some not reviewed yet.
var demoCPGNow = []demoAnswer{
	{item: "essential-1", status: partial, owner: "Sam Patel", target: "2027-01-31", notes: "Monthly patching now covers the server; the firewall firmware is two releases behind. Scanner output will be checked against the KEV catalog."},
	{item: "essential-2", status: impl, owner: "Sam Patel", notes: "SPF and DKIM published; DMARC at p=quarantine since March 2026; Defender for Office 365 filters attachments."},
	{item: "essential-3", status: impl, owner: "Sam Patel", notes: "MFA enforced on Microsoft 365 (authenticator app) and on EHR remote access since February 2026."},
	{item: "essential-5", status: impl, owner: "Sam Patel", notes: "BitLocker on all nine laptops, verified in Intune; TLS 1.2+ only on the patient portal."},
	{item: "essential-6", status: partial, owner: "Chris Lee", target: "2026-12-31", notes: "Termination checklist in use since June; one former contractor's email account was still enabled in September."},
	{item: "essential-7", status: impl, owner: "Sam Patel", notes: "Incident response plan approved in July 2026; contact list tested."},
	{item: "essential-9", status: partial, owner: "Sam Patel", target: "2027-02-28", notes: "Separate admin account for the IT vendor; the office manager still browses with an administrator account."},
	{item: "essential-10", status: partial, owner: "Olivia Owens", target: "2027-03-31", notes: "Security questionnaire sent to the EHR vendor; billing service and the IT vendor to follow."},
	{item: "enhanced-1", status: partial, owner: "Sam Patel", target: "2027-03-31", notes: "Laptops and servers inventoried in Intune; medical devices and network gear not yet."},
}

// The Security Rule assessment in progress.
var demoHIPAA = []demoAnswer{
	{item: "164.306(a)", status: partial, owner: "Sam Patel", notes: "The risk analysis in progress is the clinic's account of what threatens its ePHI; workforce compliance is enforced by the sanction policy and training."},
	{item: "164.306(b)", status: impl, owner: "Sam Patel", notes: "Measures chosen for a 38-person clinic with an outside IT provider: hosted EHR and billing, Microsoft 365 security defaults, cost weighed against the risk register's ratings."},
	{item: "164.306(e)", status: partial, owner: "Sam Patel", target: "2027-01-31", notes: "Measures reviewed after each incident and vendor change; the yearly review of the whole program is due with the risk analysis."},
	{item: "164.308(a)(1)", status: partial, owner: "Sam Patel", notes: "Policies exist; the risk analysis is being redone this year."},
	{item: "164.308(a)(1)(ii)(A)", status: planned, owner: "Sam Patel", target: "2027-01-31", notes: "Last risk analysis was in 2023 with a consultant; the 2026 one is in progress in Safeguard.",
		questions: map[string]string{"SQ_164.308(a)(1).2.01": "Yes: the 2023 consultant's report and last year's CPG baseline."}},
	{item: "164.308(a)(1)(ii)(B)", status: partial, owner: "Sam Patel", notes: "Remediation tracked in the IT vendor's ticket system; no formal plan of action."},
	{item: "164.308(a)(1)(ii)(C)", status: impl, owner: "Olivia Owens", notes: "Sanction policy in the employee handbook, acknowledged at hire."},
	{item: "164.308(a)(1)(ii)(D)", status: partial, owner: "Sam Patel", notes: "EHR access reports reviewed quarterly; Microsoft 365 sign-in logs not reviewed."},
	{item: "164.308(a)(2)", status: impl, owner: "Olivia Owens", notes: "Sam Patel designated security official in writing, January 2026."},
	{item: "164.308(a)(3)", status: partial, owner: "Chris Lee"},
	{item: "164.308(a)(3)(ii)(A)", status: impl, owner: "Chris Lee", decision: asSpec, notes: "Clinical staff supervised by the clinic lead; access by role in the EHR."},
	{item: "164.308(a)(3)(ii)(B)", status: impl, owner: "Chris Lee", decision: asSpec, notes: "Background checks for every hire through the staffing agency."},
	{item: "164.308(a)(3)(ii)(C)", status: partial, owner: "Chris Lee", target: "2026-12-31", decision: asSpec, notes: "Termination checklist since June 2026; not yet used for contractors."},
	{item: "164.308(a)(4)", status: impl, owner: "Sam Patel"},
	{item: "164.308(a)(4)(ii)(B)", status: impl, owner: "Sam Patel", decision: asSpec, notes: "Access requests approved by the practice owner by email."},
	{item: "164.308(a)(5)", status: impl, owner: "Chris Lee", notes: "Annual training plus onboarding module."},
	{item: "164.308(a)(5)(ii)(A)", status: impl, owner: "Chris Lee", decision: alt,
		measure: "A two-minute security item at every monthly staff huddle, and a quarterly phishing simulation with feedback, instead of emailed reminders.",
		reason:  "Staff do not read mass emails; the huddle reaches everyone, and attendance is recorded."},
	{item: "164.308(a)(5)(ii)(B)", status: impl, owner: "Sam Patel", decision: asSpec, notes: "Microsoft Defender on every workstation, managed by the IT vendor."},
	{item: "164.308(a)(5)(ii)(D)", status: impl, owner: "Sam Patel", decision: asSpec, notes: "Passphrases of 15+ characters; no forced rotation (NIST SP 800-63B)."},
	{item: "164.308(a)(6)", status: impl, owner: "Sam Patel"},
	{item: "164.308(a)(6)(ii)", status: impl, owner: "Sam Patel", notes: "Incident response plan approved July 2026."},
	{item: "164.308(a)(7)", status: partial, owner: "Sam Patel"},
	{item: "164.308(a)(7)(ii)(A)", status: impl, owner: "Sam Patel", notes: "Nightly backup of the file server to the NAS, weekly copy offsite (immutable cloud storage)."},
	{item: "164.308(a)(7)(ii)(B)", status: partial, owner: "Sam Patel", target: "2027-02-28", notes: "The EHR is the vendor's; the file server restore was tested, the full DR plan is not written."},
	{item: "164.308(a)(7)(ii)(D)", status: planned, owner: "Sam Patel", target: "2027-04-30", decision: asSpec, notes: "Tabletop exercise planned for spring."},
	{item: "164.308(b)(1)", status: impl, owner: "Olivia Owens", notes: "BAAs with the EHR vendor, the billing service, the IT vendor and the shredding company."},
	{item: "164.308(b)(3)", status: impl, owner: "Olivia Owens"},
	{item: "164.310(a)(1)", status: impl, owner: "Chris Lee"},
	{item: "164.310(a)(2)(ii)", status: impl, owner: "Chris Lee", decision: asSpec, notes: "Badge access to the back office; server closet locked."},
	{item: "164.310(a)(2)(iv)", status: impl, owner: "Chris Lee", decision: notRA,
		reason:  "The clinic leases its suite; doors, locks and walls are the landlord's, who keeps the repair records. A log of our own would duplicate the landlord's and could not be complete.",
		measure: "The lease obliges the landlord to record repairs to doors and locks and send a copy within 10 days; the practice manager files the copies and reviews them yearly."},
	{item: "164.310(b)", status: impl, owner: "Chris Lee"},
	{item: "164.310(c)", status: partial, owner: "Chris Lee", notes: "Privacy screens at reception; one exam-room workstation faces the door."},
	{item: "164.310(d)(1)", status: impl, owner: "Sam Patel"},
	{item: "164.310(d)(2)(i)", status: impl, owner: "Sam Patel", notes: "Drives shredded by the shredding company; certificates kept."},
	{item: "164.310(d)(2)(iii)", status: partial, owner: "Sam Patel", decision: alt,
		measure: "Intune device inventory for laptops and workstations, and a spreadsheet for everything else, reviewed quarterly.",
		reason:  "A full hardware-movement log is more than a 38-person clinic can keep current; the inventory shows who holds what."},
	{item: "164.312(a)(1)", status: impl, owner: "Sam Patel"},
	{item: "164.312(a)(2)(i)", status: impl, owner: "Sam Patel", notes: "Unique logins everywhere; the shared front-desk login was retired in 2025."},
	{item: "164.312(a)(2)(iii)", status: impl, owner: "Sam Patel", decision: asSpec, notes: "Workstations lock after 5 minutes; the EHR logs off after 15."},
	{item: "164.312(a)(2)(iv)", status: impl, owner: "Sam Patel", decision: asSpec, notes: "BitLocker on every laptop; the EHR vendor encrypts at rest."},
	{item: "164.312(b)", status: partial, owner: "Sam Patel", notes: "EHR audit trail on; workstation logs are not collected."},
	{item: "164.312(d)", status: impl, owner: "Sam Patel", notes: "MFA on Microsoft 365 and EHR remote access.",
		questions: map[string]string{"SQ_164.312(d).1.01": "Yes: authenticator app for Microsoft 365; EHR remote access by the vendor's MFA."}},
	{item: "164.312(e)(1)", status: impl, owner: "Sam Patel"},
	{item: "164.312(e)(2)(ii)", status: impl, owner: "Sam Patel", decision: asSpec, notes: "TLS for the portal and email (enforced TLS with the hospital partner)."},
	{item: "164.316(a)", status: impl, owner: "Sam Patel", notes: "Information security policy v3, approved January 2026."},
	{item: "164.316(b)(1)", status: partial, owner: "Sam Patel", notes: "Policies kept in SharePoint; older versions not all retained."},
}

// demoEvidence is the demonstration's evidence vault.
var demoEvidence = []struct {
	title, owner, collected, review, file, kind string
	lines                                       []string
	items                                       []string
}{
	{"Information security policy v3", "Sam Patel", "2026-01-15", "2027-01-15", "information-security-policy-v3.pdf", "pdf",
		[]string{"Riverside Family Clinic - Information Security Policy, version 3", "Approved by Olivia Owens, practice owner, 15 January 2026", "Security official: Sam Patel"},
		[]string{"hipaa-sr/164.316(a)", "hipaa-sr/164.308(a)(2)", "hipaa-sr/164.308(a)(1)"}},
	{"Business associate agreement: cloud EHR vendor", "Olivia Owens", "2023-09-01", "2026-09-01", "baa-ehr-vendor-signed.pdf", "pdf",
		[]string{"Business Associate Agreement between Riverside Family Clinic and its cloud EHR vendor", "Signed 1 September 2023; renewal review due 1 September 2026"},
		[]string{"hipaa-sr/164.308(b)(1)", "hipaa-sr/164.308(b)(3)", "hipaa-sr/164.314(a)(2)(i)", "hph-cpg/essential-10"}},
	{"Microsoft 365 MFA registration report", "Sam Patel", "2026-10-31", "2027-01-31", "m365-mfa-registration-2026-10.csv", "csv",
		[]string{"userPrincipalName,isMfaRegistered,defaultMfaMethod", "olivia.owens@riverside-clinic.example,true,microsoftAuthenticatorPush", "sam.patel@riverside-clinic.example,true,microsoftAuthenticatorPush", "chris.lee@riverside-clinic.example,true,softwareOneTimePasscode"},
		[]string{"hipaa-sr/164.312(d)", "hph-cpg/essential-3"}},
	{"Backup restore test, October 2026", "Sam Patel", "2026-10-12", "2027-04-12", "backup-restore-test-2026-10.txt", "txt",
		[]string{"Restore test of the file server from the offsite copy, 12 October 2026.", "Restored 14,210 files (38 GB) to a spare VM in 2 h 10 min; spot-checked 25 documents; all opened."},
		[]string{"hipaa-sr/164.308(a)(7)(ii)(A)", "hipaa-sr/164.308(a)(7)(ii)(D)"}},
	{"Security awareness training completions 2026", "Chris Lee", "2026-09-30", "2027-09-30", "training-completions-2026.csv", "csv",
		[]string{"employee,course,completed", "Olivia Owens,Annual security awareness,2026-03-04", "Sam Patel,Annual security awareness,2026-03-04", "Chris Lee,Annual security awareness,2026-03-05"},
		[]string{"hipaa-sr/164.308(a)(5)", "hph-cpg/essential-4"}},
}

// SeedDemoProgram gives the demonstration organisation a realistic, partly
// completed program: its profile, one tailoring override, last year's CPG
// baseline (final), this year's CPG assessment and a Security Rule
// assessment in progress, and evidence in the vault. An organisation that
// already has assessments is left as it is.
func SeedDemoProgram(ctx context.Context, s *store.Store, o *org.Organization, svc *evidence.Service, now time.Time) error {
	reg, err := loadCatalog()
	if err != nil {
		return err
	}
	prog, err := assessment.NewProgram(reg)
	if err != nil {
		return err
	}
	if all, err := s.Scope(o).Assessments(ctx); err != nil || len(all) > 0 {
		return err
	}
	at := func(t time.Time) *store.Scoped { return s.WithClock(func() time.Time { return t }).Scope(o) }
	year := now.AddDate(-1, 0, 0)
	edit := *o
	edit.WorkforceSize, edit.Sites = 38, 2
	profile := &org.Profile{
		Completed: true, FiscalYearStart: 1,
		SecurityOfficial: org.Official{Name: "Sam Patel", Title: "IT and security lead", Email: "security@riverside.example"},
		PrivacyOfficial:  org.Official{Name: "Olivia Owens", Title: "Practice owner", Email: "owner@riverside.example"},
		// The clinic's mail is Microsoft 365's; the patient reminders go out
		// as a second domain through the EHR vendor.
		EmailDomains: []org.EmailDomain{{Domain: "riverside.example", Selectors: []string{"selector1", "selector2"}}, {Domain: "riverside-reminders.example"}},
		// The patient portal the EHR vendor hosts for the clinic; the
		// firewall's VPN portal is found from the inventory.
		TLSEndpoints: []string{"portal.riverside.example:443"},
		Systems: []org.System{
			{Name: "Cloud EHR", Location: "EHR vendor's cloud", Description: "Charts, orders, results, e-prescribing", Creates: true, Receives: true, Maintains: true, Transmits: true},
			{Name: "Practice management and billing", Location: "billing service's cloud", Creates: true, Maintains: true, Transmits: true},
			{Name: "Microsoft 365 email and SharePoint", Location: "Microsoft cloud", Receives: true, Maintains: true, Transmits: true},
			{Name: "Patient portal", Location: "EHR vendor's cloud", Receives: true, Transmits: true},
			{Name: "File server and backup NAS", Location: "back office closet; offsite copy in cloud storage", Maintains: true},
			{Name: "Clinic laptops and workstations", Location: "both sites", Creates: true, Maintains: true},
			{Name: "E-fax service", Location: "vendor's cloud", Receives: true, Transmits: true},
		},
	}
	if err := at(year.AddDate(0, 0, -20)).SaveProfile(ctx, &edit, profile); err != nil {
		return err
	}
	*o = edit

	// Last year's baseline, answered and finalised.
	started := year.AddDate(0, 0, -14)
	base, err := prog.Start(ctx, at(started), catalog.HPHCPG, "CPG baseline "+started.Format("2006"), "", started)
	if err != nil {
		return err
	}
	if err := saveDemo(ctx, prog, at(started.AddDate(0, 0, 3)), base.ID, demoCPGBaseline); err != nil {
		return err
	}
	if _, err := prog.Finalize(ctx, at(year.AddDate(0, 0, -3)), base.ID, year); err != nil {
		return err
	}

	// Two months ago the clinic took on one enhanced goal.
	if err := at(now.AddDate(0, -2, 0)).SetTailoringOverride(ctx, &tailoring.Override{ItemID: "hph-cpg/enhanced-1", Applicable: true,
		Justification: "Our cyber-insurance carrier asks for an asset inventory at renewal, so we take on this enhanced goal now."}); err != nil {
		return err
	}

	// This year's, started from the baseline.
	began := now.AddDate(0, -1, 0)
	cur, err := prog.Start(ctx, at(began), catalog.HPHCPG, "CPG assessment "+now.Format("2006"), base.ID, began)
	if err != nil {
		return err
	}
	if err := saveDemo(ctx, prog, at(now.AddDate(0, 0, -6)), cur.ID, demoCPGNow); err != nil {
		return err
	}

	// The Security Rule assessment in progress.
	h, err := prog.Start(ctx, at(began), catalog.HIPAASecurityRule, "HIPAA Security Rule assessment FY"+now.Format("2006"), "", began)
	if err != nil {
		return err
	}
	if err := saveDemo(ctx, prog, at(now.AddDate(0, 0, -4)), h.ID, demoHIPAA); err != nil {
		return err
	}
	if err := seedDemoRisk(ctx, s, o, reg, h, now); err != nil {
		return err
	}
	if err := seedDemoVendors(ctx, at(now.AddDate(0, 0, -20)), now); err != nil {
		return err
	}
	if err := seedDemoWorkforce(ctx, s, o, reg, now); err != nil {
		return err
	}
	if err := seedDemoData(ctx, s, o, now); err != nil {
		return err
	}

	for _, d := range demoEvidence {
		e := &evidence.Evidence{Title: d.title, Owner: d.owner, CollectedOn: d.collected, ReviewBy: d.review, Items: d.items}
		body := []byte(strings.Join(d.lines, "\n") + "\n")
		collected, _ := time.Parse("2006-01-02", d.collected)
		if d.kind == "pdf" {
			if body, err = report.TextPDF(d.lines[0], d.lines[1:], collected); err != nil {
				return err
			}
		}
		if err := svc.Upload(ctx, at(collected.Add(10*time.Hour)), e, evidence.File{Name: d.file, Body: bytes.NewReader(body)}); err != nil {
			return fmt.Errorf("demo evidence %s: %w", d.file, err)
		}
	}
	if err := seedDemoAgreements(ctx, at(now.AddDate(0, 0, -15)), now); err != nil {
		return err
	}
	if err := seedDemoQuestionnaires(ctx, at, now); err != nil {
		return err
	}
	if err := seedDemoIncidents(ctx, at, now); err != nil {
		return err
	}
	return runDemoChecks(ctx, at(now), now)
}

func saveDemo(ctx context.Context, prog *assessment.Program, sc *store.Scoped, id string, answers []demoAnswer) error {
	var list []*assessment.Answer
	for _, d := range answers {
		list = append(list, d.answer())
	}
	return prog.Save(ctx, sc, id, "assessment.answer", list)
}
