package cli

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
)

// demoKEV is an excerpt of the CISA KEV catalog: three real entries, as
// CISA publishes them (the demo never fetches from the internet; import
// the full catalog with safeguard kev import).
var demoKEV = []map[string]any{
	{"cveID": "CVE-2024-21762", "vendorProject": "Fortinet", "product": "FortiOS", "vulnerabilityName": "Fortinet FortiOS Out-of-Bound Write Vulnerability", "dateAdded": "2024-02-09", "dueDate": "2024-02-16", "knownRansomwareCampaignUse": "Known",
		"shortDescription": "Fortinet FortiOS contains an out-of-bound write vulnerability that allows a remote attacker to execute code or commands via specifically crafted HTTP requests.", "requiredAction": "Apply mitigations per vendor instructions or discontinue use of the product if mitigations are unavailable.", "notes": "", "cwes": []string{"CWE-787"}},
	{"cveID": "CVE-2022-42475", "vendorProject": "Fortinet", "product": "FortiOS", "vulnerabilityName": "Fortinet FortiOS Heap-Based Buffer Overflow Vulnerability", "dateAdded": "2022-12-13", "dueDate": "2023-01-03", "knownRansomwareCampaignUse": "Known",
		"shortDescription": "Fortinet FortiOS SSL-VPN contains a heap-based buffer overflow vulnerability which can allow an unauthenticated, remote attacker to execute arbitrary code or commands via specifically crafted requests.", "requiredAction": "Apply updates per vendor instructions.", "notes": "", "cwes": []string{"CWE-197"}},
	{"cveID": "CVE-2019-0708", "vendorProject": "Microsoft", "product": "Remote Desktop Services", "vulnerabilityName": "Microsoft Remote Desktop Services Remote Code Execution Vulnerability", "dateAdded": "2021-11-03", "dueDate": "2022-05-03", "knownRansomwareCampaignUse": "Known",
		"shortDescription": "Microsoft Remote Desktop Services, formerly known as Terminal Service, contains an unspecified vulnerability that allows an unauthenticated attacker to connect to the target system using RDP and send specially crafted requests.", "requiredAction": "Apply updates per vendor instructions.", "notes": "", "cwes": []string{}},
}

// demoIdentifiers are what the scanners call the demo's assets.
var demoIdentifiers = map[string][]string{
	"Network and firewall":       {"fw01.riverside.example", "203.0.113.10"},
	"File server and backup NAS": {"nas01.riverside.local", "10.20.0.15"},
	"Digital X-ray unit":         {"xray-acq01.riverside.local", "10.20.0.40"},
}

// demoNessus writes a Nessus v2 report of the clinic's network scan: one
// ReportHost per host, an item per (plugin, CVE).
func demoNessus(at time.Time, hosts []demoHost) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" ?>` + "\n" + `<NessusClientData_v2><Policy><policyName>Riverside monthly network scan (Safeguard demo)</policyName></Policy><Report name="Riverside network ` + at.Format(time.DateOnly) + `">` + "\n")
	for _, h := range hosts {
		fmt.Fprintf(&b, `<ReportHost name="%s"><HostProperties><tag name="host-ip">%s</tag><tag name="host-fqdn">%s</tag><tag name="HOST_END">%s</tag></HostProperties>`+"\n", h.ip, h.ip, h.fqdn, at.Format(time.RFC1123))
		for i, v := range h.vulns {
			fmt.Fprintf(&b, `<ReportItem port="%d" svc_name="%s" protocol="tcp" severity="%d" pluginID="9%05d" pluginName="%s" pluginFamily="Demo"><risk_factor>%s</risk_factor><synopsis>%s</synopsis><cvss3_base_score>%.1f</cvss3_base_score><cve>%s</cve></ReportItem>`+"\n",
				v.port, v.svc, v.severity, i+1, v.name, v.risk, v.name, v.cvss, v.cve)
		}
		b.WriteString("</ReportHost>\n")
	}
	b.WriteString("</Report></NessusClientData_v2>\n")
	return b.Bytes()
}

type demoVuln struct {
	cve, name, svc, risk string
	port, severity       int
	cvss                 float64
}

type demoHost struct {
	ip, fqdn string
	vulns    []demoVuln
}

var (
	fortiOS    = demoVuln{"CVE-2024-21762", "FortiOS SSL-VPN out-of-bounds write (FG-IR-24-015)", "www", "Critical", 443, 4, 9.8}
	bluekeep   = demoVuln{"CVE-2019-0708", "Remote Desktop Services remote code execution (BlueKeep)", "msrdp", "Critical", 3389, 4, 9.8}
	smbSigning = demoVuln{"CVE-2016-2115", "SMB signing not required", "cifs", "Medium", 445, 2, 5.3}
)

// demoCSV renders rows as CSV with CRLF line ends, as Windows tools write.
func demoCSV(header []string, rows [][]string) []byte {
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.UseCRLF = true
	w.Write(header)
	w.WriteAll(rows)
	return b.Bytes()
}

// seedDemoData gives the demo clinic what it imported from its systems:
// the KEV catalog (an excerpt), two monthly network scans, Microsoft Entra
// ID's users and registration details, and the EHR's user list; then runs
// the checks, so the scorecard shows goals verified from data. Each file
// is generated in its real format and imported through the same readers
// as a user's file.
func seedDemoData(ctx context.Context, s *store.Store, o *org.Organization, now time.Time) error {
	at := func(when time.Time) *store.Scoped { return s.WithClock(func() time.Time { return when }).Scope(o) }
	sc := s.Scope(o)
	assets, err := sc.Assets(ctx)
	if err != nil {
		return err
	}
	for _, a := range assets {
		if ids, ok := demoIdentifiers[a.Name]; ok {
			a.Identifiers = ids
			if err := sc.UpdateAsset(ctx, a); err != nil {
				return err
			}
		}
	}

	kev, _ := json.Marshal(map[string]any{"title": "CISA Catalog of Known Exploited Vulnerabilities (demo excerpt)", "catalogVersion": now.AddDate(0, 0, -3).Format("2006.01.02"),
		"dateReleased": now.AddDate(0, 0, -3).Format(time.RFC3339), "count": len(demoKEV), "vulnerabilities": demoKEV})
	if _, err := dataimport.File(ctx, dataimport.Request{Name: "known_exploited_vulnerabilities.json", Format: ingest.FormatKEV,
		Open:   func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(kev)), nil },
		Shared: s.WithClock(func() time.Time { return now.AddDate(0, 0, -3) })}); err != nil {
		return err
	}

	// Last month's scan found the FortiOS flaw on the firewall and BlueKeep
	// on the X-ray unit's acquisition PC; this month's finds the firewall
	// still unpatched (the X-ray PC was fixed) and a printer nobody
	// inventoried.
	fw := demoHost{"203.0.113.10", "fw01.riverside.example", []demoVuln{fortiOS}}
	scans := []struct {
		when  time.Time
		hosts []demoHost
	}{
		{now.AddDate(0, 0, -33), []demoHost{fw, {"10.20.0.40", "xray-acq01.riverside.local", []demoVuln{bluekeep, smbSigning}}, {"10.20.0.15", "nas01.riverside.local", []demoVuln{smbSigning}}}},
		{now.AddDate(0, 0, -3), []demoHost{fw, {"10.20.0.40", "xray-acq01.riverside.local", []demoVuln{smbSigning}}, {"10.20.0.15", "nas01.riverside.local", []demoVuln{smbSigning}}, {"10.20.0.77", "", []demoVuln{smbSigning}}}},
	}
	for _, scan := range scans {
		data := demoNessus(scan.when, scan.hosts)
		name := "riverside-network-" + scan.when.Format(time.DateOnly) + ".nessus"
		if err := demoImport(ctx, at(scan.when), name, ingest.FormatNessus, data); err != nil {
			return fmt.Errorf("demo scan: %w", err)
		}
	}

	// Entra ID: every workforce member's account, Sam's separate admin
	// account, the shared front-desk mailbox, and the leaver whose
	// account nobody disabled.
	today := now.AddDate(0, 0, -1)
	var users, reg [][]string
	noMFA := map[string]bool{"dmorales@riverside.example": true, "tscott@riverside.example": true, "frontdesk@riverside.example": true}
	add := func(upn, name, title, dept string, enabled, admin bool, mailbox bool) {
		mail := ""
		if mailbox {
			mail = upn
		}
		en := "True"
		if !enabled {
			en = "False"
		}
		users = append(users, []string{upn, name, mail, title, dept, en, "Member"})
		registered, methods := "True", "microsoftAuthenticatorPush"
		if noMFA[upn] {
			registered, methods = "False", ""
		}
		isAdmin := "False"
		if admin {
			isAdmin, methods = "True", "fido2"
		}
		reg = append(reg, []string{upn, name, isAdmin, registered, registered, methods})
	}
	for _, p := range demoPeople {
		enabled := p.id != "1061" // Megan Cole's was disabled on her last day; Brian Foster's was not
		add(p.email, p.name, p.position, p.dept, enabled, false, true)
	}
	add("adm-security@riverside.example", "Sam Patel (admin)", "", "Administration", true, true, false)
	add("frontdesk@riverside.example", "Front Desk", "", "Front office", true, false, true)
	entra := demoCSV([]string{"userPrincipalName", "displayName", "mail", "jobTitle", "department", "accountEnabled", "userType"}, users)
	mfa := demoCSV([]string{"userPrincipalName", "userDisplayName", "isAdmin", "isMfaCapable", "isMfaRegistered", "methodsRegistered"}, reg)

	// The EHR's user list, in Safeguard's account CSV: last sign-ins, and
	// the vendor's support account.
	var ehr [][]string
	for i, p := range demoPeople {
		if p.access == "none" || p.id == "1061" {
			continue
		}
		last := today.AddDate(0, 0, -(i % 5)).Format(time.DateOnly)
		if p.id == "1043" { // the remote coder on leave
			last = today.AddDate(0, 0, -120).Format(time.DateOnly)
		}
		priv := "no"
		if p.access == "administer" {
			priv = "yes"
		}
		ehr = append(ehr, []string{strings.ToUpper(strings.Split(p.email, "@")[0]), p.name, p.id, "yes", "user", last, "yes", priv, "no", "no"})
	}
	ehr = append(ehr, []string{"CEDARSUPPORT", "Cedar Health support", "", "yes", "vendor", today.AddDate(0, 0, -9).Format(time.DateOnly), "yes", "yes", "no", "yes"})
	ehrCSV := demoCSV([]string{"account", "name", "employee_id", "enabled", "kind", "last_login", "mfa", "privileged", "mailbox", "remote_access"}, ehr)

	// The clinic's devices in Intune: a laptop or desktop for most of the
	// staff on Windows 11 25H2, the Macs of the owner and the security
	// lead; two laptops whose BitLocker was never turned on (the remote
	// coders'), and the front desk's old PC still on Windows 10.
	intuneHeader := []string{"Device ID", "Device name", "Enrollment date", "Last check-in", "OS version", "Serial number", "Manufacturer", "Model",
		"Primary user UPN", "Primary user email address", "Primary user display name", "Compliance", "Managed by", "Ownership", "Encrypted", "OS", "SkuFamily", "JoinType"}
	var intune [][]string
	stamp := func(d time.Time) string { return d.Format("2006-01-02 15:04:05") + ".0000000" }
	for i, p := range demoPeople {
		if p.access == "none" || p.id == "1061" {
			continue
		}
		name, os, version, model, sku, encrypted, compliance := fmt.Sprintf("RFC-LT-%02d", i+1), "Windows", "10.0.26200.7171", "Latitude 5450", "Enterprise", "True", "Compliant"
		switch {
		case p.id == "1001" || p.id == "1002":
			name, os, version, model, sku = strings.Fields(p.name)[0]+"'s MacBook Pro", "macOS", "26.1", "MacBookPro18,1", ""
		case p.id == "1043" || p.id == "1044": // the remote coders' laptops
			encrypted, compliance = "False", "Noncompliant"
		case p.id == "1030":
			name, version, model = "RFC-FRONTDESK-01", "10.0.19045.6456", "OptiPlex 7070"
		}
		intune = append(intune, []string{fmt.Sprintf("5e1d%04s-3c2b-4a19-8f7e-0c%010s", p.id, p.id), name, stamp(today.AddDate(-1, 0, -i)), stamp(today.AddDate(0, 0, -(i % 3)).Add(-time.Duration(i) * time.Hour)),
			version, fmt.Sprintf("RFC%05s", p.id), "Dell Inc.", model, p.email, p.email, p.name, compliance, "Intune", "Corporate", encrypted, os, sku, "Azure AD joined"})
	}
	devicesCSV := demoCSV(intuneHeader, intune)

	for _, f := range []struct {
		name, format string
		data         []byte
	}{
		{"DevicesWithInventory_" + today.Format("2006-01-02") + ".csv", ingest.FormatIntune, devicesCSV},
		{"UserRegistrationDetails_" + today.Format("2006-01-02") + ".csv", ingest.FormatEntraMFA, mfa},
		{"exportUsers_" + today.Format("2006-01-02") + ".csv", ingest.FormatEntraUsers, entra},
		{"cedar-ehr-users-" + today.Format("2006-01-02") + ".csv", ingest.FormatAccounts, ehrCSV},
	} {
		if err := demoImport(ctx, at(today), f.name, f.format, f.data); err != nil {
			return fmt.Errorf("demo %s: %w", f.name, err)
		}
	}

	if err := seedDemoReports(ctx, at, now); err != nil {
		return err
	}
	if err := seedDemoEmail(ctx, sc, now); err != nil {
		return fmt.Errorf("demo email probe: %w", err)
	}
	if err := seedDemoTLS(ctx, sc, now); err != nil {
		return fmt.Errorf("demo TLS probe: %w", err)
	}
	return nil
}

// runDemoChecks runs the checks once every record of the demo is in.
func runDemoChecks(ctx context.Context, sc *store.Scoped, now time.Time) error {
	_, err := (&checkrun.Service{Now: func() time.Time { return now }}).Run(ctx, sc)
	return err
}

// demoImport imports an organisation's file of the demo's through the one
// import path, into sc (whose clock dates it).
func demoImport(ctx context.Context, sc *store.Scoped, name, format string, data []byte) error {
	_, err := dataimport.File(ctx, dataimport.Request{Name: name, Format: format,
		Open:  func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
		Scope: func() (*store.Scoped, error) { return sc, nil }})
	return err
}
