package identity_test

import (
	"testing"

	"github.com/safeguard-health/safeguard/internal/identity"
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
