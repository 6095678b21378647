package ingest

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatOpenVEX is an OpenVEX document.
const FormatOpenVEX = "openvex"

// KindVEX is a format whose records are statements of whether software is
// affected by vulnerabilities (VEX), which mark the findings they match.
const KindVEX Kind = "vex"

// The statuses of a VEX statement (OpenVEX specification, "Status
// Labels").
const (
	VEXNotAffected        = "not_affected"
	VEXAffected           = "affected"
	VEXFixed              = "fixed"
	VEXUnderInvestigation = "under_investigation"
)

// VEXStatement is one statement of a VEX document: a vulnerability (with
// its aliases), the products it is about and, within them, the
// subcomponents it names, and its status with the reason given.
type VEXStatement struct {
	Vuln          string   `json:"vulnerability"`
	Aliases       []string `json:"aliases,omitempty"`
	Products      []string `json:"products"`
	Subcomponents []string `json:"subcomponents,omitempty"`
	Status        string   `json:"status"`
	Justification string   `json:"justification,omitempty"`
	Impact        string   `json:"impact_statement,omitempty"`
	Action        string   `json:"action_statement,omitempty"`
	At            string   `json:"timestamp,omitempty"`
}

// VEXDocument is a VEX document's statements.
type VEXDocument struct {
	ID, Author, At string
	Statements     []VEXStatement
	File, SHA256   string
	Size           int64
}

// MaxVEXStatements bounds one VEX document.
const MaxVEXStatements = 100000

// openvexStatement is a statement as OpenVEX writes it: v0.2.0's
// vulnerability object and product objects (with identifiers and
// subcomponents), or v0.0.x's plain strings.
type openvexStatement struct {
	Vulnerability json.RawMessage   `json:"vulnerability"`
	Products      []json.RawMessage `json:"products"`
	Subcomponents []json.RawMessage `json:"subcomponents"` // v0.0.x
	Status        string            `json:"status"`
	Justification string            `json:"justification"`
	Impact        string            `json:"impact_statement"`
	Action        string            `json:"action_statement"`
	Timestamp     string            `json:"timestamp"`
}

// openvexComponent is a product or subcomponent: its "@id" and its
// identifiers (purl, cpe), or a plain string.
func openvexComponent(raw json.RawMessage) (ids []string, subs []string, err error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return []string{strings.TrimSpace(s)}, nil, nil
	}
	var c struct {
		ID          string            `json:"@id"`
		Identifiers map[string]string `json:"identifiers"`
		Subs        []json.RawMessage `json:"subcomponents"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		return nil, nil, err
	}
	if id := strings.TrimSpace(c.ID); id != "" {
		ids = append(ids, id)
	}
	for _, k := range []string{"purl", "cpe23", "cpe22"} {
		if v := strings.TrimSpace(c.Identifiers[k]); v != "" && (len(ids) == 0 || ids[0] != v) {
			ids = append(ids, v)
		}
	}
	for _, sub := range c.Subs {
		sids, _, err := openvexComponent(sub)
		if err != nil {
			return nil, nil, err
		}
		subs = append(subs, sids...)
	}
	return ids, subs, nil
}

// ReadOpenVEX reads an OpenVEX document (v0.2.0, and v0.0.x's plainer
// shape), its statements streamed: each must name a vulnerability, at
// least one product and a status the specification defines; a
// not_affected one must give a justification or an impact statement (as
// the specification requires). A statement without its own timestamp takes
// the document's.
func ReadOpenVEX(file string, r io.Reader) (_ *VEXDocument, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	doc := &VEXDocument{File: file}
	context := ""
	var statements []openvexStatement
	key, err := jsonRecords(file, "an OpenVEX document", dec, []string{"statements"}, false, func(key string, v any) {
		s, _ := v.(string)
		switch key {
		case "@context":
			context = s
		case "@id":
			doc.ID = s
		case "author":
			doc.Author = s
		case "timestamp":
			doc.At = s
		}
	}, func(path string) error {
		var st openvexStatement
		if err := dec.Decode(&st); err != nil {
			return err
		}
		if len(statements) >= MaxVEXStatements {
			return errs.New(errs.TooLarge, fmt.Sprintf("%s has more than %d statements", file, MaxVEXStatements))
		}
		statements = append(statements, st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if key == "" || !strings.Contains(context, "openvex.dev/ns") {
		return nil, errs.New(errs.Invalid, file+` is not an OpenVEX document (an "@context" of https://openvex.dev/ns and "statements")`)
	}
	for i, st := range statements {
		at := fmt.Sprintf("%s: statements[%d]", file, i)
		out := VEXStatement{Status: strings.TrimSpace(st.Status), Justification: strings.TrimSpace(st.Justification), Impact: strings.TrimSpace(st.Impact),
			Action: strings.TrimSpace(st.Action), At: strings.TrimSpace(st.Timestamp)}
		if out.At == "" {
			out.At = doc.At
		}
		var name string
		if json.Unmarshal(st.Vulnerability, &name) == nil {
			out.Vuln = strings.TrimSpace(name)
		} else {
			var v struct {
				ID      string   `json:"@id"`
				Name    string   `json:"name"`
				Aliases []string `json:"aliases"`
			}
			if err := json.Unmarshal(st.Vulnerability, &v); err != nil && len(st.Vulnerability) > 0 {
				return nil, errs.New(errs.Invalid, at+".vulnerability is neither a name nor an object")
			}
			out.Vuln, out.Aliases = strings.TrimSpace(v.Name), v.Aliases
			if out.Vuln == "" {
				out.Vuln = strings.TrimSpace(v.ID)
			}
		}
		if out.Vuln == "" {
			return nil, errs.New(errs.Invalid, at+" names no vulnerability")
		}
		for _, p := range st.Products {
			ids, subs, err := openvexComponent(p)
			if err != nil {
				return nil, errs.New(errs.Invalid, at+".products: "+err.Error())
			}
			out.Products = append(out.Products, ids...)
			out.Subcomponents = append(out.Subcomponents, subs...)
		}
		for _, s := range st.Subcomponents {
			ids, _, err := openvexComponent(s)
			if err != nil {
				return nil, errs.New(errs.Invalid, at+".subcomponents: "+err.Error())
			}
			out.Subcomponents = append(out.Subcomponents, ids...)
		}
		if len(out.Products) == 0 {
			return nil, errs.New(errs.Invalid, at+" ("+out.Vuln+") names no product")
		}
		switch out.Status {
		case VEXNotAffected:
			if out.Justification == "" && out.Impact == "" {
				return nil, errs.New(errs.Invalid, at+" ("+out.Vuln+") is not_affected without a justification or an impact statement")
			}
		case VEXAffected, VEXFixed, VEXUnderInvestigation:
		default:
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%s (%s): status %q is not one of not_affected, affected, fixed, under_investigation", at, out.Vuln, out.Status))
		}
		doc.Statements = append(doc.Statements, out)
	}
	doc.SHA256, doc.Size = in.sum(), in.n
	return doc, nil
}

// VEXSubject is what a statement is matched against: a finding's
// vulnerability, its package and version, and where it is (its host,
// target, scanned artifact, and the names of the asset it matched).
type VEXSubject struct {
	VulnID, CVE, Package, Installed string
	Places                          []string
}

// Suppresses says whether the statement's status marks what it matches
// as not to fix (not affected, or fixed).
func (st *VEXStatement) Suppresses() bool {
	return st.Status == VEXNotAffected || st.Status == VEXFixed
}

// Reason is the statement as a finding's mark: its status and why.
func (st *VEXStatement) Reason() string {
	why := st.Justification
	if why == "" {
		why = st.Impact
	}
	if why == "" {
		return st.Status
	}
	return st.Status + ": " + why
}

// Matches says whether the statement is about the subject: its
// vulnerability (or an alias) is the subject's id or CVE, and — when the
// statement names subcomponents — one of its products is where the
// subject is and one of the subcomponents is its package; otherwise one
// of its products is the subject's package or where it is. A package URL
// matches a package of its name (with its namespace, as Maven and npm
// scopes write it, or without), and of its version when it gives one; an
// OCI or Docker package URL also matches the image it names; any other
// identifier matches a place of the same name (ignoring case, and an
// image's tag or digest).
func (st *VEXStatement) Matches(s *VEXSubject) bool {
	vuln := false
	for _, v := range append([]string{st.Vuln}, st.Aliases...) {
		if v != "" && (strings.EqualFold(v, s.VulnID) || strings.EqualFold(v, s.CVE)) {
			vuln = true
			break
		}
	}
	if !vuln {
		return false
	}
	anyOf := func(ids []string, fn func(string) bool) bool {
		for _, id := range ids {
			if fn(id) {
				return true
			}
		}
		return false
	}
	place := func(id string) bool { return vexPlace(id, s.Places) }
	pkg := func(id string) bool { return vexPackage(id, s.Package, s.Installed) }
	if len(st.Subcomponents) > 0 {
		return anyOf(st.Products, place) && anyOf(st.Subcomponents, pkg)
	}
	return anyOf(st.Products, func(id string) bool { return pkg(id) || place(id) })
}

// purl is the parts of a package URL Safeguard matches on.
type purl struct {
	typ, namespace, name, version, repository string
}

func parsePURL(s string) (purl, bool) {
	rest, ok := strings.CutPrefix(s, "pkg:")
	if !ok {
		return purl{}, false
	}
	rest, _, _ = strings.Cut(rest, "#")
	rest, query, _ := strings.Cut(rest, "?")
	var p purl
	if at := strings.LastIndex(rest, "@"); at >= 0 {
		p.version, _ = url.PathUnescape(rest[at+1:])
		rest = rest[:at]
	}
	parts := strings.Split(strings.Trim(rest, "/"), "/")
	if len(parts) < 2 {
		return purl{}, false
	}
	p.typ = strings.ToLower(parts[0])
	p.name, _ = url.PathUnescape(parts[len(parts)-1])
	if len(parts) > 2 {
		p.namespace, _ = url.PathUnescape(strings.Join(parts[1:len(parts)-1], "/"))
	}
	if q, err := url.ParseQuery(query); err == nil {
		p.repository = q.Get("repository_url")
	}
	return p, p.name != ""
}

func vexPackage(id, pkg, installed string) bool {
	if pkg != "" && strings.EqualFold(id, pkg) {
		return true // a package a BOM named by its reference alone
	}
	p, ok := parsePURL(id)
	if !ok || pkg == "" {
		return false
	}
	names := []string{p.name}
	if p.namespace != "" {
		names = append(names, p.namespace+"/"+p.name, p.namespace+":"+p.name)
	}
	for _, n := range names {
		if strings.EqualFold(n, pkg) {
			return p.version == "" || installed == "" || p.version == installed || strings.HasSuffix(installed, ":"+p.version)
		}
	}
	return false
}

// imageName is an image reference without its tag or digest.
func imageName(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if at := strings.Index(s, "@"); at >= 0 {
		s = s[:at]
	}
	if colon := strings.LastIndex(s, ":"); colon > strings.LastIndex(s, "/") {
		s = s[:colon]
	}
	return s
}

func vexPlace(id string, places []string) bool {
	var names []string
	if p, ok := parsePURL(id); ok {
		if p.typ != "oci" && p.typ != "docker" {
			return false
		}
		if p.repository != "" {
			names = append(names, imageName(p.repository))
		}
		full := p.name
		if p.namespace != "" {
			full = p.namespace + "/" + p.name
		}
		names = append(names, imageName(full))
	} else {
		names = []string{imageName(id)}
	}
	for _, pl := range places {
		for _, n := range names {
			if n != "" && (imageName(pl) == n || strings.HasSuffix(imageName(pl), "/"+n)) {
				return true
			}
		}
	}
	return false
}

// FormatCycloneDXVEX is a CycloneDX VEX: a CycloneDX BOM that carries
// vulnerabilities with their analysis, and no components of its own.
const FormatCycloneDXVEX = "cyclonedx-vex"

// cdxVEXStatus is the VEX status of a CycloneDX analysis state (CycloneDX
// 1.4 on, "impactAnalysisState"): resolved is fixed, a false positive is
// not affected, exploitable is affected, in triage under investigation.
var cdxVEXStatus = map[cdx.ImpactAnalysisState]string{
	cdx.IASNotAffected: VEXNotAffected, cdx.IASFalsePositive: VEXNotAffected,
	cdx.IASResolved: VEXFixed, cdx.IASResolvedWithPedigree: VEXFixed,
	cdx.IASExploitable: VEXAffected, cdx.IASInTriage: VEXUnderInvestigation,
}

// ReadCycloneDXVEX reads a CycloneDX VEX (JSON, 1.4 on) as VEX
// statements, its vulnerabilities streamed: each with an analysis is a
// statement about what it affects (a reference to another BOM's component —
// a BOM-Link, whose fragment is the component's reference, most often its
// package URL — or a package URL), its status from the analysis's state,
// its justification and detail the statement's; one without an analysis
// says nothing and is passed over.
func ReadCycloneDXVEX(file string, r io.Reader) (_ *VEXDocument, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	doc := &VEXDocument{File: file}
	isBOM := false
	err = topLevel(dec, file, "a CycloneDX VEX", func(key string) error {
		switch key {
		case "bomFormat":
			var v string
			if err := dec.Decode(&v); err != nil {
				return err
			}
			isBOM = v == "CycloneDX"
			return nil
		case "serialNumber":
			return dec.Decode(&doc.ID)
		case "metadata":
			var m cdx.Metadata
			if err := dec.Decode(&m); err != nil {
				return jsonError(file, err, ", at metadata")
			}
			doc.At = m.Timestamp
			return nil
		case "vulnerabilities":
			return eachElement(dec, file, "vulnerabilities", func(at string) error {
				var v cdx.Vulnerability
				if err := dec.Decode(&v); err != nil {
					return jsonError(file, err, ", at "+at)
				}
				if v.Analysis == nil || v.Analysis.State == "" {
					return nil
				}
				st := VEXStatement{Vuln: strings.TrimSpace(v.ID), Justification: string(v.Analysis.Justification), Impact: strings.TrimSpace(v.Analysis.Detail),
					At: cmp.Or(v.Analysis.LastUpdated, v.Updated, v.Published)}
				if v.Analysis.State == cdx.IASFalsePositive && st.Justification == "" {
					st.Justification = "false_positive"
				}
				status, ok := cdxVEXStatus[v.Analysis.State]
				if !ok {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.analysis.state %q is not a CycloneDX impact analysis state", file, at, v.Analysis.State))
				}
				st.Status = status
				if st.Vuln == "" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.id is empty", file, at))
				}
				if v.References != nil {
					for _, ref := range *v.References {
						if id := strings.TrimSpace(ref.ID); id != "" {
							st.Aliases = append(st.Aliases, id)
						}
					}
				}
				if v.Affects != nil {
					for _, a := range *v.Affects {
						ref := strings.TrimSpace(a.Ref)
						if _, frag, ok := strings.Cut(ref, "#"); ok && strings.HasPrefix(ref, "urn:cdx:") {
							ref, _ = url.PathUnescape(frag)
						}
						if ref != "" {
							st.Products = append(st.Products, ref)
						}
					}
				}
				if len(st.Products) == 0 {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s (%s) affects nothing: a VEX statement names what it is about", file, at, st.Vuln))
				}
				if st.Status == VEXNotAffected && st.Justification == "" && st.Impact == "" {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: %s (%s) is not_affected without a justification or detail", file, at, st.Vuln))
				}
				if len(doc.Statements) >= MaxVEXStatements {
					return errs.New(errs.TooLarge, fmt.Sprintf("%s has more than %d statements", file, MaxVEXStatements))
				}
				doc.Statements = append(doc.Statements, st)
				return nil
			})
		}
		return skipValue(dec)
	})
	if err != nil {
		return nil, err
	}
	if !isBOM {
		return nil, errs.New(errs.Invalid, file+` is not a CycloneDX VEX (no bomFormat "CycloneDX")`)
	}
	for i := range doc.Statements {
		if doc.Statements[i].At == "" {
			doc.Statements[i].At = doc.At
		}
	}
	doc.SHA256, doc.Size = in.sum(), in.n
	return doc, nil
}

// ReadVEX reads a VEX document of either format.
func ReadVEX(format, file string, r io.Reader) (*VEXDocument, error) {
	if format == FormatCycloneDXVEX {
		return ReadCycloneDXVEX(file, r)
	}
	return ReadOpenVEX(file, r)
}
