package store

import (
	"context"
	"database/sql"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
)

const evidenceColumns = "id, title, description, owner, collected_on, review_by, created_at, created_by"

const versionColumns = "id, version, filename, content_type, size_bytes, sha256, uploaded_at, uploaded_by, blob_key"

// auditVersion is what the audit log records of a version: never content.
func auditVersion(evidenceID string, v *evidence.Version) map[string]any {
	return map[string]any{"evidence": evidenceID, "version": v.Number, "filename": v.Filename, "content_type": v.ContentType, "size": v.Size, "sha256": v.SHA256}
}

// CreateEvidence stores new evidence, its first version and the version's
// content's place in the blob store, in one transaction, setting ids,
// creator and times.
func (sc *Scoped) CreateEvidence(ctx context.Context, e *evidence.Evidence, v *evidence.Version) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		return s.insertEvidence(ctx, tx, sc.org.ID, e, v)
	})
}

// insertEvidence writes new evidence of an organisation with its first
// version and links, inside tx, and gives the audit entry to append.
func (s *Store) insertEvidence(ctx context.Context, tx *sql.Tx, orgID string, e *evidence.Evidence, v *evidence.Version) (change, error) {
	id, err := newID()
	if err != nil {
		return change{}, err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	by := audit.ActorFrom(ctx).Label
	v.Number, v.UploadedAt, v.UploadedBy = 1, now, by
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO evidence (id, org_id, title, description, owner, collected_on, review_by, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id, orgID, e.Title, e.Description, e.Owner, e.CollectedOn, e.ReviewBy, formatTime(now), by)
	if err != nil {
		return change{}, translate(err, "evidence")
	}
	if err := s.insertVersion(ctx, tx, id, v); err != nil {
		return change{}, err
	}
	for _, item := range e.Items {
		if err := s.insertLink(ctx, tx, id, item, now, by); err != nil {
			return change{}, err
		}
	}
	e.ID, e.CreatedAt, e.CreatedBy = id, now, by
	after := auditVersion(id, v)
	after["title"], after["items"] = e.Title, e.Items
	return change{orgID: orgID, action: "evidence.upload", target: "evidence:" + id, after: after}, nil
}

func (s *Store) insertVersion(ctx context.Context, tx *sql.Tx, evidenceID string, v *evidence.Version) error {
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO evidence_versions (`+versionColumns+`, evidence_id, content) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '')`),
		v.ID, v.Number, v.Filename, v.ContentType, v.Size, v.SHA256, formatTime(v.UploadedAt), v.UploadedBy, v.BlobKey, evidenceID)
	return translate(err, "evidence version")
}

func (s *Store) insertLink(ctx context.Context, tx *sql.Tx, evidenceID, itemID string, at time.Time, by string) error {
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO evidence_links (evidence_id, item_id, linked_at, linked_by) VALUES (?, ?, ?, ?) ON CONFLICT (evidence_id, item_id) DO NOTHING`),
		evidenceID, itemID, formatTime(at), by)
	return translate(err, "evidence link")
}

// ownEvidence checks, inside tx, that the evidence is the organisation's.
func (sc *Scoped) ownEvidence(ctx context.Context, tx *sql.Tx, id string) error {
	var n int
	err := tx.QueryRowContext(ctx, sc.s.rebind(`SELECT COUNT(*) FROM evidence WHERE id = ? AND org_id = ?`), id, sc.org.ID).Scan(&n)
	if err != nil {
		return translate(err, "evidence")
	}
	if n == 0 {
		return errs.New(errs.NotFound, "evidence not found")
	}
	return nil
}

// AddEvidenceVersion stores the next version of the organisation's
// evidence. Errors: NotFound.
func (sc *Scoped) AddEvidenceVersion(ctx context.Context, evidenceID string, v *evidence.Version) error {
	s := sc.s
	now := s.now().UTC().Truncate(time.Microsecond)
	v.UploadedAt, v.UploadedBy = now, audit.ActorFrom(ctx).Label
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.ownEvidence(ctx, tx, evidenceID); err != nil {
			return change{}, err
		}
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COALESCE(MAX(version), 0) + 1 FROM evidence_versions WHERE evidence_id = ?`), evidenceID).Scan(&v.Number); err != nil {
			return change{}, translate(err, "evidence version")
		}
		if err := s.insertVersion(ctx, tx, evidenceID, v); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "evidence.version", target: "evidence:" + evidenceID, after: auditVersion(evidenceID, v)}, nil
	})
}

// UpdateEvidence saves evidence's descriptive fields. Errors: Invalid,
// NotFound.
func (sc *Scoped) UpdateEvidence(ctx context.Context, e *evidence.Evidence) error {
	s := sc.s
	if err := e.Normalize(); err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		before, err := scanEvidence(tx.QueryRowContext(ctx, s.rebind(`SELECT `+evidenceColumns+` FROM evidence WHERE id = ? AND org_id = ?`), e.ID, sc.org.ID))
		if err != nil {
			return change{}, translate(err, "evidence")
		}
		_, err = tx.ExecContext(ctx, s.rebind(`UPDATE evidence SET title = ?, description = ?, owner = ?, collected_on = ?, review_by = ? WHERE id = ?`),
			e.Title, e.Description, e.Owner, e.CollectedOn, e.ReviewBy, e.ID)
		if err != nil {
			return change{}, translate(err, "evidence")
		}
		return change{orgID: sc.org.ID, action: "evidence.update", target: "evidence:" + e.ID, before: before, after: e}, nil
	})
}

// LinkEvidence links evidence to items (the caller checks they exist).
// Errors: NotFound.
func (sc *Scoped) LinkEvidence(ctx context.Context, evidenceID string, itemIDs []string) error {
	s := sc.s
	now := s.now().UTC().Truncate(time.Microsecond)
	by := audit.ActorFrom(ctx).Label
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.ownEvidence(ctx, tx, evidenceID); err != nil {
			return change{}, err
		}
		for _, item := range itemIDs {
			if err := s.insertLink(ctx, tx, evidenceID, item, now, by); err != nil {
				return change{}, err
			}
		}
		return change{orgID: sc.org.ID, action: "evidence.link", target: "evidence:" + evidenceID, after: map[string]any{"items": itemIDs}}, nil
	})
}

// UnlinkEvidence removes one link. Errors: NotFound.
func (sc *Scoped) UnlinkEvidence(ctx context.Context, evidenceID, itemID string) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.ownEvidence(ctx, tx, evidenceID); err != nil {
			return change{}, err
		}
		res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM evidence_links WHERE evidence_id = ? AND item_id = ?`), evidenceID, itemID)
		if err != nil {
			return change{}, translate(err, "evidence link")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return change{}, errs.New(errs.NotFound, "that evidence is not linked to "+itemID)
		}
		return change{orgID: sc.org.ID, action: "evidence.unlink", target: "evidence:" + evidenceID, after: map[string]any{"item": itemID}}, nil
	})
}

// EvidenceList lists the organisation's evidence, newest first, with its
// versions (newest first) and links; never content.
func (sc *Scoped) EvidenceList(ctx context.Context) ([]*evidence.Evidence, error) {
	return sc.evidenceWhere(ctx, "", nil)
}

// EvidenceReviewDue returns the evidence whose review date is before
// today (YYYY-MM-DD), the longest overdue first.
func (sc *Scoped) EvidenceReviewDue(ctx context.Context, today string) ([]*evidence.Evidence, error) {
	list, err := sc.evidenceWhere(ctx, " AND review_by <> '' AND review_by < ?", []any{today})
	slices.SortStableFunc(list, func(a, b *evidence.Evidence) int { return strings.Compare(a.ReviewBy, b.ReviewBy) })
	return list, err
}

// Evidence returns one piece of the organisation's evidence. Errors:
// NotFound.
func (sc *Scoped) Evidence(ctx context.Context, id string) (*evidence.Evidence, error) {
	list, err := sc.evidenceWhere(ctx, " AND id = ?", []any{id})
	if err != nil {
		return nil, err
	}
	if len(list) == 0 {
		return nil, errs.New(errs.NotFound, "evidence not found")
	}
	return list[0], nil
}

func (sc *Scoped) evidenceWhere(ctx context.Context, where string, args []any) ([]*evidence.Evidence, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+evidenceColumns+` FROM evidence WHERE org_id = ?`+where+` ORDER BY created_at DESC, id DESC`), append([]any{sc.org.ID}, args...)...)
	if err != nil {
		return nil, translate(err, "evidence")
	}
	var out []*evidence.Evidence
	byID := map[string]*evidence.Evidence{}
	for rows.Next() {
		e, err := scanEvidence(rows)
		if err != nil {
			rows.Close()
			return nil, translate(err, "evidence")
		}
		e.Versions, e.Items = []evidence.Version{}, []string{}
		out = append(out, e)
		byID[e.ID] = e
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "evidence")
	}
	if len(out) == 0 {
		return out, nil
	}
	scope := `SELECT id FROM evidence WHERE org_id = ?` + where
	vrows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT evidence_id, `+versionColumns+` FROM evidence_versions WHERE evidence_id IN (`+scope+`) ORDER BY version DESC`), append([]any{sc.org.ID}, args...)...)
	if err != nil {
		return nil, translate(err, "evidence versions")
	}
	for vrows.Next() {
		var eid, at string
		var v evidence.Version
		if err := vrows.Scan(&eid, &v.ID, &v.Number, &v.Filename, &v.ContentType, &v.Size, &v.SHA256, &at, &v.UploadedBy, &v.BlobKey); err != nil {
			vrows.Close()
			return nil, translate(err, "evidence versions")
		}
		v.UploadedAt, _ = parseTime(at)
		if e := byID[eid]; e != nil {
			e.Versions = append(e.Versions, v)
		}
	}
	vrows.Close()
	if err := vrows.Err(); err != nil {
		return nil, translate(err, "evidence versions")
	}
	lrows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT evidence_id, item_id FROM evidence_links WHERE evidence_id IN (`+scope+`) ORDER BY item_id`), append([]any{sc.org.ID}, args...)...)
	if err != nil {
		return nil, translate(err, "evidence links")
	}
	defer lrows.Close()
	for lrows.Next() {
		var eid, item string
		if err := lrows.Scan(&eid, &item); err != nil {
			return nil, translate(err, "evidence links")
		}
		if e := byID[eid]; e != nil {
			e.Items = append(e.Items, item)
		}
	}
	return out, translate(lrows.Err(), "evidence links")
}

// EvidenceContent returns a version's metadata (the newest version for
// number 0), with the sealed content of a version stored before the blob
// store. Errors: NotFound.
func (sc *Scoped) EvidenceContent(ctx context.Context, evidenceID string, number int) (*evidence.Version, string, error) {
	s := sc.s
	q := `SELECT ` + versionColumns + `, content FROM evidence_versions WHERE evidence_id = ? AND evidence_id IN (SELECT id FROM evidence WHERE org_id = ?)`
	args := []any{evidenceID, sc.org.ID}
	if number > 0 {
		q, args = q+` AND version = ?`, append(args, number)
	}
	var v evidence.Version
	var at, sealed string
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(q+` ORDER BY version DESC LIMIT 1`), args...).Scan(&v.ID, &v.Number, &v.Filename, &v.ContentType, &v.Size, &v.SHA256, &at, &v.UploadedBy, &v.BlobKey, &sealed)
	if err != nil {
		return nil, "", translate(err, "evidence version")
	}
	v.UploadedAt, _ = parseTime(at)
	return &v, sealed, nil
}

// EvidenceByItem returns, for each linked item, the evidence supporting it
// at its newest version, for assessments to show and freeze.
func (sc *Scoped) EvidenceByItem(ctx context.Context, now time.Time) (map[string][]assessment.EvidenceRef, error) {
	list, err := sc.EvidenceList(ctx)
	if err != nil {
		return nil, err
	}
	out := map[string][]assessment.EvidenceRef{}
	for _, e := range list {
		v := e.Latest()
		if v == nil {
			continue
		}
		ref := assessment.EvidenceRef{ID: e.ID, Title: e.Title, Version: v.Number, SHA256: v.SHA256, Filename: v.Filename, ReviewBy: e.ReviewBy, Overdue: e.Overdue(now), At: v.UploadedAt}
		for _, item := range e.Items {
			out[item] = append(out[item], ref)
		}
	}
	for _, refs := range out {
		sort.SliceStable(refs, func(i, j int) bool { return refs[i].Title < refs[j].Title })
	}
	return out, nil
}

func scanEvidence(sc scanner) (*evidence.Evidence, error) {
	var e evidence.Evidence
	var created string
	if err := sc.Scan(&e.ID, &e.Title, &e.Description, &e.Owner, &e.CollectedOn, &e.ReviewBy, &created, &e.CreatedBy); err != nil {
		return nil, err
	}
	e.CreatedAt, _ = parseTime(created)
	return &e, nil
}

// EvidenceBlobKeys returns the blob keys of every evidence version of
// every organisation: what a sweep of the blob store keeps.
func (s *Store) EvidenceBlobKeys(ctx context.Context) (map[string]bool, error) {
	keys, err := s.queryStrings(ctx, "evidence versions", `SELECT blob_key FROM evidence_versions WHERE blob_key <> ''`)
	keep := make(map[string]bool, len(keys))
	for _, k := range keys {
		keep[k] = true
	}
	return keep, err
}
