package checkrun

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/contingency"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// ContingencySource is what the contingency checks read: the plan, the
// restore tests and the inventory.
type ContingencySource interface {
	ContingencyPlan(ctx context.Context) (*contingency.Plan, error)
	RestoreTests(ctx context.Context) ([]*contingency.Test, error)
	Assets(ctx context.Context) ([]*risk.Asset, error)
	BackupJobs(ctx context.Context) ([]*contingency.Job, error)
}

// ContingencyResults judges contingency.backup and
// contingency.restore-test on now over the inventory's critical systems.
func ContingencyResults(ctx context.Context, src ContingencySource, now time.Time, sink RecordSink) ([]*check.Result, error) {
	p, err := src.ContingencyPlan(ctx)
	if err != nil {
		return nil, err
	}
	tests, err := src.RestoreTests(ctx)
	if err != nil {
		return nil, err
	}
	assets, err := src.Assets(ctx)
	if err != nil {
		return nil, err
	}
	jobs, err := src.BackupJobs(ctx)
	if err != nil {
		return nil, err
	}
	var critical []*contingency.Line
	for _, l := range contingency.Lines(p, assets, tests, jobs, now.UTC().Format(time.DateOnly)) {
		if l.Critical {
			critical = append(critical, l)
		}
	}
	cb, _ := check.ByID("contingency.backup")
	cr, _ := check.ByID("contingency.restore-test")
	backup := &check.Result{Check: cb, Counts: map[string]int{"systems": len(critical)}, Records: []check.Record{}}
	restore := &check.Result{Check: cr, Counts: map[string]int{"systems": len(critical)}, Records: []check.Record{}}
	rec := func(l *contingency.Line, reason string, weight int) check.Record {
		return check.Record{Kind: "asset", ID: l.Asset.ID, Label: l.Asset.Name, Reason: reason, Weight: weight}
	}
	var bFail, bPart, rFail, rPart []string
	for _, l := range critical {
		switch l.Backup {
		case "missing":
			bFail = append(bFail, l.Asset.Name+" (no plan)")
			backup.Records = append(backup.Records, rec(l, "no backup plan: what, where and how often", 3))
		case "over-objective":
			bFail = append(bFail, l.Asset.Name+" (no successful backup within its recovery point objective)")
			backup.Records = append(backup.Records, rec(l, l.BackupWhy, 3))
		case "failing":
			bPart = append(bPart, l.Asset.Name+" (failing)")
			backup.Records = append(backup.Records, rec(l, l.BackupWhy, 2))
		case "reports-stale":
			bPart = append(bPart, l.Asset.Name+" (reports too old)")
			backup.Records = append(backup.Records, rec(l, l.BackupWhy, 1))
		case "no-offline-copy":
			bPart = append(bPart, l.Asset.Name+" (no offline copy)")
			backup.Records = append(backup.Records, rec(l, "no offline or immutable copy of its backups", 2))
		}
		if len(l.Jobs) > 0 {
			backup.Counts["with_reports"]++
		}
		backup.Counts[l.Backup]++
		restore.Counts[l.Restore]++
		switch l.Restore {
		case "untested", "failed":
			rFail = append(rFail, l.Asset.Name)
			restore.Records = append(restore.Records, rec(l, l.Why, 3))
		case "stale", "over-objective", "no-objective":
			rPart = append(rPart, l.Asset.Name)
			why := l.Why
			if l.OverProposed {
				why += " (and over the 72 hours the proposed rule would set: a reference, not in force)"
			}
			restore.Records = append(restore.Records, rec(l, why, 2))
		}
	}
	recorded := len(p.Systems) > 0 || len(tests) > 0
	judge := func(r *check.Result, fail, part []string, what string) {
		switch {
		case !recorded:
			// Nothing recorded is not proof of no backups: a plan may be kept elsewhere.
			r.GoalStatus, r.Detail, r.Records = assessment.Unknown, "no contingency plan is recorded in Safeguard: give each critical system its objectives and backup", []check.Record{}
		case len(critical) == 0:
			r.GoalStatus, r.Detail = assessment.Unknown, "no system of the ePHI inventory is of high or critical criticality: rate the inventory's systems"
		case len(fail) > 0:
			r.GoalStatus, r.Detail = assessment.NotMet, fmt.Sprintf("%s of %d critical: %s", plural(len(fail), "system without "+what, "systems without "+what), len(critical), strings.Join(clipNames(fail, 5), ", "))
		case len(part) > 0:
			r.GoalStatus, r.Detail = assessment.PartlyMet, fmt.Sprintf("%s only partly: %s", what, strings.Join(clipNames(part, 5), ", "))
		default:
			r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("each of the %s with %s", plural(len(critical), "critical system", "critical systems"), what)
		}
		r.Status = verdict(r.GoalStatus)
	}
	judge(backup, bFail, bPart, "a working backup")
	if backup.GoalStatus == assessment.Met {
		backup.Detail = fmt.Sprintf("each of the %s with a backup plan", plural(len(critical), "critical system", "critical systems"))
		if n := backup.Counts["with_reports"]; n > 0 {
			backup.Detail += fmt.Sprintf(", %d of them with a successful backup within its objective in the imported reports", n)
		}
	}
	judge(restore, rFail, rPart, "a restore tested")
	for _, r := range []*check.Result{backup, restore} {
		if err := finish(r, sink); err != nil {
			return nil, err
		}
	}
	return []*check.Result{backup, restore}, nil
}
