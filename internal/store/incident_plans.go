package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
)

// IncidentPlans returns every version of the organisation's incident
// response plan, the newest first.
func (sc *Scoped) IncidentPlans(ctx context.Context) ([]*incident.Plan, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT version, body, created_at, created_by, approved_by, approved_on FROM incident_plans WHERE org_id = ? ORDER BY version DESC`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "incident plans")
	}
	defer rows.Close()
	out := []*incident.Plan{}
	for rows.Next() {
		var p incident.Plan
		var version int
		var body, created, by, approvedBy, approvedOn string
		if err := rows.Scan(&version, &body, &created, &by, &approvedBy, &approvedOn); err != nil {
			return nil, translate(err, "incident plans")
		}
		if err := json.Unmarshal([]byte(body), &p); err != nil {
			return nil, errs.Wrap(errs.Internal, "a stored incident plan", err)
		}
		p.Version, p.CreatedBy, p.ApprovedBy, p.ApprovedOn = version, by, approvedBy, approvedOn
		if p.CreatedAt, err = parseTime(created); err != nil {
			return nil, translate(err, "incident plans")
		}
		out = append(out, &p)
	}
	return out, translate(rows.Err(), "incident plans")
}

// SaveIncidentPlan stores p as the next version of the organisation's
// plan, a draft until approved, and audits it. Errors: Invalid.
func (sc *Scoped) SaveIncidentPlan(ctx context.Context, p *incident.Plan, after ...TxFunc) error {
	s := sc.s
	if err := p.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	now, by := s.now().UTC(), audit.ActorFrom(ctx).Label
	p.ApprovedBy, p.ApprovedOn = "", ""
	body, err := json.Marshal(p)
	if err != nil {
		return errs.Wrap(errs.Internal, "an incident plan", err)
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var version int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COALESCE(MAX(version), 0) + 1 FROM incident_plans WHERE org_id = ?`), sc.org.ID).Scan(&version); err != nil {
			return change{}, translate(err, "incident plan")
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO incident_plans (id, org_id, version, body, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, version, string(body), formatTime(now), by); err != nil {
			return change{}, translate(err, "incident plan")
		}
		p.Version, p.CreatedAt, p.CreatedBy = version, now, by
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "incident_plan.save", target: "incident_plan:" + id,
			after: map[string]any{"version": version, "title": p.Title, "roles": len(p.Roles), "contacts": len(p.Contacts), "playbooks": len(p.Playbooks)}}, nil
	})
}

// ApproveIncidentPlan records the approval of a version of the plan, by
// whom and on what day. Errors: Invalid without an approver or a day;
// NotFound; Conflict for a version approved already.
func (sc *Scoped) ApproveIncidentPlan(ctx context.Context, version int, by, on string, after ...TxFunc) error {
	s := sc.s
	by = strings.TrimSpace(by)
	switch {
	case by == "" || len(by) > 200:
		return errs.New(errs.Invalid, "approved_by: who approved the plan (name and role)")
	case !isDay(on):
		return errs.New(errs.Invalid, "approved_on: the day it was approved (YYYY-MM-DD)")
	case on > s.now().UTC().Format("2006-01-02"):
		return errs.New(errs.Invalid, "approved_on: in the future")
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var approved string
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT approved_on FROM incident_plans WHERE org_id = ? AND version = ?`), sc.org.ID, version).Scan(&approved); err != nil {
			return change{}, translate(err, "incident plan")
		}
		if approved != "" {
			return change{}, errs.New(errs.Conflict, "this version was approved on "+approved+": save a new version to change it")
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE incident_plans SET approved_by = ?, approved_on = ? WHERE org_id = ? AND version = ?`), by, on, sc.org.ID, version); err != nil {
			return change{}, translate(err, "incident plan")
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "incident_plan.approve", target: "incident_plan:" + sc.org.ID,
			after: map[string]any{"version": version, "approved_by": by, "approved_on": on}}, nil
	})
}

func isDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
