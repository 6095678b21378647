package check

import (
	"fmt"
	"strings"
)

// Priority is an open finding in the remediation order: KEV-listed first,
// then by EPSS probability, CVSS score, the asset's criticality and the
// ePHI records it holds. Why says what placed it, and which of those
// keys put it ahead of the next.
type Priority struct {
	OpenFinding
	Rank        int     `json:"rank"`
	Title       string  `json:"title,omitempty"`
	Severity    string  `json:"severity"`
	Package     string  `json:"package,omitempty"` // the package, or a network scanner's port
	Installed   string  `json:"installed,omitempty"`
	Criticality string  `json:"criticality,omitempty"` // "" when no asset matched
	EPSS        float64 `json:"epss"`                  // -1 when the CVE has no score
	Percentile  float64 `json:"percentile"`            // -1 likewise
	Why         string  `json:"why"`
}

// CriticalityRank orders an asset's criticality; 0 is no asset.
func CriticalityRank(c string) int {
	switch c {
	case "critical":
		return 4
	case "high":
		return 3
	case "moderate":
		return 2
	case "low":
		return 1
	}
	return 0
}

// Place names where the finding is: the package (with its version) in
// the image or project, or the host and port.
func (p *Priority) Place() string {
	where := p.place()
	switch {
	case p.Package == "":
		return where
	case p.Host != "": // a network scanner's port
		return where + " " + p.Package
	}
	return strings.Trim(p.Package+" "+p.Installed, " ") + " in " + where
}

// Explain writes each row's Why: its standing on every key of the order,
// and the first key on which it ranks above the row after it.
func Explain(rows []*Priority) {
	for i, p := range rows {
		var parts []string
		if p.KEVAdded != "" {
			k := "KEV-listed since " + p.KEVAdded
			if p.KEVDue != "" {
				k += ", due " + p.KEVDue
			}
			if p.Ransomware == "Known" {
				k += ", known ransomware use"
			}
			parts = append(parts, k)
		} else {
			parts = append(parts, "not in the KEV catalog")
		}
		if p.EPSS >= 0 {
			parts = append(parts, fmt.Sprintf("EPSS %.3f (percentile %.3f)", p.EPSS, p.Percentile))
		} else {
			parts = append(parts, "no EPSS score")
		}
		if p.CVSS > 0 {
			parts = append(parts, fmt.Sprintf("CVSS %.1f", p.CVSS))
		} else {
			parts = append(parts, "no CVSS score")
		}
		if p.AssetID == "" {
			parts = append(parts, "host not in the ePHI inventory")
		} else {
			a := "asset criticality " + p.Criticality
			if p.EPHI {
				a += fmt.Sprintf(", %d ePHI records", p.Records)
			}
			if p.Internet {
				a += ", internet-facing"
			}
			parts = append(parts, a)
		}
		why := strings.Join(parts, "; ")
		if i+1 < len(rows) {
			why += "; ahead of #" + fmt.Sprint(rows[i+1].Rank) + " " + decider(p, rows[i+1])
		}
		p.Why = why
	}
}

// decider names the first key of the order on which p ranks above q.
func decider(p, q *Priority) string {
	switch {
	case (p.KEVAdded != "") != (q.KEVAdded != ""):
		return "as KEV-listed"
	case p.EPSS != q.EPSS:
		if q.EPSS < 0 {
			return "on EPSS (it has a score, the next has none)"
		}
		return fmt.Sprintf("on EPSS (%.3f > %.3f)", p.EPSS, q.EPSS)
	case p.CVSS != q.CVSS:
		return fmt.Sprintf("on CVSS (%.1f > %.1f)", p.CVSS, q.CVSS)
	case CriticalityRank(p.Criticality) != CriticalityRank(q.Criticality):
		return fmt.Sprintf("on asset criticality (%s > %s)", orNone(p.Criticality), orNone(q.Criticality))
	case p.Records != q.Records:
		return fmt.Sprintf("on ePHI records (%d > %d)", p.Records, q.Records)
	}
	return "tied on every key (listed in finding order)"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}

// Trend compares the newest scan of each asset (or unmatched host) with
// the scan before it: what is new, what was fixed, what is still open.
type Trend struct {
	Places []*TrendPlace `json:"places"`
	New    int           `json:"new"`
	Fixed  int           `json:"fixed"`
	Still  int           `json:"still_open"`
}

// TrendPlace is one asset's or host's change between its two newest scans.
type TrendPlace struct {
	AssetID  string `json:"asset,omitempty"`
	Place    string `json:"place"`
	Newest   string `json:"newest_scan"`
	Previous string `json:"previous_scan,omitempty"` // "" when it was scanned once
	New      int    `json:"new"`
	Fixed    int    `json:"fixed"`
	Still    int    `json:"still_open"`
}
