// Package oscalimport reads OSCAL catalogs and profiles (NIST SP 800-53
// Rev. 5 and its baselines, or any other) and turns them into frameworks an
// organisation can assess against. A document is validated against the
// official OSCAL schema of its version before it is read; a profile is
// resolved against the catalogs it imports: its controls selected
// (include-all, include-controls by id or pattern, with or without their
// child controls, exclude-controls), its parameters set and its
// alterations made, as OSCAL's profile resolution specifies.
package oscalimport

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"

	"github.com/defenseunicorns/go-oscal/src/pkg/validation"
	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// MaxBytes bounds a document read for import: the full SP 800-53 Rev. 5
// catalog is about 10 MB.
const MaxBytes = 64 << 20

// The models a framework is made from.
const (
	ModelCatalog = "catalog"
	ModelProfile = "profile"
)

// Document is one OSCAL catalog or profile, read and validated.
type Document struct {
	Model        string // ModelCatalog or ModelProfile
	Title        string
	Version      string
	OSCALVersion string
	UUID         string
	Publisher    string
	Catalog      *oscal.Catalog
	Profile      *oscal.Profile
}

// Read reads one OSCAL document in JSON from r, validates it against the
// official schema of the OSCAL version it declares, and returns it. Errors
// are Invalid and name the file and, for a schema violation, where in the
// document it is.
func Read(name string, r io.Reader) (*Document, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, "cannot read "+name, err)
	}
	if len(data) > MaxBytes {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s is larger than %d MB, more than any OSCAL catalog Safeguard reads", name, MaxBytes>>20))
	}
	trimmed := bytes.TrimSpace(data)
	if len(trimmed) == 0 {
		return nil, errs.New(errs.Invalid, name+" is empty")
	}
	if trimmed[0] != '{' {
		return nil, errs.New(errs.Invalid, name+": Safeguard reads OSCAL in JSON; convert an XML or YAML document to JSON first (NIST publishes each catalog and profile in all three)")
	}
	var probe map[string]any
	if err := json.Unmarshal(trimmed, &probe); err != nil {
		return nil, errs.Wrap(errs.Invalid, name+" is not valid JSON", err)
	}
	var model string
	for _, m := range []string{ModelCatalog, ModelProfile} {
		if _, ok := probe[m]; ok {
			model = m
		}
	}
	if model == "" {
		var keys []string
		for k := range probe {
			keys = append(keys, k)
		}
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s is not an OSCAL catalog or profile (its top-level key is %s)", name, strings.Join(keys, ", ")))
	}
	// The validator reads bytes as YAML, which refuses some JSON escapes:
	// it is given the document decoded.
	v, err := validation.NewValidator(probe)
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, name+" is not an OSCAL document Safeguard can validate", err)
	}
	if err := v.Validate(); err != nil {
		res, _ := v.GetValidationResult()
		var where []string
		for i, e := range res.Errors {
			if i == 3 {
				where = append(where, fmt.Sprintf("and %d more", len(res.Errors)-3))
				break
			}
			loc := e.InstanceLocation
			if loc == "" {
				loc = "/"
			}
			where = append(where, loc+": "+e.Error)
		}
		if len(where) == 0 {
			where = append(where, err.Error())
		}
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s does not conform to the OSCAL schema: %s", name, strings.Join(where, "; ")))
	}
	var doc oscal.OscalModels
	if err := json.Unmarshal(trimmed, &doc); err != nil {
		return nil, errs.Wrap(errs.Invalid, name+" cannot be read as OSCAL", err)
	}
	out := &Document{Model: model, Catalog: doc.Catalog, Profile: doc.Profile}
	var md oscal.Metadata
	if doc.Catalog != nil {
		md, out.UUID = doc.Catalog.Metadata, doc.Catalog.UUID
	} else {
		md, out.UUID = doc.Profile.Metadata, doc.Profile.UUID
	}
	out.Title, out.Version, out.OSCALVersion = strings.TrimSpace(md.Title), strings.TrimSpace(md.Version), md.OscalVersion
	out.Publisher = publisher(md)
	return out, nil
}

// publisher is the party responsible as the document's creator, or the
// first organisation named.
func publisher(md oscal.Metadata) string {
	if md.Parties == nil {
		return ""
	}
	byUUID := map[string]string{}
	first := ""
	for _, p := range *md.Parties {
		byUUID[p.UUID] = p.Name
		if first == "" && p.Type == "organization" {
			first = p.Name
		}
	}
	if md.ResponsibleParties != nil {
		for _, rp := range *md.ResponsibleParties {
			if rp.RoleId == "creator" && len(rp.PartyUuids) > 0 && byUUID[rp.PartyUuids[0]] != "" {
				return byUUID[rp.PartyUuids[0]]
			}
		}
	}
	return first
}

// Sources are the names an import's href may go by: the href itself or,
// for a reference to the profile's back matter ("#uuid"), the resource's
// links. Each is a file name without its folder and extension
// ("NIST_SP-800-53_rev5_catalog"), so that a catalog imported from its
// JSON form answers a profile that names its XML form too.
func Sources(href string, back *oscal.BackMatter) []string {
	var raw []string
	if id, ok := strings.CutPrefix(href, "#"); ok {
		if back != nil && back.Resources != nil {
			for _, res := range *back.Resources {
				if res.UUID != id || res.Rlinks == nil {
					continue
				}
				for _, l := range *res.Rlinks {
					raw = append(raw, l.Href)
				}
			}
		}
	} else {
		raw = append(raw, href)
	}
	var out []string
	seen := map[string]bool{}
	for _, h := range raw {
		s := Stem(h)
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// Stem is a file name or link without its folder, query and extension,
// lower-cased: "../json/NIST_SP-800-53_rev5_catalog.json" is
// "nist_sp-800-53_rev5_catalog".
func Stem(name string) string {
	name, _, _ = strings.Cut(name, "?")
	name, _, _ = strings.Cut(name, "#")
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" {
		return ""
	}
	for _, ext := range []string{".json", ".xml", ".yaml", ".yml"} {
		name = strings.TrimSuffix(strings.TrimSuffix(name, ext), strings.ToUpper(ext))
	}
	return strings.ToLower(name)
}

var slugRun = regexp.MustCompile(`[^a-z0-9.]+`)

// Slug makes a framework id from a document's title: lower case, words
// joined by hyphens, at most 60 characters cut at a word.
func Slug(title string) string {
	s := strings.Trim(slugRun.ReplaceAllString(strings.ToLower(title), "-"), "-.")
	for len(s) > 60 {
		i := strings.LastIndexByte(s[:60], '-')
		if i <= 0 {
			s = s[:60]
			break
		}
		s = s[:i]
	}
	return strings.Trim(s, "-.")
}
