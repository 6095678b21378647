package store

import (
	"context"
	"strings"
	"testing"
)

// The findings pages and the KEV check read an organisation's open
// findings through its places and indexes: SQLite's plan for each query
// never scans the findings table (its plan names the access path of every
// table; "SCAN f" would be a pass over every finding). PostgreSQL plans by
// its statistics, so on a test's handful of rows it may rightly prefer a
// sequential scan; the queries are the same text on both.
func TestFindingsQueriesScanNoFindings(t *testing.T) {
	s := openForTest(t, t.TempDir()+"/plan.db")
	for name, q := range map[string]string{"open findings": openFindingsQuery, "remediation": remediationQuery, "trend": trendQuery} {
		rows, err := s.read.QueryContext(context.Background(), "EXPLAIN QUERY PLAN "+q, argsFor(q)...)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var plan []string
		for rows.Next() {
			var id, parent, unused int
			var detail string
			if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, detail)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, "finding_places") {
			t.Errorf("%s: not read through the places:\n%s", name, text)
		}
		for _, line := range plan {
			if strings.HasPrefix(line, "SCAN f ") || line == "SCAN f" || strings.HasPrefix(line, "SCAN findings") {
				t.Errorf("%s scans every finding: %s\n%s", name, line, text)
			}
		}
	}
}

// argsFor gives a query as many placeholder arguments as it has ?s.
func argsFor(q string) []any {
	args := make([]any, strings.Count(q, "?"))
	for i := range args {
		args[i] = "org"
	}
	return args
}
