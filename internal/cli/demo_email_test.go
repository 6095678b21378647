package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// The demo clinic's two email domains are probed as a server probes them,
// against the demo's own DNS, mail and HTTPS servers on loopback: a mixed
// posture, each verdict from what the servers answered.
func TestDemoEmailPosture(t *testing.T) {
	db := seededDemo(t)
	s := storetest.SQLiteAt(t, db)
	ctx := context.Background()
	o, err := s.ResolveOrganization(ctx, "riverside-demo")
	if err != nil {
		t.Fatal(err)
	}
	p, err := emailsec.ReadPosture(ctx, s.Scope(o))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"riverside.example email.spf":                 "pass",
		"riverside.example email.dkim":                "pass",
		"riverside.example email.dmarc":               "warn", // quarantine
		"riverside.example email.transport":           "warn", // MTA-STS testing
		"riverside.example email.dnssec":              "warn",
		"riverside-reminders.example email.spf":       "warn", // ~all
		"riverside-reminders.example email.dkim":      "fail",
		"riverside-reminders.example email.dmarc":     "fail", // p=none
		"riverside-reminders.example email.transport": "fail", // no STARTTLS
	}
	got := map[string]string{}
	var transport, spf string
	for _, d := range p.Domains {
		for _, c := range d.Checks {
			got[d.Domain+" "+c.Check] = c.Status
			if d.Domain == "riverside.example" && c.Check == "email.transport" {
				transport = strings.Join(c.Findings, " ")
			}
			if d.Domain == "riverside.example" && c.Check == "email.spf" {
				spf = strings.Join(c.Findings, " ")
			}
		}
	}
	// check_host() over the whole record, and for the senders the month of
	// aggregate reports shows.
	if !strings.Contains(spf, "within the limits of ten DNS-querying terms") || strings.Contains(spf, "but SPF gives it") {
		t.Errorf("riverside.example's SPF, evaluated: %s", spf)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if !strings.Contains(transport, "mx1.riverside.example offers STARTTLS with a valid certificate") || !strings.Contains(transport, "MTA-STS in testing mode") {
		t.Errorf("riverside.example's transport, read from the demo's servers: %s", transport)
	}

	// A month of aggregate reports, zip and gzip as their reporters send
	// them, imported through the pipeline: the clinic's own senders align,
	// the reminders' vendor does not when it sends as riverside.example,
	// and the billing service only on most days.
	reps, err := emailsec.ReadReports(ctx, s.Scope(o), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	class := map[string]string{}
	for _, d := range reps.Domains {
		if d.Messages == 0 {
			t.Errorf("%s: no messages in the demo's reports", d.Domain)
		}
		for _, src := range d.Sources {
			class[d.Domain+" "+src.SourceIP] = src.Class
		}
	}
	for k, v := range map[string]string{
		"riverside.example 198.51.100.25":          emailsec.Aligned,
		"riverside.example 198.51.100.77":          emailsec.Partly,
		"riverside.example 203.0.113.40":           emailsec.Never,
		"riverside-reminders.example 203.0.113.40": emailsec.Aligned,
	} {
		if class[k] != v {
			t.Errorf("%s: %q, want %q", k, class[k], v)
		}
	}
	if len(reps.TLS) != 1 || reps.TLS[0].Domain != "riverside.example" || reps.TLS[0].Reports < 29 || reps.TLS[0].Successes == 0 {
		t.Errorf("the demo's SMTP TLS reports: %+v", reps.TLS)
	}
	if reports, _ := s.Scope(o).DMARCReports(ctx, 1000); len(reports) != 120 {
		t.Errorf("%d demo reports, want 120 (30 days, 2 reporters, 2 domains)", len(reports))
	}

	// A report imported from the command line lands through the same
	// pipeline, and a second time changes nothing.
	path := filepath.Join("..", "ingest", "testdata", "dmarc-report.xml")
	code, out, errOut := run(t, "import", path, "--db", db)
	if code != 0 || !strings.Contains(out, "the DMARC aggregate report 17345 from mail.example about riverside.example") {
		t.Errorf("import a DMARC report: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := run(t, "import", path, "--db", db); code != 0 || !strings.Contains(out, "imported before") {
		t.Errorf("the same report again: exit %d\n%s", code, out)
	}
}
