package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/storetest"
)

var vendorPreview = regexp.MustCompile(`action="(/orgs/riverside/vendor-imports/[^"]+)"[^>]*>\s*<input type="hidden" name="digest" value="([0-9a-f]+)"`)

// The vendor pages: a vendor added by hand, a subcontractor of it chosen
// from the business associates, a register file previewed (nothing
// written) and applied, the register downloaded as CSV and XLSX, and the
// refusals: a bad file's cells named, a business associate with a
// subcontractor kept from deletion.
func TestVendorPages(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	base := srv.URL + "/orgs/riverside/vendors"
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	_, body := fetch(t, c, base)
	mustContain(t, "the empty register", body, "No vendor yet", "0 vendor(s)")
	if resp, _ := post(t, c, srv.URL+"/orgs/riverside/risk/assets", url.Values{"name": {"EHR"}, "type": {"application"}, "maintains": {"on"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("an asset")
	}

	resp, body := post(t, c, base, url.Values{"name": {"Northwind EHR"}, "status": {"business-associate"}, "receives": {"on"}, "maintains": {"on"}, "records": {"12,400"},
		"access": {"interface"}, "criticality": {"critical"}, "contact_name": {"Sam Patel", ""}, "contact_email": {"sam@northwind.example", ""}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d %s", resp.StatusCode, body)
	}
	ehrURL := srv.URL + resp.Header.Get("Location")
	ehrURL = ehrURL[:strings.Index(ehrURL, "?")]
	_, body = fetch(t, c, ehrURL)
	mustContain(t, "the vendor's page", body, "business associate", "45 CFR 160.103", "1: it maintains ePHI", "sam@northwind.example")
	ehrID := ehrURL[strings.LastIndex(ehrURL, "/")+1:]

	resp, body = post(t, c, base, url.Values{"name": {"Vaultline Backup"}, "status": {"subcontractor"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "status_reason: say why") || !strings.Contains(body, `value="Vaultline Backup"`) {
		t.Errorf("a subcontractor without its reason: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base+"/new")
	mustContain(t, "the new vendor's form lists the business associates", body, `<option value="`+ehrID+`">Northwind EHR</option>`)
	if resp, body := post(t, c, base, url.Values{"name": {"Vaultline Backup"}, "status": {"subcontractor"}, "status_reason": {"Keeps the EHR's backups"}, "subcontractor_of": {ehrID}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a subcontractor: %d %s", resp.StatusCode, body)
	}
	resp, body = post(t, c, ehrURL+"/delete", nil)
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "&#34;Vaultline Backup&#34; is its subcontractor") {
		t.Errorf("deleting a business associate with a subcontractor: %d", resp.StatusCode)
	}

	// A register file: refused with its cells named, then previewed and
	// applied.
	resp, body = upload(t, c, base+"/import", "vendors.csv", []byte("name,access,assets\nCourier,teleport,EHR\nShredder,onsite,Nowhere\n"), nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a bad file: %d", resp.StatusCode)
	}
	mustContain(t, "the refused file", body, "nothing was imported", `line 2, column &#34;access&#34;: &#34;teleport&#34;`, `line 3, column &#34;assets&#34;: no asset &#34;Nowhere&#34;`)
	src, err := os.ReadFile(filepath.Join("..", "vendor", "testdata", "vendors.csv"))
	if err != nil {
		t.Fatal(err)
	}
	resp, body = upload(t, c, base+"/import", "vendors.csv", src, nil)
	m := vendorPreview.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
	}
	mustContain(t, "the preview", body, "<strong>3</strong> vendor(s) to add, <strong>2</strong> to update", "ClearClaims Billing", "Shred-Right")
	if _, body := fetch(t, c, base); strings.Contains(body, "Shred-Right") {
		t.Error("the preview wrote a vendor")
	}
	if resp, _ := post(t, c, srv.URL+m[1], url.Values{"digest": {"stale"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("a stale preview applied: %d", resp.StatusCode)
	}
	resp, _ = post(t, c, srv.URL+m[1], url.Values{"digest": {m[2]}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base)
	mustContain(t, "the register", body, "5 vendor(s): <strong>2</strong> business associate(s), 1 subcontractor(s) of one, 1 not yet determined", "Shred-Right", "subcontractor of a business associate (of Northwind EHR)")

	// An agreement with the business associate, its signed copy going to
	// the evidence vault: one required term left unticked, then ticked.
	_, body = fetch(t, c, ehrURL+"/agreements/new")
	mustContain(t, "the agreement's form", body, "Reports security incidents and breaches", "45 CFR 164.314(a)(2)(i)(C)", "45 CFR 164.504(e)(2)(ii)(J)", "HPH CPG enhanced goal 2")
	fields := url.Values{"kind": {"baa"}, "title": {"BAA 2025"}, "signed_on": {"2025-01-10"}, "expires_on": {"2028-01-09"}, "notice_hours": {"72"},
		"term": {"comply-security-rule", "subcontractors", "report-incidents"}, "where_report-incidents": {"§4.2"}}
	resp, body = upload(t, c, ehrURL+"/agreements", "northwind-baa.txt", []byte("Business associate agreement between Riverside and Northwind EHR.\n"), fields)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("an agreement: %d %s", resp.StatusCode, body)
	}
	_, body = fetch(t, c, ehrURL)
	mustContain(t, "the vendor's agreements", body, "<strong>incomplete</strong>: BAA 2025 does not say: Returns or destroys PHI at termination", "72 hours", ">document</a>")
	agreement := regexp.MustCompile(`/vendors/[0-9a-f-]+/agreements/([0-9a-f-]{36})`).FindStringSubmatch(body)
	evidenceLink := regexp.MustCompile(`/orgs/riverside/evidence/([0-9a-f-]{36})`).FindStringSubmatch(body)
	if agreement == nil || evidenceLink == nil {
		t.Fatalf("no links to the agreement and its document:\n%s", body)
	}
	_, body = fetch(t, c, srv.URL+"/orgs/riverside/evidence/"+evidenceLink[1])
	mustContain(t, "the agreement's document in the vault", body, "business associate agreement: Northwind EHR", "164.314(a)(2)(i)")
	fields.Add("term", "return-or-destroy")
	fields.Set("evidence_id", evidenceLink[1])
	resp, _ = upload(t, c, ehrURL+"/agreements/"+agreement[1], "", nil, fields)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("saving the agreement: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base)
	mustContain(t, "the register", body, ">current<")
	resp, body = upload(t, c, ehrURL+"/agreements", "", nil, url.Values{"signed_on": {"10 January"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "signed_on: &#34;10 January&#34; is not a date") {
		t.Errorf("a bad date: %d", resp.StatusCode)
	}

	// A review recorded, its history shown, the next due a year on (tier 1).
	resp, body = post(t, c, ehrURL+"/reviews", url.Values{"reviewed_on": {"2026-11-02"}, "reviewer": {"Dana Reyes"}, "outcome": {"approved-with-conditions"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "notes: say what the conditions") {
		t.Errorf("a conditional approval without its conditions: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, ehrURL+"/reviews", url.Values{"reviewed_on": {"2026-11-02"}, "reviewer": {"Dana Reyes"}, "outcome": {"approved-with-conditions"}, "notes": {"Phishing-resistant MFA by March"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a review: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, ehrURL)
	mustContain(t, "the vendor's reviews", body, "Phishing-resistant MFA by March", "approved with conditions", "tier 1 is reviewed every 12 months", "2027-11-02")

	// An incident at the vendor: told 80 hours after it knew, against the
	// 72 its agreement promises; another not told yet, days on.
	if resp, body := post(t, c, ehrURL+"/incidents", url.Values{"summary": {"Ransomware at the vendor's data centre"}, "aware_at": {"2026-11-01T08:00"}, "notified_at": {"2026-11-04T16:00"}, "phi": {"on"}, "records": {"1,200"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("an incident: %d %s", resp.StatusCode, body)
	}
	if resp, _ := post(t, c, ehrURL+"/incidents", url.Values{"summary": {"Lost laptop"}, "aware_at": {"2026-11-20T10:00"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("an incident not yet told: %d", resp.StatusCode)
	}
	resp, body = post(t, c, ehrURL+"/incidents", url.Values{"summary": {"Backwards"}, "aware_at": {"2026-11-05T10:00"}, "notified_at": {"2026-11-04T10:00"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "notified_at: before the vendor became aware") {
		t.Errorf("told before aware: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, ehrURL)
	mustContain(t, "the vendor's incidents", body, "<strong>late</strong>: notified 80 hours after it became aware: 8 past the 72 promised", "<strong>overdue</strong>: not notified yet")

	for _, f := range []struct{ format, ctype, starts string }{{"csv", "text/csv", "name,services"}, {"xlsx", "application/vnd.openxmlformats", "PK"}} {
		resp, body := fetch(t, c, base+"/export?format="+f.format)
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), f.ctype) || !strings.HasPrefix(body, f.starts) ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "riverside-vendors-") {
			t.Errorf("export %s: %d %s %q", f.format, resp.StatusCode, resp.Header, body[:min(len(body), 40)])
		}
	}
}

// Each change to the register, from the pages as from the API, goes
// through the vendor service, which queues a run of the checks in its
// transaction: the vendor checks follow the register without waiting for
// an import or the daily round.
func TestVendorChangesRunTheChecks(t *testing.T) {
	s := storetest.SQLite(t)
	srv, app := newServerAndHandler(t, s)
	c := newClient(t)
	base := srv.URL + "/orgs/riverside/vendors"
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	baa := func(when string) (string, int) {
		t.Helper()
		app.Wait()
		rs, err := s.Scope(mustOrg(t, s)).CheckResults(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			if r.Check.ID == "vendor.baa" {
				return string(r.Status), r.RecordCount
			}
		}
		t.Fatalf("%s: no run of vendor.baa", when)
		return "", 0
	}
	resp, body := post(t, c, base, url.Values{"name": {"Northwind EHR"}, "status": {"business-associate"}, "maintains": {"on"}, "access": {"interface"}, "criticality": {"critical"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add: %d %s", resp.StatusCode, body)
	}
	vendorURL := srv.URL + resp.Header.Get("Location")
	vendorURL = vendorURL[:strings.Index(vendorURL, "?")]
	without, n := baa("a business associate without an agreement")
	if n != 1 {
		t.Errorf("a business associate without an agreement: vendor.baa %s with %d record(s), want 1", without, n)
	}
	fields := url.Values{"kind": {"baa"}, "title": {"BAA 2025"}, "signed_on": {"2025-01-10"}, "expires_on": {"2028-01-09"}, "notice_hours": {"72"},
		"term": {"comply-security-rule", "subcontractors", "report-incidents", "return-or-destroy"}}
	if resp, body := upload(t, c, vendorURL+"/agreements", "", nil, fields); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("an agreement: %d %s", resp.StatusCode, body)
	}
	with, n := baa("its agreement saved")
	if n != 0 || with == without {
		t.Errorf("after its agreement: vendor.baa %s with %d record(s), was %s", with, n, without)
	}
	if resp, _ := post(t, c, base, url.Values{"name": {"Courier"}, "status": {"business-associate"}, "receives": {"on"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatal("a second business associate")
	}
	if status, n := baa("a second business associate"); n != 1 || status != without {
		t.Errorf("a second business associate without an agreement: vendor.baa %s with %d record(s)", status, n)
	}
}
