package cli

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
)

// demoSender is a source of the demo clinic's mail as the aggregate
// reports see it: its address, the domain it sends as, how many messages
// a day (about), and how its DKIM and SPF fare.
type demoSender struct {
	ip, domain, envelope, dkimDomain, selector string
	perDay                                     int
	dkimAligned, spfAligned                    func(day int) bool
}

var (
	always = func(int) bool { return true }
	never  = func(int) bool { return false }
)

// demoSenders: the clinic's Microsoft 365 (aligned), its billing service
// (DKIM aligned but for a key rotation on five days), the appointment
// reminders' vendor sending as riverside.example without being set up
// for it (never aligned), a spoofer, and the vendor sending as its own
// reminders domain (SPF aligned through its include). The addresses are
// of the documentation ranges (RFC 5737, RFC 3849).
var demoSenders = []demoSender{
	{ip: "198.51.100.25", domain: "riverside.example", envelope: "riverside.example", dkimDomain: "riverside.example", selector: "selector1", perDay: 160, dkimAligned: always, spfAligned: always},
	{ip: "2001:db8:25::7", domain: "riverside.example", envelope: "riverside.example", dkimDomain: "riverside.example", selector: "selector2", perDay: 35, dkimAligned: always, spfAligned: always},
	{ip: "198.51.100.77", domain: "riverside.example", envelope: "billing-service.example", dkimDomain: "riverside.example", selector: "billing", perDay: 20,
		dkimAligned: func(day int) bool { return day%6 != 2 }, spfAligned: never},
	{ip: "203.0.113.40", domain: "riverside.example", envelope: "bounces.reminders-vendor.example", dkimDomain: "reminders-vendor.example", selector: "s1", perDay: 30, dkimAligned: never, spfAligned: never},
	{ip: "192.0.2.66", domain: "riverside.example", envelope: "riverside.example", perDay: 2, dkimAligned: never, spfAligned: never},
	{ip: "203.0.113.40", domain: "riverside-reminders.example", envelope: "riverside-reminders.example", dkimDomain: "reminders-vendor.example", selector: "s1", perDay: 60, dkimAligned: never, spfAligned: always},
}

// demoReporter is a receiver that sends aggregate reports, with how it
// packs them (Google a .zip, Microsoft a .xml.gz, as they do).
type demoReporter struct {
	org, email, pack string
	share            float64 // of each sender's messages it received
}

var demoReporters = []demoReporter{
	{org: "google.com", email: "noreply-dmarc-support@google.com", pack: "zip", share: 0.55},
	{org: "Enterprise Outlook", email: "dmarcreport@microsoft.com", pack: "gz", share: 0.45},
}

// seedDemoReports imports a month of DMARC aggregate reports of the demo
// clinic's two domains, generated in the real format (RFC 7489 appendix
// C) and packed as their reporters pack them, and of SMTP TLS reports
// (RFC 8460, gzip'd), through the one import path, each dated by the day
// after its period.
func seedDemoReports(ctx context.Context, at func(time.Time) *store.Scoped, now time.Time) error {
	rng := rand.New(rand.NewPCG(7489, 2026))
	today := now.UTC().Truncate(24 * time.Hour)
	policies := map[string]string{"riverside.example": "quarantine", "riverside-reminders.example": "none"}
	for day := 30; day >= 1; day-- {
		begin := today.AddDate(0, 0, -day)
		for _, rep := range demoReporters {
			for _, domain := range []string{"riverside.example", "riverside-reminders.example"} {
				var rows strings.Builder
				for _, s := range demoSenders {
					if s.domain != domain {
						continue
					}
					n := int(float64(s.perDay)*rep.share*(0.7+0.6*rng.Float64()) + 0.5)
					if n == 0 {
						continue
					}
					dkim, spf := "fail", "fail"
					if s.dkimAligned(day) {
						dkim = "pass"
					}
					if s.spfAligned(day) {
						spf = "pass"
					}
					disposition := "none"
					if dkim == "fail" && spf == "fail" {
						disposition = policies[domain]
					}
					rows.WriteString(demoRecord(s, n, disposition, dkim, spf))
				}
				if rows.Len() == 0 {
					continue
				}
				id := fmt.Sprintf("%d%04d", begin.Unix(), rng.IntN(10000))
				xml := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" ?>
<feedback>
  <version>1.0</version>
  <report_metadata>
    <org_name>%s</org_name>
    <email>%s</email>
    <report_id>%s</report_id>
    <date_range>
      <begin>%d</begin>
      <end>%d</end>
    </date_range>
  </report_metadata>
  <policy_published>
    <domain>%s</domain>
    <adkim>r</adkim>
    <aspf>r</aspf>
    <p>%s</p>
    <sp>%s</sp>
    <pct>100</pct>
  </policy_published>
%s</feedback>
`, rep.org, rep.email, id, begin.Unix(), begin.Unix()+86399, domain, policies[domain], policies[domain], rows.String())
				name := fmt.Sprintf("%s!%s!%d!%d", rep.org, domain, begin.Unix(), begin.Unix()+86399)
				data, name, err := demoPack(rep.pack, name, []byte(xml))
				if err != nil {
					return err
				}
				if err := demoImport(ctx, at(begin.Add(30*time.Hour)), name, ingest.FormatDMARC, data); err != nil {
					return fmt.Errorf("demo %s: %w", name, err)
				}
			}
		}
		// Google's SMTP TLS report of riverside.example (RFC 8460), under
		// its MTA-STS policy in testing mode: a few sessions fail to
		// validate on some days.
		failures, details := 0, ""
		if day%9 == 4 {
			failures = 1 + rng.IntN(4)
			details = fmt.Sprintf(`,
    "failure-details": [{"result-type": "validation-failure", "sending-mta-ip": "2001:db8:4860::1b", "receiving-mx-hostname": "mx1.riverside.example", "receiving-ip": "192.0.2.10", "failed-session-count": %d, "failure-reason-code": "X509_V_ERR_CERT_HAS_EXPIRED"}]`, failures)
		}
		report := fmt.Sprintf(`{
  "organization-name": "Google Inc.",
  "date-range": {"start-datetime": "%s", "end-datetime": "%s"},
  "contact-info": "smtp-tls-reporting@google.com",
  "report-id": "%s_riverside.example",
  "policies": [{
    "policy": {"policy-type": "sts", "policy-string": ["version: STSv1", "mode: testing", "mx: mx1.riverside.example", "max_age: 604800"], "policy-domain": "riverside.example", "mx-host": ["mx1.riverside.example"]},
    "summary": {"total-successful-session-count": %d, "total-failure-session-count": %d}%s
  }]
}
`, begin.Format(time.RFC3339), begin.Add(24*time.Hour-time.Second).Format(time.RFC3339), begin.Format(time.RFC3339), 90+rng.IntN(60), failures, details)
		name := fmt.Sprintf("google.com!riverside.example!%d!%d.json", begin.Unix(), begin.Unix()+86399)
		data, name, err := demoPack("gz", strings.TrimSuffix(name, ".json"), []byte(report))
		if err != nil {
			return err
		}
		name = strings.TrimSuffix(name, ".xml.gz") + ".json.gz"
		if err := demoImport(ctx, at(begin.Add(30*time.Hour)), name, ingest.FormatTLSRPT, data); err != nil {
			return fmt.Errorf("demo %s: %w", name, err)
		}
	}
	return nil
}

// demoRecord is one <record> of a report.
func demoRecord(s demoSender, n int, disposition, dkim, spf string) string {
	var auth strings.Builder
	if s.dkimDomain != "" {
		result := "pass"
		if s.dkimDomain == s.domain && dkim == "fail" {
			result = "fail"
		}
		fmt.Fprintf(&auth, "      <dkim>\n        <domain>%s</domain>\n        <selector>%s</selector>\n        <result>%s</result>\n      </dkim>\n", s.dkimDomain, s.selector, result)
	}
	spfResult := "pass"
	if s.envelope == s.domain && spf == "fail" {
		spfResult = "softfail"
	}
	fmt.Fprintf(&auth, "      <spf>\n        <domain>%s</domain>\n        <scope>mfrom</scope>\n        <result>%s</result>\n      </spf>\n", s.envelope, spfResult)
	return fmt.Sprintf(`  <record>
    <row>
      <source_ip>%s</source_ip>
      <count>%d</count>
      <policy_evaluated>
        <disposition>%s</disposition>
        <dkim>%s</dkim>
        <spf>%s</spf>
      </policy_evaluated>
    </row>
    <identifiers>
      <envelope_from>%s</envelope_from>
      <header_from>%s</header_from>
    </identifiers>
    <auth_results>
%s    </auth_results>
  </record>
`, s.ip, n, disposition, dkim, spf, s.envelope, s.domain, auth.String())
}

// demoPack packs a report as its reporter does.
func demoPack(pack, name string, xml []byte) ([]byte, string, error) {
	var b bytes.Buffer
	switch pack {
	case "zip":
		z := zip.NewWriter(&b)
		w, err := z.Create(name + ".xml")
		if err != nil {
			return nil, "", err
		}
		if _, err := w.Write(xml); err != nil {
			return nil, "", err
		}
		if err := z.Close(); err != nil {
			return nil, "", err
		}
		return b.Bytes(), name + ".zip", nil
	default:
		z := gzip.NewWriter(&b)
		if _, err := z.Write(xml); err != nil {
			return nil, "", err
		}
		if err := z.Close(); err != nil {
			return nil, "", err
		}
		return b.Bytes(), name + ".xml.gz", nil
	}
}
