package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/safeguard-health/safeguard/internal/errs"
)

type grypeMatch struct {
	Vulnerability struct {
		ID       string `json:"id"`
		Severity string `json:"severity"`
		CVSS     []struct {
			Metrics struct {
				BaseScore float64 `json:"baseScore"`
			} `json:"metrics"`
		} `json:"cvss"`
		Fix struct {
			Versions []string `json:"versions"`
		} `json:"fix"`
		Description string `json:"description"`
	} `json:"vulnerability"`
	Related []struct {
		ID   string `json:"id"`
		CVSS []struct {
			Metrics struct {
				BaseScore float64 `json:"baseScore"`
			} `json:"metrics"`
		} `json:"cvss"`
	} `json:"relatedVulnerabilities"`
	Artifact struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"artifact"`
}

// ReadGrype streams a Grype JSON report (grype -o json): each match
// becomes a finding, emitted one at a time. The scanned image's name is in
// the report's source, which Grype writes after the matches: ScanInfo's
// Artifact carries it for the findings emitted without one.
func ReadGrype(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	info := &ScanInfo{Scanner: "grype", File: file}
	if err := expectDelim(dec, '{'); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, errTooLarge) {
			return nil, jsonError(file, err, "")
		}
		return nil, errs.New(errs.Invalid, file+" is not a Grype JSON report")
	}
	sawMatches, sawDescriptor := false, false
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return nil, jsonError(file, err, "")
		}
		key, _ := t.(string)
		switch key {
		case "matches":
			sawMatches = true
			if err := expectDelim(dec, '['); err != nil {
				return nil, jsonError(file, err, ", at matches")
			}
			for i := 0; dec.More(); i++ {
				var m grypeMatch
				if err := dec.Decode(&m); err != nil {
					return nil, jsonError(file, err, fmt.Sprintf(", at matches[%d]", i))
				}
				if m.Vulnerability.ID == "" {
					return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: matches[%d].vulnerability.id is empty", file, i))
				}
				f := Finding{Scanner: "grype", VulnID: m.Vulnerability.ID, Package: m.Artifact.Name, Installed: m.Artifact.Version,
					Severity: normSeverity(m.Vulnerability.Severity), Title: firstLine(m.Vulnerability.Description)}
				if len(m.Vulnerability.Fix.Versions) > 0 {
					f.Fixed = m.Vulnerability.Fix.Versions[0]
				}
				for _, c := range m.Vulnerability.CVSS {
					f.CVSS = max(f.CVSS, c.Metrics.BaseScore)
				}
				if ValidCVE(f.VulnID) {
					f.CVE = f.VulnID
				}
				for _, rel := range m.Related {
					if f.CVE == "" && ValidCVE(rel.ID) {
						f.CVE = rel.ID
					}
					for _, c := range rel.CVSS {
						if f.CVSS == 0 {
							f.CVSS = c.Metrics.BaseScore
						}
					}
				}
				info.Findings++
				if err := emit(f); err != nil {
					return nil, err
				}
			}
			_, err = dec.Token()
		case "source":
			var src struct {
				Target json.RawMessage `json:"target"`
			}
			if err = dec.Decode(&src); err == nil {
				var t struct {
					UserInput string `json:"userInput"`
				}
				if json.Unmarshal(src.Target, &t) == nil {
					info.Artifact = t.UserInput
				} else {
					var s string
					if json.Unmarshal(src.Target, &s) == nil {
						info.Artifact = s
					}
				}
			}
		case "descriptor":
			sawDescriptor = true
			var skip json.RawMessage
			err = dec.Decode(&skip)
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return nil, jsonOr(file, err, ", at "+key)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, jsonError(file, err, "")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errs.New(errs.Invalid, file+": there is more after the report's end")
	}
	if !sawMatches || !sawDescriptor {
		return nil, errs.New(errs.Invalid, file+" is not a Grype JSON report (it needs matches and descriptor)")
	}
	// The scanned image (or directory) was covered, matches or none.
	if info.Artifact != "" {
		info.Scanned = append(info.Scanned, Scanned{Target: info.Artifact, Artifact: info.Artifact})
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}

func firstLine(s string) string {
	for i, r := range s {
		if r == '\n' || i >= 200 {
			return s[:i]
		}
	}
	return s
}
