package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

// DataImport is the record of one imported file.
type DataImport struct {
	ID         string    `json:"id"`
	Kind       string    `json:"kind"`
	Filename   string    `json:"filename"`
	SHA256     string    `json:"sha256"`
	Size       int64     `json:"size"`
	Records    int       `json:"records"`
	Version    string    `json:"version,omitempty"`
	ImportedAt time.Time `json:"imported_at"`
	ImportedBy string    `json:"imported_by"`
}

// priorImport finds, inside tx, an earlier import of the same bytes.
func (s *Store) priorImport(ctx context.Context, tx *sql.Tx, orgID, kind, sha string) (*DataImport, error) {
	var d DataImport
	var at string
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT id, kind, filename, sha256, size_bytes, records, version, imported_at, imported_by FROM data_imports WHERE org_id = ? AND kind = ? AND sha256 = ?`),
		orgID, kind, sha).Scan(&d.ID, &d.Kind, &d.Filename, &d.SHA256, &d.Size, &d.Records, &d.Version, &at, &d.ImportedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, "import record")
	}
	d.ImportedAt, err = parseTime(at)
	return &d, translate(err, "import record")
}

// beginImport starts an organisation's import of a file inside tx: a file
// imported before (the same kind and SHA-256) is recognised, and again is
// the audit change saying so (action); otherwise the import is recorded.
func (s *Store) beginImport(ctx context.Context, tx *sql.Tx, orgID, kind, file, sha string, size int64, action string) (rec *DataImport, again *change, err error) {
	prior, err := s.priorImport(ctx, tx, orgID, kind, sha)
	if err != nil {
		return nil, nil, err
	}
	if prior != nil {
		return prior, &change{orgID: orgID, action: action, target: "import:" + prior.ID, after: map[string]any{"file": file, "sha256": sha}}, nil
	}
	rec = &DataImport{Kind: kind, Filename: file, SHA256: sha, Size: size}
	return rec, nil, s.recordImport(ctx, tx, orgID, rec)
}

// finishImport refuses a file whose bytes read are not those hashed (it
// changed during the import), and gives the record its count and version.
func (s *Store) finishImport(ctx context.Context, tx *sql.Tx, rec *DataImport, readSHA string, records int, version string) error {
	if readSHA != rec.SHA256 {
		return errs.New(errs.Conflict, fmt.Sprintf("%s changed while it was being imported: import it again", rec.Filename))
	}
	if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE data_imports SET records = ?, version = ? WHERE id = ?`), records, version, rec.ID); err != nil {
		return translate(err, "import record")
	}
	rec.Records, rec.Version = records, version
	return nil
}

func (s *Store) recordImport(ctx context.Context, tx *sql.Tx, orgID string, d *DataImport) error {
	id, err := newID()
	if err != nil {
		return err
	}
	d.ID, d.ImportedAt, d.ImportedBy = id, s.now().UTC().Truncate(time.Microsecond), audit.ActorFrom(ctx).Label
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO data_imports (id, org_id, kind, filename, sha256, size_bytes, records, version, imported_at, imported_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		d.ID, orgID, d.Kind, d.Filename, d.SHA256, d.Size, d.Records, d.Version, formatTime(d.ImportedAt), d.ImportedBy)
	return translate(err, "import record")
}

// ImportKEV replaces the installation's KEV catalog with c in one
// transaction, recording the import. A file imported before is recognised:
// nothing changes and the earlier record is returned with fresh false.
// after runs in the transaction once a new catalog has landed. The open
// findings' KEV keys are brought up to date afterwards (RefreshRanks).
func (s *Store) ImportKEV(ctx context.Context, c *ingest.KEVCatalog, after ...TxFunc) (*DataImport, bool, error) {
	var rec *DataImport
	fresh := false
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		prior, err := s.priorImport(ctx, tx, "", "kev", c.SHA256)
		if err != nil {
			return change{}, err
		}
		if prior != nil {
			rec = prior
			return change{action: "kev.import_again", target: "kev:" + c.Version, after: map[string]any{"sha256": c.SHA256, "first_imported": prior.ImportedAt}}, nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM kev_entries`); err != nil {
			return change{}, translate(err, "kev")
		}
		stmt, err := tx.PrepareContext(ctx, s.rebind(`INSERT INTO kev_entries (cve, vendor, product, name, date_added, due_date, ransomware, description, required_action, notes, cwes) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
		if err != nil {
			return change{}, translate(err, "kev")
		}
		defer stmt.Close()
		for _, e := range c.Entries {
			cwes, _ := json.Marshal(e.CWEs)
			if _, err := stmt.ExecContext(ctx, e.CVE, e.Vendor, e.Product, e.Name, e.DateAdded, e.DueDate, e.Ransomware, e.Description, e.RequiredAction, e.Notes, string(cwes)); err != nil {
				return change{}, translate(err, "kev entry "+e.CVE)
			}
		}
		rec = &DataImport{Kind: "kev", Filename: c.File, SHA256: c.SHA256, Size: c.Size, Records: len(c.Entries), Version: c.Version}
		if err := s.recordImport(ctx, tx, "", rec); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		fresh = true
		return change{action: "kev.import", target: "kev:" + c.Version, after: rec}, nil
	})
	return rec, fresh, err
}

// KEVEntry returns the catalog's entry for a CVE. Errors: NotFound.
func (s *Store) KEVEntry(ctx context.Context, cve string) (*ingest.KEVEntry, error) {
	var e ingest.KEVEntry
	var cwes string
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT cve, vendor, product, name, date_added, due_date, ransomware, description, required_action, notes, cwes FROM kev_entries WHERE cve = ?`), cve).
		Scan(&e.CVE, &e.Vendor, &e.Product, &e.Name, &e.DateAdded, &e.DueDate, &e.Ransomware, &e.Description, &e.RequiredAction, &e.Notes, &cwes)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, cve+" is not in the KEV catalog Safeguard holds")
	}
	if err != nil {
		return nil, translate(err, "kev")
	}
	if err := json.Unmarshal([]byte(cwes), &e.CWEs); err != nil {
		return nil, errs.Wrap(errs.Internal, "kev", err)
	}
	return &e, nil
}

// LatestImport returns the newest import of a kind (kev, epss) for the
// installation (orgID "") or an organisation. Errors: NotFound.
func (s *Store) LatestImport(ctx context.Context, orgID, kind string) (*DataImport, error) {
	var d DataImport
	var at string
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT id, kind, filename, sha256, size_bytes, records, version, imported_at, imported_by FROM data_imports
		WHERE org_id = ? AND kind = ? ORDER BY imported_at DESC, id DESC LIMIT 1`), orgID, kind).
		Scan(&d.ID, &d.Kind, &d.Filename, &d.SHA256, &d.Size, &d.Records, &d.Version, &at, &d.ImportedBy)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, errs.New(errs.NotFound, "nothing of kind "+kind+" imported yet")
	}
	if err != nil {
		return nil, translate(err, "import record")
	}
	d.ImportedAt, err = parseTime(at)
	return &d, translate(err, "import record")
}

// ImportEPSS replaces the installation's EPSS scores with f in one
// transaction, recording the import; a file imported before is recognised.
// after runs in the transaction once new scores have landed. The open
// findings' EPSS keys are brought up to date afterwards (RefreshRanks).
func (s *Store) ImportEPSS(ctx context.Context, f *ingest.EPSSFile, after ...TxFunc) (*DataImport, bool, error) {
	var rec *DataImport
	fresh := false
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		prior, err := s.priorImport(ctx, tx, "", "epss", f.SHA256)
		if err != nil {
			return change{}, err
		}
		if prior != nil {
			rec = prior
			return change{action: "epss.import_again", target: "epss:" + f.ScoreDate, after: map[string]any{"sha256": f.SHA256, "first_imported": prior.ImportedAt}}, nil
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM epss_scores`); err != nil {
			return change{}, translate(err, "epss")
		}
		stmt, err := tx.PrepareContext(ctx, s.rebind(`INSERT INTO epss_scores (cve, epss, percentile) VALUES (?, ?, ?)`))
		if err != nil {
			return change{}, translate(err, "epss")
		}
		defer stmt.Close()
		for _, sc := range f.Scores {
			if _, err := stmt.ExecContext(ctx, sc.CVE, sc.EPSS, sc.Percentile); err != nil {
				return change{}, translate(err, "epss score "+sc.CVE)
			}
		}
		rec = &DataImport{Kind: "epss", Filename: f.File, SHA256: f.SHA256, Size: f.Size, Records: len(f.Scores), Version: f.ScoreDate}
		if err := s.recordImport(ctx, tx, "", rec); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		fresh = true
		return change{action: "epss.import", target: "epss:" + f.ScoreDate, after: rec}, nil
	})
	return rec, fresh, err
}

// EPSS returns a CVE's score and percentile. Errors: NotFound.
func (s *Store) EPSS(ctx context.Context, cve string) (ingest.EPSSScore, error) {
	sc := ingest.EPSSScore{CVE: cve}
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT epss, percentile FROM epss_scores WHERE cve = ?`), cve).Scan(&sc.EPSS, &sc.Percentile)
	if errors.Is(err, sql.ErrNoRows) {
		return sc, errs.New(errs.NotFound, cve+" has no EPSS score in the scores Safeguard holds")
	}
	return sc, translate(err, "epss")
}

// DataImportsBefore lists the files imported into the organisation before
// the time given, newest first, at most limit.
func (sc *Scoped) DataImportsBefore(ctx context.Context, before time.Time, limit int) ([]*DataImport, error) {
	return sc.dataImports(ctx, `SELECT `+dataImportColumns+` FROM data_imports d WHERE d.org_id = ? AND d.imported_at < ? ORDER BY d.imported_at DESC, d.id DESC LIMIT ?`,
		sc.org.ID, formatTime(before), limit)
}

// DataImports lists the files imported into the organisation (scanner
// output, account exports), newest first, and then the installation's
// newest KEV catalog and EPSS scores, which every organisation shares.
func (sc *Scoped) DataImports(ctx context.Context, limit int) ([]*DataImport, error) {
	s := sc.s
	out, err := sc.dataImports(ctx, `SELECT `+dataImportColumns+` FROM data_imports d WHERE d.org_id = ? ORDER BY d.imported_at DESC, d.id DESC LIMIT ?`, sc.org.ID, limit)
	if err != nil {
		return nil, err
	}
	for _, kind := range []string{ingest.FormatKEV, ingest.FormatEPSS} {
		d, err := s.LatestImport(ctx, "", kind)
		if errs.Is(err, errs.NotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}
