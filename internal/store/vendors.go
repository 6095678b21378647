package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

const vendorColumns = "id, name, services, website, owner, notes, creates, receives, maintains, transmits, records, access, criticality, status, status_reason, COALESCE(subcontractor_of, ''), tier_override, tier_reason, contacts, created_at, updated_at"

func scanVendor(row scanner) (*vendor.Vendor, error) {
	var v vendor.Vendor
	var access, crit, status, contacts, created, updated string
	if err := row.Scan(&v.ID, &v.Name, &v.Services, &v.Website, &v.Owner, &v.Notes, &v.Creates, &v.Receives, &v.Maintains, &v.Transmits, &v.Records,
		&access, &crit, &status, &v.StatusReason, &v.SubcontractorOf, &v.TierOverride, &v.TierReason, &contacts, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(contacts), &v.Contacts); err != nil {
		return nil, err
	}
	v.Access, v.Criticality, v.Status = vendor.Access(access), risk.Criticality(crit), vendor.Status(status)
	v.Assets, v.Flows = []string{}, []string{}
	var err error
	if v.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	v.UpdatedAt, err = parseTime(updated)
	return &v, err
}

// Vendors returns the vendor register in name order, each with the
// assets and flows it touches.
func (sc *Scoped) Vendors(ctx context.Context) ([]*vendor.Vendor, error) {
	return sc.vendors(ctx, sc.s.reader(ctx), "")
}

// Vendor returns one vendor. Errors: NotFound.
func (sc *Scoped) Vendor(ctx context.Context, id string) (*vendor.Vendor, error) {
	vs, err := sc.vendors(ctx, sc.s.reader(ctx), id)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, errs.New(errs.NotFound, "vendor not found")
	}
	return vs[0], nil
}

func (sc *Scoped) vendors(ctx context.Context, q querier, id string) ([]*vendor.Vendor, error) {
	s := sc.s
	where, args := ` WHERE org_id = ?`, []any{sc.org.ID}
	if id != "" {
		where, args = where+` AND id = ?`, append(args, id)
	}
	rows, err := q.QueryContext(ctx, s.rebind(`SELECT `+vendorColumns+` FROM vendors`+where+` ORDER BY lower(name), id`), args...)
	if err != nil {
		return nil, translate(err, "vendors")
	}
	var out []*vendor.Vendor
	byID := map[string]*vendor.Vendor{}
	for rows.Next() {
		v, err := scanVendor(rows)
		if err != nil {
			rows.Close()
			return nil, translate(err, "vendors")
		}
		out = append(out, v)
		byID[v.ID] = v
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "vendors")
	}
	// The links, each table read once, in the assets' and flows' order.
	for _, l := range []struct {
		q   string
		add func(v *vendor.Vendor, id string)
	}{
		{`SELECT va.vendor_id, va.asset_id FROM vendor_assets va JOIN assets a ON a.id = va.asset_id WHERE a.org_id = ?`, func(v *vendor.Vendor, id string) { v.Assets = append(v.Assets, id) }},
		{`SELECT vf.vendor_id, vf.flow_id FROM vendor_flows vf JOIN asset_flows f ON f.id = vf.flow_id WHERE f.org_id = ?`, func(v *vendor.Vendor, id string) { v.Flows = append(v.Flows, id) }},
	} {
		q, args := l.q, []any{sc.org.ID}
		if id != "" {
			q, args = q+` AND vendor_id = ?`, append(args, id)
		}
		rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+` ORDER BY 2`), args...)
		if err != nil {
			return nil, translate(err, "vendors")
		}
		for rows.Next() {
			var vid, link string
			if err := rows.Scan(&vid, &link); err != nil {
				rows.Close()
				return nil, translate(err, "vendors")
			}
			if v := byID[vid]; v != nil {
				l.add(v, link)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err, "vendors")
		}
	}
	return out, nil
}

func contactsJSON(v *vendor.Vendor) string {
	if len(v.Contacts) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(v.Contacts)
	return string(b)
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// checkVendorRefs holds a vendor's references to the register: its
// business associate a business associate of the organisation's, its
// assets and flows the organisation's.
func (sc *Scoped) checkVendorRefs(ctx context.Context, tx *sql.Tx, v *vendor.Vendor) error {
	s := sc.s
	if v.SubcontractorOf != "" {
		var status string
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT status FROM vendors WHERE id = ? AND org_id = ?`), v.SubcontractorOf, sc.org.ID).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return errs.New(errs.Invalid, "subcontractor_of: no such vendor in the register")
		case err != nil:
			return translate(err, "vendor")
		case vendor.Status(status) != vendor.BusinessAssociate:
			return errs.New(errs.Invalid, fmt.Sprintf("subcontractor_of: that vendor is %s, not a business associate", vendor.Status(status).Label()))
		}
	}
	if err := sc.ownAll(ctx, tx, "assets", "assets", v.Assets); err != nil {
		return err
	}
	return sc.ownAll(ctx, tx, "asset_flows", "flows", v.Flows)
}

// writeVendorLinks replaces a vendor's links to assets and flows.
func (sc *Scoped) writeVendorLinks(ctx context.Context, tx *sql.Tx, v *vendor.Vendor) error {
	s := sc.s
	for _, l := range []struct {
		table, column string
		ids           []string
	}{{"vendor_assets", "asset_id", v.Assets}, {"vendor_flows", "flow_id", v.Flows}} {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM `+l.table+` WHERE vendor_id = ?`), v.ID); err != nil {
			return translate(err, "vendor")
		}
		for _, id := range l.ids {
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO `+l.table+` (vendor_id, `+l.column+`) VALUES (?, ?)`), v.ID, id); err != nil {
				return translate(err, "vendor")
			}
		}
	}
	return nil
}

func vendorConflict(err error, name string) error {
	if errs.Is(err, errs.Conflict) {
		return errs.New(errs.Conflict, fmt.Sprintf("name: the register already has a vendor named %q", name))
	}
	return err
}

func (sc *Scoped) insertVendor(ctx context.Context, tx *sql.Tx, v *vendor.Vendor, now time.Time) error {
	if v.ID == "" {
		id, err := newID()
		if err != nil {
			return err
		}
		v.ID = id
	}
	if err := sc.checkVendorRefs(ctx, tx, v); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, sc.s.rebind(`INSERT INTO vendors (org_id, id, name, services, website, owner, notes, creates, receives, maintains, transmits, records,
		access, criticality, status, status_reason, subcontractor_of, tier_override, tier_reason, contacts, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		sc.org.ID, v.ID, v.Name, v.Services, v.Website, v.Owner, v.Notes, v.Creates, v.Receives, v.Maintains, v.Transmits, v.Records,
		string(v.Access), string(v.Criticality), string(v.Status), v.StatusReason, nullable(v.SubcontractorOf), v.TierOverride, v.TierReason, contactsJSON(v),
		formatTime(now), formatTime(now))
	if err != nil {
		return vendorConflict(translate(err, "vendor"), v.Name)
	}
	v.CreatedAt, v.UpdatedAt = now, now
	return sc.writeVendorLinks(ctx, tx, v)
}

func (sc *Scoped) updateVendor(ctx context.Context, tx *sql.Tx, v *vendor.Vendor, now time.Time) error {
	if err := sc.checkVendorRefs(ctx, tx, v); err != nil {
		return err
	}
	if v.Status != vendor.BusinessAssociate {
		if err := sc.noSubcontractors(ctx, tx, v, "is no longer a business associate"); err != nil {
			return err
		}
	}
	res, err := tx.ExecContext(ctx, sc.s.rebind(`UPDATE vendors SET name = ?, services = ?, website = ?, owner = ?, notes = ?, creates = ?, receives = ?, maintains = ?, transmits = ?,
		records = ?, access = ?, criticality = ?, status = ?, status_reason = ?, subcontractor_of = ?, tier_override = ?, tier_reason = ?, contacts = ?, updated_at = ?
		WHERE id = ? AND org_id = ?`),
		v.Name, v.Services, v.Website, v.Owner, v.Notes, v.Creates, v.Receives, v.Maintains, v.Transmits, v.Records,
		string(v.Access), string(v.Criticality), string(v.Status), v.StatusReason, nullable(v.SubcontractorOf), v.TierOverride, v.TierReason, contactsJSON(v),
		formatTime(now), v.ID, sc.org.ID)
	if err != nil {
		return vendorConflict(translate(err, "vendor"), v.Name)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.NotFound, "vendor not found")
	}
	v.UpdatedAt = now
	return sc.writeVendorLinks(ctx, tx, v)
}

// noSubcontractors refuses a change that would leave the vendor's
// subcontractors without their business associate.
func (sc *Scoped) noSubcontractors(ctx context.Context, tx *sql.Tx, v *vendor.Vendor, why string) error {
	rows, err := tx.QueryContext(ctx, sc.s.rebind(`SELECT name FROM vendors WHERE subcontractor_of = ? AND org_id = ? ORDER BY lower(name)`), v.ID, sc.org.ID)
	if err != nil {
		return translate(err, "vendor")
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return translate(err, "vendor")
		}
		names = append(names, fmt.Sprintf("%q", n))
	}
	if err := rows.Err(); err != nil {
		return translate(err, "vendor")
	}
	if len(names) > 0 {
		return errs.New(errs.Conflict, fmt.Sprintf("%q %s but %s its subcontractor(s): change them first", v.Name, why, strings.Join(names, ", ")+map[bool]string{true: " is", false: " are"}[len(names) == 1]))
	}
	return nil
}

// CreateVendor adds a vendor to the register. Errors: Invalid, Conflict
// for a name already used.
func (sc *Scoped) CreateVendor(ctx context.Context, v *vendor.Vendor, after ...TxFunc) error {
	if err := v.Validate(); err != nil {
		return err
	}
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.insertVendor(ctx, tx, v, sc.s.now().UTC()); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "vendor.create", target: "vendor:" + v.ID, after: v}, nil
	})
}

// UpdateVendor saves a vendor's fields and links. Errors: Invalid,
// NotFound, Conflict (a name used, or subcontractors left without their
// business associate).
func (sc *Scoped) UpdateVendor(ctx context.Context, v *vendor.Vendor, after ...TxFunc) error {
	if err := v.Validate(); err != nil {
		return err
	}
	before, err := sc.Vendor(ctx, v.ID)
	if err != nil {
		return err
	}
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.updateVendor(ctx, tx, v, sc.s.now().UTC()); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		v.CreatedAt = before.CreatedAt
		return change{orgID: sc.org.ID, action: "vendor.update", target: "vendor:" + v.ID, before: before, after: v}, nil
	})
}

// DeleteVendor removes a vendor from the register. Errors: NotFound,
// Conflict naming its subcontractors.
func (sc *Scoped) DeleteVendor(ctx context.Context, id string, after ...TxFunc) error {
	before, err := sc.Vendor(ctx, id)
	if err != nil {
		return err
	}
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.noSubcontractors(ctx, tx, before, "cannot be deleted"); err != nil {
			return change{}, err
		}
		res, err := tx.ExecContext(ctx, sc.s.rebind(`DELETE FROM vendors WHERE id = ? AND org_id = ?`), id, sc.org.ID)
		if err != nil {
			return change{}, translate(err, "vendor")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return change{}, errs.New(errs.NotFound, "vendor not found")
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "vendor.delete", target: "vendor:" + id, before: before}, nil
	})
}

// ApplyVendorPlan writes a register import in one transaction: all of it
// or, on any error, none; the business associates the file adds get their
// ids before the subcontractors that name them are written. The audit
// entry names the file and its hash.
func (sc *Scoped) ApplyVendorPlan(ctx context.Context, p *vendor.Plan, after ...TxFunc) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		now := s.now().UTC()
		children := map[*vendor.Vendor]bool{}
		for child := range p.NewParents {
			children[child] = true
		}
		// Business associates first, then the subcontractors.
		adds := slices.Clone(p.Add)
		slices.SortStableFunc(adds, func(a, b *vendor.Vendor) int {
			return boolInt(children[a]) - boolInt(children[b])
		})
		for _, v := range adds {
			if parent := p.NewParents[v]; parent != nil {
				v.SubcontractorOf = parent.ID
			}
			if err := sc.insertVendor(ctx, tx, v, now); err != nil {
				return change{}, err
			}
		}
		for _, u := range p.Update {
			if parent := p.NewParents[u.New]; parent != nil {
				u.New.SubcontractorOf = parent.ID
			}
			if err := sc.updateVendor(ctx, tx, u.New, now); err != nil {
				return change{}, err
			}
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "vendor.import", target: "org:" + sc.org.ID,
			after: map[string]any{"file": p.File, "sha256": p.SHA256, "added": len(p.Add), "updated": len(p.Update), "unchanged": p.Unchanged}}, nil
	})
}
