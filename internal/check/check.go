// Package check verifies the HPH CPGs from real data instead of asking:
// the identity checks read the imported account exports (multifactor
// authentication, departed people's credentials, unique credentials,
// separate privileged accounts, dormant accounts) and the vulnerability
// check reads the scanner findings against the CISA KEV catalog. Each
// check cites the goal and the Security Rule provisions it verifies, gives
// a status (pass, fail, unknown) and the goal's status it supports, and
// lists the records behind its verdict; its result becomes a dated input
// of the scorecard.
package check

import (
	"cmp"
	"fmt"
	"slices"
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
		Basis:    "Open means found by the newest scan of the asset or host. CISA's BOD 22-01 directs federal agencies to remediate each KEV entry by the due date the catalog gives it (two weeks after it is added, for most); by default Safeguard gives each finding the same window (the entry's due date less its date added), counted from when it was added or first found, whichever is later. An organisation may set its own window in days. Not met when one is open past its window; partly met when all are within it."},
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

// sortRecords orders records heaviest first, then by label.
func sortRecords(rs []Record) {
	slices.SortFunc(rs, func(a, b Record) int {
		return cmp.Or(cmp.Compare(b.Weight, a.Weight), cmp.Compare(a.Label, b.Label), cmp.Compare(a.ID, b.ID))
	})
}

// verdict is a check's status from its goal status.
func verdict(g assessment.GoalStatus) Status {
	switch g {
	case assessment.Met:
		return Pass
	case assessment.Unknown:
		return Unknown
	}
	return Fail
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// daysBetween is the number of days from day a to day b (YYYY-MM-DD);
// 0 when either is not a date.
func daysBetween(a, b string) int {
	ta, err1 := time.Parse(time.DateOnly, a)
	tb, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}
