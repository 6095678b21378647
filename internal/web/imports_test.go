package web_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/check"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// verificationRecords gives the matrices an import job and a stored check
// result of the organisation, for the routes that name one.
func verificationRecords(t *testing.T, sc *store.Scoped) (jobID, resultID string) {
	t.Helper()
	ctx := context.Background()
	job := &store.ImportJob{Filename: "scan.nessus", Size: 10}
	if err := sc.CreateImportJob(ctx, job); err != nil {
		t.Fatal(err)
	}
	results, err := (&checkrun.Service{}).Run(ctx, sc)
	if err != nil {
		t.Fatal(err)
	}
	return job.ID, results[0].ID
}

func ingestFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var jobPathRE = regexp.MustCompile(`^/orgs/riverside/imports/([0-9a-f-]{36})$`)

// Files uploaded in the browser are imported in the background, one job
// each, with the job's page saying how it went; the accounts, the checks
// with their records and the findings in the order to fix them are then
// listed page by page.
func TestImportJobsInTheBrowser(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		srv, h := newServerAndHandler(t, s)
		c := newClient(t)
		post(t, c, srv.URL+"/setup", setupForm)
		base := srv.URL + "/orgs/riverside"

		// uploadJob uploads a file and waits for its job to end, returning
		// the job's page.
		uploadJob := func(name string, content []byte, format string) string {
			t.Helper()
			fields := map[string][]string{}
			if format != "" {
				fields["format"] = []string{format}
			}
			resp, body := upload(t, c, base+"/imports", name, content, fields)
			m := jobPathRE.FindStringSubmatch(resp.Header.Get("Location"))
			if resp.StatusCode != http.StatusSeeOther || m == nil {
				t.Fatalf("upload %s: %d %s\n%s", name, resp.StatusCode, resp.Header.Get("Location"), body)
			}
			h.Wait()
			resp, body = fetch(t, c, srv.URL+m[0])
			if resp.StatusCode != 200 {
				t.Fatalf("job page of %s: %d", name, resp.StatusCode)
			}
			if strings.Contains(body, `http-equiv="refresh"`) {
				t.Errorf("the page of %s's finished job still reloads itself", name)
			}
			return body
		}

		body := uploadJob("trivy-ehr.json", ingestFile(t, "trivy-small.json"), "")
		if !strings.Contains(body, "3 findings (Trivy), 0 matched to assets") || !strings.Contains(body, "state-done") {
			t.Errorf("Trivy upload's job page:\n%s", body)
		}
		// What the inventory lacks is named, with where to add it.
		if !strings.Contains(body, "1 host of this file is not in the ePHI inventory") || !strings.Contains(body, `href="/orgs/riverside/risk/assets">add those that are yours`) {
			t.Errorf("the hosts not in the inventory:\n%s", body)
		}
		if body := uploadJob("trivy-ehr-again.json", ingestFile(t, "trivy-small.json"), ""); !strings.Contains(body, "imported before, nothing changed") {
			t.Errorf("the same file again:\n%s", body)
		}
		// A truncated file fails whole, naming itself; nothing of it lands.
		body = uploadJob("cut.nessus", ingestFile(t, "nessus-truncated.nessus"), "")
		if !strings.Contains(body, "state-failed") || !strings.Contains(body, "cut.nessus") || !strings.Contains(body, "Nothing of the file landed") {
			t.Errorf("truncated upload's job page:\n%s", body)
		}
		// The KEV catalog is every organisation's: refused here.
		if body := uploadJob("kev.json", ingestFile(t, "kev-small.json"), ""); !strings.Contains(body, "state-failed") || !strings.Contains(body, "shared by every organisation") {
			t.Errorf("KEV upload's job page:\n%s", body)
		}
		// A format that is not one Safeguard reads is refused at once.
		if resp, body := upload(t, c, base+"/imports", "x.csv", []byte("a,b\n"), map[string][]string{"format": {"spreadsheet"}}); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "spreadsheet") {
			t.Errorf("unknown format: %d\n%s", resp.StatusCode, body)
		}
		// An account export is previewed first: nothing lands until it is
		// applied.
		body = uploadJob("accounts.csv", ingestFile(t, "accounts.csv"), "accounts")
		if !strings.Contains(body, "state-previewed") || !strings.Contains(body, "of Account CSV. Importing it would add") || !strings.Contains(body, "Apply: import these accounts") {
			t.Errorf("account upload's job page:\n%s", body)
		}
		if n, _ := s.Scope(mustOrgBySlug(t, s, "riverside")).Accounts(context.Background(), store.AccountFilter{Limit: 10}); len(n) != 0 {
			t.Errorf("the preview wrote %d accounts", len(n))
		}
		jobPath := jobPathRE.FindString(body)
		if jobPath == "" {
			jobs, _ := s.Scope(mustOrgBySlug(t, s, "riverside")).ImportJobs(context.Background(), 1)
			jobPath = "/orgs/riverside/imports/" + jobs[0].ID
		}
		if resp, _ := post(t, c, srv.URL+jobPath+"/apply", nil); resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("apply: %d", resp.StatusCode)
		}
		h.Wait()
		if _, body = fetch(t, c, srv.URL+jobPath); !strings.Contains(body, "accounts (Safeguard account CSV) of Account CSV") || !strings.Contains(body, "state-done") {
			t.Errorf("the applied job's page:\n%s", body)
		}
		if resp, _ := post(t, c, srv.URL+jobPath+"/apply", nil); resp.StatusCode != http.StatusConflict {
			t.Errorf("applied twice: %d, want 409", resp.StatusCode)
		}

		// The imports page lists the uploads and the files that landed.
		_, body = fetch(t, c, base+"/imports")
		for _, want := range []string{"trivy-ehr.json", "cut.nessus", "accounts.csv", "Safeguard account CSV", "Trivy"} {
			if !strings.Contains(body, want) {
				t.Errorf("imports page lacks %q", want)
			}
		}
		if n := strings.Count(body, "state-failed"); n != 2 {
			t.Errorf("imports page shows %d failed uploads, want 2", n)
		}

		// The accounts, two to a page.
		_, body = fetch(t, c, base+"/accounts?limit=2")
		if !strings.Contains(body, "ASILVA") || !strings.Contains(body, "1–2 of") || !strings.Contains(body, `rel="next"`) {
			t.Errorf("accounts page:\n%s", body)
		}
		_, body = fetch(t, c, base+"/accounts?limit=2&offset=2")
		if strings.Contains(body, "ASILVA") || !strings.Contains(body, "3–4 of") || !strings.Contains(body, `rel="prev"`) {
			t.Errorf("accounts, second page:\n%s", body)
		}

		// Run the checks; each result lists the records behind it.
		resp, _ := post(t, c, base+"/checks/run", nil)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("run the checks: %d", resp.StatusCode)
		}
		_, body = fetch(t, c, srv.URL+resp.Header.Get("Location"))
		if !strings.Contains(body, fmt.Sprintf("Ran %d checks", len(check.Catalog))) || !strings.Contains(body, "Multifactor authentication") {
			t.Fatalf("checks page:\n%s", body)
		}
		m := regexp.MustCompile(`href="/orgs/riverside/checks/([0-9a-f-]{36})">Multifactor authentication`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("no link to the MFA result:\n%s", body)
		}
		_, body = fetch(t, c, base+"/checks/"+m[1])
		if !strings.Contains(body, "ASILVA") || !strings.Contains(body, "The records behind the verdict") {
			t.Errorf("MFA result page:\n%s", body)
		}

		// The findings in the order to fix them.
		_, body = fetch(t, c, base+"/findings")
		if !strings.Contains(body, "CVE-") || !strings.Contains(body, "1–3 of 3") || !strings.Contains(body, "not in the ePHI inventory") {
			t.Errorf("findings page:\n%s", body)
		}
		// Two a page: the next link names the row the page after starts
		// from, and that page links back.
		_, body = fetch(t, c, base+"/findings?limit=2")
		m = regexp.MustCompile(`href="(\?[^"]*)" rel="next"`).FindStringSubmatch(body)
		if !strings.Contains(body, "1–2 of 3") || m == nil || !strings.Contains(m[1], "after=") {
			t.Fatalf("two a page:\n%s", body)
		}
		_, body = fetch(t, c, base+"/findings"+strings.ReplaceAll(m[1], "&amp;", "&"))
		if !strings.Contains(body, "3–3 of 3") || !strings.Contains(body, `rel="prev"`) || strings.Contains(body, `rel="next"`) {
			t.Errorf("the page after:\n%s", body)
		}
		if resp, _ := fetch(t, c, base+"/findings?limit=5000"); resp.StatusCode != http.StatusBadRequest {
			t.Errorf("a page of 5000: %d, want 400", resp.StatusCode)
		}
	})
}

// The same through the API: an upload answers 202 with the job to poll,
// and the records behind every verdict are listed.
func TestImportJobsThroughTheAPI(t *testing.T) {
	s := storetest.SQLite(t)
	srv, h := newServerAndHandler(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	ctx := context.Background()
	o, err := s.OrganizationBySlug(ctx, "riverside")
	if err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(ctx, &auth.APIToken{Name: "scanner", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite, auth.ScopeImport}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	api := apiClient{t, srv.URL + "/api/v1/orgs/riverside", token}

	code, job := api.do("POST", "/imports", multipartFile(t, "scan.nessus", ingestFile(t, "nessus-small.nessus"), nil))
	if code != http.StatusAccepted || job["id"] == nil || job["state"] != "queued" {
		t.Fatalf("upload: %d %v", code, job)
	}
	h.Wait()
	code, job = api.do("GET", fmt.Sprintf("/imports/%s", job["id"]), nil)
	outcome, _ := job["outcome"].(map[string]any)
	if code != 200 || job["state"] != "done" || outcome["format"] != "nessus" || outcome["records"].(float64) == 0 || job["percent"].(float64) != 100 {
		t.Fatalf("job: %d %v", code, job)
	}
	code, job = api.do("POST", "/imports", multipartFile(t, "accounts.csv", ingestFile(t, "accounts.csv"), map[string][]string{"format": {"accounts"}, "system": {"Epic EHR"}}))
	if code != http.StatusAccepted {
		t.Fatalf("account upload: %d", code)
	}
	h.Wait()
	// Previewed: what it would add, change and remove; applied, it lands.
	code, job = api.do("GET", fmt.Sprintf("/imports/%s", job["id"]), nil)
	outcome, _ = job["outcome"].(map[string]any)
	plan, _ := outcome["plan"].(map[string]any)
	if code != 200 || job["state"] != "previewed" || job["system"] != "Epic EHR" || plan["Added"] == nil || plan["Added"].(float64) == 0 {
		t.Fatalf("previewed job: %d %v", code, job)
	}
	code, applied := api.do("POST", fmt.Sprintf("/imports/%s/apply", job["id"]), nil)
	if code != http.StatusAccepted || applied["state"] != "queued" {
		t.Fatalf("apply: %d %v", code, applied)
	}
	h.Wait()
	if code, done := api.do("GET", fmt.Sprintf("/imports/%s", job["id"]), nil); code != 200 || done["state"] != "done" {
		t.Errorf("applied job: %d %v", code, done)
	}

	code, list := api.do("GET", "/imports", nil)
	if jobs, _ := list["jobs"].([]any); code != 200 || len(jobs) != 2 {
		t.Errorf("imports: %d %v", code, list)
	}
	code, accts := api.do("GET", "/accounts?limit=3", nil)
	if rows, _ := accts["accounts"].([]any); code != 200 || len(rows) != 3 || accts["total"].(float64) < 4 {
		t.Errorf("accounts: %d %v", code, accts)
	}
	code, run := api.do("POST", "/checks/run", nil)
	results, _ := run["results"].([]any)
	if code != 200 || len(results) != len(check.Catalog) {
		t.Fatalf("run: %d %v", code, run)
	}
	var mfa string
	for _, r := range results {
		r := r.(map[string]any)
		if r["check"].(map[string]any)["id"] == "identity.mfa" {
			mfa = r["id"].(string)
		}
	}
	code, one := api.do("GET", "/checks/"+mfa+"?limit=1", nil)
	if recs, _ := one["records"].([]any); code != 200 || len(recs) != 1 || one["record_count"].(float64) < 2 {
		t.Errorf("one result, one record: %d %v", code, one)
	}
	code, rem := api.do("GET", "/findings/remediation?limit=2", nil)
	rows, _ := rem["findings"].([]any)
	if code != 200 || len(rows) != 2 || rem["total"].(float64) < 3 || rem["next"] == nil || rem["prev"] != nil {
		t.Fatalf("remediation: %d %v", code, rem)
	}
	// The page after, by its cursor, and back again.
	code, next := api.do("GET", "/findings/remediation?limit=2&after="+url.QueryEscape(rem["next"].(string)), nil)
	after, _ := next["findings"].([]any)
	if code != 200 || len(after) == 0 || after[0].(map[string]any)["rank"].(float64) != 3 || next["prev"] == nil {
		t.Fatalf("the page after: %d %v", code, next)
	}
	code, back := api.do("GET", "/findings/remediation?limit=2&before="+url.QueryEscape(next["prev"].(string)), nil)
	if again, _ := back["findings"].([]any); code != 200 || len(again) != 2 || again[0].(map[string]any)["finding"] != rows[0].(map[string]any)["finding"] {
		t.Errorf("back to the first page: %d %v", code, back)
	}
	if code, body := api.do("GET", "/findings/remediation?offset=2", nil); code != 400 || !strings.Contains(fmt.Sprint(body["error"]), "cursor") {
		t.Errorf("an offset: %d %v", code, body)
	}
	if code, body := api.do("GET", "/findings/remediation?after=1.nothing", nil); code != 400 {
		t.Errorf("a cursor naming nothing: %d %v", code, body)
	}
	if code, trend := api.do("GET", "/findings/trend", nil); code != 200 || trend["places"] == nil {
		t.Errorf("trend: %d %v", code, trend)
	}
	// The trend a place a page, once a second place (an image) is
	// scanned: the next page by its cursor.
	if code, _ := api.do("POST", "/imports", multipartFile(t, "trivy.json", ingestFile(t, "trivy-small.json"), nil)); code != http.StatusAccepted {
		t.Fatalf("trivy upload: %d", code)
	}
	h.Wait()
	code, trend := api.do("GET", "/findings/trend?limit=1", nil)
	places, _ := trend["places"].([]any)
	count, _ := trend["places_count"].(float64)
	if code != 200 || len(places) != 1 || count < 2 || trend["next"] == nil {
		t.Fatalf("the trend, a place a page: %d %v", code, trend)
	}
	code, more := api.do("GET", "/findings/trend?limit=1000&after="+url.QueryEscape(trend["next"].(string)), nil)
	if rest, _ := more["places"].([]any); code != 200 || len(rest) != int(count)-1 || more["next"] != nil {
		t.Errorf("the rest of the trend: %d %v", code, more)
	}
	if code, body := api.do("GET", "/findings/trend?before=x", nil); code != 400 {
		t.Errorf("the trend backwards: %d %v", code, body)
	}
	if code, body := api.do("GET", "/checks/"+mfa+"?offset=-1", nil); code != 400 || body["error"] == nil {
		t.Errorf("a negative offset: %d %v", code, body)
	}
}

// An upload cut short is refused as malformed, not as a server error, and
// leaves no job.
func TestUploadCutShort(t *testing.T) {
	s := storetest.SQLite(t)
	srv, _ := newServerAndHandler(t, s)
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	body := "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"scan.nessus\"\r\nContent-Type: application/xml\r\n\r\n<NessusClientData_v2>"
	resp, err := c.Post(srv.URL+"/orgs/riverside/imports", "multipart/form-data; boundary=b", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("a multipart body without its end: %d, want 400", resp.StatusCode)
	}
	o, _ := s.OrganizationBySlug(context.Background(), "riverside")
	if jobs, _ := s.Scope(o).ImportJobs(context.Background(), 10); len(jobs) != 0 {
		t.Errorf("%d jobs after a refused upload", len(jobs))
	}
}

// slowReader hands out its bytes a chunk at a time, pausing before each,
// as a large upload over a slow link arrives.
type slowReader struct {
	b     []byte
	chunk int
	pause time.Duration
}

func (r *slowReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	time.Sleep(r.pause)
	n := copy(p[:min(len(p), r.chunk)], r.b)
	r.b = r.b[n:]
	return n, nil
}

// An upload may take longer than the server's read timeout (a scanner file
// of gigabytes over a clinic's link): the upload lifts the deadline for
// its own request, and the file lands.
func TestSlowUploadOutlastsTheReadTimeout(t *testing.T) {
	s := storetest.SQLite(t)
	srv := httptest.NewUnstartedServer(nil)
	h, err := newHandler(t, s, "http://"+srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv.Config.Handler, srv.Config.ReadTimeout = h, 300*time.Millisecond
	srv.Start()
	t.Cleanup(srv.Close)
	post(t, newClient(t), srv.URL+"/setup", setupForm)
	ctx := context.Background()
	o, err := s.OrganizationBySlug(ctx, "riverside")
	if err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(ctx, &auth.APIToken{Name: "scanner", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeImport}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	body := multipartFile(t, "scan.nessus", ingestFile(t, "nessus-small.nessus"), nil)
	raw := body.buf.Bytes()
	// About a second in all, three times the read timeout.
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/orgs/riverside/imports", &slowReader{b: raw, chunk: len(raw)/20 + 1, pause: 50 * time.Millisecond})
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", body.ctype)
	req.ContentLength = int64(len(raw))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("the upload was cut: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusAccepted {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("upload: %d %s", resp.StatusCode, b)
	}
	h.Wait()
}
