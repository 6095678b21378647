package generate

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/safeguard-health/safeguard/internal/catalog"
)

// The sections of Subpart C that hold standards.
var securityRuleSections = []string{"164.308", "164.310", "164.312", "164.314", "164.316"}

// nistCorrections maps SP 800-66r2 CPRT identifiers that do not match the
// regulation's paragraph numbering to the eCFR paragraph they stand for. The
// eCFR is the law.
var nistCorrections = map[string]string{
	// The written-contract specification is 164.308(b)(3) in the regulation
	// since the 2013 Omnibus Rule (78 FR 5694).
	"164.308(b)(4)": "164.308(b)(3)",
	// NIST's "164.314(a)(3)(i)" carries the text of 164.314(a)(2)(i)(C)
	// (report security incidents); the regulation has no 164.314(a)(3).
	"164.314(a)(3)(i)": "164.314(a)(2)(i)",
}

var (
	specRE   = regexp.MustCompile(`^(?:Implementation specifications?: )?(.+?) \((Required|Addressable)\)\.?$`)
	headerRE = regexp.MustCompile(`^Implementation specifications?(?: \((Required|Addressable)\))?[:.]?$`)
	labelsRE = regexp.MustCompile(`^(\([a-zA-Z0-9]+\))+$`)
)

const ecfrSectionURL = "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-C/section-"

type specHeader struct {
	citation string
	leadIn   string
	required *bool
}

func boolp(b bool) *bool { return &b }

// buildSecurityRule reads the regulation from the eCFR and attaches the
// SP 800-66r2 guidance to its standards.
func buildSecurityRule(ecfrXML []byte, c *cprt, ecfrName string) (*catalog.Framework, error) {
	sections, err := parseECFR(ecfrXML)
	if err != nil {
		return nil, err
	}
	nistStd := map[string]cprtElement{} // our citation -> NIST standard
	nistStdIDs := map[string]bool{}
	for _, e := range c.ofType("standard") {
		nistStdIDs[e.ID] = true
	}
	fw := &catalog.Framework{
		ID:        catalog.HIPAASecurityRule,
		Prefix:    "hipaa-sr",
		Name:      "HIPAA Security Rule",
		ShortName: "Security Rule",
		Version:   "45 CFR Part 164 Subpart C, eCFR as published 2026-03-13",
		Publisher: "U.S. Department of Health and Human Services; guidance by NIST (SP 800-66 Rev. 2)",
		Basis:     catalog.BasisRegulation,
		Source: catalog.Source{
			Document: "45 CFR Part 164, Subpart C — Security Standards for the Protection of Electronic Protected Health Information",
			URL:      "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-C",
			Wording:  "verbatim",
			Note:     "Generated from the eCFR XML (" + ecfrName + ") and NIST's CPRT export of SP 800-66 Rev. 2 by internal/catalog/gen.",
		},
		Notes: []string{
			"Citations, titles, Required/Addressable and text are the regulation's own, from the eCFR. Which paragraphs are standards follows the 22 standards of NIST SP 800-66 Rev. 2.",
			"Where NIST's CPRT export numbers a paragraph differently from the regulation, the eCFR citation is used and NIST's identifier is kept as an alias: 164.308(b)(4) is 164.308(b)(3); 164.314(a)(3)(i) is 164.314(a)(2)(i)(C).",
			"164.314(a)(2) and 164.314(b)(2) mark their implementation specifications Required as a group; each listed paragraph is one specification. The paragraphs of 164.314(b)(2) have no title in the regulation; their titles are NIST's.",
			"164.306(a) general requirements, (b) flexibility of approach and (e) maintenance are assessable items of their own (kind general_requirement), so their duties can be answered and evidenced; (c) and (d) say how the standards and specifications apply, and (d)(3)'s decision is taken on each addressable specification.",
			"SP 800-66 Rev. 2 maps each standard to NIST CSF subcategories in its publication; that mapping is not part of the CPRT export this catalog is built from, so no Security Rule to CSF 2.0 mapping is carried yet.",
		},
	}
	add := func(it *catalog.Item) { fw.Items = append(fw.Items, it) }
	for _, sec := range sections {
		if sec.N == generalRulesSection {
			items, err := generalRules(sec)
			if err != nil {
				return nil, err
			}
			fw.Items = append(fw.Items, items...)
			continue
		}
		if !contains(securityRuleSections, sec.N) {
			continue
		}
		paras, err := paragraphs(sec)
		if err != nil {
			return nil, err
		}
		secItem := sectionItem(sec)
		add(secItem)
		var std, spec *catalog.Item
		var header *specHeader
		for _, p := range paras {
			full := spaced(strings.Join(p.labels, ""), p.heading, p.text)
			if cit := standardCitation(p, nistStdIDs); cit != "" {
				std = &catalog.Item{
					ID: "hipaa-sr/" + cit, Citation: cit, Kind: catalog.KindStandard, Parent: secItem.ID,
					Title: strings.TrimSuffix(strings.TrimPrefix(p.heading, "Standard: "), "."),
					Text:  p.text, Source: ruleSource(sec.N, cit),
				}
				add(std)
				spec, header = nil, nil
				continue
			}
			if m := headerRE.FindStringSubmatch(p.heading); m != nil && p.heading != "" {
				header = &specHeader{citation: p.citation, leadIn: p.text}
				if m[1] != "" {
					header.required = boolp(m[1] == "Required")
				}
				spec = nil
				continue
			}
			if std != nil {
				if it := specFrom(p, header, std, sec.N, c); it != nil {
					spec = it
					add(it)
					continue
				}
			}
			switch {
			case spec != nil && strings.HasPrefix(p.citation, spec.Citation):
				spec.Text = joinNonEmpty(spec.Text, full)
			case std != nil:
				std.Text = joinNonEmpty(std.Text, full)
			default:
				secItem.Text = joinNonEmpty(secItem.Text, full)
			}
		}
	}
	// Map NIST's standards onto the regulation's and attach the guidance.
	byCitation := map[string]*catalog.Item{}
	for _, it := range fw.Items {
		byCitation[it.Citation] = it
	}
	for id := range nistStdIDs {
		it := byCitation[id]
		if it == nil {
			it = byCitation[id+"(1)"]
		}
		if it == nil || it.Kind != catalog.KindStandard {
			return nil, fmt.Errorf("SP 800-66r2 standard %s has no standard in the eCFR text", id)
		}
		if it.Citation != id {
			it.Aliases = append(it.Aliases, id)
		}
		nistStd[it.Citation] = c.byID[id]
	}
	nStd := 0
	for _, it := range fw.Items {
		if it.Kind != catalog.KindStandard {
			continue
		}
		nStd++
		e, ok := nistStd[it.Citation]
		if !ok {
			return nil, fmt.Errorf("eCFR standard %s is not among SP 800-66r2's standards", it.Citation)
		}
		g, err := guidanceFor(e.ID, c, byCitation)
		if err != nil {
			return nil, err
		}
		it.Guidance = g
	}
	// NIST's identifiers for specifications become aliases where they differ.
	for _, e := range c.ofType("imp_spec") {
		cit, ok := nistSpecCitation(e.ID)
		if !ok {
			continue
		}
		it := byCitation[cit]
		if it == nil {
			return nil, fmt.Errorf("SP 800-66r2 implementation specification %s (%s) is not in the eCFR text", e.ID, cit)
		}
		if cit != e.ID && !contains(it.Aliases, e.ID) && e.ID[len(e.ID)-1] == ')' {
			it.Aliases = append(it.Aliases, e.ID)
		}
	}
	if nStd != 22 {
		return nil, fmt.Errorf("found %d standards in 164.308–164.316, want 22", nStd)
	}
	return fw, nil
}

// sectionItem is the item of a section of the regulation.
func sectionItem(sec ecfrSection) *catalog.Item {
	return &catalog.Item{
		ID: "hipaa-sr/" + sec.N, Citation: sec.N, Title: sectionTitle(sec.Head, sec.N), Kind: catalog.KindSection,
		Source: ruleSource(sec.N, sec.N),
	}
}

// generalRulesSection is 164.306, Security standards: General rules.
const generalRulesSection = "164.306"

// generalAssessable are the paragraphs of 164.306 that state a duty an
// organisation answers for: its general requirements, the factors its
// choice of measures takes into account, and maintenance. (c) and (d)
// say how the standards and specifications apply; (d)(3)'s decision is
// taken on each addressable specification.
var generalAssessable = []string{"164.306(a)", "164.306(b)", "164.306(e)"}

// generalNotes say where SP 800-66 Rev. 2, which gives 164.306 no key
// activities of its own, refers to each paragraph: footnotes of its key
// activities in NIST's CPRT export (element ids F_3, F_6, F_37).
var generalNotes = map[string]string{
	"164.306(a)": "SP 800-66 Rev. 2 gives 164.306 no key activities of its own. Its risk analysis key activity (KA_164.308(a)(1).2, footnote 3): \"The risks that must be assessed are the risks of noncompliance with the requirements of Section 164.306(a) (General Rules) of the HIPAA Security Rule.\"",
	"164.306(b)": "SP 800-66 Rev. 2 gives 164.306 no key activities of its own. Key activity KA_164.308(a)(1).4 refers to it (footnote 6): \"See Section 164.306(b) of the HIPAA Security Rule.\"",
	"164.306(e)": "SP 800-66 Rev. 2 gives 164.306 no key activities of its own. Key activity KA_164.308(a)(5).7 (footnote 37): \"Also required under the HIPAA Security Rule § 164.306, General Requirements, Subsection (e), Maintenance. See Section 5.1.8, HIPAA Standard: Evaluation.\"",
}

// generalRules reads 164.306: the section, and each assessable paragraph
// with its sub-paragraphs as one item of kind general_requirement.
func generalRules(sec ecfrSection) ([]*catalog.Item, error) {
	paras, err := paragraphs(sec)
	if err != nil {
		return nil, err
	}
	secItem := sectionItem(sec)
	out := []*catalog.Item{secItem}
	var cur *catalog.Item
	for _, p := range paras {
		top := p.citation
		if i := strings.Index(top[len(sec.N):], ")"); i >= 0 {
			top = top[:len(sec.N)+i+1]
		}
		if cur == nil || cur.Citation != top {
			cur = nil
			if contains(generalAssessable, top) {
				cur = &catalog.Item{ID: "hipaa-sr/" + top, Citation: top, Kind: catalog.KindGeneral, Parent: secItem.ID,
					Title: strings.TrimSuffix(p.heading, "."), Source: ruleSource(sec.N, top)}
				out = append(out, cur)
				if p.citation != top { // "(b) Flexibility of approach. (1) …"
					cur.Text = spaced(strings.Join(p.labels[1:], ""), "", p.text)
				} else {
					cur.Text = p.text
				}
				continue
			}
		}
		if cur != nil {
			cur.Text = joinNonEmpty(cur.Text, spaced(strings.Join(p.labels, ""), p.heading, p.text))
		}
	}
	if len(out) != 1+len(generalAssessable) {
		return nil, fmt.Errorf("164.306: found %d of its assessable paragraphs, want %d", len(out)-1, len(generalAssessable))
	}
	for _, it := range out[1:] {
		if it.Title == "" || it.Text == "" {
			return nil, fmt.Errorf("%s: no title or text in the eCFR", it.Citation)
		}
		it.Source.Note = generalNotes[it.Citation]
	}
	return out, nil
}

// standardCitation returns the citation of the standard a paragraph states,
// or "" if it states none.
func standardCitation(p paragraph, nistStdIDs map[string]bool) string {
	isStd := strings.HasPrefix(p.heading, "Standard: ")
	if !isStd && p.heading != "" && (nistStdIDs[p.citation]) && !headerRE.MatchString(p.heading) && !specRE.MatchString(p.heading) {
		// 164.308(b)(1) states its standard without the word "Standard".
		isStd = true
	}
	if !isStd {
		return ""
	}
	// "(1)(i) Standard: ..." — the standard is paragraph (1); (i) is its
	// first sub-paragraph.
	if len(p.labels) > 1 && p.labels[len(p.labels)-1] == "(i)" {
		return strings.TrimSuffix(p.citation, "(i)")
	}
	return p.citation
}

// specFrom returns the implementation specification a paragraph states, if
// it states one.
func specFrom(p paragraph, header *specHeader, std *catalog.Item, section string, c *cprt) *catalog.Item {
	it := &catalog.Item{
		ID: "hipaa-sr/" + p.citation, Citation: p.citation, Kind: catalog.KindImplSpec, Parent: std.ID,
		Text: p.text, Source: ruleSource(section, p.citation),
	}
	if m := specRE.FindStringSubmatch(p.heading); m != nil {
		it.Title = m[1]
		it.Required = boolp(m[2] == "Required")
		if header != nil && strings.HasPrefix(p.citation, header.citation) {
			it.LeadIn = header.leadIn
		}
		return it
	}
	// A paragraph directly under "Implementation specifications (Required)".
	if header == nil || header.required == nil || !strings.HasPrefix(p.citation, header.citation) ||
		!labelsRE.MatchString(p.citation[len(header.citation):]) || strings.Count(p.citation[len(header.citation):], "(") != 1 {
		return nil
	}
	it.Required = boolp(*header.required)
	it.LeadIn = header.leadIn
	if p.heading != "" {
		it.Title = strings.TrimSuffix(p.heading, ".")
		return it
	}
	// The regulation gives these paragraphs no title; NIST's is used.
	if e, ok := c.byID[p.citation]; ok && e.Title != "" {
		it.Title = e.Title + " " + p.citation[len(header.citation):]
		it.Source.Note = "The regulation gives this paragraph no title; the title is NIST SP 800-66 Rev. 2's."
		return it
	}
	it.Title = p.citation
	return it
}

func ruleSource(section, cit string) catalog.Source {
	return catalog.Source{
		Document: "45 CFR Part 164, Subpart C",
		Citation: "45 CFR " + cit,
		URL:      ecfrSectionURL + section + "#p-" + cit,
		Wording:  "verbatim",
	}
}

// nistSpecCitation maps a CPRT implementation-specification identifier to
// the regulation's citation. The ".N" duplicates NIST keeps for some
// specifications map to the same paragraph.
func nistSpecCitation(id string) (string, bool) {
	if i := strings.LastIndex(id, ")"); i >= 0 && i < len(id)-1 && id[i+1] == '.' {
		id = id[:i+1]
	}
	if c, ok := nistCorrections[id]; ok {
		return c, true
	}
	return id, strings.HasPrefix(id, "164.3")
}

// guidanceFor collects SP 800-66r2's key activities, descriptions, sample
// questions and related publications for one standard.
func guidanceFor(stdID string, c *cprt, byCitation map[string]*catalog.Item) (*catalog.Guidance, error) {
	g := &catalog.Guidance{
		Source: catalog.Source{
			Document: "NIST SP 800-66 Rev. 2, " + c.doc.name,
			Citation: "SP 800-66r2 section 5, standard " + stdID,
			URL:      c.doc.website,
			Wording:  "verbatim",
			Note:     "From NIST's CPRT export, framework version " + c.doc.version + ".",
		},
	}
	for _, ka := range c.childrenOfType(stdID, "key_activity") {
		k := catalog.KeyActivity{ID: ka.ID, Title: clean(ka.Title)}
		for _, s := range c.childrenOfType(ka.ID, "imp_spec") {
			cit, _ := nistSpecCitation(s.ID)
			it := byCitation[cit]
			if it == nil {
				return nil, fmt.Errorf("key activity %s names %s, which is not in the eCFR text", ka.ID, s.ID)
			}
			if !contains(k.Specs, it.ID) {
				k.Specs = append(k.Specs, it.ID)
			}
		}
		for _, d := range c.childrenOfType(ka.ID, "description") {
			p := catalog.Paragraph{Text: clean(d.Text)}
			for _, sub := range c.childrenOfType(d.ID, "description") {
				p.Sub = append(p.Sub, clean(sub.Text))
			}
			k.Description = append(k.Description, p)
		}
		for _, q := range c.childrenOfType(ka.ID, "sample_question") {
			sq := catalog.Question{ID: q.ID, Text: clean(q.Text)}
			for _, sub := range c.childrenOfType(q.ID, "sample_question") {
				sq.Sub = append(sq.Sub, catalog.Question{ID: sub.ID, Text: clean(sub.Text)})
			}
			k.SampleQuestions = append(k.SampleQuestions, sq)
		}
		g.KeyActivities = append(g.KeyActivities, k)
	}
	for _, pc := range c.childrenOfType(stdID, "pub_crosswalk") {
		g.Publications = append(g.Publications, catalog.Publication{Title: clean(pc.Title), URL: strings.TrimSpace(pc.Text)})
	}
	return g, nil
}

func joinNonEmpty(a, b string) string {
	switch {
	case a == "":
		return b
	case b == "":
		return a
	}
	return a + "\n" + b
}

func spaced(parts ...string) string {
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
