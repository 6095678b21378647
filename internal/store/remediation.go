package store

import (
	"context"
	"strings"
)

// remediationQuery reads a page of an organisation's open findings in the
// order to fix them, with how many are open in all.
const remediationQuery = `
	SELECT f.id, f.cve, f.vuln_id, f.title, f.severity, f.host, f.target, f.package, f.installed, f.cvss, f.asset_id, COALESCE(a.name, ''), COALESCE(a.criticality, ''),
		COALESCE(a.records, 0), COALESCE(a.creates OR a.receives OR a.maintains OR a.transmits, FALSE), COALESCE(a.internet_facing, FALSE),
		COALESCE(k.date_added, ''), COALESCE(k.due_date, ''), COALESCE(k.ransomware, ''), COALESCE(e.epss, -1), COALESCE(e.percentile, -1), s.first_seen, f.scanned_at,
		count(*) OVER ()
	FROM ` + openFindings + `
	LEFT JOIN assets a ON a.id = f.asset_id
	LEFT JOIN kev_entries k ON k.cve = f.cve
	LEFT JOIN epss_scores e ON e.cve = f.cve
	WHERE ` + openWhere + `
	ORDER BY CASE WHEN k.cve IS NULL THEN 1 ELSE 0 END, COALESCE(e.epss, -1) DESC, f.cvss DESC,
		CASE a.criticality WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'moderate' THEN 2 WHEN 'low' THEN 1 ELSE 0 END DESC,
		COALESCE(a.records, 0) DESC, f.id
	LIMIT ? OFFSET ?`

// Remediation reads the open findings in the order to fix them, at most
// limit (0: 100) from the offset-th, with how many are open in all. The
// order is the database's (KEV-listed first, then EPSS, CVSS, the asset's
// criticality and the ePHI records it holds), so a list of millions is not
// sorted in memory; the total is counted in the same pass. The rows' Why
// is left to the findings service.
func (sc *Scoped) Remediation(ctx context.Context, offset, limit int) ([]*Priority, int, error) {
	ctx = heavy(ctx) // over many rows: on the heavy pool
	s := sc.s
	if limit <= 0 {
		limit = 100
	}
	offset = max(offset, 0)
	var total int
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(remediationQuery), sc.org.ID, limit, offset)
	if err != nil {
		return nil, 0, translate(err, "findings")
	}
	defer rows.Close()
	var out []*Priority
	for rows.Next() {
		p := &Priority{Rank: offset + len(out) + 1}
		if err := rows.Scan(&p.ID, &p.CVE, &p.VulnID, &p.Title, &p.Severity, &p.Host, &p.Target, &p.Package, &p.Installed, &p.CVSS, &p.AssetID, &p.AssetName, &p.Criticality,
			&p.Records, &p.EPHI, &p.Internet, &p.KEVAdded, &p.KEVDue, &p.Ransomware, &p.EPSS, &p.Percentile, &p.FirstSeen, &p.AsOf, &total); err != nil {
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
