package catalog

import (
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

//go:embed data/*.json
var dataFS embed.FS

// Registry is the immutable, validated set of frameworks. It is safe for
// concurrent use: nothing changes it after Load.
type Registry struct {
	frameworks  []*Framework
	byName      map[string]*Framework // by ID and by prefix
	items       map[string]*Item
	frameworkOf map[string]*Framework
	children    map[string][]*Item
	related     map[string][]Relation
	byCitation  map[string]map[string]*Item // framework ID -> citation or alias -> item
	searchText  map[string]searchText
}

// Relation is one end of a mapping seen from an item: the other item, the
// mapping, and whether the mapping was declared on this item (Outgoing) or on
// the other one.
type Relation struct {
	Item     *Item
	Mapping  Mapping
	Outgoing bool
}

// frameworkOrder is the order frameworks are listed in.
var frameworkOrder = []string{HIPAASecurityRule, HPHCPG, NISTCSF2, HIPAANPRM2025}

// Load reads and validates the frameworks embedded in the binary.
func Load() (*Registry, error) {
	sub, err := fs.Sub(dataFS, "data")
	if err != nil {
		return nil, err
	}
	return LoadFS(sub)
}

// LoadFS reads and validates every *.json framework file at the root of fsys.
// It returns every problem it finds, not just the first.
func LoadFS(fsys fs.FS) (*Registry, error) {
	names, err := fs.Glob(fsys, "*.json")
	if err != nil {
		return nil, err
	}
	if len(names) == 0 {
		return nil, errors.New("catalog: no framework files")
	}
	var fws []*Framework
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			return nil, err
		}
		var fw Framework
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&fw); err != nil {
			return nil, fmt.Errorf("catalog: %s: %w", name, err)
		}
		for i, it := range fw.Items {
			if it == nil {
				return nil, fmt.Errorf("catalog: %s: item %d is null", name, i+1)
			}
		}
		if want := strings.TrimSuffix(path.Base(name), ".json"); fw.ID != want {
			return nil, fmt.Errorf("catalog: %s: framework id %q does not match the file name", name, fw.ID)
		}
		fws = append(fws, &fw)
	}
	sort.SliceStable(fws, func(i, j int) bool { return orderOf(fws[i].ID) < orderOf(fws[j].ID) })
	return build(fws)
}

// With returns a registry of r's frameworks and extra ones (an
// organisation's imported catalogs), validated as a whole: their ids,
// prefixes and items must not clash with r's. r is unchanged.
func (r *Registry) With(extra ...*Framework) (*Registry, error) {
	for i, fw := range extra {
		if fw == nil {
			return nil, fmt.Errorf("catalog: extra framework %d is nil", i+1)
		}
	}
	return build(append(slices.Clone(r.frameworks), extra...))
}

func build(fws []*Framework) (*Registry, error) {
	r := &Registry{
		frameworks:  fws,
		byName:      map[string]*Framework{},
		items:       map[string]*Item{},
		frameworkOf: map[string]*Framework{},
		children:    map[string][]*Item{},
		related:     map[string][]Relation{},
		byCitation:  map[string]map[string]*Item{},
		searchText:  map[string]searchText{},
	}
	if err := r.index(); err != nil {
		return nil, err
	}
	return r, nil
}

func orderOf(id string) int {
	for i, x := range frameworkOrder {
		if x == id {
			return i
		}
	}
	return len(frameworkOrder)
}

// index builds the lookup tables and validates the whole catalog.
func (r *Registry) index() error {
	var problems []string
	bad := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	for _, fw := range r.frameworks {
		for _, name := range []string{fw.ID, fw.Prefix} {
			if name == "" {
				bad("framework %q: id and prefix are required", fw.ID)
				continue
			}
			if other, dup := r.byName[name]; dup && other != fw {
				bad("framework name %q is used twice", name)
			}
			r.byName[name] = fw
		}
		if fw.Name == "" || fw.Version == "" || fw.Source.Document == "" {
			bad("framework %s: name, version and source document are required", fw.ID)
		}
		if fw.Basis != BasisRegulation && fw.Basis != BasisGuidance && fw.Basis != BasisProposed {
			bad("framework %s: basis must be %s, %s or %s, not %q", fw.ID, BasisRegulation, BasisGuidance, BasisProposed, fw.Basis)
		}
		r.byCitation[fw.ID] = map[string]*Item{}
		for _, it := range fw.Items {
			if it.ID == "" {
				bad("framework %s: an item has no id", fw.ID)
				continue
			}
			if _, dup := r.items[it.ID]; dup {
				bad("item %s: duplicate id", it.ID)
				continue
			}
			if !strings.HasPrefix(it.ID, fw.Prefix+"/") {
				bad("item %s: id must start with %q", it.ID, fw.Prefix+"/")
			}
			r.items[it.ID] = it
			r.frameworkOf[it.ID] = fw
			r.searchText[it.ID] = newSearchText(it)
			validateItem(it, bad)
			if it.Parent != "" {
				p, ok := r.items[it.Parent]
				if !ok || r.frameworkOf[p.ID] != fw {
					bad("item %s: parent %s is not an earlier item of %s", it.ID, it.Parent, fw.ID)
				} else {
					r.children[p.ID] = append(r.children[p.ID], it)
				}
			}
			for _, c := range append([]string{it.Citation}, it.Aliases...) {
				key := normCitation(c)
				if other, dup := r.byCitation[fw.ID][key]; dup && other != it {
					bad("item %s: citation or alias %q is also %s's", it.ID, c, other.ID)
				}
				r.byCitation[fw.ID][key] = it
			}
		}
	}
	for _, fw := range r.frameworks {
		for _, it := range fw.Items {
			seen := map[string]bool{}
			for _, m := range it.Mappings {
				to, ok := r.items[m.To]
				switch {
				case !ok:
					bad("item %s: mapping to unknown item %s", it.ID, m.To)
					continue
				case m.To == it.ID:
					bad("item %s: maps to itself", it.ID)
					continue
				case seen[m.To]:
					bad("item %s: maps to %s twice", it.ID, m.To)
					continue
				case m.Basis == "":
					bad("item %s: mapping to %s has no basis", it.ID, m.To)
				}
				seen[m.To] = true
				r.related[it.ID] = append(r.related[it.ID], Relation{Item: to, Mapping: m, Outgoing: true})
				r.related[to.ID] = append(r.related[to.ID], Relation{Item: it, Mapping: m})
			}
			if it.Guidance != nil {
				for _, ka := range it.Guidance.KeyActivities {
					if ka.ID == "" || ka.Title == "" {
						bad("item %s: a key activity has no id or title", it.ID)
					}
					for _, s := range ka.Specs {
						if sp, ok := r.items[s]; !ok || sp.Parent != it.ID {
							bad("item %s: key activity %s names %s, which is not one of its specifications", it.ID, ka.ID, s)
						}
					}
				}
			}
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("catalog is invalid:\n  %s", strings.Join(problems, "\n  "))
	}
	return nil
}

var kindsWithText = map[string]bool{KindProposal: true, KindGeneral: true, KindStandard: true, KindImplSpec: true, KindGoal: true, KindSubcategory: true, KindCategory: true, KindFunction: true}

func validateItem(it *Item, bad func(string, ...any)) {
	if it.Citation == "" || it.Title == "" || it.Kind == "" {
		bad("item %s: citation, title and kind are required", it.ID)
	}
	if kindsWithText[it.Kind] && it.Text == "" {
		bad("item %s: text is required for a %s", it.ID, it.Kind)
	}
	if it.Source.Document == "" {
		bad("item %s: source document is required", it.ID)
	}
	switch it.Kind {
	case KindImplSpec:
		if it.Required == nil {
			bad("item %s: an implementation specification must say Required or Addressable", it.ID)
		}
	case KindGoal:
		if it.Tier != TierEssential && it.Tier != TierEnhanced {
			bad("item %s: tier must be essential or enhanced, not %q", it.ID, it.Tier)
		}
	case KindSection, KindGeneral, KindStandard, KindFunction, KindCategory, KindSubcategory, KindControl, KindProposal:
	default:
		bad("item %s: unknown kind %q", it.ID, it.Kind)
	}
	if it.Required != nil && it.Kind != KindImplSpec {
		bad("item %s: only implementation specifications are Required or Addressable", it.ID)
	}
}

// normCitation makes "§ 164.312 (d)" and "164.312(D)" compare equal to
// "164.312(d)".
func normCitation(s string) string {
	s = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(s), "§"))
	s = strings.TrimPrefix(s, "45 CFR ")
	return strings.ToLower(strings.Join(strings.Fields(s), ""))
}

// Frameworks returns the frameworks in display order.
func (r *Registry) Frameworks() []*Framework { return r.frameworks }

// Framework returns a framework by its name ("hipaa-security-rule") or its
// item prefix ("hipaa-sr"). It returns a NotFound error naming the accepted
// names otherwise.
func (r *Registry) Framework(name string) (*Framework, error) {
	if fw, ok := r.byName[strings.ToLower(strings.TrimSpace(name))]; ok {
		return fw, nil
	}
	var names []string
	for _, fw := range r.frameworks {
		names = append(names, fw.ID)
	}
	return nil, errs.New(errs.NotFound, fmt.Sprintf("unknown framework %q (known: %s)", name, strings.Join(names, ", ")))
}

// Item returns an item by its full id.
func (r *Registry) Item(id string) (*Item, bool) {
	it, ok := r.items[id]
	return it, ok
}

// FrameworkOf returns the framework an item belongs to.
func (r *Registry) FrameworkOf(it *Item) *Framework { return r.frameworkOf[it.ID] }

// FindItem resolves ref within fw: a full id, a local id, a citation or an
// alias ("164.312(d)", "§ 164.312(d)", "hipaa-sr/164.312(d)", "164.310(a)").
// It returns a NotFound error otherwise.
func (r *Registry) FindItem(fw *Framework, ref string) (*Item, error) {
	ref = strings.TrimSpace(ref)
	if it, ok := r.items[ref]; ok && r.frameworkOf[it.ID] == fw {
		return it, nil
	}
	if it, ok := r.items[fw.Prefix+"/"+ref]; ok {
		return it, nil
	}
	if it, ok := r.byCitation[fw.ID][normCitation(ref)]; ok {
		return it, nil
	}
	return nil, errs.New(errs.NotFound, fmt.Sprintf("no item %q in %s", ref, fw.ID))
}

// Children returns an item's direct children in document order.
func (r *Registry) Children(id string) []*Item { return r.children[id] }

// Related returns the items mapped to or from an item, outgoing first.
func (r *Registry) Related(id string) []Relation { return r.related[id] }

// MappingIDs returns the ids of every item mapped to or from an item.
func (r *Registry) MappingIDs(id string) []string {
	rel := r.related[id]
	out := make([]string, 0, len(rel))
	for _, x := range rel {
		out = append(out, x.Item.ID)
	}
	return out
}

// Count returns how many items of each kind a framework holds. Withdrawn
// items are counted under "withdrawn" only.
func (r *Registry) Count(fw *Framework) map[string]int {
	out := map[string]int{}
	for _, it := range fw.Items {
		if it.Withdrawn {
			out["withdrawn"]++
			continue
		}
		out[it.Kind]++
	}
	return out
}
