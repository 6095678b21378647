package generate

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"regexp"
	"strings"
)

// ecfrSection is one § of the eCFR XML (a DIV8).
type ecfrSection struct {
	N     string   `xml:"N,attr"`
	Head  string   `xml:"HEAD"`
	Paras []ecfrP  `xml:"P"`
	Cita  []string `xml:"CITA"`
}

type ecfrP struct {
	Inner string `xml:",innerxml"`
}

type ecfrDoc struct {
	Sections []ecfrSection `xml:"DIV8"`
}

// run is a piece of paragraph text, italic or not.
type run struct {
	italic bool
	text   string
}

// paragraph is one logical paragraph of the regulation: its full citation,
// its italic heading (if any) and the text that follows the heading.
type paragraph struct {
	citation string
	labels   []string // the labels this paragraph itself opens with, "(1)", "(i)"
	heading  string
	text     string
}

func parseECFR(data []byte) ([]ecfrSection, error) {
	var doc ecfrDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("eCFR XML: %w", err)
	}
	return doc.Sections, nil
}

// runs turns a P element's inner XML into text runs, decoding entities.
func runs(inner string) ([]run, error) {
	dec := xml.NewDecoder(strings.NewReader("<p>" + inner + "</p>"))
	var out []run
	depthI := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "I" || t.Name.Local == "E" {
				depthI++
			}
		case xml.EndElement:
			if t.Name.Local == "I" || t.Name.Local == "E" {
				depthI--
			}
		case xml.CharData:
			out = append(out, run{italic: depthI > 0, text: string(bytes.Clone(t))})
		}
	}
	return out, nil
}

var labelRE = regexp.MustCompile(`^\s*\(([a-z]+|[0-9]+|[A-Z]+)\)`)

// labelLevel places a paragraph label in the CFR hierarchy: (a) lower-case
// letter, (1) digit, (i) lower-case roman, (A) upper-case letter.
func labelLevel(label string, current [4]string) int {
	switch {
	case label[0] >= '0' && label[0] <= '9':
		return 1
	case label[0] >= 'A' && label[0] <= 'Z':
		return 3
	}
	if isRoman(label) {
		// (i) is a letter only where it follows (h).
		if !(label == "i" && current[0] == "h") && !(label == "v" && current[0] == "u") && !(label == "x" && current[0] == "w") {
			return 2
		}
	}
	return 0
}

func isRoman(s string) bool {
	return strings.Trim(s, "ivx") == ""
}

// paragraphs walks a section's P elements and returns them as logical
// paragraphs with their full citations. A P that carries a second label after
// its heading ("(2) Implementation specifications (Required)—(i) Business
// associate contracts.") is split in two.
func paragraphs(sec ecfrSection) ([]paragraph, error) {
	var cur [4]string
	var out []paragraph
	for _, p := range sec.Paras {
		rs, err := runs(p.Inner)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", sec.N, err)
		}
		pieces := splitEmbeddedLabel(rs)
		for _, piece := range pieces {
			para := paragraph{}
			text := flatten(piece)
			// Leading labels (outside italics).
			for {
				m := labelRE.FindStringSubmatch(text)
				if m == nil {
					break
				}
				lv := labelLevel(m[1], cur)
				cur[lv] = m[1]
				for j := lv + 1; j < 4; j++ {
					cur[j] = ""
				}
				para.labels = append(para.labels, "("+m[1]+")")
				text = text[len(m[0]):]
				piece = dropPrefixChars(piece, len(m[0]))
			}
			para.citation = sec.N + citationOf(cur)
			// An italic run right after the labels is the heading.
			piece = trimLeadingSpace(piece)
			if len(piece) > 0 && piece[0].italic {
				para.heading = clean(piece[0].text)
				para.text = clean(flatten(piece[1:]))
			} else {
				para.text = clean(flatten(piece))
			}
			out = append(out, para)
		}
	}
	return out, nil
}

// splitEmbeddedLabel splits runs at "—(x) " that directly follows the
// paragraph's heading.
func splitEmbeddedLabel(rs []run) [][]run {
	for i := 0; i+1 < len(rs); i++ {
		if !rs[i].italic || rs[i+1].italic {
			continue
		}
		rest := rs[i+1].text
		if strings.HasPrefix(rest, "—(") {
			first := append([]run{}, rs[:i+1]...)
			second := append([]run{{text: strings.TrimPrefix(rest, "—")}}, rs[i+2:]...)
			return [][]run{first, second}
		}
		break
	}
	return [][]run{rs}
}

func flatten(rs []run) string {
	var b strings.Builder
	for _, r := range rs {
		b.WriteString(r.text)
	}
	return b.String()
}

func dropPrefixChars(rs []run, n int) []run {
	for len(rs) > 0 && n > 0 {
		if len(rs[0].text) <= n {
			n -= len(rs[0].text)
			rs = rs[1:]
			continue
		}
		rs = append([]run{{italic: rs[0].italic, text: rs[0].text[n:]}}, rs[1:]...)
		n = 0
	}
	return rs
}

func trimLeadingSpace(rs []run) []run {
	for len(rs) > 0 {
		t := strings.TrimLeft(rs[0].text, " \t\n")
		if t == "" {
			rs = rs[1:]
			continue
		}
		rs = append([]run{{italic: rs[0].italic, text: t}}, rs[1:]...)
		break
	}
	return rs
}

func citationOf(cur [4]string) string {
	var b strings.Builder
	for _, l := range cur {
		if l == "" {
			break
		}
		b.WriteString("(" + l + ")")
	}
	return b.String()
}

var spaceRE = regexp.MustCompile(`\s+`)

func clean(s string) string {
	return strings.TrimSpace(spaceRE.ReplaceAllString(s, " "))
}

// sectionTitle turns "§ 164.308 Administrative safeguards." into
// "Administrative safeguards".
func sectionTitle(head, n string) string {
	t := strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(head), "§"))
	t = strings.TrimSpace(strings.TrimPrefix(t, n))
	return strings.TrimSuffix(t, ".")
}
