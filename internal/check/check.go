// Package check is the catalog of the automated checks (each with the CPG
// and the Security Rule provisions it verifies and the basis of its
// thresholds) and the names the program uses for their rows, which the
// store defines and keeps: a result with the records behind its verdict,
// the settings an organisation may change (their defaults here), the open
// finding and the remediation and trend rows. The checks run in
// internal/checkrun; the remediation order is explained in
// internal/findings. The store is given the catalog when it is opened.
package check

import (
	"slices"

	"github.com/safeguard-health/safeguard/internal/store"
)

// Status is a check's verdict.
type Status = store.CheckStatus

// The verdicts.
const (
	Pass    = store.CheckPass
	Fail    = store.CheckFail
	Unknown = store.CheckUnknown // the data to decide is not there
)

// A Check is one automated verification.
type Check = store.CheckDef

// emailReading says whose reading the email checks' Security Rule
// provisions are.
const emailReading = " Which Security Rule provisions the check supports is Safeguard's reading."

// Catalog lists the checks, in the order they run and are shown.
var Catalog = []Check{
	{ID: "identity.mfa", Title: "Multifactor authentication", Goal: "hph-cpg/essential-3", Items: []string{"hipaa-sr/164.312(d)"},
		Verifies: "Enabled accounts without a registered second factor, weighted by what they reach: privileged (3), remote access (2), a mailbox (1).",
		Basis:    "Met when every enabled account with an MFA status has MFA; partly met when every privileged and remote-access account has it and at least 90% of the rest do. The 90% threshold is Safeguard's."},
	{ID: "identity.leavers", Title: "Credentials of departed workforce revoked", Goal: "hph-cpg/essential-6", Items: []string{"hipaa-sr/164.308(a)(3)(ii)(C)"},
		Verifies: "Enabled accounts of people whose end date on the roster has passed, and how many days after it they were still enabled when exported.",
		Basis:    "Met when no departed person's account is enabled; not met otherwise."},
	{ID: "identity.unique", Title: "Unique credentials", Goal: "hph-cpg/essential-8", Items: []string{"hipaa-sr/164.312(a)(2)(i)"},
		Verifies: "Enabled default vendor accounts (Administrator, admin, root, guest…), shared or generic accounts (a front desk, a nursing station), and accounts with no person of the roster behind them.",
		Basis:    "Not met when a default or shared account is enabled; partly met when only accounts with no person behind them remain (they may be unmatched rather than shared). The default and generic names are Safeguard's lists."},
	{ID: "identity.separate", Title: "Separate user and privileged accounts", Goal: "hph-cpg/essential-9", Items: []string{"hipaa-sr/164.308(a)(4)(ii)(B)"},
		Verifies: "Enabled privileged accounts (an administrative group or role) that also have a mailbox: the same account used for administration and for email and browsing.",
		Basis:    "Met when no privileged account has a mailbox; unknown when no export says which accounts are privileged."},
	{ID: "identity.dormant", Title: "Dormant and unused accounts", Items: []string{"hipaa-sr/164.308(a)(4)(ii)(C)"},
		Verifies: "Enabled accounts not signed in for the dormancy window, accounts never used since their grace period, and passwords older than the maximum age or set never to expire.",
		Basis:    "Defaults (Safeguard's, settable): dormant after 90 days, unused after 30 days, passwords older than 365 days. Met when none; partly met when at most 5% of enabled accounts."},
	{ID: "m365.mfa", Title: "MFA enforced in Microsoft 365", Goal: "hph-cpg/essential-3", Items: []string{"hipaa-sr/164.312(d)"},
		Verifies: "ScubaGear's assessment of the Microsoft 365 tenant's Entra ID against CISA's SCuBA baseline: MFA enforced for all users by conditional access (MS.AAD.3.2, or phishing-resistant MFA, MS.AAD.3.1), phishing-resistant MFA required for highly privileged roles (MS.AAD.3.6), and legacy authentication, which cannot do MFA, blocked (MS.AAD.1.1).",
		Basis:    "CISA's Secure Cloud Business Applications (SCuBA) baseline for Microsoft Entra ID, as ScubaGear assesses it; which controls bear on the goal is Safeguard's mapping. Not met when neither MS.AAD.3.1 nor MS.AAD.3.2 passes (MFA is not enforced for every user); partly met when one does but another of these controls fails; met when all pass; unknown without ScubaGear results for Entra ID."},
	{ID: "m365.email", Title: "Email authentication in Microsoft 365", Goal: "hph-cpg/essential-2", Items: []string{"hipaa-sr/164.308(a)(5)(ii)(B)"},
		Verifies: "ScubaGear's assessment of the tenant's Exchange Online against CISA's SCuBA baseline: SPF published failing non-approved senders (MS.EXO.2.2), DKIM enabled (MS.EXO.3.1), DMARC published (MS.EXO.4.1) with p=reject (MS.EXO.4.2), and automatic forwarding to external domains disabled (MS.EXO.1.1).",
		Basis:    "CISA's SCuBA baseline for Exchange Online, as ScubaGear assesses it; which controls bear on the goal is Safeguard's mapping (MS.EXO.4.3, CISA's own report address, concerns federal agencies and is left out). Not met when one of these SHALL controls fails; partly met when only a SHOULD control fails (DKIM); met when all pass; unknown without ScubaGear results for Exchange Online."},
	{ID: "m365.admins", Title: "Privileged accounts in Microsoft 365", Goal: "hph-cpg/essential-9", Items: []string{"hipaa-sr/164.308(a)(4)(ii)(B)"},
		Verifies: "ScubaGear's assessment of the tenant's privileged access against CISA's SCuBA baseline: privileged users given cloud-only accounts separate from the on-premises directory (MS.AAD.7.3), two to eight Global Administrators (MS.AAD.7.1), finer-grained roles instead of Global Administrator (MS.AAD.7.2), and no permanent active assignment of highly privileged roles (MS.AAD.7.4).",
		Basis:    "CISA's SCuBA baseline for Microsoft Entra ID, as ScubaGear assesses it; which controls bear on the goal is Safeguard's mapping. Not met when MS.AAD.7.3 (separate accounts for privileged users) fails; partly met when it passes but another of these controls fails; met when all pass; unknown without ScubaGear results for Entra ID."},
	{ID: "email.spf", Title: "SPF published and failing other senders", Goal: "hph-cpg/essential-2", Items: []string{"hipaa-sr/164.308(a)(5)(ii)(B)"},
		Verifies: "Each email domain of the profile has exactly one SPF record (RFC 7208 section 4.5) ending in -all, so that mail from hosts it does not list fails; the record and every DNS lookup behind the verdict are kept.",
		Basis:    "RFC 7208: -all passes; ~all warns (mail from other hosts only soft-fails); ?all, +all, no all and no record, or more than one, fail. Not met when a domain fails; partly met when one only warns; unknown when a domain could not be checked." + emailReading},
	{ID: "email.dkim", Title: "DKIM keys published and strong", Goal: "hph-cpg/essential-2", Items: []string{"hipaa-sr/164.308(a)(5)(ii)(B)"},
		Verifies: "Each email domain has a DKIM key at the selectors its profile names or the big providers' default selectors (a list kept as data with its sources), of a type and size receivers accept, not in test mode.",
		Basis:    "RFC 6376 and RFC 8301 section 3.2: RSA under 1024 bits fails, under 2048 warns; Ed25519 (RFC 8463) passes; test mode (t=y) warns; no key at any selector tried fails. Not met when a domain fails; partly met when one only warns." + emailReading},
	{ID: "email.dmarc", Title: "DMARC policy of reject", Goal: "hph-cpg/essential-2", Items: []string{"hipaa-sr/164.308(a)(5)(ii)(B)"},
		Verifies: "Each email domain's DMARC record (RFC 7489, and DMARCbis where it differs): the policy and subdomain policy, the share of mail it applies to, the alignment modes, and whether the aggregate report destinations accept the reports (RFC 7489 section 7.1).",
		Basis:    "p=reject on all mail passes; p=quarantine, pct under 100, t=y, sp=none, no rua= or an outside destination that does not accept the reports warns; p=none, no record or one that does not parse fails. Not met when a domain fails; partly met when one only warns." + emailReading},
	{ID: "email.transport", Title: "Mail delivered over verified TLS", Goal: "hph-cpg/essential-2", Items: []string{"hipaa-sr/164.312(e)(1)"},
		Verifies: "Each email domain's MX hosts, asked on port 25: STARTTLS offered (RFC 3207) with a certificate valid for the host and TLS 1.2 or later; its MTA-STS policy (RFC 8461) fetched over HTTPS, in enforce mode and covering every MX host; its TLS-RPT record (RFC 8460). Hosts that refuse or do not answer are named.",
		Basis:    "A host without STARTTLS, with a certificate that does not verify, or with TLS 1.0 or 1.1 (RFC 8996) fails, as does an MTA-STS policy that cannot be read, is in mode none, or misses an MX host; no MTA-STS policy, testing mode, a max_age under a day or no TLS-RPT record warns. Not met when a domain fails; partly met when one only warns; unknown when a host did not answer." + emailReading},
	{ID: "email.alignment", Title: "Mail sent as the domains passes DMARC", Goal: "hph-cpg/essential-2", Items: []string{"hipaa-sr/164.308(a)(5)(ii)(B)"},
		Verifies: "The DMARC aggregate reports of the last 30 days about each email domain of the profile (RFC 7489 section 7.2): the share of the messages sent as the domains that passed DMARC (aligned DKIM or SPF), and each source whose messages failed — what p=reject would refuse, and how much of it from sources that also send aligned mail (the organisation's own senders, not yet set up).",
		Basis:    "Met when at least 98% of the messages passed DMARC and no source that sends aligned mail had more than 5% of its messages fail; partly met when at least 90% passed; not met below that; unknown without aggregate reports of the last 30 days. The thresholds are Safeguard's." + emailReading},
	{ID: "crypto.tls", Title: "Services encrypt with current TLS", Goal: "hph-cpg/essential-5", Items: []string{"hipaa-sr/164.312(e)(1)", "hipaa-sr/164.312(e)(2)(ii)"},
		Verifies: "Each TLS endpoint of the organisation (host:port: the services its profile lists and the host names of its internet-facing assets, on 443), as Safeguard's probe and imported testssl.sh or sslyze reports found it: the protocol versions and cipher suites accepted, the certificate (chain, name, expiry, key, signature), OCSP stapling and, on HTTPS, HSTS, judged against Mozilla's Server Side TLS 6.0 profile (intermediate unless the profile says modern).",
		Basis:    "SSL 3.0, TLS 1.0 and 1.1 accepted fail (RFC 7568, RFC 8996), as do RC4, 3DES, NULL and export suites (RFC 7465, RFC 9325), an expired, untrusted or misnamed certificate (RFC 5280, RFC 9525), an RSA key under 2048 bits or a SHA-1 signature (NIST SP 800-131A Rev. 2) and HTTPS without HSTS (RFC 6797); suites outside the profile, a certificate expiring within 30 days, an HSTS max-age under two years and no OCSP staple warn. Each endpoint is judged by its worst newest result of each source. Not met when an endpoint fails; partly met when one only warns; unknown when an endpoint the profile lists was not reached or not checked yet. An asset's host name where nothing answers on 443 is not judged."},
	{ID: "crypto.flows", Title: "ePHI data flows encrypted", Goal: "hph-cpg/essential-5", Items: []string{"hipaa-sr/164.312(e)(2)(ii)", "hipaa-sr/164.312(e)(1)"},
		Verifies: "The data flows of the ePHI inventory (from one asset to another, as the risk analysis records them): those marked as not encrypted in transit.",
		Basis:    "Not met when a flow is marked unencrypted; met when every recorded flow is encrypted; unknown when the inventory records no flows. What a flow carries and how it is protected is the organisation's word, recorded in the inventory."},
	{ID: "crypto.devices", Title: "Devices' disks encrypted", Goal: "hph-cpg/essential-5", Items: []string{"hipaa-sr/164.312(a)(2)(iv)", "hipaa-sr/164.310(d)(1)"},
		Verifies: "Each device of the newest export of each device manager (Microsoft Intune, Jamf Pro, Safeguard's device CSV): whether its disk is encrypted (BitLocker, FileVault, LUKS), as the manager reports it.",
		Basis:    "Not met when a device's disk is not encrypted (partly encrypted, or still encrypting, is not encrypted); partly met when none is known unencrypted but some devices' encryption is not reported; met when every device is encrypted; unknown without a device export. HHS's guidance under the Breach Notification Rule (164.402) counts stored data encrypted consistent with NIST SP 800-111 as unusable to others: a lost or stolen device so encrypted is not a breach of unsecured PHI; one not encrypted may be."},
	{ID: "endpoint.edr", Title: "Endpoint detection and response present", Goal: "hph-cpg/enhanced-6", Items: []string{"hipaa-sr/164.308(a)(5)(ii)(B)"},
		Verifies: "Each device of the device exports that say whether endpoint detection and response runs on it (Safeguard's device CSV, its edr column: the product, yes or no): presence only, as far as an inventory can show it, not that alerts are watched and answered.",
		Basis:    "Not met when a device runs none; partly met when some devices' exports do not say (Intune's and Jamf Pro's device lists do not); met when every device reports one; unknown when no export says for any device. The thresholds are Safeguard's."},
	{ID: "config.os-support", Title: "Operating systems supported by their vendors", Goal: "hph-cpg/enhanced-10", Items: []string{"hipaa-sr/164.308(a)(1)(ii)(B)"},
		Verifies: "Each device's operating system and version (Windows by build and edition; macOS, iOS, iPadOS and Android by version), against a dated list of each release's end of vendor support shipped with Safeguard, with its source.",
		Basis:    "Not met when a device runs a release past its vendor's end of support (no more security updates, so its known vulnerabilities stay open); met when every release the list knows is supported; a release the list does not know, or a device whose version is not exported, is counted and not judged; unknown when none can be judged. Windows editions end apart: without the edition, the latest end of the build's Enterprise, Education and Home and Pro editions is taken."},
	{ID: "assets.inventory", Title: "The inventory matches what the data shows", Goal: "hph-cpg/enhanced-1", Items: []string{"hipaa-sr/164.308(a)(1)(ii)(A)"},
		Verifies: "The ePHI inventory against the organisation's data: the devices its device managers list, the hosts its scans reported and the TLS endpoints it has, that no asset names (by name or identifier); and the assets with identifiers that no scan or device export has seen in the last 90 days.",
		Basis:    "Not met when the data shows something the inventory lacks; partly met when only assets go unseen; met when both agree; unknown without device exports or scans to compare. The 90 days are Safeguard's."},
	{ID: "vendor.baa", Title: "Business associates under current agreements", Goal: "hph-cpg/essential-10", Items: []string{"hipaa-sr/164.308(b)(1)", "hipaa-sr/164.308(b)(3)", "hipaa-sr/164.314(a)(1)", "hipaa-sr/164.314(a)(2)(i)"},
		Verifies: "Each vendor of the vendor register determined to be a business associate: a business associate agreement (or the other arrangement 164.314(a)(2)(ii) allows) on file, signed, not ended, saying what 164.314(a)(2)(i) and 164.504(e)(2)(ii)(J) require, and reviewed by its date; and every vendor of the register determined.",
		Basis:    "Not met when a business associate has no agreement, or an unsigned, ended or incomplete one; partly met when an agreement's review is overdue or a vendor is not yet determined; met when every business associate's agreement is current; unknown when the register is empty. A subcontractor of a business associate needs none from the organisation (164.308(b)(1)); its business associate's does (164.308(b)(2))."},
	{ID: "vendor.requirements", Title: "Vendors bound to cybersecurity requirements", Goal: "hph-cpg/essential-10", Items: []string{"hipaa-sr/164.308(b)(1)", "hipaa-sr/164.314(a)(2)(i)"},
		Verifies: "Each vendor in tier 1 or 2 that the organisation contracts with (its business associates' subcontractors aside): whether its agreements in force, of any kind, state the cybersecurity requirements the goals ask of vendors: multifactor authentication, encryption of the organisation's data, incident notice within a stated time, and vulnerability disclosure; and what the vendor answered to its newest questionnaire (each answer of no is an exception recorded against the vendor) or whether a questionnaire sent to it went unanswered past its date.",
		Basis:    "Not met when a tier 1 vendor's agreements state none of the four; partly met when a vendor's state some, or a tier 2 vendor's none; met when each states all four and no vendor's questionnaire has an exception or is overdue (either makes a check otherwise met partly met); unknown when no vendor is in tier 1 or 2. The four are Safeguard's reading of essential goal 10 (HHS's own description of the goal could not be reached)."},
	{ID: "vendor.disclosure", Title: "Vendors disclose their vulnerabilities", Goal: "hph-cpg/enhanced-2", Items: []string{"hipaa-sr/164.308(b)(1)", "hipaa-sr/164.314(a)(2)(i)"},
		Verifies: "Each vendor in tier 1 or 2 that the organisation contracts with: whether its agreements in force require it to disclose known vulnerabilities in its products and services, and whether it answered no to a questionnaire question on vulnerability disclosure (one mapped to enhanced goal 2).",
		Basis:    "Not met when a tier 1 vendor's agreements do not; partly met when only tier 2 vendors' do not, or a vendor answered no to such a question; met when every one's does; unknown when no vendor is in tier 1 or 2. The tiers and thresholds are Safeguard's."},
	{ID: "vendor.incident-reporting", Title: "Vendors report incidents in a stated time", Goal: "hph-cpg/enhanced-3", Items: []string{"hipaa-sr/164.314(a)(2)(i)", "hipaa-sr/164.308(a)(6)(ii)"},
		Verifies: "Each vendor in tier 1 or 2 that the organisation contracts with: whether its agreements in force require it to report incidents (a business associate agreement's report of security incidents and breaches, 164.314(a)(2)(i)(C), or an incident notice term) and within how many hours, and whether it answered no to a questionnaire question on incident reporting (one mapped to enhanced goal 3).",
		Basis:    "Not met when a tier 1 vendor's agreements require no incident reporting; partly met when they require it without a stated time, or a tier 2 vendor's require none, or a vendor answered no to such a question; met when each states a time; unknown when no vendor is in tier 1 or 2. The tiers and thresholds are Safeguard's."},
	{ID: "incident.plan", Title: "An incident response plan, approved and reviewed", Goal: "hph-cpg/essential-7", Items: []string{"hipaa-sr/164.308(a)(6)", "hipaa-sr/164.308(a)(6)(ii)"},
		Verifies: "The organisation's incident response plan kept in Safeguard: a version approved (by whom and when), with its roles, contacts and playbooks, and reviewed within its cadence (12 months unless the plan says otherwise).",
		Basis:    "Not met when a version is recorded but none approved; partly met when the approved version's review date has passed; met otherwise; unknown when no plan is recorded in Safeguard (a plan kept elsewhere is answered in the CPG assessment). The yearly cadence is Safeguard's default, not the rule's: 164.308(a)(6) asks for policies and procedures to address security incidents, and 164.316(b)(2)(iii) for their review periodically."},
	{ID: "incident.exercise", Title: "The incident response plan exercised", Goal: "hph-cpg/enhanced-9", Items: []string{"hipaa-sr/164.308(a)(6)(ii)"},
		Verifies: "The tabletop exercises recorded in Safeguard: one held within the last 12 months, and each of its findings tracked by a plan action of the risk register that is done or not yet due.",
		Basis:    "Unknown when no exercise is recorded; not met when none was held in the last 12 months; partly met when the newest has a finding not turned into a plan action, or one whose action is past its due date; met otherwise. The yearly cadence and reading enhanced goal 9 as asking for exercises are Safeguard's (HHS's own description of the goal could not be reached)."},
	{ID: "contingency.backup", Title: "Critical systems backed up, with a copy out of reach", Goal: "hph-cpg/essential-7", Items: []string{"hipaa-sr/164.308(a)(7)(ii)(A)", "hipaa-sr/164.308(a)(7)(ii)(B)"},
		Verifies: "Each system of the ePHI inventory of high or critical criticality in the contingency plan: a backup plan saying what is backed up, where and how often (or why it needs none of its own), with an offline or immutable copy.",
		Basis:    "Not met when a critical system has no backup plan; partly met when one has no offline or immutable copy; met otherwise; unknown when no contingency plan is recorded, or the inventory has no ePHI system of high or critical criticality. Which systems count, the offline copy, and reading goal 7 as asking for it are Safeguard's."},
	{ID: "contingency.restore-test", Title: "Restores tested within their objectives", Goal: "hph-cpg/enhanced-9", Items: []string{"hipaa-sr/164.308(a)(7)(ii)(D)", "hipaa-sr/164.308(a)(7)(ii)(E)"},
		Verifies: "Each critical system's newest restore test: within the plan's cadence (12 months by default), successful, and within the system's recovery time objective from the criticality analysis.",
		Basis:    "Not met when a critical system's restore was never tested or its newest test failed; partly met when the newest is older than the cadence, took longer than the objective, or there is no objective; met otherwise; unknown when no contingency plan is recorded, or without critical systems. The proposed rule's 72 hours is shown as a reference only. The cadence is Safeguard's default."},
	{ID: "vuln.kev", Title: "Known exploited vulnerabilities mitigated", Goal: "hph-cpg/essential-1", Items: []string{"hipaa-sr/164.308(a)(1)(ii)(B)"},
		Verifies: "CVEs of the CISA Known Exploited Vulnerabilities catalog still open on internet-facing assets and assets holding ePHI, with their age against the remediation window.",
		Basis:    "Open means found by the newest scan that covered the asset or host (a scan that covered it and found nothing closes it). CISA's BOD 22-01 directs federal agencies to remediate each KEV entry by the due date the catalog gives it (two weeks after it is added, for most); by default Safeguard gives each finding the same window (the entry's due date less its date added), counted from when it was added or first found, whichever is later. An organisation may set its own window in days. Not met when one is open past its window; partly met when all are within it."},
}

// ByID finds a check of the catalog.
func ByID(id string) (Check, bool) {
	i := slices.IndexFunc(Catalog, func(c Check) bool { return c.ID == id })
	if i < 0 {
		return Check{}, false
	}
	return Catalog[i], true
}

// A Record is one record behind a verdict: an account or a finding, why
// it counts against the check, and how much (higher first).
type Record = store.CheckRecord

// Result is one check's outcome.
type Result = store.CheckResult

// DMARCSource is one source's messages for one domain over a period, as
// the DMARC aggregate reports counted them.
type DMARCSource = store.DMARCSource

// EmailProbe is one check of one email domain as a probe found it.
type EmailProbe = store.EmailProbe

// Device is one managed device of a device manager's export.
type Device = store.Device

// DeviceGroup counts the devices that share what the device checks
// judge.
type DeviceGroup = store.DeviceGroup

// DevicesToJudge names the devices the device checks read one by one.
type DevicesToJudge = store.DevicesToJudge

// TLSResult is one endpoint's TLS as a probe or an imported report found
// it.
type TLSResult = store.TLSResult

// Control is a configuration baseline's control as an import found it.
type Control = store.ConfigControl

// Settings are the thresholds an organisation may set; zero values take
// the defaults (WithDefaults).
type Settings = store.CheckSettings

// WithDefaults fills the zero thresholds of s.
func WithDefaults(s Settings) Settings {
	if s.DormantDays <= 0 {
		s.DormantDays = 90
	}
	if s.UnusedDays <= 0 {
		s.UnusedDays = 30
	}
	if s.PasswordMaxDays <= 0 {
		s.PasswordMaxDays = 365
	}
	return s
}

// OpenFinding is a finding open in the newest scan that covered its asset
// or host, with what the check weighs it by.
type OpenFinding = store.OpenFinding

// Priority is an open finding in the remediation order.
type Priority = store.Priority

// Cursor is where a page of the remediation order starts.
type Cursor = store.Cursor

// Trend compares each asset's or host's two newest scans.
type Trend = store.Trend

// TrendPlace is one asset's or host's change between its two newest scans.
type TrendPlace = store.TrendPlace

// CriticalityRank orders an asset's criticality; 0 is no asset.
func CriticalityRank(c string) int {
	switch c {
	case "critical":
		return 4
	case "high":
		return 3
	case "moderate":
		return 2
	case "low":
		return 1
	}
	return 0
}
