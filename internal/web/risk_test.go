package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

var (
	riskLoc     = regexp.MustCompile(`^/orgs/riverside/risk/register/([0-9a-f-]{36})`)
	analysisLoc = regexp.MustCompile(`^/orgs/riverside/risk/analyses/([0-9a-f-]{36})`)
	previewForm = regexp.MustCompile(`action="(/orgs/riverside/risk/[a-z]+-imports/[0-9a-f-]{36})"[^>]*>\s*<input type="hidden" name="digest" value="([0-9a-f]+)"`)
)

// A practice manager's risk analysis over real HTTP: the inventory by hand
// and by file, a risk from a threat, rated and planned, the register, the
// POA&M, an analysis finalised with its report, and bad input refused.
func TestRiskPages(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	base := srv.URL + "/orgs/riverside/risk"
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	_, body := fetch(t, c, base)
	mustContain(t, "the overview before anything", body, "No risk analysis has been finalised yet", "0 assets in the")

	// The inventory: one asset by hand, a duplicate refused, more by file.
	resp, _ := post(t, c, base+"/assets", url.Values{"name": {"Cloud EHR"}, "type": {"application"}, "maintains": {"on"}, "records": {"12,000"}, "criticality": {"critical"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add asset: %d", resp.StatusCode)
	}
	resp, body = post(t, c, base+"/assets", url.Values{"name": {"cloud ehr"}, "type": {"system"}})
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "already has an asset named") || !strings.Contains(body, `value="cloud ehr"`) {
		t.Errorf("duplicate asset: %d", resp.StatusCode)
	}
	resp, body = upload(t, c, base+"/assets/import", "inventory.csv", []byte("name,type,receives\nFax,device,maybe\nScanner,printer,no\n"), nil)
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("bad inventory: %d", resp.StatusCode)
	}
	mustContain(t, "the refused inventory", body, "nothing was imported", `line 2, column &#34;receives&#34;: &#34;maybe&#34; is not yes or no`, `line 3, column &#34;type&#34;: &#34;printer&#34; is not an asset type`)
	resp, body = upload(t, c, base+"/assets/import", "inventory.csv", []byte("name,type,maintains,records,owner\nBackup NAS,data-store,yes,12000,IT\nCloud EHR,application,yes,14000,Practice manager\n"), nil)
	m := previewForm.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
	}
	mustContain(t, "the preview", body, "<strong>1</strong> to add, <strong>1</strong> to update", "Backup NAS", "records, owner")
	_, body = fetch(t, c, base+"/assets")
	if strings.Contains(body, "Backup NAS") {
		t.Error("the preview wrote an asset")
	}
	if resp, _ := post(t, c, srv.URL+m[1], url.Values{"digest": {"stale"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("apply with a stale digest: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, srv.URL+m[1], url.Values{"digest": {m[2]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base+"/assets")
	mustContain(t, "the inventory", body, "Backup NAS", "14000", "2 of 2 assets")
	ids := regexp.MustCompile(`name="asset" value="([0-9a-f-]{36})"`).FindAllStringSubmatch(body, -1)
	if len(ids) != 2 {
		t.Fatalf("%d assets listed", len(ids))
	}
	ehr, nas := ids[1][1], ids[0][1]

	// A risk from the ransomware threat, rated and planned.
	_, body = fetch(t, c, base+"/threats")
	mustContain(t, "the threat catalog", body, "Ransomware", "HICP 2023 Edition", "Appendix D, Table D-2", "/risk/register/new?threat=ransomware")
	_, body = fetch(t, c, base+"/register/new?threat=ransomware")
	mustContain(t, "the new-risk form", body, `<option value="ransomware" selected>`, "suggested by the threat")
	resp, body = post(t, c, base+"/register", url.Values{"title": {"Ransomware encrypts the EHR and backups"}, "threat": {"ransomware"}, "asset": {ehr, nas}, "likelihood": {"9"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "likelihood: 9 is off the scale") || !strings.Contains(body, "Ransomware encrypts the EHR and backups") {
		t.Errorf("off-scale rating: %d", resp.StatusCode)
	}
	resp, _ = post(t, c, base+"/register", url.Values{"title": {"Ransomware encrypts the EHR and backups"}, "threat": {"ransomware"}, "asset": {ehr, nas},
		"likelihood": {"4"}, "impact_c": {"4"}, "impact_i": {"3"}, "impact_a": {"5"}, "likelihood_rationale": {"Peers hit this year"},
		"response": {"mitigate"}, "target_likelihood": {"2"}, "target_impact": {"3"}, "item": {"hph-cpg/essential-7", ""}})
	loc := riskLoc.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc == nil {
		t.Fatalf("add risk: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	riskURL := base + "/register/" + loc[1]
	_, body = fetch(t, c, riskURL)
	mustContain(t, "the risk", body, "R-001", "<strong>Very High</strong>", "<strong>Low</strong>", "Essential goal 7")
	if resp, _ := post(t, c, riskURL+"/actions", url.Values{"title": {"Immutable offsite backups"}, "owner": {"IT"}, "due": {"2020-01-31"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("add action: %d", resp.StatusCode)
	}
	if resp, body := post(t, c, riskURL+"/actions", url.Values{"title": {"x"}, "due": {"soon"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "due: &#34;soon&#34; is not a date") {
		t.Errorf("bad due date: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base+"/poam")
	mustContain(t, "the POA&M", body, "Immutable offsite backups", "R-001", "overdue")
	_, body = fetch(t, c, base+"/register?group=asset")
	mustContain(t, "the register grouped by asset", body, "<h2>Backup NAS</h2>", "<h2>Cloud EHR</h2>", "1 overdue", "<svg")
	_, body = fetch(t, c, base+"/register?level=Low")
	mustContain(t, "the register filtered", body, "0 risks")
	// The asset filter takes a name as typed (any case) or an id, and says
	// when the inventory has no such asset.
	_, body = fetch(t, c, base+"/register?asset=backup+nas")
	mustContain(t, "the register of one asset, by name", body, "1 risk", `value="Backup NAS"`, "R-001")
	_, body = fetch(t, c, base+"/register?asset="+ehr)
	mustContain(t, "the register of one asset, by id", body, "1 risk", `value="Cloud EHR"`)
	_, body = fetch(t, c, base+"/register?asset=Fax+machine")
	mustContain(t, "the register of an unknown asset", body, "0 risks", "the inventory has no asset named &#34;Fax machine&#34;")

	// An analysis: started, finalised with its approver, the report downloaded.
	resp, _ = post(t, c, base+"/analyses", url.Values{"title": {"Risk analysis 2026"}, "scope": {"All ePHI of Riverside"}})
	aloc := analysisLoc.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || aloc == nil {
		t.Fatalf("start analysis: %d", resp.StatusCode)
	}
	aURL := base + "/analyses/" + aloc[1]
	if resp, body := post(t, c, aURL+"/finalize", url.Values{}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "approver") {
		t.Errorf("finalise without approver: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, aURL+"/finalize", url.Values{"approver": {"Dana Reyes, owner"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("finalise: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, aURL)
	mustContain(t, "the final analysis", body, "Frozen record SHA-256", "Dana Reyes, owner")
	for format, ctype := range map[string]string{"pdf": "application/pdf", "html": "text/html", "xlsx": "spreadsheetml", "csv": "text/csv", "json": "application/json"} {
		resp, body := fetch(t, c, aURL+"/report?format="+format)
		// The HTML report opens in the browser, sandboxed; the rest download.
		disposition := "attachment"
		if format == "html" {
			disposition = "inline"
			if csp := resp.Header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "sandbox;") || strings.Contains(csp, "script") {
				t.Errorf("the HTML report's CSP: %q", csp)
			}
		}
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Type"), ctype) || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), disposition) || len(body) < 200 {
			t.Errorf("report %s: %d %s %s", format, resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
		}
	}
	if resp, _ := post(t, c, aURL, url.Values{"title": {"x"}, "scope": {"y"}}); resp.StatusCode != http.StatusConflict {
		t.Errorf("editing a final analysis: %d", resp.StatusCode)
	}
	// A new asset holding ePHI after the analysis calls for an update.
	post(t, c, base+"/assets", url.Values{"name": {"Telehealth"}, "type": {"cloud-service"}, "transmits": {"on"}})
	_, body = fetch(t, c, base)
	mustContain(t, "the overview after a new system", body, "1 asset(s) holding ePHI were added since", "Telehealth")
	// The scales: a bad matrix cell is refused, the review interval saved.
	if resp, body := post(t, c, base+"/scales", url.Values{"m_1_1": {"9"}, "review_months": {"12"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "band 9 does not exist") {
		t.Errorf("bad matrix: %d", resp.StatusCode)
	}
	if resp, _ := post(t, c, base+"/scales", url.Values{"likelihood_name_5": {"Almost certain"}, "review_months": {"6"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("save scales: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base+"/scales")
	mustContain(t, "the scales", body, `value="Almost certain"`, `value="6"`)
}

// With an inventory too large to list (a hospital's), a risk's form and
// an asset's page offer the first assets and take the others by name:
// a risk gains an asset named, a data flow goes to an asset named, an
// unknown name is refused naming it, and the pages list only what they
// show.
func TestRiskPagesOverALargeInventory(t *testing.T) {
	s := storetest.SQLite(t)
	srv := newServer(t, s)
	c := newClient(t)
	base := srv.URL + "/orgs/riverside/risk"
	if resp, _ := post(t, c, srv.URL+"/setup", setupForm); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("setup: %d", resp.StatusCode)
	}
	var csv strings.Builder
	csv.WriteString("name,type,maintains\n")
	for i := range 450 {
		fmt.Fprintf(&csv, "Workstation %03d,device,yes\n", i)
	}
	resp, body := upload(t, c, base+"/assets/import", "inventory.csv", []byte(csv.String()), nil)
	m := previewForm.FindStringSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("preview: %d\n%s", resp.StatusCode, body)
	}
	if resp, _ := post(t, c, srv.URL+m[1], url.Values{"digest": {m[2]}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("apply: %d", resp.StatusCode)
	}
	// And 230 vulnerabilities, one of them dismissed.
	o, err := s.OrganizationBySlug(context.Background(), "riverside")
	if err != nil {
		t.Fatal(err)
	}
	var vulns []*risk.Vulnerability
	for i := range 230 {
		v := &risk.Vulnerability{Title: fmt.Sprintf("Weakness %03d", i), Kind: risk.Weakness, Status: risk.Confirmed}
		if i == 3 {
			v.Status = risk.Dismissed
		}
		vulns = append(vulns, v)
	}
	if err := s.Scope(o).AddVulnerabilities(context.Background(), vulns); err != nil {
		t.Fatal(err)
	}
	_, body = fetch(t, c, base+"/register/new")
	boxes := regexp.MustCompile(`name="asset" value="([0-9a-f-]{36})"`).FindAllStringSubmatch(body, -1)
	if len(boxes) != 200 || !strings.Contains(body, "the inventory holds 250 more than are listed") || strings.Contains(body, "Workstation 449") {
		t.Fatalf("the new risk's form offers %d assets:\n%s", len(boxes), body)
	}
	vboxes := regexp.MustCompile(`name="vulnerability" value="([0-9a-f-]{36})"`).FindAllStringSubmatch(body, -1)
	if len(vboxes) != 200 || !strings.Contains(body, "the register holds 29 more than are listed") || strings.Contains(body, "Weakness 003") || strings.Contains(body, "Weakness 229") {
		t.Fatalf("the new risk's form offers %d vulnerabilities", len(vboxes))
	}
	form := url.Values{"title": {"Ransomware on the ward"}, "threat": {"ransomware"}, "asset": {boxes[0][1]}, "more_assets": {"workstation 449; Workstation 300"},
		"vulnerability": {vboxes[0][1]}, "more_vulnerabilities": {"weakness 229"}, "likelihood": {"3"}, "impact_a": {"4"}}
	resp, _ = post(t, c, base+"/register", form)
	loc := riskLoc.FindStringSubmatch(resp.Header.Get("Location"))
	if resp.StatusCode != http.StatusSeeOther || loc == nil {
		t.Fatalf("a risk on assets named: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	_, body = fetch(t, c, base+"/register/"+loc[1])
	checked := regexp.MustCompile(`name="asset" value="[0-9a-f-]{36}" checked> (Workstation \d+)`).FindAllStringSubmatch(body, -1)
	var names []string
	for _, x := range checked {
		names = append(names, x[1])
	}
	if strings.Join(names, ", ") != "Workstation 000, Workstation 300, Workstation 449" {
		t.Errorf("the risk's assets, ticked on its form: %v", names)
	}
	ticked := regexp.MustCompile(`name="vulnerability" value="[0-9a-f-]{36}" checked> <span>(Weakness \d+)`).FindAllStringSubmatch(body, -1)
	if len(ticked) != 2 || ticked[0][1] != "Weakness 000" || ticked[1][1] != "Weakness 229" {
		t.Errorf("the risk's vulnerabilities, ticked on its form: %v", ticked)
	}
	form.Set("more_vulnerabilities", "No such weakness")
	resp, body = post(t, c, base+"/register", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "the register has no vulnerability titled &#34;No such weakness&#34;") {
		t.Errorf("an unknown vulnerability named: %d", resp.StatusCode)
	}
	form.Del("more_vulnerabilities")
	form.Set("more_assets", "Workstation 999")
	resp, body = post(t, c, base+"/register", form)
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "the inventory has no asset named &#34;Workstation 999&#34;") {
		t.Errorf("an unknown asset named: %d", resp.StatusCode)
	}

	// The asset's page: its risk, and a flow to another asset by name.
	_, body = fetch(t, c, base+"/assets?q=Workstation+300")
	id := regexp.MustCompile(`/risk/assets/([0-9a-f-]{36})`).FindStringSubmatch(body)
	if id == nil {
		t.Fatalf("no link to Workstation 300:\n%s", body)
	}
	_, body = fetch(t, c, base+"/assets/"+id[1])
	mustContain(t, "the asset's page", body, "Ransomware on the ward", `name="to_name"`)
	if strings.Contains(body, `name="to"`) {
		t.Error("the asset's page lists the inventory to choose a flow's other end")
	}
	resp, _ = post(t, c, base+"/assets/"+id[1]+"/flows", url.Values{"to_name": {"workstation 449"}, "description": {"Scans"}})
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("a flow to an asset named: %d", resp.StatusCode)
	}
	_, body = fetch(t, c, base+"/assets/"+id[1])
	mustContain(t, "the flow", body, "Workstation 300 → Workstation 449: Scans")
	resp, body = post(t, c, base+"/assets/"+id[1]+"/flows", url.Values{"to_name": {"Nowhere"}})
	if resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "the inventory has no asset named &#34;Nowhere&#34;") {
		t.Errorf("a flow to an unknown asset: %d", resp.StatusCode)
	}
}
