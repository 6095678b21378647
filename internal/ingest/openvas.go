package ingest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// openvasResult is a <result> of a Greenbone (OpenVAS) report, as GMP's
// get_reports writes it in the XML report format.
type openvasResult struct {
	Host struct {
		Addr     string `xml:",chardata"`
		Hostname string `xml:"hostname"`
	} `xml:"host"`
	Port string `xml:"port"`
	NVT  struct {
		OID  string `xml:"oid,attr"`
		Name string `xml:"name"`
		CVSS string `xml:"cvss_base"`
		CVE  string `xml:"cve"` // GMP 7 and earlier: "CVE-…, CVE-…" or "NOCVE"
		Refs []struct {
			ID   string `xml:"id,attr"`
			Type string `xml:"type,attr"`
		} `xml:"refs>ref"` // GMP 8 on
	} `xml:"nvt"`
	Threat   string `xml:"threat"`
	Severity string `xml:"severity"`
}

// ReadOpenVAS streams a Greenbone / OpenVAS report in GMP's XML format
// (the report a get_reports request or the web interface's XML download
// returns): a finding per CVE of each result, or one named by the NVT's
// OID when it cites none, on the result's host (its IP address, known also
// by its host name). Results whose threat is Log, Debug or False Positive
// are not findings and are skipped; the severity is the threat Greenbone
// gives (High, Medium, Low, or Critical in later versions) or, when it
// writes none, its severity score banded as CVSS.
func ReadOpenVAS(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := newXMLDecoder(in)
	info := &ScanInfo{Scanner: "openvas", File: file}
	covered := map[string]bool{}
	depth, sawRoot := 0, false
	if err := eachToken(file, dec, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.EndElement:
			depth--
		case xml.StartElement:
			depth++
			if depth == 1 {
				if t.Name.Local != "report" && t.Name.Local != "get_reports_response" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s is not a Greenbone/OpenVAS XML report (its root is <%s>, not <report>)", file, t.Name.Local))
				}
				sawRoot = true
				return nil
			}
			if t.Name.Local != "result" {
				return nil
			}
			var res openvasResult
			if err := dec.DecodeElement(&res, &t); err != nil {
				return xmlError(file, dec, err)
			}
			depth--
			// Every host a result is about was scanned, a Log one included:
			// one with no finding was scanned clean.
			if h := strings.TrimSpace(res.Host.Addr); h != "" && !covered[h] {
				covered[h] = true
				sp := Scanned{Host: h}
				if n := strings.TrimSpace(res.Host.Hostname); n != "" && n != h {
					sp.Aliases = []string{n}
				}
				info.Scanned = append(info.Scanned, sp)
			}
			sev := normSeverity(res.Threat)
			switch strings.ToLower(strings.TrimSpace(res.Threat)) {
			case "log", "debug", "false positive", "none":
				info.Skipped++
				return nil
			}
			host := strings.TrimSpace(res.Host.Addr)
			if host == "" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: a result with no host", file, lineOf(dec)))
			}
			if res.NVT.OID == "" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: a result whose NVT has no oid", file, lineOf(dec)))
			}
			score, _ := strconv.ParseFloat(strings.TrimSpace(res.Severity), 64)
			if score <= 0 {
				score, _ = strconv.ParseFloat(strings.TrimSpace(res.NVT.CVSS), 64)
			}
			if sev == "unknown" && score > 0 {
				sev = cvssSeverity(score) // no threat written: the score says
			}
			base := Finding{Scanner: "openvas", Host: host, VulnID: "openvas:" + res.NVT.OID, Severity: sev, CVSS: score,
				Title: strings.Join(strings.Fields(res.NVT.Name), " "), Package: strings.TrimSpace(res.Port)}
			if h := strings.TrimSpace(res.Host.Hostname); h != "" && h != host {
				base.HostAliases = []string{h}
			}
			var cves []string
			for _, ref := range res.NVT.Refs {
				if strings.EqualFold(ref.Type, "cve") {
					cves = append(cves, ref.ID)
				}
			}
			cves = append(cves, strings.Split(res.NVT.CVE, ",")...)
			if err := emitPerCVE(base, cves, info, emit); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if !sawRoot {
		return nil, errs.New(errs.Invalid, file+" is not a Greenbone/OpenVAS XML report (no <report>)")
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}

// emitPerCVE emits a finding for each distinct CVE of cves, or base
// itself when there is none.
func emitPerCVE(base Finding, cves []string, info *ScanInfo, emit func(Finding) error) error {
	n := 0
	seen := make(map[string]bool, len(cves))
	for _, c := range cves {
		c = strings.TrimSpace(c)
		if !ValidCVE(c) || seen[c] {
			continue
		}
		seen[c] = true
		f := base
		f.CVE = c
		n++
		info.Findings++
		if err := emit(f); err != nil {
			return err
		}
	}
	if n == 0 {
		info.Findings++
		return emit(base)
	}
	return nil
}

// FormatOpenVASCSV is Greenbone's "CSV Results" report.
const FormatOpenVASCSV = "openvas-csv"

// openvasColumns are the columns of Greenbone's "CSV Results" report
// format (GVM 9 on; later versions add QoD and EPSS columns).
var openvasColumns = []column{
	{field: "ip", names: []string{"IP"}, required: true},
	{field: "oid", names: []string{"NVT OID"}, required: true},
	{field: "severity", names: []string{"Severity"}, required: true},
	{field: "hostname", names: []string{"Hostname"}},
	{field: "port", names: []string{"Port"}},
	{field: "protocol", names: []string{"Port Protocol"}},
	{field: "cvss", names: []string{"CVSS"}},
	{field: "name", names: []string{"NVT Name"}},
	{field: "cves", names: []string{"CVEs"}},
}

// openvasCSVHeader reports whether a file's first line is the header of
// Greenbone's CSV Results report.
func openvasCSVHeader(h []byte) bool {
	return csvHeaderAmong(h, 1, func(has map[string]bool) bool { return has["ip"] && has["nvtoid"] && has["severity"] })
}

// ReadOpenVASCSV streams Greenbone's "CSV Results" report: each row is a
// result, read as the XML report's are — a finding per CVE it names (or
// one named by the NVT's OID) on its IP address, known also by its host
// name, with the port as the XML writes it ("22/tcp"); Log, Debug and
// False Positive rows are skipped, and every host a row names was scanned.
// A bad row is named by line and column, and fails the file.
func ReadOpenVASCSV(file string, r io.Reader, emit func(Finding) error) (*ScanInfo, error) {
	t, err := openCSV(file, r, openvasColumns, "Greenbone CSV Results report", MaxScanBytes, 0)
	if err != nil {
		return nil, err
	}
	info := &ScanInfo{Scanner: "openvas", File: file}
	covered := map[string]bool{}
	if err := t.scan(func(rec []string) error {
		host, name := strings.TrimSpace(t.get(rec, "ip")), strings.TrimSpace(t.get(rec, "hostname"))
		var aliases []string
		if name != "" && name != host {
			aliases = []string{name}
		}
		if host != "" && !covered[host] {
			covered[host] = true
			info.Scanned = append(info.Scanned, Scanned{Host: host, Aliases: aliases})
		}
		threat := strings.TrimSpace(t.get(rec, "severity"))
		switch strings.ToLower(threat) {
		case "log", "debug", "false positive", "none":
			info.Skipped++
			return nil
		}
		sev := normSeverity(threat)
		score, err := strconv.ParseFloat(strings.TrimSpace(t.get(rec, "cvss")), 64)
		if err != nil && strings.TrimSpace(t.get(rec, "cvss")) != "" || score < 0 || score > 10 {
			t.fail("cvss", fmt.Sprintf("%q is not a CVSS score", t.get(rec, "cvss")))
		}
		if sev == "unknown" {
			if score <= 0 {
				t.fail("severity", fmt.Sprintf("%q is not a Greenbone severity (Critical, High, Medium, Low, Log)", threat))
			}
			sev = cvssSeverity(score)
		}
		oid := strings.TrimSpace(t.get(rec, "oid"))
		if oid == "" {
			t.fail("oid", "the result names no NVT")
		}
		if host == "" {
			t.fail("ip", "the result names no host")
		}
		if len(t.problems) > 0 {
			return nil // read on to name every problem; nothing more is emitted
		}
		port := strings.TrimSpace(t.get(rec, "port"))
		if proto := strings.TrimSpace(t.get(rec, "protocol")); port != "" && proto != "" {
			port += "/" + proto
		}
		base := Finding{Scanner: "openvas", Host: host, HostAliases: aliases, VulnID: "openvas:" + oid, Severity: sev, CVSS: score,
			Title: strings.Join(strings.Fields(t.get(rec, "name")), " "), Package: port}
		if err := emitPerCVE(base, strings.Split(t.get(rec, "cves"), ","), info, emit); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return nil, err
	}
	info.SHA256, info.Size = t.in.sum(), t.in.n
	return info, nil
}
