package api

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/findings"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

func (s *Server) apiAccounts(w http.ResponseWriter, r *http.Request) {
	list, total, _, _, _, err := kit.AccountsPage(r)
	s.apiResult(w, r, http.StatusOK, map[string]any{"accounts": kit.NonNil(list), "total": total}, err)
}

func (s *Server) apiChecks(w http.ResponseWriter, r *http.Request) {
	results, err := kit.ScopeFrom(r.Context()).Verify().CheckResults(r.Context())
	s.apiResult(w, r, http.StatusOK, map[string]any{"results": kit.NonNil(results)}, err)
}

func (s *Server) apiRunChecks(w http.ResponseWriter, r *http.Request) {
	results, err := (&checkrun.Service{Now: s.now}).Run(r.Context(), kit.ScopeFrom(r.Context()).Verify())
	s.apiResult(w, r, http.StatusOK, map[string]any{"results": kit.NonNil(results)}, err)
}

func (s *Server) apiCheck(w http.ResponseWriter, r *http.Request) {
	res, _, _, err := kit.CheckResult(r)
	s.apiResult(w, r, http.StatusOK, res, err)
}

func (s *Server) apiRemediation(w http.ResponseWriter, r *http.Request) {
	after, before, limit, err := kit.Cursors(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	page, err := findings.Remediation(r.Context(), kit.ScopeFrom(r.Context()).Verify(), after, before, limit)
	if err == nil {
		page.Rows = kit.NonNil(page.Rows)
	}
	s.apiResult(w, r, http.StatusOK, page, err)
}

func (s *Server) apiTrend(w http.ResponseWriter, r *http.Request) {
	after, before, limit, err := kit.Cursors(r)
	if err == nil && before != "" {
		err = errs.New(errs.Invalid, "before: the trend pages forwards only: pass the next of the page before as after")
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	trend, err := kit.ScopeFrom(r.Context()).Verify().FindingsTrend(r.Context(), after, limit)
	s.apiResult(w, r, http.StatusOK, trend, err)
}
