package ingest

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tabular"
)

// FormatTenableCSV is the CSV export of Nessus, Tenable Vulnerability
// Management (Tenable.io) and Tenable Security Center (Tenable.sc).
const FormatTenableCSV = "tenable-csv"

// tenableColumns are the columns of the three products' CSV exports, each
// field under the names each product gives it: Nessus's scan export
// ("Plugin ID", "Risk", "Host", one row per CVE), Tenable Vulnerability
// Management's vulnerability export (the same columns with "Vulnerability
// State", "IP Address", "FQDN"; or its newer export's "definition.id",
// "asset.…", "state", separated by semicolons) and Tenable Security
// Center's ("Plugin", "Plugin Name", "Severity", "IP Address", "DNS
// Name", every CVE in one cell).
var tenableColumns = []column{
	{field: "plugin", names: []string{"Plugin ID", "Plugin", "definition.id"}, required: true},
	{field: "severity", names: []string{"Risk", "Severity", "Risk Factor", "definition.severity"}, required: true},
	{field: "name", names: []string{"Name", "Plugin Name", "definition.name"}},
	{field: "host", names: []string{"Host", "IP Address", "asset.display_ipv4_address", "asset.name"}},
	{field: "ip", names: []string{"IP Address", "asset.display_ipv4_address"}},
	{field: "ip6", names: []string{"asset.display_ipv6_address"}},
	{field: "fqdn", names: []string{"FQDN", "DNS Name", "asset.display_fqdn"}},
	{field: "hostname", names: []string{"asset.host_name", "asset.name"}},
	{field: "netbios", names: []string{"NetBIOS Name", "NetBios", "asset.netbios_name"}},
	{field: "protocol", names: []string{"Protocol"}},
	{field: "port", names: []string{"Port"}},
	{field: "cve", names: []string{"CVE", "definition.cve"}},
	{field: "cvss3", names: []string{"CVSS v3.0 Base Score", "CVSS V3 Base Score", "CVSS3 Base Score", "definition.cvss3.base_score"}},
	{field: "cvss", names: []string{"CVSS v2.0 Base Score", "CVSS V2 Base Score", "CVSS Base Score", "CVSS", "definition.cvss2.base_score"}},
	{field: "state", names: []string{"Vulnerability State", "state"}},
}

// tenableSeverity maps the products' severity words and numbers (0 to 4)
// to Safeguard's.
var tenableSeverity = map[string]string{
	"0": "info", "1": "low", "2": "medium", "3": "high", "4": "critical",
	"none": "info", "info": "info", "informational": "info",
	"low": "low", "medium": "medium", "high": "high", "critical": "critical",
}

// tenableCSVHeader reports whether one of a file's first lines is the
// header of a Nessus or Tenable CSV export: a plugin id and a severity
// or risk, and a host or asset.
func tenableCSVHeader(h []byte) bool {
	return csvHeaderAmong(h, 3, func(has map[string]bool) bool {
		plugin := has["pluginid"] || has["plugin"] && has["pluginname"] || has["definitionid"]
		host := has["host"] || has["ipaddress"] || has["assetdisplayipv4address"] || has["assetname"]
		sev := has["risk"] || has["severity"] || has["riskfactor"] || has["definitionseverity"]
		return plugin && host && sev
	})
}

// csvHeaderAmong reports whether one of the first lines rows of a CSV
// file's head, read with the file's delimiter, has the columns want asks
// for (by their normalised names).
func csvHeaderAmong(h []byte, lines int, want func(has map[string]bool) bool) bool {
	br := bufio.NewReaderSize(bytes.NewReader(bytes.TrimPrefix(h, []byte("\xef\xbb\xbf"))), len(h)+16)
	cr := csv.NewReader(br)
	cr.Comma = tabular.Delimiter(br)
	cr.FieldsPerRecord = -1
	for range lines {
		rec, err := cr.Read()
		if err != nil {
			return false
		}
		has := make(map[string]bool, len(rec))
		for _, c := range rec {
			has[normHeader(c)] = true
		}
		if want(has) {
			return true
		}
	}
	return false
}

// ReadTenableCSV streams a Nessus, Tenable Vulnerability Management or
// Tenable Security Center CSV export. Each row is a plugin's result on a
// host and port: a finding per CVE it names (or one, named by the
// plugin, when it names none), on the host as the product names it,
// known also by its IP addresses, FQDN and NetBIOS name — the findings a
// .nessus file of the same scan brings. Informational rows ("None",
// "Info") and fixed ones are skipped; every host a row names was scanned.
// A bad row is named by line and column, and fails the file.
func ReadTenableCSV(file string, r io.Reader, emit func(Finding) error) (*ScanInfo, error) {
	t, err := openCSV(file, r, tenableColumns, "Nessus or Tenable CSV export", MaxScanBytes, 2)
	if err != nil {
		return nil, err
	}
	if !t.has("host") {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: no column \"Host\" or \"IP Address\": the findings would have no host", file, t.line))
	}
	info := &ScanInfo{Scanner: "nessus", File: file}
	covered := map[string]bool{}
	if err := t.scan(func(rec []string) error {
		var names []string
		seen := map[string]bool{}
		for _, field := range []string{"host", "ip", "fqdn", "hostname", "netbios", "ip6"} {
			if v := strings.TrimSpace(t.get(rec, field)); v != "" && !seen[strings.ToLower(v)] {
				seen[strings.ToLower(v)] = true
				names = append(names, v)
			}
		}
		if len(names) > 0 && !covered[strings.ToLower(names[0])] {
			covered[strings.ToLower(names[0])] = true
			info.Scanned = append(info.Scanned, Scanned{Host: names[0], Aliases: names[1:]})
		}
		sev, ok := tenableSeverity[strings.ToLower(strings.TrimSpace(t.get(rec, "severity")))]
		if !ok {
			t.fail("severity", fmt.Sprintf("%q is not a severity (None, Low, Medium, High, Critical or 0 to 4)", t.get(rec, "severity")))
			return nil
		}
		if sev == "info" || strings.EqualFold(strings.TrimSpace(t.get(rec, "state")), "fixed") {
			info.Skipped++
			return nil
		}
		plugin := strings.TrimSpace(t.get(rec, "plugin"))
		if _, err := strconv.Atoi(plugin); err != nil {
			t.fail("plugin", fmt.Sprintf("%q is not a plugin id", plugin))
		}
		if len(names) == 0 {
			t.fail("host", "the row names no host")
		}
		if len(t.problems) > 0 {
			return nil // read on to name every problem; nothing more is emitted
		}
		port := strings.TrimSpace(t.get(rec, "port")) // "0" as in a .nessus file: the host, not a service
		score := qualysScore(t.get(rec, "cvss3"))
		if score == 0 {
			score = qualysScore(t.get(rec, "cvss"))
		}
		base := Finding{Scanner: "nessus", Host: names[0], HostAliases: names[1:], VulnID: "nessus:" + plugin, Severity: sev, CVSS: score,
			Title: t.get(rec, "name"), Package: strings.Trim(strings.ToLower(t.get(rec, "protocol"))+"/"+port, "/")}
		if err := emitPerCVE(base, strings.FieldsFunc(t.get(rec, "cve"), func(r rune) bool { return r == ',' || r == ' ' || r == ';' || r == '\n' }), info, emit); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return nil, err
	}
	info.SHA256, info.Size = t.in.sum(), t.in.n
	return info, nil
}
