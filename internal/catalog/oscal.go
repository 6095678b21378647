package catalog

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"
	"github.com/google/uuid"
)

// OSCALVersion is the OSCAL version of the catalogs ExportOSCAL writes.
const OSCALVersion = "1.1.3"

// OSCALNamespace qualifies the props, parts and facets Safeguard adds to
// the OSCAL documents it writes.
const OSCALNamespace = "https://github.com/safeguard-health/safeguard/ns/oscal"

const oscalNS = OSCALNamespace

// uuidNS seeds the name-based UUIDs of exported documents, so that the same
// catalog always exports with the same identifiers.
var uuidNS = uuid.MustParse("5b1d3c52-8f0e-4f4b-9a52-3a4c1e7d2f10")

var tokenUnsafe = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// oscalID turns an item into an OSCAL token: "hipaa-sr/164.312(a)(2)(iv)"
// becomes "hipaa-sr-164.312-a-2-iv". The citation itself travels in the
// "label" prop.
func oscalID(it *Item) string {
	id := tokenUnsafe.ReplaceAllString(strings.ReplaceAll(it.ID, "/", "-"), "-")
	return strings.Trim(strings.ReplaceAll(id, "--", "-"), "-")
}

// ExportOSCAL writes a framework as an OSCAL 1.1.3 catalog in JSON:
// sections, CPG tiers and CSF functions/categories as groups; standards,
// goals and subcategories as controls, with implementation specifications
// nested under their standard; the text as the statement; Required or
// Addressable, tier and source as props; SP 800-66r2 key activities and
// sample questions as guidance parts; mappings within the catalog as links.
// lastModified stamps the metadata.
func (r *Registry) ExportOSCAL(fw *Framework, lastModified time.Time) ([]byte, error) {
	ex := &oscalExport{r: r, fw: fw, ids: map[string]string{}}
	for _, it := range fw.Items {
		ex.ids[it.ID] = oscalID(it)
	}
	cat := oscal.Catalog{
		UUID: uuid.NewSHA1(uuidNS, []byte(fw.ID+"@"+fw.Version)).String(),
		Metadata: oscal.Metadata{
			Title:        fw.Name,
			Version:      fw.Version,
			OscalVersion: OSCALVersion,
			LastModified: lastModified.UTC().Truncate(time.Second),
			Remarks:      strings.Join(fw.Notes, "\n\n"),
			Props: &[]oscal.Property{
				{Name: "publisher", Ns: oscalNS, Value: clip(fw.Publisher)},
				{Name: "source", Ns: oscalNS, Value: clip(fw.Source.Document)},
			},
		},
	}
	if fw.Source.URL != "" {
		cat.Metadata.Links = &[]oscal.Link{{Href: fw.Source.URL, Rel: "reference", Text: fw.Source.Document}}
	}
	var groups []oscal.Group
	var loose []oscal.Control
	for _, it := range fw.Items {
		if it.Parent != "" {
			continue
		}
		switch it.Kind {
		case KindSection, KindFunction:
			groups = append(groups, ex.group(it))
		default:
			loose = append(loose, ex.control(it))
		}
	}
	if fw.ID == HPHCPG {
		groups, loose = ex.tierGroups(loose), nil
	}
	if len(groups) > 0 {
		cat.Groups = &groups
	}
	if len(loose) > 0 {
		cat.Controls = &loose
	}
	doc := struct {
		Catalog oscal.Catalog `json:"catalog"`
	}{cat}
	return json.MarshalIndent(doc, "", "  ")
}

type oscalExport struct {
	r   *Registry
	fw  *Framework
	ids map[string]string
}

func (ex *oscalExport) group(it *Item) oscal.Group {
	g := oscal.Group{ID: ex.ids[it.ID], Title: it.Citation + " " + it.Title, Class: it.Kind}
	props := []oscal.Property{{Name: "label", Value: it.Citation}}
	g.Props = &props
	if it.Text != "" {
		g.Parts = &[]oscal.Part{{ID: ex.ids[it.ID] + "_ovw", Name: "overview", Prose: it.Text}}
	}
	var sub []oscal.Group
	var controls []oscal.Control
	for _, c := range ex.r.Children(it.ID) {
		if c.Kind == KindCategory {
			sub = append(sub, ex.group(c))
		} else {
			controls = append(controls, ex.control(c))
		}
	}
	if len(sub) > 0 {
		g.Groups = &sub
	}
	if len(controls) > 0 {
		g.Controls = &controls
	}
	return g
}

func (ex *oscalExport) tierGroups(goals []oscal.Control) []oscal.Group {
	var out []oscal.Group
	for _, tier := range []string{TierEssential, TierEnhanced} {
		g := oscal.Group{ID: "hph-cpg-" + tier, Title: strings.ToUpper(tier[:1]) + tier[1:] + " goals", Class: "tier"}
		var cs []oscal.Control
		for _, c := range goals {
			for _, p := range *c.Props {
				if p.Name == "tier" && p.Value == tier {
					cs = append(cs, c)
				}
			}
		}
		g.Controls = &cs
		out = append(out, g)
	}
	return out
}

func (ex *oscalExport) control(it *Item) oscal.Control {
	id := ex.ids[it.ID]
	c := oscal.Control{ID: id, Title: it.Title, Class: it.Kind}
	props := []oscal.Property{{Name: "label", Value: it.Citation}}
	if req, ok := it.IsRequired(); ok {
		v := "addressable"
		if req {
			v = "required"
		}
		props = append(props, oscal.Property{Name: "implementation-specification", Ns: oscalNS, Value: v})
	}
	if it.Tier != "" {
		props = append(props, oscal.Property{Name: "tier", Ns: oscalNS, Value: it.Tier})
	}
	if it.Withdrawn {
		props = append(props, oscal.Property{Name: "status", Value: "withdrawn"})
	}
	for _, a := range it.Aliases {
		props = append(props, oscal.Property{Name: "alt-identifier", Value: a})
	}
	if it.Source.Citation != "" {
		props = append(props, oscal.Property{Name: "source-citation", Ns: oscalNS, Value: clip(it.Source.Citation)})
	}
	if it.Source.Wording != "" {
		props = append(props, oscal.Property{Name: "source-wording", Ns: oscalNS, Value: it.Source.Wording})
	}
	c.Props = &props
	prose := it.Text
	if it.LeadIn != "" {
		prose = it.LeadIn + "\n" + prose
	}
	parts := []oscal.Part{{ID: id + "_smt", Name: "statement", Prose: prose}}
	if it.Outcome != "" {
		parts = append(parts, oscal.Part{ID: id + "_obj", Name: "objective", Prose: it.Outcome})
	}
	if it.Guidance != nil {
		parts = append(parts, ex.guidance(id, it.Guidance))
	}
	c.Parts = &parts
	var links []oscal.Link
	if it.Source.URL != "" {
		links = append(links, oscal.Link{Href: it.Source.URL, Rel: "reference", Text: it.Source.Document})
	}
	for _, rel := range ex.r.Related(it.ID) {
		if other, ok := ex.ids[rel.Item.ID]; ok {
			links = append(links, oscal.Link{Href: "#" + other, Rel: "related"})
		}
	}
	if len(links) > 0 {
		c.Links = &links
	}
	var subs []oscal.Control
	for _, ch := range ex.r.Children(it.ID) {
		subs = append(subs, ex.control(ch))
	}
	if len(subs) > 0 {
		c.Controls = &subs
	}
	return c
}

func (ex *oscalExport) guidance(id string, g *Guidance) oscal.Part {
	var kas []oscal.Part
	for i, ka := range g.KeyActivities {
		kaID := id + "_gdn.ka" + strconv.Itoa(i+1)
		var desc []string
		for _, p := range ka.Description {
			desc = append(desc, p.Text)
			for _, s := range p.Sub {
				desc = append(desc, "- "+s)
			}
		}
		part := oscal.Part{ID: kaID, Name: "key-activity", Ns: oscalNS, Title: ka.Title, Prose: strings.Join(desc, "\n")}
		var qs []oscal.Part
		for j, q := range ka.SampleQuestions {
			qp := oscal.Part{ID: kaID + ".q" + strconv.Itoa(j+1), Name: "sample-question", Ns: oscalNS, Prose: q.Text}
			var sub []oscal.Part
			for k, s := range q.Sub {
				sub = append(sub, oscal.Part{ID: qp.ID + "." + strconv.Itoa(k+1), Name: "sample-question", Ns: oscalNS, Prose: s.Text})
			}
			if len(sub) > 0 {
				qp.Parts = &sub
			}
			qs = append(qs, qp)
		}
		if len(qs) > 0 {
			part.Parts = &qs
		}
		kas = append(kas, part)
	}
	return oscal.Part{ID: id + "_gdn", Name: "guidance", Title: "NIST SP 800-66 Rev. 2 key activities", Parts: &kas}
}

// clip keeps prop values on one line, as OSCAL's string type requires.
func clip(s string) string { return strings.Join(strings.Fields(s), " ") }

// OSCALControlID is the id an item's control has in the catalog
// ExportOSCAL writes: what other OSCAL documents (assessment results, a
// POA&M) point to.
func OSCALControlID(it *Item) string { return oscalID(it) }

// OSCALCatalogUUID is the UUID of the catalog ExportOSCAL writes for fw.
func OSCALCatalogUUID(fw *Framework) string {
	return uuid.NewSHA1(uuidNS, []byte(fw.ID+"@"+fw.Version)).String()
}
