package web_test

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/store/storetest"
)

// The organisation's audit log, filtered by who, what and when, and
// exported as CSV and JSON.
func TestAuditPage(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	today := time.Now().UTC().Format("2006-01-02")
	_, body := fetch(t, c, srv.URL+"/orgs/riverside/audit?action=org.&from="+today+"&to="+today)
	if !strings.Contains(body, "org.create") || strings.Contains(body, "membership.set") {
		t.Errorf("filtered by action and today:\n%s", body)
	}
	if _, body := fetch(t, c, srv.URL+"/orgs/riverside/audit?to=2020-01-01"); !strings.Contains(body, "No entries.") {
		t.Errorf("entries before 2020 shown")
	}
	if resp, _ := fetch(t, c, srv.URL+"/orgs/riverside/audit?from=yesterday"); resp.StatusCode != 400 {
		t.Errorf("bad date: %d", resp.StatusCode)
	}
	resp, body := fetch(t, c, srv.URL+"/orgs/riverside/audit?format=csv")
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || len(rows) < 3 || rows[0][0] != "seq" {
		t.Errorf("CSV export: %v, %d rows", err, len(rows))
	}
	_, body = fetch(t, c, srv.URL+"/orgs/riverside/audit?format=json&actor=owner")
	var doc struct {
		Organization string `json:"organization"`
		Entries      []struct {
			Action, Actor, Hash string
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(body), &doc); err != nil || doc.Organization != "riverside" || len(doc.Entries) == 0 {
		t.Fatalf("JSON export: %v\n%s", err, body)
	}
	for _, e := range doc.Entries {
		if !strings.Contains(e.Actor, "owner") || len(e.Hash) != 64 {
			t.Errorf("entry %+v", e)
		}
	}
}
