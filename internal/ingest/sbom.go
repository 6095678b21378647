package ingest

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

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
	info := &ScanInfo{Scanner: "cyclonedx", File: file}
	pkgs := map[string]sbomPackage{}
	var subject string
	var aliases []string
	var held []Finding // vulnerabilities read before the components they name
	sawComponents, isBOM := false, false
	var addComponents func(cs []cdx.Component)
	addComponents = func(cs []cdx.Component) {
		for _, c := range cs {
			if c.BOMRef != "" {
				name := c.Name
				if c.Group != "" {
					name = c.Group + "/" + c.Name
				}
				pkgs[c.BOMRef] = sbomPackage{name, c.Version}
			}
			if c.Components != nil {
				addComponents(*c.Components)
			}
		}
	}
	out := func(f Finding) error {
		f.Target, f.Artifact, f.HostAliases = subject, subject, aliases
		info.Findings++
		return emit(f)
	}
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
			if m.Component != nil {
				subject = m.Component.Name
				if m.Component.Version != "" {
					aliases = []string{subject + ":" + m.Component.Version, subject + "@" + m.Component.Version}
				}
				if m.Component.Components != nil {
					addComponents(*m.Component.Components)
				}
			}
			return nil
		case "components":
			sawComponents = true
			return eachElement(dec, file, "components", func(at string) error {
				var c cdx.Component
				if err := dec.Decode(&c); err != nil {
					return jsonError(file, err, ", at "+at)
				}
				addComponents([]cdx.Component{c})
				return nil
			})
		case "vulnerabilities":
			return eachElement(dec, file, "vulnerabilities", func(at string) error {
				var v cdx.Vulnerability
				if err := dec.Decode(&v); err != nil {
					return jsonError(file, err, ", at "+at)
				}
				if strings.TrimSpace(v.ID) == "" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.id is empty", file, at))
				}
				if v.Analysis != nil {
					switch v.Analysis.State {
					case cdx.IASResolved, cdx.IASResolvedWithPedigree, cdx.IASFalsePositive, cdx.IASNotAffected:
						info.Skipped++
						return nil
					}
				}
				base := cdxFinding(&v)
				if v.Affects == nil || len(*v.Affects) == 0 {
					return out(base)
				}
				for _, a := range *v.Affects {
					f := base
					f.Package = a.Ref // resolved to the component's name below, or at the end
					if p, ok := pkgs[a.Ref]; ok {
						f.Package, f.Installed = p.name, p.version
					} else if !sawComponents {
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
	if !isBOM {
		return nil, errs.New(errs.Invalid, file+" is not a CycloneDX BOM (no bomFormat \"CycloneDX\")")
	}
	for _, f := range held {
		if p, ok := pkgs[f.Package]; ok {
			f.Package, f.Installed = p.name, p.version
		}
		if err := out(f); err != nil {
			return nil, err
		}
	}
	info.Artifact = subject
	if subject != "" {
		// The BOM covers its subject: one with no vulnerabilities left is
		// clean.
		info.Scanned = []Scanned{{Target: subject, Artifact: subject, Aliases: aliases}}
	}
	info.SHA256, info.Size = in.sum(), in.n
	return info, nil
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
					f := Finding{Scanner: "spdx", Package: p.Name, Installed: p.Version, Severity: "unknown", VulnID: strings.TrimSpace(ref.Locator)}
					if id := advisoryID.FindString(ref.Locator); id != "" {
						f.VulnID = id
						f.Title = ref.Locator
					}
					if ValidCVE(f.VulnID) {
						f.CVE = f.VulnID
					}
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
