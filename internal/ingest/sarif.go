package ingest

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// sarifRule is what a result takes from its rule: a title, the level the
// rule gives by default, and a security severity (GitHub's convention,
// a CVSS-like score in the rule's properties).
type sarifRule struct {
	title    string
	level    string
	security float64
}

// cvssSeverity is the qualitative rating of a CVSS score, the bands of
// CVSS v3.1's specification (section 5): 0.1–3.9 low, 4.0–6.9 medium,
// 7.0–8.9 high, 9.0–10.0 critical.
func cvssSeverity(score float64) string {
	switch {
	case score >= 9:
		return "critical"
	case score >= 7:
		return "high"
	case score >= 4:
		return "medium"
	case score > 0:
		return "low"
	}
	return "info"
}

// sarifLevel maps a SARIF level to Safeguard's severity when nothing
// better is said. The mapping is Safeguard's: error is high, warning
// medium, note low, none informational.
var sarifLevel = map[string]string{"error": "high", "warning": "medium", "note": "low", "none": "info"}

// propFloat reads a number from a property bag, written as a number or a
// string ("8.8").
func propFloat(p *sarif.PropertyBag, key string) float64 {
	if p == nil {
		return 0
	}
	switch v := p.Properties[key].(type) {
	case float64:
		return v
	case string:
		f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return f
	}
	return 0
}

func propString(p *sarif.PropertyBag, key string) string {
	if p == nil {
		return ""
	}
	s, _ := p.Properties[key].(string)
	return s
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// ReadSARIF streams a SARIF 2.1.0 log (code scanners, secret scanners,
// dependency checkers): each result of each run becomes a finding, read
// one at a time into go-sarif's types. The finding's id is the tool's name
// and the rule ("codeql:py/sql-injection"), its CVE the rule when the rule
// is one (dependency checkers), its target the first location's file and
// line, its scanned artifact the run's repository. Its severity is the
// security-severity score the result or its rule carries (banded as CVSS),
// else the severity a dependency checker writes, else the SARIF level
// mapped onto Safeguard's scale. Results that pass, do not apply or only
// inform, results a suppression accepts, and results the baseline says are
// gone are skipped. A rule is known to its results when the run's tool
// precedes its results, as every SARIF writer orders them.
func ReadSARIF(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	info := &ScanInfo{Scanner: "sarif", File: file}
	sawRuns, version := false, ""
	err = topLevel(dec, file, "a SARIF log", func(key string) error {
		switch key {
		case "version":
			if err := dec.Decode(&version); err != nil {
				return err
			}
			if version != "2.1.0" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: SARIF version %q is not supported (2.1.0 is)", file, version))
			}
			return nil
		case "runs":
			sawRuns = true
			return eachElement(dec, file, "runs", func(at string) error {
				return sarifRun(dec, file, at, info, emit)
			})
		}
		return skipValue(dec)
	})
	if err != nil {
		return nil, err
	}
	if !sawRuns || version == "" {
		return nil, errs.New(errs.Invalid, file+" is not a SARIF 2.1.0 log (it needs version and runs)")
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}

// sarifRun reads one run: its tool (and rules), its repository, and its
// results, streamed.
func sarifRun(dec *json.Decoder, file, path string, info *ScanInfo, emit func(Finding) error) error {
	if err := expectDelim(dec, '{'); err != nil {
		return jsonError(file, err, ", at "+path)
	}
	tool := "sarif"
	rules := map[string]sarifRule{}
	var byIndex []string
	repo := ""
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return jsonError(file, err, ", at "+path)
		}
		switch key, _ := t.(string); key {
		case "tool":
			var tl sarif.Tool
			if err = dec.Decode(&tl); err != nil {
				return jsonError(file, err, ", at "+path+".tool")
			}
			if tl.Driver == nil || deref(tl.Driver.Name) == "" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.tool.driver.name is missing", file, path))
			}
			tool = strings.ToLower(strings.Join(strings.Fields(deref(tl.Driver.Name)), "-"))
			for _, comp := range append([]*sarif.ToolComponent{tl.Driver}, tl.Extensions...) {
				for i, rd := range comp.Rules {
					if rd == nil || deref(rd.ID) == "" {
						continue
					}
					id := deref(rd.ID)
					if comp == tl.Driver && i == len(byIndex) {
						byIndex = append(byIndex, id)
					}
					ru := sarifRule{security: propFloat(rd.Properties, "security-severity")}
					if rd.ShortDescription != nil {
						ru.title = deref(rd.ShortDescription.Text)
					}
					if ru.title == "" {
						ru.title = deref(rd.Name)
					}
					if rd.DefaultConfiguration != nil {
						ru.level = rd.DefaultConfiguration.Level
					}
					rules[id] = ru
				}
			}
		case "versionControlProvenance":
			var vcs []*sarif.VersionControlDetails
			if err = dec.Decode(&vcs); err == nil && len(vcs) > 0 && vcs[0] != nil {
				repo = deref(vcs[0].RepositoryURI)
			}
		case "results":
			err = eachElement(dec, file, path+".results", func(at string) error {
				res := sarif.NewResult()
				res.Level = ""
				if err := dec.Decode(res); err != nil {
					return jsonError(file, err, ", at "+at)
				}
				f, ok := sarifFinding(res, tool, rules, byIndex)
				if !ok {
					info.Skipped++
					return nil
				}
				if f.VulnID == "" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s names no rule and has no message", file, at))
				}
				f.Artifact = repo
				if f.Target == "" {
					f.Target = repo
				}
				info.Findings++
				return emit(f)
			})
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return jsonOr(file, err, ", at "+path)
		}
	}
	_, err := dec.Token()
	return jsonOr(file, err, ", at "+path)
}

// sarifFinding makes a result a finding, or says it is not one.
func sarifFinding(res *sarif.Result, tool string, rules map[string]sarifRule, byIndex []string) (Finding, bool) {
	switch res.Kind {
	case "pass", "notApplicable", "informational":
		return Finding{}, false
	}
	if deref(res.BaselineState) == "absent" {
		return Finding{}, false
	}
	for _, s := range res.Suppressions {
		if s != nil && (s.Status == nil || *s.Status == "accepted") {
			return Finding{}, false
		}
	}
	id := deref(res.RuleID)
	if id == "" && res.Rule != nil {
		id = deref(res.Rule.ID)
	}
	if id == "" && res.RuleIndex >= 0 && res.RuleIndex < len(byIndex) {
		id = byIndex[res.RuleIndex]
	}
	rule := rules[id]
	msg := ""
	if res.Message != nil {
		msg = firstLine(deref(res.Message.Text))
	}
	f := Finding{Scanner: "sarif", Title: rule.title}
	if f.Title == "" {
		f.Title = msg
	}
	switch {
	case id != "":
		f.VulnID = tool + ":" + id
	case msg != "":
		f.VulnID = tool + ":" + msg
	}
	if ValidCVE(id) {
		f.CVE = id
	}
	f.CVSS = max(propFloat(res.Properties, "cvssv3_baseScore"), propFloat(res.Properties, "cvssv2_score"))
	level := res.Level
	if level == "" {
		level = rule.level
	}
	if level == "" {
		level = "warning" // SARIF 2.1.0's default when neither the result nor its rule says
	}
	switch sec := max(propFloat(res.Properties, "security-severity"), rule.security); {
	case sec > 0:
		f.Severity = cvssSeverity(sec)
		f.CVSS = max(f.CVSS, sec)
	case normSeverity(propString(res.Properties, "severity")) != "unknown":
		f.Severity = normSeverity(propString(res.Properties, "severity"))
	default:
		f.Severity = sarifLevel[level]
		if f.Severity == "" {
			f.Severity = "unknown"
		}
	}
	for _, loc := range res.Locations {
		if loc == nil || loc.PhysicalLocation == nil || loc.PhysicalLocation.ArtifactLocation == nil {
			continue
		}
		f.Target = deref(loc.PhysicalLocation.ArtifactLocation.URI)
		if rg := loc.PhysicalLocation.Region; rg != nil && rg.StartLine != nil && f.Target != "" {
			f.Target += ":" + strconv.Itoa(*rg.StartLine)
		}
		break
	}
	return f, true
}
