package oscalimport

import (
	"fmt"
	"regexp"
	"strings"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// Framework turns a catalog (a document's own, or a profile's resolved
// one) into a framework with the id given: a section item per group, an
// assessable control item per control that is not withdrawn, enhancements
// under their control. A control's text is its statement with each
// parameter shown as the catalog or profile sets it, or as SP 800-53 prints
// an unset one ("[Assignment: organization-defined frequency]",
// "[Selection (one or more): …]"); its discussion is its guidance.
func Framework(doc *Document, cat *oscal.Catalog, id, note string) (*catalog.Framework, error) {
	if cat == nil {
		return nil, errs.New(errs.Invalid, "no catalog to make a framework of")
	}
	if err := CheckID(id); err != nil {
		return nil, err
	}
	version := doc.Version
	if version == "" {
		version = "unversioned"
	}
	src := catalog.Source{Document: doc.Title, Citation: "OSCAL " + doc.Model + " " + doc.UUID, Wording: "verbatim", Note: note}
	fw := &catalog.Framework{
		ID: id, Prefix: id, Name: doc.Title, ShortName: doc.Title, Version: version, Publisher: doc.Publisher,
		Basis: catalog.BasisGuidance, Source: src,
	}
	b := builder{fw: fw, params: map[string]*oscal.Parameter{}, doc: doc.Title}
	b.indexParams(cat.Params)
	var indexGroups func(gs []oscal.Group)
	var indexControls func(cs []oscal.Control)
	indexControls = func(cs []oscal.Control) {
		for i := range cs {
			b.indexParams(cs[i].Params)
			indexControls(deref(cs[i].Controls))
		}
	}
	indexGroups = func(gs []oscal.Group) {
		for i := range gs {
			b.indexParams(gs[i].Params)
			indexControls(deref(gs[i].Controls))
			indexGroups(deref(gs[i].Groups))
		}
	}
	indexControls(deref(cat.Controls))
	indexGroups(deref(cat.Groups))
	b.controls(deref(cat.Controls), "")
	b.groups(deref(cat.Groups), "")
	b.relate()
	if b.assessable == 0 {
		return nil, errs.New(errs.Invalid, doc.Title+" holds no control to assess")
	}
	fw.Notes = append(fw.Notes, fmt.Sprintf("%d controls to assess, from the OSCAL %s %q version %s (OSCAL %s).", b.assessable, doc.Model, doc.Title, version, doc.OSCALVersion))
	if b.withdrawn > 0 {
		fw.Notes = append(fw.Notes, fmt.Sprintf("%d withdrawn controls are left out.", b.withdrawn))
	}
	return fw, nil
}

var validID = regexp.MustCompile(`^[a-z][a-z0-9.-]{0,59}$`)

// CheckID returns an Invalid error unless id can name a framework: lower
// case letters, digits, dots and hyphens, at most 60, from a letter.
func CheckID(id string) error {
	if !validID.MatchString(id) {
		return errs.New(errs.Invalid, fmt.Sprintf("framework: %q is not a framework id: use lower-case letters, digits, dots and hyphens, at most 60, starting with a letter", id))
	}
	return nil
}

type builder struct {
	fw         *catalog.Framework
	params     map[string]*oscal.Parameter
	doc        string
	seen       map[string]bool
	assessable int
	withdrawn  int
	// related are the controls each control links to as related, by item.
	related map[*catalog.Item][]string
}

// relate maps each control to the controls its catalog links to as
// related ("rel": "related", as SP 800-53 names its related controls),
// those the framework holds: a baseline's links to controls outside it are
// dropped. The catalog's publisher drew those lines.
func (b *builder) relate() {
	for _, it := range b.fw.Items {
		seen := map[string]bool{}
		for _, to := range b.related[it] {
			id := b.fw.Prefix + "/" + to
			if seen[id] || id == it.ID || !b.seen[id] {
				continue
			}
			seen[id] = true
			it.Mappings = append(it.Mappings, catalog.Mapping{To: id, Basis: "publisher", Rationale: "a related control, as the catalog links it"})
		}
	}
}

func (b *builder) indexParams(ps *[]oscal.Parameter) {
	for i := range deref(ps) {
		b.params[(*ps)[i].ID] = &(*ps)[i]
	}
}

func (b *builder) add(it *catalog.Item) {
	if b.seen == nil {
		b.seen = map[string]bool{}
	}
	// Ids are unique within a valid catalog; a profile merging two
	// catalogs could still repeat a group's id.
	base, n := it.ID, 1
	for b.seen[it.ID] {
		n++
		it.ID = fmt.Sprintf("%s-%d", base, n)
	}
	b.seen[it.ID] = true
	b.fw.Items = append(b.fw.Items, it)
}

func (b *builder) groups(gs []oscal.Group, parent string) {
	for i, g := range gs {
		local := g.ID
		if local == "" {
			local = fmt.Sprintf("group-%d", i+1)
		}
		it := &catalog.Item{
			ID: b.fw.Prefix + "/" + local, Citation: citation(g.Props, g.ID, g.Title), Title: title(g.Title, local), Kind: catalog.KindSection,
			Parent: parent, Text: prose(deref(g.Parts), "overview"),
			Source: catalog.Source{Document: b.doc, Citation: citation(g.Props, g.ID, g.Title), Wording: "verbatim"},
		}
		b.add(it)
		b.controls(deref(g.Controls), it.ID)
		b.groups(deref(g.Groups), it.ID)
	}
}

func (b *builder) controls(cs []oscal.Control, parent string) {
	for _, c := range cs {
		if withdrawn(c) {
			b.withdrawn++
			continue
		}
		cite := citation(c.Props, c.ID, c.Title)
		it := &catalog.Item{
			ID: b.fw.Prefix + "/" + c.ID, Citation: cite, Title: title(c.Title, c.ID), Kind: catalog.KindControl, Parent: parent,
			Text:       b.statement(deref(c.Parts)),
			Discussion: b.render(prose(deref(c.Parts), "guidance"), 0),
			Source:     catalog.Source{Document: b.doc, Citation: cite, Wording: "verbatim"},
		}
		b.add(it)
		b.assessable++
		for _, l := range deref(c.Links) {
			if to, ok := strings.CutPrefix(l.Href, "#"); ok && l.Rel == "related" {
				if b.related == nil {
					b.related = map[*catalog.Item][]string{}
				}
				b.related[it] = append(b.related[it], to)
			}
		}
		b.controls(deref(c.Controls), it.ID)
	}
}

// citation is a control's or group's label as the catalog prints it
// ("AC-2", "AC-2(1)"), or its id in capitals.
func citation(props *[]oscal.Property, id, fallback string) string {
	var classed string
	for _, p := range deref(props) {
		if p.Name != "label" {
			continue
		}
		if p.Class == "" {
			return p.Value
		}
		if classed == "" {
			classed = p.Value
		}
	}
	switch {
	case classed != "":
		return classed
	case id != "":
		return strings.ToUpper(id)
	}
	return fallback
}

func title(t, fallback string) string {
	if t = strings.TrimSpace(t); t != "" {
		return t
	}
	return fallback
}

func withdrawn(c oscal.Control) bool {
	for _, p := range deref(c.Props) {
		if p.Name == "status" && (strings.EqualFold(p.Value, "withdrawn") || strings.EqualFold(p.Value, "moved-to")) {
			return true
		}
	}
	return false
}

// prose is the prose of the parts named name and of their sub-parts, in
// paragraphs.
func prose(parts []oscal.Part, name string) string {
	var out []string
	var walk func(ps []oscal.Part)
	walk = func(ps []oscal.Part) {
		for _, p := range ps {
			if s := strings.TrimSpace(p.Prose); s != "" {
				out = append(out, s)
			}
			walk(deref(p.Parts))
		}
	}
	for _, p := range parts {
		if p.Name == name {
			walk([]oscal.Part{p})
		}
	}
	return strings.Join(out, "\n\n")
}

// statement is a control's statement: its prose, then each item on a line
// of its own with its label, indented by depth.
func (b *builder) statement(parts []oscal.Part) string {
	var lines []string
	var walk func(ps []oscal.Part, depth int)
	walk = func(ps []oscal.Part, depth int) {
		for _, p := range ps {
			text := strings.TrimSpace(b.render(p.Prose, 0))
			if label := citation(p.Props, "", ""); label != "" && p.Name == "item" {
				text = strings.TrimSpace(label + " " + text)
			}
			if text != "" {
				lines = append(lines, strings.Repeat("  ", depth)+text)
			}
			walk(deref(p.Parts), depth+1)
		}
	}
	for _, p := range parts {
		if p.Name == "statement" {
			if s := strings.TrimSpace(b.render(p.Prose, 0)); s != "" {
				lines = append(lines, s)
			}
			walk(deref(p.Parts), 0)
		}
	}
	return strings.Join(lines, "\n")
}

var insertParam = regexp.MustCompile(`\{\{\s*insert:\s*param,\s*([^\s}]+)\s*\}\}`)

// render replaces each parameter insertion in s.
func (b *builder) render(s string, depth int) string {
	return insertParam.ReplaceAllStringFunc(s, func(m string) string {
		id := insertParam.FindStringSubmatch(m)[1]
		p, ok := b.params[id]
		if !ok || depth > 4 {
			return "[Assignment: " + id + "]"
		}
		if vs := deref(p.Values); len(vs) > 0 {
			return strings.Join(vs, ", ")
		}
		if p.Select != nil {
			var choices []string
			for _, c := range deref(p.Select.Choice) {
				choices = append(choices, b.render(c, depth+1))
			}
			head := "Selection"
			if p.Select.HowMany == "one-or-more" {
				head = "Selection (one or more)"
			}
			return "[" + head + ": " + strings.Join(choices, "; ") + "]"
		}
		if p.Label != "" {
			return "[Assignment: organization-defined " + p.Label + "]"
		}
		return "[Assignment: " + id + "]"
	})
}
