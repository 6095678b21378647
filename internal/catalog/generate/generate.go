// Package generate builds the catalog's data files from the publishers'
// machine-readable exports (see internal/catalog/gen).
package generate

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/safeguard-health/safeguard/internal/catalog"
)

// The export files, as SOURCES.md beside them names them.
const (
	ECFRFile = "ecfr-title-45-part-164-subpart-c-2026-03-13.xml"
	CPRTFile = "nist-sp800-66r2-cprt-export.json"
	CSFFile  = "nist-csf-2.0-elements.json"
)

// Files reads the exports in dir and returns the generated data files by
// name.
func Files(dir string) (map[string][]byte, error) {
	read := func(name string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, name)) }
	ecfr, err := read(ECFRFile)
	if err != nil {
		return nil, err
	}
	cprtData, err := read(CPRTFile)
	if err != nil {
		return nil, err
	}
	csfData, err := read(CSFFile)
	if err != nil {
		return nil, err
	}
	c, err := parseCPRT(cprtData)
	if err != nil {
		return nil, err
	}
	sr, err := buildSecurityRule(ecfr, c, ECFRFile)
	if err != nil {
		return nil, fmt.Errorf("security rule: %w", err)
	}
	csf, err := buildCSF(csfData, CSFFile)
	if err != nil {
		return nil, err
	}
	out := map[string][]byte{}
	for _, fw := range []*catalog.Framework{sr, csf} {
		b, err := encode(fw)
		if err != nil {
			return nil, err
		}
		out[fw.ID+".json"] = b
	}
	return out, nil
}

func encode(fw *catalog.Framework) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(fw); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
