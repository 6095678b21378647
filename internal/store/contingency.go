package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"

	"github.com/safeguard-health/safeguard/internal/contingency"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// ContingencyPlan returns the organisation's contingency plan, empty
// when none was saved.
func (sc *Scoped) ContingencyPlan(ctx context.Context) (*contingency.Plan, error) {
	return sc.contingencyPlan(ctx, sc.s.reader(ctx))
}

// rowQuerier reads one row: a reader or a transaction.
type rowQuerier interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (sc *Scoped) contingencyPlan(ctx context.Context, q rowQuerier) (*contingency.Plan, error) {
	s := sc.s
	var body, updated string
	err := q.QueryRowContext(ctx, s.rebind(`SELECT body, updated_at FROM contingency_plans WHERE org_id = ?`), sc.org.ID).Scan(&body, &updated)
	p := &contingency.Plan{}
	switch {
	case err == sql.ErrNoRows:
		p.Systems = map[string]*contingency.System{}
		return p, nil
	case err != nil:
		return nil, translate(err, "contingency plan")
	}
	if err := json.Unmarshal([]byte(body), p); err != nil {
		return nil, errs.Wrap(errs.Internal, "the stored contingency plan", err)
	}
	if p.Systems == nil {
		p.Systems = map[string]*contingency.System{}
	}
	if p.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, translate(err, "contingency plan")
	}
	return p, nil
}

// SaveContingencyPlan changes the organisation's contingency plan with
// edit, which is handed the plan as stored, inside one transaction, and
// audits it; every system it names must be an asset of the organisation.
// Errors: Invalid, or edit's.
func (sc *Scoped) SaveContingencyPlan(ctx context.Context, edit func(p *contingency.Plan) error, after ...TxFunc) (*contingency.Plan, error) {
	s := sc.s
	var out *contingency.Plan
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		p, err := sc.contingencyPlan(ctx, tx)
		if err != nil {
			return change{}, err
		}
		before, _ := json.Marshal(p)
		if err := edit(p); err != nil {
			return change{}, err
		}
		p.DisasterRecovery, p.EmergencyMode = strings.TrimSpace(p.DisasterRecovery), strings.TrimSpace(p.EmergencyMode)
		if p.TestMonths < 0 || p.TestMonths > 36 {
			return change{}, errs.New(errs.Invalid, "test_months: 1 to 36")
		}
		var ids []string
		for id, sys := range p.Systems {
			sys.AssetID = id
			if err := sys.Validate(); err != nil {
				return change{}, err
			}
			ids = append(ids, id)
		}
		if err := sc.ownAll(ctx, tx, "assets", "systems", ids); err != nil {
			return change{}, err
		}
		p.UpdatedAt = s.now().UTC()
		body, err := json.Marshal(p)
		if err != nil {
			return change{}, errs.Wrap(errs.Internal, "a contingency plan", err)
		}
		if len(body) > 4<<20 {
			return change{}, errs.New(errs.Invalid, "the contingency plan is larger than 4 MiB")
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO contingency_plans (org_id, body, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`), sc.org.ID, string(body), formatTime(p.UpdatedAt)); err != nil {
			return change{}, translate(err, "contingency plan")
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out = p
		return change{orgID: sc.org.ID, action: "contingency.save", target: "org:" + sc.org.ID, before: json.RawMessage(before), after: p}, nil
	})
	return out, err
}

// RestoreTests returns the organisation's restore tests, the newest
// first.
func (sc *Scoped) RestoreTests(ctx context.Context) ([]*contingency.Test, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT id, asset_id, tested_on, hours, lost_hours, succeeded, by_whom, notes, created_at FROM restore_tests WHERE org_id = ? ORDER BY tested_on DESC, id DESC`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "restore tests")
	}
	defer rows.Close()
	out := []*contingency.Test{}
	for rows.Next() {
		var t contingency.Test
		var created string
		if err := rows.Scan(&t.ID, &t.AssetID, &t.TestedOn, &t.Hours, &t.LostHours, &t.Succeeded, &t.By, &t.Notes, &created); err != nil {
			return nil, translate(err, "restore tests")
		}
		if t.CreatedAt, err = parseTime(created); err != nil {
			return nil, translate(err, "restore tests")
		}
		out = append(out, &t)
	}
	return out, translate(rows.Err(), "restore tests")
}

// AddRestoreTest records a restore test of one of the organisation's
// systems. Errors: Invalid, NotFound for another organisation's asset.
func (sc *Scoped) AddRestoreTest(ctx context.Context, t *contingency.Test, after ...TxFunc) error {
	s := sc.s
	if err := t.Validate(s.now().UTC().Format("2006-01-02")); err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var n int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM assets WHERE id = ? AND org_id = ?`), t.AssetID, sc.org.ID).Scan(&n); err != nil {
			return change{}, translate(err, "asset")
		}
		if n == 0 {
			return change{}, errs.New(errs.NotFound, "asset not found")
		}
		id, err := newID()
		if err != nil {
			return change{}, err
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO restore_tests (id, org_id, asset_id, tested_on, hours, lost_hours, succeeded, by_whom, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, t.AssetID, t.TestedOn, t.Hours, t.LostHours, t.Succeeded, t.By, t.Notes, formatTime(now)); err != nil {
			return change{}, translate(err, "restore test")
		}
		t.ID, t.CreatedAt = id, now
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "contingency.restore_test", target: "asset:" + t.AssetID, after: t}, nil
	})
}
