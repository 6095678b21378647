package checkrun

import (
	"context"
	"fmt"
	"strings"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// flowSource is what crypto.flows reads.
type flowSource interface {
	Flows(ctx context.Context) ([]*risk.Flow, error)
	Assets(ctx context.Context) ([]*risk.Asset, error)
}

// FlowsResult judges crypto.flows: the inventory's data flows marked as
// not encrypted in transit are its records.
func FlowsResult(ctx context.Context, src flowSource, sink RecordSink) (*check.Result, error) {
	c, _ := check.ByID("crypto.flows")
	r := &check.Result{Check: c, Counts: map[string]int{}, Records: []check.Record{}}
	flows, err := src.Flows(ctx)
	if err != nil {
		return nil, err
	}
	if len(flows) == 0 {
		r.GoalStatus, r.Status = assessment.Unknown, check.Unknown
		r.Detail = "the inventory records no data flows: record where ePHI moves between its assets, and whether each is encrypted"
		return r, nil
	}
	assets, err := src.Assets(ctx)
	if err != nil {
		return nil, err
	}
	name := map[string]string{}
	for _, a := range assets {
		name[a.ID] = a.Name
	}
	var open []string
	for _, f := range flows {
		r.Counts["flows"]++
		if f.Encrypted {
			r.Counts["encrypted"]++
			continue
		}
		r.Counts["unencrypted"]++
		label := cmpOr(name[f.From], f.From) + " → " + cmpOr(name[f.To], f.To)
		open = append(open, label)
		reason := "marked as not encrypted in transit"
		if f.Description != "" {
			reason += ": " + f.Description
		}
		r.Records = append(r.Records, check.Record{Kind: "flow", ID: f.ID, Label: label, Reason: reason, Weight: 2})
	}
	if len(open) > 0 {
		r.GoalStatus = assessment.NotMet
		r.Detail = fmt.Sprintf("%s of %d not encrypted: %s", plural(len(open), "data flow", "data flows"), len(flows), strings.Join(clipNames(open, 5), "; "))
	} else {
		r.GoalStatus = assessment.Met
		r.Detail = fmt.Sprintf("every one of %s encrypted", plural(len(flows), "data flow", "data flows"))
	}
	r.Status = verdict(r.GoalStatus)
	if err := finish(r, sink); err != nil {
		return nil, err
	}
	return r, nil
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
