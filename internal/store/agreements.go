package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// ownVendor holds, inside tx, that id is a vendor of the organisation,
// or returns an error of kind saying msg.
func (sc *Scoped) ownVendor(ctx context.Context, tx *sql.Tx, id string, kind errs.Kind, msg string) error {
	var n int
	if err := tx.QueryRowContext(ctx, sc.s.rebind(`SELECT COUNT(*) FROM vendors WHERE id = ? AND org_id = ?`), id, sc.org.ID).Scan(&n); err != nil {
		return translate(err, "vendor")
	}
	if n == 0 {
		return errs.New(kind, msg)
	}
	return nil
}

const agreementColumns = "id, vendor_id, kind, title, signed_on, effective_on, expires_on, review_by, reviewed_on, COALESCE(evidence_id, ''), notice_hours, terms, notes, created_at, updated_at"

func scanAgreement(row scanner) (*vendor.Agreement, error) {
	var a vendor.Agreement
	var kind, terms, created, updated string
	if err := row.Scan(&a.ID, &a.VendorID, &kind, &a.Title, &a.SignedOn, &a.EffectiveOn, &a.ExpiresOn, &a.ReviewBy, &a.ReviewedOn, &a.EvidenceID,
		&a.NoticeHours, &terms, &a.Notes, &created, &updated); err != nil {
		return nil, err
	}
	a.Kind = vendor.AgreementKind(kind)
	if err := json.Unmarshal([]byte(terms), &a.Terms); err != nil {
		return nil, err
	}
	var err error
	if a.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	a.UpdatedAt, err = parseTime(updated)
	return &a, err
}

// Agreements returns the organisation's agreements with its vendors (one
// vendor's, when vendorID is not ""), newest to take effect first.
func (sc *Scoped) Agreements(ctx context.Context, vendorID string) ([]*vendor.Agreement, error) {
	s := sc.s
	q, args := `SELECT `+agreementColumns+` FROM vendor_agreements WHERE org_id = ?`, []any{sc.org.ID}
	if vendorID != "" {
		q, args = q+` AND vendor_id = ?`, append(args, vendorID)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+` ORDER BY effective_on DESC, id`), args...)
	if err != nil {
		return nil, translate(err, "agreements")
	}
	defer rows.Close()
	out := []*vendor.Agreement{}
	for rows.Next() {
		a, err := scanAgreement(rows)
		if err != nil {
			return nil, translate(err, "agreements")
		}
		out = append(out, a)
	}
	return out, translate(rows.Err(), "agreements")
}

// Agreement returns one agreement. Errors: NotFound.
func (sc *Scoped) Agreement(ctx context.Context, id string) (*vendor.Agreement, error) {
	s := sc.s
	a, err := scanAgreement(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+agreementColumns+` FROM vendor_agreements WHERE id = ? AND org_id = ?`), id, sc.org.ID))
	return a, translate(err, "agreement")
}

func termsJSON(a *vendor.Agreement) string {
	b, _ := json.Marshal(a.Terms)
	if a.Terms == nil {
		return "{}"
	}
	return string(b)
}

// SaveAgreement adds an agreement (no id) or saves one, for a vendor of
// the organisation, naming evidence of the organisation's. Errors:
// Invalid (the vendor or the evidence not the organisation's), NotFound.
func (sc *Scoped) SaveAgreement(ctx context.Context, a *vendor.Agreement, after ...TxFunc) error {
	if err := a.Validate(); err != nil {
		return err
	}
	s := sc.s
	var before *vendor.Agreement
	if a.ID != "" {
		b, err := sc.Agreement(ctx, a.ID)
		if err != nil {
			return err
		}
		before = b
		a.VendorID = b.VendorID
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.ownVendor(ctx, tx, a.VendorID, errs.Invalid, "vendor_id: no such vendor in the register"); err != nil {
			return change{}, err
		}
		if a.EvidenceID != "" {
			var one int
			err := tx.QueryRowContext(ctx, s.rebind(`SELECT 1 FROM evidence WHERE id = ? AND org_id = ?`), a.EvidenceID, sc.org.ID).Scan(&one)
			if errors.Is(err, sql.ErrNoRows) {
				return change{}, errs.New(errs.Invalid, "evidence_id: no such evidence in the vault")
			}
			if err != nil {
				return change{}, translate(err, "agreement")
			}
		}
		now := s.now().UTC()
		action := "vendor.agreement.update"
		if before == nil {
			id, err := newID()
			if err != nil {
				return change{}, err
			}
			a.ID, a.CreatedAt, action = id, now, "vendor.agreement.create"
			_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO vendor_agreements (org_id, id, vendor_id, kind, title, signed_on, effective_on, expires_on, review_by, reviewed_on,
				evidence_id, notice_hours, terms, notes, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				sc.org.ID, a.ID, a.VendorID, string(a.Kind), a.Title, a.SignedOn, a.EffectiveOn, a.ExpiresOn, a.ReviewBy, a.ReviewedOn,
				nullable(a.EvidenceID), a.NoticeHours, termsJSON(a), a.Notes, formatTime(now), formatTime(now))
			if err != nil {
				return change{}, translate(err, "agreement")
			}
		} else {
			a.CreatedAt = before.CreatedAt
			_, err := tx.ExecContext(ctx, s.rebind(`UPDATE vendor_agreements SET kind = ?, title = ?, signed_on = ?, effective_on = ?, expires_on = ?, review_by = ?, reviewed_on = ?,
				evidence_id = ?, notice_hours = ?, terms = ?, notes = ?, updated_at = ? WHERE id = ? AND org_id = ?`),
				string(a.Kind), a.Title, a.SignedOn, a.EffectiveOn, a.ExpiresOn, a.ReviewBy, a.ReviewedOn, nullable(a.EvidenceID), a.NoticeHours, termsJSON(a), a.Notes,
				formatTime(now), a.ID, sc.org.ID)
			if err != nil {
				return change{}, translate(err, "agreement")
			}
		}
		a.UpdatedAt = now
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		c := change{orgID: sc.org.ID, action: action, target: "vendor:" + a.VendorID, after: a}
		if before != nil {
			c.before = before
		}
		return c, nil
	})
}

// DeleteAgreement removes an agreement. Errors: NotFound.
func (sc *Scoped) DeleteAgreement(ctx context.Context, id string, after ...TxFunc) error {
	before, err := sc.Agreement(ctx, id)
	if err != nil {
		return err
	}
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if _, err := tx.ExecContext(ctx, sc.s.rebind(`DELETE FROM vendor_agreements WHERE id = ? AND org_id = ?`), id, sc.org.ID); err != nil {
			return change{}, translate(err, "agreement")
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "vendor.agreement.delete", target: "vendor:" + before.VendorID, before: before}, nil
	})
}

// VendorReviews returns the organisation's reviews of its vendors (one
// vendor's, when vendorID is not ""), newest first.
func (sc *Scoped) VendorReviews(ctx context.Context, vendorID string) ([]*vendor.Review, error) {
	s := sc.s
	q, args := `SELECT id, vendor_id, reviewed_on, reviewer, outcome, notes, created_at FROM vendor_reviews WHERE org_id = ?`, []any{sc.org.ID}
	if vendorID != "" {
		q, args = q+` AND vendor_id = ?`, append(args, vendorID)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+` ORDER BY reviewed_on DESC, id DESC`), args...)
	if err != nil {
		return nil, translate(err, "reviews")
	}
	defer rows.Close()
	out := []*vendor.Review{}
	for rows.Next() {
		r := &vendor.Review{}
		var outcome, created string
		if err := rows.Scan(&r.ID, &r.VendorID, &r.ReviewedOn, &r.Reviewer, &outcome, &r.Notes, &created); err != nil {
			return nil, translate(err, "reviews")
		}
		r.Outcome = vendor.Outcome(outcome)
		if r.CreatedAt, err = parseTime(created); err != nil {
			return nil, translate(err, "reviews")
		}
		out = append(out, r)
	}
	return out, translate(rows.Err(), "reviews")
}

// AddVendorReview records a review of a vendor of the organisation.
// Errors: Invalid, NotFound for another organisation's vendor.
func (sc *Scoped) AddVendorReview(ctx context.Context, r *vendor.Review, after ...TxFunc) error {
	s := sc.s
	if err := r.Validate(s.now().UTC().Format("2006-01-02")); err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.ownVendor(ctx, tx, r.VendorID, errs.NotFound, "vendor not found"); err != nil {
			return change{}, err
		}
		id, err := newID()
		if err != nil {
			return change{}, err
		}
		now := s.now().UTC()
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO vendor_reviews (id, org_id, vendor_id, reviewed_on, reviewer, outcome, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, r.VendorID, r.ReviewedOn, r.Reviewer, string(r.Outcome), r.Notes, formatTime(now)); err != nil {
			return change{}, translate(err, "review")
		}
		r.ID, r.CreatedAt = id, now
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "vendor.review", target: "vendor:" + r.VendorID, after: r}, nil
	})
}

// VendorIncidents returns the incidents at the organisation's vendors
// (one vendor's, when vendorID is not ""), newest first.
func (sc *Scoped) VendorIncidents(ctx context.Context, vendorID string) ([]*vendor.Incident, error) {
	s := sc.s
	q, args := `SELECT id, vendor_id, summary, aware_at, COALESCE(notified_at, ''), records, phi, notes, created_at FROM vendor_incidents WHERE org_id = ?`, []any{sc.org.ID}
	if vendorID != "" {
		q, args = q+` AND vendor_id = ?`, append(args, vendorID)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+` ORDER BY aware_at DESC, id DESC`), args...)
	if err != nil {
		return nil, translate(err, "incidents")
	}
	defer rows.Close()
	out := []*vendor.Incident{}
	for rows.Next() {
		i := &vendor.Incident{}
		var aware, notified, created string
		if err := rows.Scan(&i.ID, &i.VendorID, &i.Summary, &aware, &notified, &i.Records, &i.PHI, &i.Notes, &created); err != nil {
			return nil, translate(err, "incidents")
		}
		if i.AwareAt, err = parseTime(aware); err != nil {
			return nil, translate(err, "incidents")
		}
		if notified != "" {
			t, err := parseTime(notified)
			if err != nil {
				return nil, translate(err, "incidents")
			}
			i.NotifiedAt = &t
		}
		if i.CreatedAt, err = parseTime(created); err != nil {
			return nil, translate(err, "incidents")
		}
		out = append(out, i)
	}
	return out, translate(rows.Err(), "incidents")
}

// AddVendorIncident records an incident at a vendor of the organisation.
// Errors: Invalid, NotFound for another organisation's vendor.
func (sc *Scoped) AddVendorIncident(ctx context.Context, i *vendor.Incident, after ...TxFunc) error {
	s := sc.s
	if err := i.Validate(s.now()); err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.ownVendor(ctx, tx, i.VendorID, errs.NotFound, "vendor not found"); err != nil {
			return change{}, err
		}
		id, err := newID()
		if err != nil {
			return change{}, err
		}
		now := s.now().UTC()
		var notified any
		if i.NotifiedAt != nil {
			notified = formatTime(i.NotifiedAt.UTC())
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO vendor_incidents (id, org_id, vendor_id, summary, aware_at, notified_at, records, phi, notes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, i.VendorID, i.Summary, formatTime(i.AwareAt.UTC()), notified, i.Records, i.PHI, i.Notes, formatTime(now)); err != nil {
			return change{}, translate(err, "incident")
		}
		i.ID, i.CreatedAt = id, now
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "vendor.incident", target: "vendor:" + i.VendorID, after: i}, nil
	})
}

const dataImportColumns = "d.id, d.kind, d.filename, d.sha256, d.size_bytes, d.records, d.version, d.imported_at, d.imported_by"

func (sc *Scoped) dataImports(ctx context.Context, q string, args ...any) ([]*DataImport, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, translate(err, "import records")
	}
	defer rows.Close()
	out := []*DataImport{}
	for rows.Next() {
		var d DataImport
		var at string
		if err := rows.Scan(&d.ID, &d.Kind, &d.Filename, &d.SHA256, &d.Size, &d.Records, &d.Version, &at, &d.ImportedBy); err != nil {
			return nil, translate(err, "import records")
		}
		if d.ImportedAt, err = parseTime(at); err != nil {
			return nil, translate(err, "import records")
		}
		out = append(out, &d)
	}
	return out, translate(rows.Err(), "import records")
}

// ImportsOfKinds returns the organisation's imports of the given formats,
// newest first, at most limit.
func (sc *Scoped) ImportsOfKinds(ctx context.Context, kinds []string, limit int) ([]*DataImport, error) {
	if len(kinds) == 0 {
		return []*DataImport{}, nil
	}
	args := []any{sc.org.ID}
	for _, k := range kinds {
		args = append(args, k)
	}
	return sc.dataImports(ctx, `SELECT `+dataImportColumns+` FROM data_imports d WHERE d.org_id = ? AND d.kind IN (?`+strings.Repeat(", ?", len(kinds)-1)+`)
		ORDER BY d.imported_at DESC, d.id DESC LIMIT ?`, append(args, limit)...)
}

// VendorSBOMs returns the imports linked to a vendor as its products'
// SBOMs, newest first.
func (sc *Scoped) VendorSBOMs(ctx context.Context, vendorID string) ([]*DataImport, error) {
	return sc.dataImports(ctx, `SELECT `+dataImportColumns+` FROM vendor_sboms vs JOIN data_imports d ON d.id = vs.import_id
		WHERE vs.vendor_id = ? AND d.org_id = ? ORDER BY d.imported_at DESC, d.id DESC`, vendorID, sc.org.ID)
}

// LinkVendorSBOM links an import of the organisation, of one of kinds,
// to a vendor of the organisation as an SBOM of its products (linking it
// again changes nothing). Errors: NotFound for another organisation's
// vendor, Invalid for another organisation's import or one of another
// kind.
func (sc *Scoped) LinkVendorSBOM(ctx context.Context, vendorID, importID string, kinds []string, after ...TxFunc) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.ownVendor(ctx, tx, vendorID, errs.NotFound, "vendor not found"); err != nil {
			return change{}, err
		}
		var kind, file string
		err := tx.QueryRowContext(ctx, s.rebind(`SELECT kind, filename FROM data_imports WHERE id = ? AND org_id = ?`), importID, sc.org.ID).Scan(&kind, &file)
		if errors.Is(err, sql.ErrNoRows) {
			return change{}, errs.New(errs.Invalid, "import: no such import of the organisation's (choose an imported SBOM)")
		}
		if err != nil {
			return change{}, translate(err, "import")
		}
		if !slices.Contains(kinds, kind) {
			return change{}, errs.New(errs.Invalid, fmt.Sprintf("%s is a %s import, not an SBOM (%s)", file, kind, strings.Join(kinds, ", ")))
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO vendor_sboms (vendor_id, import_id) VALUES (?, ?) ON CONFLICT (vendor_id, import_id) DO NOTHING`), vendorID, importID); err != nil {
			return change{}, translate(err, "vendor")
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "vendor.sbom.link", target: "vendor:" + vendorID, after: map[string]any{"import": importID, "file": file}}, nil
	})
}

// UnlinkVendorSBOM removes an SBOM's link to a vendor (the import stays).
func (sc *Scoped) UnlinkVendorSBOM(ctx context.Context, vendorID, importID string, after ...TxFunc) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM vendor_sboms WHERE vendor_id = ? AND import_id = ? AND vendor_id IN (SELECT id FROM vendors WHERE org_id = ?)`), vendorID, importID, sc.org.ID); err != nil {
			return change{}, translate(err, "vendor")
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "vendor.sbom.unlink", target: "vendor:" + vendorID, before: map[string]any{"import": importID}}, nil
	})
}
