package ingest

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// MaxXMLRun bounds a run of text without markup in a scanner's XML: no
// element's text or attribute may exceed it, so one giant element cannot
// take the memory a streaming read saves.
const MaxXMLRun = 64 << 20

// runGuard fails a read once MaxXMLRun bytes pass without a '<' or '>'.
type runGuard struct {
	r   io.Reader
	run int
}

var errLongRun = errors.New("long run")

func (g *runGuard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	for _, b := range p[:n] {
		if b == '<' || b == '>' {
			g.run = 0
			continue
		}
		g.run++
	}
	if g.run > MaxXMLRun {
		return n, errLongRun
	}
	return n, err
}

// xmlError names where an XML document went wrong.
func xmlError(file string, dec *xml.Decoder, err error) error {
	var se *xml.SyntaxError
	switch {
	case errors.Is(err, errBomb):
		return err
	case errors.Is(err, errTooLarge):
		return errs.New(errs.TooLarge, file+" is larger than this import takes")
	case errors.Is(err, errLongRun):
		return errs.New(errs.TooLarge, fmt.Sprintf("%s: near line %d, an element or attribute longer than %d MiB", file, lineOf(dec), MaxXMLRun>>20))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return errs.New(errs.Invalid, fmt.Sprintf("%s ends early (line %d): the file is truncated", file, lineOf(dec)))
	case errors.As(err, &se) && se.Msg == "unexpected EOF":
		return errs.New(errs.Invalid, fmt.Sprintf("%s ends early (line %d): the file is truncated", file, se.Line))
	case errors.As(err, &se):
		return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: %s", file, se.Line, se.Msg))
	}
	return errs.Wrap(errs.Invalid, fmt.Sprintf("%s: line %d", file, lineOf(dec)), err)
}

// eachToken reads dec's tokens to the document's end, calling fn with
// each; an error of the XML (a syntax error, a run too long, the file
// ending early) is named by xmlError, fn's own is passed on as it is.
func eachToken(file string, dec *xml.Decoder, fn func(tok xml.Token) error) error {
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return xmlError(file, dec, err)
		}
		if err := fn(tok); err != nil {
			return err
		}
	}
}

func lineOf(dec *xml.Decoder) int {
	line, _ := dec.InputPos()
	return line
}

// newXMLDecoder is a strict decoder: entities beyond XML's five are not
// expanded (a "billion laughs" file fails on its first), nothing external
// is fetched, and no run of text may exceed MaxXMLRun.
func newXMLDecoder(in io.Reader) *xml.Decoder {
	dec := xml.NewDecoder(&runGuard{r: in})
	dec.Strict = true
	return dec
}

type nessusItem struct {
	Port       string   `xml:"port,attr"`
	Protocol   string   `xml:"protocol,attr"`
	Severity   string   `xml:"severity,attr"`
	PluginID   string   `xml:"pluginID,attr"`
	PluginName string   `xml:"pluginName,attr"`
	CVEs       []string `xml:"cve"`
	RiskFactor string   `xml:"risk_factor"`
	CVSS3      string   `xml:"cvss3_base_score"`
	CVSS2      string   `xml:"cvss_base_score"`
	Synopsis   string   `xml:"synopsis"`
}

type nessusTag struct {
	Name  string `xml:"name,attr"`
	Value string `xml:",chardata"`
}

var nessusSeverity = map[string]string{"0": "info", "1": "low", "2": "medium", "3": "high", "4": "critical"}

// ReadNessus streams a Nessus v2 file (.nessus, NessusClientData_v2): a
// finding per CVE of each report item (or one, named by the plugin, when
// it cites none), on the host the item is about, known also by its IP
// address, FQDN and NetBIOS name. Informational items are skipped.
func ReadNessus(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := newXMLDecoder(in)
	info := &ScanInfo{Scanner: "nessus", File: file}
	sawRoot := false
	var host string
	var aliases []string
	if err := eachToken(file, dec, func(tok xml.Token) error {
		se, ok := tok.(xml.StartElement)
		if !ok {
			return nil
		}
		switch se.Name.Local {
		case "NessusClientData_v2":
			sawRoot = true
		case "ReportHost":
			if !sawRoot {
				return errs.New(errs.Invalid, file+" is not a Nessus v2 file (no NessusClientData_v2 root)")
			}
			host, aliases = "", nil
			for _, a := range se.Attr {
				if a.Name.Local == "name" {
					host = strings.TrimSpace(a.Value)
				}
			}
			if host != "" {
				info.Scanned = append(info.Scanned, Scanned{Host: host})
			}
		case "HostProperties":
			var hp struct {
				Tags []nessusTag `xml:"tag"`
			}
			if err := dec.DecodeElement(&hp, &se); err != nil {
				return xmlError(file, dec, err)
			}
			for _, t := range hp.Tags {
				switch t.Name {
				case "host-ip", "host-fqdn", "netbios-name", "hostname":
					if v := strings.TrimSpace(t.Value); v != "" && v != host {
						aliases = append(aliases, v)
					}
				}
			}
			if n := len(info.Scanned); n > 0 && info.Scanned[n-1].Host == host {
				info.Scanned[n-1].Aliases = aliases
			}
		case "ReportItem":
			if !sawRoot {
				return errs.New(errs.Invalid, file+" is not a Nessus v2 file (no NessusClientData_v2 root)")
			}
			var it nessusItem
			if err := dec.DecodeElement(&it, &se); err != nil {
				return xmlError(file, dec, err)
			}
			sev := nessusSeverity[strings.TrimSpace(it.Severity)]
			if sev == "" {
				sev = normSeverity(it.RiskFactor)
			}
			if sev == "info" {
				info.Skipped++
				return nil
			}
			if host == "" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: a ReportItem outside a named ReportHost", file, lineOf(dec)))
			}
			score, _ := strconv.ParseFloat(strings.TrimSpace(it.CVSS3), 64)
			if score == 0 {
				score, _ = strconv.ParseFloat(strings.TrimSpace(it.CVSS2), 64)
			}
			base := Finding{Scanner: "nessus", Host: host, HostAliases: aliases, VulnID: "nessus:" + it.PluginID, Severity: sev, CVSS: score,
				Title: it.PluginName, Package: strings.Trim(it.Protocol+"/"+it.Port, "/")}
			if err := emitPerCVE(base, it.CVEs, info, emit); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if !sawRoot {
		return nil, errs.New(errs.Invalid, file+" is not a Nessus v2 file (no NessusClientData_v2 root)")
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}
