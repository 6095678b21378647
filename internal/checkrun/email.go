package checkrun

import (
	"encoding/json"
	"fmt"
	"strings"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// emailChecks are the checks read from the probes of the organisation's
// email domains (internal/mailcheck), in the catalog's order.
var emailChecks = []string{"email.spf", "email.dkim", "email.dmarc", "email.transport"}

// probeResult is what the checks read of a stored probe result.
type probeResult struct {
	Status   string   `json:"status"`
	Record   string   `json:"record"`
	At       string   `json:"at"`
	Findings []string `json:"findings"`
	Fix      []string `json:"fix"`
}

// EmailResults judges each email check over the organisation's domains
// (those of its profile) from each domain's newest probe: not met when a
// domain fails; unknown when a domain could not be checked, or has not
// been; partly met when a domain only warns; met when every domain
// passes. The records are the domains that do not pass, each with what was
// found and the record to publish, handed to sink when it is not nil.
func EmailResults(domains []string, probes []*check.EmailProbe, sink RecordSink) ([]*check.Result, error) {
	newest := map[string]*check.EmailProbe{}
	for _, p := range probes {
		newest[p.Domain+" "+p.Check] = p
	}
	var out []*check.Result
	for _, id := range emailChecks {
		c, _ := check.ByID(id)
		r := &check.Result{Check: c, Counts: map[string]int{"domains": len(domains)}, Records: []check.Record{}}
		out = append(out, r)
		if len(domains) == 0 {
			r.GoalStatus, r.Status = assessment.Unknown, check.Unknown
			r.Detail = "the profile names no email domains: add the domains the organisation sends mail as, and they are checked"
			continue
		}
		var v verdicts
		firstFix := ""
		for _, d := range domains {
			p := newest[d+" "+id]
			if p == nil {
				r.Counts["unchecked"]++
				v.unknown = append(v.unknown, d)
				r.Records = append(r.Records, check.Record{Kind: "domain", ID: d, Label: d, Reason: "not checked yet: the next probe of the organisation's email domains checks it", Weight: 2})
				continue
			}
			var res probeResult
			if err := json.Unmarshal(p.Result, &res); err != nil {
				return nil, errs.Wrap(errs.Internal, "the stored "+id+" result of "+d, err)
			}
			r.Counts[p.Status]++
			weight := 0
			switch p.Status {
			case "pass":
				continue
			case "fail":
				v.failing, weight = append(v.failing, d), 3
			case "unknown":
				v.unknown, weight = append(v.unknown, d), 2
			default:
				v.warned, weight = append(v.warned, d), 1
			}
			label := d
			if res.At != "" && res.At != d {
				label += " (" + res.At + ")"
			}
			reason := strings.ToUpper(p.Status) + " on " + p.ProbedAt.UTC().Format("2006-01-02") + ": " + strings.Join(res.Findings, " ")
			if len(res.Fix) > 0 {
				reason += " Fix: " + strings.Join(res.Fix, " ")
				if firstFix == "" && p.Status != "unknown" {
					firstFix = d + ": " + strings.ReplaceAll(strings.TrimSpace(res.Fix[0]), "\n", " ")
				}
			}
			r.Records = append(r.Records, check.Record{Kind: "domain", ID: d, Label: label, Reason: clipText(reason, 2000), Weight: weight})
		}
		r.GoalStatus = v.status()
		r.Status = verdict(r.GoalStatus)
		parts := v.parts("not checked", 0)
		if len(parts) == 0 {
			r.Detail = fmt.Sprintf("%s: every one passes", plural(len(domains), "email domain", "email domains"))
		} else {
			r.Detail = fmt.Sprintf("%s: %s", plural(len(domains), "email domain", "email domains"), strings.Join(parts, "; "))
		}
		if firstFix != "" {
			r.Detail += "; first fix, " + clipText(firstFix, 400)
		}
		if err := finish(r, sink); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// The thresholds of the alignment check (Safeguard's).
const (
	alignedMet    = 0.98
	alignedPartly = 0.90
)

// AlignmentResult judges the mail sent as the organisation's domains
// from the aggregate reports of the window: met when at least 98% passed
// DMARC and no source that also sends aligned mail failed more than 5% of
// its messages; partly met from 90%; not met below; unknown without
// reports. Its records are the sources whose messages failed, most
// failing first, each saying what p=reject would refuse of it.
func AlignmentResult(domains []string, sources []*check.DMARCSource, sink RecordSink) (*check.Result, error) {
	c, _ := check.ByID("email.alignment")
	r := &check.Result{Check: c, Counts: map[string]int{}, Records: []check.Record{}}
	sum := emailsec.Summarise(domains, sources)
	var messages, passed, refuses, fromOwn int64
	partly := 0
	for _, d := range sum {
		messages, passed, refuses, fromOwn = messages+d.Messages, passed+d.Passed, refuses+d.RejectRefuses, fromOwn+d.FromOwn
		for _, s := range d.Sources {
			r.Counts["sources"]++
			if s.Failed == 0 {
				continue
			}
			var why string
			switch s.Class {
			case emailsec.Never:
				why = "none of its messages passed: another's server sending as the domain (spoofing), or a service of the organisation's whose SPF or DKIM is not set up"
			case emailsec.Partly:
				partly++
				why = "it also sends mail that passes: the organisation's own sender, likely, with SPF or DKIM not set up for all its mail; fix it before p=reject"
			default:
				why = "it sends aligned mail; the few that failed are most likely forwarded"
			}
			reason := fmt.Sprintf("%d of %d messages failed DMARC from %s to %s (DKIM aligned %d, SPF aligned %d; %d quarantined, %d rejected by the receivers); p=reject would refuse them: %s.",
				s.Failed, s.Messages, s.First, s.Last, s.DKIMPassed, s.SPFPassed, s.Quarantined, s.Rejected, why)
			r.Records = append(r.Records, check.Record{Kind: "source", ID: s.SourceIP, Label: s.SourceIP + " as " + s.Domain, Reason: reason, Weight: int(min(s.Failed, 1<<30))})
		}
	}
	r.Counts["messages"], r.Counts["passed"], r.Counts["partly_aligned_sources"] = int(min(messages, 1<<30)), int(min(passed, 1<<30)), partly
	share := 0.0
	if messages > 0 {
		share = float64(passed) / float64(messages)
	}
	switch {
	case len(domains) == 0:
		r.GoalStatus = assessment.Unknown
		r.Detail = "the profile names no email domains"
	case messages == 0:
		r.GoalStatus = assessment.Unknown
		r.Detail = fmt.Sprintf("no DMARC aggregate report of the last %d days: publish rua= in each domain's DMARC record and import the reports the receivers send", emailsec.Window)
	case share >= alignedMet && partly == 0:
		r.GoalStatus = assessment.Met
	case share >= alignedPartly:
		r.GoalStatus = assessment.PartlyMet
	default:
		r.GoalStatus = assessment.NotMet
	}
	r.Status = verdict(r.GoalStatus)
	if messages > 0 {
		r.Detail = fmt.Sprintf("%d messages sent as the email domains in the last %d days, %.1f%% passed DMARC; p=reject would refuse %d, %d of them from sources that also send aligned mail (fix their DKIM or SPF first)",
			messages, emailsec.Window, 100*share, refuses, fromOwn)
	}
	if err := finish(r, sink); err != nil {
		return nil, err
	}
	return r, nil
}
