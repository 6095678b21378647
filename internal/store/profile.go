package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/tailoring"
)

// Profile returns the organisation's profile; an organisation that has not
// filled one in gets an empty profile (Completed false), not an error.
func (sc *Scoped) Profile(ctx context.Context) (*org.Profile, error) {
	return sc.s.profile(ctx, sc.s.read, sc.org.ID)
}

type queryRower interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) profile(ctx context.Context, q queryRower, orgID string) (*org.Profile, error) {
	var raw, updated string
	err := q.QueryRowContext(ctx, s.rebind(`SELECT profile, updated_at FROM org_profiles WHERE org_id = ?`), orgID).Scan(&raw, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return &org.Profile{Systems: []org.System{}}, nil
	}
	if err != nil {
		return nil, translate(err, "profile")
	}
	var p org.Profile
	if err := json.Unmarshal([]byte(raw), &p); err != nil {
		return nil, errs.Wrap(errs.Internal, "the stored profile is unreadable", err)
	}
	if p.Systems == nil {
		p.Systems = []org.System{}
	}
	p.UpdatedAt, _ = parseTime(updated)
	return &p, nil
}

// SaveProfile saves the organisation's own fields (name, entity type,
// workforce, sites) and its profile in one transaction, with one audit
// entry holding both before and after. Errors: Invalid, naming the field.
func (sc *Scoped) SaveProfile(ctx context.Context, o *org.Organization, p *org.Profile) error {
	s := sc.s
	o.ID, o.Slug, o.Demo, o.RequireMFA, o.IdleTimeout = sc.org.ID, sc.org.Slug, sc.org.Demo, sc.org.RequireMFA, sc.org.IdleTimeout
	if err := o.Validate(); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	now := s.now().UTC()
	p.UpdatedAt = now
	raw, err := json.Marshal(p)
	if err != nil {
		return errs.Wrap(errs.Internal, "", err)
	}
	type snapshot struct {
		Org     *org.Organization `json:"organization"`
		Profile *org.Profile      `json:"profile"`
	}
	err = s.audited(ctx, func(tx *sql.Tx) (change, error) {
		before, err := s.profile(ctx, tx, o.ID)
		if err != nil {
			return change{}, err
		}
		_, err = tx.ExecContext(ctx, s.rebind(`UPDATE organizations SET name = ?, entity_type = ?, workforce_size = ?, sites = ?, updated_at = ? WHERE id = ?`),
			o.Name, string(o.EntityType), o.WorkforceSize, o.Sites, formatTime(now), o.ID)
		if err != nil {
			return change{}, translate(err, "organisation")
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO org_profiles (org_id, profile, updated_at) VALUES (?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET profile = excluded.profile, updated_at = excluded.updated_at`), o.ID, string(raw), formatTime(now))
		if err != nil {
			return change{}, translate(err, "profile")
		}
		return change{orgID: o.ID, action: "org.profile_update", target: "org:" + o.ID,
			before: snapshot{sc.org, before}, after: snapshot{o, p}}, nil
	})
	if err != nil {
		return err
	}
	o.UpdatedAt = now
	*sc.org = *o
	return nil
}

// TailoringOverrides returns the organisation's overrides by item id.
func (sc *Scoped) TailoringOverrides(ctx context.Context) (map[string]tailoring.Override, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT item_id, applicable, justification, created_by, created_at FROM tailoring_overrides WHERE org_id = ?`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "tailoring overrides")
	}
	defer rows.Close()
	out := map[string]tailoring.Override{}
	for rows.Next() {
		var o tailoring.Override
		var at string
		if err := rows.Scan(&o.ItemID, &o.Applicable, &o.Justification, &o.By, &at); err != nil {
			return nil, translate(err, "tailoring overrides")
		}
		o.At, _ = parseTime(at)
		out[o.ItemID] = o
	}
	return out, translate(rows.Err(), "tailoring overrides")
}

// SetTailoringOverride records (or replaces) a person's decision on whether
// an item applies, with its justification, under the actor of ctx. The
// caller checks that the item exists. Errors: Invalid without a
// justification.
func (sc *Scoped) SetTailoringOverride(ctx context.Context, o *tailoring.Override) error {
	s := sc.s
	if err := o.Validate(); err != nil {
		return err
	}
	o.By, o.At = audit.ActorFrom(ctx).Label, s.now().UTC()
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO tailoring_overrides (org_id, item_id, applicable, justification, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, item_id) DO UPDATE SET applicable = excluded.applicable, justification = excluded.justification, created_by = excluded.created_by, created_at = excluded.created_at`),
			sc.org.ID, o.ItemID, o.Applicable, o.Justification, o.By, formatTime(o.At))
		if err != nil {
			return change{}, translate(err, "tailoring override")
		}
		return change{orgID: sc.org.ID, action: "tailoring.override", target: "item:" + o.ItemID, after: o}, nil
	})
}

// ClearTailoringOverride removes an override, so Safeguard's decision
// stands again. Errors: NotFound when there is none.
func (sc *Scoped) ClearTailoringOverride(ctx context.Context, itemID string) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM tailoring_overrides WHERE org_id = ? AND item_id = ?`), sc.org.ID, itemID)
		if err != nil {
			return change{}, translate(err, "tailoring override")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return change{}, errs.New(errs.NotFound, "no override for "+itemID)
		}
		return change{orgID: sc.org.ID, action: "tailoring.override_clear", target: "item:" + itemID}, nil
	})
}
