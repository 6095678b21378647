package oscalimport

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Lookup returns the catalog a profile's import names, given the names it
// may go by (Sources). A profile imported before answers with the catalog
// it resolved to.
type Lookup func(names []string) (*oscal.Catalog, error)

// Resolve resolves a profile into the catalog it selects and tailors:
// each import's controls selected from its catalog, keeping the catalog's
// groups (OSCAL's "as-is" merge); a control appearing in two imports is
// kept once, as first selected; then the profile's set-parameters and
// alters applied. Errors are Invalid and name what the profile asks for
// that its catalog does not have.
func Resolve(p *oscal.Profile, lookup Lookup) (*oscal.Catalog, error) {
	out := &oscal.Catalog{UUID: p.UUID, Metadata: p.Metadata}
	seen := map[string]bool{}
	var groups []oscal.Group
	var loose []oscal.Control
	var params []oscal.Parameter
	for i, imp := range p.Imports {
		names := Sources(imp.Href, p.BackMatter)
		if len(names) == 0 {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("import %d of the profile (%s) names no catalog Safeguard can find", i+1, imp.Href))
		}
		cat, err := lookup(names)
		if err != nil {
			return nil, err
		}
		// The profile's modifications change the copy, never the catalog
		// the lookup keeps.
		if cat, err = clone(cat); err != nil {
			return nil, err
		}
		sel, err := selection(cat, imp)
		if err != nil {
			return nil, fmt.Errorf("import %d of the profile (%s): %w", i+1, names[0], err)
		}
		for id := range sel {
			if seen[id] {
				delete(sel, id)
			}
			seen[id] = true
		}
		for _, g := range pickGroups(deref(cat.Groups), sel) {
			if j := slices.IndexFunc(groups, func(x oscal.Group) bool { return x.ID != "" && x.ID == g.ID }); j >= 0 {
				groups[j].Controls = ptr(append(deref(groups[j].Controls), deref(g.Controls)...))
				continue
			}
			groups = append(groups, g)
		}
		loose = append(loose, pick(deref(cat.Controls), sel)...)
		params = append(params, deref(cat.Params)...)
		if out.BackMatter == nil {
			out.BackMatter = cat.BackMatter
		}
	}
	if len(groups) > 0 {
		out.Groups = &groups
	}
	if len(loose) > 0 {
		out.Controls = &loose
	}
	if len(params) > 0 {
		out.Params = &params
	}
	if len(seen) == 0 {
		return nil, errs.New(errs.Invalid, "the profile selects no control of the catalogs it imports")
	}
	if p.Modify != nil {
		if err := modify(out, p.Modify); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// selection is the ids of the controls one import selects.
func selection(cat *oscal.Catalog, imp oscal.Import) (map[string]bool, error) {
	children := map[string][]string{}
	var all []string
	var walk func(cs []oscal.Control, parent string)
	walk = func(cs []oscal.Control, parent string) {
		for _, c := range cs {
			all = append(all, c.ID)
			if parent != "" {
				children[parent] = append(children[parent], c.ID)
			}
			walk(deref(c.Controls), c.ID)
		}
	}
	var walkGroups func(gs []oscal.Group)
	walkGroups = func(gs []oscal.Group) {
		for _, g := range gs {
			walk(deref(g.Controls), "")
			walkGroups(deref(g.Groups))
		}
	}
	walk(deref(cat.Controls), "")
	walkGroups(deref(cat.Groups))
	known := map[string]bool{}
	for _, id := range all {
		known[id] = true
	}
	var descend func(id string, into map[string]bool)
	descend = func(id string, into map[string]bool) {
		for _, k := range children[id] {
			into[k] = true
			descend(k, into)
		}
	}
	choose := func(sels []oscal.SelectControlById, what string) (map[string]bool, error) {
		out := map[string]bool{}
		for _, s := range sels {
			var ids []string
			for _, id := range deref(s.WithIds) {
				if !known[id] {
					return nil, errs.New(errs.Invalid, fmt.Sprintf("it %s control %s, which the catalog does not have", what, id))
				}
				ids = append(ids, id)
			}
			for _, m := range deref(s.Matching) {
				if _, err := path.Match(m.Pattern, ""); err != nil {
					return nil, errs.New(errs.Invalid, fmt.Sprintf("its pattern %q is not a valid pattern", m.Pattern))
				}
				for _, id := range all {
					if ok, _ := path.Match(m.Pattern, id); ok {
						ids = append(ids, id)
					}
				}
			}
			for _, id := range ids {
				out[id] = true
				if s.WithChildControls == "yes" {
					descend(id, out)
				}
			}
		}
		return out, nil
	}
	sel := map[string]bool{}
	switch {
	case imp.IncludeAll != nil:
		for _, id := range all {
			sel[id] = true
		}
	case imp.IncludeControls != nil:
		var err error
		if sel, err = choose(*imp.IncludeControls, "includes"); err != nil {
			return nil, err
		}
	}
	if imp.ExcludeControls != nil {
		ex, err := choose(*imp.ExcludeControls, "excludes")
		if err != nil {
			return nil, err
		}
		for id := range ex {
			delete(sel, id)
		}
	}
	return sel, nil
}

// pick copies the selected controls of cs, with their selected children;
// a selected control whose parent is not selected takes its parent's place.
func pick(cs []oscal.Control, sel map[string]bool) []oscal.Control {
	var out []oscal.Control
	for _, c := range cs {
		kids := pick(deref(c.Controls), sel)
		if !sel[c.ID] {
			out = append(out, kids...)
			continue
		}
		c.Controls = nil
		if len(kids) > 0 {
			c.Controls = &kids
		}
		out = append(out, c)
	}
	return out
}

// pickGroups keeps the groups that hold a selected control.
func pickGroups(gs []oscal.Group, sel map[string]bool) []oscal.Group {
	var out []oscal.Group
	for _, g := range gs {
		cs := pick(deref(g.Controls), sel)
		sub := pickGroups(deref(g.Groups), sel)
		if len(cs)+len(sub) == 0 {
			continue
		}
		g.Controls, g.Groups = nil, nil
		if len(cs) > 0 {
			g.Controls = &cs
		}
		if len(sub) > 0 {
			g.Groups = &sub
		}
		out = append(out, g)
	}
	return out
}

// modify applies a profile's set-parameters and alters to the resolved
// catalog.
func modify(cat *oscal.Catalog, m *oscal.Modify) error {
	params := map[string]*oscal.Parameter{}
	controls := map[string]*oscal.Control{}
	indexParams := func(ps *[]oscal.Parameter) {
		if ps == nil {
			return
		}
		for i := range *ps {
			params[(*ps)[i].ID] = &(*ps)[i]
		}
	}
	var walk func(cs *[]oscal.Control)
	walk = func(cs *[]oscal.Control) {
		if cs == nil {
			return
		}
		for i := range *cs {
			c := &(*cs)[i]
			controls[c.ID] = c
			indexParams(c.Params)
			walk(c.Controls)
		}
	}
	var walkGroups func(gs *[]oscal.Group)
	walkGroups = func(gs *[]oscal.Group) {
		if gs == nil {
			return
		}
		for i := range *gs {
			indexParams((*gs)[i].Params)
			walk((*gs)[i].Controls)
			walkGroups((*gs)[i].Groups)
		}
	}
	indexParams(cat.Params)
	walk(cat.Controls)
	walkGroups(cat.Groups)
	for _, s := range deref(m.SetParameters) {
		p, ok := params[s.ParamId]
		if !ok {
			return errs.New(errs.Invalid, fmt.Sprintf("the profile sets parameter %s, which no selected control has", s.ParamId))
		}
		if s.Label != "" {
			p.Label = s.Label
		}
		if s.Values != nil {
			p.Values = s.Values
		}
		if s.Select != nil {
			p.Select = s.Select
		}
		if s.Guidelines != nil {
			p.Guidelines = s.Guidelines
		}
		if s.Constraints != nil {
			p.Constraints = s.Constraints
		}
		if s.Usage != "" {
			p.Usage = s.Usage
		}
		if s.Props != nil {
			p.Props = ptr(append(deref(p.Props), *s.Props...))
		}
	}
	for _, a := range deref(m.Alters) {
		c, ok := controls[a.ControlId]
		if !ok {
			return errs.New(errs.Invalid, fmt.Sprintf("the profile alters control %s, which it does not select", a.ControlId))
		}
		for _, r := range deref(a.Removes) {
			c.Parts = removeParts(c.Parts, r)
			c.Props = removeProps(c.Props, r)
		}
		for _, add := range deref(a.Adds) {
			if err := addTo(c, add); err != nil {
				return fmt.Errorf("the profile's alteration of %s: %w", a.ControlId, err)
			}
		}
	}
	return nil
}

func matchesRemoval(r oscal.Removal, id, name, class, ns string) bool {
	if r.ById == "" && r.ByName == "" && r.ByClass == "" && r.ByNs == "" && r.ByItemName == "" {
		return false
	}
	return (r.ById == "" || r.ById == id) && (r.ByName == "" || r.ByName == name) &&
		(r.ByClass == "" || r.ByClass == class) && (r.ByNs == "" || r.ByNs == ns) && (r.ByItemName == "" || r.ByItemName == "part")
}

func removeParts(ps *[]oscal.Part, r oscal.Removal) *[]oscal.Part {
	if ps == nil {
		return nil
	}
	var out []oscal.Part
	for _, p := range *ps {
		if matchesRemoval(r, p.ID, p.Name, p.Class, p.Ns) {
			continue
		}
		p.Parts = removeParts(p.Parts, r)
		p.Props = removeProps(p.Props, r)
		out = append(out, p)
	}
	if out == nil {
		return nil
	}
	return &out
}

func removeProps(ps *[]oscal.Property, r oscal.Removal) *[]oscal.Property {
	if ps == nil {
		return nil
	}
	if r.ByItemName == "part" {
		return ps
	}
	var out []oscal.Property
	for _, p := range *ps {
		if r.ById == "" && matchesRemoval(oscal.Removal{ByName: r.ByName, ByClass: r.ByClass, ByNs: r.ByNs}, "", p.Name, p.Class, p.Ns) {
			continue
		}
		out = append(out, p)
	}
	if out == nil {
		return nil
	}
	return &out
}

// addTo makes one addition to a control: at its start or end, or (by-id)
// at the start or end of one of its parts, or before or after that part.
func addTo(c *oscal.Control, add oscal.Addition) error {
	pos := add.Position
	if pos == "" {
		pos = "ending"
	}
	if add.ById == "" || add.ById == c.ID {
		if pos == "before" || pos == "after" {
			pos = map[string]string{"before": "starting", "after": "ending"}[pos]
		}
		c.Params = join(c.Params, add.Params, pos == "starting")
		c.Props = join(c.Props, add.Props, pos == "starting")
		c.Links = join(c.Links, add.Links, pos == "starting")
		c.Parts = join(c.Parts, add.Parts, pos == "starting")
		return nil
	}
	var done bool
	var visit func(ps *[]oscal.Part) *[]oscal.Part
	visit = func(ps *[]oscal.Part) *[]oscal.Part {
		if ps == nil || done {
			return ps
		}
		for i := range *ps {
			p := &(*ps)[i]
			if p.ID != add.ById {
				p.Parts = visit(p.Parts)
				if done {
					return ps
				}
				continue
			}
			done = true
			switch pos {
			case "starting", "ending":
				p.Props = join(p.Props, add.Props, pos == "starting")
				p.Links = join(p.Links, add.Links, pos == "starting")
				p.Parts = join(p.Parts, add.Parts, pos == "starting")
				return ps
			default:
				at := i
				if pos == "after" {
					at = i + 1
				}
				out := slices.Insert(slices.Clone(*ps), at, deref(add.Parts)...)
				return &out
			}
		}
		return ps
	}
	c.Parts = visit(c.Parts)
	if !done {
		return errs.New(errs.Invalid, fmt.Sprintf("it adds by id %s, which is no part of the control", add.ById))
	}
	return nil
}

func join[T any](to, add *[]T, first bool) *[]T {
	if add == nil || len(*add) == 0 {
		return to
	}
	var out []T
	if first {
		out = append(slices.Clone(*add), deref(to)...)
	} else {
		out = append(slices.Clone(deref(to)), *add...)
	}
	return &out
}

func clone(c *oscal.Catalog) (*oscal.Catalog, error) {
	data, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	var out oscal.Catalog
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

func deref[T any](p *[]T) []T {
	if p == nil {
		return nil
	}
	return *p
}

func ptr[T any](v []T) *[]T { return &v }
