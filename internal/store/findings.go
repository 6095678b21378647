package store

import (
	"context"
	"database/sql"
	"fmt"
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
	Record   *DataImport
	Fresh    bool
	Findings int
	Matched  int
	Skipped  int // results the file reports that are not open findings
	// Suppressed are the findings written closed: a VEX statement says
	// they are not affected, or fixed.
	Suppressed int
	Unmatched  []string
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
		// The organisation's VEX statements: a finding the newest matching
		// one says is not affected, or fixed, is written closed, marked.
		rules, err := s.vexRules(ctx, tx, sc.org.ID)
		if err != nil {
			return change{}, err
		}
		var names map[string][]string
		if len(rules) > 0 {
			names = assetNames(assets)
		}
		suppressed := 0
		keys, err := s.newRankKeys(ctx, tx, sc.org.ID)
		if err != nil {
			return change{}, err
		}
		defer keys.close()
		at := formatTime(rec.ImportedAt)
		ins := s.newInserter(ctx, tx, "findings", "id, org_id, import_id, asset_id, scanner, host, target, vuln_id, cve, package, installed, fixed, severity, cvss, title, place, scanned_at, "+
			"is_open, vex, rank_kev, rank_epss, rank_cvss, rank_crit, rank_records", "findings")
		defer ins.close()
		// One scanner's scan: each scanner's newest scan of a place decides
		// its own findings there (keepFindingsState).
		scanner := ""
		info, err := pipe(ctx, read, func(f ingest.Finding) error {
			if scanner == "" {
				scanner = f.Scanner
			} else if f.Scanner != scanner {
				return errs.New(errs.Internal, fmt.Sprintf("%s: findings of two scanners (%s, %s) in one import", file, scanner, f.Scanner))
			}
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
			kev, epss, err := keys.cve(f.CVE)
			if err != nil {
				return err
			}
			a := keys.assets[aid]
			// Open until a newer scan of its place lands (keepOpenAndTrend),
			// unless a VEX statement says it is not to be fixed.
			open, vex := 1, ""
			if len(rules) > 0 {
				if st := rules.decide(vexSubject(&f, aid, names)); st != nil && st.Suppresses() {
					open, vex = 0, st.Reason()
					suppressed++
				}
			}
			return ins.add(id, sc.org.ID, rec.ID, aid, f.Scanner, f.Host, f.Target, f.VulnID, f.CVE, f.Package, f.Installed, f.Fixed, f.Severity, f.CVSS, f.Title,
				place(aid, f.Host, f.Target), at, open, vex, kev, epss, -f.CVSS, a.crit, a.records)
		})
		if err != nil {
			return change{}, err
		}
		if err := ins.flush(); err != nil {
			return change{}, err
		}
		if info.Scanner == "" {
			info.Scanner = scanner
		} else if scanner != "" && scanner != info.Scanner {
			return change{}, errs.New(errs.Internal, fmt.Sprintf("%s: findings of %s in a scan of %s", file, scanner, info.Scanner))
		}
		if info.Scanner == "" {
			info.Scanner = kind // a scan that found nothing, from a reader that does not say
		}
		if pending > 0 && info.Artifact != "" {
			// Formats that name the scanned image after their findings (Grype):
			// give those findings the image, and its asset when it has one.
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE findings SET target = ?, place = ? WHERE import_id = ? AND target = '' AND host = ''`), info.Artifact, place("", "", info.Artifact), rec.ID); err != nil {
				return change{}, translate(err, "findings")
			}
			if aid, ok := match[strings.ToLower(info.Artifact)]; ok {
				a := keys.assets[aid]
				if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE findings SET asset_id = ?, place = ?, rank_crit = ?, rank_records = ? WHERE import_id = ? AND asset_id = '' AND target = ?`),
					aid, aid, a.crit, a.records, rec.ID, info.Artifact); err != nil {
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
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO finding_places (org_id, scanner, place, import_id, scanned_at) VALUES (?, ?, ?, ?, ?)`+newestPlace),
				sc.org.ID, info.Scanner, pl, rec.ID, at); err != nil {
				return change{}, translate(err, "findings")
			}
		}
		if err := s.keepOpenAndTrend(ctx, tx, sc.org.ID, info.Scanner, rec.ID, at, out.Findings-suppressed); err != nil {
			return change{}, err
		}
		if err := s.finishImport(ctx, tx, rec, info.SHA256, out.Findings, info.Artifact); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out.Skipped, out.Suppressed = info.Skipped, suppressed
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
// it becomes its scanner's newest import of each place it reports on
// (unless a newer one of the scanner already is: each scanner's newest
// scan decides its own findings, so an endpoint agent's export does not
// close what a network scanner found), whose findings there are the open ones, the newest
// before it becoming the one the trend compares with, and each
// vulnerability it is the first to report at a place is first seen now. A
// statement per place and per new vulnerability, not per finding: nothing
// else of the findings is touched. Each change only moves a time earlier
// or later, so imports landing out of order leave the same state.
func (s *Store) keepFindingsState(ctx context.Context, tx *sql.Tx, importID string) error {
	if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO finding_places (org_id, scanner, place, import_id, scanned_at)
		SELECT DISTINCT org_id, scanner, place, import_id, scanned_at FROM findings WHERE import_id = ?`+newestPlace), importID); err != nil {
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

// closeReplacedQuery closes the findings of the import before an import
// (its organisation and id) at each place it is now the newest of;
// closeLateQuery closes an import's own (its id, organisation, scanner,
// id and time) at each place a newer import of the same scanner, or
// another of the same time, already covers. Each finds the findings by import and place.
const (
	closeReplacedQuery = `UPDATE findings SET is_open = 0 WHERE is_open = 1 AND (import_id, place) IN
		(SELECT p.prev_import_id, p.place FROM finding_places p WHERE p.org_id = ? AND p.import_id = ? AND p.prev_import_id <> '')`
	closeLateQuery = `UPDATE findings SET is_open = 0 WHERE is_open = 1 AND (import_id, place) IN
		(SELECT ?, p.place FROM finding_places p WHERE p.org_id = ? AND p.scanner = ? AND p.import_id <> ? AND p.scanned_at >= ?)`
)

// keepOpenAndTrend closes, once an import's findings and places are
// written, what it replaced: the findings of the import before it at each
// place it is now the newest of, and its own at each place a newer import
// (or another of the same time) already covers. It counts again what
// changed at each place whose newest or previous import it now is. The
// organisation's tallies move by the difference: the open findings by
// what was opened (written, all open) less what was closed, the trend's
// totals by its places' counts after less before.
func (s *Store) keepOpenAndTrend(ctx context.Context, tx *sql.Tx, orgID, scanner, importID, at string, written int) error {
	res, err := tx.ExecContext(ctx, s.rebind(closeReplacedQuery), orgID, importID)
	if err != nil {
		return translate(err, "findings")
	}
	replaced, _ := res.RowsAffected()
	res, err = tx.ExecContext(ctx, s.rebind(closeLateQuery), importID, orgID, scanner, importID, at)
	if err != nil {
		return translate(err, "findings")
	}
	late, _ := res.RowsAffected()
	sums := func() (out [4]int64, err error) {
		err = tx.QueryRowContext(ctx, s.rebind(trendSums), orgID, importID, importID).Scan(&out[0], &out[1], &out[2], &out[3])
		return out, translate(err, "findings")
	}
	before, err := sums()
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.rebind(trendZero), orgID, importID, importID); err != nil {
		return translate(err, "findings")
	}
	// A place scanned for the first time has all its findings new:
	// counted place by place in the order of the import's index, sorting
	// nothing. The others compare two imports.
	if _, err := tx.ExecContext(ctx, s.rebind(trendFirst), orgID, importID); err != nil {
		return translate(err, "findings")
	}
	if err := s.withSmallSorts(ctx, tx, func() error {
		_, err := tx.ExecContext(ctx, s.rebind(trendCount), orgID, importID, importID, orgID)
		return err
	}); err != nil {
		return translate(err, "findings")
	}
	after, err := sums()
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO finding_tallies (org_id, open_findings, trend_places, trend_new, trend_fixed, trend_still) VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET open_findings = finding_tallies.open_findings + excluded.open_findings,
			trend_places = finding_tallies.trend_places + excluded.trend_places, trend_new = finding_tallies.trend_new + excluded.trend_new,
			trend_fixed = finding_tallies.trend_fixed + excluded.trend_fixed, trend_still = finding_tallies.trend_still + excluded.trend_still`),
		orgID, int64(written)-replaced-late, after[0]-before[0], after[1]-before[1], after[2]-before[2], after[3]-before[3])
	if err != nil {
		return translate(err, "findings")
	}
	// The hosts and targets no asset matched, counted again over the
	// organisation's places (one row a place, not a finding).
	_, err = tx.ExecContext(ctx, s.rebind(unmatchedCount), orgID, orgID)
	return translate(err, "findings")
}

// unmatchedCount sets an organisation's count of the places its scans
// reported that no asset matched: a place is an asset's id, or the host
// and target ("host|target") when none matched.
const unmatchedCount = `UPDATE finding_tallies SET unmatched_places = (SELECT count(DISTINCT place) FROM finding_places
	WHERE org_id = ? AND place LIKE '%|%') WHERE org_id = ?`

// withSmallSorts runs fn, a statement that sorts as many rows as an
// import has, with SQLite's writer cache at a quarter of its size: SQLite
// sorts in memory up to the cache's size before it spills to temporary
// files, and counting a 2,500,000-finding import's trend in one pass of
// such sorts took its peak from 342 to 601 MiB (341 MiB with the first
// scans counted apart and this). PostgreSQL bounds its sorts itself
// (work_mem).
func (s *Store) withSmallSorts(ctx context.Context, tx *sql.Tx, fn func() error) error {
	if s.engine == Postgres {
		return fn()
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, writerCacheKiB/4)); err != nil {
		return err
	}
	err := fn()
	if _, rerr := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, writerCacheKiB)); err == nil {
		err = rerr
	}
	return err
}

// What changed at a place is counted for the places whose newest or
// previous import is one import (affected, taking the organisation's id
// and the import's twice): trendSums adds up their counts (and how many
// have any), trendZero clears them, and trendCount (taking the
// organisation's id once more) counts those with a previous import again
// from the findings of both, a finding being its vulnerability id, CVE and
// package or port.
const (
	affected   = `org_id = ? AND (import_id = ? OR prev_import_id = ?)`
	trendSums  = `SELECT COALESCE(sum(CASE WHEN trend_new + trend_fixed + trend_still > 0 THEN 1 ELSE 0 END), 0), COALESCE(sum(trend_new), 0), COALESCE(sum(trend_fixed), 0), COALESCE(sum(trend_still), 0) FROM finding_places WHERE ` + affected
	trendZero  = `UPDATE finding_places SET trend_new = 0, trend_fixed = 0, trend_still = 0 WHERE ` + affected
	trendCount = `WITH touched AS (SELECT scanner, place, import_id, prev_import_id FROM finding_places WHERE ` + affected + ` AND prev_import_id <> ''
	), pairs AS (
		SELECT scanner, place, max(cur) AS cur, max(prev) AS prev FROM (
			SELECT t.scanner, t.place, f.vuln_id, f.cve, f.package, 1 AS cur, 0 AS prev
			FROM touched t CROSS JOIN findings f WHERE f.import_id = t.import_id AND f.place = t.place
			UNION ALL
			SELECT t.scanner, t.place, f.vuln_id, f.cve, f.package, 0, 1
			FROM touched t CROSS JOIN findings f WHERE t.prev_import_id <> '' AND f.import_id = t.prev_import_id AND f.place = t.place
		) marks GROUP BY scanner, place, vuln_id, cve, package
	), counts AS (
		SELECT scanner, place, sum(CASE WHEN cur = 1 AND prev = 0 THEN 1 ELSE 0 END) AS n,
			sum(CASE WHEN cur = 0 AND prev = 1 THEN 1 ELSE 0 END) AS fixed, sum(CASE WHEN cur = 1 AND prev = 1 THEN 1 ELSE 0 END) AS still
		FROM pairs GROUP BY scanner, place
	)
	UPDATE finding_places SET trend_new = c.n, trend_fixed = c.fixed, trend_still = c.still
	FROM counts c WHERE finding_places.org_id = ? AND finding_places.scanner = c.scanner AND finding_places.place = c.place`
	// trendFirst counts the findings new at the places an import is the
	// first to cover (the organisation's id, the import's): each distinct
	// vulnerability id, CVE and package, told apart by their lengths. Each
	// place counts its own findings through the index by import and
	// place, a plan no estimate can turn into one pass over the import's
	// findings per place (as PostgreSQL chose, before the new rows had
	// statistics, for a join with the import's findings grouped by place:
	// 17 s for a 50,000-finding file).
	trendFirst = `UPDATE finding_places SET trend_new = (
		SELECT count(DISTINCT length(f.vuln_id) || ':' || f.vuln_id || length(f.cve) || ':' || f.cve || f.package)
		FROM findings f WHERE f.import_id = finding_places.import_id AND f.place = finding_places.place
	) WHERE org_id = ? AND import_id = ? AND prev_import_id = ''`
)

// rankKeys gives a finding being imported its keys of the order to fix
// (see migration 0031): its CVE's (KEV-listed, EPSS), looked up once per
// CVE, and its asset's (criticality, ePHI records).
type rankKeys struct {
	ctx    context.Context
	kev    map[string]bool // the KEV catalog's CVEs, read whole (about 1,500)
	epss   *sql.Stmt       // nil when no EPSS score is stored
	cves   map[string]float64
	assets map[string]assetKeys
}

// assetKeys are an asset's keys of the order to fix, as stored.
type assetKeys struct{ crit, records int64 }

// critRank is an asset's criticality as a number, 4 for critical down to
// 0 for none, in SQL over the assets table a.
const critRank = `CASE a.criticality WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'moderate' THEN 2 WHEN 'low' THEN 1 ELSE 0 END`

func (s *Store) newRankKeys(ctx context.Context, tx *sql.Tx, orgID string) (*rankKeys, error) {
	k := &rankKeys{ctx: ctx, cves: map[string]float64{}, assets: map[string]assetKeys{}}
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT a.id, `+critRank+`, a.records FROM assets a WHERE a.org_id = ?`), orgID)
	if err != nil {
		return nil, translate(err, "assets")
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var a assetKeys
		if err := rows.Scan(&id, &a.crit, &a.records); err != nil {
			return nil, translate(err, "assets")
		}
		k.assets[id] = assetKeys{-a.crit, -a.records}
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "assets")
	}
	// The catalog is read whole: a finding's CVE is then looked up in the
	// database only for its EPSS score, and not at all when there are none.
	k.kev = map[string]bool{}
	rows, err = tx.QueryContext(ctx, `SELECT cve FROM kev_entries`)
	if err != nil {
		return nil, translate(err, "kev_entries")
	}
	defer rows.Close()
	for rows.Next() {
		var cve string
		if err := rows.Scan(&cve); err != nil {
			return nil, translate(err, "kev_entries")
		}
		k.kev[cve] = true
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "kev_entries")
	}
	var scored int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM epss_scores LIMIT 1) x`).Scan(&scored); err != nil {
		return nil, translate(err, "epss_scores")
	}
	if scored > 0 {
		k.epss, err = tx.PrepareContext(ctx, s.rebind(`SELECT COALESCE(-(SELECT epss FROM epss_scores WHERE cve = ?), 1)`))
	}
	return k, translate(err, "findings")
}

// cve gives a CVE's keys: 0 when KEV-listed (else 1), and minus its EPSS
// score (1 when it has none).
func (k *rankKeys) cve(cve string) (int64, float64, error) {
	if cve == "" {
		return 1, 1, nil
	}
	kev := int64(1)
	if k.kev[cve] {
		kev = 0
	}
	if k.epss == nil {
		return kev, 1, nil
	}
	if v, ok := k.cves[cve]; ok {
		return kev, v, nil
	}
	var epss float64
	if err := k.epss.QueryRowContext(k.ctx, cve).Scan(&epss); err != nil {
		return 0, 0, translate(err, "findings")
	}
	if len(k.cves) >= maxCachedCVEs {
		clear(k.cves) // a file citing more CVEs than that: memory stays bounded
	}
	k.cves[cve] = epss
	return kev, epss, nil
}

// maxCachedCVEs bounds the CVEs an import keeps the keys of (about 10 MB).
const maxCachedCVEs = 100_000

func (k *rankKeys) close() {
	if k.epss != nil {
		k.epss.Close()
	}
}

// The keys of the order to fix follow what they are made of: these
// statements bring the open findings' keys up to date when the KEV
// catalog, the EPSS scores or an asset change, in the transaction of the
// change, each through an index: the KEV and EPSS keys through the open
// findings' order (findings_open_order), an asset's through the newest
// import of its place (findings_import_place), where its open findings
// are.
const (
	// refreshStretch reads a stretch of an organisation's open findings in
	// the order to fix, from the top or after a row's keys
	// (refreshAfter), each with its KEV and EPSS keys as the KEV catalog
	// and the EPSS scores now say.
	refreshStretch = `SELECT f.rank_kev, f.rank_epss, f.rank_cvss, f.rank_crit, f.rank_records, f.id,
		CASE WHEN EXISTS (SELECT 1 FROM kev_entries k WHERE k.cve = f.cve) THEN 0 ELSE 1 END,
		COALESCE(-(SELECT e.epss FROM epss_scores e WHERE e.cve = f.cve), 1)
		FROM findings f WHERE f.org_id = ? AND f.is_open = 1`
	refreshAfter = ` AND (` + orderKeys + `) > (?, ?, ?, ?, ?, ?)`
	refreshKeys  = `UPDATE findings SET rank_kev = ?, rank_epss = ? WHERE id = ?`
	assetKeysOf  = `UPDATE findings SET
		rank_crit = -COALESCE((SELECT ` + critRank + ` FROM assets a WHERE a.id = findings.asset_id), 0),
		rank_records = -COALESCE((SELECT a.records FROM assets a WHERE a.id = findings.asset_id), 0)
		WHERE is_open = 1 AND (import_id, place) IN (SELECT p.import_id, p.place FROM finding_places p WHERE p.org_id = ? AND p.place = ?)`
)

// A RankCursor is where a refresh of an organisation's order keys stands:
// after the open finding with these keys in the order to fix. The zero
// RankCursor is the top of the order.
type RankCursor struct {
	KEV     int64
	EPSS    float64
	CVSS    float64
	Crit    int64
	Records int64
	ID      string
}

// RefreshRanks brings the KEV and EPSS keys of at most limit of an
// organisation's open findings, the stretch of the order to fix after at,
// up to date with the KEV catalog and the EPSS scores the installation
// holds, in a transaction of its own, writing only the keys that changed.
// It gives where the next stretch starts (done when none is left) and how
// many findings' KEV key changed. A KEV or EPSS import leaves the keys to
// a walk of these stretches, so that it holds the writer for the catalog
// only, not for every open finding (importing 100 EPSS scores held it
// 110 s over 5,000,000 open findings). A finding whose keys move it
// further down the order is met again later, its keys then current; one
// moved up has been passed: the walk ends.
func (s *Store) RefreshRanks(ctx context.Context, orgID string, at RankCursor, limit int) (next RankCursor, done bool, kevMoved int, err error) {
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		q, args := refreshStretch, []any{orgID}
		if at != (RankCursor{}) {
			q += refreshAfter
			args = append(args, at.KEV, at.EPSS, at.CVSS, at.Crit, at.Records, at.ID)
		}
		rows, err := tx.QueryContext(ctx, s.rebind(q+` ORDER BY `+orderKeys+` LIMIT ?`), append(args, limit)...)
		if err != nil {
			return translate(err, "findings")
		}
		type keys struct {
			id   string
			kev  int64
			epss float64
		}
		var stretch []keys
		n := 0
		for rows.Next() {
			var k keys
			if err := rows.Scan(&next.KEV, &next.EPSS, &next.CVSS, &next.Crit, &next.Records, &next.ID, &k.kev, &k.epss); err != nil {
				rows.Close()
				return translate(err, "findings")
			}
			n++
			if k.kev != next.KEV || k.epss != next.EPSS {
				if k.kev != next.KEV {
					kevMoved++
				}
				k.id = next.ID
				stretch = append(stretch, k)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err, "findings")
		}
		done = n < limit
		// Only the keys that changed are written.
		write := s.rebind(refreshKeys)
		for _, k := range stretch {
			if _, err := tx.ExecContext(ctx, write, k.kev, k.epss, k.id); err != nil {
				return translate(err, "findings")
			}
		}
		return nil
	})
	return next, done, kevMoved, err
}

// RefreshAllRanks walks every organisation's open findings, limit at a
// time (RefreshRanks), and gives the organisations whose KEV keys moved.
func (s *Store) RefreshAllRanks(ctx context.Context, limit int) (kevMoved []string, err error) {
	orgs, err := s.Organizations(ctx)
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		var at RankCursor
		moved := 0
		for {
			next, done, n, err := s.RefreshRanks(ctx, o.ID, at, limit)
			if err != nil {
				return nil, err
			}
			moved += n
			if done {
				break
			}
			at = next
		}
		if moved > 0 {
			kevMoved = append(kevMoved, o.ID)
		}
	}
	return kevMoved, nil
}

// keepAssetKeys brings the keys of the findings open on assets up to date
// with the assets as they now are (or, deleted, with no asset).
func (sc *Scoped) keepAssetKeys(ctx context.Context, tx *sql.Tx, ids ...string) error {
	q := sc.s.rebind(assetKeysOf)
	for _, id := range ids {
		if _, err := tx.ExecContext(ctx, q, sc.org.ID, id); err != nil {
			return translate(err, "findings")
		}
	}
	return nil
}

// newestPlace completes an insert into finding_places: a newer import
// becomes the place's newest and its newest the one before; an import
// between the two (landing late) becomes the one before; an older one, or
// the same, changes nothing.
const newestPlace = `
	ON CONFLICT (org_id, scanner, place) DO UPDATE SET
		import_id = CASE WHEN excluded.scanned_at > finding_places.scanned_at THEN excluded.import_id ELSE finding_places.import_id END,
		scanned_at = CASE WHEN excluded.scanned_at > finding_places.scanned_at THEN excluded.scanned_at ELSE finding_places.scanned_at END,
		prev_import_id = CASE WHEN excluded.scanned_at > finding_places.scanned_at THEN finding_places.import_id ELSE excluded.import_id END,
		prev_scanned_at = CASE WHEN excluded.scanned_at > finding_places.scanned_at THEN finding_places.scanned_at ELSE excluded.scanned_at END
	WHERE excluded.scanned_at > finding_places.prev_scanned_at AND excluded.scanned_at <> finding_places.scanned_at`

// Finding is a stored finding with the asset it matched.
type Finding struct {
	ingest.Finding
	ID       string `json:"id"`
	ImportID string `json:"import"`
	AssetID  string `json:"asset,omitempty"`
	// VEX is the statement that closed it ("not_affected:
	// vulnerable_code_not_present"), "" when none did.
	VEX string `json:"vex,omitempty"`
}

// Findings lists the organisation's findings, of one import when importID
// is not "", at most limit (0: 1000), most severe first.
func (sc *Scoped) Findings(ctx context.Context, importID string, limit int) ([]*Finding, error) {
	s := sc.s
	if limit <= 0 {
		limit = 1000
	}
	q, args := `SELECT id, import_id, asset_id, scanner, host, target, vuln_id, cve, package, installed, fixed, severity, cvss, title, vex FROM findings WHERE org_id = ?`, []any{sc.org.ID}
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
		if err := rows.Scan(&f.ID, &f.ImportID, &f.AssetID, &f.Scanner, &f.Host, &f.Target, &f.VulnID, &f.CVE, &f.Package, &f.Installed, &f.Fixed, &f.Severity, &f.CVSS, &f.Title, &f.VEX); err != nil {
			return nil, translate(err, "findings")
		}
		out = append(out, &f)
	}
	return out, translate(rows.Err(), "findings")
}
