// Package lifecycle says whether an operating system's release is still
// supported by its vendor on a day, from a dated list shipped as data
// (os-support.json, with its source): Windows by build and edition,
// macOS, iOS, iPadOS and Android by version. What the list does not know
// is said as unknown, never guessed.
package lifecycle

import (
	_ "embed"
	"encoding/json"
	"strings"
	"time"
)

//go:embed os-support.json
var data []byte

// Source names where the list comes from; AsOf is its date.
var Source, AsOf string

type release struct {
	Release   string  `json:"release"`
	Edition   string  `json:"edition,omitempty"` // Windows: enterprise, home-pro, ltsc, iot-ltsc, iot, all
	Build     string  `json:"build,omitempty"`   // Windows: 10.0.19045
	Version   string  `json:"version,omitempty"` // the others: 14, 10.15
	End       *string `json:"end"`
	Supported bool    `json:"supported,omitempty"` // no end announced
	Link      string  `json:"link,omitempty"`
}

var families = func() map[string]struct {
	Note     string    `json:"note"`
	Releases []release `json:"releases"`
} {
	var doc struct {
		Source   string `json:"source"`
		AsOf     string `json:"as_of"`
		Families map[string]struct {
			Note     string    `json:"note"`
			Releases []release `json:"releases"`
		} `json:"families"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		panic("lifecycle: os-support.json: " + err.Error())
	}
	Source, AsOf = doc.Source, doc.AsOf
	return doc.Families
}()

// byBuild indexes Windows's releases by build.
var byBuild = func() map[string][]release {
	m := map[string][]release{}
	for _, r := range families["windows"].Releases {
		m[r.Build] = append(m[r.Build], r)
	}
	return m
}()

// nthDot is the index of the nth dot of s, -1 when it has fewer.
func nthDot(s string, n int) int {
	for i := range len(s) {
		if s[i] == '.' {
			if n--; n == 0 {
				return i
			}
		}
	}
	return -1
}

// Verdict is what the list says of one device's operating system.
type Verdict struct {
	// Known says the list knows the release; when false, Reason says why
	// not and nothing is judged.
	Known bool `json:"known"`
	// Supported is false when the release's end of support has passed.
	Supported bool   `json:"supported"`
	Release   string `json:"release,omitempty"` // Windows 10 22H2, macOS 12
	End       string `json:"end,omitempty"`     // YYYY-MM-DD; "" when no end is announced
	Reason    string `json:"reason"`
	Link      string `json:"link,omitempty"`
}

// Judge says whether the release of family (windows, macos, ios, ipados,
// android) at version is supported on day. edition is what the device's
// manager says of a Windows edition (Enterprise, Pro, LTSC…), "" when
// not known.
func Judge(family, version, edition string, day time.Time) Verdict {
	f, ok := families[family]
	if !ok {
		return Verdict{Reason: "Safeguard's list of operating systems' support does not cover " + orSaid(family)}
	}
	version = strings.TrimSpace(version)
	if version == "" {
		return Verdict{Reason: "the device's export does not give its operating system's version"}
	}
	var match []release
	if family == "windows" {
		build := version
		if i := nthDot(version, 3); i > 0 {
			build = version[:i] // 10.0.19045 of 10.0.19045.5011
		}
		match = windowsEdition(byBuild[build], edition)
	} else {
		best := ""
		for _, r := range f.Releases {
			if (version == r.Version || strings.HasPrefix(version, r.Version+".")) && len(r.Version) > len(best) {
				best = r.Version
			}
		}
		for _, r := range f.Releases {
			if r.Version == best && best != "" {
				match = append(match, r)
			}
		}
	}
	if len(match) == 0 {
		return Verdict{Reason: "release " + version + " is not in Safeguard's list of " + family + " releases (as of " + AsOf + ")"}
	}
	// The latest end among the releases that match stands.
	r := match[0]
	for _, m := range match[1:] {
		if m.End == nil || r.End != nil && *m.End > *r.End {
			r = m
		}
	}
	v := Verdict{Known: true, Release: r.Release, Link: r.Link, Supported: true}
	if r.End == nil {
		v.Reason = r.Release + ": no end of support announced (as of " + AsOf + ")"
		return v
	}
	v.End = *r.End
	end, err := time.Parse(time.DateOnly, *r.End)
	if err != nil {
		return Verdict{Reason: "the list's date for " + r.Release + " is not a date"}
	}
	if !day.Before(end.AddDate(0, 0, 1)) {
		v.Supported = false
		v.Reason = r.Release + " has been past its vendor's end of support since " + v.End
	} else {
		v.Reason = r.Release + " is supported until " + v.End
	}
	if len(match) > 1 && family == "windows" && edition == "" {
		v.Reason += " (its edition is not known: the latest end of its Enterprise, Education and Home and Pro editions is taken)"
	}
	return v
}

// Ongoing is the end of support of a release whose vendor has announced
// none.
const Ongoing = "ongoing"

// SupportEnd is the end of support of the release of family at version
// (and edition) as the list says, to be kept with the device and judged on
// any day with Past: the date (YYYY-MM-DD), Ongoing when no end is
// announced, "" when the list does not know the release.
func SupportEnd(family, version, edition string) string {
	v := Judge(family, version, edition, time.Time{})
	switch {
	case !v.Known:
		return ""
	case v.End == "":
		return Ongoing
	}
	return v.End
}

// Past says whether an end of support SupportEnd gave has passed on day,
// as Judge says it: from the day after the end.
func Past(end string, day time.Time) bool {
	return end != "" && end != Ongoing && end < day.UTC().Format(time.DateOnly)
}

// windowsEdition keeps the releases of the device's edition: LTSC when
// it says so, Enterprise and Education, Home and Pro; without an edition,
// every release but the long-term servicing ones.
func windowsEdition(rs []release, edition string) []release {
	e := strings.ToLower(edition)
	var want func(string) bool
	switch {
	case strings.Contains(e, "ltsc") || strings.Contains(e, "ltsb") || e == "enterprises" || strings.Contains(e, "enterprise s"):
		if strings.Contains(e, "iot") {
			want = func(ed string) bool { return ed == "iot-ltsc" }
		} else {
			want = func(ed string) bool { return ed == "ltsc" }
		}
	case strings.Contains(e, "enterprise") || strings.Contains(e, "education"):
		want = func(ed string) bool { return ed == "enterprise" }
	case strings.Contains(e, "pro") || strings.Contains(e, "home"):
		want = func(ed string) bool { return ed == "home-pro" }
	default:
		want = func(ed string) bool { return ed != "ltsc" && ed != "iot-ltsc" }
	}
	var out []release
	for _, r := range rs {
		if want(r.Edition) || r.Edition == "all" {
			out = append(out, r)
		}
	}
	return out
}

func orSaid(s string) string {
	if s == "" {
		return "an operating system not said"
	}
	return s
}
