package ingest

import (
	"fmt"
	"io"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatDependencyTrack is Dependency-Track's Finding Packaging Format.
const FormatDependencyTrack = "dependency-track"

// dtrackFinding is one finding of Dependency-Track's Finding Packaging
// Format (FPF 1.0 to 1.2: a project's findings, as the project's audit
// page exports them and GET /api/v1/finding/project/{uuid}/export
// returns them).
type dtrackFinding struct {
	Component struct {
		Name    string `json:"name"`
		Group   string `json:"group"`
		Version string `json:"version"`
	} `json:"component"`
	Vulnerability struct {
		VulnID   string   `json:"vulnId"`
		Source   string   `json:"source"`
		Title    string   `json:"title"`
		Severity string   `json:"severity"` // CRITICAL, HIGH, MEDIUM, LOW, INFO, UNASSIGNED
		CVSSv3   *float64 `json:"cvssV3BaseScore"`
		CVSSv2   *float64 `json:"cvssV2BaseScore"`
		Aliases  []struct {
			CveID string `json:"cveId"`
		} `json:"aliases"`
		Description string `json:"description"`
	} `json:"vulnerability"`
	Analysis struct {
		State      string `json:"state"` // NOT_SET, EXPLOITABLE, IN_TRIAGE, RESOLVED, FALSE_POSITIVE, NOT_AFFECTED
		Suppressed bool   `json:"isSuppressed"`
	} `json:"analysis"`
}

// ReadDependencyTrack streams a Dependency-Track findings export (the
// Finding Packaging Format): a finding per finding of the project, on the
// project's name as its target (its name and version the artifact), the
// component (group/name) as the package; named by the vulnerability's id
// with its CVE (the id, else an alias). Suppressed findings, those whose
// analysis says resolved, false positive or not affected, and
// informational ones are skipped; the project was scanned.
func ReadDependencyTrack(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	info := &ScanInfo{Scanner: "dependency-track", File: file}
	var project struct{ Name string }
	each := func(f *dtrackFinding, path string) error {
		id := strings.TrimSpace(f.Vulnerability.VulnID)
		if id == "" {
			return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.vulnerability.vulnId is empty", file, path))
		}
		sev := normSeverity(f.Vulnerability.Severity)
		switch strings.ToUpper(strings.TrimSpace(f.Analysis.State)) {
		case "RESOLVED", "FALSE_POSITIVE", "NOT_AFFECTED":
			info.Skipped++
			return nil
		}
		if f.Analysis.Suppressed || sev == "info" {
			info.Skipped++
			return nil
		}
		pkg := strings.TrimSpace(f.Component.Name)
		if g := strings.TrimSpace(f.Component.Group); g != "" {
			pkg = g + "/" + pkg
		}
		// The project (its name is the findings' target, given them through
		// ScanInfo's Artifact) may come after the findings.
		out := Finding{Scanner: "dependency-track", VulnID: id, Package: pkg, Installed: strings.TrimSpace(f.Component.Version), Severity: sev,
			Title: firstLine(strings.TrimSpace(f.Vulnerability.Title + "\n" + f.Vulnerability.Description))}
		if ValidCVE(id) {
			out.CVE = id
		}
		for _, a := range f.Vulnerability.Aliases {
			if c := strings.TrimSpace(a.CveID); out.CVE == "" && ValidCVE(c) {
				out.CVE = c
			}
		}
		for _, s := range []*float64{f.Vulnerability.CVSSv3, f.Vulnerability.CVSSv2} {
			if s != nil && out.CVSS == 0 && *s > 0 && *s <= 10 {
				out.CVSS = *s
			}
		}
		if out.Severity == "unknown" && out.CVSS > 0 {
			out.Severity = cvssSeverity(out.CVSS)
		}
		info.Findings++
		return emit(out)
	}
	key, err := jsonRecords(file, "a Dependency-Track findings export", dec, []string{"findings"}, false, func(key string, v any) {
		if key != "project" {
			return
		}
		if m, ok := v.(map[string]any); ok {
			project.Name, _ = m["name"].(string)
		}
	}, func(path string) error {
		var f dtrackFinding
		if err := dec.Decode(&f); err != nil {
			return err
		}
		return each(&f, path)
	})
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, errs.New(errs.Invalid, file+` is not a Dependency-Track findings export (no "findings" array)`)
	}
	if strings.TrimSpace(project.Name) == "" {
		return nil, errs.New(errs.Invalid, file+": the export names no project (project.name)")
	}
	info.Artifact = strings.TrimSpace(project.Name)
	info.Scanned = append(info.Scanned, Scanned{Target: info.Artifact, Artifact: info.Artifact})
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}
