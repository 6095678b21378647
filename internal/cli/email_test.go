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
	if len(rs) != 5 || rs[4].Check != "email.dnssec" || rs[4].Status != "pass" {
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
}
