package checkrun

import (
	"fmt"
	"strings"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
)

// Vuln evaluates the known-exploited-vulnerabilities check over a stream
// of open findings.
type Vuln struct {
	set       check.Settings
	kevLoaded bool
	counts    map[string]int
	recs      []check.Record
	sink      RecordSink // when set, records go to it instead of recs
	err       error
	nrec      int
	overdue   int
}

// NewVuln starts an evaluation; kevLoaded says whether the KEV catalog
// has been imported, and open how many findings are open in all.
func NewVuln(set check.Settings, kevLoaded bool, open int) *Vuln {
	return &Vuln{set: set, kevLoaded: kevLoaded, counts: map[string]int{"open": open}}
}

// Add takes one open finding: those the KEV catalog lists count, and the
// others are already in the open count.
func (v *Vuln) Add(f *check.OpenFinding) {
	if f.KEVAdded == "" {
		return
	}
	v.counts["kev_open"]++
	var exposure []string
	if f.AssetID == "" {
		exposure = append(exposure, "not in the ePHI inventory, so treated as exposed")
		v.counts["kev_unmatched"]++
	}
	if f.Internet {
		exposure = append(exposure, "internet-facing")
		v.counts["kev_internet_facing"]++
	}
	if f.EPHI {
		e := "holds ePHI"
		if f.Records > 0 {
			e += fmt.Sprintf(" (%d records)", f.Records)
		}
		exposure = append(exposure, e)
		v.counts["kev_ephi"]++
	}
	if len(exposure) == 0 {
		v.counts["kev_elsewhere"]++
		return
	}
	v.counts["kev_exposed"]++
	start := max(f.FirstSeen, f.KEVAdded)
	window := v.set.KEVWindowDays
	if window <= 0 {
		window = daysBetween(f.KEVAdded, f.KEVDue)
	}
	age := daysBetween(start, f.AsOf)
	reason := fmt.Sprintf("%s on %s (%s): in the KEV catalog since %s", f.CVE, f.Where(), strings.Join(exposure, "; "), f.KEVAdded)
	if f.Ransomware == "Known" {
		reason += ", known ransomware use"
	}
	reason += fmt.Sprintf("; open %d days since %s against a %d-day window", age, start, window)
	weight := age
	if age > window {
		v.overdue++
		v.counts["kev_overdue"]++
		reason += fmt.Sprintf(": %d days overdue", age-window)
		weight += 100000 // overdue first
	}
	rec := check.Record{Kind: "finding", ID: f.ID, Label: f.CVE + " on " + f.Where(), Reason: reason, Weight: weight}
	v.nrec++
	if v.sink == nil {
		v.recs = append(v.recs, rec)
	} else if v.err == nil {
		v.err = v.sink("vuln.kev", rec)
	}
}

// SendTo hands the records to sink as they are found instead of keeping
// them: the result then carries only their count.
func (v *Vuln) SendTo(sink RecordSink) { v.sink = sink }

// Err is the sink's first error.
func (v *Vuln) Err() error { return v.err }

// Result gives the check's result.
func (v *Vuln) Result() *check.Result {
	c, _ := check.ByID("vuln.kev")
	r := &check.Result{Check: c, Counts: v.counts, Records: v.recs, RecordCount: v.nrec}
	if r.Records == nil {
		r.Records = []check.Record{}
	}
	sortRecords(r.Records)
	n := v.counts
	switch {
	case !v.kevLoaded:
		r.GoalStatus, r.Detail = assessment.Unknown, "the KEV catalog is not imported: safeguard kev import known_exploited_vulnerabilities.json"
	case n["open"] == 0:
		r.GoalStatus, r.Detail = assessment.Unknown, "no scanner findings imported"
	case n["kev_exposed"] == 0:
		r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("no KEV-listed CVE open on an internet-facing or ePHI asset (%d open findings, %d KEV-listed elsewhere)", n["open"], n["kev_elsewhere"])
	default:
		r.GoalStatus = assessment.PartlyMet
		if v.overdue > 0 {
			r.GoalStatus = assessment.NotMet
		}
		r.Detail = fmt.Sprintf("%d KEV-listed findings open on internet-facing or ePHI assets (or hosts not in the inventory), %d past the remediation window; %d open findings in all", n["kev_exposed"], n["kev_overdue"], n["open"])
	}
	r.Status = verdict(r.GoalStatus)
	return r
}
