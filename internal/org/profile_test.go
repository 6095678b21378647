package org_test

import (
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
)

// The profile's email domains, as its form gives them: one a line, each
// with its DKIM selectors after a colon; written back the same way;
// names that are not domains or selectors refused, naming them.
func TestEmailDomains(t *testing.T) {
	ds := org.ParseEmailDomains("Riverside.Example.: selector1, selector2\r\n\n  reminders.riverside.example \n")
	p := &org.Profile{EmailDomains: ds}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if len(ds) != 2 || ds[0].Domain != "riverside.example" || strings.Join(ds[0].Selectors, " ") != "selector1 selector2" || ds[1].Domain != "reminders.riverside.example" || len(ds[1].Selectors) != 0 {
		t.Errorf("read: %+v", ds)
	}
	if back := org.ParseEmailDomains(org.FormatEmailDomains(ds)); len(back) != 2 || back[0].Domain != "riverside.example" || len(back[0].Selectors) != 2 {
		t.Errorf("written and read again: %+v", back)
	}
	for text, want := range map[string]string{
		"localhost":              `"localhost" is not a domain name`,
		"riverside.example/path": "is not a domain name",
		"-bad.example":           "is not a domain name",
		"a.example\nA.example":   `"a.example" is listed twice`,
		"a.example: sel/1":       `"sel/1" is not a DKIM selector`,
	} {
		p := &org.Profile{EmailDomains: org.ParseEmailDomains(text)}
		if err := p.Validate(); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), want) {
			t.Errorf("%q: %v, want %q", text, err, want)
		}
	}
}
