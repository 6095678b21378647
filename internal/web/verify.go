package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/errs"
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

// accountList reads the filter and window of an accounts listing.
func (s *Server) accountList(r *http.Request) ([]*store.Account, pager, string, error) {
	offset, limit, err := kit.Window(r)
	if err != nil {
		return nil, pager{}, "", err
	}
	source := r.URL.Query().Get("source")
	if source != "" && !ingest.IsAccountExport(source) {
		return nil, pager{}, "", errs.New(errs.Invalid, fmt.Sprintf("source %q is not an account export Safeguard reads", source))
	}
	sc := kit.ScopeFrom(r.Context()).Store
	list, err := sc.Accounts(r.Context(), store.AccountFilter{Source: source, Limit: limit, Offset: offset})
	if err != nil {
		return nil, pager{}, "", err
	}
	total, err := sc.AccountCount(r.Context(), source)
	if err != nil {
		return nil, pager{}, "", err
	}
	return list, newPager(r, offset, limit, len(list), total), source, nil
}

func (s *Server) accountsPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	list, pg, source, err := s.accountList(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "accounts", http.StatusOK, page{Title: "Accounts · " + sc.Store.Org().Name,
		Data: &accountsView{programView: programView{Scope: sc}, Accounts: list, Source: source, Sources: accountSources(), Page: pg}})
}

func (s *Server) apiAccounts(w http.ResponseWriter, r *http.Request) {
	list, pg, _, err := s.accountList(r)
	s.apiResult(w, r, http.StatusOK, map[string]any{"accounts": kit.NonNil(list), "total": pg.Total}, err)
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
	results, err := sc.Store.CheckResults(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vulns, err := sc.Store.Vulnerabilities(r.Context())
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
	s.render(w, r, "checks", status, page{Title: "Checks · " + sc.Store.Org().Name, Data: v})
}

// runChecks runs every check now and records the results.
func (s *Server) runChecks(r *http.Request) ([]*check.Result, error) {
	return (&checkrun.Service{Now: s.now}).Run(r.Context(), kit.ScopeFrom(r.Context()).Store)
}

func (s *Server) runChecksForm(w http.ResponseWriter, r *http.Request) {
	results, err := s.runChecks(r)
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
	http.Redirect(w, r, "/orgs/"+kit.ScopeFrom(r.Context()).Store.Org().Slug+"/checks?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}

type checkView struct {
	programView
	Result *check.Result
	Page   pager
}

// checkResultPage reads one result with a page of its records.
func (s *Server) checkResultPage(r *http.Request) (*check.Result, pager, error) {
	offset, limit, err := kit.Window(r)
	if err != nil {
		return nil, pager{}, err
	}
	res, err := kit.ScopeFrom(r.Context()).Store.CheckResult(r.Context(), r.PathValue("id"), offset, limit)
	if err != nil {
		return nil, pager{}, err
	}
	return res, newPager(r, offset, limit, len(res.Records), res.RecordCount), nil
}

func (s *Server) checkPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	res, pg, err := s.checkResultPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "check", http.StatusOK, page{Title: res.Check.Title + " · " + sc.Store.Org().Name,
		Data: &checkView{programView: programView{Scope: sc}, Result: res, Page: pg}})
}

func (s *Server) apiChecks(w http.ResponseWriter, r *http.Request) {
	results, err := kit.ScopeFrom(r.Context()).Store.CheckResults(r.Context())
	s.apiResult(w, r, http.StatusOK, map[string]any{"results": kit.NonNil(results)}, err)
}

func (s *Server) apiRunChecks(w http.ResponseWriter, r *http.Request) {
	results, err := s.runChecks(r)
	s.apiResult(w, r, http.StatusOK, map[string]any{"results": kit.NonNil(results)}, err)
}

func (s *Server) apiCheck(w http.ResponseWriter, r *http.Request) {
	res, _, err := s.checkResultPage(r)
	s.apiResult(w, r, http.StatusOK, res, err)
}

type findingsView struct {
	programView
	Rows  []*check.Priority
	Page  pager
	Trend *check.Trend
}

func (s *Server) findingsPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	offset, limit, err := kit.Window(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rows, total, err := findings.Remediation(r.Context(), sc.Store, offset, limit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	trend, err := sc.Store.FindingsTrend(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "findings", http.StatusOK, page{Title: "Findings · " + sc.Store.Org().Name,
		Data: &findingsView{programView: programView{Scope: sc}, Rows: rows, Page: newPager(r, offset, limit, len(rows), total), Trend: trend}})
}

func (s *Server) apiRemediation(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := kit.Window(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rows, total, err := findings.Remediation(r.Context(), kit.ScopeFrom(r.Context()).Store, offset, limit)
	s.apiResult(w, r, http.StatusOK, map[string]any{"findings": kit.NonNil(rows), "total": total, "offset": offset}, err)
}

func (s *Server) apiTrend(w http.ResponseWriter, r *http.Request) {
	trend, err := kit.ScopeFrom(r.Context()).Store.FindingsTrend(r.Context())
	s.apiResult(w, r, http.StatusOK, trend, err)
}
