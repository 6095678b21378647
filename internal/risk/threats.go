package risk

import (
	_ "embed"
	"encoding/json"
	"fmt"

	"github.com/safeguard-health/safeguard/internal/catalog"
)

//go:embed threats.json
var threatsJSON []byte

// A Source is where a threat comes from: the document and the place in it.
type Source struct {
	Document  string `json:"document"`
	Reference string `json:"reference"`
}

// A Threat is an entry of the built-in threat catalog.
type Threat struct {
	ID          string      `json:"id"`
	Name        string      `json:"name"`
	Description string      `json:"description"`
	Category    string      `json:"category"`
	Sources     []Source    `json:"sources"`
	AssetTypes  []AssetType `json:"asset_types"`
	Items       []string    `json:"items"`
}

// CategoryLabel names the threat's SP 800-30 source category for people.
func (t *Threat) CategoryLabel() string {
	switch t.Category {
	case "adversarial":
		return "Adversarial"
	case "accidental":
		return "Accidental"
	case "structural":
		return "Structural"
	case "environmental":
		return "Environmental"
	}
	return t.Category
}

// AppliesTo reports whether the catalog suggests the threat for an asset
// type.
func (t *Threat) AppliesTo(at AssetType) bool {
	for _, x := range t.AssetTypes {
		if x == at {
			return true
		}
	}
	return false
}

// Threats is the catalog: its notes and its threats in catalog order.
type Threats struct {
	Notes   []string  `json:"notes"`
	Threats []*Threat `json:"threats"`
	byID    map[string]*Threat
}

// Lookup returns a threat by id.
func (c *Threats) Lookup(id string) (*Threat, bool) {
	t, ok := c.byID[id]
	return t, ok
}

// Name is a threat's name, or the id when the catalog does not hold it.
func (c *Threats) Name(id string) string {
	if t, ok := c.byID[id]; ok {
		return t.Name
	}
	return id
}

// LoadThreats reads the embedded catalog and checks it against the
// registry: ids unique, categories and asset types known, every source
// given and every item in the catalog of requirements.
func LoadThreats(reg *catalog.Registry) (*Threats, error) {
	var c Threats
	if err := json.Unmarshal(threatsJSON, &c); err != nil {
		return nil, fmt.Errorf("threats.json: %w", err)
	}
	c.byID = make(map[string]*Threat, len(c.Threats))
	for _, t := range c.Threats {
		if t.ID == "" || t.Name == "" || t.Description == "" {
			return nil, fmt.Errorf("threats.json: threat %q: id, name and description are required", t.ID)
		}
		if _, dup := c.byID[t.ID]; dup {
			return nil, fmt.Errorf("threats.json: threat %q appears twice", t.ID)
		}
		c.byID[t.ID] = t
		if t.CategoryLabel() == t.Category {
			return nil, fmt.Errorf("threats.json: threat %q: category %q is not one of SP 800-30's four", t.ID, t.Category)
		}
		if len(t.Sources) == 0 {
			return nil, fmt.Errorf("threats.json: threat %q has no source", t.ID)
		}
		for _, at := range t.AssetTypes {
			if _, ok := ParseAssetType(string(at)); !ok {
				return nil, fmt.Errorf("threats.json: threat %q: unknown asset type %q", t.ID, at)
			}
		}
		for _, id := range t.Items {
			if _, ok := reg.Item(id); !ok {
				return nil, fmt.Errorf("threats.json: threat %q: item %q is not in the catalog", t.ID, id)
			}
		}
	}
	return &c, nil
}

// ForAsset lists the threats the catalog suggests for an asset type, in
// catalog order.
func (c *Threats) ForAsset(at AssetType) []*Threat {
	var out []*Threat
	for _, t := range c.Threats {
		if t.AppliesTo(at) {
			out = append(out, t)
		}
	}
	return out
}
