package pages

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

type registerView struct {
	programView
	Register *risk.Register
	Groups   []risk.Group
	Count    int
	Filter   risk.Filter
	Sort     string
	Group    string
	Heat     template.HTML
	Owners   []string
	Asset    string // the name of the asset filtered on
	Sorts    []string
	GroupBys []string
	Columns  string
	Page     pager
}

func (s *Server) registerPage(w http.ResponseWriter, r *http.Request) {
	s.renderRegister(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

// renderRegister shows a page of the register: filtered, counted, sorted
// and mapped in the database, listing a window of it (by offset and
// limit: a register is thousands of risks, not millions).
func (s *Server) renderRegister(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	q := r.URL.Query()
	f, err := kit.RiskFilter(q)
	if err != nil && errMsg == "" {
		errMsg = errs.Message(err)
	}
	f.Asset = ""
	// The asset filter takes an asset's id (as the inventory links it) or
	// its name (as typed); a name the inventory lacks matches nothing.
	var assetName string
	if a := strings.TrimSpace(q.Get("asset")); a != "" {
		found, err := sc.Risk().AssetsByID(r.Context(), []string{a})
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(found) == 0 {
			if x, err := sc.Risk().AssetByName(r.Context(), a); err == nil {
				found = append(found, x)
			} else if !errs.Is(err, errs.NotFound) {
				s.fail(w, r, err)
				return
			}
		}
		f.Asset, assetName = a, a
		if len(found) == 1 {
			f.Asset, assetName = found[0].ID, found[0].Name
		} else if errMsg == "" {
			errMsg = fmt.Sprintf("asset: the inventory has no asset named %q", a)
		}
	}
	sortBy, groupBy := q.Get("sort"), q.Get("group")
	if !slices.Contains(risk.SortKeys, sortBy) {
		sortBy = "level"
	}
	if !slices.Contains(risk.GroupKeys, groupBy) {
		groupBy = ""
	}
	offset, limit, err := kit.Window(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p, err := s.risk.Page(r.Context(), sc.Risk(), riskanalysis.RegisterQuery{Filter: f, Sort: sortBy, Offset: offset, Limit: limit}, risk.Today(s.now()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	owners, err := s.risk.Owners(r.Context(), sc.Risk())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &registerView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Register: p.Register, Count: p.Total, Filter: f, Sort: sortBy, Group: groupBy,
		Heat: template.HTML(report.HeatmapSVG(&p.Register.Scales, p.Heat, "Risks shown, by likelihood and impact", func(l, i int) string {
			cell := r.URL.Query()
			cell.Set("likelihood", strconv.Itoa(l))
			cell.Set("impact", strconv.Itoa(i))
			cell.Del("offset")
			return r.URL.Path + "?" + cell.Encode()
		})), Sorts: risk.SortKeys, GroupBys: risk.GroupKeys,
		Columns: strings.Join(risk.RiskColumns, ", "), Owners: owners, Asset: assetName, Groups: p.Register.GroupBy(p.Rows, groupBy),
		Page: newPager(r, offset, limit, len(p.Rows), p.Total)}
	s.render(w, r, "risk_register", status, page{Title: "Risk register · " + sc.Org().Name, Data: v})
}

type riskView struct {
	programView
	Register  *risk.Register        // the scales and the catalog
	Assets    []*risk.Asset         // the assets offered: the risk's and the first formChoices of the inventory
	More      int                   // how many assets of the inventory are not offered
	Vulns     []*risk.Vulnerability // the vulnerabilities offered: the risk's and the first formChoices not dismissed
	MoreVulns int                   // how many vulnerabilities not dismissed are not offered
	Risk      *risk.Risk
	Row       *risk.Row
	Threat    *risk.Threat
	New       bool
	Items     []*catalog.Item
	Suggest   []*catalog.Item
	Statuses  []risk.ActionStatus
	Today     string
}

func (s *Server) newRiskPage(w http.ResponseWriter, r *http.Request) {
	rk := &risk.Risk{ThreatID: r.URL.Query().Get("threat")}
	if a := r.URL.Query().Get("asset"); a != "" {
		rk.Assets = []string{a}
	}
	s.renderRiskForm(w, r, http.StatusOK, "", "", rk, true)
}

func (s *Server) riskDetail(w http.ResponseWriter, r *http.Request) {
	rk, err := kit.ScopeFrom(r.Context()).Risk().Risk(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderRiskForm(w, r, http.StatusOK, "", r.URL.Query().Get("notice"), rk, false)
}

// formChoices is how many of the inventory's assets, and of the
// vulnerabilities, a risk's form offers as boxes to tick, besides the
// risk's own; beyond them, they are added by name (or title).
const formChoices = 200

// renderRiskForm shows a risk's form: its row as the register shows it,
// the assets and vulnerabilities it names and the first of the others to
// choose from (a hospital's 100,000 assets and thousands of
// vulnerabilities are named, not listed), and its plan.
func (s *Server) renderRiskForm(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string, rk *risk.Risk, isNew bool) {
	sc := kit.ScopeFrom(r.Context())
	ctx := r.Context()
	scales, _, err := sc.Risk().RiskSettings(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	vulns, moreVulns, err := sc.Risk().VulnerabilityChoices(ctx, rk.Vulnerabilities, formChoices)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	today := risk.Today(s.now())
	v := &riskView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Register: &risk.Register{Scales: scales, Catalog: s.risk.Threats},
		Vulns: vulns, MoreVulns: moreVulns, Risk: rk, New: isNew, Statuses: risk.ActionStatuses, Today: today}
	if !isNew {
		p, err := s.risk.Page(ctx, sc.Risk(), riskanalysis.RegisterQuery{Filter: risk.Filter{Status: "all"}, ID: rk.ID, Limit: 1, Bare: true}, today)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		if len(p.Rows) == 1 {
			v.Row = p.Rows[0]
		}
	}
	own, err := sc.Risk().AssetsByID(ctx, rk.Assets)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	first, _, total, err := sc.Risk().AssetPage(ctx, store.AssetFilter{}, 0, formChoices)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Assets = own
	for _, a := range first {
		if !slices.Contains(rk.Assets, a.ID) {
			v.Assets = append(v.Assets, a)
		}
	}
	v.More = max(0, total-len(v.Assets))
	if t, ok := s.risk.Threats.Lookup(rk.ThreatID); ok {
		v.Threat = t
		for _, id := range t.Items {
			if it, ok := s.catalog.Item(id); ok && !slices.Contains(rk.Items, id) {
				v.Suggest = append(v.Suggest, it)
			}
		}
	}
	for _, id := range rk.Items {
		if it, ok := s.catalog.Item(id); ok {
			v.Items = append(v.Items, it)
		}
	}
	title := "New risk"
	if !isNew {
		title = rk.Ref() + " " + rk.Title
	}
	s.render(w, r, "risk_risk", status, page{Title: title + " · " + sc.Org().Name, Data: v})
}

// riskFromForm reads a risk's fields; ratings that are not numbers are
// left at an off-scale value so that validation names them.
func (s *Server) riskFromForm(r *http.Request) (*risk.Risk, error) {
	num := func(name string) int {
		v := strings.TrimSpace(r.FormValue(name))
		if v == "" {
			return 0
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return -1
		}
		return n
	}
	rk := &risk.Risk{Title: r.FormValue("title"), Description: r.FormValue("description"), ThreatID: r.FormValue("threat"),
		Assets: slices.Clone(r.Form["asset"]), Vulnerabilities: slices.Clone(r.Form["vulnerability"]), CurrentMeasures: r.FormValue("current_measures"),
		Likelihood: num("likelihood"), ImpactC: num("impact_c"), ImpactI: num("impact_i"), ImpactA: num("impact_a"),
		LikelihoodRationale: r.FormValue("likelihood_rationale"), ImpactRationale: r.FormValue("impact_rationale"), Owner: strings.TrimSpace(r.FormValue("owner")),
		Response: risk.Response(r.FormValue("response")), ResponseNotes: r.FormValue("response_notes"), AcceptedBy: r.FormValue("accepted_by"),
		AcceptedUntil: r.FormValue("accepted_until"), TargetLikelihood: num("target_likelihood"), TargetImpact: num("target_impact"),
		Status: risk.Status(r.FormValue("status")), Items: []string{}}
	if _, ok := s.risk.Threats.Lookup(rk.ThreatID); !ok && rk.ThreatID != "" {
		return rk, errs.New(errs.Invalid, fmt.Sprintf("threat: %q is not in the threat catalog", rk.ThreatID))
	}
	// Assets and vulnerabilities beyond the boxes offered are named,
	// separated by ";".
	records := kit.ScopeFrom(r.Context()).Risk()
	var err error
	rk.Assets, err = addNamed(rk.Assets, r.FormValue("more_assets"), "assets: the inventory has no asset named %q", func(name string) (string, error) {
		a, err := records.AssetByName(r.Context(), name)
		if err != nil {
			return "", err
		}
		return a.ID, nil
	})
	if err != nil {
		return rk, err
	}
	rk.Vulnerabilities, err = addNamed(rk.Vulnerabilities, r.FormValue("more_vulnerabilities"), "vulnerabilities: the register has no vulnerability titled %q", func(title string) (string, error) {
		v, err := records.VulnerabilityByTitle(r.Context(), title)
		if err != nil {
			return "", err
		}
		return v.ID, nil
	})
	if err != nil {
		return rk, err
	}
	for _, id := range r.Form["item"] {
		id = strings.TrimSpace(id)
		if id == "" {
			continue
		}
		if _, ok := s.catalog.Item(id); !ok {
			return rk, errs.New(errs.Invalid, fmt.Sprintf("items: %q is not a requirement or CPG of the catalog", id))
		}
		if !slices.Contains(rk.Items, id) {
			rk.Items = append(rk.Items, id)
		}
	}
	return rk, nil
}

// addNamed adds to ids those of the names in list (separated by ";")
// that find finds; a name it does not find is refused with unknown (a
// format taking the name).
func addNamed(ids []string, list, unknown string, find func(name string) (string, error)) ([]string, error) {
	for _, name := range strings.Split(list, ";") {
		if name = strings.TrimSpace(name); name == "" {
			continue
		}
		id, err := find(name)
		if errs.Is(err, errs.NotFound) {
			return ids, errs.New(errs.Invalid, fmt.Sprintf(unknown, name))
		}
		if err != nil {
			return ids, err
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

func (s *Server) createRisk(w http.ResponseWriter, r *http.Request) {
	rk, err := s.riskFromForm(r)
	if err == nil {
		err = kit.ScopeFrom(r.Context()).Risk().CreateRisk(r.Context(), rk)
	}
	if err != nil {
		if kit.UserError(err) {
			s.renderRiskForm(w, r, errs.HTTPStatus(err), errs.Message(err), "", rk, true)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/register/"+rk.ID+"?notice="+url.QueryEscape("Added "+rk.Ref()+"."), http.StatusSeeOther)
}

func (s *Server) saveRisk(w http.ResponseWriter, r *http.Request) {
	rk, err := s.riskFromForm(r)
	rk.ID = r.PathValue("id")
	if err == nil {
		err = kit.ScopeFrom(r.Context()).Risk().UpdateRisk(r.Context(), rk)
	}
	if err != nil {
		if kit.UserError(err) {
			if old, e := kit.ScopeFrom(r.Context()).Risk().Risk(r.Context(), rk.ID); e == nil {
				rk.Number = old.Number
			}
			s.renderRiskForm(w, r, errs.HTTPStatus(err), errs.Message(err), "", rk, false)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/register/"+rk.ID+"?notice=Saved.", http.StatusSeeOther)
}

// saveAction adds an action to a risk's plan, or updates one (form field
// action names it).
func (s *Server) saveAction(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	a := &risk.Action{ID: r.FormValue("action"), RiskID: r.PathValue("id"), Title: r.FormValue("title"), Owner: strings.TrimSpace(r.FormValue("owner")),
		Due: r.FormValue("due"), Status: risk.ActionStatus(r.FormValue("status")), CompletedOn: r.FormValue("completed_on"), Notes: r.FormValue("notes")}
	if a.Status == risk.Done && a.CompletedOn == "" {
		a.CompletedOn = risk.Today(s.now())
	}
	if err := sc.Risk().SaveAction(r.Context(), a); err != nil {
		if kit.UserError(err) {
			rk, e := sc.Risk().Risk(r.Context(), a.RiskID)
			if e != nil {
				s.fail(w, r, e)
				return
			}
			s.renderRiskForm(w, r, errs.HTTPStatus(err), errs.Message(err), "", rk, false)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/register/"+a.RiskID+"?notice="+url.QueryEscape("Plan updated."), http.StatusSeeOther)
}

type poamView struct {
	programView
	Milestones []*risk.Milestone // a window of them
	Total      int
	All        bool
	Overdue    int
	Page       pager
}

func (s *Server) poamPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	offset, limit, err := kit.Window(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	all := r.URL.Query().Get("all") != ""
	ms, overdue, err := s.risk.POAM(r.Context(), sc.Risk(), risk.Today(s.now()), all)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	shown := ms[min(offset, len(ms)):min(offset+limit, len(ms))]
	v := &poamView{programView: programView{Scope: sc}, Milestones: shown, Total: len(ms), All: all, Overdue: overdue, Page: newPager(r, offset, limit, len(shown), len(ms))}
	s.render(w, r, "risk_poam", http.StatusOK, page{Title: "Plan of action and milestones · " + sc.Org().Name, Data: v})
}

type scalesView struct {
	programView
	Scales risk.Scales
	Months int
}

func (s *Server) scalesPage(w http.ResponseWriter, r *http.Request) {
	s.renderScales(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderScales(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	scales, months, err := sc.Risk().RiskSettings(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "risk_scales", status, page{Title: "Rating scales · " + sc.Org().Name, Data: &scalesView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Scales: scales, Months: months}})
}

// saveScales edits the level names and definitions, the band actions, the
// matrix and the review interval; the number of levels is changed through
// the API.
func (s *Server) saveScales(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	scales, _, err := sc.Risk().RiskSettings(r.Context())
	if err == nil {
		err = r.ParseForm()
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, set := range []struct {
		prefix string
		levels []risk.Level
	}{{"likelihood", scales.Likelihood}, {"impact", scales.Impact}} {
		for i := range set.levels {
			if v, ok := r.Form[fmt.Sprintf("%s_name_%d", set.prefix, i+1)]; ok {
				set.levels[i].Name = strings.TrimSpace(v[0])
			}
			if v, ok := r.Form[fmt.Sprintf("%s_def_%d", set.prefix, i+1)]; ok {
				set.levels[i].Definition = strings.TrimSpace(v[0])
			}
		}
	}
	for i := range scales.Bands {
		if v, ok := r.Form[fmt.Sprintf("band_action_%d", i)]; ok {
			scales.Bands[i].Action = strings.TrimSpace(v[0])
		}
	}
	for l := range scales.Matrix {
		for i := range scales.Matrix[l] {
			if v, ok := r.Form[fmt.Sprintf("m_%d_%d", l+1, i+1)]; ok {
				n, err := strconv.Atoi(v[0])
				if err != nil {
					n = -1
				}
				scales.Matrix[l][i] = n
			}
		}
	}
	if !strings.HasPrefix(scales.Source, "Edited by the organisation") {
		scales.Source = "Edited by the organisation, starting from this: " + scales.Source
	}
	months, err := strconv.Atoi(r.FormValue("review_months"))
	if err != nil {
		months = 0
	}
	if err := sc.Risk().SaveRiskSettings(r.Context(), scales, months); err != nil {
		s.refuse(w, r, err, s.renderScales)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/scales?notice=Saved.", http.StatusSeeOther)
}
