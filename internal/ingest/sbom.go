package ingest

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxtv "github.com/spdx/tools-golang/tagvalue"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// topLevel walks a JSON document's top-level object, calling field for
// each key with the decoder positioned at its value (field must consume
// it). what names the document in errors.
func topLevel(dec *json.Decoder, file, what string, field func(key string) error) error {
	if err := expectDelim(dec, '{'); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, errTooLarge) {
			return jsonError(file, err, "")
		}
		return errs.New(errs.Invalid, file+" is not "+what)
	}
	for dec.More() {
		t, err := dec.Token()
		if err != nil {
			return jsonError(file, err, "")
		}
		key, _ := t.(string)
		if err := field(key); err != nil {
			return jsonOr(file, err, ", at "+key)
		}
	}
	if _, err := dec.Token(); err != nil {
		return jsonError(file, err, "")
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return errs.New(errs.Invalid, file+": there is more after the document's end")
	}
	return nil
}

// eachElement streams the array the decoder is at, calling fn for each
// element with its path (fn must consume it). A null is an empty array.
func eachElement(dec *json.Decoder, file, path string, fn func(at string) error) error {
	first, err := dec.Token()
	if err != nil {
		return jsonError(file, err, ", at "+path)
	}
	if first == nil {
		return nil
	}
	if first != json.Delim('[') {
		return errs.New(errs.Invalid, fmt.Sprintf("%s: %s is not a list", file, path))
	}
	for i := 0; dec.More(); i++ {
		if err := fn(fmt.Sprintf("%s[%d]", path, i)); err != nil {
			return err
		}
	}
	_, err = dec.Token()
	return jsonOr(file, err, ", at "+path)
}

type sbomPackage struct{ name, version string }

// cdxBOM is what a CycloneDX BOM's reader keeps as the BOM streams, in
// JSON or XML: its subject, its components by reference, and the
// vulnerabilities read before the components they affect.
type cdxBOM struct {
	info          *ScanInfo
	emit          func(Finding) error
	pkgs          map[string]sbomPackage
	subject       string
	aliases       []string
	held          []Finding
	sawComponents bool
}

func newCDXBOM(file string, emit func(Finding) error) *cdxBOM {
	return &cdxBOM{info: &ScanInfo{Scanner: "cyclonedx", File: file}, emit: emit, pkgs: map[string]sbomPackage{}}
}

func (b *cdxBOM) components(cs []cdx.Component) {
	for _, c := range cs {
		if c.BOMRef != "" {
			name := c.Name
			if c.Group != "" {
				name = c.Group + "/" + c.Name
			}
			b.pkgs[c.BOMRef] = sbomPackage{name, c.Version}
		}
		if c.Components != nil {
			b.components(*c.Components)
		}
	}
}

func (b *cdxBOM) metadata(m *cdx.Metadata) {
	if m.Component == nil {
		return
	}
	b.subject = m.Component.Name
	if m.Component.Version != "" {
		b.aliases = []string{b.subject + ":" + m.Component.Version, b.subject + "@" + m.Component.Version}
	}
	if m.Component.Components != nil {
		b.components(*m.Component.Components)
	}
}

func (b *cdxBOM) out(f Finding) error {
	f.Target, f.Artifact, f.HostAliases = b.subject, b.subject, b.aliases
	b.info.Findings++
	return b.emit(f)
}

// vulnerability emits a vulnerability's findings, once per component it
// affects (held until the components are read when they come later).
func (b *cdxBOM) vulnerability(file, at string, v *cdx.Vulnerability) error {
	if strings.TrimSpace(v.ID) == "" {
		return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.id is empty", file, at))
	}
	if v.Analysis != nil {
		switch v.Analysis.State {
		case cdx.IASResolved, cdx.IASResolvedWithPedigree, cdx.IASFalsePositive, cdx.IASNotAffected:
			b.info.Skipped++
			return nil
		}
	}
	base := cdxFinding(v)
	if v.Affects == nil || len(*v.Affects) == 0 {
		return b.out(base)
	}
	for _, a := range *v.Affects {
		f := base
		f.Package = a.Ref // resolved to the component's name below, or at the end
		if p, ok := b.pkgs[a.Ref]; ok {
			f.Package, f.Installed = p.name, p.version
		} else if !b.sawComponents {
			b.held = append(b.held, f)
			continue
		}
		if err := b.out(f); err != nil {
			return err
		}
	}
	return nil
}

// finish emits what was held and says what the BOM covered.
func (b *cdxBOM) finish(sha string, size int64) (*ScanInfo, error) {
	for _, f := range b.held {
		if p, ok := b.pkgs[f.Package]; ok {
			f.Package, f.Installed = p.name, p.version
		}
		if err := b.out(f); err != nil {
			return nil, err
		}
	}
	b.info.Artifact = b.subject
	if b.subject != "" {
		// The BOM covers its subject: one with no vulnerabilities left is
		// clean.
		b.info.Scanned = []Scanned{{Target: b.subject, Artifact: b.subject, Aliases: b.aliases}}
	}
	b.info.SHA256, b.info.Size = sha, size
	return b.info, nil
}

// ReadCycloneDX streams a CycloneDX JSON BOM (1.4 on, the versions that
// carry vulnerabilities), read into cyclonedx-go's types one component and
// one vulnerability at a time: a finding per vulnerability and component
// it affects, on the BOM's subject (its metadata component). The finding's
// CVE is its id, or the first CVE among its references; its severity and
// score the ratings' (the highest CVSS score). A vulnerability whose
// analysis says it is resolved, a false positive or not affecting the
// component is skipped. An affected reference no component of the BOM
// carries is kept as the package's name.
func ReadCycloneDX(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	bom := newCDXBOM(file, emit)
	isBOM := false
	err = topLevel(dec, file, "a CycloneDX JSON BOM", func(key string) error {
		switch key {
		case "bomFormat":
			var v string
			if err := dec.Decode(&v); err != nil {
				return err
			}
			if v != "CycloneDX" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: bomFormat is %q, not CycloneDX", file, v))
			}
			isBOM = true
			return nil
		case "metadata":
			var m cdx.Metadata
			if err := dec.Decode(&m); err != nil {
				return jsonError(file, err, ", at metadata")
			}
			bom.metadata(&m)
			return nil
		case "components":
			bom.sawComponents = true
			return eachElement(dec, file, "components", func(at string) error {
				var c cdx.Component
				if err := dec.Decode(&c); err != nil {
					return jsonError(file, err, ", at "+at)
				}
				bom.components([]cdx.Component{c})
				return nil
			})
		case "vulnerabilities":
			return eachElement(dec, file, "vulnerabilities", func(at string) error {
				var v cdx.Vulnerability
				if err := dec.Decode(&v); err != nil {
					return jsonError(file, err, ", at "+at)
				}
				return bom.vulnerability(file, at, &v)
			})
		}
		return skipValue(dec)
	})
	if err != nil {
		return nil, err
	}
	if !isBOM {
		return nil, errs.New(errs.Invalid, file+" is not a CycloneDX BOM (no bomFormat \"CycloneDX\")")
	}
	return bom.finish(in.sum(), in.n)
}

// cdxExtNS is the namespace of CycloneDX 1.2 and 1.3's vulnerability
// extension, which put vulnerabilities in a BOM before 1.4 did.
const cdxExtNS = "http://cyclonedx.org/schema/ext/vulnerability/1.0"

// cdxExtVuln is a vulnerability of CycloneDX's vulnerability extension
// 1.0: of the component its ref names, wherever it is written.
type cdxExtVuln struct {
	Ref     string `xml:"ref,attr"`
	ID      string `xml:"id"`
	Ratings []struct {
		Base     string `xml:"score>base"`
		Severity string `xml:"severity"`
		Method   string `xml:"method"`
	} `xml:"ratings>rating"`
	Description string `xml:"description"`
}

// vulnerability is the extension's vulnerability as cyclonedx-go's.
func (e *cdxExtVuln) vulnerability() *cdx.Vulnerability {
	v := &cdx.Vulnerability{ID: e.ID, Description: e.Description}
	var ratings []cdx.VulnerabilityRating
	for _, r := range e.Ratings {
		rt := cdx.VulnerabilityRating{Severity: cdx.Severity(strings.ToLower(strings.TrimSpace(r.Severity))), Method: cdx.ScoringMethod(strings.TrimSpace(r.Method))}
		if f, err := strconv.ParseFloat(strings.TrimSpace(r.Base), 64); err == nil {
			rt.Score = &f
		}
		ratings = append(ratings, rt)
	}
	v.Ratings = &ratings
	if ref := strings.TrimSpace(e.Ref); ref != "" {
		v.Affects = &[]cdx.Affects{{Ref: ref}}
	}
	return v
}

// ReadCycloneDXXML streams a CycloneDX XML BOM, as ReadCycloneDX reads the
// JSON: 1.4 on, with vulnerabilities in the BOM's own namespace (each read
// into cyclonedx-go's type), or 1.2 and 1.3 with the vulnerability
// extension's, written under the BOM or within the components they
// affect. Components, nested or not, are read element by element for their
// reference, group, name and version; nothing is held but those and the
// vulnerabilities read before the components they name.
func ReadCycloneDXXML(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := newXMLDecoder(in)
	bom := newCDXBOM(file, emit)
	type component struct {
		ref, group, name, version string
	}
	var stack []string    // the open elements' local names
	var open []*component // the components being read, innermost last
	nVulns, sawRoot := 0, false
	vuln := func(v *cdx.Vulnerability) error {
		err := bom.vulnerability(file, fmt.Sprintf("line %d, vulnerabilities[%d]", lineOf(dec), nVulns), v)
		nVulns++
		return err
	}
	if err := eachToken(file, dec, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.EndElement:
			if t.Name.Local == "component" && len(open) > 0 && len(stack) > 1 && stack[len(stack)-2] == "components" {
				c := open[len(open)-1]
				open = open[:len(open)-1]
				if c.ref != "" {
					name := c.name
					if c.group != "" {
						name = c.group + "/" + c.name
					}
					bom.pkgs[c.ref] = sbomPackage{name, c.version}
				}
			}
			if len(stack) == 2 && t.Name.Local == "components" {
				// The components are read: a vulnerability naming one
				// is resolved at once (one within them waits until now).
				bom.sawComponents = true
			}
			stack = stack[:len(stack)-1]
		case xml.StartElement:
			if len(stack) == 0 {
				if t.Name.Local != "bom" || !strings.HasPrefix(t.Name.Space, "http://cyclonedx.org/schema/bom/") {
					return errs.New(errs.Invalid, fmt.Sprintf("%s is not a CycloneDX XML BOM (its root is <%s>, not <bom> of CycloneDX's namespace)", file, t.Name.Local))
				}
				sawRoot = true
			}
			parent := ""
			if len(stack) > 0 {
				parent = stack[len(stack)-1]
			}
			switch {
			case t.Name.Space == cdxExtNS && t.Name.Local == "vulnerability":
				var e cdxExtVuln
				if err := dec.DecodeElement(&e, &t); err != nil {
					return xmlError(file, dec, err)
				}
				if err := vuln(e.vulnerability()); err != nil {
					return err
				}
				return nil
			case len(stack) == 1 && t.Name.Local == "metadata":
				var m cdx.Metadata
				if err := dec.DecodeElement(&m, &t); err != nil {
					return xmlError(file, dec, err)
				}
				bom.metadata(&m)
				return nil
			case len(stack) == 2 && stack[1] == "vulnerabilities" && t.Name.Space != cdxExtNS && t.Name.Local == "vulnerability":
				var v cdx.Vulnerability
				if err := dec.DecodeElement(&v, &t); err != nil {
					return xmlError(file, dec, err)
				}
				if err := vuln(&v); err != nil {
					return err
				}
				return nil
			case parent == "components" && t.Name.Local == "component":
				c := &component{}
				for _, a := range t.Attr {
					if a.Name.Local == "bom-ref" {
						c.ref = strings.TrimSpace(a.Value)
					}
				}
				open = append(open, c)
			case parent == "component" && len(open) > 0 && (t.Name.Local == "group" || t.Name.Local == "name" || t.Name.Local == "version"):
				var v string
				if err := dec.DecodeElement(&v, &t); err != nil {
					return xmlError(file, dec, err)
				}
				c := open[len(open)-1]
				switch t.Name.Local {
				case "group":
					c.group = strings.TrimSpace(v)
				case "name":
					c.name = strings.TrimSpace(v)
				default:
					c.version = strings.TrimSpace(v)
				}
				return nil
			}
			stack = append(stack, t.Name.Local)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if !sawRoot {
		return nil, errs.New(errs.Invalid, file+" is not a CycloneDX XML BOM (no <bom>)")
	}
	return bom.finish(in.sum(), in.n)
}

// cdxFinding is a CycloneDX vulnerability as a finding, before the
// component it affects.
func cdxFinding(v *cdx.Vulnerability) Finding {
	f := Finding{Scanner: "cyclonedx", VulnID: strings.TrimSpace(v.ID), Severity: "unknown", Title: firstLine(v.Description)}
	if ValidCVE(f.VulnID) {
		f.CVE = f.VulnID
	}
	if v.References != nil {
		for _, ref := range *v.References {
			if f.CVE == "" && ValidCVE(ref.ID) {
				f.CVE = ref.ID
			}
		}
	}
	if v.Ratings != nil {
		for _, rt := range *v.Ratings {
			if rt.Score != nil && *rt.Score > f.CVSS && *rt.Score <= 10 && strings.HasPrefix(string(rt.Method), "CVSS") {
				f.CVSS = *rt.Score
			}
			if s := normSeverity(string(rt.Severity)); f.Severity == "unknown" && s != "unknown" {
				f.Severity = s
			}
		}
	}
	if f.Severity == "unknown" && f.CVSS > 0 {
		f.Severity = cvssSeverity(f.CVSS)
	}
	return f
}

// advisoryID finds a vulnerability's id in an advisory's address.
var advisoryID = regexp.MustCompile(`CVE-\d{4}-\d{4,}|GHSA(-[23456789cfghjmpqrvwx]{4}){3}`)

type spdxPackage struct {
	ID      string `json:"SPDXID"`
	Name    string `json:"name"`
	Version string `json:"versionInfo"`
	Refs    []struct {
		Category string `json:"referenceCategory"`
		Type     string `json:"referenceType"`
		Locator  string `json:"referenceLocator"`
	} `json:"externalRefs"`
}

// ReadSPDX streams an SPDX 2.2 or 2.3 JSON document, one package at a
// time: SPDX 2 has no vulnerability element, and says a package has one
// with a SECURITY external reference of type "advisory" (SPDX 2.3, annex
// K.1.1, "Linking to an advisory"). Each advisory becomes a finding on the document's subject (its
// name), named by the CVE or GitHub advisory id in its address, else by
// the address itself. SPDX 2 carries no severity: it is "unknown", and
// KEV and EPSS rank the finding by its CVE.
func ReadSPDX(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	info := &ScanInfo{Scanner: "spdx", File: file}
	var name, version string
	var held []Finding // packages read before the document's name
	out := func(f Finding) error {
		f.Target, f.Artifact = name, name
		info.Findings++
		return emit(f)
	}
	err = topLevel(dec, file, "an SPDX JSON document", func(key string) error {
		switch key {
		case "spdxVersion":
			if err := dec.Decode(&version); err != nil {
				return err
			}
			if version != "SPDX-2.2" && version != "SPDX-2.3" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: spdxVersion %q is not supported (SPDX-2.2 and SPDX-2.3 are)", file, version))
			}
			return nil
		case "name":
			if err := dec.Decode(&name); err != nil {
				return err
			}
			for _, f := range held {
				if err := out(f); err != nil {
					return err
				}
			}
			held = nil
			return nil
		case "packages":
			return eachElement(dec, file, "packages", func(at string) error {
				var p spdxPackage
				if err := dec.Decode(&p); err != nil {
					return jsonError(file, err, ", at "+at)
				}
				for _, ref := range p.Refs {
					if ref.Category != "SECURITY" || ref.Type != "advisory" || strings.TrimSpace(ref.Locator) == "" {
						continue
					}
					f := spdxAdvisory(p.Name, p.Version, ref.Locator)
					if name == "" {
						held = append(held, f)
						continue
					}
					if err := out(f); err != nil {
						return err
					}
				}
				return nil
			})
		}
		return skipValue(dec)
	})
	if err != nil {
		return nil, err
	}
	if version == "" {
		return nil, errs.New(errs.Invalid, file+" is not an SPDX 2 JSON document (no spdxVersion)")
	}
	for _, f := range held {
		if err := out(f); err != nil {
			return nil, err
		}
	}
	info.Artifact = name
	if name != "" {
		// The document covers the software it names.
		info.Scanned = []Scanned{{Target: name, Artifact: name}}
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}

// spdxAdvisory is a package's SECURITY advisory reference as a finding,
// named by the CVE or GitHub advisory id in its address, else by the
// address itself.
func spdxAdvisory(pkg, version, locator string) Finding {
	f := Finding{Scanner: "spdx", Package: pkg, Installed: version, Severity: "unknown", VulnID: strings.TrimSpace(locator)}
	if id := advisoryID.FindString(locator); id != "" {
		f.VulnID = id
		f.Title = locator
	}
	if ValidCVE(f.VulnID) {
		f.CVE = f.VulnID
	}
	return f
}

// MaxTagValueBytes bounds an SPDX tag-value document, which SPDX's own
// reader (tools-golang) holds whole as it parses it.
const MaxTagValueBytes = 256 << 20

// FormatSPDXTagValue is an SPDX 2 document in tag-value form.
const FormatSPDXTagValue = "spdx-tv"

// ReadSPDXTagValue reads an SPDX 2.1, 2.2 or 2.3 tag-value document with
// SPDX's own reader (github.com/spdx/tools-golang), and brings what
// ReadSPDX brings of the JSON: a finding per package advisory reference
// (ExternalRef: SECURITY advisory …), on the document's name.
func ReadSPDXTagValue(file string, r io.Reader, emit func(Finding) error) (_ *ScanInfo, err error) {
	in := newCounting(file, r, MaxTagValueBytes)
	defer in.refused(&err)
	doc, err := spdxtv.Read(in)
	switch {
	case errors.Is(err, errTooLarge):
		return nil, errs.New(errs.TooLarge, fmt.Sprintf("%s is larger than the %d MiB an SPDX tag-value document may be (export SPDX 2.3 JSON, which is streamed)", file, MaxTagValueBytes>>20))
	case err != nil:
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s is not an SPDX 2 tag-value document SPDX's reader accepts: %v", file, err))
	}
	info := &ScanInfo{Scanner: "spdx", File: file}
	name := strings.TrimSpace(doc.DocumentName)
	for _, p := range doc.Packages {
		if p == nil {
			continue
		}
		for _, ref := range p.PackageExternalReferences {
			if ref == nil || !strings.EqualFold(ref.Category, "SECURITY") || ref.RefType != "advisory" || strings.TrimSpace(ref.Locator) == "" {
				continue
			}
			f := spdxAdvisory(p.PackageName, p.PackageVersion, ref.Locator)
			f.Target, f.Artifact = name, name
			info.Findings++
			if err := emit(f); err != nil {
				return nil, err
			}
		}
	}
	info.Artifact = name
	if name != "" {
		info.Scanned = []Scanned{{Target: name, Artifact: name}}
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
}
