package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

// FindingsImport is the outcome of a scanner import: the record, whether
// it was new, and the hosts or targets no asset of the inventory matched
// (listed, not dropped: their findings are kept unmatched).
type FindingsImport struct {
	Record    *DataImport
	Fresh     bool
	Findings  int
	Matched   int
	Skipped   int // results the file reports that are not open findings
	Unmatched []string
}

// ImportFindings stores a scanner file's findings in one transaction: read
// calls emit for each finding (streaming the file), and the findings are
// written in batches, each matched to an asset whose name or identifiers
// equal its host, target or scanned artifact (ignoring case). A file imported before (the
// same SHA-256) is recognised and nothing is written. A failed import
// leaves nothing but an audit entry saying why.
func (sc *Scoped) ImportFindings(ctx context.Context, kind, file, sha string, size int64, read func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error), after ...TxFunc) (*FindingsImport, error) {
	s := sc.s
	out := &FindingsImport{}
	assets, err := sc.Assets(ctx)
	if err != nil {
		return nil, err
	}
	match := map[string]string{}
	for _, a := range assets {
		match[strings.ToLower(a.Name)] = a.ID
		for _, id := range a.Identifiers {
			match[strings.ToLower(id)] = a.ID
		}
	}
	unmatched := map[string]bool{}
	pending := 0
	err = s.audited(ctx, func(tx *sql.Tx) (change, error) {
		rec, again, err := s.beginImport(ctx, tx, sc.org.ID, kind, file, sha, size, "findings.import_again")
		if err != nil {
			return change{}, err
		}
		if again != nil {
			out.Record = rec
			return *again, nil
		}
		ins := s.newInserter(ctx, tx, "findings", "id, org_id, import_id, asset_id, scanner, host, target, vuln_id, cve, package, installed, fixed, severity, cvss, title", "findings")
		defer ins.close()
		info, err := pipe(ctx, read, func(f ingest.Finding) error {
			aid := ""
			for _, k := range append([]string{f.Host, f.Target, f.Artifact}, f.HostAliases...) {
				if id, ok := match[strings.ToLower(k)]; ok && k != "" {
					aid = id
					break
				}
			}
			if aid == "" {
				key := f.Host
				for _, k := range []string{f.Artifact, f.Target} {
					if key == "" {
						key = k
					}
				}
				if key == "" {
					pending++ // matched, or not, by the scan's artifact once the read ends
				} else if len(unmatched) < 1000 {
					unmatched[key] = true
				}
			} else {
				out.Matched++
			}
			out.Findings++
			id, err := newID()
			if err != nil {
				return err
			}
			return ins.add(id, sc.org.ID, rec.ID, aid, f.Scanner, f.Host, f.Target, f.VulnID, f.CVE, f.Package, f.Installed, f.Fixed, f.Severity, f.CVSS, f.Title)
		})
		if err != nil {
			return change{}, err
		}
		if err := ins.flush(); err != nil {
			return change{}, err
		}
		if pending > 0 && info.Artifact != "" {
			// Formats that name the scanned image after their findings (Grype):
			// give those findings the image, and its asset when it has one.
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE findings SET target = ? WHERE import_id = ? AND target = '' AND host = ''`), info.Artifact, rec.ID); err != nil {
				return change{}, translate(err, "findings")
			}
			if aid, ok := match[strings.ToLower(info.Artifact)]; ok {
				if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE findings SET asset_id = ? WHERE import_id = ? AND asset_id = '' AND target = ?`), aid, rec.ID, info.Artifact); err != nil {
					return change{}, translate(err, "findings")
				}
				out.Matched += pending
			} else {
				unmatched[info.Artifact] = true
			}
		}
		if err := s.finishImport(ctx, tx, rec, info.SHA256, out.Findings, info.Artifact); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out.Skipped = info.Skipped
		out.Record, out.Fresh = rec, true
		return change{orgID: sc.org.ID, action: "findings.import", target: "import:" + rec.ID,
			after: map[string]any{"file": file, "sha256": sha, "size": size, "scanner": kind, "findings": out.Findings, "matched": out.Matched}}, nil
	})
	if err != nil {
		// The import left nothing; the attempt and its reason stay on record.
		s.RecordEvent(ctx, sc.org.ID, "findings.import_failed", "file:"+file, map[string]any{"sha256": sha, "size": size, "scanner": kind, "error": errs.Message(err)})
		return nil, err
	}
	for k := range unmatched {
		out.Unmatched = append(out.Unmatched, k)
	}
	slices.Sort(out.Unmatched)
	return out, nil
}

// Finding is a stored finding with the asset it matched.
type Finding struct {
	ingest.Finding
	ID       string `json:"id"`
	ImportID string `json:"import"`
	AssetID  string `json:"asset,omitempty"`
}

// Findings lists the organisation's findings, of one import when importID
// is not "", at most limit (0: 1000), most severe first.
func (sc *Scoped) Findings(ctx context.Context, importID string, limit int) ([]*Finding, error) {
	s := sc.s
	if limit <= 0 {
		limit = 1000
	}
	q, args := `SELECT id, import_id, asset_id, scanner, host, target, vuln_id, cve, package, installed, fixed, severity, cvss, title FROM findings WHERE org_id = ?`, []any{sc.org.ID}
	if importID != "" {
		q, args = q+` AND import_id = ?`, append(args, importID)
	}
	rows, err := s.read.QueryContext(ctx, s.rebind(q+` ORDER BY cvss DESC, vuln_id, id LIMIT ?`), append(args, limit)...)
	if err != nil {
		return nil, translate(err, "findings")
	}
	defer rows.Close()
	var out []*Finding
	for rows.Next() {
		var f Finding
		if err := rows.Scan(&f.ID, &f.ImportID, &f.AssetID, &f.Scanner, &f.Host, &f.Target, &f.VulnID, &f.CVE, &f.Package, &f.Installed, &f.Fixed, &f.Severity, &f.CVSS, &f.Title); err != nil {
			return nil, translate(err, "findings")
		}
		out = append(out, &f)
	}
	return out, translate(rows.Err(), "findings")
}
