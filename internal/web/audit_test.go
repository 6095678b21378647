package web_test

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"encoding/json"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/storetest"
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

// The audit package from the audit log's page: a ZIP whose manifest
// lists each file with its hash, the log of the period asked for in it,
// and a bad date refused.
func TestAuditPackagePage(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	if _, body := fetch(t, c, srv.URL+"/orgs/riverside/audit"); !strings.Contains(body, `action="/orgs/riverside/audit-package"`) {
		t.Error("the audit log's page does not offer the package")
	}
	today := time.Now().UTC().Format("2006-01-02")
	resp, body := fetch(t, c, srv.URL+"/orgs/riverside/audit-package?from="+today+"&to="+today)
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "application/zip" {
		t.Fatalf("package: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	z, err := zip.NewReader(strings.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(r)
		r.Close()
		files[f.Name] = b
	}
	var m struct {
		Files []struct{ Path, SHA256 string }
		Left  []string `json:"left_out"`
	}
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	for _, f := range m.Files {
		sum := sha256.Sum256(files[f.Path])
		if hex.EncodeToString(sum[:]) != f.SHA256 {
			t.Errorf("%s: hash mismatch", f.Path)
		}
	}
	if log := string(files["audit/audit-log.csv"]); !strings.Contains(log, "org.create") {
		t.Errorf("the log of today lacks the organisation's creation:\n%s", log)
	}
	// A new organisation has no assessment and no risk analysis: said so.
	if left := strings.Join(m.Left, " "); !strings.Contains(left, "No risk analysis yet") || !strings.Contains(left, "assessment yet") {
		t.Errorf("left out: %q", left)
	}
	if resp, _ := fetch(t, c, srv.URL+"/orgs/riverside/audit-package?from=soon"); resp.StatusCode != 400 {
		t.Errorf("a bad date: %d", resp.StatusCode)
	}
}
