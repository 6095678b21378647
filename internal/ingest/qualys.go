package ingest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// qualysSeverity maps Qualys's five severity levels (1 minimal, 2 medium,
// 3 serious, 4 critical, 5 urgent; https://www.qualys.com/research/knowledge/severity/)
// onto Safeguard's scale. The mapping is Safeguard's: urgent is critical,
// critical high, serious medium, and minimal and medium low.
var qualysSeverity = map[string]string{"1": "low", "2": "low", "3": "medium", "4": "high", "5": "critical"}

// qualysFinding reports whether a Qualys detection is an open finding:
// confirmed and potential vulnerabilities are, information gathered is
// not, nor a fixed, disabled or ignored detection.
func qualysFinding(kind, status string) bool {
	switch strings.ToLower(strings.TrimSpace(kind)) {
	case "ig", "info", "information", "information gathered":
		return false
	}
	return !strings.EqualFold(strings.TrimSpace(status), "fixed")
}

// qualysScore reads a Qualys CVSS cell: "9.3", "9.3 (AV:N/…)", "-" or "".
func qualysScore(s string) float64 {
	s, _, _ = strings.Cut(strings.TrimSpace(s), " ")
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v < 0 || v > 10 {
		return 0
	}
	return v
}

type qualysVulnInfo struct {
	QID      string `xml:"QID"`
	Type     string `xml:"TYPE"`
	Port     string `xml:"PORT"`
	Protocol string `xml:"PROTOCOL"`
	Status   string `xml:"VULN_STATUS"`
	CVSS     string `xml:"CVSS_FINAL"`
	CVSS3    string `xml:"CVSS3_FINAL"`
}

type qualysDetails struct {
	QID      string   `xml:"QID"`
	Title    string   `xml:"TITLE"`
	Severity string   `xml:"SEVERITY"`
	CVSS     string   `xml:"CVSS_SCORE>CVSS_BASE"`
	CVSS3    string   `xml:"CVSS3_SCORE>CVSS3_BASE"`
	CVEs     []string `xml:"CVE_ID_LIST>CVE_ID>ID"`
}

// qualysPending is a detection read from a host, waiting for its QID's
// details, which the report's glossary gives after every host.
type qualysPending struct {
	host        int32
	qid         string
	port        string
	cvss, cvss3 float32
}

type qualysHost struct {
	name    string
	aliases []string
}

// ReadQualys streams a Qualys scan report in the ASSET_DATA_REPORT XML
// format: a finding per CVE of each confirmed or potential vulnerability
// detected on a host (or one named by its QID when it cites none), on the
// host's DNS name (else its IP address), known also by its IP, NetBIOS
// name and FQDN. Information gathered, and detections Qualys marks fixed,
// are skipped. A QID's title, severity and CVEs are in the report's
// glossary, written after every host: the detections are held, a few
// dozen bytes each, until it is read.
func ReadQualys(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := newXMLDecoder(in)
	info := &ScanInfo{Scanner: "qualys", File: file}
	sawRoot := false
	var hosts []qualysHost
	var pending []qualysPending
	details := map[string]*qualysDetails{}
	inHost := false
	if err := eachToken(file, dec, func(tok xml.Token) error {
		if ee, ok := tok.(xml.EndElement); ok && ee.Name.Local == "HOST" {
			inHost = false
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			return nil
		}
		if !sawRoot {
			if se.Name.Local != "ASSET_DATA_REPORT" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s is not a Qualys ASSET_DATA_REPORT (its root is <%s>)", file, se.Name.Local))
			}
			sawRoot = true
			return nil
		}
		switch se.Name.Local {
		case "HOST":
			inHost = true
			hosts = append(hosts, qualysHost{})
		case "IP", "DNS", "NETBIOS", "FQDN":
			if !inHost {
				return nil
			}
			var v string
			if err := dec.DecodeElement(&v, &se); err != nil {
				return xmlError(file, dec, err)
			}
			h := &hosts[len(hosts)-1]
			if v = strings.TrimSpace(v); v == "" {
				return nil
			}
			if se.Name.Local == "DNS" || h.name == "" {
				if h.name != "" {
					h.aliases = append(h.aliases, h.name)
				}
				h.name = v
			} else {
				h.aliases = append(h.aliases, v)
			}
		case "VULN_INFO":
			if !inHost {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: a VULN_INFO outside a HOST", file, lineOf(dec)))
			}
			var v qualysVulnInfo
			if err := dec.DecodeElement(&v, &se); err != nil {
				return xmlError(file, dec, err)
			}
			if !qualysFinding(v.Type, v.Status) {
				info.Skipped++
				return nil
			}
			if v.QID = strings.TrimSpace(v.QID); v.QID == "" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: a VULN_INFO with no QID", file, lineOf(dec)))
			}
			pending = append(pending, qualysPending{host: int32(len(hosts) - 1), qid: v.QID,
				port: strings.Trim(strings.ToLower(strings.TrimSpace(v.Protocol))+"/"+strings.TrimSpace(v.Port), "/"),
				cvss: float32(qualysScore(v.CVSS)), cvss3: float32(qualysScore(v.CVSS3))})
		case "VULN_DETAILS":
			var d qualysDetails
			if err := dec.DecodeElement(&d, &se); err != nil {
				return xmlError(file, dec, err)
			}
			details[strings.TrimSpace(d.QID)] = &d
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if !sawRoot {
		return nil, errs.New(errs.Invalid, file+" is not a Qualys ASSET_DATA_REPORT")
	}
	for _, p := range pending {
		h := hosts[p.host]
		if h.name == "" {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: a HOST with no IP or DNS name reports QID %s", file, p.qid))
		}
		d, ok := details[p.qid]
		if !ok {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: QID %s, detected on %s, is not in the report's glossary (is the file cut short?)", file, p.qid, h.name))
		}
		score := float64(p.cvss3)
		if score == 0 {
			score = max(qualysScore(d.CVSS3), float64(p.cvss), qualysScore(d.CVSS))
		}
		sev := qualysSeverity[strings.TrimSpace(d.Severity)]
		if sev == "" {
			sev = "unknown"
		}
		base := Finding{Scanner: "qualys", Host: h.name, HostAliases: h.aliases, VulnID: "qualys:" + p.qid, Severity: sev,
			CVSS: score, Title: strings.TrimSpace(d.Title), Package: p.port}
		if err := emitPerCVE(base, d.CVEs, info, emit); err != nil {
			return nil, err
		}
	}
	// Every host of the report was scanned; one with no detection was
	// scanned clean.
	for _, h := range hosts {
		if h.name != "" {
			info.Scanned = append(info.Scanned, Scanned{Host: h.name, Aliases: h.aliases})
		}
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}

// qualysColumns are the columns of Qualys's CSV exports Safeguard reads:
// VMDR's vulnerability data list ("Asset Vuln Datalist Report": Asset
// Name, Asset IPV4, CVE, Status, …) and the classic scan report CSV (IP,
// DNS, NetBIOS, CVE ID, …), each after a few lines of report title.
var qualysColumns = []column{
	{field: "qid", names: []string{"QID"}, required: true},
	{field: "title", names: []string{"Title"}, required: true},
	{field: "severity", names: []string{"Severity"}, required: true},
	{field: "cve", names: []string{"CVE", "CVE ID"}},
	{field: "name", names: []string{"Asset Name", "DNS"}},
	{field: "ip", names: []string{"Asset IPV4", "IP"}},
	{field: "ip6", names: []string{"Asset IPV6"}},
	{field: "netbios", names: []string{"NetBIOS"}},
	{field: "fqdn", names: []string{"FQDN"}},
	{field: "port", names: []string{"Port"}},
	{field: "protocol", names: []string{"Protocol"}},
	{field: "cvss3", names: []string{"CVSSv3.1 Base (nvd)", "CVSS3.1 Base", "CVSS3 Base"}},
	{field: "cvss", names: []string{"CVSSv2 Base (nvd)", "CVSS Base"}},
	{field: "type", names: []string{"Type", "Type Detected"}},
	{field: "status", names: []string{"Status", "Vuln Status"}},
	{field: "disabled", names: []string{"Disabled"}},
	{field: "ignored", names: []string{"Ignored"}},
}

// ReadQualysCSV streams a Qualys CSV export — VMDR's vulnerability data
// list or the classic scan report — found by its header row (QID, Title,
// Severity) after up to ten lines of report title. Each row is a
// detection: a finding per CVE it names (or one named by its QID) on the
// asset's name, else its IP address. Information gathered, fixed,
// disabled and ignored detections are skipped. A bad row is named by line
// and column, and fails the file.
func ReadQualysCSV(file string, r io.Reader, emit func(Finding) error) (*ScanInfo, error) {
	t, err := openCSV(file, r, qualysColumns, "Qualys CSV export", MaxScanBytes, 10)
	if err != nil {
		return nil, err
	}
	if !t.has("name") && !t.has("ip") {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: no column \"Asset Name\", \"DNS\", \"Asset IPV4\" or \"IP\": the findings would have no host", file, t.line))
	}
	info := &ScanInfo{Scanner: "qualys", File: file}
	covered := map[string]bool{}
	if err := t.scan(func(rec []string) error {
		var names []string
		for _, field := range []string{"name", "ip", "ip6", "netbios", "fqdn"} {
			for _, v := range strings.Split(t.get(rec, field), ",") {
				if v = strings.TrimSpace(v); v != "" && v != "-" && v != "'-" {
					names = append(names, v)
				}
			}
		}
		// Every host a row names was scanned, its findings open or not: a
		// host with only informational or fixed results is clean.
		if len(names) > 0 && !covered[names[0]] {
			covered[names[0]] = true
			info.Scanned = append(info.Scanned, Scanned{Host: names[0], Aliases: names[1:]})
		}
		if !qualysFinding(t.get(rec, "type"), t.get(rec, "status")) || strings.EqualFold(t.get(rec, "disabled"), "yes") || strings.EqualFold(t.get(rec, "ignored"), "yes") {
			info.Skipped++
			return nil
		}
		qid := t.get(rec, "qid")
		if _, err := strconv.Atoi(qid); err != nil {
			t.fail("qid", fmt.Sprintf("%q is not a QID", qid))
		}
		sev, ok := qualysSeverity[t.get(rec, "severity")]
		if !ok {
			t.fail("severity", fmt.Sprintf("%q is not a Qualys severity (1 to 5)", t.get(rec, "severity")))
		}
		if len(names) == 0 {
			t.fail("name", "the detection names no asset (no name or IP address)")
		}
		if len(t.problems) > 0 {
			return nil // read on to name every problem; nothing more is emitted
		}
		port := t.get(rec, "port")
		if port == "0" || port == "'-" || port == "-" {
			port = ""
		}
		proto := strings.ToLower(t.get(rec, "protocol"))
		if proto == "'-" || proto == "-" {
			proto = ""
		}
		score := qualysScore(t.get(rec, "cvss3"))
		if score == 0 {
			score = qualysScore(t.get(rec, "cvss"))
		}
		base := Finding{Scanner: "qualys", Host: names[0], HostAliases: names[1:], VulnID: "qualys:" + qid, Severity: sev,
			CVSS: score, Title: t.get(rec, "title"), Package: strings.Trim(proto+"/"+port, "/")}
		if err := emitPerCVE(base, strings.Split(t.get(rec, "cve"), ","), info, emit); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return nil, err
	}
	info.SHA256, info.Size = t.in.sum(), t.in.n
	return info, nil
}
