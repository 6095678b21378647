package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// RecordScorecardInput stores one dated observation for a goal from a
// source other than the assessment (a check). Errors: Invalid for a
// missing goal, source or date, or an unknown status.
func (sc *Scoped) RecordScorecardInput(ctx context.Context, in *assessment.Input) error {
	s := sc.s
	if err := validInput(in); err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.insertInput(ctx, tx, in); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "scorecard.input", target: "goal:" + in.Goal, after: in}, nil
	})
}

func validInput(in *assessment.Input) error {
	switch {
	case strings.TrimSpace(in.Goal) == "" || strings.TrimSpace(in.Source) == "" || in.Source == "assessment":
		return errs.New(errs.Invalid, "a scorecard input needs a goal and a source other than the assessment")
	case in.Date.IsZero():
		return errs.New(errs.Invalid, "a scorecard input needs the date it was observed")
	}
	switch in.Status {
	case assessment.Met, assessment.PartlyMet, assessment.NotMet, assessment.Unknown:
	default:
		return errs.New(errs.Invalid, "unknown goal status "+string(in.Status))
	}
	return nil
}

// insertInput writes a scorecard input inside tx.
func (sc *Scoped) insertInput(ctx context.Context, tx *sql.Tx, in *assessment.Input) error {
	s := sc.s
	id, err := uuid.NewV7()
	if err != nil {
		return errs.Wrap(errs.Internal, "", err)
	}
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO scorecard_inputs (id, org_id, goal_id, source, label, status, detail, ref, observed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id.String(), sc.org.ID, in.Goal, in.Source, in.Label, string(in.Status), in.Detail, in.Ref, formatTime(in.Date))
	return translate(err, "scorecard input")
}

// ScorecardInputs returns the newest input of each goal and source.
func (sc *Scoped) ScorecardInputs(ctx context.Context) ([]assessment.Input, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT goal_id, source, label, status, detail, ref, observed_at FROM (
		SELECT *, ROW_NUMBER() OVER (PARTITION BY goal_id, source ORDER BY observed_at DESC, id DESC) AS n FROM scorecard_inputs WHERE org_id = ?) newest
		WHERE n = 1 ORDER BY goal_id, source`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "scorecard inputs")
	}
	defer rows.Close()
	var out []assessment.Input
	for rows.Next() {
		var in assessment.Input
		var status, at string
		if err := rows.Scan(&in.Goal, &in.Source, &in.Label, &status, &in.Detail, &in.Ref, &at); err != nil {
			return nil, translate(err, "scorecard inputs")
		}
		in.Status = assessment.GoalStatus(status)
		if in.Date, err = time.Parse(timeFormat, at); err != nil {
			return nil, errs.Wrap(errs.Internal, "scorecard input date", err)
		}
		out = append(out, in)
	}
	return out, translate(rows.Err(), "scorecard inputs")
}
