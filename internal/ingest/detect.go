package ingest

import (
	"bytes"
	"encoding/csv"
	"io"
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
	FormatQualysCSV = "qualys-csv"
)

// Supported lists the formats Safeguard imports.
var Supported = []string{FormatKEV, FormatEPSS, FormatNessus, FormatOpenVAS, FormatQualys, FormatQualysCSV, FormatTrivy, FormatGrype, FormatSARIF, FormatCycloneDX, FormatSPDX,
	FormatEntraUsers, FormatEntraMFA, FormatAD, FormatOkta, FormatGoogle, FormatAccounts}

// A ScanReader streams a scanner's file, calling emit for each finding.
type ScanReader func(file string, r io.Reader, emit func(Finding) error) (*ScanInfo, error)

var scanFormats = map[string]struct {
	read  ScanReader
	label string
}{
	FormatNessus:    {ReadNessus, "Nessus"},
	FormatOpenVAS:   {ReadOpenVAS, "Greenbone/OpenVAS"},
	FormatQualys:    {ReadQualys, "Qualys XML"},
	FormatQualysCSV: {ReadQualysCSV, "Qualys CSV"},
	FormatTrivy:     {ReadTrivy, "Trivy"},
	FormatGrype:     {ReadGrype, "Grype"},
	FormatSARIF:     {ReadSARIF, "SARIF"},
	FormatCycloneDX: {ReadCycloneDX, "CycloneDX"},
	FormatSPDX:      {ReadSPDX, "SPDX"},
}

// IsScanner reports whether a format is a scanner's.
func IsScanner(format string) bool { _, ok := scanFormats[format]; return ok }

// ScanReaderFor is the reader of a scanner format and its name for
// people; false when the format is not a scanner's.
func ScanReaderFor(format string) (ScanReader, string, bool) {
	f, ok := scanFormats[format]
	return f.read, f.label, ok
}

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
		if qualysCSVHeader(h) {
			return FormatQualysCSV
		}
		return detectAccounts(head)
	}
	return ""
}

// qualysCSVHeader reports whether one of a CSV file's first lines is a
// Qualys header: QID, Title and Severity among its cells.
func qualysCSVHeader(h []byte) bool {
	cr := csv.NewReader(bytes.NewReader(h))
	cr.FieldsPerRecord = -1
	for range 11 {
		rec, err := cr.Read()
		if err != nil {
			return false
		}
		has := map[string]bool{}
		for _, c := range rec {
			has[normHeader(c)] = true
		}
		if has["qid"] && has["title"] && has["severity"] {
			return true
		}
	}
	return false
}

// IsAccountExport reports whether format is an account export, whose
// accounts ReadAccounts reads (not Entra ID's registration details).
func IsAccountExport(format string) bool {
	_, ok := accountColumns[format]
	return ok && format != FormatEntraMFA
}
