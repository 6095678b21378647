package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"maps"
	"slices"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// VEXImport is the outcome of an import of VEX statements.
type VEXImport struct {
	Record     *DataImport
	Fresh      bool
	Statements int
	Closed     int // open findings the statements mark not affected or fixed
	Reopened   int // findings a statement had closed that a newer one no longer does
}

// vexRules are an organisation's VEX statements, newest first: the first
// that matches a finding decides.
type vexRules []ingest.VEXStatement

// decide is the newest statement matching a subject, nil when none does.
func (r vexRules) decide(s *ingest.VEXSubject) *ingest.VEXStatement {
	for i := range r {
		if r[i].Matches(s) {
			return &r[i]
		}
	}
	return nil
}

// vexRules reads an organisation's statements, newest first: by the
// statement's time, then by its import's, then by its place in its
// document.
func (s *Store) vexRules(ctx context.Context, q interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}, orgID string) (vexRules, error) {
	rows, err := q.QueryContext(ctx, s.rebind(`SELECT v.statement FROM vex_statements v JOIN data_imports d ON d.id = v.import_id
		WHERE v.org_id = ? ORDER BY v.issued_at DESC, d.imported_at DESC, v.import_id DESC, v.seq DESC`), orgID)
	if err != nil {
		return nil, translate(err, "VEX statements")
	}
	defer rows.Close()
	var out vexRules
	for rows.Next() {
		var raw string
		if err := rows.Scan(&raw); err != nil {
			return nil, translate(err, "VEX statements")
		}
		var st ingest.VEXStatement
		if err := json.Unmarshal([]byte(raw), &st); err != nil {
			return nil, errs.Wrap(errs.Internal, "a stored VEX statement", err)
		}
		out = append(out, st)
	}
	return out, translate(rows.Err(), "VEX statements")
}

// assetNames are the names and identifiers of each asset, by id: where a
// finding on it is, for a VEX statement's products.
func assetNames(assets []*risk.Asset) map[string][]string {
	out := map[string][]string{}
	for _, a := range assets {
		out[a.ID] = append([]string{a.Name}, a.Identifiers...)
	}
	return out
}

// vexSubject is a finding as VEX statements see it.
func vexSubject(f *ingest.Finding, assetID string, names map[string][]string) *ingest.VEXSubject {
	places := append([]string{f.Host, f.Target, f.Artifact}, f.HostAliases...)
	places = append(places, names[assetID]...)
	return &ingest.VEXSubject{VulnID: f.VulnID, CVE: f.CVE, Package: f.Package, Installed: f.Installed, Places: slices.DeleteFunc(places, func(p string) bool { return p == "" })}
}

// ImportVEX stores a VEX document's statements and applies them, in one
// transaction with its import record and audit entry: each open finding
// whose newest matching statement says not affected or fixed is closed,
// marked with it; each finding a statement had closed whose newest
// matching statement no longer says so is open again when its scan is
// still the newest of its place. The same file again (its SHA-256) is
// recognised and changes nothing. Every open finding of the organisation
// is read once.
func (sc *Scoped) ImportVEX(ctx context.Context, kind, file, sha string, size int64, doc *ingest.VEXDocument, after ...TxFunc) (*VEXImport, error) {
	s := sc.s
	out := &VEXImport{}
	assets, err := sc.Assets(ctx)
	if err != nil {
		return nil, err
	}
	names := assetNames(assets)
	err = s.audited(ctx, func(tx *sql.Tx) (change, error) {
		rec, again, err := s.beginImport(ctx, tx, sc.org.ID, kind, file, sha, size, "vex.import_again")
		if err != nil {
			return change{}, err
		}
		if again != nil {
			out.Record = rec
			return *again, nil
		}
		at := formatTime(rec.ImportedAt)
		ins := s.newInserter(ctx, tx, "vex_statements", "org_id, import_id, seq, vuln_id, statement, issued_at", "VEX statements")
		defer ins.close()
		for i, st := range doc.Statements {
			b, err := json.Marshal(st)
			if err != nil {
				return change{}, errs.Wrap(errs.Internal, "a VEX statement", err)
			}
			issued := st.At
			if issued == "" {
				issued = at
			}
			if err := ins.add(sc.org.ID, rec.ID, i, st.Vuln, string(b), issued); err != nil {
				return change{}, err
			}
		}
		if err := ins.flush(); err != nil {
			return change{}, err
		}
		out.Statements = len(doc.Statements)
		rules, err := s.vexRules(ctx, tx, sc.org.ID)
		if err != nil {
			return change{}, err
		}
		// What to close and what to open again, read before any is
		// written.
		closeIDs := map[string][]string{} // reason → finding ids
		var reopen []string
		rows, err := tx.QueryContext(ctx, s.rebind(`SELECT id, asset_id, vuln_id, cve, package, installed, host, target, is_open, vex FROM findings
			WHERE org_id = ? AND (is_open = 1 OR vex <> '')`), sc.org.ID)
		if err != nil {
			return change{}, translate(err, "findings")
		}
		for rows.Next() {
			var id, aid, vex string
			var open int
			var f ingest.Finding
			if err := rows.Scan(&id, &aid, &f.VulnID, &f.CVE, &f.Package, &f.Installed, &f.Host, &f.Target, &open, &vex); err != nil {
				rows.Close()
				return change{}, translate(err, "findings")
			}
			st := rules.decide(vexSubject(&f, aid, names))
			switch {
			case open == 1 && st != nil && st.Suppresses():
				closeIDs[st.Reason()] = append(closeIDs[st.Reason()], id)
			case open == 0 && vex != "" && (st == nil || !st.Suppresses()):
				reopen = append(reopen, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return change{}, translate(err, "findings")
		}
		for _, reason := range slices.Sorted(maps.Keys(closeIDs)) {
			for _, id := range closeIDs[reason] {
				if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE findings SET is_open = 0, vex = ? WHERE id = ?`), reason, id); err != nil {
					return change{}, translate(err, "findings")
				}
				out.Closed++
			}
		}
		for _, id := range reopen {
			// Open again only where its scan is still its scanner's newest
			// of its place; the keys of the order to fix are worked out
			// again, as they were not kept while it was closed.
			res, err := tx.ExecContext(ctx, s.rebind(`UPDATE findings SET vex = '', is_open = CASE WHEN EXISTS (SELECT 1 FROM finding_places p
				WHERE p.org_id = findings.org_id AND p.scanner = findings.scanner AND p.place = findings.place AND p.import_id = findings.import_id) THEN 1 ELSE 0 END,
				rank_kev = CASE WHEN EXISTS (SELECT 1 FROM kev_entries k WHERE k.cve = findings.cve) THEN 0 ELSE 1 END,
				rank_epss = COALESCE(-(SELECT e.epss FROM epss_scores e WHERE e.cve = findings.cve), 1),
				rank_crit = -COALESCE((SELECT CASE a.criticality WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'moderate' THEN 2 WHEN 'low' THEN 1 ELSE 0 END
					FROM assets a WHERE a.id = findings.asset_id), 0),
				rank_records = -COALESCE((SELECT a.records FROM assets a WHERE a.id = findings.asset_id), 0)
				WHERE id = ?`), id)
			if err != nil {
				return change{}, translate(err, "findings")
			}
			if n, _ := res.RowsAffected(); n > 0 {
				var open int
				if err := tx.QueryRowContext(ctx, s.rebind(`SELECT is_open FROM findings WHERE id = ?`), id).Scan(&open); err != nil {
					return change{}, translate(err, "findings")
				}
				out.Reopened += open
			}
		}
		if out.Closed != out.Reopened {
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE finding_tallies SET open_findings = open_findings + ? WHERE org_id = ?`), out.Reopened-out.Closed, sc.org.ID); err != nil {
				return change{}, translate(err, "findings")
			}
		}
		if err := s.finishImport(ctx, tx, rec, doc.SHA256, out.Statements, ""); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out.Record, out.Fresh = rec, true
		return change{orgID: sc.org.ID, action: "vex.import", target: "import:" + rec.ID,
			after: map[string]any{"file": file, "sha256": sha, "size": size, "format": kind, "statements": out.Statements, "closed": out.Closed, "reopened": out.Reopened}}, nil
	})
	if err != nil {
		s.RecordEvent(ctx, sc.org.ID, "vex.import_failed", "file:"+file, map[string]any{"sha256": sha, "size": size, "format": kind, "error": errs.Message(err)})
		return nil, err
	}
	return out, nil
}
