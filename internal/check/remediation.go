package check

import "strings"

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
	where := p.Where()
	switch {
	case p.Package == "":
		return where
	case p.Host != "": // a network scanner's port
		return where + " " + p.Package
	}
	return strings.Trim(p.Package+" "+p.Installed, " ") + " in " + where
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
