package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
)

const orgColumns = "id, slug, name, entity_type, workforce_size, sites, demo, created_at, updated_at, require_mfa, idle_timeout_seconds"

// CreateOrganization stores a new organisation, setting its ID and
// timestamps. Errors: Invalid (see Organization.Validate), Conflict when the
// slug is taken.
func (s *Store) CreateOrganization(ctx context.Context, o *org.Organization) error {
	if err := o.Validate(); err != nil {
		return err
	}
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) { return s.insertOrganization(ctx, tx, o) })
	if err != nil {
		o.ID = ""
	}
	return err
}

// insertOrganization adds a validated organisation inside tx, setting its ID
// and timestamps, and returns the audit change for it.
func (s *Store) insertOrganization(ctx context.Context, tx *sql.Tx, o *org.Organization) (change, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return change{}, errs.Wrap(errs.Internal, "", err)
	}
	now := s.now().UTC()
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO organizations (`+orgColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id.String(), o.Slug, o.Name, string(o.EntityType), o.WorkforceSize, o.Sites, o.Demo, formatTime(now), formatTime(now), o.RequireMFA, int64(o.IdleTimeout.Seconds()))
	if err != nil {
		return change{}, translate(err, fmt.Sprintf("organisation %q", o.Slug))
	}
	o.ID, o.CreatedAt, o.UpdatedAt = id.String(), now, now
	return change{orgID: o.ID, action: "org.create", target: "org:" + o.ID, after: o}, nil
}

// UpdateOrganization saves an organisation's fields. Errors: Invalid,
// NotFound, Conflict when the new slug is taken.
func (s *Store) UpdateOrganization(ctx context.Context, o *org.Organization) error {
	if err := o.Validate(); err != nil {
		return err
	}
	now := s.now().UTC()
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		before, err := scanOrg(tx.QueryRowContext(ctx, s.rebind(`SELECT `+orgColumns+` FROM organizations WHERE id = ?`), o.ID))
		if err != nil {
			return change{}, translate(err, "organisation")
		}
		_, err = tx.ExecContext(ctx, s.rebind(`UPDATE organizations SET slug = ?, name = ?, entity_type = ?, workforce_size = ?, sites = ?, demo = ?, require_mfa = ?, idle_timeout_seconds = ?, updated_at = ? WHERE id = ?`),
			o.Slug, o.Name, string(o.EntityType), o.WorkforceSize, o.Sites, o.Demo, o.RequireMFA, int64(o.IdleTimeout.Seconds()), formatTime(now), o.ID)
		if err != nil {
			return change{}, translate(err, fmt.Sprintf("organisation %q", o.Slug))
		}
		o.UpdatedAt = now
		return change{orgID: o.ID, action: "org.update", target: "org:" + o.ID, before: before, after: o}, nil
	})
}

// DeleteOrganization removes an organisation. Errors: NotFound.
func (s *Store) DeleteOrganization(ctx context.Context, id string) error {
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		before, err := scanOrg(tx.QueryRowContext(ctx, s.rebind(`SELECT `+orgColumns+` FROM organizations WHERE id = ?`), id))
		if err != nil {
			return change{}, translate(err, "organisation")
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM organizations WHERE id = ?`), id); err != nil {
			return change{}, translate(err, "organisation")
		}
		return change{orgID: id, action: "org.delete", target: "org:" + id, before: before}, nil
	})
}

// Organization returns an organisation by id. Errors: NotFound.
func (s *Store) Organization(ctx context.Context, id string) (*org.Organization, error) {
	return s.orgWhere(ctx, "id = ?", id)
}

// OrganizationBySlug returns an organisation by slug. Errors: NotFound.
func (s *Store) OrganizationBySlug(ctx context.Context, slug string) (*org.Organization, error) {
	return s.orgWhere(ctx, "slug = ?", slug)
}

func (s *Store) orgWhere(ctx context.Context, where string, arg any) (*org.Organization, error) {
	row := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+orgColumns+` FROM organizations WHERE `+where), arg)
	o, err := scanOrg(row)
	if err != nil {
		return nil, translate(err, "organisation")
	}
	return o, nil
}

// HasDemoOrganization reports whether any organisation is a demonstration
// one (every page then says so): one indexed-size query, not a listing.
func (s *Store) HasDemoOrganization(ctx context.Context) (bool, error) {
	var n int
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM organizations WHERE demo LIMIT 1) d`).Scan(&n)
	return n > 0, translate(err, "organisations")
}

// Organizations lists every organisation by name.
func (s *Store) Organizations(ctx context.Context) ([]*org.Organization, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT `+orgColumns+` FROM organizations ORDER BY name, slug`)
	if err != nil {
		return nil, translate(err, "organisations")
	}
	defer rows.Close()
	var out []*org.Organization
	for rows.Next() {
		o, err := scanOrg(rows)
		if err != nil {
			return nil, translate(err, "organisations")
		}
		out = append(out, o)
	}
	return out, translate(rows.Err(), "organisations")
}

// ResolveOrganization finds the organisation a CLI verb or request means:
// by slug or id when ref is given; the only organisation when ref is empty.
// Errors: NotFound when ref matches none or there is no organisation yet;
// Invalid when ref is empty and there are several.
func (s *Store) ResolveOrganization(ctx context.Context, ref string) (*org.Organization, error) {
	ref = strings.TrimSpace(ref)
	if ref != "" {
		o, err := s.OrganizationBySlug(ctx, ref)
		if errs.Is(err, errs.NotFound) {
			o, err = s.Organization(ctx, ref)
		}
		if errs.Is(err, errs.NotFound) {
			return nil, errs.New(errs.NotFound, fmt.Sprintf("no organisation %q", ref))
		}
		return o, err
	}
	all, err := s.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	switch len(all) {
	case 0:
		return nil, errs.New(errs.NotFound, "there is no organisation yet: run `safeguard demo` for a demonstration one")
	case 1:
		return all[0], nil
	}
	slugs := make([]string, len(all))
	for i, o := range all {
		slugs[i] = o.Slug
	}
	return nil, errs.New(errs.Invalid, "this database holds several organisations: pass --org with one of "+strings.Join(slugs, ", "))
}

type scanner interface{ Scan(dest ...any) error }

func scanOrg(sc scanner) (*org.Organization, error) {
	var o org.Organization
	var et, created, updated string
	var idle int64
	if err := sc.Scan(&o.ID, &o.Slug, &o.Name, &et, &o.WorkforceSize, &o.Sites, &o.Demo, &created, &updated, &o.RequireMFA, &idle); err != nil {
		return nil, err
	}
	o.IdleTimeout = time.Duration(idle) * time.Second
	o.EntityType = org.EntityType(et)
	var err error
	if o.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if o.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	return &o, nil
}
