package ingest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatOSVScanner is OSV-Scanner's JSON output (--format json).
const FormatOSVScanner = "osv-scanner"

// osvPackage is one package of an OSV-Scanner result, as its JSON output
// writes it (osv-scanner's pkg/models.PackageVulns): the package, its
// vulnerabilities as OSV records, and their groups — one group per
// vulnerability and its aliases, with the highest CVSS score among them.
type osvPackage struct {
	Package struct {
		Name      string `json:"name"`
		Version   string `json:"version"`
		Ecosystem string `json:"ecosystem"`
	} `json:"package"`
	Vulnerabilities []struct {
		ID       string   `json:"id"`
		Aliases  []string `json:"aliases"`
		Summary  string   `json:"summary"`
		Details  string   `json:"details"`
		Severity []struct {
			Type  string `json:"type"`
			Score string `json:"score"`
		} `json:"severity"`
		DatabaseSpecific struct {
			Severity json.RawMessage `json:"severity"` // a word (GitHub's advisories); other databases write other things
		} `json:"database_specific"`
		Affected []struct {
			Package struct {
				Name string `json:"name"`
			} `json:"package"`
			Ranges []struct {
				Events []struct {
					Fixed string `json:"fixed"`
				} `json:"events"`
			} `json:"ranges"`
		} `json:"affected"`
	} `json:"vulnerabilities"`
	Groups []struct {
		IDs         []string `json:"ids"`
		Aliases     []string `json:"aliases"`
		MaxSeverity string   `json:"max_severity"`
		Analysis    map[string]struct {
			Unimportant bool `json:"unimportant"`
		} `json:"experimental_analysis"`
	} `json:"groups"`
}

// ReadOSVScanner streams OSV-Scanner's JSON output: for each source (a
// lockfile, an SBOM, a directory, an image's packages) and each of its
// packages, a finding per vulnerability group — a vulnerability and its
// aliases, counted once as OSV-Scanner counts them — named by its first
// id, with the CVE among its ids and aliases, the group's highest CVSS
// score (else the advisory's own severity word), the first fixed version
// of the package, on the source's path as its target. Groups OSV-Scanner's
// analysis marks unimportant are skipped; every source was scanned.
func ReadOSVScanner(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	info := &ScanInfo{Scanner: "osv-scanner", File: file}
	key, err := jsonRecords(file, "an OSV-Scanner JSON report", dec, []string{"results"}, false, nil, func(path string) error {
		if err := expectDelim(dec, '{'); err != nil {
			return err
		}
		var source struct {
			Path string `json:"path"`
			Type string `json:"type"`
		}
		var pending []osvPackage // packages written before the source: rare, held until it is read
		sawSource := false
		each := func(p *osvPackage, at string) error {
			if strings.TrimSpace(source.Path) == "" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.source.path is empty", file, path))
			}
			return osvFindings(file, at, source.Path, p, info, emit)
		}
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return err
			}
			switch k, _ := t.(string); k {
			case "source":
				if err := dec.Decode(&source); err != nil {
					return err
				}
				sawSource = true
				info.Scanned = append(info.Scanned, Scanned{Target: strings.TrimSpace(source.Path)})
				for i := range pending {
					if err := each(&pending[i], fmt.Sprintf("%s.packages[%d]", path, i)); err != nil {
						return err
					}
				}
				pending = nil
			case "packages":
				if t, err := dec.Token(); err != nil {
					return err
				} else if t == nil {
					continue
				} else if t != json.Delim('[') {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.packages should be an array", file, path))
				}
				for i := 0; dec.More(); i++ {
					var p osvPackage
					if err := dec.Decode(&p); err != nil {
						return jsonOr(file, err, fmt.Sprintf(", at %s.packages[%d]", path, i))
					}
					if !sawSource {
						pending = append(pending, p)
						continue
					}
					if err := each(&p, fmt.Sprintf("%s.packages[%d]", path, i)); err != nil {
						return err
					}
				}
				if _, err := dec.Token(); err != nil {
					return err
				}
			default:
				var skip json.RawMessage
				if err := dec.Decode(&skip); err != nil {
					return err
				}
			}
		}
		if !sawSource {
			return errs.New(errs.Invalid, fmt.Sprintf("%s: %s has no source", file, path))
		}
		_, err := dec.Token()
		return err
	})
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, errs.New(errs.Invalid, file+` is not an OSV-Scanner JSON report (no "results" array)`)
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}

// osvFindings emits a package's findings: one per vulnerability group
// (each vulnerability its own group when the report has none).
func osvFindings(file, at, target string, p *osvPackage, info *ScanInfo, emit func(Finding) error) error {
	type group struct {
		ids, aliases []string
		max          string
		unimportant  bool
	}
	var groups []group
	for _, g := range p.Groups {
		gr := group{ids: g.IDs, aliases: g.Aliases, max: g.MaxSeverity}
		for _, a := range g.Analysis {
			gr.unimportant = gr.unimportant || a.Unimportant
		}
		groups = append(groups, gr)
	}
	if len(groups) == 0 {
		for _, v := range p.Vulnerabilities {
			groups = append(groups, group{ids: []string{v.ID}, aliases: v.Aliases})
		}
	}
	for gi, g := range groups {
		if len(g.ids) == 0 || strings.TrimSpace(g.ids[0]) == "" {
			return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.groups[%d] has no id", file, at, gi))
		}
		if g.unimportant {
			info.Skipped++
			continue
		}
		f := Finding{Scanner: "osv-scanner", Target: strings.TrimSpace(target), VulnID: strings.TrimSpace(g.ids[0]),
			Package: p.Package.Name, Installed: p.Package.Version, Severity: "unknown"}
		for _, id := range append(slices.Clone(g.ids), g.aliases...) {
			if id = strings.TrimSpace(id); f.CVE == "" && ValidCVE(id) {
				f.CVE = id
			}
		}
		if v, err := strconv.ParseFloat(strings.TrimSpace(g.max), 64); err == nil && v > 0 && v <= 10 {
			f.CVSS = v
			f.Severity = cvssSeverity(v)
		}
		for _, v := range p.Vulnerabilities {
			if !slices.Contains(g.ids, v.ID) {
				continue
			}
			if f.Title == "" {
				f.Title = firstLine(cmp.Or(strings.TrimSpace(v.Summary), v.Details))
			}
			var word string
			if f.Severity == "unknown" && json.Unmarshal(v.DatabaseSpecific.Severity, &word) == nil {
				f.Severity = normSeverity(word)
			}
			for _, a := range v.Affected {
				if f.Fixed != "" || a.Package.Name != "" && a.Package.Name != p.Package.Name {
					continue
				}
				for _, rg := range a.Ranges {
					for _, e := range rg.Events {
						if f.Fixed == "" && e.Fixed != "" {
							f.Fixed = e.Fixed
						}
					}
				}
			}
		}
		info.Findings++
		if err := emit(f); err != nil {
			return err
		}
	}
	return nil
}
