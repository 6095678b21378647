package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// MaxScanBytes bounds one scanner file.
const MaxScanBytes = 8 << 30

// A Finding is one vulnerability a scanner reports on one target, in the
// form every scanner format is normalised to.
type Finding struct {
	Scanner string `json:"scanner"`
	Host    string `json:"host,omitempty"` // hostname, FQDN or IP address
	// HostAliases are other names the scanner gives the host (its IP
	// address, FQDN, NetBIOS name), tried when matching it to an asset.
	HostAliases []string `json:"-"`
	Target      string   `json:"target,omitempty"`   // an image, a file system path, a repository
	Artifact    string   `json:"artifact,omitempty"` // what the whole scan was of (an image name), when the format says
	VulnID      string   `json:"vuln_id"`
	CVE         string   `json:"cve,omitempty"`
	Package     string   `json:"package,omitempty"`
	Installed   string   `json:"installed,omitempty"`
	Fixed       string   `json:"fixed,omitempty"`
	Severity    string   `json:"severity"` // critical, high, medium, low, info, unknown
	CVSS        float64  `json:"cvss,omitempty"`
	Title       string   `json:"title,omitempty"`
}

// ScanInfo is what a scanner file says of itself.
type ScanInfo struct {
	Scanner  string
	Artifact string
	Findings int
	// Skipped counts what the file reports that is not an open finding:
	// informational results, suppressed or resolved ones.
	Skipped int
	File    string
	SHA256  string
	Size    int64
	// Scanned lists every place the file reports on, with or without
	// findings: a host or target scanned clean has its earlier findings
	// closed. Readers that cannot tell leave it empty.
	Scanned []Scanned
}

// Scanned is a place a scan covered: a host (with the other names the
// scanner knows it by) or a target in an artifact.
type Scanned struct {
	Host, Target, Artifact string
	Aliases                []string
}

// normSeverity maps a scanner's severity word to Safeguard's.
func normSeverity(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return "critical"
	case "high":
		return "high"
	case "medium", "moderate":
		return "medium"
	case "low", "negligible":
		return "low"
	case "info", "informational", "none":
		return "info"
	}
	return "unknown"
}

// trivyVuln is a vulnerability as Trivy writes it.
type trivyVuln struct {
	VulnerabilityID  string `json:"VulnerabilityID"`
	PkgName          string `json:"PkgName"`
	InstalledVersion string `json:"InstalledVersion"`
	FixedVersion     string `json:"FixedVersion"`
	Severity         string `json:"Severity"`
	Title            string `json:"Title"`
	CVSS             map[string]struct {
		V3Score float64 `json:"V3Score"`
		V2Score float64 `json:"V2Score"`
	} `json:"CVSS"`
}

// ReadTrivy streams a Trivy JSON report — schema 2 (an object with
// ArtifactName and Results) or the older top-level array of results — and
// calls emit for each vulnerability, one at a time: no report is held in
// memory whole. An error from emit stops the read and is returned.
func ReadTrivy(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	info := &ScanInfo{Scanner: "trivy", File: file}
	tok, err := dec.Token()
	if err != nil {
		return nil, jsonError(file, err, "")
	}
	results := func(path string) error {
		if err := expectDelim(dec, '['); err != nil {
			return jsonError(file, err, ", at "+path)
		}
		for i := 0; dec.More(); i++ {
			if err := trivyResult(dec, file, fmt.Sprintf("%s[%d]", path, i), nil, info, emit); err != nil {
				return err
			}
		}
		_, err := dec.Token()
		return jsonOr(file, err, ", at "+path)
	}
	switch tok {
	case json.Delim('['): // the legacy report: an array of results
		for i := 0; dec.More(); i++ {
			if err := trivyResult(dec, file, fmt.Sprintf("[%d]", i), nil, info, emit); err != nil {
				return nil, err
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, jsonError(file, err, "")
		}
	case json.Delim('{'):
		sawResults := false
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return nil, jsonError(file, err, "")
			}
			switch key, _ := t.(string); key {
			case "ArtifactName":
				err = dec.Decode(&info.Artifact)
			case "SchemaVersion":
				var v int
				if err = dec.Decode(&v); err == nil && v != 2 && v != 0 {
					return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: Trivy SchemaVersion %d is not supported (2 is)", file, v))
				}
			case "Results":
				sawResults = true
				err = results("Results")
			case "ClusterName": // trivy k8s: the cluster, and its resources
				err = dec.Decode(&info.Artifact)
			case "Resources", "Findings", "Vulnerabilities":
				sawResults = true
				err = trivyResources(dec, file, key, info, emit)
			default:
				var skip json.RawMessage
				err = dec.Decode(&skip)
			}
			if err != nil {
				return nil, jsonOr(file, err, "")
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, jsonError(file, err, "")
		}
		if !sawResults && info.Artifact == "" {
			return nil, errs.New(errs.Invalid, file+" is not a Trivy JSON report (no ArtifactName, Results, or a cluster's Resources)")
		}
	default:
		return nil, errs.New(errs.Invalid, file+" is not a Trivy JSON report")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errs.New(errs.Invalid, file+": there is more after the report's end")
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}

// jsonOr passes an errs error through and names a JSON one.
func jsonOr(file string, err error, at string) error {
	var e *errs.Error
	if err == nil || errors.As(err, &e) {
		return err
	}
	return jsonError(file, err, at)
}

// k8sResource is the Kubernetes resource a `trivy k8s` result is of.
type k8sResource struct {
	Namespace, Kind, Name string
}

// host is the resource as an asset knows it: namespace/Kind/name, or
// Kind/name for one of the whole cluster.
func (k *k8sResource) host() string {
	if k.Namespace == "" {
		return k.Kind + "/" + k.Name
	}
	return k.Namespace + "/" + k.Kind + "/" + k.Name
}

// trivyResources reads the list of resources of a `trivy k8s` report
// (Resources in the full report, Findings in the consolidated one,
// Vulnerabilities in older summaries): each resource's results, streamed,
// with the resource as the findings' host.
func trivyResources(dec *json.Decoder, file, key string, info *ScanInfo, emit func(Finding) error) error {
	if err := expectDelim(dec, '['); err != nil {
		return jsonError(file, err, ", at "+key)
	}
	for i := 0; dec.More(); i++ {
		path := fmt.Sprintf("%s[%d]", key, i)
		if err := expectDelim(dec, '{'); err != nil {
			return jsonError(file, err, ", at "+path)
		}
		var res k8sResource
		for dec.More() {
			t, err := dec.Token()
			if err != nil {
				return jsonError(file, err, ", at "+path)
			}
			switch k, _ := t.(string); k {
			case "Namespace":
				err = dec.Decode(&res.Namespace)
			case "Kind":
				err = dec.Decode(&res.Kind)
			case "Name":
				err = dec.Decode(&res.Name)
			case "Results":
				if res.Kind == "" || res.Name == "" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.Results come before the resource's Kind and Name", file, path))
				}
				if err = expectDelim(dec, '['); err != nil {
					return jsonError(file, err, ", at "+path+".Results")
				}
				for j := 0; dec.More(); j++ {
					if err := trivyResult(dec, file, fmt.Sprintf("%s.Results[%d]", path, j), &res, info, emit); err != nil {
						return err
					}
				}
				_, err = dec.Token()
			default:
				var skip json.RawMessage
				err = dec.Decode(&skip)
			}
			if err != nil {
				return jsonOr(file, err, ", at "+path)
			}
		}
		if _, err := dec.Token(); err != nil {
			return jsonError(file, err, ", at "+path)
		}
	}
	_, err := dec.Token()
	return jsonOr(file, err, ", at "+key)
}

// trivyResult reads one result object, streaming its vulnerabilities; a
// `trivy k8s` result is of resource k8s (nil otherwise).
func trivyResult(dec *json.Decoder, file, path string, k8s *k8sResource, info *ScanInfo, emit func(Finding) error) error {
	if err := expectDelim(dec, '{'); err != nil {
		return jsonError(file, err, ", at "+path)
	}
	target := ""
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return jsonError(file, err, ", at "+path)
		}
		switch key, _ := t.(string); key {
		case "Target":
			err = dec.Decode(&target)
		case "Vulnerabilities":
			var first json.Token
			if first, err = dec.Token(); err != nil {
				return jsonError(file, err, ", at "+path+".Vulnerabilities")
			}
			if first == nil { // "Vulnerabilities": null
				continue
			}
			if first != json.Delim('[') {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.Vulnerabilities is not a list", file, path))
			}
			for i := 0; dec.More(); i++ {
				var v trivyVuln
				at := fmt.Sprintf("%s.Vulnerabilities[%d]", path, i)
				if err := dec.Decode(&v); err != nil {
					return jsonError(file, err, ", at "+at)
				}
				if v.VulnerabilityID == "" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.VulnerabilityID is empty", file, at))
				}
				f := Finding{Scanner: "trivy", Target: target, VulnID: v.VulnerabilityID, Package: v.PkgName, Installed: v.InstalledVersion,
					Fixed: v.FixedVersion, Severity: normSeverity(v.Severity), Title: v.Title}
				if ValidCVE(v.VulnerabilityID) {
					f.CVE = v.VulnerabilityID
				}
				for _, src := range []string{"nvd", "redhat", "ghsa"} {
					if c, ok := v.CVSS[src]; ok && f.CVSS == 0 {
						f.CVSS = max(c.V3Score, c.V2Score)
					}
				}
				f.Artifact = info.Artifact
				if f.Target == "" {
					f.Target = info.Artifact
				}
				if k8s != nil {
					f.Host, f.HostAliases = k8s.host(), []string{k8s.Name}
				}
				info.Findings++
				if err := emit(f); err != nil {
					return err
				}
			}
			_, err = dec.Token() // ]
		default:
			var skip json.RawMessage
			err = dec.Decode(&skip)
		}
		if err != nil {
			return jsonOr(file, err, ", at "+path)
		}
	}
	if target == "" {
		target = info.Artifact
	}
	sc := Scanned{Target: target, Artifact: info.Artifact}
	if k8s != nil {
		sc.Host, sc.Aliases = k8s.host(), []string{k8s.Name}
	}
	info.Scanned = append(info.Scanned, sc)
	_, err := dec.Token() // }
	return jsonOr(file, err, ", at "+path)
}
