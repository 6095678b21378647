package checkrun

import (
	"context"
	"fmt"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/incident"
)

// IncidentSource is what the incident checks read: the versions of the
// incident response plan.
type IncidentSource interface {
	IncidentPlans(ctx context.Context) ([]*incident.Plan, error)
}

// PlanResult judges incident.plan on now: the newest approved version of
// the plan and whether its review date has passed.
func PlanResult(ctx context.Context, src IncidentSource, now time.Time, sink RecordSink) (*check.Result, error) {
	plans, err := src.IncidentPlans(ctx)
	if err != nil {
		return nil, err
	}
	c, _ := check.ByID("incident.plan")
	r := &check.Result{Check: c, Counts: map[string]int{"versions": len(plans)}, Records: []check.Record{}}
	approved := ApprovedPlan(plans)
	standing, why := incident.PlanStanding(approved, now.UTC().Format(time.DateOnly))
	r.Detail = why
	switch standing {
	case incident.PlanNone:
		r.GoalStatus = assessment.NotMet
		if len(plans) > 0 {
			r.Detail += fmt.Sprintf(": version %d is a draft", plans[0].Version)
		}
		r.Records = append(r.Records, check.Record{Kind: "plan", ID: "none", Label: "Incident response plan", Reason: r.Detail, Weight: 3})
	case incident.PlanOverdue:
		r.GoalStatus = assessment.PartlyMet
		r.Records = append(r.Records, check.Record{Kind: "plan", ID: fmt.Sprint(approved.Version), Label: fmt.Sprintf("Incident response plan, version %d", approved.Version), Reason: why, Weight: 1})
	default:
		r.GoalStatus = assessment.Met
		r.Counts["playbooks"] = len(approved.Playbooks)
	}
	r.Status = verdict(r.GoalStatus)
	return r, finish(r, sink)
}

// ApprovedPlan is the newest approved version of plans (newest first),
// or nil.
func ApprovedPlan(plans []*incident.Plan) *incident.Plan {
	for _, p := range plans {
		if p.Approved() {
			return p
		}
	}
	return nil
}
