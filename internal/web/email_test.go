package web_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/mailcheck"
	"github.com/safeguard-health/safeguard/internal/mailcheck/dnstest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/web"
)

// The email page and API: a probe asked for in the browser or through
// the API runs as a job against the server's resolver; the page then
// shows each domain's checks with the records read, the lookups and the
// record to publish, and the checks that followed take the verdicts.
func TestEmailSecurityPageAndAPI(t *testing.T) {
	s := storetest.SQLite(t)
	z := dnstest.New(t)
	z.Set(map[string][]dnstest.Record{
		"riverside.example":        {dnstest.TXT("v=spf1 ip4:192.0.2.1 ~all")},
		"_dmarc.riverside.example": {dnstest.TXT("v=DMARC1; p=none; rua=mailto:d@riverside.example")},
	})
	srv, h := newServerAndHandler(t, s, func(c *web.Config) {
		c.Email = &emailsec.Service{Resolver: z.Addr, Timeout: dnstest.Timeout, Reach: mailcheck.Probe{Timeout: dnstest.Timeout}}
	})
	c := newClient(t)
	post(t, c, srv.URL+"/setup", setupForm)
	base := srv.URL + "/orgs/riverside"

	// No domains yet: the page says where to add them, and a probe is refused.
	if _, body := fetch(t, c, base+"/email"); !strings.Contains(body, "The profile lists no email domains") {
		t.Errorf("the page without domains:\n%s", body)
	}
	if resp, body := post(t, c, base+"/email/probe", nil); resp.StatusCode != http.StatusBadRequest || !strings.Contains(body, "lists no email domains") {
		t.Errorf("a probe without domains: %d", resp.StatusCode)
	}

	ctx := context.Background()
	o, err := s.ResolveOrganization(ctx, "riverside")
	if err != nil {
		t.Fatal(err)
	}
	sc := s.Scope(o)
	p, err := sc.Profile(ctx)
	if err != nil {
		t.Fatal(err)
	}
	p.EmailDomains = []org.EmailDomain{{Domain: "riverside.example", Selectors: []string{"s1"}}}
	if err := sc.SaveProfile(ctx, o, p); err != nil {
		t.Fatal(err)
	}
	resp, _ := post(t, c, base+"/email/probe", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("probe: %d", resp.StatusCode)
	}
	h.Wait()
	_, body := fetch(t, c, srv.URL+resp.Header.Get("Location"))
	for _, want := range []string{
		"A probe of 1 email domain is queued",
		`id="riverside.example"`,
		"v=spf1 ip4:192.0.2.1 ~all",
		"p=none: receivers only report mail",
		`Publish at _dmarc.riverside.example: TXT &#34;v=DMARC1; p=reject; rua=mailto:d@riverside.example&#34;`,
		"DNS lookups through " + z.Addr,
		"DKIM selectors named in the profile: s1.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("the email page lacks %q:\n%s", want, body)
		}
	}
	_, body = fetch(t, c, base+"/checks")
	if !strings.Contains(body, "DMARC policy of reject") || !strings.Contains(body, "failing (riverside.example)") {
		t.Errorf("the checks after the probe:\n%s", body)
	}

	// The API: the posture, and a probe asked for (202).
	token, hash := auth.NewAPIToken()
	if err := sc.CreateAPIToken(ctx, &auth.APIToken{Name: "script", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeWrite}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	api := apiClient{t, srv.URL + "/api/v1/orgs/riverside", token}
	code, out := api.do("GET", "/email", nil)
	domains, _ := out["domains"].([]any)
	if code != 200 || len(domains) != 1 || out["probed_at"] == nil {
		t.Fatalf("GET email: %d %v", code, out)
	}
	d := domains[0].(map[string]any)
	checks, _ := d["checks"].([]any)
	if d["domain"] != "riverside.example" || d["status"] != "fail" || len(checks) != 6 {
		t.Errorf("the domain: %v", d)
	}
	for _, raw := range checks {
		ch := raw.(map[string]any)
		if ch["check"] == "email.spf" && (ch["status"] != "warn" || ch["record"] != "v=spf1 ip4:192.0.2.1 ~all" || len(ch["fix"].([]any)) != 1 || ch["resolver"] != z.Addr) {
			t.Errorf("SPF through the API: %v", ch)
		}
	}
	// A DMARC aggregate report of yesterday, uploaded gzip'd on the imports
	// page: the page shows who sent as the domain and what p=reject would
	// refuse, the API likewise, and the alignment check follows.
	report, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", "dmarc-report.xml"))
	if err != nil {
		t.Fatal(err)
	}
	day := time.Now().UTC().AddDate(0, 0, -1).Truncate(24 * time.Hour)
	report = bytes.ReplaceAll(report, []byte("1764028800"), []byte(strconv.FormatInt(day.Unix(), 10)))
	report = bytes.ReplaceAll(report, []byte("1764115199"), []byte(strconv.FormatInt(day.Unix()+86399, 10)))
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(report)
	zw.Close()
	if resp, body := upload(t, c, base+"/imports", "mail.example!riverside.example.xml.gz", gz.Bytes(), nil); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("upload the report: %d\n%s", resp.StatusCode, body)
	}
	h.Wait()
	_, body = fetch(t, c, base+"/email")
	for _, want := range []string{"<code>198.51.100.25</code>", "253 messages from 3 sources; 212 passed DMARC", "p=reject would refuse 41</strong>, 0 of them", "never aligned: spoofing, or a service not set up", "mail.example <span class=\"muted\">(noreply-dmarc@mail.example)</span>"} {
		if !strings.Contains(body, want) {
			t.Errorf("the email page after a report lacks %q", want)
		}
	}
	code, out = api.do("GET", "/email/reports", nil)
	doms, _ := out["domains"].([]any)
	if code != 200 || len(doms) != 1 || doms[0].(map[string]any)["reject_would_refuse"] != float64(41) {
		t.Errorf("GET email/reports: %d %v", code, out)
	}
	_, body = fetch(t, c, base+"/checks")
	if !strings.Contains(body, "Mail sent as the domains passes DMARC") || !strings.Contains(body, "253 messages sent as the email domains in the last 30 days, 83.8% passed DMARC") {
		t.Errorf("the alignment check after the report:\n%s", body)
	}

	if code, out := api.do("POST", "/email/probe", nil); code != http.StatusAccepted || out["queued"] != true {
		t.Errorf("POST probe: %d %v", code, out)
	}
	h.Wait()
	probes, err := sc.EmailProbes(ctx)
	if err != nil || len(probes) != 6 {
		t.Fatalf("probes: %d %v", len(probes), err)
	}
	entries, _ := sc.AuditLog(ctx, store.AuditFilter{Limit: 1000})
	// Each probe is recorded as whoever asked for it: the owner on the
	// page, the token through the API.
	var actors []string
	for _, e := range entries {
		if e.Action == "email.probe" {
			actors = append(actors, e.Actor)
		}
	}
	if len(actors) != 2 || !strings.Contains(actors[1], "owner@riverside.example") || !strings.Contains(actors[0], "script") {
		t.Errorf("the probes in the audit log, as: %q", actors)
	}
}
