package ingest

import (
	"bytes"
	"strings"
)

// The formats Detect tells apart.
const (
	FormatKEV       = "kev"
	FormatEPSS      = "epss"
	FormatTrivy     = "trivy"
	FormatGrype     = "grype"
	FormatSARIF     = "sarif"
	FormatCycloneDX = "cyclonedx"
	FormatSPDX      = "spdx"
	FormatNessus    = "nessus"
	FormatOpenVAS   = "openvas"
	FormatQualys    = "qualys"
)

// Supported lists the formats Safeguard imports today.
var Supported = []string{FormatKEV, FormatEPSS, FormatTrivy, FormatGrype, FormatNessus, FormatEntraUsers, FormatEntraMFA, FormatAD, FormatOkta, FormatGoogle, FormatAccounts}

// Detect names a file's format from its first bytes (64 KiB is plenty),
// or "" when it is none Safeguard knows.
func Detect(head []byte) string {
	h := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(h) == 0 {
		return ""
	}
	has := func(s string) bool { return bytes.Contains(h, []byte(s)) }
	switch h[0] {
	case '{':
		switch {
		case has(`"catalogVersion"`) && has(`"vulnerabilities"`):
			return FormatKEV
		case has(`"SchemaVersion"`) && (has(`"ArtifactName"`) || has(`"Results"`)):
			return FormatTrivy
		case has(`"matches"`) && has(`"descriptor"`):
			return FormatGrype
		case has(`"runs"`) && (has(`sarif`) || has(`"version"`)):
			return FormatSARIF
		case has(`"bomFormat"`) && has(`CycloneDX`):
			return FormatCycloneDX
		case has(`"spdxVersion"`):
			return FormatSPDX
		}
	case '[':
		if has(`"Target"`) {
			return FormatTrivy
		}
	case '<':
		switch {
		case has("<NessusClientData_v2"):
			return FormatNessus
		case has("<ASSET_DATA_REPORT"):
			return FormatQualys
		case has("<report") && (has("<results") || has("<result ")):
			return FormatOpenVAS
		}
	default:
		first := string(h)
		if i := strings.IndexByte(first, '\n'); i >= 0 {
			first = first[:i]
		}
		if strings.HasPrefix(first, "#model_version") || strings.HasPrefix(strings.TrimSpace(first), "cve,epss,percentile") {
			return FormatEPSS
		}
		return detectAccounts(head)
	}
	return ""
}
