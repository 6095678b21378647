package checkrun

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
)

// baselineCheck is a check read from configuration baseline results: the
// controls it reads (SCuBA policy ids without their version), which of
// them are required — each group met when one of its controls passes —
// and the product whose results it needs.
type baselineCheck struct {
	id       string
	product  string // "AAD", "EXO"
	required [][]string
	others   []string
}

// m365Checks are the checks read from ScubaGear's results (the controls
// of CISA's SCuBA baselines for Entra ID and Exchange Online, their text
// in internal/check's catalog).
var m365Checks = []baselineCheck{
	{id: "m365.mfa", product: "AAD", required: [][]string{{"MS.AAD.3.1", "MS.AAD.3.2"}}, others: []string{"MS.AAD.3.6", "MS.AAD.1.1"}},
	{id: "m365.email", product: "EXO", required: [][]string{{"MS.EXO.2.2"}, {"MS.EXO.4.1"}, {"MS.EXO.4.2"}, {"MS.EXO.1.1"}}, others: []string{"MS.EXO.3.1"}},
	{id: "m365.admins", product: "AAD", required: [][]string{{"MS.AAD.7.3"}}, others: []string{"MS.AAD.7.1", "MS.AAD.7.2", "MS.AAD.7.4"}},
}

// policyVersion is the version suffix of a SCuBA policy id ("v2").
var policyVersion = regexp.MustCompile(`v\d+$`)

// baseline evaluates the checks of baseline results.
type baseline struct {
	controls map[string]*check.Control // by policy id without its version
	products map[string]bool
}

// NewBaseline takes an organisation's ScubaGear controls.
func NewBaseline(cs []*check.Control) *baseline {
	b := &baseline{controls: map[string]*check.Control{}, products: map[string]bool{}}
	for _, c := range cs {
		b.controls[policyVersion.ReplaceAllString(c.ID, "")] = c
		b.products[c.Product] = true
	}
	return b
}

// passes says whether a control passed (or does not apply); fails whether
// it failed or only warned (a SHOULD not met).
func passes(c *check.Control) bool {
	r := strings.ToLower(c.Result)
	return r == "pass" || r == "n/a"
}

func fails(c *check.Control) bool {
	r := strings.ToLower(c.Result)
	return r == "fail" || r == "warning"
}

// Results gives the baseline checks' results, handing each one's records
// to sink when it is not nil (as the other checks do) rather than keeping
// them.
func (b *baseline) Results(sink RecordSink) ([]*check.Result, error) {
	var out []*check.Result
	for _, bc := range m365Checks {
		c, _ := check.ByID(bc.id)
		r := &check.Result{Check: c, Counts: map[string]int{}, Records: []check.Record{}}
		flag := func(ctl *check.Control, weight int) {
			reason := ctl.Result
			if ctl.Details != "" {
				reason += ": " + clipText(ctl.Details, 500)
			}
			r.Records = append(r.Records, check.Record{Kind: "control", ID: ctl.ID, Label: ctl.ID + " " + ctl.Requirement, Reason: reason, Weight: weight})
		}
		if !b.products[bc.product] {
			r.GoalStatus = assessment.Unknown
			r.Detail = fmt.Sprintf("no ScubaGear results for %s: import ScubaGear's results (ScubaResults.json or ScubaResults.csv) of the Microsoft 365 tenant", map[string]string{"AAD": "Entra ID", "EXO": "Exchange Online"}[bc.product])
			r.Status = verdict(r.GoalStatus)
			out = append(out, r)
			continue
		}
		missing, failedRequired := []string{}, false
		seen := map[string]bool{}
		for _, group := range bc.required {
			met, present := false, false
			for _, id := range group {
				ctl, ok := b.controls[id]
				if !ok {
					continue
				}
				present = true
				met = met || passes(ctl)
			}
			if !present {
				missing = append(missing, strings.Join(group, " or "))
				continue
			}
			r.Counts["required"]++
			if met {
				r.Counts["required_met"]++
				continue
			}
			failedRequired = true
			for _, id := range group {
				if ctl, ok := b.controls[id]; ok && !passes(ctl) {
					flag(ctl, 3)
					seen[id] = true
				}
			}
		}
		partial := false
		for _, group := range bc.required {
			for _, id := range group {
				if ctl, ok := b.controls[id]; ok && fails(ctl) && !seen[id] {
					partial = true
					flag(ctl, 2) // an alternative of a group met by another
				}
			}
		}
		for _, id := range bc.others {
			ctl, ok := b.controls[id]
			if !ok {
				missing = append(missing, id)
				continue
			}
			r.Counts["other"]++
			if fails(ctl) {
				partial = true
				r.Counts["other_failed"]++
				weight := 1
				if strings.HasPrefix(strings.ToLower(ctl.Criticality), "shall") {
					weight = 2
				}
				flag(ctl, weight)
			}
		}
		switch {
		case len(missing) > 0 && !failedRequired && r.Counts["required_met"] < len(bc.required):
			r.GoalStatus = assessment.Unknown
		case failedRequired:
			r.GoalStatus = assessment.NotMet
		case partial:
			r.GoalStatus = assessment.PartlyMet
		default:
			r.GoalStatus = assessment.Met
		}
		r.Status = verdict(r.GoalStatus)
		r.Detail = fmt.Sprintf("%s failing or warned of the %d ScubaGear controls read", plural(len(r.Records), "control", "controls"), r.Counts["required"]+r.Counts["other"])
		if len(missing) > 0 {
			r.Detail += fmt.Sprintf("; not in the results: %s", strings.Join(missing, ", "))
		}
		if err := finish(r, sink); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

// clipText is s cut at n characters, marked "…".
func clipText(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
