// Package check is the vocabulary of the automated checks, and holds no
// evaluation: the catalog of checks (each with the CPG and the Security
// Rule provisions it verifies and the basis of its thresholds), a
// result with the records behind its verdict, the settings an
// organisation may change, and the open finding and remediation row the
// store reads out. The checks themselves run in internal/checkrun; the
// remediation order is explained in internal/findings.
package check

import (
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
)

// Status is a check's verdict.
type Status string

// The verdicts.
const (
	Pass    Status = "pass"
	Fail    Status = "fail"
	Unknown Status = "unknown" // the data to decide is not there
)

// A Check is one automated verification.
type Check struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Goal     string   `json:"goal"`            // the CPG it verifies, or "" when it verifies Security Rule provisions only
	Items    []string `json:"items"`           // the Security Rule provisions it supports
	Verifies string   `json:"verifies"`        // what it looks for, in words
	Basis    string   `json:"basis,omitempty"` // where its thresholds come from
}

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
type Record struct {
	Kind   string `json:"kind"` // account, finding
	ID     string `json:"id"`
	Label  string `json:"label"` // the login, or CVE on host
	Reason string `json:"reason"`
	Weight int    `json:"weight"`
}

// Result is one check's outcome.
type Result struct {
	Check      Check                 `json:"check"`
	ID         string                `json:"id,omitempty"` // the stored result
	Status     Status                `json:"status"`
	GoalStatus assessment.GoalStatus `json:"goal_status"`
	Counts     map[string]int        `json:"counts"`
	Detail     string                `json:"detail"`
	Records    []Record              `json:"records"`
	// RecordCount is how many records the stored result has, when Records
	// holds one page of them (or none).
	RecordCount int       `json:"record_count"`
	At          time.Time `json:"at"`
}

// Input is the result as a dated input of the scorecard for goal (the
// check's CPG or one of its Security Rule items).
func (r *Result) Input(goal string) assessment.Input {
	return assessment.Input{Goal: goal, Source: "check:" + r.Check.ID, Label: "Check: " + r.Check.Title, Date: r.At,
		Status: r.GoalStatus, Detail: r.Detail, Ref: r.ID}
}

// Goals lists what the result is an input of: the check's CPG and its
// Security Rule items.
func (r *Result) Goals() []string {
	var out []string
	if r.Check.Goal != "" {
		out = append(out, r.Check.Goal)
	}
	return append(out, r.Check.Items...)
}

// Settings are the thresholds an organisation may set; zero values take
// the defaults.
type Settings struct {
	DormantDays     int `json:"dormant_days"`      // no sign-in for this long: dormant (90)
	UnusedDays      int `json:"unused_days"`       // never signed in this long after creation: unused (30)
	PasswordMaxDays int `json:"password_max_days"` // a password older than this is stale (365)
	KEVWindowDays   int `json:"kev_window_days"`   // days to remediate a KEV finding; 0: each entry's own window from the catalog
}

// WithDefaults fills the zero thresholds.
func (s Settings) WithDefaults() Settings {
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

// OpenFinding is a finding of the newest scan of its asset or host, with
// what the check weighs it by.
type OpenFinding struct {
	ID         string  `json:"finding"`
	CVE        string  `json:"cve,omitempty"`
	VulnID     string  `json:"vuln_id"`
	Host       string  `json:"host,omitempty"`
	Target     string  `json:"target,omitempty"`
	CVSS       float64 `json:"cvss"`
	AssetID    string  `json:"asset,omitempty"` // "" when no asset of the inventory matched
	AssetName  string  `json:"asset_name,omitempty"`
	Internet   bool    `json:"internet_facing"` // the asset is internet-facing
	EPHI       bool    `json:"ephi"`            // the asset creates, receives, maintains or transmits ePHI
	Records    int64   `json:"ephi_records"`    // ePHI records the asset holds
	FirstSeen  string  `json:"first_seen"`
	AsOf       string  `json:"as_of"`               // the day of the scan it is open in
	KEVAdded   string  `json:"kev_added,omitempty"` // "" when the CVE is not in the KEV catalog
	KEVDue     string  `json:"kev_due,omitempty"`
	Ransomware string  `json:"kev_ransomware,omitempty"`
}

// Where names where a finding is: its asset, or its host and target.
func (f *OpenFinding) Where() string {
	if f.AssetName != "" {
		return f.AssetName
	}
	return strings.Trim(f.Host+" "+f.Target, " ")
}
