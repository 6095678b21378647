package ingest

import (
	"bytes"
	"encoding/csv"
	"io"
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

// A ScanReader streams a scanner's file, calling emit for each finding.
type ScanReader func(file string, r io.Reader, emit func(Finding) error) (*ScanInfo, error)

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
