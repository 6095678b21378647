package ingest

import (
	"fmt"
	"io"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatWazuh is Wazuh's vulnerability inventory (4.8 on).
const FormatWazuh = "wazuh"

// wazuhState is a document of Wazuh's vulnerability inventory (the
// wazuh-states-vulnerabilities index its vulnerability detection keeps
// from 4.8 on): one vulnerability of one package on one agent.
type wazuhState struct {
	Agent struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"agent"`
	Package struct {
		Name    string `json:"name"`
		Version string `json:"version"`
	} `json:"package"`
	Vulnerability struct {
		ID          string `json:"id"`
		Severity    string `json:"severity"`
		Description string `json:"description"`
		Score       struct {
			Base *float64 `json:"base"`
		} `json:"score"`
	} `json:"vulnerability"`
}

// ReadWazuh streams Wazuh's vulnerability inventory — the indexer's answer
// to a search of wazuh-states-vulnerabilities-* ({"hits": {"hits": [{"_source":
// …}]}}), or its documents as one array — a finding per document, on the
// agent's name, the package and its version, named by the vulnerability's
// id (a CVE) with its severity and CVSS base score. The inventory is the
// state, so every agent it names was scanned. Wazuh's alerts, which report
// changes rather than what is open, are refused by name.
func ReadWazuh(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	info := &ScanInfo{Scanner: "wazuh", File: file}
	seen := map[string]bool{}
	key, err := jsonRecords(file, "a Wazuh vulnerability inventory", dec, []string{"hits.hits"}, true, nil, func(path string) error {
		var doc struct {
			wazuhState
			Source *wazuhState `json:"_source"`
		}
		if err := dec.Decode(&doc); err != nil {
			return err
		}
		st := &doc.wazuhState
		if doc.Source != nil {
			st = doc.Source
		}
		agent := strings.TrimSpace(st.Agent.Name)
		if agent == "" {
			return errs.New(errs.Invalid, fmt.Sprintf("%s: %s names no agent (agent.name)", file, path))
		}
		if !seen[strings.ToLower(agent)] {
			seen[strings.ToLower(agent)] = true
			info.Scanned = append(info.Scanned, Scanned{Host: agent})
		}
		id := strings.TrimSpace(st.Vulnerability.ID)
		if id == "" {
			return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.vulnerability.id is empty", file, path))
		}
		f := Finding{Scanner: "wazuh", Host: agent, VulnID: id, Package: strings.TrimSpace(st.Package.Name), Installed: strings.TrimSpace(st.Package.Version),
			Severity: normSeverity(st.Vulnerability.Severity), Title: firstLine(st.Vulnerability.Description)}
		if ValidCVE(id) {
			f.CVE = id
		}
		if s := st.Vulnerability.Score.Base; s != nil && *s > 0 && *s <= 10 {
			f.CVSS = *s
		}
		if f.Severity == "unknown" && f.CVSS > 0 {
			f.Severity = cvssSeverity(f.CVSS)
		}
		info.Findings++
		return emit(f)
	})
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, errs.New(errs.Invalid, file+` is not a Wazuh vulnerability inventory (no "hits": {"hits": [...]} of documents, nor an array of them)`)
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}
