package store

import (
	"context"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/store/pgtest"
)

// On PostgreSQL the pages' and the checks' reads are served by the same
// indexes as on SQLite. PostgreSQL plans by its statistics: the register
// is seeded with 6,000 risks of two organisations (most open, a few
// accepted, a handful of owners), vacuumed and analysed, so that it picks
// among its indexes as it would for a hospital; the findings tables are left empty
// and sequential scans priced out (enable_seqscan off), so that the plan
// shows whether an index can serve the query at all. A query read in its
// index's order must sort nothing even with sorts priced out
// (enable_sort off). Each query is explained with arguments of its
// columns' types.
func TestQueriesUseTheirIndexesOnPostgres(t *testing.T) {
	s := openForTest(t, pgtest.DSN(t))
	ctx := context.Background()
	conn, err := s.read.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, slug := range []string{"org", "other"} {
		if _, err := s.write.ExecContext(ctx, `INSERT INTO organizations (id, slug, name, entity_type, created_at, updated_at) VALUES ($1, $1, $1, 'provider', '', '')`, slug); err != nil {
			t.Fatal(err)
		}
		if _, err := s.write.ExecContext(ctx, `INSERT INTO risks (id, org_id, number, title, threat_id, likelihood, impact_c, impact_i, impact_a, owner, response, accepted_until,
			target_likelihood, target_impact, items, status, created_at, updated_at, impact, rank_band, rank_score)
			SELECT $1 || '-' || n, $1, n, 'Risk ' || n, 'threat-' || (n % 40), n % 6, n % 5, n % 4, n % 3, 'Owner ' || (n % 7),
				CASE WHEN n % 50 = 0 THEN 'accept' ELSE 'mitigate' END, CASE WHEN n % 50 = 0 THEN '2026-0' || (1 + n % 9) || '-01' ELSE '' END,
				0, 0, '[]', CASE WHEN n % 10 = 0 THEN 'closed' ELSE 'open' END, '', '', n % 5, -(n % 5), -(n % 25)
			FROM generate_series(1, 3000) n`, slug); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.write.ExecContext(ctx, `VACUUM ANALYZE risks`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(ctx, `SET enable_seqscan = off`); err != nil {
		t.Fatal(err)
	}
	open := []any{"org", int64(1), 0.5, -7.5, int64(-3), int64(-100), "finding", 100}
	level := RiskQuery{Sort: "level"}
	levelWhere, _ := level.where("org")
	levelOrder, _ := level.orderBy(Postgres)
	for _, c := range []struct {
		name   string
		query  string
		args   []any
		index  string
		sorted bool // in its index's order: no sort of what it reads
	}{
		{"first page of the order", remediationQuery + remediationOrder, []any{"org", 100}, "findings_open_order", true},
		{"page after", remediationQuery + remediationAfter + remediationOrder, open, "findings_open_order", true},
		{"KEV-listed", kevOpenQuery, []any{"org"}, "findings_open_order", false},
		{"trend", trendQuery + trendOrder, []any{"org", 100}, "finding_places_trend", true},
		{"trend after", trendQuery + trendAfter + trendOrder, []any{"org", int64(3), int64(2), "nessus", "place", 100}, "finding_places_trend", true},
		{"keys refreshed, next stretch", refreshStretch + refreshAfter + ` ORDER BY ` + orderKeys + ` LIMIT ?`, open, "findings_open_order", true},
		{"register page", riskPageQuery(levelWhere, levelOrder), []any{"org", 100, 0}, "risks_order", true},
		{"register counted", riskCellsQuery(levelWhere), []any{"org"}, "risks_order", false},
		{"register tallied", tallyCellsQuery(levelWhere), []any{"org"}, "risk_cells_pkey", false},
		{"overview summed", riskCellsSummed, []any{"org"}, "risk_cells_pkey", false},
		{"expired acceptances", riskExpiredQuery, []any{"org", "2026-12-05"}, "risks_accepted", false},
		{"owners", riskOwnersQuery, []any{"org", "org"}, "risks_owner", false},
		{"threats", threatCountsQuery, []any{"org"}, "risks_threat", false},
		{"vulnerabilities' use", vulnerabilityUseQuery, []any{"org"}, "risk_vulnerabilities_vuln", false},
		{"an asset's flows", flowsOfQuery, []any{"org", "asset", "org", "asset"}, "asset_flows_to", false},
		{"ePHI added since", `SELECT count(*)` + ephiSince, []any{"org", "2026-01-01T00:00:00Z"}, "assets_created", false},
	} {
		sorts := "on"
		if c.sorted {
			sorts = "off"
		}
		if _, err := conn.ExecContext(ctx, `SET enable_sort = `+sorts); err != nil {
			t.Fatal(err)
		}
		rows, err := conn.QueryContext(ctx, "EXPLAIN "+s.rebind(c.query), c.args...)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, " "+c.index+" ") && !strings.Contains(text, " "+c.index+"\n") && !strings.HasSuffix(text, " "+c.index) {
			t.Errorf("%s: not read through %s:\n%s", c.name, c.index, text)
		}
		if strings.Contains(text, "Seq Scan on findings") {
			t.Errorf("%s: scans the findings:\n%s", c.name, text)
		}
		if c.sorted && strings.Contains(text, "Sort") {
			t.Errorf("%s: sorts what it reads:\n%s", c.name, text)
		}
	}
}
