package api

import (
	"net/http"
	"slices"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// The risk API: the inventory, vulnerabilities, the register and its plan,
// the scales and the analyses with their reports.

func (s *Server) apiAssets(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := kit.Window(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	q := r.URL.Query()
	list, shown, _, err := kit.ScopeFrom(r.Context()).Risk().AssetPage(r.Context(), store.AssetFilter{Query: q.Get("q"), Type: q.Get("type")}, offset, limit)
	s.apiResult(w, r, http.StatusOK, map[string]any{"assets": kit.NonNil(list), "total": shown, "offset": offset}, err)
}

func (s *Server) apiCreateAsset(w http.ResponseWriter, r *http.Request) {
	var a risk.Asset
	if err := kit.DecodeJSON(w, r, &a); err != nil {
		s.apiError(w, r, err)
		return
	}
	a.ID = ""
	s.apiResult(w, r, http.StatusCreated, &a, kit.ScopeFrom(r.Context()).Risk().CreateAsset(r.Context(), &a))
}

func (s *Server) apiAsset(w http.ResponseWriter, r *http.Request) {
	a, err := kit.ScopeFrom(r.Context()).Risk().Asset(r.Context(), r.PathValue("id"))
	s.apiResult(w, r, http.StatusOK, a, err)
}

func (s *Server) apiSaveAsset(w http.ResponseWriter, r *http.Request) {
	var a risk.Asset
	if err := kit.DecodeJSON(w, r, &a); err != nil {
		s.apiError(w, r, err)
		return
	}
	a.ID = r.PathValue("id")
	s.apiResult(w, r, http.StatusOK, &a, kit.ScopeFrom(r.Context()).Risk().UpdateAsset(r.Context(), &a))
}

func (s *Server) apiDeleteAsset(w http.ResponseWriter, r *http.Request) {
	if err := kit.ScopeFrom(r.Context()).Risk().DeleteAsset(r.Context(), r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// apiImportFile reads an inventory, register or vendor register file; with ?apply=true it
// is written in one transaction, otherwise only the plan is returned.
func (s *Server) apiImportFile(w http.ResponseWriter, r *http.Request, kind string) {
	sc := kit.ScopeFrom(r.Context())
	filename, content, err := kit.ReadRecordsFile(s.events, w, r, kind, "the file")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	apply := r.URL.Query().Get("apply") == "true"
	p, err := s.records.Plan(r.Context(), sc.Records(), kind, filename, content, nil, s.now())
	if err == nil && apply {
		err = s.records.Apply(r.Context(), sc.Records(), p)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if p.Assets != nil {
		updates := make([]map[string]any, len(p.Assets.Update))
		for i, u := range p.Assets.Update {
			updates[i] = map[string]any{"name": u.Old.Name, "id": u.Old.ID, "fields": u.Fields}
		}
		kit.WriteJSON(w, http.StatusOK, map[string]any{"applied": apply, "file": p.Assets.File, "sha256": p.Assets.SHA256, "add": kit.NonNil(p.Assets.Add), "update": updates, "unchanged": p.Assets.Unchanged})
		return
	}
	if p.Vendors != nil {
		updates := make([]map[string]any, len(p.Vendors.Update))
		for i, u := range p.Vendors.Update {
			updates[i] = map[string]any{"name": u.Old.Name, "id": u.Old.ID, "fields": u.Fields}
		}
		kit.WriteJSON(w, http.StatusOK, map[string]any{"applied": apply, "file": p.Vendors.File, "sha256": p.Vendors.SHA256, "add": kit.NonNil(p.Vendors.Add), "update": updates, "unchanged": p.Vendors.Unchanged})
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"applied": apply, "file": p.Risks.File, "sha256": p.Risks.SHA256, "add": kit.NonNil(p.Risks.Add), "update": kit.NonNil(p.Risks.Update), "new_vulnerabilities": kit.NonNil(p.Risks.NewVulns)})
}

func (s *Server) apiImportAssets(w http.ResponseWriter, r *http.Request) {
	s.apiImportFile(w, r, "assets")
}
func (s *Server) apiImportRisks(w http.ResponseWriter, r *http.Request) {
	s.apiImportFile(w, r, "risks")
}

func (s *Server) apiFlows(w http.ResponseWriter, r *http.Request) {
	list, err := kit.ScopeFrom(r.Context()).Risk().Flows(r.Context())
	s.apiResult(w, r, http.StatusOK, map[string]any{"flows": kit.NonNil(list)}, err)
}

func (s *Server) apiAddFlow(w http.ResponseWriter, r *http.Request) {
	var f risk.Flow
	if err := kit.DecodeJSON(w, r, &f); err != nil {
		s.apiError(w, r, err)
		return
	}
	f.ID = ""
	err := kit.ScopeFrom(r.Context()).Risk().AddFlow(r.Context(), &f)
	if errs.Is(err, errs.NotFound) {
		err = errs.New(errs.Invalid, errs.Message(err))
	}
	s.apiResult(w, r, http.StatusCreated, &f, err)
}

func (s *Server) apiDeleteFlow(w http.ResponseWriter, r *http.Request) {
	if err := kit.ScopeFrom(r.Context()).Risk().DeleteFlow(r.Context(), r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiThreats(w http.ResponseWriter, r *http.Request) {
	kit.WriteJSON(w, http.StatusOK, map[string]any{"notes": s.risk.Threats.Notes, "threats": s.risk.Threats.Threats})
}

func (s *Server) apiVulnerabilities(w http.ResponseWriter, r *http.Request) {
	list, err := kit.ScopeFrom(r.Context()).Risk().Vulnerabilities(r.Context())
	s.apiResult(w, r, http.StatusOK, map[string]any{"vulnerabilities": kit.NonNil(list)}, err)
}

func (s *Server) apiAddVulnerability(w http.ResponseWriter, r *http.Request) {
	var v risk.Vulnerability
	if err := kit.DecodeJSON(w, r, &v); err != nil {
		s.apiError(w, r, err)
		return
	}
	v.ID, v.ItemID, v.AssessmentID = "", "", ""
	s.apiResult(w, r, http.StatusCreated, &v, kit.ScopeFrom(r.Context()).Risk().AddVulnerabilities(r.Context(), []*risk.Vulnerability{&v}))
}

func (s *Server) apiProposeVulnerabilities(w http.ResponseWriter, r *http.Request) {
	n, err := s.risk.Propose(r.Context(), kit.ScopeFrom(r.Context()).Risk(), s.program.FrameworkIDs())
	s.apiResult(w, r, http.StatusOK, map[string]int{"proposed": n}, err)
}

func (s *Server) apiVulnerabilityStatus(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Status risk.VulnerabilityStatus `json:"status"`
	}
	if err := kit.DecodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiResult(w, r, http.StatusOK, map[string]any{"id": r.PathValue("id"), "status": b.Status},
		kit.ScopeFrom(r.Context()).Risk().SetVulnerabilityStatus(r.Context(), r.PathValue("id"), b.Status))
}

// apiRisk is a risk as the API returns it: its record and what the
// register computes from it.
type apiRisk struct {
	*risk.Risk
	Ref         string         `json:"ref"`
	ThreatName  string         `json:"threat_name"`
	Impact      int            `json:"impact"`
	Level       string         `json:"level"`
	TargetLevel string         `json:"target_level"`
	Actions     []*risk.Action `json:"actions"`
	Overdue     int            `json:"overdue_actions"`
	Expired     bool           `json:"acceptance_expired"`
}

func toAPIRisk(row *risk.Row) apiRisk {
	return apiRisk{Risk: row.Risk, Ref: row.Risk.Ref(), ThreatName: row.Threat, Impact: row.Impact, Level: row.Level, TargetLevel: row.Target,
		Actions: kit.NonNil(row.Actions), Overdue: row.Overdue, Expired: row.Expired}
}

func (s *Server) apiRisks(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := kit.Window(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	q := r.URL.Query()
	f, err := kit.RiskFilter(q)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	sortBy := q.Get("sort")
	if sortBy != "" && !slices.Contains(risk.SortKeys, sortBy) {
		s.apiError(w, r, errs.New(errs.Invalid, "sort: use one of level, number, title, owner, likelihood, impact, threat, response"))
		return
	}
	p, err := s.risk.Page(r.Context(), kit.ScopeFrom(r.Context()).Risk(), riskanalysis.RegisterQuery{Filter: f, Sort: sortBy, Offset: offset, Limit: limit, Bare: true}, risk.Today(s.now()))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := make([]apiRisk, len(p.Rows))
	for i, row := range p.Rows {
		out[i] = toAPIRisk(row)
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"risks": out, "total": p.Total, "offset": offset})
}

func (s *Server) apiRiskOne(w http.ResponseWriter, r *http.Request, id string, status int) {
	p, err := s.risk.Page(r.Context(), kit.ScopeFrom(r.Context()).Risk(), riskanalysis.RegisterQuery{Filter: risk.Filter{Status: "all"}, ID: id, Limit: 1, Bare: true}, risk.Today(s.now()))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if len(p.Rows) == 0 {
		s.apiError(w, r, errs.New(errs.NotFound, "risk not found"))
		return
	}
	kit.WriteJSON(w, status, toAPIRisk(p.Rows[0]))
}

func (s *Server) apiRisk(w http.ResponseWriter, r *http.Request) {
	s.apiRiskOne(w, r, r.PathValue("id"), http.StatusOK)
}

func (s *Server) apiCreateRisk(w http.ResponseWriter, r *http.Request) {
	var rk risk.Risk
	if err := kit.DecodeJSON(w, r, &rk); err != nil {
		s.apiError(w, r, err)
		return
	}
	rk.ID = ""
	if err := s.checkRiskRefs(&rk); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := kit.ScopeFrom(r.Context()).Risk().CreateRisk(r.Context(), &rk); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiRiskOne(w, r, rk.ID, http.StatusCreated)
}

func (s *Server) apiSaveRisk(w http.ResponseWriter, r *http.Request) {
	var rk risk.Risk
	if err := kit.DecodeJSON(w, r, &rk); err != nil {
		s.apiError(w, r, err)
		return
	}
	rk.ID = r.PathValue("id")
	if err := s.checkRiskRefs(&rk); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := kit.ScopeFrom(r.Context()).Risk().UpdateRisk(r.Context(), &rk); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiRiskOne(w, r, rk.ID, http.StatusOK)
}

// checkRiskRefs checks a risk's threat and items against the catalogs.
func (s *Server) checkRiskRefs(rk *risk.Risk) error {
	if _, ok := s.risk.Threats.Lookup(rk.ThreatID); !ok {
		return errs.New(errs.Invalid, "threat: "+rk.ThreatID+" is not in the threat catalog (GET …/risk/threats)")
	}
	for _, id := range rk.Items {
		if _, ok := s.catalog.Item(id); !ok {
			return errs.New(errs.Invalid, "items: "+id+" is not a requirement or CPG of the catalog")
		}
	}
	return nil
}

func (s *Server) apiSaveAction(w http.ResponseWriter, r *http.Request) {
	var a risk.Action
	if err := kit.DecodeJSON(w, r, &a); err != nil {
		s.apiError(w, r, err)
		return
	}
	a.ID, a.RiskID = r.PathValue("action"), r.PathValue("id")
	status := http.StatusOK
	if a.ID == "" {
		status = http.StatusCreated
	}
	s.apiResult(w, r, status, &a, kit.ScopeFrom(r.Context()).Risk().SaveAction(r.Context(), &a))
}

func (s *Server) apiPOAM(w http.ResponseWriter, r *http.Request) {
	offset, limit, err := kit.Window(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	ms, overdue, err := s.risk.POAM(r.Context(), kit.ScopeFrom(r.Context()).Risk(), risk.Today(s.now()), r.URL.Query().Get("all") == "true")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var out []map[string]any
	for _, m := range ms[min(offset, len(ms)):min(offset+limit, len(ms))] {
		out = append(out, map[string]any{"action": m.Action, "risk": m.Row.Risk.ID, "risk_ref": m.Row.Risk.Ref(), "risk_title": m.Row.Risk.Title,
			"level": m.Row.Level, "state": m.State(), "days_late": m.Slip})
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"milestones": kit.NonNil(out), "total": len(ms), "overdue": overdue, "offset": offset})
}

func (s *Server) apiScales(w http.ResponseWriter, r *http.Request) {
	scales, months, err := kit.ScopeFrom(r.Context()).Risk().RiskSettings(r.Context())
	s.apiResult(w, r, http.StatusOK, map[string]any{"scales": scales, "review_months": months}, err)
}

func (s *Server) apiSaveScales(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Scales       risk.Scales `json:"scales"`
		ReviewMonths int         `json:"review_months"`
	}
	if err := kit.DecodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiResult(w, r, http.StatusOK, b, kit.ScopeFrom(r.Context()).Risk().SaveRiskSettings(r.Context(), b.Scales, b.ReviewMonths))
}

func (s *Server) apiAnalyses(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	list, err := sc.Risk().Analyses(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	rem, err := s.risk.Reminders(r.Context(), sc.Risk(), s.now())
	s.apiResult(w, r, http.StatusOK, map[string]any{"analyses": kit.NonNil(list), "reminders": kit.NonNil(rem)}, err)
}

func (s *Server) apiStartAnalysis(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Title  string `json:"title"`
		Scope  string `json:"scope"`
		Method string `json:"method"`
	}
	if err := kit.DecodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	a := &risk.Analysis{Title: b.Title, Scope: b.Scope, Method: b.Method}
	s.apiResult(w, r, http.StatusCreated, a, kit.ScopeFrom(r.Context()).Risk().CreateAnalysis(r.Context(), a))
}

func (s *Server) apiAnalysis(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	a, err := sc.Risk().Analysis(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	prev, _, changes, err := s.risk.Changes(r.Context(), sc.Risk(), sc.Org().Name, a, s.now())
	var since *risk.Analysis
	if prev != nil {
		since = &prev.Analysis
	}
	s.apiResult(w, r, http.StatusOK, map[string]any{"analysis": a, "changes_since": since, "changes": kit.NonNil(changes)}, err)
}

func (s *Server) apiFinalizeAnalysis(w http.ResponseWriter, r *http.Request) {
	var b struct {
		Approver string `json:"approver"`
	}
	if err := kit.DecodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	a, err := s.risk.Finalize(r.Context(), sc.Risk(), sc.Org().Name, r.PathValue("id"), b.Approver, s.now())
	s.apiResult(w, r, http.StatusOK, a, err)
}

func (s *Server) apiAnalysisReport(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	a, err := sc.Risk().Analysis(r.Context(), r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, err := report.RiskFormat(r.URL.Query().Get("format")); err != nil {
		s.apiError(w, r, err)
		return
	}
	doc, err := s.risk.Document(r.Context(), sc.Risk(), sc.Org().Name, a, s.now())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.files.SendReport(w, r, doc, sc.Org().Slug+"-risk-analysis"); err != nil {
		s.apiError(w, r, err)
	}
}
