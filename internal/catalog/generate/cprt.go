package generate

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
)

type cprtElement struct {
	Type  string `json:"element_type"`
	ID    string `json:"element_identifier"`
	Title string `json:"title"`
	Text  string `json:"text"`
}

type cprtRelationship struct {
	Source string `json:"source_element_identifier"`
	Dest   string `json:"dest_element_identifier"`
}

type cprtExport struct {
	Response struct {
		Elements struct {
			Documents []struct {
				ID      string `json:"doc_identifier"`
				Name    string `json:"name"`
				Version string `json:"version"`
				Website string `json:"website"`
			} `json:"documents"`
			Elements      []cprtElement      `json:"elements"`
			Relationships []cprtRelationship `json:"relationships"`
		} `json:"elements"`
	} `json:"response"`
}

// cprt indexes the SP 800-66r2 export.
type cprt struct {
	byID     map[string]cprtElement
	children map[string][]string // source -> dests, in the export's order
	doc      struct{ name, version, website string }
}

func parseCPRT(data []byte) (*cprt, error) {
	var ex cprtExport
	if err := json.Unmarshal(data, &ex); err != nil {
		return nil, fmt.Errorf("SP 800-66r2 CPRT export: %w", err)
	}
	c := &cprt{byID: map[string]cprtElement{}, children: map[string][]string{}}
	els := ex.Response.Elements
	if len(els.Documents) == 0 || len(els.Elements) == 0 {
		return nil, fmt.Errorf("SP 800-66r2 CPRT export: no documents or elements")
	}
	c.doc.name, c.doc.version, c.doc.website = els.Documents[0].Name, els.Documents[0].Version, els.Documents[0].Website
	for _, e := range els.Elements {
		c.byID[e.ID] = e
	}
	for _, r := range els.Relationships {
		c.children[r.Source] = append(c.children[r.Source], r.Dest)
	}
	return c, nil
}

// childrenOfType returns the element's related elements of one type, in
// NIST's numbering order.
func (c *cprt) childrenOfType(id, typ string) []cprtElement {
	var out []cprtElement
	for _, d := range c.children[id] {
		if e, ok := c.byID[d]; ok && e.Type == typ {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return numericLess(out[i].ID, out[j].ID) })
	return out
}

func (c *cprt) ofType(typ string) []cprtElement {
	var out []cprtElement
	for _, e := range c.byID {
		if e.Type == typ {
			out = append(out, e)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// numericLess orders "KA_164.308(a)(1).10" after "KA_164.308(a)(1).9": the
// dotted numbers after the closing parenthesis compare as numbers.
func numericLess(a, b string) bool {
	pa, pb := suffixNumbers(a), suffixNumbers(b)
	for i := 0; i < len(pa) && i < len(pb); i++ {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	if len(pa) != len(pb) {
		return len(pa) < len(pb)
	}
	return a < b
}

func suffixNumbers(id string) []int {
	i := strings.LastIndex(id, ")")
	var out []int
	for _, f := range strings.Split(id[i+1:], ".") {
		if n, err := strconv.Atoi(f); err == nil {
			out = append(out, n)
		}
	}
	return out
}
