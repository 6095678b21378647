package store

import (
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
)

// The rows of the automated checks the store keeps and reads out: stored
// results with the records behind them, an organisation's settings, the
// open findings and the remediation and trend rows. Package check names
// them for the rest of the program and holds the catalog; the checks run
// in internal/checkrun. None of these holds a rule.

// CheckStatus is a check's verdict (check.Status).
type CheckStatus string

// The verdicts.
const (
	CheckPass    CheckStatus = "pass"
	CheckFail    CheckStatus = "fail"
	CheckUnknown CheckStatus = "unknown" // the data to decide is not there
)

// A CheckDef is one automated verification (check.Check).
type CheckDef struct {
	ID       string   `json:"id"`
	Title    string   `json:"title"`
	Goal     string   `json:"goal"`            // the CPG it verifies, or "" when it verifies Security Rule provisions only
	Items    []string `json:"items"`           // the Security Rule provisions it supports
	Verifies string   `json:"verifies"`        // what it looks for, in words
	Basis    string   `json:"basis,omitempty"` // where its thresholds come from
}

// A CheckRecord (check.Record) is one record behind a verdict: an account or a finding, why
// it counts against the check, and how much (higher first).
type CheckRecord struct {
	Kind   string `json:"kind"` // account, finding
	ID     string `json:"id"`
	Label  string `json:"label"` // the login, or CVE on host
	Reason string `json:"reason"`
	Weight int    `json:"weight"`
}

// CheckResult is one check's outcome (check.Result).
type CheckResult struct {
	Check      CheckDef              `json:"check"`
	ID         string                `json:"id,omitempty"` // the stored result
	Status     CheckStatus           `json:"status"`
	GoalStatus assessment.GoalStatus `json:"goal_status"`
	Counts     map[string]int        `json:"counts"`
	Detail     string                `json:"detail"`
	Records    []CheckRecord         `json:"records"`
	// RecordCount is how many records the stored result has, when Records
	// holds one page of them (or none).
	RecordCount int       `json:"record_count"`
	At          time.Time `json:"at"`
}

// Input is the result as a dated input of the scorecard for goal (the
// check's CPG or one of its Security Rule items).
func (r *CheckResult) Input(goal string) assessment.Input {
	return assessment.Input{Goal: goal, Source: "check:" + r.Check.ID, Label: "Check: " + r.Check.Title, Date: r.At,
		Status: r.GoalStatus, Detail: r.Detail, Ref: r.ID}
}

// Goals lists what the result is an input of: the check's CPG and its
// Security Rule items.
func (r *CheckResult) Goals() []string {
	var out []string
	if r.Check.Goal != "" {
		out = append(out, r.Check.Goal)
	}
	return append(out, r.Check.Items...)
}

// CheckSettings (check.Settings) are the thresholds an organisation may set; zero values take
// the defaults.
type CheckSettings struct {
	DormantDays     int `json:"dormant_days"`      // no sign-in for this long: dormant (90)
	UnusedDays      int `json:"unused_days"`       // never signed in this long after creation: unused (30)
	PasswordMaxDays int `json:"password_max_days"` // a password older than this is stale (365)
	KEVWindowDays   int `json:"kev_window_days"`   // days to remediate a KEV finding; 0: each entry's own window from the catalog
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

// Priority is an open finding in the remediation order: KEV-listed first,
// then by EPSS probability, CVSS score, the asset's criticality and the
// ePHI records it holds. Why says what placed it, and which of those
// keys put it ahead of the next.
type Priority struct {
	OpenFinding
	Rank        int     `json:"rank"`
	Title       string  `json:"title,omitempty"`
	Severity    string  `json:"severity"`
	Package     string  `json:"package,omitempty"` // the package, or a network scanner's port
	Installed   string  `json:"installed,omitempty"`
	Criticality string  `json:"criticality,omitempty"` // "" when no asset matched
	EPSS        float64 `json:"epss"`                  // -1 when the CVE has no score
	Percentile  float64 `json:"percentile"`            // -1 likewise
	Why         string  `json:"why"`
}

// Place names where the finding is: the package (with its version) in
// the image or project, or the host and port.
func (p *Priority) Place() string {
	where := p.Where()
	switch {
	case p.Package == "":
		return where
	case p.Host != "": // a network scanner's port
		return where + " " + p.Package
	}
	return strings.Trim(p.Package+" "+p.Installed, " ") + " in " + where
}

// Trend compares the newest scan of each asset (or unmatched host) with
// the scan before it: what is new, what was fixed, what is still open.
type Trend struct {
	Places []*TrendPlace `json:"places"`
	Count  int           `json:"places_count"` // places in the trend, of which Places is a page
	New    int           `json:"new"`
	Fixed  int           `json:"fixed"`
	Still  int           `json:"still_open"`
	Next   string        `json:"next,omitempty"` // the cursor of the page after; "" on the last
}

// TrendPlace is one asset's or host's change between a scanner's two
// newest scans of it.
type TrendPlace struct {
	AssetID  string `json:"asset,omitempty"`
	Place    string `json:"place"`
	Scanner  string `json:"scanner"` // the scanner whose scans are compared (nessus, qualys, trivy, …)`
	Newest   string `json:"newest_scan"`
	Previous string `json:"previous_scan,omitempty"` // "" when it was scanned once
	New      int    `json:"new"`
	Fixed    int    `json:"fixed"`
	Still    int    `json:"still_open"`
}
