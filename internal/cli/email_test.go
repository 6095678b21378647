package cli_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/mailcheck/dnstest"
)

// `safeguard email check` against a real DNS server on loopback: each
// domain's SPF, DMARC and transport verdicts with the records read and
// the lookups made; a resolver that does not answer is said and the exit
// is 1.
func TestEmailCheck(t *testing.T) {
	z := dnstest.New(t)
	z.Set(map[string][]dnstest.Record{
		"riverside.example":               {dnstest.TXT("v=spf1 include:spf.protection.outlook.com -all")},
		"spf.protection.outlook.com":      {dnstest.TXT("v=spf1 ip4:40.92.0.0/15 -all")},
		"_dmarc.riverside.example":        {dnstest.TXT("v=DMARC1; p=quarantine; rua=mailto:dmarc@riverside.example")},
		"ed._domainkey.riverside.example": {dnstest.TXT("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")},
		"slow.example":                    {{Timeout: true}},
		"_dmarc.slow.example":             {{Timeout: true}},
	})
	z.Sign("riverside.example")
	code, out, errOut := run(t, "email", "check", "riverside.example", "--resolver", z.Addr, "--timeout", "300ms", "--dkim-selector", "ed", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var rs []struct {
		Domain, Check, Status, Record string
		Findings                      []string
		Lookups                       []struct{ Name, Type string }
	}
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatal(err)
	}
	// The domain has no MX record and no address: its mail goes nowhere.
	// The resolver validated the domain's answers (the AD bit).
	if len(rs) != 6 || rs[4].Check != "email.dnssec" || rs[4].Status != "pass" || rs[5].Check != "email.bimi" || rs[5].Status != "info" {
		t.Errorf("DNSSEC: %+v", rs[len(rs)-1])
	}
	if len(rs) < 4 || rs[3].Check != "email.transport" || rs[3].Status != "fail" || !strings.Contains(strings.Join(rs[3].Findings, " "), "has no address") ||
		rs[2].Check != "email.dkim" || rs[2].Status != "pass" ||
		rs[0].Check != "email.spf" || rs[0].Status != "pass" || rs[0].Record != "v=spf1 include:spf.protection.outlook.com -all" ||
		rs[1].Check != "email.dmarc" || rs[1].Status != "warn" || len(rs[1].Lookups) == 0 || rs[1].Lookups[0].Name != "_dmarc.riverside.example" {
		t.Errorf("riverside.example: %+v", rs)
	}
	code, out, errOut = run(t, "email", "check", "slow.example", "--resolver", z.Addr, "--timeout", "300ms")
	// (and slow.example's DNSSEC is unknown: nothing was answered)
	if code != 1 || !strings.Contains(out, "slow.example email.spf: UNKNOWN") || !strings.Contains(errOut, "did not answer") {
		t.Errorf("a resolver that does not answer: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, errOut := run(t, "email", "check", "not a domain", "--resolver", z.Addr); code != 2 || !strings.Contains(errOut, "is not a domain") {
		t.Errorf("a bad domain: exit %d %s", code, errOut)
	}

	// Without domains: the demo clinic's two, from its profile, each with
	// its DKIM selectors.
	db := seededDemo(t)
	z.Set(map[string][]dnstest.Record{
		"riverside.example":                      {dnstest.TXT("v=spf1 include:spf.protection.outlook.com -all")},
		"spf.protection.outlook.com":             {dnstest.TXT("v=spf1 ip4:40.92.0.0/15 -all")},
		"selector1._domainkey.riverside.example": {dnstest.TXT("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")},
	})
	code, out, errOut = run(t, "email", "check", "--db", db, "--resolver", z.Addr, "--timeout", "300ms", "--json")
	rs = nil
	if err := json.Unmarshal([]byte(out), &rs); err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, errOut)
	}
	domains := map[string]bool{}
	for _, r := range rs {
		domains[r.Domain] = true
		if r.Domain == "riverside.example" && r.Check == "email.dkim" && r.Status != "pass" {
			t.Errorf("the demo's DKIM at its profile's selector: %+v", r)
		}
	}
	if !domains["riverside.example"] || !domains["riverside-reminders.example"] || len(domains) != 2 {
		t.Errorf("the demo's domains: %v", domains)
	}

	// --record: the profile's domains probed and recorded; the email
	// checks read the probe, and the do-next list names the record to
	// publish.
	if code, _, errOut := run(t, "email", "check", "riverside.example", "--db", db, "--record"); code != 2 || !strings.Contains(errOut, "name no domain") {
		t.Errorf("--record with a domain: exit %d %s", code, errOut)
	}
	code, out, errOut = run(t, "email", "check", "--db", db, "--resolver", z.Addr, "--timeout", "300ms", "--smtp-timeout", "300ms", "--record")
	if code != 0 || !strings.Contains(out, "recorded as probe") {
		t.Fatalf("--record: exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, errOut = run(t, "check", "run", "--db", db, "--json")
	if code != 0 {
		t.Fatalf("check run: exit %d %s", code, errOut)
	}
	var checks []struct {
		ID, Status, Detail string
		Records            []string
	}
	if err := json.Unmarshal([]byte(out), &checks); err != nil {
		t.Fatal(err)
	}
	byID := map[string]int{}
	for i, c := range checks {
		byID[c.ID] = i
	}
	for _, id := range []string{"email.spf", "email.dkim", "email.dmarc", "email.transport"} {
		i, ok := byID[id]
		if !ok {
			t.Errorf("no %s result: %+v", id, checks)
			continue
		}
		// Neither domain publishes DMARC; riverside-reminders.example has
		// no SPF record and no DKIM key.
		c := checks[i]
		if c.Status != "fail" || !strings.Contains(c.Detail, "riverside-reminders.example") {
			t.Errorf("%s: %+v", id, c)
		}
	}
	if c := checks[byID["email.dmarc"]]; !strings.Contains(c.Detail, "Publish at _dmarc.riverside.example: TXT") || len(c.Records) != 2 {
		t.Errorf("the DMARC check names the record to publish for each domain: %+v", c)
	}
	code, out, _ = run(t, "todo", "--db", db)
	if code != 0 || !strings.Contains(out, "DMARC policy of reject") || !strings.Contains(out, `TXT "v=DMARC1; p=reject; rua=mailto:dmarc-reports@riverside`) {
		t.Errorf("the do-next list names the record to publish:\n%s", out)
	}
}
