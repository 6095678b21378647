package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
)

type demoAsset struct {
	name, desc, owner, location, vendor string
	typ                                 risk.AssetType
	crit                                risk.Criticality
	c, r, m, t, internet                bool
	records                             int64
	new                                 bool // added this year, after last year's analysis
}

var demoAssets = []demoAsset{
	{"Cloud EHR", "Charts, orders, results, e-prescribing", "Sam Patel", "EHR vendor's cloud", "Cedar Health EHR", risk.Application, risk.CriticalityCritical, true, true, true, true, true, 14200, false},
	{"Practice management and billing", "Scheduling, claims, statements", "Olivia Owens", "Billing service's cloud", "ClearClaim", risk.CloudService, risk.CriticalityHigh, true, false, true, true, true, 14200, false},
	{"Microsoft 365 email and SharePoint", "Email, referral letters, shared documents", "Sam Patel", "Microsoft cloud", "Microsoft", risk.CloudService, risk.CriticalityHigh, false, true, true, true, true, 3100, false},
	{"Patient portal", "Messages, results and appointment requests", "Sam Patel", "EHR vendor's cloud", "Cedar Health EHR", risk.Application, risk.CriticalityModerate, false, true, false, true, true, 6800, false},
	{"File server and backup NAS", "Scanned records, exports, nightly backups", "Sam Patel", "Main site, back-office closet", "Synology", risk.DataStore, risk.CriticalityHigh, false, false, true, false, false, 14200, false},
	{"Offsite backup storage", "Encrypted copy of the NAS backups", "Sam Patel", "Backblaze B2 (US)", "Backblaze", risk.CloudService, risk.CriticalityHigh, false, true, true, false, true, 14200, false},
	{"Clinic laptops", "Twelve laptops for clinicians and managers", "Chris Lee", "Both sites, taken home", "Dell", risk.Device, risk.CriticalityModerate, true, false, true, true, false, 0, false},
	{"Front-desk workstations", "Six shared check-in PCs with a badge printer", "Chris Lee", "Both sites, reception", "HP", risk.Device, risk.CriticalityModerate, true, false, false, true, false, 0, false},
	{"E-fax service", "Referrals and records requests by fax", "Olivia Owens", "Vendor's cloud", "SecureFax", risk.CloudService, risk.CriticalityModerate, false, true, false, true, true, 900, false},
	{"Network and firewall", "Firewall, VPN for remote staff, Wi-Fi", "Sam Patel", "Both sites", "Fortinet", risk.System, risk.CriticalityCritical, false, false, false, true, true, 0, false},
	{"Digital X-ray unit", "Radiography system with its acquisition PC", "Chris Lee", "Main site, imaging room", "Carestream", risk.Device, risk.CriticalityHigh, true, false, true, true, false, 5200, false},
	{"Main clinic building", "Server closet, records room, exam rooms", "Olivia Owens", "12 River Street", "", risk.Facility, risk.CriticalityHigh, false, false, false, false, false, 0, false},
	{"Telehealth video platform", "Video visits started in spring", "Sam Patel", "Vendor's cloud", "VisitLink", risk.CloudService, risk.CriticalityModerate, false, true, false, true, true, 1200, true},
}

type demoRisk struct {
	title, threat    string
	assets           []string
	vulns            []string
	measures         string
	l, c, i, a       int
	lWhy, iWhy       string
	owner            string
	resp             risk.Response
	acceptedUntil    string // months from now when accepted, as "+N" or "-N"
	tl, ti           int
	items            []string
	actions          []demoAction
	new              bool // identified this year
	lastYear         [2]int
	status           risk.Status
	acceptedByPerson string
}

type demoAction struct {
	title, owner string
	due          int // months from now
	status       risk.ActionStatus
	doneAgo      int // months ago, for done
}

// demoVulns are the demo's vulnerabilities, each with the Security Rule
// provision it falls short of.
var demoVulns = []struct{ title, desc, item string }{
	{"No MFA on Microsoft 365 for all staff", "Security defaults were turned off in 2024 for a scanner; seven accounts sign in with a password alone.", "hipaa-sr/164.312(d)"},
	{"Backups reachable from the clinic network", "The NAS shares are mapped on every workstation; an encrypting malware would reach them.", "hipaa-sr/164.308(a)(7)(ii)(A)"},
	{"Laptop disks not all encrypted", "Four of twelve laptops predate the BitLocker policy.", "hipaa-sr/164.312(a)(2)(iv)"},
	{"Shared front-desk logins", "Reception PCs sign in to Windows with one shared account.", "hipaa-sr/164.312(a)(2)(i)"},
	{"VPN appliance firmware behind", "Two releases behind, including a fix for an exploited flaw.", "hipaa-sr/164.308(a)(1)(ii)(B)"},
	{"No contract security terms with two vendors", "The e-fax and telehealth contracts have a BAA but no security requirements.", "hipaa-sr/164.314(a)(2)(i)"},
	{"X-ray acquisition PC runs an unsupported OS", "Windows 10 LTSB image supplied by the vendor; the vendor controls updates.", "hipaa-sr/164.308(a)(5)(ii)(B)"},
	{"Only one internet connection at the main site", "An outage stops access to the cloud EHR.", "hipaa-sr/164.308(a)(7)(ii)(C)"},
	{"Records room key shared among staff", "The physical key to the paper records room hangs at reception.", "hipaa-sr/164.310(a)(1)"},
}

var demoRisks = []demoRisk{
	{title: "Ransomware encrypts the file server and backups", threat: "ransomware", assets: []string{"File server and backup NAS", "Front-desk workstations", "Clinic laptops"},
		vulns: []string{"Backups reachable from the clinic network"}, measures: "Endpoint antivirus, nightly NAS backups, offsite copy weekly.",
		l: 4, c: 4, i: 4, a: 5, lWhy: "Small practices in the region were hit twice this year; the NAS is mapped on every PC.", iWhy: "All scanned records and backups encrypted; days of downtime.",
		owner: "Sam Patel", resp: risk.Mitigate, tl: 2, ti: 4, items: []string{"hph-cpg/essential-7", "hipaa-sr/164.308(a)(7)(ii)(A)"}, lastYear: [2]int{4, 5},
		actions: []demoAction{{"Move backups to an immutable offsite copy, daily", "Sam Patel", -1, risk.Done, 2}, {"Unmap NAS shares from workstations", "Sam Patel", -1, risk.InProgress, 0}, {"Test a full restore and record the time", "Sam Patel", 2, risk.Planned, 0}}},
	{title: "Phished Microsoft 365 password exposes mailboxes", threat: "social-engineering", assets: []string{"Microsoft 365 email and SharePoint"},
		vulns: []string{"No MFA on Microsoft 365 for all staff"}, measures: "Spam filtering; annual awareness training.",
		l: 4, c: 4, i: 2, a: 2, lWhy: "Phishing reaches staff weekly; seven accounts lack MFA.", iWhy: "Mailboxes hold referral letters and results for about 3,000 patients.",
		owner: "Sam Patel", resp: risk.Mitigate, tl: 2, ti: 4, items: []string{"hph-cpg/essential-3", "hph-cpg/essential-2", "hipaa-sr/164.312(d)"}, lastYear: [2]int{4, 4},
		actions: []demoAction{{"Enforce MFA for every Microsoft 365 account", "Sam Patel", -2, risk.InProgress, 0}, {"Turn on DMARC reject for riverside.example", "Sam Patel", 1, risk.Planned, 0}}},
	{title: "Business email compromise redirects a vendor payment", threat: "business-email-compromise", assets: []string{"Microsoft 365 email and SharePoint", "Practice management and billing"},
		measures: "Owner approves payments over $1,000.", l: 3, c: 2, i: 3, a: 1, lWhy: "Common in small businesses; the owner approves by email.", iWhy: "Financial loss; limited ePHI.",
		owner: "Olivia Owens", resp: risk.Mitigate, tl: 2, ti: 3, lastYear: [2]int{3, 3},
		actions: []demoAction{{"Confirm bank-detail changes by phone to a known number", "Olivia Owens", -3, risk.Done, 4}}},
	{title: "Stolen clinic laptop with unencrypted disk", threat: "lost-stolen-device", assets: []string{"Clinic laptops"}, vulns: []string{"Laptop disks not all encrypted"},
		measures: "Laptops need a Windows password.", l: 3, c: 4, i: 1, a: 2, lWhy: "Laptops go home with clinicians; one was stolen from a car in 2023.", iWhy: "Cached charts and exports for hundreds of patients; a reportable breach.",
		owner: "Chris Lee", resp: risk.Mitigate, tl: 3, ti: 1, items: []string{"hph-cpg/essential-5", "hipaa-sr/164.312(a)(2)(iv)"}, lastYear: [2]int{3, 4},
		actions: []demoAction{{"Replace or encrypt the four older laptops", "Chris Lee", -1, risk.InProgress, 0}}},
	{title: "Staff snooping in the EHR", threat: "insider-snooping", assets: []string{"Cloud EHR"}, measures: "Role-based access; quarterly access report review.",
		l: 2, c: 3, i: 1, a: 1, lWhy: "Small community; no incident so far; reviews would show it.", iWhy: "A few records, reputational harm.",
		owner: "Olivia Owens", resp: risk.Accept, acceptedUntil: "+8", acceptedByPerson: "Olivia Owens, practice owner", lastYear: [2]int{2, 3}},
	{title: "Shared reception login hides who did what", threat: "insider-error", assets: []string{"Front-desk workstations"}, vulns: []string{"Shared front-desk logins"},
		measures: "The EHR itself requires individual logins.", l: 3, c: 2, i: 2, a: 1, lWhy: "Used every day at both sites.", iWhy: "Windows-level actions cannot be traced to a person.",
		owner: "Chris Lee", resp: risk.Mitigate, tl: 1, ti: 2, items: []string{"hph-cpg/essential-8", "hipaa-sr/164.312(a)(2)(i)"}, lastYear: [2]int{3, 2},
		actions: []demoAction{{"Give each receptionist a Windows account with fast user switching", "Chris Lee", 1, risk.Planned, 0}}},
	{title: "Exploited VPN appliance gives an attacker the network", threat: "exploited-vulnerability", assets: []string{"Network and firewall", "File server and backup NAS"},
		vulns: []string{"VPN appliance firmware behind"}, measures: "IT vendor patches quarterly.", l: 4, c: 4, i: 4, a: 4,
		lWhy: "The firmware flaw is on CISA's Known Exploited Vulnerabilities list.", iWhy: "Full network access; a path to ransomware.",
		owner: "Sam Patel", resp: risk.Mitigate, tl: 2, ti: 4, items: []string{"hph-cpg/essential-1"}, new: true,
		actions: []demoAction{{"Upgrade the firewall firmware", "Sam Patel", 0, risk.InProgress, 0}, {"Require MFA on the VPN", "Sam Patel", 1, risk.Planned, 0}}},
	{title: "Credential stuffing against the patient portal", threat: "credential-stuffing", assets: []string{"Patient portal"}, measures: "The EHR vendor rate-limits logins.",
		l: 2, c: 3, i: 2, a: 1, lWhy: "The vendor reports blocked attempts; accounts are patients'.", iWhy: "Individual patients' results exposed.",
		owner: "Sam Patel", resp: risk.Transfer, tl: 2, ti: 3, lastYear: [2]int{2, 3}},
	{title: "Vendor breach exposes billing data", threat: "vendor-compromise", assets: []string{"Practice management and billing"}, vulns: []string{"No contract security terms with two vendors"},
		measures: "BAA with the billing service.", l: 2, c: 5, i: 2, a: 3, lWhy: "Billing vendors are frequent targets in the sector.", iWhy: "Every patient's demographics and insurance data.",
		owner: "Olivia Owens", resp: risk.Mitigate, tl: 2, ti: 4, items: []string{"hph-cpg/essential-10", "hipaa-sr/164.308(b)(1)"}, lastYear: [2]int{2, 5},
		actions: []demoAction{{"Send the vendor security questionnaire to the billing service", "Olivia Owens", -4, risk.Done, 3}, {"Add security requirements at contract renewal", "Olivia Owens", 4, risk.Planned, 0}}},
	{title: "E-fax misdirected to the wrong number", threat: "insider-error", assets: []string{"E-fax service"}, measures: "Cover sheet; saved numbers for frequent recipients.",
		l: 3, c: 3, i: 1, a: 1, lWhy: "Happens a few times a year.", iWhy: "One patient's records per event.",
		owner: "Olivia Owens", resp: risk.Accept, acceptedUntil: "-1", acceptedByPerson: "Olivia Owens, practice owner", lastYear: [2]int{3, 3}},
	{title: "X-ray acquisition PC exploited on the clinic network", threat: "medical-device-exploit", assets: []string{"Digital X-ray unit"}, vulns: []string{"X-ray acquisition PC runs an unsupported OS"},
		measures: "Vendor remote support only on request.", l: 2, c: 3, i: 4, a: 4, lWhy: "Unsupported OS, but not reachable from the internet.", iWhy: "Imaging stops; altered images could mislead diagnosis.",
		owner: "Chris Lee", resp: risk.Mitigate, tl: 1, ti: 4, items: []string{"hph-cpg/enhanced-7"}, lastYear: [2]int{2, 4},
		actions: []demoAction{{"Put the X-ray unit on its own VLAN", "Sam Patel", -2, risk.Planned, 0}}},
	{title: "Internet outage stops access to the cloud EHR", threat: "power-network-outage", assets: []string{"Cloud EHR", "Network and firewall"}, vulns: []string{"Only one internet connection at the main site"},
		measures: "Paper downtime forms; phones work.", l: 3, c: 1, i: 1, a: 4, lWhy: "Two outages over half a day last year.", iWhy: "Visits slowed; e-prescribing stops.",
		owner: "Sam Patel", resp: risk.Mitigate, tl: 3, ti: 2, items: []string{"hipaa-sr/164.308(a)(7)(ii)(C)"}, lastYear: [2]int{3, 4},
		actions: []demoAction{{"Add a 5G failover link at the main site", "Sam Patel", 1, risk.Planned, 0}}},
	{title: "Flood in the main building damages the server closet", threat: "natural-disaster", assets: []string{"Main clinic building", "File server and backup NAS"},
		measures: "Closet is on the ground floor; offsite backup weekly.", l: 1, c: 1, i: 2, a: 5, lWhy: "The building is outside the 100-year flood zone.", iWhy: "Local records and equipment lost.",
		owner: "Olivia Owens", resp: risk.Accept, acceptedUntil: "+10", acceptedByPerson: "Olivia Owens, practice owner", lastYear: [2]int{1, 5}},
	{title: "Paper records room entered by unauthorised staff", threat: "physical-intrusion", assets: []string{"Main clinic building"}, vulns: []string{"Records room key shared among staff"},
		measures: "Room is in the staff-only area.", l: 2, c: 3, i: 1, a: 1, lWhy: "Staff-only area, but the key is at reception.", iWhy: "Old paper charts.",
		owner: "Olivia Owens", resp: risk.Mitigate, tl: 1, ti: 3, items: []string{"hipaa-sr/164.310(a)(1)"}, lastYear: [2]int{2, 3},
		actions: []demoAction{{"Fit a keypad lock and keep a log", "Olivia Owens", -1, risk.Done, 2}}},
	{title: "Old workstation drives discarded with ePHI", threat: "improper-disposal", assets: []string{"Front-desk workstations", "Clinic laptops"}, measures: "IT vendor collects old PCs.",
		l: 2, c: 3, i: 1, a: 1, lWhy: "Four PCs retired per year; no certificate of destruction kept.", iWhy: "Cached records on old disks.",
		owner: "Chris Lee", resp: risk.Mitigate, tl: 1, ti: 3, items: []string{"hipaa-sr/164.310(d)(2)(i)"}, status: risk.Closed, lastYear: [2]int{2, 3},
		actions: []demoAction{{"Require certificates of destruction from the IT vendor", "Chris Lee", -6, risk.Done, 6}}},
	{title: "SharePoint folder shared with anyone who has the link", threat: "cloud-misconfiguration", assets: []string{"Microsoft 365 email and SharePoint"}, measures: "None specific.",
		l: 3, c: 4, i: 1, a: 1, lWhy: "External sharing is on by default; staff share referral packets.", iWhy: "Whole folders of referral documents.",
		owner: "Sam Patel", resp: risk.Mitigate, tl: 1, ti: 4, items: []string{"hph-cpg/enhanced-10"}, new: true,
		actions: []demoAction{{"Restrict external sharing to named guests", "Sam Patel", 0, risk.Planned, 0}}},
	{title: "Telehealth vendor breach exposes visit recordings", threat: "vendor-compromise", assets: []string{"Telehealth video platform"}, vulns: []string{"No contract security terms with two vendors"},
		measures: "BAA signed; recordings are off by default.", l: 2, c: 3, i: 1, a: 2, lWhy: "New vendor, no security review yet.", iWhy: "Visit metadata; recordings only when enabled.",
		owner: "Olivia Owens", resp: risk.Mitigate, tl: 1, ti: 3, items: []string{"hph-cpg/essential-10"}, new: true,
		actions: []demoAction{{"Review the vendor's SOC 2 report", "Olivia Owens", 1, risk.Planned, 0}}},
	{title: "Phishing through a telehealth invitation link", threat: "social-engineering", assets: []string{"Telehealth video platform", "Microsoft 365 email and SharePoint"}, measures: "Awareness training covers links.",
		l: 2, c: 2, i: 1, a: 1, lWhy: "Patients receive invitation emails that attackers can imitate.", iWhy: "Patients' credentials, not the clinic's.",
		owner: "Sam Patel", resp: risk.Avoid, new: true},
	{title: "Former employee's account still active", threat: "insider-snooping", assets: []string{"Cloud EHR", "Microsoft 365 email and SharePoint"}, measures: "Termination checklist since June.",
		l: 3, c: 3, i: 2, a: 1, lWhy: "Two accounts of leavers were found enabled in the spring review.", iWhy: "Access to charts after leaving.",
		owner: "Chris Lee", resp: risk.Mitigate, tl: 1, ti: 3, items: []string{"hph-cpg/essential-6", "hipaa-sr/164.308(a)(3)(ii)(C)"}, new: true,
		actions: []demoAction{{"Review enabled accounts against the roster monthly", "Chris Lee", -1, risk.Planned, 0}}},
	{title: "Power loss at the satellite site", threat: "power-network-outage", assets: []string{"Front-desk workstations", "Network and firewall"}, measures: "Small UPS on the firewall.",
		l: 2, c: 1, i: 1, a: 2, lWhy: "Storms a few times a year.", iWhy: "An hour or two of downtime at the smaller site.",
		owner: "Sam Patel"},
}

// seedDemoRisk gives the demonstration organisation its risk analysis:
// last year's finalised analysis over a dozen assets and fifteen risks,
// and this year's draft, with a new system, five new risks, a plan with
// actions done, due and overdue, and vulnerabilities proposed from the
// Security Rule assessment.
func seedDemoRisk(ctx context.Context, s *store.Store, o *org.Organization, reg *catalog.Registry, hipaa *assessment.Assessment, now time.Time) error {
	svc, err := riskanalysis.NewService(reg)
	if err != nil {
		return err
	}
	at := func(t time.Time) *store.Scoped { return s.WithClock(func() time.Time { return t }).Scope(o) }
	year := now.AddDate(-1, 0, 0)
	// The inventory arrives as the clinic's spreadsheet would, through the
	// import the pages, the API and the command line use: last year's
	// assets, and this year's new system later.
	assets := map[string]*risk.Asset{}
	records := &dataimport.Records{Threats: svc.Threats}
	importAssets := func(isNew bool, file string, when time.Time) error {
		var buf bytes.Buffer
		w := csv.NewWriter(&buf)
		w.Write(risk.AssetColumns)
		yes := func(b bool) string {
			if b {
				return "yes"
			}
			return "no"
		}
		for _, d := range demoAssets {
			if d.new == isNew {
				w.Write([]string{d.name, string(d.typ), d.desc, yes(d.c), yes(d.r), yes(d.m), yes(d.t), strconv.FormatInt(d.records, 10),
					d.owner, d.location, d.vendor, string(d.crit), yes(d.internet), ""})
			}
		}
		w.Flush()
		p, err := records.Plan(ctx, at(when), dataimport.RecordAssets, file, buf.Bytes(), nil, when)
		if err != nil {
			return fmt.Errorf("demo inventory %s: %w", file, err)
		}
		if err := records.Apply(ctx, at(when), p); err != nil {
			return fmt.Errorf("demo inventory %s: %w", file, err)
		}
		all, err := s.Scope(o).Assets(ctx)
		if err != nil {
			return err
		}
		for _, a := range all {
			assets[a.Name] = a
		}
		return nil
	}
	if err := importAssets(false, "ephi-inventory.csv", year.AddDate(0, 0, -30)); err != nil {
		return err
	}
	for _, f := range []struct {
		from, to, what string
		enc            bool
	}{{"Front-desk workstations", "Cloud EHR", "Registration and check-in over HTTPS", true}, {"Cloud EHR", "Patient portal", "Results and messages", true},
		{"Cloud EHR", "Practice management and billing", "Charges and demographics (HL7 over TLS)", true}, {"File server and backup NAS", "Offsite backup storage", "Nightly encrypted backup", true},
		{"E-fax service", "Cloud EHR", "Incoming referrals, attached by staff", true}, {"Digital X-ray unit", "File server and backup NAS", "Images over SMB, unencrypted", false}} {
		if err := at(year.AddDate(0, 0, -30)).AddFlow(ctx, &risk.Flow{From: assets[f.from].ID, To: assets[f.to].ID, Description: f.what, Encrypted: f.enc}); err != nil {
			return err
		}
	}
	vulns := map[string]string{}
	var vs []*risk.Vulnerability
	for _, v := range demoVulns {
		vs = append(vs, &risk.Vulnerability{Title: v.title, Description: v.desc, Kind: risk.Weakness, Status: risk.Confirmed, ItemID: v.item})
	}
	vs[7].Kind, vs[8].Kind = risk.Predisposing, risk.Predisposing
	if err := at(year.AddDate(0, 0, -25)).AddVulnerabilities(ctx, vs); err != nil {
		return err
	}
	for _, v := range vs {
		vulns[v.Title] = v.ID
	}
	build := func(d demoRisk, l, imp int) *risk.Risk {
		r := &risk.Risk{Title: d.title, ThreatID: d.threat, CurrentMeasures: d.measures, Likelihood: l, ImpactC: min(d.c, imp), ImpactI: min(d.i, imp), ImpactA: min(d.a, imp),
			LikelihoodRationale: d.lWhy, ImpactRationale: d.iWhy, Owner: d.owner, Items: d.items, Status: risk.Open}
		if r.Impact() < imp {
			r.ImpactA = imp
		}
		for _, n := range d.assets {
			r.Assets = append(r.Assets, assets[n].ID)
		}
		for _, n := range d.vulns {
			r.Vulnerabilities = append(r.Vulnerabilities, vulns[n])
		}
		return r
	}
	// Last year: the risks then known, rated as they were, most not yet planned.
	risks := make([]*risk.Risk, len(demoRisks))
	for i, d := range demoRisks {
		if d.new {
			continue
		}
		l, imp := d.l, max(d.c, d.i, d.a)
		if d.lastYear != [2]int{} {
			l, imp = d.lastYear[0], d.lastYear[1]
		}
		r := build(d, l, imp)
		if err := at(year.AddDate(0, 0, -20)).CreateRisk(ctx, r); err != nil {
			return fmt.Errorf("demo risk %s: %w", d.title, err)
		}
		risks[i] = r
	}
	last := &risk.Analysis{Title: "Risk analysis " + year.Format("2006"), Scope: "All ePHI Riverside Family Clinic creates, receives, maintains or transmits at its two sites and in its cloud services, and the workforce, vendors and facilities that handle it."}
	if err := at(year.AddDate(0, 0, -21)).CreateAnalysis(ctx, last); err != nil {
		return err
	}
	if _, err := svc.Finalize(ctx, at(year), o.Name, last.ID, "Olivia Owens, practice owner", year); err != nil {
		return err
	}
	// This year: a new system, the risks re-rated and planned, and the new ones.
	if err := importAssets(true, "ephi-inventory-new-system.csv", now.AddDate(0, -7, 0)); err != nil {
		return err
	}
	for i, d := range demoRisks {
		r := build(d, d.l, max(d.c, d.i, d.a))
		r.ImpactC, r.ImpactI, r.ImpactA = d.c, d.i, d.a
		r.Response, r.TargetLikelihood, r.TargetImpact, r.Status = d.resp, d.tl, d.ti, d.status
		if r.Status == "" {
			r.Status = risk.Open
		}
		if d.resp == risk.Accept {
			r.AcceptedBy = d.acceptedByPerson
			var months int
			fmt.Sscanf(d.acceptedUntil, "%d", &months)
			r.AcceptedUntil = now.AddDate(0, months, 0).Format(risk.DateLayout)
		}
		when := at(now.AddDate(0, 0, -12))
		if risks[i] == nil {
			if err := when.CreateRisk(ctx, r); err != nil {
				return fmt.Errorf("demo risk %s: %w", d.title, err)
			}
		} else {
			r.ID = risks[i].ID
			if err := when.UpdateRisk(ctx, r); err != nil {
				return fmt.Errorf("demo risk %s: %w", d.title, err)
			}
		}
		for _, a := range d.actions {
			act := &risk.Action{RiskID: r.ID, Title: a.title, Owner: a.owner, Due: now.AddDate(0, a.due, 0).Format(risk.DateLayout), Status: a.status}
			if a.status == risk.Done {
				act.CompletedOn = now.AddDate(0, -a.doneAgo, 0).Format(risk.DateLayout)
			}
			if err := at(now.AddDate(0, -5, 0)).SaveAction(ctx, act); err != nil {
				return fmt.Errorf("demo action %s: %w", a.title, err)
			}
		}
	}
	// Shortfalls of the Security Rule assessment become proposed vulnerabilities.
	sc := s.Scope(o)
	answers, err := sc.Answers(ctx, hipaa.ID)
	if err != nil {
		return err
	}
	existing, err := sc.Vulnerabilities(ctx)
	if err != nil {
		return err
	}
	if err := at(now.AddDate(0, 0, -3)).AddVulnerabilities(ctx, riskanalysis.Proposals(reg, hipaa, answers, existing)); err != nil {
		return err
	}
	draft := &risk.Analysis{Title: "Risk analysis " + now.Format("2006"), Scope: last.Scope + " New this year: video visits on the telehealth platform."}
	return at(now.AddDate(0, 0, -14)).CreateAnalysis(ctx, draft)
}
