package identity_test

import (
	"slices"
	"testing"

	"github.com/safeguard-health/safeguard/internal/identity"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

func TestKeys(t *testing.T) {
	for in, want := range map[string]string{"Sam@Riverside.example": "sam", `RIVERSIDE\spatel`: "spatel", "adm-spatel": "adm-spatel", " jdoe ": "jdoe"} {
		if got := identity.LocalKey(in); got != want {
			t.Errorf("LocalKey(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"adm-spatel": "spatel", "jdoe.admin": "jdoe", "a-jdoe": "jdoe", "jdoe": "", "admin": "", "adm-": ""} {
		if got := identity.BaseKey(in); got != want {
			t.Errorf("BaseKey(%q) = %q, want %q", in, got, want)
		}
	}
	if got := identity.NameKey("  Sam   PATEL (admin)"); got != "sam patel" {
		t.Errorf("NameKey: %q", got)
	}
	for _, r := range append(identity.Rules, "") {
		if why, _ := identity.Explain(r); why == "" || why == r && r != "" {
			t.Errorf("rule %q unexplained", r)
		}
	}
}

// An account's keys are computed once, before it is stored, and the
// passes run the rules in their order of strength.
func TestKeyedAndPasses(t *testing.T) {
	k := identity.Key(&ingest.Account{Login: `RIVERSIDE\adm-SPatel`, AltLogin: "SPatel@Riverside.example", Email: "Sam.Patel@Riverside.example", Name: "Sam  Patel (admin)", EmployeeID: "ÅB-7"})
	if k.LoginKey != `riverside\adm-spatel` || k.AltKey != "spatel@riverside.example" || k.LocalKey != "adm-spatel" || k.BaseKey != "spatel" ||
		k.EmailKey != "sam.patel@riverside.example" || k.NameKey != "sam patel" || k.EmployeeKey != "åb-7" {
		t.Errorf("keys: %+v", k)
	}
	last := 0
	for _, p := range identity.Passes {
		i := slices.Index(identity.Rules, p.Rule)
		if i < last {
			t.Errorf("pass %+v runs after a weaker rule", p)
		}
		last = i
	}
	if last != len(identity.Rules)-1 {
		t.Errorf("the passes end with rule %d of %d", last, len(identity.Rules))
	}
}
