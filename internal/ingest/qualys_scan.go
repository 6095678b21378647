package ingest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatQualysScan is the classic Qualys scan report XML: the `<SCAN>`
// root of scan-1.dtd, as the web UI's "download results" and the scan
// API's fetch write it (not VMDR's ASSET_DATA_REPORT, FormatQualys).
const FormatQualysScan = "qualys-scan"

// qualysScanVuln is a VULN (confirmed vulnerability) or PRACTICE
// (potential vulnerability) of a scan report.
type qualysScanVuln struct {
	Number   string   `xml:"number,attr"`
	Severity string   `xml:"severity,attr"`
	CVEAttr  string   `xml:"cveid,attr"`
	Title    string   `xml:"TITLE"`
	CVSS     string   `xml:"CVSS_BASE"`
	CVSS3    string   `xml:"CVSS3_BASE"`
	CVEs     []string `xml:"CVE_ID_LIST>CVE_ID>ID"`
}

// ReadQualysScan streams a Qualys scan report (`<SCAN>`): for each host
// (`<IP value="address" name="DNS name">`, its NetBIOS name an alias), a
// finding per CVE of each confirmed (`VULNS`) and potential (`PRACTICES`)
// vulnerability, or one named by its QID when it cites none, with the
// port of its category. Information gathered (`INFOS`) and services
// (`SERVICES`) are passed over; a host Qualys found down is not counted as
// scanned. A report that holds Qualys's error is refused with it.
func ReadQualysScan(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := newXMLDecoder(in)
	info := &ScanInfo{Scanner: "qualys", File: file}
	sawRoot := false
	var host *Scanned
	var section, port string
	down := false
	if err := eachToken(file, dec, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			if !sawRoot {
				if t.Name.Local != "SCAN" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s is not a Qualys scan report (its root is <%s>, not <SCAN>)", file, t.Name.Local))
				}
				sawRoot = true
				return nil
			}
			switch t.Name.Local {
			case "ERROR":
				if host == nil {
					var msg struct {
						Number string `xml:"number,attr"`
						Text   string `xml:",chardata"`
					}
					if err := dec.DecodeElement(&msg, &t); err != nil {
						return xmlError(file, dec, err)
					}
					return errs.New(errs.Invalid, fmt.Sprintf("%s holds Qualys's error %s instead of results: %s", file, msg.Number, strings.Join(strings.Fields(msg.Text), " ")))
				}
			case "IP":
				host = &Scanned{}
				var addr, name string
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "value":
						addr = strings.TrimSpace(a.Value)
					case "name":
						name = strings.TrimSpace(a.Value)
					case "status":
						// A host that was down was not scanned: its earlier
						// findings stand.
						down = strings.EqualFold(strings.TrimSpace(a.Value), "down")
					}
				}
				if addr == "" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: a host (<IP>) without its address", file, lineOf(dec)))
				}
				host.Host = addr
				if name != "" && name != "No registered hostname" {
					host.Host, host.Aliases = name, []string{addr}
				}
			case "NETBIOS_HOSTNAME":
				var nb string
				if err := dec.DecodeElement(&nb, &t); err != nil {
					return xmlError(file, dec, err)
				}
				if nb = strings.TrimSpace(nb); host != nil && nb != "" {
					host.Aliases = append(host.Aliases, nb)
				}
			case "VULNS", "PRACTICES", "INFOS", "SERVICES":
				section = t.Name.Local
			case "CAT":
				port = ""
				for _, a := range t.Attr {
					if a.Name.Local == "port" {
						port = strings.TrimSpace(a.Value)
					}
				}
			case "INFO", "SERVICE":
				info.Skipped++
				if err := dec.Skip(); err != nil {
					return xmlError(file, dec, err)
				}
			case "VULN", "PRACTICE":
				if host == nil || section != "VULNS" && section != "PRACTICES" {
					if err := dec.Skip(); err != nil {
						return xmlError(file, dec, err)
					}
					return nil
				}
				var v qualysScanVuln
				if err := dec.DecodeElement(&v, &t); err != nil {
					return xmlError(file, dec, err)
				}
				if strings.TrimSpace(v.Number) == "" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: a %s without its QID (number)", file, lineOf(dec), t.Name.Local))
				}
				sev := qualysSeverity[strings.TrimSpace(v.Severity)]
				if sev == "" {
					sev = "unknown"
				}
				cves := v.CVEs
				if len(cves) == 0 && v.CVEAttr != "" {
					cves = strings.Split(v.CVEAttr, ",")
				}
				score := qualysScore(v.CVSS3)
				if score == 0 {
					score = qualysScore(v.CVSS)
				}
				base := Finding{Scanner: "qualys", Host: host.Host, HostAliases: host.Aliases, VulnID: "qualys:" + strings.TrimSpace(v.Number),
					Severity: sev, CVSS: score, Title: strings.TrimSpace(v.Title), Package: port}
				if err := emitPerCVE(base, cves, info, emit); err != nil {
					return err
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "IP":
				if host != nil && !down {
					info.Scanned = append(info.Scanned, *host)
				}
				host, section, down = nil, "", false
			case "VULNS", "PRACTICES", "INFOS", "SERVICES":
				section = ""
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if !sawRoot {
		return nil, errs.New(errs.Invalid, file+" is empty: not a Qualys scan report")
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}
