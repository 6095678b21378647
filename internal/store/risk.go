package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
)

func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", errs.Wrap(errs.Internal, "", err)
	}
	return id.String(), nil
}

// RiskSettings returns the organisation's rating scales and review interval
// in months: the defaults until someone changes them.
func (sc *Scoped) RiskSettings(ctx context.Context) (risk.Scales, int, error) {
	return sc.riskSettings(ctx, sc.s.reader(ctx))
}

// riskSettings reads the settings through q (the read pool, or a
// transaction that writes risks and must rate them on the scales it
// sees).
func (sc *Scoped) riskSettings(ctx context.Context, q queryRower) (risk.Scales, int, error) {
	s := sc.s
	var raw string
	var months int
	err := q.QueryRowContext(ctx, s.rebind(`SELECT scales, review_months FROM risk_settings WHERE org_id = ?`), sc.org.ID).Scan(&raw, &months)
	if errors.Is(err, sql.ErrNoRows) {
		return risk.Default(), risk.DefaultReviewMonths, nil
	}
	if err != nil {
		return risk.Scales{}, 0, translate(err, "risk settings")
	}
	var scales risk.Scales
	if err := json.Unmarshal([]byte(raw), &scales); err != nil {
		return risk.Scales{}, 0, errs.Wrap(errs.Internal, "risk settings", err)
	}
	return scales, months, nil
}

// SaveRiskSettings sets the scales and review interval. Errors: Invalid
// for inconsistent scales, a review interval outside 1..36 months, or a
// scale too short for ratings risks already carry.
func (sc *Scoped) SaveRiskSettings(ctx context.Context, scales risk.Scales, months int) error {
	s := sc.s
	if err := scales.Validate(); err != nil {
		return err
	}
	if months < 1 || months > 36 {
		return errs.New(errs.Invalid, fmt.Sprintf("review_months: %d is not between 1 and 36", months))
	}
	raw, err := json.Marshal(scales)
	if err != nil {
		return errs.Wrap(errs.Internal, "", err)
	}
	before, beforeMonths, err := sc.RiskSettings(ctx)
	if err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var l, i int
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT COALESCE(MAX(CASE WHEN likelihood > target_likelihood THEN likelihood ELSE target_likelihood END), 0),
			COALESCE(MAX(CASE WHEN impact_c >= impact_i AND impact_c >= impact_a AND impact_c >= target_impact THEN impact_c
				WHEN impact_i >= impact_a AND impact_i >= target_impact THEN impact_i WHEN impact_a >= target_impact THEN impact_a ELSE target_impact END), 0)
			FROM risks WHERE org_id = ?`), sc.org.ID).Scan(&l, &i)
		if err != nil {
			return change{}, translate(err, "risks")
		}
		if l > len(scales.Likelihood) || i > len(scales.Impact) {
			return change{}, errs.New(errs.Invalid, fmt.Sprintf("risks are rated up to likelihood %d and impact %d: the scales cannot be shorter than that until those ratings change", l, i))
		}
		_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO risk_settings (org_id, scales, review_months, updated_at, updated_by) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT (org_id) DO UPDATE SET scales = excluded.scales, review_months = excluded.review_months, updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
			sc.org.ID, string(raw), months, formatTime(s.now()), audit.ActorFrom(ctx).Label)
		if err != nil {
			return change{}, translate(err, "risk settings")
		}
		if err := sc.rebandRisks(ctx, tx, &scales); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "risk.scales", target: "org:" + sc.org.ID,
			before: map[string]any{"scales": before, "review_months": beforeMonths}, after: map[string]any{"scales": scales, "review_months": months}}, nil
	})
}

const assetColumns = "id, name, type, description, creates, receives, maintains, transmits, records, owner, location, vendor, criticality, internet_facing, identifiers, created_at, updated_at"

func scanAsset(row scanner) (*risk.Asset, error) {
	var a risk.Asset
	var typ, crit, ids, created, updated string
	if err := row.Scan(&a.ID, &a.Name, &typ, &a.Description, &a.Creates, &a.Receives, &a.Maintains, &a.Transmits, &a.Records,
		&a.Owner, &a.Location, &a.Vendor, &crit, &a.InternetFacing, &ids, &created, &updated); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(ids), &a.Identifiers); err != nil {
		return nil, err
	}
	a.Type, a.Criticality = risk.AssetType(typ), risk.Criticality(crit)
	var err error
	if a.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	a.UpdatedAt, err = parseTime(updated)
	return &a, err
}

// Assets returns the inventory in name order.
func (sc *Scoped) Assets(ctx context.Context) ([]*risk.Asset, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+assetColumns+` FROM assets WHERE org_id = ? ORDER BY lower(name)`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "assets")
	}
	defer rows.Close()
	var out []*risk.Asset
	for rows.Next() {
		a, err := scanAsset(rows)
		if err != nil {
			return nil, translate(err, "assets")
		}
		out = append(out, a)
	}
	return out, translate(rows.Err(), "assets")
}

// AssetNames maps the inventory both ways: lower-case name to id (how a
// roster's systems column names assets) and id to name (how a checklist
// names them).
func (sc *Scoped) AssetNames(ctx context.Context) (byName, byID map[string]string, err error) {
	assets, err := sc.Assets(ctx)
	if err != nil {
		return nil, nil, err
	}
	byName, byID = make(map[string]string, len(assets)), make(map[string]string, len(assets))
	for _, a := range assets {
		byName[strings.ToLower(a.Name)], byID[a.ID] = a.ID, a.Name
	}
	return byName, byID, nil
}

// Asset returns one asset. Errors: NotFound.
func (sc *Scoped) Asset(ctx context.Context, id string) (*risk.Asset, error) {
	s := sc.s
	a, err := scanAsset(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+assetColumns+` FROM assets WHERE id = ? AND org_id = ?`), id, sc.org.ID))
	return a, translate(err, "asset")
}

func (sc *Scoped) insertAsset(ctx context.Context, tx *sql.Tx, a *risk.Asset, now time.Time) error {
	id, err := newID()
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, sc.s.rebind(`INSERT INTO assets (org_id, `+assetColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		sc.org.ID, id, a.Name, string(a.Type), a.Description, a.Creates, a.Receives, a.Maintains, a.Transmits, a.Records, a.Owner, a.Location, a.Vendor,
		string(a.Criticality), a.InternetFacing, identifiersJSON(a), formatTime(now), formatTime(now))
	if err != nil {
		return nameConflict(translate(err, "asset"), a.Name)
	}
	a.ID, a.CreatedAt, a.UpdatedAt = id, now, now
	return nil
}

func identifiersJSON(a *risk.Asset) string {
	if len(a.Identifiers) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(a.Identifiers)
	return string(b)
}

func nameConflict(err error, name string) error {
	if errs.Is(err, errs.Conflict) {
		return errs.New(errs.Conflict, fmt.Sprintf("name: the inventory already has an asset named %q", name))
	}
	return err
}

// ephiFlag is 1 for an asset that creates, receives, maintains or
// transmits ePHI, else 0: what the inventory's tally counts.
func ephiFlag(a *risk.Asset) int {
	if a.HoldsEPHI() {
		return 1
	}
	return 0
}

// ephiOf is, as SQL over an asset row, its ePHI flag.
const ephiOf = `CASE WHEN creates OR receives OR maintains OR transmits THEN 1 ELSE 0 END`

// tallyInventory moves, inside tx, the organisation's inventory tally by
// assets assets of which ephi hold ePHI (each may be negative).
func (sc *Scoped) tallyInventory(ctx context.Context, tx *sql.Tx, assets, ephi int) error {
	if assets == 0 && ephi == 0 {
		return nil
	}
	_, err := tx.ExecContext(ctx, sc.s.rebind(`INSERT INTO inventory_tallies (org_id, assets, ephi) VALUES (?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET assets = inventory_tallies.assets + excluded.assets, ephi = inventory_tallies.ephi + excluded.ephi`), sc.org.ID, assets, ephi)
	return translate(err, "inventory")
}

// updateAsset saves an asset inside tx and says how its ePHI flag moved
// (-1, 0 or 1), read from the row it replaces.
func (sc *Scoped) updateAsset(ctx context.Context, tx *sql.Tx, a *risk.Asset, now time.Time) (int, error) {
	var was int
	err := tx.QueryRowContext(ctx, sc.s.rebind(`SELECT `+ephiOf+` FROM assets WHERE id = ? AND org_id = ?`), a.ID, sc.org.ID).Scan(&was)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, errs.New(errs.NotFound, "asset not found")
	}
	if err != nil {
		return 0, translate(err, "asset")
	}
	res, err := tx.ExecContext(ctx, sc.s.rebind(`UPDATE assets SET name = ?, type = ?, description = ?, creates = ?, receives = ?, maintains = ?, transmits = ?, records = ?,
		owner = ?, location = ?, vendor = ?, criticality = ?, internet_facing = ?, identifiers = ?, updated_at = ? WHERE id = ? AND org_id = ?`),
		a.Name, string(a.Type), a.Description, a.Creates, a.Receives, a.Maintains, a.Transmits, a.Records, a.Owner, a.Location, a.Vendor,
		string(a.Criticality), a.InternetFacing, identifiersJSON(a), formatTime(now), a.ID, sc.org.ID)
	if err != nil {
		return 0, nameConflict(translate(err, "asset"), a.Name)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return 0, errs.New(errs.NotFound, "asset not found")
	}
	a.UpdatedAt = now
	return ephiFlag(a) - was, sc.keepAssetKeys(ctx, tx, a.ID)
}

// CreateAsset adds an asset to the inventory. Errors: Invalid, Conflict
// for a name already used.
func (sc *Scoped) CreateAsset(ctx context.Context, a *risk.Asset) error {
	if err := a.Validate(); err != nil {
		return err
	}
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.insertAsset(ctx, tx, a, sc.s.now().UTC()); err != nil {
			return change{}, err
		}
		if err := sc.tallyInventory(ctx, tx, 1, ephiFlag(a)); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "asset.create", target: "asset:" + a.ID, after: a}, nil
	})
}

// UpdateAsset saves an asset's fields. Errors: Invalid, NotFound, Conflict.
func (sc *Scoped) UpdateAsset(ctx context.Context, a *risk.Asset) error {
	if err := a.Validate(); err != nil {
		return err
	}
	before, err := sc.Asset(ctx, a.ID)
	if err != nil {
		return err
	}
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		moved, err := sc.updateAsset(ctx, tx, a, sc.s.now().UTC())
		if err != nil {
			return change{}, err
		}
		if err := sc.tallyInventory(ctx, tx, 0, moved); err != nil {
			return change{}, err
		}
		a.CreatedAt = before.CreatedAt
		return change{orgID: sc.org.ID, action: "asset.update", target: "asset:" + a.ID, before: before, after: a}, nil
	})
}

// DeleteAsset removes an asset no risk names. Errors: NotFound, Conflict
// naming the risks that use it.
func (sc *Scoped) DeleteAsset(ctx context.Context, id string) error {
	s := sc.s
	before, err := sc.Asset(ctx, id)
	if err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT r.number FROM risk_assets ra JOIN risks r ON r.id = ra.risk_id WHERE ra.asset_id = ? ORDER BY r.number`), id)
		if err != nil {
			return change{}, translate(err, "asset")
		}
		var refs []string
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				rows.Close()
				return change{}, translate(err, "asset")
			}
			refs = append(refs, risk.Ref(n))
		}
		rows.Close()
		if len(refs) > 0 {
			return change{}, errs.New(errs.Conflict, fmt.Sprintf("%q is named by %s: take it off those risks first", before.Name, strings.Join(refs, ", ")))
		}
		var was int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT `+ephiOf+` FROM assets WHERE id = ? AND org_id = ?`), id, sc.org.ID).Scan(&was); err != nil {
			if errors.Is(err, sql.ErrNoRows) {
				return change{}, errs.New(errs.NotFound, "asset not found")
			}
			return change{}, translate(err, "asset")
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM assets WHERE id = ? AND org_id = ?`), id, sc.org.ID); err != nil {
			return change{}, translate(err, "asset")
		}
		if err := sc.tallyInventory(ctx, tx, -1, -was); err != nil {
			return change{}, err
		}
		if err := sc.keepAssetKeys(ctx, tx, id); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "asset.delete", target: "asset:" + id, before: before}, nil
	})
}

// AssetEdit is a bulk edit: the fields set are applied to every asset
// named.
type AssetEdit struct {
	Owner       *string
	Location    *string
	Vendor      *string
	Criticality *risk.Criticality
	Type        *risk.AssetType
}

// BulkEditAssets applies one edit to many assets in one transaction with
// one audit entry. Errors: Invalid for an empty edit or bad value,
// NotFound when an id is not the organisation's (nothing is changed).
func (sc *Scoped) BulkEditAssets(ctx context.Context, ids []string, e AssetEdit) (int, error) {
	s := sc.s
	var sets []string
	var args []any
	var fields []string
	if e.Owner != nil {
		sets, args, fields = append(sets, "owner = ?"), append(args, strings.TrimSpace(*e.Owner)), append(fields, "owner")
	}
	if e.Location != nil {
		sets, args, fields = append(sets, "location = ?"), append(args, strings.TrimSpace(*e.Location)), append(fields, "location")
	}
	if e.Vendor != nil {
		sets, args, fields = append(sets, "vendor = ?"), append(args, strings.TrimSpace(*e.Vendor)), append(fields, "vendor")
	}
	if e.Criticality != nil {
		c, ok := risk.ParseCriticality(string(*e.Criticality))
		if !ok {
			return 0, errs.New(errs.Invalid, fmt.Sprintf("criticality: %q is not low, moderate, high or critical", *e.Criticality))
		}
		sets, args, fields = append(sets, "criticality = ?"), append(args, string(c)), append(fields, "criticality")
	}
	if e.Type != nil {
		t, ok := risk.ParseAssetType(string(*e.Type))
		if !ok {
			return 0, errs.New(errs.Invalid, fmt.Sprintf("type: %q is not an asset type", *e.Type))
		}
		sets, args, fields = append(sets, "type = ?"), append(args, string(t)), append(fields, "type")
	}
	switch {
	case len(sets) == 0:
		return 0, errs.New(errs.Invalid, "choose at least one field to change")
	case len(ids) == 0:
		return 0, errs.New(errs.Invalid, "choose at least one asset")
	}
	ids = slices.Compact(slices.Sorted(slices.Values(ids)))
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		q := s.rebind(`UPDATE assets SET ` + strings.Join(sets, ", ") + `, updated_at = ? WHERE id = ? AND org_id = ?`)
		now := formatTime(s.now())
		for _, id := range ids {
			res, err := tx.ExecContext(ctx, q, append(slices.Clone(args), now, id, sc.org.ID)...)
			if err != nil {
				return change{}, translate(err, "asset")
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return change{}, errs.New(errs.NotFound, "asset "+id+" not found: nothing was changed")
			}
		}
		if e.Criticality != nil {
			if err := sc.keepAssetKeys(ctx, tx, ids...); err != nil {
				return change{}, err
			}
		}
		return change{orgID: sc.org.ID, action: "asset.bulk_edit", target: "org:" + sc.org.ID, after: map[string]any{"assets": ids, "fields": fields, "values": args}}, nil
	})
	return len(ids), err
}

// ApplyAssetPlan writes an inventory import in one transaction: all of it
// or, on any error, none. The audit entry names the file and its hash.
func (sc *Scoped) ApplyAssetPlan(ctx context.Context, p *risk.AssetPlan) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		now := s.now().UTC()
		ephi := 0
		for _, a := range p.Add {
			if err := sc.insertAsset(ctx, tx, a, now); err != nil {
				return change{}, err
			}
			ephi += ephiFlag(a)
		}
		for _, u := range p.Update {
			moved, err := sc.updateAsset(ctx, tx, u.New, now)
			if err != nil {
				return change{}, err
			}
			ephi += moved
		}
		if err := sc.tallyInventory(ctx, tx, len(p.Add), ephi); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "asset.import", target: "org:" + sc.org.ID,
			after: map[string]any{"file": p.File, "sha256": p.SHA256, "added": len(p.Add), "updated": len(p.Update), "unchanged": p.Unchanged}}, nil
	})
}

// Flows returns the data flows.
func (sc *Scoped) Flows(ctx context.Context) ([]*risk.Flow, error) {
	return sc.flows(ctx, `SELECT id, from_asset, to_asset, description, encrypted FROM asset_flows WHERE org_id = ? ORDER BY id`, sc.org.ID)
}

// FlowsOf returns the data flows into and out of one asset.
func (sc *Scoped) FlowsOf(ctx context.Context, assetID string) ([]*risk.Flow, error) {
	return sc.flows(ctx, flowsOfQuery, sc.org.ID, assetID, sc.org.ID, assetID)
}

// flows reads the flows a query of their columns gives.
func (sc *Scoped) flows(ctx context.Context, q string, args ...any) ([]*risk.Flow, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, translate(err, "flows")
	}
	defer rows.Close()
	var out []*risk.Flow
	for rows.Next() {
		var f risk.Flow
		if err := rows.Scan(&f.ID, &f.From, &f.To, &f.Description, &f.Encrypted); err != nil {
			return nil, translate(err, "flows")
		}
		out = append(out, &f)
	}
	return out, translate(rows.Err(), "flows")
}

// flowsOfQuery reads an asset's flows through the indexes of each end.
const flowsOfQuery = `SELECT id, from_asset, to_asset, description, encrypted FROM asset_flows WHERE org_id = ? AND from_asset = ?
	UNION SELECT id, from_asset, to_asset, description, encrypted FROM asset_flows WHERE org_id = ? AND to_asset = ? ORDER BY 1`

// ThreatCounts counts the organisation's risks by threat.
func (sc *Scoped) ThreatCounts(ctx context.Context) (map[string]int, error) {
	return sc.counted(ctx, "risks", threatCountsQuery)
}

// counted reads the counts by key a query of the organisation gives (what
// names its records in errors), leaving out those of none.
func (sc *Scoped) counted(ctx context.Context, what, q string) (map[string]int, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q), sc.org.ID)
	if err != nil {
		return nil, translate(err, what)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var key string
		var n int
		if err := rows.Scan(&key, &n); err != nil {
			return nil, translate(err, what)
		}
		if n > 0 {
			out[key] = n
		}
	}
	return out, translate(rows.Err(), what)
}

// threatCountsQuery counts risks by threat through the index by threat.
const threatCountsQuery = `SELECT threat_id, count(*) FROM risks WHERE org_id = ? GROUP BY threat_id`

// VulnerabilityUse counts the risks that name each of the organisation's
// vulnerabilities (those no risk names are left out).
func (sc *Scoped) VulnerabilityUse(ctx context.Context) (map[string]int, error) {
	return sc.counted(ctx, "vulnerabilities", vulnerabilityUseQuery)
}

// vulnerabilityUseQuery counts each vulnerability's risks through the
// links' index by vulnerability.
const vulnerabilityUseQuery = `SELECT v.id, (SELECT count(*) FROM risk_vulnerabilities l WHERE l.vulnerability_id = v.id) FROM vulnerabilities v WHERE v.org_id = ?`

// AddFlow records ePHI moving between two of the organisation's assets.
// Errors: Invalid, NotFound for an asset not in the inventory.
func (sc *Scoped) AddFlow(ctx context.Context, f *risk.Flow) error {
	s := sc.s
	if f.From == "" || f.To == "" || f.From == f.To {
		return errs.New(errs.Invalid, "a data flow goes from one asset to another")
	}
	id, err := newID()
	if err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var n int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM assets WHERE org_id = ? AND id IN (?, ?)`), sc.org.ID, f.From, f.To).Scan(&n); err != nil {
			return change{}, translate(err, "asset")
		}
		if n != 2 {
			return change{}, errs.New(errs.NotFound, "both ends of a data flow must be assets of the inventory")
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO asset_flows (id, org_id, from_asset, to_asset, description, encrypted) VALUES (?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, f.From, f.To, strings.TrimSpace(f.Description), f.Encrypted); err != nil {
			return change{}, translate(err, "flow")
		}
		f.ID = id
		return change{orgID: sc.org.ID, action: "flow.create", target: "flow:" + id, after: f}, nil
	})
}

// DeleteFlow removes a data flow. Errors: NotFound.
func (sc *Scoped) DeleteFlow(ctx context.Context, id string) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM asset_flows WHERE id = ? AND org_id = ?`), id, sc.org.ID)
		if err != nil {
			return change{}, translate(err, "flow")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return change{}, errs.New(errs.NotFound, "data flow not found")
		}
		return change{orgID: sc.org.ID, action: "flow.delete", target: "flow:" + id}, nil
	})
}

// Vulnerabilities returns the vulnerabilities, oldest first.
func (sc *Scoped) Vulnerabilities(ctx context.Context) ([]*risk.Vulnerability, error) {
	return sc.vulnerabilities(ctx, `org_id = ? ORDER BY created_at, id`, sc.org.ID)
}

// VulnerabilityChoices reads what a risk's form offers to tick: the
// vulnerabilities of ids (the risk's own, dismissed or not) and the first
// limit of the others not dismissed, in the order they were recorded,
// and says how many more not dismissed are left out.
func (sc *Scoped) VulnerabilityChoices(ctx context.Context, ids []string, limit int) ([]*risk.Vulnerability, int, error) {
	var out []*risk.Vulnerability
	err := byChunks(slices.Compact(slices.Sorted(slices.Values(ids))), func(marks string, idArgs []any) error {
		own, err := sc.vulnerabilities(ctx, `org_id = ? AND id IN (`+marks+`)`, append([]any{sc.org.ID}, idArgs...)...)
		out = append(out, own...)
		return err
	})
	if err != nil {
		return nil, 0, err
	}
	first, err := sc.vulnerabilities(ctx, `org_id = ? AND status <> 'dismissed' ORDER BY created_at, id LIMIT ?`, sc.org.ID, limit)
	if err != nil {
		return nil, 0, err
	}
	listed := 0
	for _, v := range out {
		if v.Status != risk.Dismissed {
			listed++
		}
	}
	for _, v := range first {
		if !slices.Contains(ids, v.ID) {
			out = append(out, v)
			listed++
		}
	}
	var total int
	if err := sc.s.reader(ctx).QueryRowContext(ctx, sc.s.rebind(`SELECT count(*) FROM vulnerabilities WHERE org_id = ? AND status <> 'dismissed'`), sc.org.ID).Scan(&total); err != nil {
		return nil, 0, translate(err, "vulnerabilities")
	}
	return out, max(0, total-listed), nil
}

// VulnerabilityByTitle finds a vulnerability by its title, ignoring case.
// Errors: NotFound.
func (sc *Scoped) VulnerabilityByTitle(ctx context.Context, title string) (*risk.Vulnerability, error) {
	found, err := sc.vulnerabilities(ctx, `org_id = ? AND lower(title) = lower(?) ORDER BY created_at, id LIMIT 1`, sc.org.ID, strings.TrimSpace(title))
	if err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, errs.New(errs.NotFound, "vulnerability not found")
	}
	return found[0], nil
}

// vulnerabilities reads the vulnerabilities a condition (where, after
// WHERE, with its order) keeps.
func (sc *Scoped) vulnerabilities(ctx context.Context, where string, args ...any) ([]*risk.Vulnerability, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT id, title, description, kind, status, item_id, assessment_id, check_id, check_result_id, created_at FROM vulnerabilities WHERE `+where), args...)
	if err != nil {
		return nil, translate(err, "vulnerabilities")
	}
	defer rows.Close()
	var out []*risk.Vulnerability
	for rows.Next() {
		var v risk.Vulnerability
		var kind, status, at string
		if err := rows.Scan(&v.ID, &v.Title, &v.Description, &kind, &status, &v.ItemID, &v.AssessmentID, &v.CheckID, &v.CheckResultID, &at); err != nil {
			return nil, translate(err, "vulnerabilities")
		}
		v.Kind, v.Status = risk.VulnerabilityKind(kind), risk.VulnerabilityStatus(status)
		if v.CreatedAt, err = parseTime(at); err != nil {
			return nil, translate(err, "vulnerabilities")
		}
		out = append(out, &v)
	}
	return out, translate(rows.Err(), "vulnerabilities")
}

func (sc *Scoped) insertVulnerability(ctx context.Context, tx *sql.Tx, v *risk.Vulnerability, now time.Time) error {
	if err := v.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, sc.s.rebind(`INSERT INTO vulnerabilities (id, org_id, title, description, kind, status, item_id, assessment_id, check_id, check_result_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id, sc.org.ID, v.Title, v.Description, string(v.Kind), string(v.Status), v.ItemID, v.AssessmentID, v.CheckID, v.CheckResultID, formatTime(now))
	if err != nil {
		return translate(err, "vulnerability")
	}
	v.ID, v.CreatedAt = id, now
	return nil
}

// AddVulnerabilities stores vulnerabilities in one transaction (a manual
// entry, or the proposals from an assessment). Errors: Invalid.
func (sc *Scoped) AddVulnerabilities(ctx context.Context, vs []*risk.Vulnerability) error {
	if len(vs) == 0 {
		return nil
	}
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		now := sc.s.now().UTC()
		for _, v := range vs {
			if err := sc.insertVulnerability(ctx, tx, v, now); err != nil {
				return change{}, err
			}
		}
		return change{orgID: sc.org.ID, action: "vulnerability.create", target: "org:" + sc.org.ID, after: vs}, nil
	})
}

// SetVulnerabilityStatus confirms or dismisses a vulnerability. Errors:
// Invalid, NotFound.
func (sc *Scoped) SetVulnerabilityStatus(ctx context.Context, id string, status risk.VulnerabilityStatus) error {
	s := sc.s
	if status != risk.Proposed && status != risk.Confirmed && status != risk.Dismissed {
		return errs.New(errs.Invalid, fmt.Sprintf("status: %q is not proposed, confirmed or dismissed", status))
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var before string
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT status FROM vulnerabilities WHERE id = ? AND org_id = ?`), id, sc.org.ID).Scan(&before); err != nil {
			return change{}, translate(err, "vulnerability")
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE vulnerabilities SET status = ? WHERE id = ? AND org_id = ?`), string(status), id, sc.org.ID); err != nil {
			return change{}, translate(err, "vulnerability")
		}
		return change{orgID: sc.org.ID, action: "vulnerability.status", target: "vulnerability:" + id, before: before, after: status}, nil
	})
}

const riskColumns = `id, number, title, description, threat_id, current_measures, likelihood, impact_c, impact_i, impact_a, likelihood_rationale, impact_rationale,
	owner, response, response_notes, accepted_by, accepted_until, target_likelihood, target_impact, items, status, created_at, updated_at`

func scanRisk(row scanner) (*risk.Risk, error) {
	var r risk.Risk
	var response, items, status, created, updated string
	if err := row.Scan(&r.ID, &r.Number, &r.Title, &r.Description, &r.ThreatID, &r.CurrentMeasures, &r.Likelihood, &r.ImpactC, &r.ImpactI, &r.ImpactA,
		&r.LikelihoodRationale, &r.ImpactRationale, &r.Owner, &response, &r.ResponseNotes, &r.AcceptedBy, &r.AcceptedUntil,
		&r.TargetLikelihood, &r.TargetImpact, &items, &status, &created, &updated); err != nil {
		return nil, err
	}
	r.Response, r.Status = risk.Response(response), risk.Status(status)
	if err := json.Unmarshal([]byte(items), &r.Items); err != nil {
		return nil, err
	}
	var err error
	if r.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	r.UpdatedAt, err = parseTime(updated)
	return &r, err
}

// Risks returns the register's risks in number order, with their assets
// and vulnerabilities.
func (sc *Scoped) Risks(ctx context.Context) ([]*risk.Risk, error) {
	return sc.risks(ctx, "")
}

// Risk returns one risk. Errors: NotFound.
func (sc *Scoped) Risk(ctx context.Context, id string) (*risk.Risk, error) {
	rs, err := sc.risks(ctx, id)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, errs.New(errs.NotFound, "risk not found")
	}
	return rs[0], nil
}

func (sc *Scoped) risks(ctx context.Context, only string) ([]*risk.Risk, error) {
	s := sc.s
	where, args := "org_id = ?", []any{sc.org.ID}
	if only != "" {
		where, args = where+" AND id = ?", append(args, only)
	}
	db := s.reader(ctx)
	out, byID, err := scanRisks(db.QueryContext(ctx, s.rebind(`SELECT `+riskColumns+` FROM risks WHERE `+where+` ORDER BY number`), args...))
	if err != nil {
		return nil, err
	}
	where = "r.org_id = ?"
	if only != "" {
		where += " AND r.id = ?"
	}
	for _, link := range riskLinks {
		if err := link.scan(byID, func() (*sql.Rows, error) {
			return db.QueryContext(ctx, s.rebind(`SELECT l.risk_id, l.`+link.col+` FROM `+link.table+` l JOIN risks r ON r.id = l.risk_id WHERE `+where+` ORDER BY l.risk_id, l.`+link.col), args...)
		}); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// scanRisks reads the rows of riskColumns a query gave, in order and by
// id, each naming no asset or vulnerability yet.
func scanRisks(rows *sql.Rows, err error) ([]*risk.Risk, map[string]*risk.Risk, error) {
	if err != nil {
		return nil, nil, translate(err, "risks")
	}
	defer rows.Close()
	var out []*risk.Risk
	byID := map[string]*risk.Risk{}
	for rows.Next() {
		r, err := scanRisk(rows)
		if err != nil {
			return nil, nil, translate(err, "risks")
		}
		r.Assets, r.Vulnerabilities = []string{}, []string{}
		out = append(out, r)
		byID[r.ID] = r
	}
	return out, byID, translate(rows.Err(), "risks")
}

// A riskLink is a table linking risks to assets or vulnerabilities.
type riskLink struct{ table, col string }

// riskLinks are the risks' links: to assets, to vulnerabilities.
var riskLinks = []riskLink{{"risk_assets", "asset_id"}, {"risk_vulnerabilities", "vulnerability_id"}}

// scan adds to the risks of byID the ids the query's (risk id, linked
// id) rows name.
func (l riskLink) scan(byID map[string]*risk.Risk, query func() (*sql.Rows, error)) error {
	rows, err := query()
	if err != nil {
		return translate(err, "risks")
	}
	defer rows.Close()
	for rows.Next() {
		var rid, id string
		if err := rows.Scan(&rid, &id); err != nil {
			return translate(err, "risks")
		}
		if r := byID[rid]; r != nil {
			if l.table == "risk_assets" {
				r.Assets = append(r.Assets, id)
			} else {
				r.Vulnerabilities = append(r.Vulnerabilities, id)
			}
		}
	}
	return translate(rows.Err(), "risks")
}

// checkRefs checks, inside tx, that a risk's assets and vulnerabilities are
// the organisation's.
func (sc *Scoped) checkRefs(ctx context.Context, tx *sql.Tx, r *risk.Risk) error {
	s := sc.s
	for _, ref := range []struct {
		table, what string
		ids         []string
	}{{"assets", "asset", r.Assets}, {"vulnerabilities", "vulnerability", r.Vulnerabilities}} {
		for _, id := range ref.ids {
			var n int
			if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM `+ref.table+` WHERE id = ? AND org_id = ?`), id, sc.org.ID).Scan(&n); err != nil {
				return translate(err, ref.what)
			}
			if n == 0 {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: %s is not in the register", ref.table, id))
			}
		}
	}
	return nil
}

func (sc *Scoped) writeLinks(ctx context.Context, tx *sql.Tx, r *risk.Risk) error {
	s := sc.s
	for _, q := range []string{`DELETE FROM risk_assets WHERE risk_id = ?`, `DELETE FROM risk_vulnerabilities WHERE risk_id = ?`} {
		if _, err := tx.ExecContext(ctx, s.rebind(q), r.ID); err != nil {
			return translate(err, "risk")
		}
	}
	r.Assets = slices.Compact(slices.Sorted(slices.Values(r.Assets)))
	r.Vulnerabilities = slices.Compact(slices.Sorted(slices.Values(r.Vulnerabilities)))
	for _, a := range r.Assets {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO risk_assets (risk_id, asset_id) VALUES (?, ?)`), r.ID, a); err != nil {
			return translate(err, "risk asset")
		}
	}
	for _, v := range r.Vulnerabilities {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO risk_vulnerabilities (risk_id, vulnerability_id) VALUES (?, ?)`), r.ID, v); err != nil {
			return translate(err, "risk vulnerability")
		}
	}
	return nil
}

// riskRank gives the register's order keys of a risk rated on scales (see
// migration 0033): its impact, minus its band's index (1 when not rated)
// and minus likelihood times impact.
func riskRank(r *risk.Risk, scales *risk.Scales) (impact, band, score int) {
	impact = r.Impact()
	return impact, -scales.Band(r.Likelihood, impact), -r.Likelihood * impact
}

// rebandRisks rewrites, inside tx, the band key of the organisation's
// risks for new scales: one statement that maps each rating to its band.
func (sc *Scoped) rebandRisks(ctx context.Context, tx *sql.Tx, scales *risk.Scales) error {
	s := sc.s
	var b strings.Builder
	var args []any
	b.WriteString(`UPDATE risks SET rank_band = CASE`)
	for l, row := range scales.Matrix {
		for i, band := range row {
			b.WriteString(` WHEN likelihood = ? AND impact = ? THEN ?`)
			args = append(args, l+1, i+1, -band)
		}
	}
	b.WriteString(` ELSE 1 END WHERE org_id = ?`)
	if _, err := tx.ExecContext(ctx, s.rebind(b.String()), append(args, sc.org.ID)...); err != nil {
		return translate(err, "risks")
	}
	// The levels moved: the register's tally is counted again.
	if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM risk_cells WHERE org_id = ?`), sc.org.ID); err != nil {
		return translate(err, "risks")
	}
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO risk_cells (org_id, `+cellColumns+`, risks)
		SELECT org_id, `+cellColumns+`, count(*) FROM risks WHERE org_id = ? GROUP BY org_id, `+cellColumns), sc.org.ID)
	return translate(err, "risks")
}

// cellColumns are the columns of a risk that the register's tally
// (risk_cells) counts it by.
const cellColumns = `status, rank_band, likelihood, impact, target_likelihood, target_impact`

// A riskCell is one count of the register's tally.
type riskCell struct {
	status                           string
	band, likelihood, impact, tl, ti int
}

// A riskTally is what a transaction's risk writes move the register's
// tally by, written once when they are done (flushRiskTally).
type riskTally map[riskCell]int

// flushRiskTally moves the organisation's register tally by t, inside tx.
func (sc *Scoped) flushRiskTally(ctx context.Context, tx *sql.Tx, t riskTally) error {
	s := sc.s
	q := s.rebind(`INSERT INTO risk_cells (org_id, ` + cellColumns + `, risks) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, ` + cellColumns + `) DO UPDATE SET risks = risk_cells.risks + excluded.risks`)
	for c, n := range t {
		if n == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, q, sc.org.ID, c.status, c.band, c.likelihood, c.impact, c.tl, c.ti, n); err != nil {
			return translate(err, "risks")
		}
	}
	_, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM risk_cells WHERE org_id = ? AND risks = 0`), sc.org.ID)
	return translate(err, "risks")
}

func (sc *Scoped) insertRisk(ctx context.Context, tx *sql.Tx, r *risk.Risk, now time.Time, tally riskTally) error {
	s := sc.s
	if err := sc.checkRefs(ctx, tx, r); err != nil {
		return err
	}
	scales, _, err := sc.riskSettings(ctx, tx)
	if err != nil {
		return err
	}
	impact, band, score := riskRank(r, &scales)
	id, err := newID()
	if err != nil {
		return err
	}
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COALESCE(MAX(number), 0) + 1 FROM risks WHERE org_id = ?`), sc.org.ID).Scan(&r.Number); err != nil {
		return translate(err, "risk")
	}
	if r.Items == nil {
		r.Items = []string{}
	}
	items, _ := json.Marshal(r.Items)
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO risks (org_id, `+riskColumns+`, impact, rank_band, rank_score)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		sc.org.ID, id, r.Number, r.Title, r.Description, r.ThreatID, r.CurrentMeasures, r.Likelihood, r.ImpactC, r.ImpactI, r.ImpactA,
		r.LikelihoodRationale, r.ImpactRationale, r.Owner, string(r.Response), r.ResponseNotes, r.AcceptedBy, r.AcceptedUntil,
		r.TargetLikelihood, r.TargetImpact, string(items), string(r.Status), formatTime(now), formatTime(now), impact, band, score)
	if err != nil {
		return translate(err, "risk")
	}
	tally[riskCell{string(r.Status), band, r.Likelihood, impact, r.TargetLikelihood, r.TargetImpact}]++
	r.ID, r.CreatedAt, r.UpdatedAt = id, now, now
	return sc.writeLinks(ctx, tx, r)
}

func (sc *Scoped) updateRisk(ctx context.Context, tx *sql.Tx, r *risk.Risk, now time.Time, tally riskTally) error {
	s := sc.s
	if err := sc.checkRefs(ctx, tx, r); err != nil {
		return err
	}
	var was riskCell
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT `+cellColumns+` FROM risks WHERE id = ? AND org_id = ?`), r.ID, sc.org.ID).
		Scan(&was.status, &was.band, &was.likelihood, &was.impact, &was.tl, &was.ti)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.New(errs.NotFound, "risk not found")
	}
	if err != nil {
		return translate(err, "risk")
	}
	scales, _, err := sc.riskSettings(ctx, tx)
	if err != nil {
		return err
	}
	impact, band, score := riskRank(r, &scales)
	if r.Items == nil {
		r.Items = []string{}
	}
	items, _ := json.Marshal(r.Items)
	res, err := tx.ExecContext(ctx, s.rebind(`UPDATE risks SET title = ?, description = ?, threat_id = ?, current_measures = ?, likelihood = ?, impact_c = ?, impact_i = ?, impact_a = ?,
		likelihood_rationale = ?, impact_rationale = ?, owner = ?, response = ?, response_notes = ?, accepted_by = ?, accepted_until = ?,
		target_likelihood = ?, target_impact = ?, items = ?, status = ?, updated_at = ?, impact = ?, rank_band = ?, rank_score = ? WHERE id = ? AND org_id = ?`),
		r.Title, r.Description, r.ThreatID, r.CurrentMeasures, r.Likelihood, r.ImpactC, r.ImpactI, r.ImpactA,
		r.LikelihoodRationale, r.ImpactRationale, r.Owner, string(r.Response), r.ResponseNotes, r.AcceptedBy, r.AcceptedUntil,
		r.TargetLikelihood, r.TargetImpact, string(items), string(r.Status), formatTime(now), impact, band, score, r.ID, sc.org.ID)
	if err != nil {
		return translate(err, "risk")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.NotFound, "risk not found")
	}
	tally[was]--
	tally[riskCell{string(r.Status), band, r.Likelihood, impact, r.TargetLikelihood, r.TargetImpact}]++
	r.UpdatedAt = now
	return sc.writeLinks(ctx, tx, r)
}

// CreateRisk adds a risk to the register, numbering it. Errors: Invalid.
func (sc *Scoped) CreateRisk(ctx context.Context, r *risk.Risk) error {
	scales, _, err := sc.RiskSettings(ctx)
	if err != nil {
		return err
	}
	if err := r.Validate(&scales); err != nil {
		return err
	}
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		tally := riskTally{}
		if err := sc.insertRisk(ctx, tx, r, sc.s.now().UTC(), tally); err != nil {
			return change{}, err
		}
		if err := sc.flushRiskTally(ctx, tx, tally); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "risk.create", target: "risk:" + r.ID, after: r}, nil
	})
}

// UpdateRisk saves a risk: ratings, rationale, response, plan links,
// status. Errors: Invalid, NotFound.
func (sc *Scoped) UpdateRisk(ctx context.Context, r *risk.Risk) error {
	scales, _, err := sc.RiskSettings(ctx)
	if err != nil {
		return err
	}
	if err := r.Validate(&scales); err != nil {
		return err
	}
	before, err := sc.Risk(ctx, r.ID)
	if err != nil {
		return err
	}
	r.Number, r.CreatedAt = before.Number, before.CreatedAt
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		tally := riskTally{}
		if err := sc.updateRisk(ctx, tx, r, sc.s.now().UTC(), tally); err != nil {
			return change{}, err
		}
		if err := sc.flushRiskTally(ctx, tx, tally); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "risk.update", target: "risk:" + r.ID, before: before, after: r}, nil
	})
}

// ApplyRiskPlan writes a register import in one transaction: new
// vulnerabilities, then risks added and updated. All or nothing.
func (sc *Scoped) ApplyRiskPlan(ctx context.Context, p *risk.RiskPlan) error {
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		now := sc.s.now().UTC()
		for _, v := range p.NewVulns {
			if err := sc.insertVulnerability(ctx, tx, v, now); err != nil {
				return change{}, err
			}
		}
		existing, err := sc.Vulnerabilities(ctx)
		if err != nil {
			return change{}, err
		}
		byTitle := map[string]string{}
		for _, v := range append(existing, p.NewVulns...) {
			byTitle[strings.ToLower(v.Title)] = v.ID
		}
		resolve := func(r *risk.Risk) {
			titles, named := p.VulnTitles[r]
			if !named {
				return
			}
			r.Vulnerabilities = nil
			for _, t := range titles {
				r.Vulnerabilities = append(r.Vulnerabilities, byTitle[strings.ToLower(t)])
			}
		}
		tally := riskTally{}
		for _, r := range p.Add {
			resolve(r)
			if err := sc.insertRisk(ctx, tx, r, now, tally); err != nil {
				return change{}, err
			}
		}
		for _, r := range p.Update {
			resolve(r)
			if err := sc.updateRisk(ctx, tx, r, now, tally); err != nil {
				return change{}, err
			}
		}
		if err := sc.flushRiskTally(ctx, tx, tally); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "risk.import", target: "org:" + sc.org.ID,
			after: map[string]any{"file": p.File, "sha256": p.SHA256, "added": len(p.Add), "updated": len(p.Update), "vulnerabilities": len(p.NewVulns)}}, nil
	})
}

const actionColumns = "id, risk_id, title, owner, due, status, completed_on, notes, created_at"

// Actions returns every action of the plan.
func (sc *Scoped) Actions(ctx context.Context) ([]*risk.Action, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+actionColumns+` FROM risk_actions WHERE org_id = ? ORDER BY risk_id, created_at, id`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "actions")
	}
	defer rows.Close()
	return scanActions(rows)
}

// scanActions reads rows of actionColumns.
func scanActions(rows *sql.Rows) ([]*risk.Action, error) {
	var out []*risk.Action
	for rows.Next() {
		var a risk.Action
		var status, at string
		if err := rows.Scan(&a.ID, &a.RiskID, &a.Title, &a.Owner, &a.Due, &status, &a.CompletedOn, &a.Notes, &at); err != nil {
			return nil, translate(err, "actions")
		}
		a.Status = risk.ActionStatus(status)
		var err error
		if a.CreatedAt, err = parseTime(at); err != nil {
			return nil, translate(err, "actions")
		}
		out = append(out, &a)
	}
	return out, translate(rows.Err(), "actions")
}

// SaveAction adds an action to a risk's plan (no id) or updates one.
// Errors: Invalid, NotFound for an unknown risk or action.
func (sc *Scoped) SaveAction(ctx context.Context, a *risk.Action) error {
	s := sc.s
	if err := a.Validate(); err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) { return sc.saveAction(ctx, tx, a) })
}

// saveAction writes an action inside tx and gives its audit entry.
func (sc *Scoped) saveAction(ctx context.Context, tx *sql.Tx, a *risk.Action) (change, error) {
	s := sc.s
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM risks WHERE id = ? AND org_id = ?`), a.RiskID, sc.org.ID).Scan(&n); err != nil {
		return change{}, translate(err, "risk")
	}
	if n == 0 {
		return change{}, errs.New(errs.NotFound, "risk not found")
	}
	if a.ID == "" {
		id, err := newID()
		if err != nil {
			return change{}, err
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO risk_actions (org_id, `+actionColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			sc.org.ID, id, a.RiskID, a.Title, a.Owner, a.Due, string(a.Status), a.CompletedOn, a.Notes, formatTime(now)); err != nil {
			return change{}, translate(err, "action")
		}
		a.ID, a.CreatedAt = id, now
		return change{orgID: sc.org.ID, action: "risk.action.create", target: "risk:" + a.RiskID, after: a}, nil
	}
	res, err := tx.ExecContext(ctx, s.rebind(`UPDATE risk_actions SET title = ?, owner = ?, due = ?, status = ?, completed_on = ?, notes = ? WHERE id = ? AND risk_id = ? AND org_id = ?`),
		a.Title, a.Owner, a.Due, string(a.Status), a.CompletedOn, a.Notes, a.ID, a.RiskID, sc.org.ID)
	if err != nil {
		return change{}, translate(err, "action")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return change{}, errs.New(errs.NotFound, "action not found")
	}
	return change{orgID: sc.org.ID, action: "risk.action.update", target: "risk:" + a.RiskID, after: a}, nil
}

// RiskRecords loads the register without its inventory: the scales, the
// vulnerabilities, the risks (each naming its assets by id) and their
// actions. Pages that show a stretch of the register attach the assets of
// the risks they show (AssetsByID), so that a hospital's inventory of
// 100,000 assets is not read for a page of risks.
func (sc *Scoped) RiskRecords(ctx context.Context, catalog *risk.Threats) (*risk.Register, error) {
	g := &risk.Register{Catalog: catalog}
	var err error
	if g.Scales, _, err = sc.RiskSettings(ctx); err != nil {
		return nil, err
	}
	if g.Vulnerabilities, err = sc.Vulnerabilities(ctx); err != nil {
		return nil, err
	}
	if g.Risks, err = sc.Risks(ctx); err != nil {
		return nil, err
	}
	if g.Actions, err = sc.Actions(ctx); err != nil {
		return nil, err
	}
	return g, nil
}

// RiskSummary sums the open register in the database for day today (see
// risk.Summary): the open risks by rating (impact the highest of C, I and
// A, as risk.Risk.Impact), the planned and in-progress actions of open
// risks whose due date is before today (risk.Action.Slip), and the open
// accepted risks accepted until before today (risk.Risk.AcceptanceExpired).
// A few sums, not the risks read: the ratings from the register's tally
// (kept as risks are written), the overdue actions and the expired
// acceptances through indexes.
func (sc *Scoped) RiskSummary(ctx context.Context, today string) (*risk.Summary, error) {
	s := sc.s
	db := s.reader(ctx)
	out := &risk.Summary{}
	rows, err := db.QueryContext(ctx, s.rebind(riskCellsSummed), sc.org.ID)
	if err != nil {
		return nil, translate(err, "risks")
	}
	for rows.Next() {
		var c risk.Cell
		if err := rows.Scan(&c.Likelihood, &c.Impact, &c.TargetLikelihood, &c.TargetImpact, &c.Risks); err != nil {
			rows.Close()
			return nil, translate(err, "risks")
		}
		out.Cells = append(out.Cells, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "risks")
	}
	if err := db.QueryRowContext(ctx, s.rebind(`SELECT count(*) FROM risk_actions a JOIN risks r ON r.id = a.risk_id
		WHERE a.org_id = ? AND r.status = 'open' AND a.status IN ('planned', 'in-progress') AND a.due <> '' AND a.due < ?`), sc.org.ID, today).Scan(&out.Overdue); err != nil {
		return nil, translate(err, "risk actions")
	}
	rows, err = db.QueryContext(ctx, s.rebind(riskExpiredQuery), sc.org.ID, today)
	if err != nil {
		return nil, translate(err, "risks")
	}
	defer rows.Close()
	for rows.Next() {
		r := &risk.Risk{Status: risk.Open, Response: risk.Accept}
		if err := rows.Scan(&r.ID, &r.Number, &r.Title, &r.AcceptedUntil); err != nil {
			return nil, translate(err, "risks")
		}
		out.Expired = append(out.Expired, r)
	}
	return out, translate(rows.Err(), "risks")
}

// riskCellsSummed counts an organisation's open risks by current and
// target rating, from the register's tally.
const riskCellsSummed = `SELECT likelihood, impact, target_likelihood, target_impact, sum(risks) FROM risk_cells WHERE org_id = ? AND status = 'open'
	GROUP BY likelihood, impact, target_likelihood, target_impact ORDER BY likelihood, impact, target_likelihood, target_impact`

// riskExpiredQuery lists an organisation's open risks whose acceptance
// ran out before a day.
const riskExpiredQuery = `SELECT id, number, title, accepted_until FROM risks
	WHERE org_id = ? AND status = 'open' AND response = 'accept' AND accepted_until <> '' AND accepted_until < ? ORDER BY number`

// assetsByIDQuery reads assets by id (marks their placeholders), of an
// organisation. Each is found
// by its key: the organisation is compared as an expression (joined to
// the empty string), so that SQLite does not take the index by
// organisation and name and read the whole inventory to find them.
func assetsByIDQuery(marks string) string {
	return `SELECT ` + assetColumns + ` FROM assets WHERE org_id || '' = ? AND id IN (` + marks + `)`
}

// byChunks calls fn for the ids a few hundred at a time, each with the
// placeholders of an IN list and the ids as its arguments.
func byChunks(ids []string, fn func(marks string, args []any) error) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		if err := fn("?"+strings.Repeat(", ?", n-1), args); err != nil {
			return err
		}
		ids = ids[n:]
	}
	return nil
}

// AssetsByID reads the organisation's assets of the given ids (those it
// does not hold are left out), in name order.
func (sc *Scoped) AssetsByID(ctx context.Context, ids []string) ([]*risk.Asset, error) {
	s := sc.s
	var out []*risk.Asset
	err := byChunks(slices.Compact(slices.Sorted(slices.Values(ids))), func(marks string, idArgs []any) error {
		rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(assetsByIDQuery(marks)), append([]any{sc.org.ID}, idArgs...)...)
		if err != nil {
			return translate(err, "assets")
		}
		defer rows.Close()
		for rows.Next() {
			a, err := scanAsset(rows)
			if err != nil {
				return translate(err, "assets")
			}
			out = append(out, a)
		}
		return translate(rows.Err(), "assets")
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b *risk.Asset) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	return out, nil
}

// AssetFilter narrows the inventory: words in an asset's name, owner,
// location or vendor (Query, ignoring case), and its type.
type AssetFilter struct {
	Query string
	Type  string
}

// AssetPage reads at most limit assets the filter keeps, in name order
// from the offset-th, with how many the filter keeps and how many the
// inventory holds: a page in SQL, through the inventory's index by name,
// not the inventory read and filtered.
func (sc *Scoped) AssetPage(ctx context.Context, f AssetFilter, offset, limit int) (list []*risk.Asset, shown, total int, err error) {
	s := sc.s
	db := s.reader(ctx)
	where, args := ` FROM assets WHERE org_id = ?`, []any{sc.org.ID}
	if f.Type != "" {
		where, args = where+` AND type = ?`, append(args, f.Type)
	}
	if strings.TrimSpace(f.Query) != "" {
		where, args = where+` AND lower(name || ' ' || owner || ' ' || location || ' ' || vendor) LIKE ? ESCAPE '\'`, append(args, containsWords(f.Query))
	}
	if total, _, err = sc.InventoryCounts(ctx); err != nil {
		return nil, 0, 0, err
	}
	if err := db.QueryRowContext(ctx, s.rebind(`SELECT count(*)`+where), args...).Scan(&shown); err != nil {
		return nil, 0, 0, translate(err, "assets")
	}
	rows, err := db.QueryContext(ctx, s.rebind(`SELECT `+assetColumns+where+` ORDER BY lower(name) LIMIT ? OFFSET ?`), append(args, limit, max(offset, 0))...)
	if err != nil {
		return nil, 0, 0, translate(err, "assets")
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAsset(rows)
		if err != nil {
			return nil, 0, 0, translate(err, "assets")
		}
		list = append(list, a)
	}
	return list, shown, total, translate(rows.Err(), "assets")
}

// RiskCounts counts, for each of the given assets, the risks of the
// organisation that name it.
func (sc *Scoped) RiskCounts(ctx context.Context, ids []string) (map[string]int, error) {
	s := sc.s
	out := map[string]int{}
	err := byChunks(ids, func(marks string, idArgs []any) error {
		rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT ra.asset_id, count(*) FROM risk_assets ra JOIN risks r ON r.id = ra.risk_id
			WHERE r.org_id = ? AND ra.asset_id IN (`+marks+`) GROUP BY ra.asset_id`), append([]any{sc.org.ID}, idArgs...)...)
		if err != nil {
			return translate(err, "risks")
		}
		defer rows.Close()
		for rows.Next() {
			var id string
			var c int
			if err := rows.Scan(&id, &c); err != nil {
				return translate(err, "risks")
			}
			out[id] = c
		}
		return translate(rows.Err(), "risks")
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// AssetByName finds an asset by its name, ignoring case. Errors: NotFound.
func (sc *Scoped) AssetByName(ctx context.Context, name string) (*risk.Asset, error) {
	s := sc.s
	a, err := scanAsset(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+assetColumns+` FROM assets WHERE org_id = ? AND lower(name) = lower(?)`), sc.org.ID, strings.TrimSpace(name)))
	return a, translate(err, "asset")
}

// InventoryCounts counts the organisation's assets and those that create,
// receive, maintain or transmit ePHI: the tally kept as assets are
// written, not the inventory counted.
func (sc *Scoped) InventoryCounts(ctx context.Context) (assets, ephi int, err error) {
	s := sc.s
	err = s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT assets, ephi FROM inventory_tallies WHERE org_id = ?`), sc.org.ID).Scan(&assets, &ephi)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	return assets, ephi, translate(err, "assets")
}

// ephiSince is, after a SELECT list, an organisation's assets holding
// ePHI created after a time.
const ephiSince = ` FROM assets WHERE org_id = ? AND created_at > ? AND ` + ephiOf + ` = 1`

// EPHIAssetsSince names at most limit assets holding ePHI added after t,
// in name order, and counts them all.
func (sc *Scoped) EPHIAssetsSince(ctx context.Context, t time.Time, limit int) ([]string, int, error) {
	s := sc.s
	where := ephiSince
	var n int
	if err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT count(*)`+where), sc.org.ID, formatTime(t)).Scan(&n); err != nil {
		return nil, 0, translate(err, "assets")
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT name`+where+` ORDER BY lower(name) LIMIT ?`), sc.org.ID, formatTime(t), limit)
	if err != nil {
		return nil, 0, translate(err, "assets")
	}
	defer rows.Close()
	var names []string
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			return nil, 0, translate(err, "assets")
		}
		names = append(names, name)
	}
	return names, n, translate(rows.Err(), "assets")
}

// RiskRegister loads the whole register with the organisation's scales.
func (sc *Scoped) RiskRegister(ctx context.Context, catalog *risk.Threats) (*risk.Register, error) {
	ctx = heavy(ctx) // over many rows: on the heavy pool
	g, err := sc.RiskRecords(ctx, catalog)
	if err != nil {
		return nil, err
	}
	if g.Assets, err = sc.Assets(ctx); err != nil {
		return nil, err
	}
	if g.Flows, err = sc.Flows(ctx); err != nil {
		return nil, err
	}
	return g, nil
}

const analysisColumns = "id, version, title, scope, method, status, previous_id, created_at, created_by, finalized_at, finalized_by, approver, review_by, sha256"

func scanAnalysis(row scanner) (*risk.Analysis, error) {
	var a risk.Analysis
	var status, created, finalized string
	if err := row.Scan(&a.ID, &a.Version, &a.Title, &a.Scope, &a.Method, &status, &a.PreviousID, &created, &a.CreatedBy, &finalized, &a.FinalizedBy, &a.Approver, &a.ReviewBy, &a.SHA256); err != nil {
		return nil, err
	}
	a.Status = risk.AnalysisStatus(status)
	var err error
	if a.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if finalized != "" {
		t, err := parseTime(finalized)
		if err != nil {
			return nil, err
		}
		a.FinalizedAt = &t
	}
	return &a, nil
}

// Analyses returns the risk analyses, newest first.
func (sc *Scoped) Analyses(ctx context.Context) ([]*risk.Analysis, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+analysisColumns+` FROM risk_analyses WHERE org_id = ? ORDER BY version DESC`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "risk analyses")
	}
	defer rows.Close()
	var out []*risk.Analysis
	for rows.Next() {
		a, err := scanAnalysis(rows)
		if err != nil {
			return nil, translate(err, "risk analyses")
		}
		out = append(out, a)
	}
	return out, translate(rows.Err(), "risk analyses")
}

// Analysis returns one risk analysis. Errors: NotFound.
func (sc *Scoped) Analysis(ctx context.Context, id string) (*risk.Analysis, error) {
	s := sc.s
	a, err := scanAnalysis(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+analysisColumns+` FROM risk_analyses WHERE id = ? AND org_id = ?`), id, sc.org.ID))
	return a, translate(err, "risk analysis")
}

// AnalysisSnapshot returns a final analysis's frozen document. Errors:
// NotFound, Conflict for a draft.
func (sc *Scoped) AnalysisSnapshot(ctx context.Context, id string) ([]byte, error) {
	s := sc.s
	var snap string
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT snapshot FROM risk_analyses WHERE id = ? AND org_id = ?`), id, sc.org.ID).Scan(&snap)
	if err != nil {
		return nil, translate(err, "risk analysis")
	}
	if snap == "" {
		return nil, errs.New(errs.Conflict, "this risk analysis is a draft: it has no frozen record yet")
	}
	return []byte(snap), nil
}

// CreateAnalysis starts a draft analysis, versioned after the newest and
// starting from it (previous). Errors: Invalid, Conflict while a draft is
// open.
func (sc *Scoped) CreateAnalysis(ctx context.Context, a *risk.Analysis) error {
	s := sc.s
	if err := a.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	by := audit.ActorFrom(ctx).Label
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var draft int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM risk_analyses WHERE org_id = ? AND status = 'draft'`), sc.org.ID).Scan(&draft); err != nil {
			return change{}, translate(err, "risk analysis")
		}
		if draft > 0 {
			return change{}, errs.New(errs.Conflict, "a draft risk analysis is already open: finalise it before starting the next")
		}
		var prev sql.NullString
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT id FROM risk_analyses WHERE org_id = ? ORDER BY version DESC LIMIT 1`), sc.org.ID).Scan(&prev); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return change{}, translate(err, "risk analysis")
		}
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COALESCE(MAX(version), 0) + 1 FROM risk_analyses WHERE org_id = ?`), sc.org.ID).Scan(&a.Version); err != nil {
			return change{}, translate(err, "risk analysis")
		}
		if a.Method == "" {
			a.Method = risk.DefaultMethod
		}
		a.ID, a.Status, a.PreviousID, a.CreatedAt, a.CreatedBy = id, risk.Draft, prev.String, now, by
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO risk_analyses (id, org_id, version, title, scope, method, status, previous_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, a.Version, a.Title, a.Scope, a.Method, string(a.Status), a.PreviousID, formatTime(now), by)
		if err != nil {
			return change{}, translate(err, "risk analysis")
		}
		return change{orgID: sc.org.ID, action: "risk_analysis.create", target: "risk_analysis:" + id, after: a}, nil
	})
}

// UpdateAnalysis saves a draft's title, scope and method. Errors: Invalid,
// NotFound, Conflict when final.
func (sc *Scoped) UpdateAnalysis(ctx context.Context, a *risk.Analysis) error {
	s := sc.s
	if err := a.Validate(); err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.lockAnalysisDraft(ctx, tx, a.ID); err != nil {
			return change{}, err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE risk_analyses SET title = ?, scope = ?, method = ? WHERE id = ?`), a.Title, a.Scope, a.Method, a.ID); err != nil {
			return change{}, translate(err, "risk analysis")
		}
		return change{orgID: sc.org.ID, action: "risk_analysis.update", target: "risk_analysis:" + a.ID, after: map[string]string{"title": a.Title, "scope": a.Scope}}, nil
	})
}

// lockAnalysisDraft takes the row lock of a draft analysis inside tx:
// nothing changes a final one. Errors: NotFound, Conflict.
func (sc *Scoped) lockAnalysisDraft(ctx context.Context, tx *sql.Tx, id string) error {
	s := sc.s
	res, err := tx.ExecContext(ctx, s.rebind(`UPDATE risk_analyses SET status = status WHERE id = ? AND org_id = ? AND status = 'draft'`), id, sc.org.ID)
	if err != nil {
		return translate(err, "risk analysis")
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM risk_analyses WHERE id = ? AND org_id = ?`), id, sc.org.ID).Scan(&n); err != nil {
		return translate(err, "risk analysis")
	}
	if n == 0 {
		return errs.New(errs.NotFound, "risk analysis not found")
	}
	return errs.New(errs.Conflict, "this risk analysis is final and read-only: start the next one to make changes")
}

// FinalizeAnalysis freezes a draft: the document made by build (called
// once the draft is locked, so two finalisations cannot race), its hash,
// who approved it and when the review is due. Errors: NotFound,
// Conflict when already final, Invalid without an approver.
func (sc *Scoped) FinalizeAnalysis(ctx context.Context, id, approver, reviewBy string, at time.Time, build func(a risk.Analysis) (*risk.Document, error), inputs ...func(a risk.Analysis) *assessment.Input) (*risk.Analysis, error) {
	s := sc.s
	if strings.TrimSpace(approver) == "" {
		return nil, errs.New(errs.Invalid, "approver: name who signs off the analysis (name and title)")
	}
	at = at.UTC().Truncate(time.Microsecond)
	by := audit.ActorFrom(ctx).Label
	var out *risk.Analysis
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.lockAnalysisDraft(ctx, tx, id); err != nil {
			return change{}, err
		}
		a, err := scanAnalysis(tx.QueryRowContext(ctx, s.rebind(`SELECT `+analysisColumns+` FROM risk_analyses WHERE id = ?`), id))
		if err != nil {
			return change{}, translate(err, "risk analysis")
		}
		a.Status, a.FinalizedAt, a.FinalizedBy, a.Approver, a.ReviewBy = risk.Final, &at, by, strings.TrimSpace(approver), reviewBy
		doc, err := build(*a)
		if err != nil {
			return change{}, err
		}
		raw, sha, err := doc.Seal()
		if err != nil {
			return change{}, err
		}
		a.SHA256 = sha
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE risk_analyses SET status = 'final', finalized_at = ?, finalized_by = ?, approver = ?, review_by = ?, snapshot = ?, sha256 = ? WHERE id = ?`),
			formatTime(at), by, a.Approver, reviewBy, string(raw), sha, id); err != nil {
			return change{}, translate(err, "risk analysis")
		}
		// What the final analysis verifies, recorded with it.
		for _, f := range inputs {
			in := f(*a)
			if err := validInput(in); err != nil {
				return change{}, err
			}
			if err := sc.insertInput(ctx, tx, in); err != nil {
				return change{}, err
			}
		}
		out = a
		return change{orgID: sc.org.ID, action: "risk_analysis.finalize", target: "risk_analysis:" + id,
			after: map[string]any{"sha256": sha, "approver": a.Approver, "review_by": reviewBy, "risks": len(doc.Risks), "assets": len(doc.Assets)}}, nil
	})
	return out, err
}

// SaveUpload keeps an uploaded inventory ("assets"), register ("risks")
// or roster ("roster") file for its preview; the apply reads it back.
// Files kept longer than a day are dropped.
func (sc *Scoped) SaveUpload(ctx context.Context, kind, filename, sha string, content []byte) (string, error) {
	s := sc.s
	id, err := newID()
	if err != nil {
		return "", err
	}
	now := s.now().UTC()
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM pending_uploads WHERE org_id = ? AND created_at < ?`), sc.org.ID, formatTime(now.Add(-24*time.Hour))); err != nil {
			return translate(err, "import")
		}
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO pending_uploads (id, org_id, kind, filename, sha256, content, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, kind, filename, sha, base64.StdEncoding.EncodeToString(content), formatTime(now), audit.ActorFrom(ctx).Label)
		return translate(err, "import")
	})
	return id, err
}

// Upload returns a kept file. Errors: NotFound (also once applied or
// expired).
func (sc *Scoped) Upload(ctx context.Context, kind, id string) (filename string, content []byte, err error) {
	s := sc.s
	var enc string
	err = s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT filename, content FROM pending_uploads WHERE id = ? AND org_id = ? AND kind = ?`), id, sc.org.ID, kind).Scan(&filename, &enc)
	if err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return "", nil, errs.New(errs.NotFound, "that upload is no longer kept (applied already, or more than a day old): upload the file again")
		}
		return "", nil, translate(err, "import")
	}
	content, err = base64.StdEncoding.DecodeString(enc)
	if err != nil {
		return "", nil, errs.Wrap(errs.Internal, "import", err)
	}
	return filename, content, nil
}

// DropUpload forgets a kept file once applied.
func (sc *Scoped) DropUpload(ctx context.Context, id string) error {
	s := sc.s
	_, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM pending_uploads WHERE id = ? AND org_id = ?`), id, sc.org.ID)
	return translate(err, "import")
}

// InternetFacingAssets returns the inventory's internet-facing assets in
// name order.
func (sc *Scoped) InternetFacingAssets(ctx context.Context) ([]*risk.Asset, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+assetColumns+` FROM assets WHERE org_id = ? AND internet_facing ORDER BY lower(name)`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "assets")
	}
	defer rows.Close()
	out := []*risk.Asset{}
	for rows.Next() {
		a, err := scanAsset(rows)
		if err != nil {
			return nil, translate(err, "assets")
		}
		out = append(out, a)
	}
	return out, translate(rows.Err(), "assets")
}

// CreateAssets adds assets to the inventory in one transaction, with one
// audit entry naming them and why (what reconciliation found of them).
func (sc *Scoped) CreateAssets(ctx context.Context, assets []*risk.Asset, why string) error {
	for _, a := range assets {
		if err := a.Validate(); err != nil {
			return errs.Wrap(errs.Invalid, a.Name+": "+errs.Message(err), err)
		}
	}
	if len(assets) == 0 {
		return nil
	}
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		now := sc.s.now().UTC()
		ephi := 0
		var names []string
		for _, a := range assets {
			if err := sc.insertAsset(ctx, tx, a, now); err != nil {
				return change{}, err
			}
			ephi += ephiFlag(a)
			names = append(names, a.Name)
		}
		if err := sc.tallyInventory(ctx, tx, len(assets), ephi); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "asset.create_many", target: "org:" + sc.org.ID, after: map[string]any{"assets": names, "why": why}}, nil
	})
}
