package ingest

import (
	"cmp"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatInspector is Amazon Inspector's findings (the Inspector2 API's
// Finding objects).
const FormatInspector = "inspector2"

// inspectorFinding is an Amazon Inspector (Inspector2) Finding, as
// ListFindings returns it and a findings report exported in JSON writes
// it: the fields Safeguard reads.
type inspectorFinding struct {
	FindingArn     string  `json:"findingArn"`
	Type           string  `json:"type"`   // PACKAGE_VULNERABILITY, NETWORK_REACHABILITY, CODE_VULNERABILITY
	Status         string  `json:"status"` // ACTIVE, SUPPRESSED, CLOSED
	Severity       string  `json:"severity"`
	Title          string  `json:"title"`
	InspectorScore float64 `json:"inspectorScore"`
	Resources      []struct {
		ID      string            `json:"id"`
		Type    string            `json:"type"` // AWS_EC2_INSTANCE, AWS_ECR_CONTAINER_IMAGE, AWS_ECR_REPOSITORY, AWS_LAMBDA_FUNCTION, CODE_REPOSITORY
		Tags    map[string]string `json:"tags"`
		Details struct {
			EC2 *struct {
				IPv4 []string `json:"ipV4Addresses"`
				IPv6 []string `json:"ipV6Addresses"`
			} `json:"awsEc2Instance"`
			ECRImage *struct {
				RepositoryName string   `json:"repositoryName"`
				ImageTags      []string `json:"imageTags"`
				ImageHash      string   `json:"imageHash"`
			} `json:"awsEcrContainerImage"`
			Lambda *struct {
				FunctionName string `json:"functionName"`
			} `json:"awsLambdaFunction"`
		} `json:"details"`
	} `json:"resources"`
	Package *struct {
		VulnerabilityID string   `json:"vulnerabilityId"`
		Related         []string `json:"relatedVulnerabilities"`
		Packages        []struct {
			Name           string `json:"name"`
			Version        string `json:"version"`
			FixedInVersion string `json:"fixedInVersion"`
			FilePath       string `json:"filePath"`
		} `json:"vulnerablePackages"`
		CVSS []struct {
			BaseScore float64 `json:"baseScore"`
			Version   string  `json:"version"`
		} `json:"cvss"`
	} `json:"packageVulnerabilityDetails"`
	Network *struct {
		Protocol string `json:"protocol"`
		Ports    struct {
			Begin int `json:"begin"`
			End   int `json:"end"`
		} `json:"openPortRange"`
	} `json:"networkReachabilityDetails"`
	Code *struct {
		DetectorID string `json:"detectorId"`
		FilePath   struct {
			FilePath  string `json:"filePath"`
			StartLine int    `json:"startLine"`
		} `json:"filePath"`
	} `json:"codeVulnerabilityDetails"`
}

// inspectorPlace is where a finding of Inspector is: an EC2 instance as a
// host (its instance id, known also by its addresses and Name tag), an
// image, a repository or a Lambda function as a target.
type inspectorPlace struct {
	host, target string
	aliases      []string
}

func inspectorPlaceOf(f *inspectorFinding, i int) inspectorPlace {
	r := f.Resources[i]
	switch {
	case r.Details.EC2 != nil || r.Type == "AWS_EC2_INSTANCE":
		p := inspectorPlace{host: strings.TrimSpace(r.ID)}
		if r.Details.EC2 != nil {
			p.aliases = append(append(p.aliases, r.Details.EC2.IPv4...), r.Details.EC2.IPv6...)
		}
		if n := strings.TrimSpace(r.Tags["Name"]); n != "" {
			p.aliases = append(p.aliases, n)
		}
		return p
	case r.Details.ECRImage != nil:
		img := r.Details.ECRImage
		switch {
		case len(img.ImageTags) > 0:
			return inspectorPlace{target: img.RepositoryName + ":" + img.ImageTags[0]}
		case img.ImageHash != "":
			return inspectorPlace{target: img.RepositoryName + "@" + img.ImageHash}
		}
		return inspectorPlace{target: strings.TrimSpace(r.ID)}
	case r.Details.Lambda != nil && r.Details.Lambda.FunctionName != "":
		return inspectorPlace{target: r.Details.Lambda.FunctionName}
	}
	return inspectorPlace{target: strings.TrimSpace(r.ID)}
}

// ReadInspector streams Amazon Inspector's findings — the JSON of
// `aws inspector2 list-findings` ({"findings": [...]}, pages joined or
// not) or of a findings report exported in JSON — and calls emit for each
// active finding of each resource: a package vulnerability once per
// vulnerable package (named by its CVE or advisory id), a network
// reachability finding by its protocol and open ports, a code
// vulnerability by its detector on its file and line. Suppressed and
// closed findings, and informational ones, are skipped; every resource
// the file names was scanned.
func ReadInspector(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	info := &ScanInfo{Scanner: "inspector", File: file}
	seen := map[string]bool{}
	key, err := jsonRecords(file, "an Amazon Inspector findings export", dec, []string{"findings"}, false, nil, func(path string) error {
		var f inspectorFinding
		if err := dec.Decode(&f); err != nil {
			return err
		}
		if len(f.Resources) == 0 {
			return errs.New(errs.Invalid, fmt.Sprintf("%s: %s has no resources", file, path))
		}
		var places []inspectorPlace
		for i := range f.Resources {
			p := inspectorPlaceOf(&f, i)
			if p.host == "" && p.target == "" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.resources[%d] has no id", file, path, i))
			}
			places = append(places, p)
			if k := p.host + "|" + p.target; !seen[k] {
				seen[k] = true
				info.Scanned = append(info.Scanned, Scanned{Host: p.host, Target: p.target, Aliases: p.aliases})
			}
		}
		sev := normSeverity(f.Severity)
		if !strings.EqualFold(f.Status, "ACTIVE") || sev == "info" {
			info.Skipped++
			return nil
		}
		var base []Finding
		switch {
		case f.Package != nil:
			id := strings.TrimSpace(f.Package.VulnerabilityID)
			if id == "" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.packageVulnerabilityDetails.vulnerabilityId is empty", file, path))
			}
			cve := ""
			for _, c := range append([]string{id}, f.Package.Related...) {
				if c = strings.TrimSpace(c); cve == "" && ValidCVE(c) {
					cve = c
				}
			}
			score := f.InspectorScore
			for _, c := range f.Package.CVSS {
				if score == 0 {
					score = c.BaseScore
				}
			}
			for _, p := range f.Package.Packages {
				fixed := p.FixedInVersion
				if fixed == "NotAvailable" {
					fixed = ""
				}
				base = append(base, Finding{VulnID: id, CVE: cve, Package: p.Name, Installed: p.Version, Fixed: fixed, CVSS: score})
			}
			if len(base) == 0 {
				base = append(base, Finding{VulnID: id, CVE: cve, CVSS: score})
			}
		case f.Network != nil:
			ports := strconv.Itoa(f.Network.Ports.Begin)
			if f.Network.Ports.End != f.Network.Ports.Begin {
				ports += "-" + strconv.Itoa(f.Network.Ports.End)
			}
			pkg := strings.ToLower(f.Network.Protocol) + "/" + ports
			base = append(base, Finding{VulnID: "inspector:network-reachability:" + pkg, Package: pkg, CVSS: f.InspectorScore})
		case f.Code != nil:
			base = append(base, Finding{VulnID: "inspector:" + strings.TrimSpace(f.Code.DetectorID), CVSS: f.InspectorScore,
				Package: fmt.Sprintf("%s:%d", f.Code.FilePath.FilePath, f.Code.FilePath.StartLine)})
		default:
			return errs.New(errs.Invalid, fmt.Sprintf("%s: %s is a %s finding without its details", file, path, cmp.Or(f.Type, "typeless")))
		}
		for _, p := range places {
			for _, b := range base {
				b.Scanner, b.Host, b.HostAliases, b.Target, b.Severity, b.Title = "inspector", p.host, p.aliases, p.target, sev, strings.TrimSpace(f.Title)
				if b.Severity == "unknown" && b.CVSS > 0 {
					b.Severity = cvssSeverity(b.CVSS)
				}
				info.Findings++
				if err := emit(b); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if key == "" {
		return nil, errs.New(errs.Invalid, file+` is not an Amazon Inspector findings export (no "findings" array)`)
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}
