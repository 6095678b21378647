// Package contingency is the contingency plan of 45 CFR 164.308(a)(7):
// the criticality analysis of the inventory's systems (how long each may
// be down and how much data it may lose: its recovery time and point
// objectives), each system's backup plan (what, where, how often, and
// whether a copy is offline or immutable), the disaster recovery and
// emergency mode procedures, and the restore tests recorded with the time
// they took against the objective.
package contingency

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// ProposedRTOHours is the restore time the December 2024 notice of
// proposed rulemaking to amend the Security Rule would require for
// critical systems (90 FR 898, January 6, 2025; proposed 164.308(a)(13)):
// shown beside each objective as a reference, marked proposed — it is not
// the rule in force.
const ProposedRTOHours = 72

// ProposedNote says what ProposedRTOHours is, wherever it is shown.
const ProposedNote = "Proposed, not in force: the notice of proposed rulemaking of 6 January 2025 (90 FR 898) would require restoring critical systems and data within 72 hours."

// ReportDays is how old the newest run of a system's backup jobs may be
// before its reports are too old to tell how its backups stand.
const ReportDays = 7

// DefaultTestMonths is how often each system's restore is tested unless
// the plan says otherwise: yearly, Safeguard's default.
const DefaultTestMonths = 12

// A Plan is the organisation's contingency plan: its procedures, its
// cadence for restore tests, and each system's objectives and backups by
// inventory asset id.
type Plan struct {
	DisasterRecovery string             `json:"disaster_recovery"` // 164.308(a)(7)(ii)(B)
	EmergencyMode    string             `json:"emergency_mode"`    // 164.308(a)(7)(ii)(C)
	TestMonths       int                `json:"test_months"`       // DefaultTestMonths when 0
	Systems          map[string]*System `json:"systems"`
	UpdatedAt        time.Time          `json:"updated_at"`
}

// A System is one inventory asset's place in the plan.
type System struct {
	AssetID  string  `json:"asset_id"`
	RTOHours float64 `json:"rto_hours"` // how long it may be down
	RPOHours float64 `json:"rpo_hours"` // how much data, in hours, it may lose
	Backup   Backup  `json:"backup"`
	Notes    string  `json:"notes,omitempty"`
}

// A Backup is what is backed up of a system, where, how often, and
// whether a copy is out of reach of what could encrypt or delete the
// system's own (164.308(a)(7)(ii)(A)).
type Backup struct {
	What      string `json:"what"`
	Where     string `json:"where"`
	Frequency string `json:"frequency"`
	Offline   bool   `json:"offline_or_immutable"`
	None      string `json:"none,omitempty"` // why the system needs no backup of its own (a vendor's hosted service…)
	// Jobs are the backup jobs that copy the system, by their name or id
	// in the backup software's reports; a job is also the system's when
	// its report names the system, or the job is named as the system is.
	Jobs []string `json:"jobs,omitempty"`
}

// A Job is one backup job as its imported reports show it: its newest
// run, its newest successful one, how many runs failed since, and its
// newest successful copy offline or immutable (where the report says).
type Job struct {
	Job         string    `json:"job"`
	JobID       string    `json:"job_id,omitempty"`
	System      string    `json:"system,omitempty"` // the system the report names
	Source      string    `json:"source"`           // the report's format
	Runs        int       `json:"runs"`
	LastRun     time.Time `json:"last_run"`
	LastResult  string    `json:"last_result"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	Failures    int       `json:"failures"` // failed runs since the newest success
	LastOffline time.Time `json:"last_offline,omitzero"`
}

// Covers reports whether the job copies the asset of the plan's entry
// sys (nil when the plan does not cover it).
func (j *Job) Covers(a *risk.Asset, sys *System) bool {
	if strings.EqualFold(j.System, a.Name) || strings.EqualFold(j.Job, a.Name) {
		return true
	}
	if sys != nil {
		for _, name := range sys.Backup.Jobs {
			if strings.EqualFold(name, j.Job) || j.JobID != "" && strings.EqualFold(name, j.JobID) {
				return true
			}
		}
	}
	return false
}

// Planned reports whether the backup is planned: what, where and how
// often, or why none is needed.
func (b Backup) Planned() bool {
	return strings.TrimSpace(b.None) != "" || (b.What != "" && b.Where != "" && b.Frequency != "")
}

// Validate checks a system's entry, naming the field.
func (s *System) Validate() error {
	s.Backup.What, s.Backup.Where, s.Backup.Frequency = strings.TrimSpace(s.Backup.What), strings.TrimSpace(s.Backup.Where), strings.TrimSpace(s.Backup.Frequency)
	s.Backup.None, s.Notes = strings.TrimSpace(s.Backup.None), strings.TrimSpace(s.Notes)
	var jobs []string
	for _, j := range s.Backup.Jobs {
		if j = strings.TrimSpace(j); j != "" && !slices.ContainsFunc(jobs, func(k string) bool { return strings.EqualFold(k, j) }) {
			jobs = append(jobs, j)
		}
	}
	s.Backup.Jobs = jobs
	switch {
	case s.AssetID == "":
		return errs.New(errs.Invalid, "asset: the inventory's system")
	case s.RTOHours < 0 || s.RTOHours > 24*365:
		return errs.New(errs.Invalid, "rto_hours: hours the system may be down, 0 to 8760 (0: not set)")
	case s.RPOHours < 0 || s.RPOHours > 24*365:
		return errs.New(errs.Invalid, "rpo_hours: hours of data the system may lose, 0 to 8760 (0: not set)")
	case len(s.Backup.Jobs) > 50 || len(strings.Join(s.Backup.Jobs, "")) > 5000:
		return errs.New(errs.Invalid, "backup.jobs: at most 50 jobs")
	case len(s.Backup.What+s.Backup.Where+s.Backup.Frequency+s.Backup.None+s.Notes) > 20000 || !utf8.ValidString(s.Backup.What+s.Backup.Where+s.Backup.Frequency+s.Backup.None+s.Notes):
		return errs.New(errs.Invalid, "backup: at most 20,000 characters of text")
	}
	return nil
}

// A Test is one restore of a system from its backup: when, from what
// point, how long it took, whether it worked.
type Test struct {
	ID        string    `json:"id"`
	AssetID   string    `json:"asset_id"`
	TestedOn  string    `json:"tested_on"` // YYYY-MM-DD
	Hours     float64   `json:"hours"`     // how long the restore took
	LostHours float64   `json:"lost_hours,omitempty"`
	Succeeded bool      `json:"succeeded"`
	By        string    `json:"by"`
	Notes     string    `json:"notes,omitempty"`
	CreatedAt time.Time `json:"created_at"`
}

// Validate checks a test on today, naming the field.
func (t *Test) Validate(today string) error {
	t.By, t.Notes = strings.TrimSpace(t.By), strings.TrimSpace(t.Notes)
	if _, err := time.Parse(time.DateOnly, t.TestedOn); err != nil {
		return errs.New(errs.Invalid, "tested_on: the day of the test (YYYY-MM-DD)")
	}
	switch {
	case t.TestedOn > today:
		return errs.New(errs.Invalid, "tested_on: in the future")
	case t.Hours <= 0 || t.Hours > 24*365:
		return errs.New(errs.Invalid, "hours: how long the restore took, in hours")
	case t.LostHours < 0:
		return errs.New(errs.Invalid, "lost_hours: not negative")
	case t.By == "" || len(t.By) > 200:
		return errs.New(errs.Invalid, "by: who ran the test")
	case len(t.Notes) > 10000:
		return errs.New(errs.Invalid, "notes: at most 10,000 characters")
	}
	return nil
}

// Critical reports whether an asset is one the checks hold to the plan:
// it holds ePHI and its criticality is high or critical.
func Critical(a *risk.Asset) bool {
	return a.HoldsEPHI() && (a.Criticality == risk.CriticalityHigh || a.Criticality == risk.CriticalityCritical)
}

// A Line is one system as the plan's page shows it: the asset, its entry
// (nil when the plan does not cover it yet), its newest test, and where
// its backup and its restore test stand.
type Line struct {
	Asset    *risk.Asset `json:"asset"`
	System   *System     `json:"system,omitempty"`
	Newest   *Test       `json:"newest_test,omitempty"`
	Critical bool        `json:"critical"`
	Backup   string      `json:"backup"` // planned, reports-stale, failing, over-objective, no-offline-copy, missing
	// BackupWhy says why the backup stands where it does ("" when planned).
	BackupWhy string `json:"backup_why,omitempty"`
	// Jobs are the backup jobs of imported reports that copy the system;
	// LastSuccess is their newest successful run (zero when none).
	Jobs        []*Job    `json:"jobs,omitempty"`
	LastSuccess time.Time `json:"last_success,omitzero"`
	Restore     string    `json:"restore"` // within-objective, over-objective, failed, stale, untested, no-objective
	Why         string    `json:"why"`
	// OverProposed is set when the newest restore took longer than the
	// proposed rule's 72 hours (a reference, not the rule in force).
	OverProposed bool `json:"over_proposed,omitempty"`
}

// Lines are the plan's lines for the inventory's assets that hold ePHI,
// judged on today against the backup jobs of imported reports: the
// critical ones first. A system whose jobs' newest success is older, at
// their newest run, than its recovery point objective is over its
// objective; one whose newest runs failed since is failing; one whose
// jobs' newest run is more than ReportDays old has reports too old to
// tell.
func Lines(p *Plan, assets []*risk.Asset, tests []*Test, jobs []*Job, today string) []*Line {
	months := p.TestMonths
	if months == 0 {
		months = DefaultTestMonths
	}
	t, _ := time.Parse(time.DateOnly, today)
	since := t.AddDate(0, -months, 0).Format(time.DateOnly)
	newest := map[string]*Test{}
	for _, x := range tests {
		if cur := newest[x.AssetID]; cur == nil || x.TestedOn > cur.TestedOn {
			newest[x.AssetID] = x
		}
	}
	var critical, rest []*Line
	for _, a := range assets {
		if !a.HoldsEPHI() {
			continue
		}
		l := &Line{Asset: a, System: p.Systems[a.ID], Newest: newest[a.ID], Critical: Critical(a)}
		var failing []string
		var horizon time.Time // the newest run of the system's jobs
		for _, j := range jobs {
			if j.Covers(a, l.System) {
				l.Jobs = append(l.Jobs, j)
				if j.LastSuccess.After(l.LastSuccess) {
					l.LastSuccess = j.LastSuccess
				}
				if j.LastRun.After(horizon) {
					horizon = j.LastRun
				}
				if j.Failures > 0 {
					failing = append(failing, fmt.Sprintf("%s failed %s since %s", j.Job, times(j.Failures), lastSuccess(j.LastSuccess)))
				}
			}
		}
		var whys []string
		switch {
		case l.System == nil || !l.System.Backup.Planned():
			l.Backup = "missing"
			whys = append(whys, "no backup plan: what, where and how often")
		case len(l.Jobs) > 0 && l.System.RPOHours > 0 && horizon.Sub(l.LastSuccess).Hours() > l.System.RPOHours:
			l.Backup = "over-objective"
			why := fmt.Sprintf("no successful backup in the %s before its jobs' newest run (%s), over its recovery point objective of %s",
				hours(float64(int64(horizon.Sub(l.LastSuccess).Hours()))), horizon.Format("2006-01-02 15:04"), hours(l.System.RPOHours))
			if l.LastSuccess.IsZero() {
				why = fmt.Sprintf("no successful backup in the reports, which run to %s", horizon.Format("2006-01-02 15:04"))
			}
			if len(failing) > 0 {
				why += ": " + strings.Join(failing, "; ")
			}
			whys = append(whys, why)
		case len(failing) > 0:
			l.Backup = "failing"
			whys = append(whys, strings.Join(failing, "; "))
		case len(l.Jobs) > 0 && horizon.Before(t.AddDate(0, 0, -ReportDays)):
			l.Backup = "reports-stale"
			whys = append(whys, fmt.Sprintf("its jobs' newest run in the imported reports is of %s, more than %d days ago: import a newer report", horizon.Format(time.DateOnly), ReportDays))
		case l.System.Backup.None == "" && !l.System.Backup.Offline:
			l.Backup = "no-offline-copy"
			whys = append(whys, "no offline or immutable copy of its backups")
		default:
			l.Backup = "planned"
		}
		if len(whys) > 0 {
			l.BackupWhy = whys[0]
		}
		switch {
		case l.System != nil && l.System.Backup.None != "":
			l.Restore = "not-needed"
		case l.Newest == nil:
			l.Restore = "untested"
			whys = append(whys, "its restore has never been tested")
		case !l.Newest.Succeeded:
			l.Restore = "failed"
			whys = append(whys, fmt.Sprintf("its restore test on %s failed", l.Newest.TestedOn))
		case l.Newest.TestedOn < since:
			l.Restore = "stale"
			whys = append(whys, fmt.Sprintf("its restore was last tested on %s, more than %d months ago", l.Newest.TestedOn, months))
		case l.System == nil || l.System.RTOHours == 0:
			l.Restore = "no-objective"
			whys = append(whys, "no recovery time objective to test against")
		case l.Newest.Hours > l.System.RTOHours:
			l.Restore = "over-objective"
			whys = append(whys, fmt.Sprintf("its restore on %s took %s, over its objective of %s", l.Newest.TestedOn, hours(l.Newest.Hours), hours(l.System.RTOHours)))
		default:
			l.Restore = "within-objective"
		}
		if l.Newest != nil && l.Newest.Hours > ProposedRTOHours {
			l.OverProposed = true
		}
		l.Why = strings.Join(whys, "; ")
		if l.Critical {
			critical = append(critical, l)
		} else {
			rest = append(rest, l)
		}
	}
	return append(critical, rest...)
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func lastSuccess(t time.Time) string {
	if t.IsZero() {
		return "the reports began"
	}
	return "its newest success on " + t.Format("2006-01-02 15:04")
}

func hours(h float64) string {
	if h == float64(int64(h)) {
		return fmt.Sprintf("%d hours", int64(h))
	}
	return fmt.Sprintf("%.1f hours", h)
}
