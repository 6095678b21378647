package checkrun

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
	"github.com/safeguard-health/safeguard/internal/tlssec"
)

// maxTLSFindings bounds the findings a record quotes.
const maxTLSFindings = 6

// TLSCheckResult judges crypto.tls over the organisation's endpoints
// (targets) and every endpoint a result names, from each endpoint's
// newest result of each source (Safeguard's probe, testssl.sh, sslyze):
// an endpoint takes the worst of them. Not met when an endpoint fails;
// unknown when one was not reached or not checked yet; partly met when
// one only warns; met when every one passes. An asset's host name where
// nothing answered is not judged: no TLS service is there. The records
// are the endpoints that do not pass, with their findings.
func TLSCheckResult(targets []tlssec.Target, results []*check.TLSResult, sink RecordSink) (*check.Result, error) {
	c, _ := check.ByID("crypto.tls")
	r := &check.Result{Check: c, Counts: map[string]int{}, Records: []check.Record{}}
	byEndpoint := map[string][]*check.TLSResult{}
	for _, res := range results {
		byEndpoint[res.Endpoint] = append(byEndpoint[res.Endpoint], res)
	}
	target := map[string]tlssec.Target{}
	var order []string
	for _, t := range targets {
		target[t.Endpoint] = t
		order = append(order, t.Endpoint)
	}
	var extra []string
	for e := range byEndpoint {
		if _, ok := target[e]; !ok {
			extra = append(extra, e)
		}
	}
	slices.Sort(extra)
	order = append(order, extra...)

	var v verdicts
	for _, e := range order {
		t, isTarget := target[e]
		label := e
		if t.Asset != "" {
			label += " (" + t.Asset + ")"
		}
		stored := byEndpoint[e]
		if len(stored) == 0 {
			v.unknown = append(v.unknown, e)
			r.Counts["unchecked"]++
			r.Records = append(r.Records, check.Record{Kind: "endpoint", ID: e, Label: label, Reason: "not checked yet: the next probe of the organisation's endpoints checks it", Weight: 2})
			continue
		}
		status := ""
		var sources, notes []string
		var decoded []*tlscheck.Result
		date := ""
		for _, st := range stored {
			res := &tlscheck.Result{}
			if err := json.Unmarshal(st.Result, res); err != nil {
				return nil, errs.Wrap(errs.Internal, "the stored TLS result of "+e, err)
			}
			decoded = append(decoded, res)
			sources = append(sources, st.Source)
			if d := st.CheckedAt.UTC().Format("2006-01-02"); d > date {
				date = d
			}
			if st.Status == tlscheck.Unknown {
				notes = append(notes, st.Source+": "+res.Error)
				continue
			}
			status = tlscheck.Worse(status, st.Status)
			for _, f := range res.Findings {
				if (f.Status == tlscheck.Fail || f.Status == tlscheck.Warn) && len(notes) < maxTLSFindings {
					notes = append(notes, fmt.Sprintf("%s (%s): %s", strings.ToUpper(f.Status), st.Source, f.Detail))
				}
			}
		}
		if status == "" {
			if isTarget && tlssec.NoService(t, decoded) {
				r.Counts["no_service"]++ // an asset's name with nothing on 443
				continue
			}
			status = tlscheck.Unknown
		}
		r.Counts[status]++
		weight := 0
		switch status {
		case tlscheck.Pass:
			continue
		case tlscheck.Fail:
			v.failing, weight = append(v.failing, e), 3
		case tlscheck.Unknown:
			v.unknown, weight = append(v.unknown, e), 2
		default:
			v.warned, weight = append(v.warned, e), 1
		}
		reason := fmt.Sprintf("%s on %s (%s): %s", strings.ToUpper(status), date, strings.Join(sources, ", "), strings.Join(notes, " "))
		r.Records = append(r.Records, check.Record{Kind: "endpoint", ID: e, Label: label, Reason: clipText(reason, 2000), Weight: weight})
	}
	judged := len(order) - r.Counts["no_service"]
	r.Counts["endpoints"] = judged
	r.GoalStatus = v.status()
	if judged == 0 {
		r.GoalStatus = assessment.Unknown
	}
	r.Status = verdict(r.GoalStatus)
	parts := v.parts("not checked or not reached", 10)
	switch {
	case judged == 0:
		r.Detail = "no TLS endpoints: list the organisation's services (host:port) in its profile, or give its internet-facing assets their host names, and they are probed; or import a testssl.sh or sslyze report"
	case len(parts) == 0:
		r.Detail = fmt.Sprintf("%s: every one passes", plural(judged, "TLS endpoint", "TLS endpoints"))
	default:
		r.Detail = fmt.Sprintf("%s: %s", plural(judged, "TLS endpoint", "TLS endpoints"), strings.Join(parts, "; "))
	}
	if err := finish(r, sink); err != nil {
		return nil, err
	}
	return r, nil
}

// clipNames is at most n names, saying how many more there are.
func clipNames(names []string, n int) []string {
	if len(names) <= n {
		return names
	}
	return append(slices.Clone(names[:n]), fmt.Sprintf("and %d more", len(names)-n))
}
