package pages

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/findings"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// Verification from data: the accounts imported, the checks' results with
// the records behind each verdict, and the findings in the order to fix
// them with the trend between scans.

// pager says where a page of a list is, and links its neighbours.
type pager struct {
	From, To, Total int
	Prev, Next      string // query strings; "" at either end
}

func newPager(r *http.Request, offset, limit, shown, total int) pager {
	p := pager{From: offset + 1, To: offset + shown, Total: total}
	if shown == 0 {
		p.From = 0
	}
	link := func(o int) string {
		q := r.URL.Query()
		q.Set("offset", strconv.Itoa(o))
		return "?" + q.Encode()
	}
	if offset > 0 {
		p.Prev = link(max(0, offset-limit))
	}
	if offset+shown < total {
		p.Next = link(offset + limit)
	}
	return p
}

type accountsView struct {
	programView
	Accounts []*store.Account
	Source   string
	Sources  []formatOption
	Page     pager
}

func accountSources() []formatOption {
	var out []formatOption
	for _, f := range ingest.Formats() {
		if f.Kind == ingest.KindAccounts {
			out = append(out, formatOption{f.ID, f.Label})
		}
	}
	return out
}

func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	list, total, source, offset, limit, err := kit.AccountsPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := newPager(r, offset, limit, len(list), total)
	s.render(w, r, "accounts", http.StatusOK, page{Title: "Accounts · " + sc.Org().Name,
		Data: &accountsView{programView: programView{Scope: sc}, Accounts: list, Source: source, Sources: accountSources(), Page: pg}})
}

type checksView struct {
	programView
	Results []*check.Result
	Catalog []check.Check
	Vulns   map[string]*risk.Vulnerability // check → its proposal in the register
}

func (s *Server) checksPage(w http.ResponseWriter, r *http.Request) {
	s.renderChecks(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderChecks(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	results, err := sc.Verify().CheckResults(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vulns, err := sc.Risk().Vulnerabilities(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &checksView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Results: results, Catalog: check.Catalog, Vulns: map[string]*risk.Vulnerability{}}
	for _, vu := range vulns {
		if vu.CheckID != "" {
			v.Vulns[vu.CheckID] = vu
		}
	}
	s.render(w, r, "checks", status, page{Title: "Checks · " + sc.Org().Name, Data: v})
}

func (s *Server) runChecksForm(w http.ResponseWriter, r *http.Request) {
	results, err := (&checkrun.Service{Now: s.now}).Run(r.Context(), kit.ScopeFrom(r.Context()).Verify())
	if err != nil {
		s.refuse(w, r, err, s.renderChecks)
		return
	}
	failed := 0
	for _, res := range results {
		if res.Status == check.Fail {
			failed++
		}
	}
	notice := fmt.Sprintf("Ran %d checks at %s: %d failing.", len(results), s.now().UTC().Format(time.DateTime+" MST"), failed)
	http.Redirect(w, r, "/orgs/"+kit.ScopeFrom(r.Context()).Org().Slug+"/checks?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}

type checkView struct {
	programView
	Result *check.Result
	Page   pager
}

func (s *Server) checkPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	res, offset, limit, err := kit.CheckResult(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	pg := newPager(r, offset, limit, len(res.Records), res.RecordCount)
	s.render(w, r, "check", http.StatusOK, page{Title: res.Check.Title + " · " + sc.Org().Name,
		Data: &checkView{programView: programView{Scope: sc}, Result: res, Page: pg}})
}

type findingsView struct {
	programView
	Rows  []*check.Priority
	Page  pager
	Trend *check.Trend
}

func (s *Server) findingsPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	after, before, limit, err := kit.Cursors(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	list, err := findings.Remediation(r.Context(), sc.Verify(), after, before, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	trend, err := sc.Verify().FindingsTrend(r.Context(), "", trendShown)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "findings", http.StatusOK, page{Title: "Findings · " + sc.Org().Name,
		Data: &findingsView{programView: programView{Scope: sc}, Rows: list.Rows, Page: cursorPager(r, list), Trend: trend}})
}

// trendShown is how many places of the trend the findings page shows.
const trendShown = 200

// cursorPager links the pages of a list paged by cursor.
func cursorPager(r *http.Request, list *findings.Page) pager {
	p := pager{Total: list.Total}
	if n := len(list.Rows); n > 0 {
		p.From, p.To = list.Rows[0].Rank, list.Rows[n-1].Rank
	}
	link := func(key, tok string) string {
		if tok == "" {
			return ""
		}
		q := r.URL.Query()
		q.Del("after")
		q.Del("before")
		q.Set(key, tok)
		return "?" + q.Encode()
	}
	p.Prev, p.Next = link("before", list.Prev), link("after", list.Next)
	return p
}
