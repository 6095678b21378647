package lifecycle_test

import (
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/lifecycle"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

// Releases judged on a day against the shipped list: Windows by build and
// edition, the others by version; what the list does not know is unknown.
func TestJudge(t *testing.T) {
	for _, c := range []struct {
		family, version, edition, on string
		known, supported             bool
		release, says                string
	}{
		{"windows", "10.0.19045.5011", "", "2026-12-06", true, false, "Windows 10 22H2", "since 2025-10-14"},
		{"windows", "10.0.19045.5011", "", "2025-10-14", true, true, "Windows 10 22H2", "supported until 2025-10-14"},
		{"windows", "10.0.26100.2314", "Pro", "2026-12-06", true, false, "Windows 11 24H2", "since 2026-10-13"},
		{"windows", "10.0.26100.2314", "Enterprise", "2026-12-06", true, true, "Windows 11 24H2", "until 2027-10-12"},
		{"windows", "10.0.26100.2314", "", "2026-12-06", true, true, "Windows 11 24H2", "its edition is not known"},
		{"windows", "10.0.17763.6532", "Enterprise LTSC", "2026-12-06", true, true, "", "until 2029-01-09"},
		{"windows", "10.0.17763.6532", "", "2026-12-06", true, false, "", "since 2021-05-11"},
		{"windows", "6.1.7601", "", "2026-12-06", true, false, "", "since 2020-01-14"},
		{"windows", "10.0.99999", "", "2026-12-06", false, false, "", "not in Safeguard's list"},
		{"macos", "12.7.6", "", "2026-12-06", true, false, "macOS 12", "since 2024-09-16"},
		{"macos", "15.1.1", "", "2026-12-06", true, true, "macOS 15", "no end of support announced"},
		{"macos", "10.15.7", "", "2026-12-06", true, false, "macOS 10.15", "since 2026-02-02"},
		{"android", "13", "", "2026-12-06", true, false, "Android 13", "since 2026-03-02"},
		{"ios", "18.1.1", "", "2026-12-06", true, true, "iOS 18", ""},
		{"linux", "22.04", "", "2026-12-06", false, false, "", "does not cover linux"},
		{"macos", "", "", "2026-12-06", false, false, "", "does not give its operating system's version"},
	} {
		v := lifecycle.Judge(c.family, c.version, c.edition, day(c.on))
		if v.Known != c.known || v.Supported != c.supported || (c.release != "" && v.Release != c.release) || !strings.Contains(v.Reason, c.says) {
			t.Errorf("%s %s %q on %s: %+v", c.family, c.version, c.edition, c.on, v)
		}
		// The end kept at import judges the same on the day (late in it,
		// and in another zone) as Judge does.
		end := lifecycle.SupportEnd(c.family, c.version, c.edition)
		if (end != "") != c.known {
			t.Errorf("%s %s %q: end %q", c.family, c.version, c.edition, end)
		}
		on := day(c.on).Add(23*time.Hour + 59*time.Minute).In(time.FixedZone("UTC+10", 10*3600))
		if c.known && lifecycle.Past(end, on) == c.supported {
			t.Errorf("%s %s %q: end %q past on %s: %v", c.family, c.version, c.edition, end, c.on, lifecycle.Past(end, on))
		}
	}
	if lifecycle.AsOf == "" || !strings.Contains(lifecycle.Source, "endoflife.date") {
		t.Errorf("the list without its source: %q %q", lifecycle.Source, lifecycle.AsOf)
	}
}
