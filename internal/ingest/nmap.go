package ingest

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatNmap is Nmap's XML output (-oX).
const FormatNmap = "nmap"

// nmapTable is a table of an NSE script's structured output: elems and
// nested tables, each perhaps keyed.
type nmapTable struct {
	Key    string      `xml:"key,attr"`
	Tables []nmapTable `xml:"table"`
	Elems  []struct {
		Key   string `xml:"key,attr"`
		Value string `xml:",chardata"`
	} `xml:"elem"`
}

// elem is the value of the table's elem keyed key.
func (t *nmapTable) elem(key string) string {
	for _, e := range t.Elems {
		if e.Key == key {
			return strings.TrimSpace(e.Value)
		}
	}
	return ""
}

// table is the table's nested table keyed key.
func (t *nmapTable) table(key string) *nmapTable {
	for i := range t.Tables {
		if t.Tables[i].Key == key {
			return &t.Tables[i]
		}
	}
	return nil
}

type nmapScript struct {
	ID string `xml:"id,attr"`
	nmapTable
}

type nmapPort struct {
	Protocol string `xml:"protocol,attr"`
	PortID   string `xml:"portid,attr"`
	State    struct {
		State string `xml:"state,attr"`
	} `xml:"state"`
	Service struct {
		Name    string `xml:"name,attr"`
		Product string `xml:"product,attr"`
		Version string `xml:"version,attr"`
	} `xml:"service"`
	Scripts []nmapScript `xml:"script"`
}

// nmapHost is a <host> of Nmap's XML output (nmap.dtd).
type nmapHost struct {
	Status struct {
		State string `xml:"state,attr"`
	} `xml:"status"`
	Addresses []struct {
		Addr     string `xml:"addr,attr"`
		AddrType string `xml:"addrtype,attr"`
	} `xml:"address"`
	Hostnames []struct {
		Name string `xml:"name,attr"`
	} `xml:"hostnames>hostname"`
	Ports       []nmapPort   `xml:"ports>port"`
	HostScripts []nmapScript `xml:"hostscript>script"`
}

// ReadNmap streams Nmap's XML output, a host at a time. Nmap discovers
// hosts and services, which are not findings: each host found up is
// counted as scanned (on its IP address, known also by its host names),
// and only what an NSE script reports as a vulnerability becomes a
// finding — each CVE the vulners script lists for a service (by the
// service's CPE), and each result of a script written with NSE's vulns
// library (smb-vuln-ms17-010, ssl-heartbleed, …) whose state is
// VULNERABLE or LIKELY VULNERABLE, once per CVE among its ids; results
// found NOT VULNERABLE are skipped. The port is the finding's package.
func ReadNmap(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := newXMLDecoder(in)
	info := &ScanInfo{Scanner: "nmap", File: file}
	sawRoot := false
	if err := eachToken(file, dec, func(tok xml.Token) error {
		se, ok := tok.(xml.StartElement)
		if !ok {
			return nil
		}
		if !sawRoot {
			if se.Name.Local != "nmaprun" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s is not Nmap's XML output (its root is <%s>, not <nmaprun>)", file, se.Name.Local))
			}
			sawRoot = true
			return nil
		}
		if se.Name.Local != "host" {
			return nil
		}
		var h nmapHost
		if err := dec.DecodeElement(&h, &se); err != nil {
			return xmlError(file, dec, err)
		}
		if h.Status.State != "up" {
			return nil
		}
		host, aliases := "", []string(nil)
		for _, a := range h.Addresses {
			if a.AddrType == "ipv4" || a.AddrType == "ipv6" {
				if v := strings.TrimSpace(a.Addr); host == "" {
					host = v
				} else if v != "" {
					aliases = append(aliases, v)
				}
			}
		}
		for _, n := range h.Hostnames {
			if v := strings.TrimSpace(n.Name); v != "" && v != host {
				aliases = append(aliases, v)
			}
		}
		if host == "" {
			return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: a host up without an IP address", file, lineOf(dec)))
		}
		info.Scanned = append(info.Scanned, Scanned{Host: host, Aliases: aliases})
		out := func(f Finding) error {
			f.Scanner, f.Host, f.HostAliases = "nmap", host, aliases
			if f.Severity == "" {
				f.Severity = "unknown"
				if f.CVSS > 0 {
					f.Severity = cvssSeverity(f.CVSS)
				}
			}
			info.Findings++
			return emit(f)
		}
		scripts := func(port string, service string, ss []nmapScript) error {
			for i := range ss {
				if err := nmapScriptFindings(&ss[i], port, service, info, out); err != nil {
					return err
				}
			}
			return nil
		}
		for _, p := range h.Ports {
			if p.State.State != "open" {
				continue
			}
			service := strings.TrimSpace(strings.Join([]string{p.Service.Product, p.Service.Version}, " "))
			if err := scripts(strings.ToLower(p.Protocol)+"/"+p.PortID, service, p.Scripts); err != nil {
				return err
			}
		}
		if err := scripts("", "", h.HostScripts); err != nil {
			return err
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if !sawRoot {
		return nil, errs.New(errs.Invalid, file+" is not Nmap's XML output (no <nmaprun>)")
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}

// nmapScriptFindings emits what one script reports as vulnerabilities.
func nmapScriptFindings(s *nmapScript, port, service string, info *ScanInfo, out func(Finding) error) error {
	if s.ID == "vulners" {
		// A table per CPE of the service, a row per vulnerability: id,
		// type (cve, or an exploit's source), cvss, is_exploit.
		for _, cpe := range s.Tables {
			for _, row := range cpe.Tables {
				id := row.elem("id")
				if !strings.EqualFold(row.elem("type"), "cve") || !ValidCVE(id) {
					continue
				}
				score, _ := strconv.ParseFloat(row.elem("cvss"), 64)
				if score < 0 || score > 10 {
					score = 0
				}
				title := service
				if title == "" {
					title = cpe.Key
				}
				if err := out(Finding{VulnID: id, CVE: id, CVSS: score, Package: port, Title: title}); err != nil {
					return err
				}
			}
		}
		return nil
	}
	// NSE's vulns library: a table per vulnerability, with its state,
	// title, ids ("CVE:CVE-2017-0143") and scores ("CVSSv2: 9.3").
	for i := range s.Tables {
		v := &s.Tables[i]
		state := strings.ToUpper(v.elem("state"))
		if state == "" {
			continue
		}
		if !strings.Contains(state, "VULNERABLE") || strings.Contains(state, "NOT VULNERABLE") {
			info.Skipped++
			continue
		}
		var cves []string
		if ids := v.table("ids"); ids != nil {
			for _, e := range ids.Elems {
				if c := strings.TrimPrefix(strings.TrimSpace(e.Value), "CVE:"); ValidCVE(c) {
					cves = append(cves, c)
				}
			}
		}
		if ValidCVE(v.Key) {
			cves = append(cves, v.Key)
		}
		f := Finding{VulnID: "nmap:" + s.ID, Package: port, Title: cmp.Or(v.elem("title"), s.ID)}
		if scores := v.table("scores"); scores != nil {
			for _, e := range scores.Elems {
				if _, val, ok := strings.Cut(e.Value, ":"); ok {
					if sc, err := strconv.ParseFloat(strings.TrimSpace(val), 64); err == nil && sc > f.CVSS && sc <= 10 {
						f.CVSS = sc
					}
				}
				if sc, err := strconv.ParseFloat(strings.TrimSpace(e.Value), 64); err == nil && sc > f.CVSS && sc <= 10 {
					f.CVSS = sc // the value alone, keyed by the version
				}
			}
		}
		if len(cves) == 0 {
			if err := out(f); err != nil {
				return err
			}
			continue
		}
		seen := map[string]bool{}
		for _, c := range cves {
			if seen[c] {
				continue
			}
			seen[c] = true
			g := f
			g.CVE = c
			if err := out(g); err != nil {
				return err
			}
		}
	}
	return nil
}
