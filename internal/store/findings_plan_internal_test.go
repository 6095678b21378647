package store

import (
	"context"
	"strings"
	"testing"
)

// The findings pages and the KEV check read an organisation's open
// findings through indexes kept when imports land: SQLite's plan for each
// query never scans the findings table (its plan names the access path of
// every table; "SCAN f" would be a pass over every finding), and a page of
// the order to fix is a range of findings_open_order, never a sort of
// every open finding; the statements that keep that state when imports,
// the KEV catalog, EPSS scores and assets change find what they change
// through indexes too. PostgreSQL plans by its statistics, so on a test's
// handful of rows it may rightly prefer a sequential scan; the queries
// are the same text on both.
func TestFindingsQueriesScanNoFindings(t *testing.T) {
	s := openForTest(t, t.TempDir()+"/plan.db")
	ordered := map[string]bool{"first page": true, "page after": true, "page before": true, "KEV-listed": true, "keys refreshed, first stretch": true, "keys refreshed, next stretch": true}
	sorted := map[string]bool{"trend counted": true, "unmatched counted": true} // counts what one import changed; the places' hosts told apart
	for name, q := range map[string]string{
		"KEV-listed":  kevOpenQuery,
		"first page":  remediationQuery + remediationOrder,
		"page after":  remediationQuery + remediationAfter + remediationOrder,
		"page before": remediationQuery + remediationBack,
		"trend":       trendQuery + trendOrder,
		"trend after": trendQuery + trendAfter + trendOrder,
		// What keeps the state when imports and their sources land.
		"closing the replaced":          closeReplacedQuery,
		"closing the late":              closeLateQuery,
		"keys refreshed, first stretch": refreshStretch + ` ORDER BY ` + orderKeys + ` LIMIT ?`,
		"keys refreshed, next stretch":  refreshStretch + refreshAfter + ` ORDER BY ` + orderKeys + ` LIMIT ?`,
		"keys written":                  refreshKeys,
		"an asset's keys":               assetKeysOf,
		"trend counted":                 trendCount,
		"trend first counted":           trendFirst,
		"trend summed":                  trendSums,
		"trend cleared":                 trendZero,
		"unmatched counted":             unmatchedCount,
	} {
		plan := explain(t, s, q)
		text := strings.Join(plan, "\n")
		if ordered[name] && !strings.Contains(text, "INDEX findings_open_order") {
			t.Errorf("%s: not read through the order's index:\n%s", name, text)
		}
		if (name == "trend" || name == "trend after") && !strings.Contains(text, "USING INDEX finding_places_trend") {
			t.Errorf("%s: not read through the trend's index:\n%s", name, text)
		}
		if name == "trend first counted" {
			// Grouped in the order of the import's index; each place's
			// distinct findings are told apart in a small table of its own.
			text = strings.ReplaceAll(text, "USE TEMP B-TREE FOR count(DISTINCT)", "")
		}
		if !sorted[name] && strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s sorts what it reads:\n%s", name, text)
		}
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN f ") || line == "SCAN f" || strings.HasPrefix(line, "SCAN findings") {
				t.Errorf("%s scans every finding: %s\n%s", name, line, text)
			}
		}
	}
}

// The pages that show risks read the assets of the risks they show by
// their keys, never the organisation's whole inventory.
func TestAssetsByIDReadByKey(t *testing.T) {
	s := openForTest(t, t.TempDir()+"/plan.db")
	for _, n := range []int{1, 500} {
		text := strings.Join(explain(t, s, assetsByIDQuery("?"+strings.Repeat(", ?", n-1))), "\n")
		if !strings.Contains(text, "USING INDEX sqlite_autoindex_assets_1 (id=?)") {
			t.Errorf("%d assets by id:\n%s", n, text)
		}
	}
}

// A roster import finds the people of a batch of rows through the index
// of their employee ids.
func TestPeopleByIDsReadByKey(t *testing.T) {
	s := openForTest(t, t.TempDir()+"/plan.db")
	for _, n := range []int{1, 1000} {
		text := strings.Join(explain(t, s, peopleByIDsQuery(n)), "\n")
		if !strings.Contains(text, "USING INDEX people_employee_id (org_id=? AND employee_key=?)") {
			t.Errorf("%d people by employee id:\n%s", n, text)
		}
	}
}

// Each pass of the account matching looks each account's key up in an
// index (of the people, or of the accounts matched already), never
// reading the roster for each account.
func TestMatchingPassesReadByKey(t *testing.T) {
	s := openForTest(t, t.TempDir()+"/plan.db")
	s.matching = Matching{Passes: []MatchPass{
		{Rule: "employee_id", Key: KeyEmployeeID, Against: PersonEmployeeID},
		{Rule: "email", Key: KeyEmail, Against: PersonEmail},
		{Rule: "login", Key: KeyAltLogin, Against: PersonEmail},
		{Rule: "username", Key: KeyLocal, Against: PersonEmailLocal, Unique: true},
		{Rule: "admin", Key: KeyBase, Against: MatchedAccount, Unique: true},
		{Rule: "name", Key: KeyName, Against: PersonName, Unique: true},
	}}
	passes, err := s.matchPasses()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"people_employee_id (org_id=? AND employee_key=?)", "people_email (org_id=? AND email_key=?)", "people_email (org_id=? AND email_key=?)",
		"people_local (org_id=? AND local_key=?)", "accounts_org_local (org_id=? AND local_key=?)", "people_name (org_id=? AND name_key=?)"}
	for i, p := range passes {
		text := strings.Join(explain(t, s, p.update(`accounts.org_id = ? AND accounts.import_id = ?`)), "\n")
		if !strings.Contains(text, "INDEX "+want[i]) {
			t.Errorf("pass %s by %s not through %s:\n%s", p.rule, p.key, want[i], text)
		}
	}
}

// The register's default view (the open risks, highest level first) is a
// range of the index its order keys are kept in: the count and the heat
// map read the index alone, a page reads its rows in order and sorts
// nothing; the owners offered come from their own index. The risk
// overview's sums read the same index, the expired acceptances and the
// ePHI added since the last analysis their own (sorting only what those
// ranges hold).
func TestRegisterQueriesReadItsIndex(t *testing.T) {
	s := openForTest(t, t.TempDir()+"/plan.db")
	q := RiskQuery{Sort: "level"}
	where, _ := q.where("org")
	order, _ := q.orderBy(SQLite)
	for name, c := range map[string]struct{ query, want string }{
		"count and heat":          {riskCellsQuery(where), "USING COVERING INDEX risks_order (org_id=? AND status=?)"},
		"page":                    {riskPageQuery(where, order), "USING INDEX risks_order (org_id=? AND status=?)"},
		"count and heat, tallied": {tallyCellsQuery(where), "USING INDEX sqlite_autoindex_risk_cells_1 (org_id=? AND status=?)"},
		"owners":                  {riskOwnersQuery, "USING COVERING INDEX risks_owner (org_id=? AND owner>?)"},
		// The risk overview's sums.
		"summed":       {riskCellsSummed, "USING INDEX sqlite_autoindex_risk_cells_1 (org_id=? AND status=?)"},
		"expired":      {riskExpiredQuery, "USING INDEX risks_accepted (org_id=? AND accepted_until<?)"},
		"ePHI counted": {`SELECT count(*)` + ephiSince, "USING INDEX assets_created (org_id=? AND created_at>?)"},
		// An asset's page: its flows from either end; the threats' page.
		"flows of an asset":    {flowsOfQuery, "USING INDEX asset_flows_to (to_asset=? AND org_id=?)"},
		"threats counted":      {threatCountsQuery, "USING COVERING INDEX risks_threat (org_id=?)"},
		"vulnerabilities' use": {vulnerabilityUseQuery, "USING COVERING INDEX risk_vulnerabilities_vuln (vulnerability_id=?)"},
	} {
		text := strings.Join(explain(t, s, c.query), "\n")
		if !strings.Contains(text, c.want) {
			t.Errorf("%s: not read through %q:\n%s", name, c.want, text)
		}
		if name == "flows of an asset" && !strings.Contains(text, "USING INDEX asset_flows_from (from_asset=? AND org_id=?)") {
			t.Errorf("%s: not read through the index of the flows' sources:\n%s", name, text)
		}
		if !strings.HasPrefix(name, "count and heat") && name != "summed" && name != "expired" && name != "flows of an asset" && strings.Contains(text, "TEMP B-TREE") {
			t.Errorf("%s sorts what it reads:\n%s", name, text)
		}
	}
}

// explain is SQLite's query plan for q, a line per step.
func explain(t *testing.T, s *Store, q string) []string {
	t.Helper()
	rows, err := s.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, argsFor(q)...)
	if err != nil {
		t.Fatalf("%v\n%s", err, q)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return plan
}

// argsFor gives a query as many placeholder arguments as it has ?s.
func argsFor(q string) []any {
	args := make([]any, strings.Count(q, "?"))
	for i := range args {
		args[i] = "org"
	}
	return args
}
