package ingest

import (
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatDefender is Microsoft Defender Vulnerability Management's export of
// software vulnerabilities per device.
const FormatDefender = "defender"

// defenderRecord is one row of Defender's software vulnerabilities per
// device: the properties of the export API (GET
// /api/machines/SoftwareVulnerabilitiesByMachine, "Export software
// vulnerabilities assessment per device") and the columns of the advanced
// hunting table DeviceTvmSoftwareVulnerabilities, which share their names
// (the API writes them camelCase, the table PascalCase; JSON's field names
// match either way). Status is the delta export's (New, Fixed, Updated).
type defenderRecord struct {
	DeviceID                  string   `json:"deviceId"`
	DeviceName                string   `json:"deviceName"`
	SoftwareVendor            string   `json:"softwareVendor"`
	SoftwareName              string   `json:"softwareName"`
	SoftwareVersion           string   `json:"softwareVersion"`
	CveID                     *string  `json:"cveId"`
	VulnerabilitySeverity     *string  `json:"vulnerabilitySeverityLevel"`
	CvssScore                 *float64 `json:"cvssScore"`
	RecommendedSecurityUpdate *string  `json:"recommendedSecurityUpdate"`
	Status                    string   `json:"status"`
}

var defenderColumns = []column{
	{field: "device", names: []string{"DeviceName"}, required: true},
	{field: "cve", names: []string{"CveId"}, required: true},
	{field: "severity", names: []string{"VulnerabilitySeverityLevel"}, required: true},
	{field: "deviceid", names: []string{"DeviceId"}},
	{field: "vendor", names: []string{"SoftwareVendor"}},
	{field: "software", names: []string{"SoftwareName"}},
	{field: "version", names: []string{"SoftwareVersion"}},
	{field: "cvss", names: []string{"CvssScore"}},
	{field: "update", names: []string{"RecommendedSecurityUpdate"}},
	{field: "status", names: []string{"Status"}},
}

// defenderCSVHeader reports whether a file's first line is the header of
// an export of DeviceTvmSoftwareVulnerabilities or of the export API.
func defenderCSVHeader(h []byte) bool {
	return csvHeaderAmong(h, 1, func(has map[string]bool) bool {
		return has["devicename"] && has["cveid"] && has["vulnerabilityseveritylevel"]
	})
}

// ReadDefender streams Microsoft Defender Vulnerability Management's
// software vulnerabilities per device — the export API's JSON response
// ({"value": [...]}, or its records as one array) or a CSV of the advanced
// hunting table DeviceTvmSoftwareVulnerabilities (or of the API's
// records) — a finding per row with a CVE, on the device's name (its FQDN,
// known also by its first label and its device id), the software and its
// version as the package. A row without a CVE is installed software with
// none; every device the file names was assessed, so one without a CVE
// left is clean. Rows the delta export marks Fixed are skipped.
func ReadDefender(file string, r io.Reader, emit func(Finding) error) (*ScanInfo, error) {
	br, isJSON := peekJSON(r)
	if isJSON {
		return readDefenderJSON(file, br, emit)
	}
	return readDefenderCSV(file, br, emit)
}

// defenderDevices keeps which devices a file named.
type defenderDevices struct {
	info *ScanInfo
	seen map[string]bool
}

// names are the names of a device, its FQDN first.
func (d *defenderDevices) names(name, id string) []string {
	name, id = strings.TrimSpace(name), strings.TrimSpace(id)
	var out []string
	if name != "" {
		out = append(out, name)
		if short, _, ok := strings.Cut(name, "."); ok && short != "" {
			if _, err := netip.ParseAddr(name); err != nil {
				out = append(out, short)
			}
		}
	}
	if id != "" {
		out = append(out, id)
	}
	if len(out) > 0 && !d.seen[strings.ToLower(out[0])] {
		d.seen[strings.ToLower(out[0])] = true
		d.info.Scanned = append(d.info.Scanned, Scanned{Host: out[0], Aliases: out[1:]})
	}
	return out
}

func defenderFinding(names []string, cve, sev string, cvss float64, vendor, software, version, update string) Finding {
	pkg := strings.TrimSpace(software)
	if v := strings.TrimSpace(vendor); v != "" && pkg != "" {
		pkg = v + " " + pkg
	}
	return Finding{Scanner: "defender", Host: names[0], HostAliases: names[1:], VulnID: cve, CVE: cve, Package: pkg,
		Installed: strings.TrimSpace(version), Fixed: strings.TrimSpace(update), Severity: sev, CVSS: cvss,
		Title: strings.TrimSpace(strings.Join([]string{pkg, strings.TrimSpace(version)}, " "))}
}

func readDefenderJSON(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	info := &ScanInfo{Scanner: "defender", File: file}
	devices := &defenderDevices{info: info, seen: map[string]bool{}}
	key, err := jsonRecords(file, "a Defender software vulnerabilities export", dec, []string{"value"}, true, nil, func(path string) error {
		var rec defenderRecord
		if err := dec.Decode(&rec); err != nil {
			return err
		}
		names := devices.names(rec.DeviceName, rec.DeviceID)
		if len(names) == 0 {
			return errs.New(errs.Invalid, fmt.Sprintf("%s: %s names no device (deviceName, deviceId)", file, path))
		}
		cve := ""
		if rec.CveID != nil {
			cve = strings.TrimSpace(*rec.CveID)
		}
		if cve == "" || strings.EqualFold(rec.Status, "fixed") {
			info.Skipped++
			return nil
		}
		if !ValidCVE(cve) {
			return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.cveId %q is not a CVE id", file, path, cve))
		}
		sev, score, update := "unknown", 0.0, ""
		if rec.VulnerabilitySeverity != nil {
			sev = normSeverity(*rec.VulnerabilitySeverity)
		}
		if rec.CvssScore != nil && *rec.CvssScore > 0 && *rec.CvssScore <= 10 {
			score = *rec.CvssScore
		}
		if sev == "unknown" && score > 0 {
			sev = cvssSeverity(score)
		}
		if rec.RecommendedSecurityUpdate != nil {
			update = *rec.RecommendedSecurityUpdate
		}
		info.Findings++
		return emit(defenderFinding(names, cve, sev, score, rec.SoftwareVendor, rec.SoftwareName, rec.SoftwareVersion, update))
	})
	if err != nil {
		return nil, err
	}
	if key == "" { // an object without "value" (an empty array is an export that found nothing)
		return nil, errs.New(errs.Invalid, file+` is not a Defender software vulnerabilities export (no "value" array of records)`)
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}

func readDefenderCSV(file string, r io.Reader, emit func(Finding) error) (*ScanInfo, error) {
	t, err := openCSV(file, r, defenderColumns, "Defender software vulnerabilities export (DeviceTvmSoftwareVulnerabilities)", MaxScanBytes, 0)
	if err != nil {
		return nil, err
	}
	info := &ScanInfo{Scanner: "defender", File: file}
	devices := &defenderDevices{info: info, seen: map[string]bool{}}
	if err := t.scan(func(rec []string) error {
		names := devices.names(t.get(rec, "device"), t.get(rec, "deviceid"))
		cve := strings.TrimSpace(t.get(rec, "cve"))
		if cve == "" || strings.EqualFold(strings.TrimSpace(t.get(rec, "status")), "fixed") {
			info.Skipped++
			return nil
		}
		if len(names) == 0 {
			t.fail("device", "the row names no device")
		}
		if !ValidCVE(cve) {
			t.fail("cve", fmt.Sprintf("%q is not a CVE id", cve))
		}
		score := 0.0
		if v := strings.TrimSpace(t.get(rec, "cvss")); v != "" {
			var err error
			if score, err = strconv.ParseFloat(v, 64); err != nil || score < 0 || score > 10 {
				t.fail("cvss", fmt.Sprintf("%q is not a CVSS score", v))
			}
		}
		sev := normSeverity(t.get(rec, "severity"))
		if sev == "unknown" && strings.TrimSpace(t.get(rec, "severity")) != "" {
			t.fail("severity", fmt.Sprintf("%q is not a severity (Low, Medium, High, Critical)", t.get(rec, "severity")))
		}
		if sev == "unknown" && score > 0 {
			sev = cvssSeverity(score)
		}
		if len(t.problems) > 0 {
			return nil // read on to name every problem; nothing more is emitted
		}
		info.Findings++
		if err := emit(defenderFinding(names, cve, sev, score, t.get(rec, "vendor"), t.get(rec, "software"), t.get(rec, "version"), t.get(rec, "update"))); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return nil, err
	}
	info.SHA256, info.Size = t.in.sum(), t.in.n
	return info, nil
}
