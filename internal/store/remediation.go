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

// trendQuery reads the trend's places, most fixed first, then most new
// (the counts kept when imports land): a range of finding_places_trend,
// from the top (trendFirst) or after a place's counts (trendAfter).
const (
	trendQuery = `SELECT p.scanner, p.place, COALESCE(a.id, ''), COALESCE(a.name, ''), p.scanned_at, p.prev_scanned_at, p.trend_new, p.trend_fixed, p.trend_still
	FROM finding_places p LEFT JOIN assets a ON a.id = p.place
	WHERE p.org_id = ? AND (p.trend_new > 0 OR p.trend_fixed > 0 OR p.trend_still > 0)`
	trendOrder = ` ORDER BY p.trend_fixed DESC, p.trend_new DESC, p.scanner DESC, p.place DESC LIMIT ?`
	trendAfter = ` AND (p.trend_fixed, p.trend_new, p.scanner, p.place) < (?, ?, ?, ?)`
)

// FindingsTrend compares, for each asset (or unmatched host and target)
// and each scanner that covered it, the findings of the scanner's newest
// scan there with those of its scan before: new,
// fixed and still open, a finding being its vulnerability id, CVE and
// package (or port); an asset scanned once has all its findings new. It
// gives the totals and at most limit (0: 200) places, most fixed first,
// after the place after names (a Next this gave; "" for the top). The
// counts are kept when imports land: this reads a page of them and the
// organisation's tally. Errors: Invalid for a cursor naming no place.
func (sc *Scoped) FindingsTrend(ctx context.Context, after string, limit int) (*Trend, error) {
	s := sc.s
	if limit <= 0 {
		limit = 200
	}
	db := s.reader(ctx)
	t := &Trend{Places: []*TrendPlace{}}
	err := db.QueryRowContext(ctx, s.rebind(`SELECT trend_places, trend_new, trend_fixed, trend_still FROM finding_tallies WHERE org_id = ?`), sc.org.ID).
		Scan(&t.Count, &t.New, &t.Fixed, &t.Still)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, translate(err, "findings")
	}
	q, args := trendQuery+trendOrder, []any{sc.org.ID, limit + 1}
	if after != "" {
		var fixed, n int64
		scanner, pl, _ := strings.Cut(after, ":")
		err := db.QueryRowContext(ctx, s.rebind(`SELECT trend_fixed, trend_new FROM finding_places WHERE org_id = ? AND scanner = ? AND place = ?`), sc.org.ID, scanner, pl).Scan(&fixed, &n)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, errs.New(errs.Invalid, "after: no place "+after+" in the trend: start again from the first page")
		}
		if err != nil {
			return nil, translate(err, "findings")
		}
		q, args = trendQuery+trendAfter+trendOrder, []any{sc.org.ID, fixed, n, scanner, pl, limit + 1}
	}
	rows, err := db.QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, translate(err, "findings")
	}
	defer rows.Close()
	var last string
	for rows.Next() {
		var k, name string
		p := &TrendPlace{}
		if err := rows.Scan(&p.Scanner, &k, &p.AssetID, &name, &p.Newest, &p.Previous, &p.New, &p.Fixed, &p.Still); err != nil {
			return nil, translate(err, "findings")
		}
		if len(t.Places) == limit {
			t.Next = last // one more than the page: a page follows
			break
		}
		last = p.Scanner + ":" + k // the cursor: scanner names hold no colon
		p.Place = name
		if p.AssetID == "" {
			p.Place = strings.Trim(strings.ReplaceAll(k, "|", " "), " ")
		}
		p.Newest, p.Previous = p.Newest[:min(10, len(p.Newest))], p.Previous[:min(10, len(p.Previous))]
		t.Places = append(t.Places, p)
	}
	return t, translate(rows.Err(), "findings")
}

// UnmatchedPlaces is how many hosts and targets the organisation's scans
// reported that no asset of the inventory matched, as kept when imports
// land.
func (sc *Scoped) UnmatchedPlaces(ctx context.Context) (int, error) {
	s := sc.s
	var n int
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT COALESCE((SELECT unmatched_places FROM finding_tallies WHERE org_id = ?), 0)`), sc.org.ID).Scan(&n)
	return n, translate(err, "findings")
}

// ScannedPlace is a place the organisation's scans reported on: an asset
// of the inventory, or a host and target none matched; with when the
// newest scan of it was made.
type ScannedPlace struct {
	AssetID   string `json:"asset,omitempty"`
	Host      string `json:"host,omitempty"`
	Target    string `json:"target,omitempty"`
	ScannedAt string `json:"scanned_at"`
}

// ScannedPlaces lists every place the organisation's scans reported on,
// as kept when imports land.
func (sc *Scoped) ScannedPlaces(ctx context.Context) ([]ScannedPlace, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT place, scanned_at FROM finding_places WHERE org_id = ? ORDER BY place`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "findings")
	}
	defer rows.Close()
	out := []ScannedPlace{}
	for rows.Next() {
		var place, at string
		if err := rows.Scan(&place, &at); err != nil {
			return nil, translate(err, "findings")
		}
		p := ScannedPlace{ScannedAt: at}
		if host, target, ok := strings.Cut(place, "|"); ok {
			p.Host, p.Target = host, target
		} else {
			p.AssetID = place
		}
		out = append(out, p)
	}
	return out, translate(rows.Err(), "findings")
}
