package ingest

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"

	"github.com/safeguard-health/safeguard/internal/catalog/oscalimport"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
)

// Kind is what a format's records are, and so where they land.
type Kind string

// The kinds of formats.
const (
	KindCatalog  Kind = "catalog"  // the KEV catalog, shared by every organisation
	KindScores   Kind = "scores"   // EPSS scores, shared by every organisation
	KindScanner  Kind = "scanner"  // findings of an organisation's assets
	KindAccounts Kind = "accounts" // an organisation's accounts of one system
	KindMFA      Kind = "mfa"      // MFA registration of an organisation's accounts
)

// Format is one format Safeguard reads, with everything about it: its
// id (what --format and the API take), its name for people, its kind, how
// it is recognised from a file's first bytes, and its reader. Adding a
// format is its reader and one entry of formats.
type Format struct {
	ID    string
	Label string
	Kind  Kind
	// Scan reads a scanner's file (KindScanner).
	Scan ScanReader
	// Devices reads a device export (KindDevices).
	Devices func(file string, r io.Reader, emit func(*Device) error) (*DevicesInfo, error)
	// Backups reads a backup job report (KindBackups).
	Backups func(file string, r io.Reader, emit func(*BackupRun) error) (*BackupsInfo, error)
	// TLS reads a TLS scanner's report (KindTLS), judging each endpoint
	// against the profile.
	TLS func(file string, r io.Reader, profile *tlscheck.Profile) (*TLSScan, error)
	// Framework reads an OSCAL catalog or profile (KindFramework).
	Framework func(file string, r io.Reader) (*oscalimport.Document, error)
	// System is the system an account export's accounts sign in to, when
	// the import does not name one.
	System string
	// Brings says what an import of the format brings, for people.
	Brings string
	// columns are an account export's (KindAccounts, KindMFA).
	columns []column
	// sniff recognises the format from the head of a file. Formats are
	// tried in their order below: within a family (JSON, XML, CSV) an
	// earlier one wins.
	sniff func(h *head) bool
}

// Shared says whether the format's records are the installation's, shared
// by every organisation (the KEV catalog, EPSS scores), rather than one
// organisation's.
func (f *Format) Shared() bool { return f.Kind == KindCatalog || f.Kind == KindScores }

// formats are every format Safeguard reads, in the order they are listed
// to people and tried by Detect.
var formats = []*Format{
	{ID: FormatKEV, Brings: "the known exploited vulnerabilities every organisation's order to fix and checks follow", Label: "CISA KEV catalog", Kind: KindCatalog,
		sniff: func(h *head) bool { return h.json() && h.has(`"catalogVersion"`) && h.has(`"vulnerabilities"`) }},
	{ID: FormatEPSS, Brings: "each CVE's probability of exploitation, for the order to fix", Label: "FIRST EPSS scores", Kind: KindScores,
		sniff: func(h *head) bool {
			return h.text() && (strings.HasPrefix(h.first, "#model_version") || strings.HasPrefix(strings.TrimSpace(h.first), "cve,epss,percentile"))
		}},
	{ID: FormatNessus, Brings: "a finding per CVE of each non-informational report item, on its host", Label: "Nessus", Kind: KindScanner, Scan: ReadNessus,
		sniff: func(h *head) bool { return h.xml() && h.has("<NessusClientData_v2") }},
	{ID: FormatOpenVAS, Brings: "a finding per CVE of each result above Log, on its host", Label: "Greenbone/OpenVAS", Kind: KindScanner, Scan: ReadOpenVAS,
		sniff: func(h *head) bool {
			return h.xml() && !h.has("<NessusClientData_v2") && !h.has("<ASSET_DATA_REPORT") && h.has("<report") && (h.has("<results") || h.has("<result "))
		}},
	{ID: FormatOpenVASCSV, Brings: "a finding per CVE of each result above Log, on its host (as the XML report of the same scan)", Label: "Greenbone/OpenVAS CSV", Kind: KindScanner, Scan: ReadOpenVASCSV,
		sniff: func(h *head) bool { return h.text() && openvasCSVHeader(h.trimmed) }},
	{ID: FormatQualys, Brings: "a finding per CVE of each confirmed or potential vulnerability not Fixed, on its host", Label: "Qualys XML", Kind: KindScanner, Scan: ReadQualys,
		sniff: func(h *head) bool { return h.xml() && !h.has("<NessusClientData_v2") && h.has("<ASSET_DATA_REPORT") }},
	{ID: FormatQualysScan, Brings: "a finding per CVE of each confirmed or potential vulnerability of each host, on its DNS name or address", Label: "Qualys scan report XML", Kind: KindScanner, Scan: ReadQualysScan,
		sniff: func(h *head) bool {
			return h.xml() && !h.has("<ASSET_DATA_REPORT") && h.has("<SCAN") && (h.has("scan-1.dtd") || h.has("<IP ") || h.has("<HEADER"))
		}},
	{ID: FormatNexpose, Brings: "a finding per CVE of each vulnerable test of each node and service, on the node", Label: "Rapid7 Nexpose / InsightVM XML", Kind: KindScanner, Scan: ReadNexpose,
		sniff: func(h *head) bool { return h.xml() && h.has("<NexposeReport") }},
	{ID: FormatNmap, Brings: "each host found up as scanned; a finding per CVE an NSE script (vulners, or one of NSE's vulns library) reports, on the host and port", Label: "Nmap XML", Kind: KindScanner, Scan: ReadNmap,
		sniff: func(h *head) bool { return h.xml() && h.has("<nmaprun") }},
	{ID: FormatQualysCSV, Brings: "a finding per CVE of each row not Information Gathered, Fixed, Disabled or Ignored", Label: "Qualys CSV", Kind: KindScanner, Scan: ReadQualysCSV,
		sniff: func(h *head) bool { return h.text() && qualysCSVHeader(h.trimmed) }},
	{ID: FormatTenableCSV, Brings: "a finding per CVE of each row above informational and not fixed, on its host (as a .nessus file of the same scan)", Label: "Nessus / Tenable CSV", Kind: KindScanner, Scan: ReadTenableCSV,
		sniff: func(h *head) bool { return h.text() && tenableCSVHeader(h.trimmed) }},
	{ID: FormatDefender, Brings: "a finding per CVE of each device's software, on the device", Label: "Microsoft Defender Vulnerability Management", Kind: KindScanner, Scan: ReadDefender,
		sniff: func(h *head) bool {
			return h.json() && h.has(`"@odata.context"`) && (h.has("AssetVulnerability") || h.has("SoftwareVulnerabilitiesByMachine")) ||
				(h.json() || h.array()) && h.has(`"cveId"`) && h.has(`"deviceName"`) && h.has(`"vulnerabilitySeverityLevel"`) ||
				h.text() && defenderCSVHeader(h.trimmed)
		}},
	{ID: FormatInspector, Brings: "a finding per active package vulnerability (once per package), network reachability and code vulnerability, on its EC2 instance, image or Lambda function", Label: "Amazon Inspector findings", Kind: KindScanner, Scan: ReadInspector,
		sniff: func(h *head) bool { return h.json() && h.has(`"findingArn"`) && h.has(`arn:aws:inspector2:`) }},
	{ID: FormatOSVScanner, Brings: "a finding per vulnerability (with its aliases) of each package of each source, on the source's path", Label: "OSV-Scanner", Kind: KindScanner, Scan: ReadOSVScanner,
		sniff: func(h *head) bool {
			return h.json() && h.has(`"results"`) && (h.has(`"experimental_config"`) || h.has(`"packages"`) && h.has(`"source"`))
		}},
	{ID: FormatDependencyTrack, Brings: "a finding per finding of the project not suppressed, resolved, false positive or not affected, on the project", Label: "Dependency-Track findings (FPF)", Kind: KindScanner, Scan: ReadDependencyTrack,
		sniff: func(h *head) bool {
			return h.json() && h.has(`"findings"`) && (h.has(`"Dependency-Track"`) || h.has(`"matrix"`) && h.has(`"component"`))
		}},
	{ID: FormatWazuh, Brings: "a finding per vulnerability of each package of each agent in Wazuh's vulnerability inventory, on the agent", Label: "Wazuh vulnerability inventory", Kind: KindScanner, Scan: ReadWazuh,
		sniff: func(h *head) bool {
			return (h.json() || h.array()) && !h.has(`"rule"`) && h.has(`"agent"`) && h.has(`"vulnerability"`) && h.has(`"package"`) &&
				(h.has("wazuh-states-vulnerabilities") || h.has(`"_source"`) || h.array())
		}},
	{ID: FormatTrivy, Brings: "a finding per vulnerability of each result, on the scanned image or path; of trivy k8s, on each Kubernetes resource", Label: "Trivy", Kind: KindScanner, Scan: ReadTrivy,
		sniff: func(h *head) bool {
			return h.json() && h.has(`"SchemaVersion"`) && (h.has(`"ArtifactName"`) || h.has(`"Results"`)) ||
				h.array() && h.has(`"Target"`) ||
				h.json() && h.has(`"ClusterName"`) && (h.has(`"Resources"`) || h.has(`"Findings"`) || h.has(`"Vulnerabilities"`)) // trivy k8s
		}},
	{ID: FormatGrype, Brings: "a finding per match, on the scanned image or path", Label: "Grype", Kind: KindScanner, Scan: ReadGrype,
		// Grype writes its matches first and its descriptor last: a large
		// report is recognised by the key it opens with.
		sniff: func(h *head) bool {
			return h.json() && (h.firstKey() == "matches" || h.has(`"matches"`) && h.has(`"descriptor"`))
		}},
	{ID: FormatSARIF, Brings: "a finding per result that fails, on its file and line", Label: "SARIF", Kind: KindScanner, Scan: ReadSARIF,
		sniff: func(h *head) bool { return h.json() && h.has(`"runs"`) && (h.has(`sarif`) || h.has(`"version"`)) }},
	{ID: FormatCycloneDXVEX, Brings: "statements that components are not affected by, or have fixed, a vulnerability (a BOM of vulnerabilities with their analysis and no components): applied as OpenVEX's are", Label: "CycloneDX VEX", Kind: KindVEX,
		sniff: func(h *head) bool {
			if !h.json() || !h.has(`"bomFormat"`) || !h.has(`CycloneDX`) || !h.has(`"analysis"`) {
				return false
			}
			top := h.topKeys()
			return top["vulnerabilities"] && !top["components"]
		}},
	{ID: FormatCycloneDX, Brings: "a finding per vulnerability and component it affects, unless resolved or not affected", Label: "CycloneDX", Kind: KindScanner, Scan: ReadCycloneDX,
		sniff: func(h *head) bool { return h.json() && h.has(`"bomFormat"`) && h.has(`CycloneDX`) }},
	{ID: FormatCycloneDXXML, Brings: "a finding per vulnerability and component it affects, unless resolved or not affected (as the JSON)", Label: "CycloneDX XML", Kind: KindScanner, Scan: ReadCycloneDXXML,
		sniff: func(h *head) bool { return h.xml() && h.has("<bom") && h.has("cyclonedx.org/schema/bom") }},
	{ID: FormatSPDX, Brings: "a finding per package advisory reference (SPDX 2.3 annex K.1.1)", Label: "SPDX", Kind: KindScanner, Scan: ReadSPDX,
		sniff: func(h *head) bool { return h.json() && h.has(`"spdxVersion"`) }},
	{ID: FormatSPDXTagValue, Brings: "a finding per package advisory reference (as the JSON)", Label: "SPDX tag-value", Kind: KindScanner, Scan: ReadSPDXTagValue,
		sniff: func(h *head) bool { return h.text() && strings.HasPrefix(strings.TrimSpace(h.first), "SPDXVersion:") }},
	{ID: FormatOpenVEX, Brings: "statements that software is not affected by, or has fixed, a vulnerability: the open findings they match are closed, and stay closed when scans report them again", Label: "OpenVEX", Kind: KindVEX,
		sniff: func(h *head) bool { return h.json() && h.has("openvex.dev/ns") && h.has(`"statements"`) }},
	{ID: FormatDMARC, Brings: "who sends mail as the organisation's domains: each source's messages with their DKIM, SPF and DMARC results, for the alignment check and what p=reject would refuse", Label: "DMARC aggregate report", Kind: KindEmailReport,
		sniff: func(h *head) bool {
			return h.xml() && h.has("<feedback") && (h.has("<report_metadata") || h.has("<policy_published"))
		}},
	{ID: FormatTLSRPT, Brings: "each receiving domain's TLS sessions from a sender, successful and failed, with why they failed", Label: "SMTP TLS report (RFC 8460)", Kind: KindEmailReport,
		sniff: func(h *head) bool {
			return h.json() && h.has(`"organization-name"`) && h.has(`"policies"`) && h.has(`"date-range"`)
		}},
	{ID: FormatTestSSL, Brings: "each endpoint's protocols (SSLv2 and SSLv3 included), cipher suites, certificate, OCSP stapling and HSTS, judged as Safeguard's own TLS checks are", Label: "testssl.sh JSON", Kind: KindTLS, TLS: ReadTestSSL,
		sniff: func(h *head) bool {
			return h.array() && h.has(`"id"`) && h.has(`"severity"`) && h.has(`"finding"`) && h.has(`"port"`) ||
				h.json() && h.has(`"scanResult"`) && (h.has(`"Invocation"`) || h.has(`"openssl"`) || h.has(`"testssl`))
		}},
	{ID: FormatSSLyze, Brings: "each server's protocols (SSLv2 and SSLv3 included), cipher suites, certificate, OCSP stapling and HSTS, judged as Safeguard's own TLS checks are", Label: "sslyze JSON", Kind: KindTLS, TLS: ReadSSLyze,
		sniff: func(h *head) bool { return h.json() && h.has(`"server_scan_results"`) }},
	{ID: FormatScubaGear, Brings: "each Microsoft 365 control's result against CISA's SCuBA baselines, for the checks of MFA, email authentication and privileged accounts", Label: "CISA ScubaGear results", Kind: KindConfig,
		sniff: func(h *head) bool {
			return (h.json() && (h.has(`"ScubaGear"`) || h.has(`"Control ID"`) && h.has(`"MS.`))) || h.text() && scubaCSVHeader(h.trimmed)
		}},
	{ID: FormatIntune, Brings: "each managed device's disk encryption (BitLocker), operating system and version, last check-in and primary user, for the device checks and the inventory", Label: "Microsoft Intune devices", Kind: KindDevices, Devices: deviceReader(FormatIntune),
		sniff: func(h *head) bool { return h.text() && intuneCSVHeader(h.trimmed) }},
	{ID: FormatJamf, Brings: "each Mac's FileVault 2 status, macOS version, last check-in and user, for the device checks and the inventory", Label: "Jamf Pro computers", Kind: KindDevices, Devices: deviceReader(FormatJamf),
		sniff: func(h *head) bool { return h.text() && jamfCSVHeader(h.trimmed) }},
	{ID: FormatDevices, Brings: "each device of any other manager: disk encryption, operating system, last seen, user and EDR, for the device checks and the inventory", Label: "Safeguard device CSV", Kind: KindDevices, Devices: deviceReader(FormatDevices),
		sniff: func(h *head) bool { return h.text() && devicesCSVHeader(h.trimmed) }},
	{ID: FormatVeeam, Brings: "each run of each backup job, when it ended and whether it succeeded, for the contingency plan's backups and the backup check", Label: "Veeam backup job sessions", Kind: KindBackups, Backups: backupReader(FormatVeeam),
		sniff: func(h *head) bool { return h.text() && veeamCSVHeader(h.trimmed) }},
	{ID: FormatBackups, Brings: "each run of any other backup software's jobs: when, for which system, whether it succeeded and whether the copy is offline, for the contingency plan's backups and the backup check", Label: "Safeguard backup job CSV", Kind: KindBackups, Backups: backupReader(FormatBackups),
		sniff: func(h *head) bool { return h.text() && backupsCSVHeader(h.trimmed) }},
	{ID: FormatOSCALCatalog, Brings: "a framework to assess against (NIST SP 800-53 Rev. 5, any other OSCAL catalog): a control to answer per control not withdrawn, its parameters shown as the catalog sets them", Label: "OSCAL catalog (JSON)", Kind: KindFramework, Framework: ReadOSCAL,
		sniff: func(h *head) bool { return h.json() && h.has(`"catalog"`) && h.has(`"oscal-version"`) }},
	{ID: FormatOSCALProfile, Brings: "a baseline to assess against (an SP 800-53 Rev. 5 baseline, any other OSCAL profile), resolved against the catalog it imports, which is imported first", Label: "OSCAL profile (JSON)", Kind: KindFramework, Framework: ReadOSCAL,
		sniff: func(h *head) bool {
			return h.json() && h.has(`"profile"`) && h.has(`"imports"`) && h.has(`"oscal-version"`)
		}},
	{ID: FormatEntraUsers, Brings: "the accounts of Entra ID, matched to the roster", System: "Microsoft Entra ID", Label: "Microsoft Entra ID users", Kind: KindAccounts, columns: accountColumns[FormatEntraUsers], sniff: accountSniff(FormatEntraUsers)},
	{ID: FormatEntraMFA, Brings: "MFA registration and admin roles of the Entra ID accounts", Label: "Microsoft Entra ID user registration details", Kind: KindMFA, columns: accountColumns[FormatEntraMFA], sniff: accountSniff(FormatEntraMFA)},
	{ID: FormatAD, Brings: "the accounts of Active Directory, with privileged and remote-access groups", System: "Active Directory", Label: "Active Directory (Get-ADUser | Export-Csv)", Kind: KindAccounts, columns: accountColumns[FormatAD], sniff: accountSniff(FormatAD)},
	{ID: FormatOkta, Brings: "the accounts of Okta, matched to the roster", System: "Okta", Label: "Okta users", Kind: KindAccounts, columns: accountColumns[FormatOkta], sniff: accountSniff(FormatOkta)},
	{ID: FormatGoogle, Brings: "the accounts of Google Workspace, with 2-step verification", System: "Google Workspace", Label: "Google Workspace users", Kind: KindAccounts, columns: accountColumns[FormatGoogle], sniff: accountSniff(FormatGoogle)},
	{ID: FormatAccounts, Brings: "the accounts of any other system (an EHR, a VPN), matched to the roster", System: "Account CSV", Label: "Safeguard account CSV", Kind: KindAccounts, columns: accountColumns[FormatAccounts], sniff: accountSniff(FormatAccounts)},
}

// byID finds a format by its id. Every scanner's reader is bounded.
var byID = func() map[string]*Format {
	m := map[string]*Format{}
	for _, f := range formats {
		if f.Scan != nil {
			f.Scan = bounded(f.Scan)
		}
		m[f.ID] = f
	}
	return m
}()

// Supported lists the ids of the formats Safeguard imports.
var Supported = func() []string {
	ids := make([]string, len(formats))
	for i, f := range formats {
		ids[i] = f.ID
	}
	return ids
}()

// Formats returns every format Safeguard reads, in the order they are
// listed to people.
func Formats() []*Format { return formats }

// FormatByID returns the format whose id is id.
func FormatByID(id string) (*Format, bool) {
	f, ok := byID[id]
	return f, ok
}

// FormatLabel names a format for people (its id when it is none
// Safeguard reads).
func FormatLabel(id string) string {
	if f, ok := byID[id]; ok {
		return f.Label
	}
	return id
}

// IsScanner reports whether a format is a scanner's.
func IsScanner(id string) bool { f, ok := byID[id]; return ok && f.Kind == KindScanner }

// ScanReaderFor is the reader of a scanner format and its name for
// people; false when the format is not a scanner's.
func ScanReaderFor(id string) (ScanReader, string, bool) {
	f, ok := byID[id]
	if !ok || f.Kind != KindScanner {
		return nil, "", false
	}
	return f.Scan, f.Label, true
}

// IsAccountExport reports whether a format is an account export, whose
// accounts ReadAccounts reads (not Entra ID's registration details).
func IsAccountExport(id string) bool { f, ok := byID[id]; return ok && f.Kind == KindAccounts }

// Detect names a file's format from its first bytes (64 KiB is plenty),
// or "" when it is none Safeguard knows.
func Detect(headBytes []byte) string {
	h := newHead(headBytes)
	if len(h.trimmed) == 0 {
		return ""
	}
	for _, f := range formats {
		if f.sniff != nil && f.sniff(h) {
			return f.ID
		}
	}
	return ""
}

// head is the beginning of a file, as the formats' sniffs look at it.
type head struct {
	raw     []byte // as read
	trimmed []byte // without a byte-order mark and leading space
	first   string // trimmed's first line
}

func newHead(b []byte) *head {
	h := &head{raw: b, trimmed: bytes.TrimLeft(bytes.TrimPrefix(b, []byte("\xef\xbb\xbf")), " \t\r\n")}
	h.first = string(h.trimmed)
	if i := strings.IndexByte(h.first, '\n'); i >= 0 {
		h.first = h.first[:i]
	}
	return h
}

func (h *head) has(s string) bool { return bytes.Contains(h.trimmed, []byte(s)) }

// firstKey is the first key of a JSON object, "" when the head is not one.
func (h *head) firstKey() string {
	if !h.json() {
		return ""
	}
	d := json.NewDecoder(bytes.NewReader(h.trimmed))
	if t, err := d.Token(); err != nil || t != json.Delim('{') {
		return ""
	}
	if t, err := d.Token(); err == nil {
		if k, ok := t.(string); ok {
			return k
		}
	}
	return ""
}

// topKeys are the keys of the head's top-level object, as far as the
// head reads (it may end mid-document).
func (h *head) topKeys() map[string]bool {
	keys := map[string]bool{}
	if !h.json() {
		return keys
	}
	d := json.NewDecoder(bytes.NewReader(h.trimmed))
	d.Token() // {
	for depth := 1; ; {
		t, err := d.Token()
		if err != nil {
			return keys
		}
		switch v := t.(type) {
		case json.Delim:
			if v == '{' || v == '[' {
				depth++
			} else {
				depth--
			}
		case string:
			if depth == 1 {
				keys[v] = true
				// its value follows: read it here so that a string value
				// is not taken for a key
				t, err := d.Token()
				if err != nil {
					return keys
				}
				if dl, ok := t.(json.Delim); ok && (dl == '{' || dl == '[') {
					depth++
				}
			}
		}
	}
}

func (h *head) json() bool  { return len(h.trimmed) > 0 && h.trimmed[0] == '{' }
func (h *head) array() bool { return len(h.trimmed) > 0 && h.trimmed[0] == '[' }
func (h *head) xml() bool   { return len(h.trimmed) > 0 && h.trimmed[0] == '<' }

// text says whether the file is neither JSON nor XML: a CSV, perhaps.
func (h *head) text() bool { return len(h.trimmed) > 0 && !h.json() && !h.array() && !h.xml() }

// accountSniff recognises an account export by its header.
func accountSniff(id string) func(h *head) bool {
	return func(h *head) bool { return h.text() && detectAccounts(h.raw) == id }
}
