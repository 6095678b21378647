package catalog

import (
	"sort"
	"strings"
)

// Hit is one search result with the reason it matched.
type Hit struct {
	Item  *Item
	Where string // "citation", "title", "text", "guidance"
	rank  int
}

// Search finds items whose citation, alias, title, text or SP 800-66r2
// guidance contain every word of q (case-insensitive). A query that is a
// citation ("164.312(d)", "§ 164.312(d)", "PR.AA-03") finds that item first.
// At most limit hits are returned (all if limit <= 0).
func (r *Registry) Search(q string, limit int) []Hit {
	q = strings.TrimSpace(q)
	if q == "" {
		return nil
	}
	nq := normCitation(q)
	words := strings.Fields(strings.ToLower(q))
	var hits []Hit
	for _, fw := range r.frameworks {
		for order, it := range fw.Items {
			h := Hit{Item: it}
			switch {
			case matchesCitation(r.searchText[it.ID].cites, nq, true):
				h.Where, h.rank = "citation", 0
			case matchesCitation(r.searchText[it.ID].cites, nq, false):
				h.Where, h.rank = "citation", 1
			case containsAll(r.searchText[it.ID].title, words):
				h.Where, h.rank = "title", 2
			case containsAll(r.searchText[it.ID].text, words):
				h.Where, h.rank = "text", 3
			case containsAll(r.searchText[it.ID].guidance, words):
				h.Where, h.rank = "guidance", 4
			default:
				continue
			}
			h.rank = h.rank*100000 + orderOf(fw.ID)*10000 + order
			hits = append(hits, h)
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].rank < hits[j].rank })
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	return hits
}

// matchesCitation: exact, or (exact=false) the query is a prefix of the
// citation ("164.312" finds 164.312(a)(1) and below).
func matchesCitation(cites []string, nq string, exact bool) bool {
	for _, nc := range cites {
		if exact && nc == nq || !exact && len(nq) >= 3 && strings.HasPrefix(nc, nq) {
			return true
		}
	}
	return false
}

func containsAll(s string, words []string) bool {
	for _, w := range words {
		if !strings.Contains(s, w) {
			return false
		}
	}
	return true
}

// searchText is an item's citations, normalised, and its text, lower-cased,
// once at load.
type searchText struct {
	cites                 []string
	title, text, guidance string
}

func newSearchText(it *Item) searchText {
	st := searchText{title: strings.ToLower(it.Title), text: strings.ToLower(it.Text + " " + it.LeadIn + " " + it.Outcome)}
	for _, c := range append([]string{it.Citation}, it.Aliases...) {
		st.cites = append(st.cites, normCitation(c))
	}
	if it.Guidance != nil {
		st.guidance = strings.ToLower(guidanceText(it.Guidance))
	}
	return st
}

func guidanceText(g *Guidance) string {
	var b strings.Builder
	for _, ka := range g.KeyActivities {
		b.WriteString(ka.Title + " ")
		for _, p := range ka.Description {
			b.WriteString(p.Text + " " + strings.Join(p.Sub, " ") + " ")
		}
		for _, q := range ka.SampleQuestions {
			b.WriteString(q.Text + " ")
			for _, s := range q.Sub {
				b.WriteString(s.Text + " ")
			}
		}
	}
	return b.String()
}
