package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/contingency"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
)

// seedDemoIncidents records the clinic's one incident of the year: a
// nurse's phone, with the clinic's email on it, lost on a bus five months
// ago; wiped remotely within the hour, and assessed as not a breach — a
// low probability that the PHI in the mailbox was compromised, on each of
// the four factors of 45 CFR 164.402(2).
func seedDemoIncidents(ctx context.Context, at func(time.Time) *store.Scoped, now time.Time) error {
	detected := time.Date(now.Year(), now.Month(), now.Day(), 18, 40, 0, 0, time.UTC).AddDate(0, -5, 0)
	contained, recovered := detected.Add(35*time.Minute), detected.Add(20*time.Hour)
	assessed := detected.AddDate(0, 0, 3).Format(time.DateOnly)
	sc := at(detected.AddDate(0, 0, 4))
	assets, err := sc.Assets(ctx)
	if err != nil {
		return err
	}
	var mail []string
	for _, a := range assets {
		if a.Name == "Microsoft 365 email and SharePoint" {
			mail = append(mail, a.ID)
		}
	}
	i := &incident.Incident{Title: "Nurse's phone with clinic email lost on the bus", ThreatID: "lost-stolen-device", Owner: "Sam Patel",
		Summary:    "A nurse reported at 18:40 that her phone, enrolled in Intune with the Outlook app signed in to her clinic mailbox, was lost on the evening bus. Sam Patel wiped it remotely 35 minutes later; Intune confirmed the wipe. The transit authority did not find it.",
		DetectedAt: detected, ContainedAt: &contained, RecoveredAt: &recovered, PHI: true, Records: 14, Assets: mail,
		Assessment: &incident.Assessment{Conclusion: incident.LowProbability, By: "Sam Patel (security) with Olivia Owens (privacy official)", On: assessed,
			Reasoning: "The presumption of a breach is rebutted: the phone was encrypted and locked, the mailbox could be reached only through the Outlook app's own PIN, and the device was wiped 35 minutes after it was lost; the sign-in logs show no access to the mailbox after 18:05.",
			Factors: [4]string{
				"Fourteen patients' names with appointment times and referral letters (diagnoses for three) in the mailbox's last 30 days: sensitive, and identifiable.",
				"Unknown: a member of the public on the bus.",
				"Not acquired or viewed: the phone's storage is encrypted and was locked with a six-digit passcode; Entra ID sign-in logs show no sign-in or mailbox access after 18:05, when the nurse last used it.",
				"Mitigated: remote wipe confirmed by Intune at 19:15; the nurse's sessions revoked and her password reset the same evening.",
			}},
		ClosedOn: detected.AddDate(0, 0, 4).Format(time.DateOnly)}
	if err := (&incidents.Service{}).Save(ctx, sc, "", i); err != nil {
		return fmt.Errorf("demo incident: %w", err)
	}
	if err := seedDemoPlan(ctx, at, now); err != nil {
		return err
	}
	return seedDemoContingency(ctx, at, now)
}

// seedDemoPlan records the clinic's incident response plan: Safeguard's
// playbooks with the clinic's roles and contacts, approved by the owner
// thirteen months ago — its yearly review a month overdue.
func seedDemoPlan(ctx context.Context, at func(time.Time) *store.Scoped, now time.Time) error {
	p := incident.Starter()
	p.Roles = []incident.Role{
		{Role: "Incident lead", Name: "Sam Patel, IT and security lead", Phone: "+1 555 0101", Email: "security@riverside.example", Backup: "Jo Marsh, Riverbend IT"},
		{Role: "Privacy official: breach assessment and notices", Name: "Olivia Owens, practice owner", Phone: "+1 555 0100", Email: "owner@riverside.example", Backup: "Dana Reyes"},
		{Role: "Clinical operations and downtime procedures", Name: "Chris Lee, clinic manager", Phone: "+1 555 0102", Backup: "Dana Reyes"},
	}
	p.Contacts = []incident.Contact{
		{Kind: "it-provider", Name: "Service desk, 24/7 line", Organisation: "Riverbend IT Services", Phone: "+1 555 0177", Email: "help@riverbend-it.example"},
		{Kind: "vendor", Name: "Security team", Organisation: "Cedar Health EHR", Phone: "+1 555 0140", Email: "security@cedarhealth.example"},
		{Kind: "insurer", Name: "Cyber claims hotline", Organisation: "Harbor Mutual (policy CY-20417)", Phone: "+1 800 555 0199", Notes: "Call before paying, negotiating or wiping anything."},
		{Kind: "counsel", Name: "Maria Chen", Organisation: "Chen & Ortiz LLP", Phone: "+1 555 0160"},
		{Kind: "law-enforcement", Name: "FBI field office", Phone: "+1 555 0110", Notes: "Report ransomware and extortion; also at ic3.gov."},
		{Kind: "hhs-hc3", Name: "HHS Health Sector Cybersecurity Coordination Center", Email: "HC3@hhs.gov"},
	}
	approved := now.AddDate(-1, -1, 0)
	sc := at(approved)
	if err := sc.SaveIncidentPlan(ctx, p); err != nil {
		return fmt.Errorf("demo plan: %w", err)
	}
	if err := sc.ApproveIncidentPlan(ctx, p.Version, "Olivia Owens, practice owner", approved.Format(time.DateOnly)); err != nil {
		return err
	}
	return seedDemoExercise(ctx, at, now)
}

// seedDemoExercise records the clinic's ransomware tabletop of two months
// ago: four people round the table, two findings, each a plan action on
// the register's ransomware risk, both still open.
func seedDemoExercise(ctx context.Context, at func(time.Time) *store.Scoped, now time.Time) error {
	held := now.AddDate(0, -2, 0)
	sc := at(held.Add(26 * time.Hour))
	e := &incident.Exercise{Title: "Ransomware tabletop", Scenario: "ransomware-friday", HeldOn: held.Format(time.DateOnly), Facilitator: "Jo Marsh, Riverbend IT Services",
		Participants: []string{"Olivia Owens, practice owner", "Sam Patel, IT and security lead", "Chris Lee, clinic manager", "Dana Reyes, front desk lead"},
		Findings: []incident.Finding{
			{Text: "Nobody knew where the printed plan was, and two of the phone numbers in it were out of date."},
			{Text: "Restoring the file server from the offsite copy has never been timed against how long the clinic can work without it."},
		},
		Notes: "Ninety minutes. The team agreed to keep a printed copy of the plan at the front desk and at the satellite site."}
	svc := &incidents.Service{}
	if err := svc.SaveExercise(ctx, sc, "", e); err != nil {
		return fmt.Errorf("demo exercise: %w", err)
	}
	risks, err := sc.Risks(ctx)
	if err != nil {
		return err
	}
	ransomware := ""
	for _, r := range risks {
		if r.Title == "Ransomware encrypts the file server and backups" {
			ransomware = r.ID
		}
	}
	for k, a := range []*risk.Action{
		{RiskID: ransomware, Title: "Print the incident response plan for both sites and correct its phone numbers", Owner: "Sam Patel", Due: now.AddDate(0, 0, 20).Format(time.DateOnly), Status: risk.InProgress},
		{RiskID: ransomware, Title: "Time a full restore of the file server from the offsite copy", Owner: "Sam Patel", Due: now.AddDate(0, 1, 0).Format(time.DateOnly), Status: risk.Planned},
	} {
		a.Notes = "From the tabletop exercise \"Ransomware tabletop\", finding " + fmt.Sprint(k+1) + "."
		if err := svc.TrackFinding(ctx, sc, "", e.ID, k, a); err != nil {
			return fmt.Errorf("demo exercise finding %d: %w", k+1, err)
		}
	}
	return nil
}

// seedDemoContingency records the clinic's contingency plan: its
// procedures, the objectives and backups of its ePHI systems, and the
// restore tests of the year — the file server's took 30 hours against an
// objective of 24.
func seedDemoContingency(ctx context.Context, at func(time.Time) *store.Scoped, now time.Time) error {
	sc := at(now.AddDate(0, -1, 0))
	svc := &incidents.Service{}
	assets, err := sc.Assets(ctx)
	if err != nil {
		return err
	}
	id := map[string]string{}
	for _, a := range assets {
		id[a.Name] = a.ID
	}
	if err := svc.SaveProcedures(ctx, sc, "",
		"Riverbend IT restores the file server from the Backblaze copy onto the spare NAS, then the workstations from their images, in the order of the criticality analysis: the EHR (hosted, Cedar's to restore), the network, the file server, billing. Sam Patel confirms each system and its data before staff use it.",
		"While the EHR or the network is down: paper downtime forms and the printed schedule at the front desk; prescriptions by phone to the pharmacies; no patient data on personal devices. Olivia Owens decides when to close to new appointments.", 12); err != nil {
		return err
	}
	for _, sys := range []*contingency.System{
		{AssetID: id["Cloud EHR"], RTOHours: 8, RPOHours: 1, Backup: contingency.Backup{None: "Hosted by Cedar Health, which backs it up and restores it under its business associate agreement."}},
		{AssetID: id["Practice management and billing"], RTOHours: 48, RPOHours: 24, Backup: contingency.Backup{None: "Hosted by ClearClaim under its agreement; claims can wait two days."}},
		{AssetID: id["Microsoft 365 email and SharePoint"], RTOHours: 24, RPOHours: 24, Backup: contingency.Backup{What: "Mailboxes and SharePoint sites", Where: "Microsoft 365 Backup", Frequency: "continuous, kept one year", Offline: true}},
		{AssetID: id["File server and backup NAS"], RTOHours: 24, RPOHours: 24, Backup: contingency.Backup{What: "The shares, scanned records and workstation images", Where: "The NAS, copied nightly to Backblaze B2 with object lock", Frequency: "nightly", Offline: true,
			Jobs: []string{"File server nightly", "NAS to Backblaze B2"}}},
		{AssetID: id["Offsite backup storage"], RTOHours: 72, RPOHours: 24, Backup: contingency.Backup{None: "It is the offsite copy of the file server's backups."}},
		{AssetID: id["Network and firewall"], RTOHours: 8, Backup: contingency.Backup{What: "The firewall's and switches' configuration", Where: "Riverbend IT's configuration vault, with a copy on an offline drive", Frequency: "on each change", Offline: true}},
		{AssetID: id["Digital X-ray unit"], RTOHours: 48, RPOHours: 24, Backup: contingency.Backup{None: "Its images go to the file server after each exam and are backed up with it; the vendor reinstalls the acquisition PC."}},
	} {
		if sys.AssetID == "" {
			continue
		}
		if err := svc.SaveSystem(ctx, sc, "", sys); err != nil {
			return fmt.Errorf("demo contingency: %w", err)
		}
	}
	// Riverbend IT's backup report of the last two weeks: the file
	// server's nightly job and its copy to Backblaze, one night failed and
	// made good the next.
	var report strings.Builder
	report.WriteString("job,started,finished,result,offline,target,bytes,detail\n")
	night := time.Date(now.Year(), now.Month(), now.Day(), 1, 0, 0, 0, time.UTC)
	if now.Before(night.Add(3 * time.Hour)) {
		night = night.AddDate(0, 0, -1)
	}
	for d := 13; d >= 0; d-- {
		at := night.AddDate(0, 0, -d)
		result, detail := "success", ""
		if d == 5 {
			result, detail = "failed", "the NAS was rebooting for an update"
		}
		fmt.Fprintf(&report, "File server nightly,%s,%s,%s,no,NAS-01,%d,%s\n", at.Format(time.RFC3339), at.Add(47*time.Minute).Format(time.RFC3339), result, 412_000_000_000+int64(d)*1_000_000, detail)
		fmt.Fprintf(&report, "NAS to Backblaze B2,%s,%s,success,yes,Backblaze B2 (object lock 30 days),%d,\n", at.Add(2*time.Hour).Format(time.RFC3339), at.Add(3*time.Hour).Format(time.RFC3339), 3_100_000_000+int64(d)*10_000_000)
	}
	if err := demoImport(ctx, at(now), "riverbend-backup-report.csv", ingest.FormatBackups, []byte(report.String())); err != nil {
		return fmt.Errorf("demo backup report: %w", err)
	}
	for _, t := range []*contingency.Test{
		{AssetID: id["File server and backup NAS"], TestedOn: now.AddDate(0, -3, 0).Format(time.DateOnly), Hours: 30, LostHours: 20, Succeeded: true, By: "Jo Marsh, Riverbend IT Services",
			Notes: "Full restore of the shares from Backblaze onto the spare NAS: 26 hours to download over the clinic's line. Over the 24-hour objective."},
		{AssetID: id["Microsoft 365 email and SharePoint"], TestedOn: now.AddDate(0, -2, 0).Format(time.DateOnly), Hours: 2, Succeeded: true, By: "Sam Patel", Notes: "One mailbox and one site restored to a point a week back."},
	} {
		if t.AssetID == "" {
			continue
		}
		if err := svc.AddRestoreTest(ctx, sc, "", t); err != nil {
			return fmt.Errorf("demo restore test: %w", err)
		}
	}
	return nil
}
