package pages

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/proposedrule"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

var funcs = template.FuncMap{
	"itemURL": itemURL,
	"lines":   func(s string) []string { return strings.Split(s, "\n") },
	"inc":     func(i int) int { return i + 1 },
	"add":     func(a, b int) int { return a + b },
	"sub":     func(a, b int) int { return a - b },
	// percent is a of b as a whole percentage (0 when b is 0).
	"percent": func(a, b int) int {
		if b <= 0 {
			return 0
		}
		return min(100, a*100/b)
	},
	"lower": strings.ToLower,
	// reqStatus is "Required", "Addressable" or "" (not a specification).
	"reqStatus": func(it *catalog.Item) string {
		req, ok := it.IsRequired()
		switch {
		case !ok:
			return ""
		case req:
			return "Required"
		}
		return "Addressable"
	},
	// verdictLabel names a verdict of the proposed rule's delta.
	"verdictLabel": func(v string) string {
		return map[string]string{proposedrule.Ready: "today's measures in place", proposedrule.Partly: "partly in place",
			proposedrule.Gap: "gap", proposedrule.Unknown: "not yet known", proposedrule.NotApplicable: "does not concern you"}[v]
	},
	"nodeOf": func(fw *catalog.Framework, n treeNode) nodeView { return nodeView{fw, n} },
	// trimPrefix turns a full item id into the local id used in URLs.
	"trimPrefix": func(id string) string { return (&catalog.Item{ID: id}).LocalID() },
	// firstLine is a text's first line: a summary whose records follow it.
	"firstLine": func(s string) string { s, _, _ = strings.Cut(s, "\n"); return s },
	// emailDomains writes a profile's email domains as its form reads them.
	"emailDomains": org.FormatEmailDomains,
	"answerURL":    answerURL,
	"pathEscape":   url.PathEscape,
	"date": func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format("2006-01-02")
	},
	"datetime": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
	// size is a byte count for a person: 812 KiB, 3.4 MiB.
	"size": func(n int64) string {
		switch {
		case n < 1<<10:
			return fmt.Sprintf("%d bytes", n)
		case n < 1<<20:
			return fmt.Sprintf("%.0f KiB", float64(n)/(1<<10))
		case n < 1<<30:
			return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
		}
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	},
	"formatLabel": ingest.FormatLabel,
	// tri is a yes, no or unknown an export gave.
	"tri": func(t ingest.Tri) string {
		if t == ingest.Unknown {
			return "not in the export"
		}
		return string(t)
	},
	"short": func(s string) string {
		if len(s) > 12 {
			return s[:12]
		}
		return s
	},
	"kib": func(n int64) string {
		if n < 1024 {
			return fmt.Sprintf("%d bytes", n)
		}
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	},
}

type nodeView struct {
	Framework *catalog.Framework
	Node      treeNode
}

// itemURL is an item's page: /catalog/hipaa-security-rule/164.312(d).
func itemURL(fw *catalog.Framework, it *catalog.Item) string {
	return "/catalog/" + fw.ID + "/" + url.PathEscape(it.LocalID())
}

type frameworkSummary struct {
	Framework *catalog.Framework
	Counts    []kindCount
}

type kindCount struct {
	Kind  string
	Count int
}

var kindLabels = map[string]string{
	catalog.KindSection: "sections", catalog.KindGeneral: "general rules", catalog.KindStandard: "standards", catalog.KindImplSpec: "implementation specifications",
	catalog.KindGoal: "goals", catalog.KindFunction: "functions", catalog.KindCategory: "categories", catalog.KindSubcategory: "subcategories",
}

func (s *Server) summaries() []frameworkSummary {
	var out []frameworkSummary
	for _, fw := range s.catalog.Frameworks() {
		n := s.catalog.Count(fw)
		sum := frameworkSummary{Framework: fw}
		for _, k := range []string{catalog.KindGeneral, catalog.KindStandard, catalog.KindImplSpec, catalog.KindGoal, catalog.KindFunction, catalog.KindCategory, catalog.KindSubcategory} {
			if n[k] > 0 {
				sum.Counts = append(sum.Counts, kindCount{kindLabels[k], n[k]})
			}
		}
		out = append(out, sum)
	}
	return out
}

// home is the signed-in user's start page: their organisations and the
// rules. Anonymous visitors are sent to sign in, or to set-up on a new
// installation.
func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	v := kit.ViewerFrom(r.Context())
	if v == nil {
		need, err := s.accounts.NeedsSetup(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		target := "/login?next=/"
		if need {
			target = "/setup"
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return
	}
	ms, err := s.store.Memberships(r.Context(), v.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "home", http.StatusOK, page{Title: "Your organisations", Data: struct {
		Memberships []auth.Membership
		Frameworks  []frameworkSummary
	}{ms, s.summaries()}})
}

type searchHit struct {
	Framework *catalog.Framework
	Item      *catalog.Item
	Where     string
}

func (s *Server) catalogIndex(w http.ResponseWriter, r *http.Request) {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	if q == "" {
		s.render(w, r, "catalog", http.StatusOK, page{Title: "Catalog", Data: s.summaries()})
		return
	}
	if len(q) > 200 {
		s.fail(w, r, errs.New(errs.Invalid, "the search is longer than 200 characters"))
		return
	}
	var hits []searchHit
	for _, h := range s.catalog.Search(q, 200) {
		hits = append(hits, searchHit{s.catalog.FrameworkOf(h.Item), h.Item, h.Where})
	}
	s.render(w, r, "search", http.StatusOK, page{Title: "Search: " + q, Query: q, Data: hits})
}

type treeNode struct {
	Item     *catalog.Item
	Children []treeNode
}

func (s *Server) tree(items []*catalog.Item) []treeNode {
	var out []treeNode
	for _, it := range items {
		out = append(out, treeNode{Item: it, Children: s.tree(s.catalog.Children(it.ID))})
	}
	return out
}

func (s *Server) framework(w http.ResponseWriter, r *http.Request) {
	fw, err := s.catalog.Framework(r.PathValue("framework"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var roots []*catalog.Item
	for _, it := range fw.Items {
		if it.Parent == "" {
			roots = append(roots, it)
		}
	}
	s.render(w, r, "framework", http.StatusOK, page{Title: fw.Name, Data: struct {
		Framework *catalog.Framework
		Tree      []treeNode
	}{fw, s.tree(roots)}})
}

type relatedLink struct {
	Framework *catalog.Framework
	Item      *catalog.Item
	Mapping   catalog.Mapping
	Outgoing  bool
}

type crumb struct {
	Framework *catalog.Framework
	Item      *catalog.Item
}

func (s *Server) item(w http.ResponseWriter, r *http.Request) {
	fw, err := s.catalog.Framework(r.PathValue("framework"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	it, err := s.catalog.FindItem(fw, r.PathValue("item"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var crumbs []crumb
	for p := it.Parent; p != ""; {
		pi, _ := s.catalog.Item(p)
		crumbs = append([]crumb{{fw, pi}}, crumbs...)
		p = pi.Parent
	}
	var related []relatedLink
	for _, rel := range s.catalog.Related(it.ID) {
		related = append(related, relatedLink{s.catalog.FrameworkOf(rel.Item), rel.Item, rel.Mapping, rel.Outgoing})
	}
	s.render(w, r, "item", http.StatusOK, page{Title: it.Citation + " " + it.Title, Data: struct {
		Framework *catalog.Framework
		Item      *catalog.Item
		Crumbs    []crumb
		Children  []*catalog.Item
		Related   []relatedLink
	}{fw, it, crumbs, s.catalog.Children(it.ID), related}})
}
