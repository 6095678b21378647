package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// openColumns are what the pages and checks read of an open finding f,
// with its asset a, KEV entry k and first sighting s (joined by
// openJoins).
const (
	openColumns = `f.id, f.cve, f.vuln_id, f.host, f.target, f.cvss, f.asset_id, COALESCE(a.name, ''),
		COALESCE(a.internet_facing, FALSE), COALESCE(a.creates OR a.receives OR a.maintains OR a.transmits, FALSE), COALESCE(a.records, 0),
		COALESCE(s.first_seen, ''), f.scanned_at, COALESCE(k.date_added, ''), COALESCE(k.due_date, ''), COALESCE(k.ransomware, '')`
	openJoins = `
	LEFT JOIN assets a ON a.id = f.asset_id
	LEFT JOIN kev_entries k ON k.cve = f.cve
	LEFT JOIN finding_firsts s ON s.org_id = f.org_id AND s.place = f.place AND s.vuln_id = f.vuln_id`
	// orderKeys is the order to fix, as the columns of findings_open_order.
	orderKeys = `f.rank_kev, f.rank_epss, f.rank_cvss, f.rank_crit, f.rank_records, f.id`
)

// remediationQuery reads a page of an organisation's open findings in the
// order to fix them (see migration 0031): the first of them, or those
// after (or, with the comparison and the order reversed, before) a row's
// keys — a range of findings_open_order, never a sort of every finding.
const (
	remediationQuery = `
	SELECT ` + openColumns + `, f.title, f.severity, f.package, f.installed, COALESCE(a.criticality, ''), COALESCE(e.epss, -1), COALESCE(e.percentile, -1)
	FROM findings f` + openJoins + `
	LEFT JOIN epss_scores e ON e.cve = f.cve
	WHERE f.org_id = ? AND f.is_open = 1`
	remediationOrder = ` ORDER BY ` + orderKeys + ` LIMIT ?`
	remediationAfter = ` AND (` + orderKeys + `) > (?, ?, ?, ?, ?, ?)`
	remediationBack  = ` AND (` + orderKeys + `) < (?, ?, ?, ?, ?, ?) ORDER BY f.rank_kev DESC, f.rank_epss DESC, f.rank_cvss DESC, f.rank_crit DESC, f.rank_records DESC, f.id DESC LIMIT ?`
)

// A Cursor is where a page of the remediation order starts: after the
// finding ID, which has the rank Rank, or, Back, before it. The zero
// Cursor is the top of the order.
type Cursor struct {
	ID   string
	Rank int
	Back bool
}

// Remediation reads at most limit (0: 100) open findings in the order to
// fix them from the cursor on (going back from it, nearest first, when it
// says Back), with how many are open in all. The order is the database's
// (KEV-listed first, then EPSS, CVSS, the asset's criticality and the
// ePHI records it holds), kept as keys on the findings when they are
// written; the total is the organisation's tally. Errors: Invalid for a
// cursor naming no finding of the organisation. The rows' Why is left to
// the findings service.
func (sc *Scoped) Remediation(ctx context.Context, at Cursor, limit int) ([]*Priority, int, error) {
	s := sc.s
	if limit <= 0 {
		limit = 100
	}
	db := s.reader(ctx)
	var total int
	if err := db.QueryRowContext(ctx, s.rebind(`SELECT COALESCE((SELECT open_findings FROM finding_tallies WHERE org_id = ?), 0)`), sc.org.ID).Scan(&total); err != nil {
		return nil, 0, translate(err, "findings")
	}
	q, args := remediationQuery+remediationOrder, []any{sc.org.ID, limit}
	if at.ID != "" {
		var kev, crit, records int64
		var epss, cvss float64
		err := db.QueryRowContext(ctx, s.rebind(`SELECT rank_kev, rank_epss, rank_cvss, rank_crit, rank_records, id FROM findings WHERE id = ? AND org_id = ?`), at.ID, sc.org.ID).
			Scan(&kev, &epss, &cvss, &crit, &records, &at.ID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, 0, errs.New(errs.Invalid, "cursor: no finding "+at.ID+" here: start again from the first page")
		}
		if err != nil {
			return nil, 0, translate(err, "findings")
		}
		q, args = remediationQuery+remediationAfter+remediationOrder, []any{sc.org.ID, kev, epss, cvss, crit, records, at.ID, limit}
		if at.Back {
			q = remediationQuery + remediationBack
		}
	}
	rows, err := db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, 0, translate(err, "findings")
	}
	defer rows.Close()
	var out []*Priority
	for rows.Next() {
		p := &Priority{Rank: at.Rank + len(out) + 1}
		if at.Back {
			p.Rank = at.Rank - len(out) - 1
		}
		if err := rows.Scan(append(openFields(&p.OpenFinding), &p.Title, &p.Severity, &p.Package, &p.Installed, &p.Criticality, &p.EPSS, &p.Percentile)...); err != nil {
			return nil, 0, translate(err, "findings")
		}
		p.FirstSeen, p.AsOf = p.FirstSeen[:min(10, len(p.FirstSeen))], p.AsOf[:min(10, len(p.AsOf))]
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, translate(err, "findings")
	}
	return out, total, nil
}

// openFields are where openColumns are scanned.
func openFields(f *OpenFinding) []any {
	return []any{&f.ID, &f.CVE, &f.VulnID, &f.Host, &f.Target, &f.CVSS, &f.AssetID, &f.AssetName, &f.Internet, &f.EPHI, &f.Records,
		&f.FirstSeen, &f.AsOf, &f.KEVAdded, &f.KEVDue, &f.Ransomware}
}

// trendQuery compares each place's two newest imports; it takes the
// organisation's id three times.
const trendQuery = `WITH marks AS (
		SELECT DISTINCT p.place, f.vuln_id, f.cve, f.package, 1 AS cur, 0 AS prev
		FROM finding_places p CROSS JOIN findings f WHERE p.org_id = ? AND f.import_id = p.import_id AND f.place = p.place
		UNION ALL
		SELECT DISTINCT p.place, f.vuln_id, f.cve, f.package, 0, 1
		FROM finding_places p CROSS JOIN findings f WHERE p.org_id = ? AND p.prev_import_id <> '' AND f.import_id = p.prev_import_id AND f.place = p.place
	), pairs AS (
		SELECT place, vuln_id, cve, package, max(cur) AS cur, max(prev) AS prev FROM marks GROUP BY place, vuln_id, cve, package
	)
	SELECT p.place, COALESCE(a.id, ''), COALESCE(a.name, ''), p.scanned_at, p.prev_scanned_at,
		sum(CASE WHEN x.cur = 1 AND x.prev = 0 THEN 1 ELSE 0 END), sum(CASE WHEN x.cur = 0 AND x.prev = 1 THEN 1 ELSE 0 END), sum(CASE WHEN x.cur = 1 AND x.prev = 1 THEN 1 ELSE 0 END)
	FROM finding_places p JOIN pairs x ON x.place = p.place
	LEFT JOIN assets a ON a.id = p.place
	WHERE p.org_id = ?
	GROUP BY p.place, a.id, a.name, p.scanned_at, p.prev_scanned_at
	ORDER BY 7 DESC, 6 DESC, p.place`

// FindingsTrend compares, for each asset (or unmatched host and target),
// the findings of its newest scan with those of the scan before: new,
// fixed and still open, a finding being its vulnerability id, CVE and
// package (or port).
// An asset scanned once has all its findings new. A scan is known to have
// covered an asset by the findings it reported there.
func (sc *Scoped) FindingsTrend(ctx context.Context) (*Trend, error) {
	ctx = heavy(ctx) // over many rows: on the heavy pool
	s := sc.s
	// Each place's two newest imports are kept (finding_places): only
	// their findings are read.
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(trendQuery), sc.org.ID, sc.org.ID, sc.org.ID)
	if err != nil {
		return nil, translate(err, "findings")
	}
	defer rows.Close()
	t := &Trend{Places: []*TrendPlace{}}
	for rows.Next() {
		var k, name string
		p := &TrendPlace{}
		if err := rows.Scan(&k, &p.AssetID, &name, &p.Newest, &p.Previous, &p.New, &p.Fixed, &p.Still); err != nil {
			return nil, translate(err, "findings")
		}
		p.Place = name
		if p.AssetID == "" {
			p.Place = strings.Trim(strings.ReplaceAll(k, "|", " "), " ")
		}
		p.Newest, p.Previous = p.Newest[:min(10, len(p.Newest))], p.Previous[:min(10, len(p.Previous))]
		t.New, t.Fixed, t.Still = t.New+p.New, t.Fixed+p.Fixed, t.Still+p.Still
		t.Places = append(t.Places, p)
	}
	return t, translate(rows.Err(), "findings")
}
