package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// Exercises returns the organisation's tabletop exercises, the newest
// held (then planned) first.
func (sc *Scoped) Exercises(ctx context.Context) ([]*incident.Exercise, error) {
	return sc.exercises(ctx, sc.s.reader(ctx), "")
}

// Exercise returns one exercise of the organisation. Errors: NotFound.
func (sc *Scoped) Exercise(ctx context.Context, id string) (*incident.Exercise, error) {
	es, err := sc.exercises(ctx, sc.s.reader(ctx), " AND id = ?", id)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, errs.New(errs.NotFound, "exercise not found")
	}
	return es[0], nil
}

func (sc *Scoped) exercises(ctx context.Context, q querier, where string, args ...any) ([]*incident.Exercise, error) {
	s := sc.s
	rows, err := q.QueryContext(ctx, s.rebind(`SELECT id, body, created_at, updated_at FROM incident_exercises WHERE org_id = ?`+where+` ORDER BY held_on DESC, planned_on DESC, id DESC`), append([]any{sc.org.ID}, args...)...)
	if err != nil {
		return nil, translate(err, "exercises")
	}
	defer rows.Close()
	out := []*incident.Exercise{}
	for rows.Next() {
		var e incident.Exercise
		var id, body, created, updated string
		if err := rows.Scan(&id, &body, &created, &updated); err != nil {
			return nil, translate(err, "exercises")
		}
		if err := json.Unmarshal([]byte(body), &e); err != nil {
			return nil, errs.Wrap(errs.Internal, "a stored exercise", err)
		}
		e.ID = id
		if e.CreatedAt, err = parseTime(created); err != nil {
			return nil, translate(err, "exercises")
		}
		if e.UpdatedAt, err = parseTime(updated); err != nil {
			return nil, translate(err, "exercises")
		}
		out = append(out, &e)
	}
	return out, translate(rows.Err(), "exercises")
}

// SaveExercise records a new exercise (no id) or saves one again, with
// its audit entry; the plan actions its findings name must be the
// organisation's. Errors: Invalid, NotFound.
func (sc *Scoped) SaveExercise(ctx context.Context, e *incident.Exercise, after ...TxFunc) error {
	s := sc.s
	if err := e.Validate(s.now().UTC().Format("2006-01-02")); err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var actions []string
		for _, f := range e.Findings {
			if f.ActionID != "" {
				actions = append(actions, f.ActionID)
			}
		}
		if err := sc.ownAll(ctx, tx, "risk_actions", "findings' actions", actions); err != nil {
			return change{}, err
		}
		ch, err := sc.writeExercise(ctx, tx, e)
		if err != nil {
			return change{}, err
		}
		return ch, runAfter(ctx, tx, after)
	})
}

func (sc *Scoped) writeExercise(ctx context.Context, tx *sql.Tx, e *incident.Exercise) (change, error) {
	s := sc.s
	now := s.now().UTC()
	ch := change{orgID: sc.org.ID, action: "incident_exercise.update"}
	if e.ID == "" {
		id, err := newID()
		if err != nil {
			return change{}, err
		}
		e.ID, e.CreatedAt, ch.action = id, now, "incident_exercise.create"
	} else {
		before, err := sc.exercises(ctx, tx, " AND id = ?", e.ID)
		if err != nil {
			return change{}, err
		}
		if len(before) == 0 {
			return change{}, errs.New(errs.NotFound, "exercise not found")
		}
		e.CreatedAt, ch.before = before[0].CreatedAt, before[0]
	}
	e.UpdatedAt = now
	body, err := json.Marshal(e)
	if err != nil {
		return change{}, errs.Wrap(errs.Internal, "an exercise", err)
	}
	if ch.action == "incident_exercise.create" {
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO incident_exercises (id, org_id, title, planned_on, held_on, body, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			e.ID, sc.org.ID, e.Title, e.PlannedOn, e.HeldOn, string(body), formatTime(now), formatTime(now))
	} else {
		_, err = tx.ExecContext(ctx, s.rebind(`UPDATE incident_exercises SET title = ?, planned_on = ?, held_on = ?, body = ?, updated_at = ? WHERE id = ? AND org_id = ?`),
			e.Title, e.PlannedOn, e.HeldOn, string(body), formatTime(now), e.ID, sc.org.ID)
	}
	if err != nil {
		return change{}, translate(err, "exercise")
	}
	ch.target, ch.after = "incident_exercise:"+e.ID, e
	return ch, nil
}

// TrackFinding turns finding number index (from 0) of an exercise into a
// plan action of the risk register in one transaction: the action is
// added to its risk's plan and the finding names it. Errors: Invalid for
// an action that does not validate or a finding already tracked;
// NotFound for the exercise, the finding or the risk.
func (sc *Scoped) TrackFinding(ctx context.Context, exerciseID string, index int, a *risk.Action, after ...TxFunc) error {
	s := sc.s
	if err := a.Validate(); err != nil {
		return err
	}
	return s.inTx(ctx, func(tx *sql.Tx) error {
		es, err := sc.exercises(ctx, tx, " AND id = ?", exerciseID)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return errs.New(errs.NotFound, "exercise not found")
		}
		e := es[0]
		switch {
		case index < 0 || index >= len(e.Findings):
			return errs.New(errs.NotFound, fmt.Sprintf("the exercise has no finding %d", index+1))
		case e.Findings[index].ActionID != "":
			return errs.New(errs.Invalid, fmt.Sprintf("finding %d is tracked already", index+1))
		}
		ch, err := sc.saveAction(ctx, tx, a)
		if err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, ch); err != nil {
			return err
		}
		e.Findings[index].ActionID = a.ID
		ch, err = sc.writeExercise(ctx, tx, e)
		if err != nil {
			return err
		}
		if err := s.appendAudit(ctx, tx, ch); err != nil {
			return err
		}
		return runAfter(ctx, tx, after)
	})
}
