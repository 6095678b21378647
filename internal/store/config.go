package store

import (
	"context"
	"database/sql"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

// ConfigControl is a control of a configuration baseline as an import
// found it in one of the organisation's systems (a SCuBA control in its
// Microsoft 365 tenant, as ScubaGear assessed it).
type ConfigControl struct {
	ingest.ScubaControl
	Source     string `json:"source"` // the format: scubagear
	Tenant     string `json:"tenant,omitempty"`
	ImportID   string `json:"import"`
	AssessedAt string `json:"assessed_at"`
}

// ConfigImport is the outcome of an import of configuration baseline
// results.
type ConfigImport struct {
	Record   *DataImport
	Fresh    bool
	Controls int
	Replaced int // the source's controls of the import before
}

// ImportConfigControls replaces the organisation's controls of a
// baseline source (kind, a format id) with those of a report, in one
// transaction with its import record and audit entry; the same file again
// (its SHA-256) is recognised and changes nothing. A report without a
// time is dated by its import.
func (sc *Scoped) ImportConfigControls(ctx context.Context, kind, file, sha string, size int64, rep *ingest.ScubaReport, after ...TxFunc) (*ConfigImport, error) {
	s := sc.s
	out := &ConfigImport{}
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		rec, again, err := s.beginImport(ctx, tx, sc.org.ID, kind, file, sha, size, "config.import_again")
		if err != nil {
			return change{}, err
		}
		if again != nil {
			out.Record = rec
			return *again, nil
		}
		res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM config_controls WHERE org_id = ? AND source = ?`), sc.org.ID, kind)
		if err != nil {
			return change{}, translate(err, "configuration controls")
		}
		n, _ := res.RowsAffected()
		out.Replaced = int(n)
		at := rep.At
		if at == "" {
			at = formatTime(rec.ImportedAt)
		}
		ins := s.newInserter(ctx, tx, "config_controls", "org_id, import_id, source, tenant, control_id, product, requirement, result, criticality, details, assessed_at", "configuration controls")
		defer ins.close()
		seen := map[string]bool{}
		for _, c := range rep.Controls {
			if seen[c.ID] {
				return change{}, errs.New(errs.Invalid, file+": control "+c.ID+" is given twice")
			}
			seen[c.ID] = true
			if err := ins.add(sc.org.ID, rec.ID, kind, rep.Tenant, c.ID, c.Product, c.Requirement, c.Result, c.Criticality, c.Details, at); err != nil {
				return change{}, err
			}
		}
		if err := ins.flush(); err != nil {
			return change{}, err
		}
		out.Controls = len(rep.Controls)
		if err := s.finishImport(ctx, tx, rec, rep.SHA256, out.Controls, rep.ToolVersion); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out.Record, out.Fresh = rec, true
		return change{orgID: sc.org.ID, action: "config.import", target: "import:" + rec.ID,
			after: map[string]any{"file": file, "sha256": sha, "size": size, "format": kind, "tenant": rep.Tenant, "controls": out.Controls}}, nil
	})
	if err != nil {
		s.RecordEvent(ctx, sc.org.ID, "config.import_failed", "file:"+file, map[string]any{"sha256": sha, "size": size, "format": kind, "error": errs.Message(err)})
		return nil, err
	}
	return out, nil
}

// ConfigControls lists the organisation's controls of a baseline source,
// by control id.
func (sc *Scoped) ConfigControls(ctx context.Context, source string) ([]*ConfigControl, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT source, tenant, import_id, control_id, product, requirement, result, criticality, details, assessed_at
		FROM config_controls WHERE org_id = ? AND source = ? ORDER BY control_id`), sc.org.ID, source)
	if err != nil {
		return nil, translate(err, "configuration controls")
	}
	defer rows.Close()
	out := []*ConfigControl{}
	for rows.Next() {
		c := &ConfigControl{}
		if err := rows.Scan(&c.Source, &c.Tenant, &c.ImportID, &c.ID, &c.Product, &c.Requirement, &c.Result, &c.Criticality, &c.Details, &c.AssessedAt); err != nil {
			return nil, translate(err, "configuration controls")
		}
		out = append(out, c)
	}
	return out, translate(rows.Err(), "configuration controls")
}
