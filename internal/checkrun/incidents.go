package checkrun

import (
	"context"
	"fmt"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// IncidentSource is what the incident checks read: the versions of the
// incident response plan.
type IncidentSource interface {
	IncidentPlans(ctx context.Context) ([]*incident.Plan, error)
	Exercises(ctx context.Context) ([]*incident.Exercise, error)
	Actions(ctx context.Context) ([]*risk.Action, error)
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
	switch {
	case standing == incident.PlanNone && len(plans) == 0:
		// Nothing recorded is not proof of no plan: a paper one may exist.
		r.GoalStatus, r.Detail = assessment.Unknown, "no incident response plan is recorded in Safeguard: record the plan, or write it from Safeguard's playbooks"
	case standing == incident.PlanNone:
		r.GoalStatus = assessment.NotMet
		r.Detail += fmt.Sprintf(": version %d is a draft", plans[0].Version)
		r.Records = append(r.Records, check.Record{Kind: "plan", ID: "none", Label: "Incident response plan", Reason: r.Detail, Weight: 3})
	case standing == incident.PlanOverdue:
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

// ExerciseResult judges incident.exercise on now: the newest exercise held
// within ExerciseMonths, and whether each of its findings is tracked by a
// plan action done or not yet due.
func ExerciseResult(ctx context.Context, src IncidentSource, now time.Time, sink RecordSink) (*check.Result, error) {
	es, err := src.Exercises(ctx)
	if err != nil {
		return nil, err
	}
	c, _ := check.ByID("incident.exercise")
	r := &check.Result{Check: c, Counts: map[string]int{}, Records: []check.Record{}}
	today := now.UTC().Format(time.DateOnly)
	since := now.UTC().AddDate(0, -incident.ExerciseMonths, 0).Format(time.DateOnly)
	var newest *incident.Exercise
	for _, e := range es { // the newest held first
		if e.HeldOn != "" {
			newest = e
			break
		}
	}
	switch {
	case newest == nil && len(es) == 0:
		r.GoalStatus, r.Detail = assessment.Unknown, "no tabletop exercise is recorded in Safeguard"
	case newest == nil:
		r.GoalStatus, r.Detail = assessment.NotMet, "no tabletop exercise of the incident response plan has been held yet: "+fmt.Sprintf("%q is planned for %s", es[0].Title, es[0].PlannedOn)
		r.Records = append(r.Records, check.Record{Kind: "exercise", ID: es[0].ID, Label: es[0].Title, Reason: r.Detail, Weight: 3})
	case newest.HeldOn < since:
		r.GoalStatus, r.Detail = assessment.NotMet, fmt.Sprintf("the newest exercise, %q, was held on %s, more than %d months ago", newest.Title, newest.HeldOn, incident.ExerciseMonths)
		r.Records = append(r.Records, check.Record{Kind: "exercise", ID: newest.ID, Label: newest.Title, Reason: r.Detail, Weight: 3})
	default:
		actions, err := src.Actions(ctx)
		if err != nil {
			return nil, err
		}
		byID := map[string]*risk.Action{}
		for _, a := range actions {
			byID[a.ID] = a
		}
		r.Counts["findings"] = len(newest.Findings)
		for k, f := range newest.Findings {
			a := byID[f.ActionID]
			switch {
			case a == nil:
				r.Counts["untracked"]++
				r.Records = append(r.Records, check.Record{Kind: "exercise", ID: newest.ID, Label: fmt.Sprintf("%s, finding %d", newest.Title, k+1), Reason: "not turned into a plan action: " + f.Text, Weight: 2})
			case a.Open() && a.Due != "" && a.Due < today:
				r.Counts["late"]++
				r.Records = append(r.Records, check.Record{Kind: "exercise", ID: newest.ID, Label: fmt.Sprintf("%s, finding %d", newest.Title, k+1), Reason: fmt.Sprintf("its plan action %q was due on %s", a.Title, a.Due), Weight: 1})
			}
		}
		if len(r.Records) > 0 {
			r.GoalStatus = assessment.PartlyMet
			r.Detail = fmt.Sprintf("%q, held on %s: %d of its %d findings untracked or late", newest.Title, newest.HeldOn, len(r.Records), len(newest.Findings))
		} else {
			r.GoalStatus = assessment.Met
			r.Detail = fmt.Sprintf("%q, held on %s, with each of its %d findings tracked", newest.Title, newest.HeldOn, len(newest.Findings))
		}
	}
	r.Status = verdict(r.GoalStatus)
	return r, finish(r, sink)
}
