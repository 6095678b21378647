package store

import (
	"context"
	"database/sql"
	"maps"
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
		at := formatTime(rec.ImportedAt)
		ins := s.newInserter(ctx, tx, "findings", "id, org_id, import_id, asset_id, scanner, host, target, vuln_id, cve, package, installed, fixed, severity, cvss, title, place, scanned_at", "findings")
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
			return ins.add(id, sc.org.ID, rec.ID, aid, f.Scanner, f.Host, f.Target, f.VulnID, f.CVE, f.Package, f.Installed, f.Fixed, f.Severity, f.CVSS, f.Title,
				place(aid, f.Host, f.Target), at)
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
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE findings SET target = ?, place = ? WHERE import_id = ? AND target = '' AND host = ''`), info.Artifact, place("", "", info.Artifact), rec.ID); err != nil {
				return change{}, translate(err, "findings")
			}
			if aid, ok := match[strings.ToLower(info.Artifact)]; ok {
				if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE findings SET asset_id = ?, place = ? WHERE import_id = ? AND asset_id = '' AND target = ?`), aid, aid, rec.ID, info.Artifact); err != nil {
					return change{}, translate(err, "findings")
				}
				out.Matched += pending
			} else {
				unmatched[info.Artifact] = true
			}
		}
		if err := s.keepFindingsState(ctx, tx, rec.ID); err != nil {
			return change{}, err
		}
		// The places the scan covered without a finding: their newest
		// import is now this one, which reports nothing open there.
		clean := map[string]bool{}
		for _, sp := range info.Scanned {
			if sp.Host == "" && sp.Target == "" {
				continue
			}
			aid := ""
			for _, k := range append([]string{sp.Host, sp.Target, sp.Artifact}, sp.Aliases...) {
				if id, ok := match[strings.ToLower(k)]; ok && k != "" {
					aid = id
					break
				}
			}
			clean[place(aid, sp.Host, sp.Target)] = true
		}
		for _, pl := range slices.Sorted(maps.Keys(clean)) {
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO finding_places (org_id, place, import_id, scanned_at) VALUES (?, ?, ?, ?)`+newestPlace),
				sc.org.ID, pl, rec.ID, at); err != nil {
				return change{}, translate(err, "findings")
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

// place is the key of where a finding is: its asset, or its host and
// target when no asset of the inventory matched.
func place(assetID, host, target string) string {
	if assetID != "" {
		return assetID
	}
	return host + "|" + target
}

// keepFindingsState brings what the checks and pages read up to date with
// an import of findings that has just been written, in its transaction:
// it becomes the newest import of each place it reports on (unless a newer
// one already is), whose findings there are the open ones, the newest
// before it becoming the one the trend compares with, and each
// vulnerability it is the first to report at a place is first seen now. A
// statement per place and per new vulnerability, not per finding: nothing
// else of the findings is touched. Each change only moves a time earlier
// or later, so imports landing out of order leave the same state.
func (s *Store) keepFindingsState(ctx context.Context, tx *sql.Tx, importID string) error {
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO finding_places (org_id, place, import_id, scanned_at)
		SELECT DISTINCT org_id, place, import_id, scanned_at FROM findings WHERE import_id = ?`+newestPlace), importID); err != nil {
		return translate(err, "findings")
	}
	// Only what no import at or before this one reported is written: on a
	// rescan, nearly nothing.
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO finding_firsts (org_id, place, vuln_id, first_seen)
		SELECT DISTINCT f.org_id, f.place, f.vuln_id, f.scanned_at FROM findings f WHERE f.import_id = ? AND NOT EXISTS (SELECT 1 FROM finding_firsts x
			WHERE x.org_id = f.org_id AND x.place = f.place AND x.vuln_id = f.vuln_id AND x.first_seen <= f.scanned_at)
		ON CONFLICT (org_id, place, vuln_id) DO UPDATE SET first_seen = excluded.first_seen
		WHERE excluded.first_seen < finding_firsts.first_seen`), importID); err != nil {
		return translate(err, "findings")
	}
	return nil
}

// newestPlace completes an insert into finding_places: a newer import
// becomes the place's newest and its newest the one before; an import
// between the two (landing late) becomes the one before; an older one, or
// the same, changes nothing.
const newestPlace = `
	ON CONFLICT (org_id, place) DO UPDATE SET
		import_id = CASE WHEN excluded.scanned_at > finding_places.scanned_at THEN excluded.import_id ELSE finding_places.import_id END,
		scanned_at = CASE WHEN excluded.scanned_at > finding_places.scanned_at THEN excluded.scanned_at ELSE finding_places.scanned_at END,
		prev_import_id = CASE WHEN excluded.scanned_at > finding_places.scanned_at THEN finding_places.import_id ELSE excluded.import_id END,
		prev_scanned_at = CASE WHEN excluded.scanned_at > finding_places.scanned_at THEN finding_places.scanned_at ELSE excluded.scanned_at END
	WHERE excluded.scanned_at > finding_places.prev_scanned_at AND excluded.scanned_at <> finding_places.scanned_at`

// openFindings and openWhere read the open findings: those of the newest
// import that covered their place (finding_places), each with when its place first
// reported its vulnerability (s.first_seen), through the organisation's
// places and an index lookup for each of their findings, never every
// finding. CROSS JOIN keeps SQLite to that order (PostgreSQL plans it
// alike either way); openWhere takes the organisation's id.
const (
	openFindings = `finding_places p CROSS JOIN findings f CROSS JOIN finding_firsts s`
	openWhere    = `p.org_id = ? AND f.import_id = p.import_id AND f.place = p.place AND s.org_id = p.org_id AND s.place = f.place AND s.vuln_id = f.vuln_id`
)

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
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+` ORDER BY cvss DESC, vuln_id, id LIMIT ?`), append(args, limit)...)
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
