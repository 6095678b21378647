package ingest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatNexpose is Rapid7 Nexpose / InsightVM's XML Export (1.0 and 2.0).
const FormatNexpose = "nexpose"

// nexposeDefinition is a vulnerability of a Nexpose report's
// VulnerabilityDefinitions: its title, severity (1 to 10), CVSS scores
// and references.
type nexposeDefinition struct {
	ID         string `xml:"id,attr"`
	Title      string `xml:"title,attr"`
	Severity   string `xml:"severity,attr"`
	CVSS       string `xml:"cvssScore,attr"`
	CVSS3      string `xml:"cvssV3Score,attr"`
	References []struct {
		Source string `xml:"source,attr"`
		Value  string `xml:",chardata"`
	} `xml:"references>reference"`
}

// nexposeHit is a vulnerable test of a node, held until the definitions,
// which the report writes after the nodes, are read.
type nexposeHit struct {
	node   int // index of the node's names in nodes
	testID string
	port   string // "tcp/443", or "" for the node itself
}

// ReadNexpose streams a Rapid7 Nexpose / InsightVM XML Export report
// (<NexposeReport version="1.0"> or "2.0"): each test of each node, or of
// each service of its endpoints, whose status is vulnerable (exploited,
// version or potential) is a finding per CVE of its vulnerability (or one,
// named by the vulnerability's id, when it cites none), on the node's
// address, known also by its names. The definitions come after the nodes,
// so each vulnerable test is held (a few dozen bytes) until they are read.
// The severity is the CVSS score's band (v3 when given), else Nexpose's
// own 1–10 banded as Rapid7 bands it (8–10 critical, 4–7 severe as
// medium, 1–3 moderate as low). Every node found alive was scanned.
func ReadNexpose(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := newXMLDecoder(in)
	info := &ScanInfo{Scanner: "nexpose", File: file}
	type node struct {
		host    string
		aliases []string
	}
	var nodes []node
	var hits []nexposeHit
	defs := map[string]*nexposeDefinition{}
	sawRoot := false
	cur := -1  // the node being read
	port := "" // the endpoint being read
	alive, inNames, inDefs := false, false, false
	if err := eachToken(file, dec, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.EndElement:
			switch t.Name.Local {
			case "names":
				inNames = false
			case "VulnerabilityDefinitions":
				inDefs = false
			case "endpoint":
				port = ""
			case "node":
				if cur >= 0 && alive && nodes[cur].host != "" {
					info.Scanned = append(info.Scanned, Scanned{Host: nodes[cur].host, Aliases: nodes[cur].aliases})
				}
				cur = -1
			}
		case xml.StartElement:
			if !sawRoot {
				if t.Name.Local != "NexposeReport" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s is not a Nexpose XML Export report (its root is <%s>, not <NexposeReport>)", file, t.Name.Local))
				}
				sawRoot = true
				return nil
			}
			switch t.Name.Local {
			case "node":
				n := node{}
				alive = true
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "address":
						n.host = strings.TrimSpace(a.Value)
					case "status":
						alive = a.Value != "dead"
					}
				}
				if n.host == "" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: a node without an address", file, lineOf(dec)))
				}
				nodes = append(nodes, n)
				cur = len(nodes) - 1
			case "names":
				inNames = cur >= 0
			case "VulnerabilityDefinitions":
				inDefs = true
			case "name":
				if !inNames {
					return nil
				}
				var v string
				if err := dec.DecodeElement(&v, &t); err != nil {
					return xmlError(file, dec, err)
				}
				if v = strings.TrimSpace(v); v != "" && v != nodes[cur].host {
					nodes[cur].aliases = append(nodes[cur].aliases, v)
				}
			case "endpoint":
				var proto, p string
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "protocol":
						proto = strings.ToLower(strings.TrimSpace(a.Value))
					case "port":
						p = strings.TrimSpace(a.Value)
					}
				}
				port = strings.Trim(proto+"/"+p, "/")
			case "test":
				if cur < 0 {
					return nil
				}
				var id, status string
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "id":
						id = strings.TrimSpace(a.Value)
					case "status":
						status = strings.TrimSpace(a.Value)
					}
				}
				if err := dec.Skip(); err != nil {
					return xmlError(file, dec, err)
				}
				if !strings.HasPrefix(status, "vulnerable") {
					info.Skipped++
					return nil
				}
				if id == "" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: a vulnerable test without an id", file, lineOf(dec)))
				}
				hits = append(hits, nexposeHit{node: cur, testID: id, port: port})
			case "vulnerability":
				if !inDefs {
					return nil
				}
				var d nexposeDefinition
				if err := dec.DecodeElement(&d, &t); err != nil {
					return xmlError(file, dec, err)
				}
				d.Title = strings.Join(strings.Fields(d.Title), " ")
				defs[strings.ToLower(strings.TrimSpace(d.ID))] = &d
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if !sawRoot {
		return nil, errs.New(errs.Invalid, file+" is not a Nexpose XML Export report (no <NexposeReport>)")
	}
	for _, h := range hits {
		d, ok := defs[strings.ToLower(h.testID)]
		if !ok {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: vulnerability %q, found on %s, is not in the report's VulnerabilityDefinitions", file, h.testID, nodes[h.node].host))
		}
		base := Finding{Scanner: "nexpose", Host: nodes[h.node].host, HostAliases: nodes[h.node].aliases, VulnID: "nexpose:" + strings.TrimSpace(d.ID),
			Title: d.Title, Package: h.port, Severity: "unknown"}
		if s := qualysScore(d.CVSS3); s > 0 {
			base.CVSS = s
		} else {
			base.CVSS = qualysScore(d.CVSS)
		}
		if base.CVSS > 0 {
			base.Severity = cvssSeverity(base.CVSS)
		} else if n, err := strconv.Atoi(strings.TrimSpace(d.Severity)); err == nil {
			switch {
			case n >= 8:
				base.Severity = "critical"
			case n >= 4:
				base.Severity = "medium"
			case n >= 1:
				base.Severity = "low"
			}
		}
		var cves []string
		for _, ref := range d.References {
			if strings.EqualFold(ref.Source, "CVE") {
				cves = append(cves, ref.Value)
			}
		}
		if err := emitPerCVE(base, cves, info, emit); err != nil {
			return nil, err
		}
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}
