package generate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/safeguard-health/safeguard/internal/catalog"
)

type csfElement struct {
	ID       string       `json:"elementIdentifier"`
	Type     string       `json:"elementTypeIdentifier"`
	Title    string       `json:"title"`
	Text     string       `json:"text"`
	Elements []csfElement `json:"elements"`
	External []struct {
		ID       string `json:"elementIdentifier"`
		Text     string `json:"text"`
		OLIRName string `json:"olirName"`
	} `json:"externalRelationships"`
}

// csf11OLIR is NIST's own mapping of CSF 1.1 to CSF 2.0, carried in the
// reference-tool export.
const csf11OLIR = "Cybersecurity-Framework-v1.1-to-Cybersecurity-Framework-v2.0"

const csfURL = "https://doi.org/10.6028/NIST.CSWP.29"

// buildCSF reads NIST's CSF 2.0 reference-tool export.
func buildCSF(data []byte, fileName string) (*catalog.Framework, error) {
	var ex struct {
		Response struct {
			Elements []csfElement `json:"elements"`
		} `json:"response"`
	}
	if err := json.Unmarshal(data, &ex); err != nil {
		return nil, fmt.Errorf("CSF 2.0 export: %w", err)
	}
	fw := &catalog.Framework{
		ID:        catalog.NISTCSF2,
		Prefix:    "csf2",
		Name:      "NIST Cybersecurity Framework 2.0",
		ShortName: "CSF 2.0",
		Version:   "2.0",
		Publisher: "National Institute of Standards and Technology",
		Basis:     catalog.BasisGuidance,
		Source: catalog.Source{
			Document: "The NIST Cybersecurity Framework (CSF) 2.0, NIST CSWP 29 (February 26, 2024)",
			URL:      csfURL,
			Wording:  "verbatim",
			Note:     "Generated from NIST's CSF 2.0 Reference Tool JSON export (" + fileName + ") by internal/catalog/gen.",
		},
		Notes: []string{
			"Functions, categories and subcategories are NIST's. Identifiers NIST withdrew from the draft are kept, marked withdrawn, with NIST's reason, so that older references resolve.",
			"Each subcategory lists the CSF 1.1 subcategories NIST's own OLIR mapping (" + csf11OLIR + ") relates to it.",
		},
	}
	var walk func(es []csfElement, parent string) error
	walk = func(es []csfElement, parent string) error {
		for _, e := range es {
			var kind string
			switch e.Type {
			case "function":
				kind = catalog.KindFunction
			case "category":
				kind = catalog.KindCategory
			case "subcategory":
				kind = catalog.KindSubcategory
			default:
				continue
			}
			it := &catalog.Item{
				ID: "csf2/" + e.ID, Citation: e.ID, Kind: kind, Parent: parent,
				Title: clean(e.Title), Text: clean(e.Text),
				Source: catalog.Source{Document: "NIST CSWP 29, CSF 2.0 Core", Citation: e.ID, URL: csfURL, Wording: "verbatim"},
			}
			for _, sub := range e.Elements {
				if sub.Type == "withdraw_reason" {
					it.Withdrawn = true
					it.Text = clean(sub.Text)
				}
			}
			if kind == catalog.KindFunction && it.Title != "" {
				it.Title = strings.ToUpper(it.Title[:1]) + strings.ToLower(it.Title[1:])
			}
			if it.Title == "" {
				it.Title = it.Text
			}
			if it.Withdrawn {
				it.Title = e.ID + " (withdrawn)"
			}
			seen := map[string]bool{}
			for _, x := range e.External {
				if x.OLIRName == csf11OLIR && kind == catalog.KindSubcategory && !seen[x.ID] {
					seen[x.ID] = true
					it.References = append(it.References, catalog.Reference{
						Framework: "NIST CSF 1.1", ID: x.ID, Title: clean(x.Text), Basis: "NIST OLIR " + csf11OLIR,
					})
				}
			}
			sort.Slice(it.References, func(i, j int) bool { return it.References[i].ID < it.References[j].ID })
			fw.Items = append(fw.Items, it)
			if err := walk(e.Elements, it.ID); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(ex.Response.Elements, ""); err != nil {
		return nil, err
	}
	return fw, nil
}
