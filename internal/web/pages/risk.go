package pages

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/questionnaire"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/vendor"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// riskBase is the URL of the organisation's risk pages.
func riskBase(r *http.Request) string {
	return "/orgs/" + kit.ScopeFrom(r.Context()).Org().Slug + "/risk"
}

// refuse answers a failed form: the user's own error (a bad field, a
// conflict, a file too large) shows the page again with the message and its
// status; anything else is the server's.
func (s *Server) refuse(w http.ResponseWriter, r *http.Request, err error, page func(http.ResponseWriter, *http.Request, int, string, string)) {
	if kit.UserError(err) {
		page(w, r, errs.HTTPStatus(err), errs.Message(err), "")
		return
	}
	s.fail(w, r, err)
}

type riskOverview struct {
	programView
	Analyses  []*risk.Analysis
	Reminders []riskanalysis.Reminder
	Summary   map[string]int
	Levels    []levelCount
	Heat      template.HTML
	Target    template.HTML
	Assets    int
	EPHI      int
	Open      int
	Overdue   int
}

type levelCount struct {
	Name, Color string
	Count       int
}

func (s *Server) riskPage(w http.ResponseWriter, r *http.Request) {
	s.renderRisk(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderRisk(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	o, err := s.risk.Overview(r.Context(), sc.Risk(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sum, scales := o.Summary, &o.Scales
	v := &riskOverview{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Analyses: o.Analyses, Reminders: o.Reminders,
		Heat:   template.HTML(report.HeatmapSVG(scales, sum.Heat(scales, false), "Current risk", registerCell(sc.Org().Slug))),
		Target: template.HTML(report.HeatmapSVG(scales, sum.Heat(scales, true), "Target residual risk", nil)),
		Assets: o.Assets, EPHI: o.EPHI, Open: sum.Open(), Overdue: sum.Overdue}
	counts := sum.Levels(scales)
	for i := len(scales.Bands) - 1; i >= 0; i-- {
		b := scales.Bands[i]
		v.Levels = append(v.Levels, levelCount{b.Name, b.Color, counts[b.Name]})
	}
	s.render(w, r, "risk", status, page{Title: "Risk analysis · " + sc.Org().Name, Data: v})
}

// startAnalysis starts a draft risk analysis.
func (s *Server) startAnalysis(w http.ResponseWriter, r *http.Request) {
	a := &risk.Analysis{Title: r.FormValue("title"), Scope: r.FormValue("scope")}
	if err := kit.ScopeFrom(r.Context()).Risk().CreateAnalysis(r.Context(), a); err != nil {
		s.refuse(w, r, err, s.renderRisk)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/analyses/"+a.ID, http.StatusSeeOther)
}

type analysisView struct {
	programView
	Analysis *risk.Analysis
	Doc      *risk.Document
	Previous *risk.Document
	Changes  []riskanalysis.Change
	Summary  string
}

func (s *Server) analysisPage(w http.ResponseWriter, r *http.Request) {
	s.renderAnalysis(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderAnalysis(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	a, err := sc.Risk().Analysis(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prev, cur, changes, err := s.risk.Changes(r.Context(), sc.Risk(), sc.Org().Name, a, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "risk_analysis", status, page{Title: a.Title + " · " + sc.Org().Name, Data: &analysisView{
		programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Analysis: a, Doc: cur, Previous: prev, Changes: changes}})
}

// saveAnalysis edits a draft's title, scope and method.
func (s *Server) saveAnalysis(w http.ResponseWriter, r *http.Request) {
	a := &risk.Analysis{ID: r.PathValue("id"), Title: r.FormValue("title"), Scope: r.FormValue("scope"), Method: r.FormValue("method")}
	if err := kit.ScopeFrom(r.Context()).Risk().UpdateAnalysis(r.Context(), a); err != nil {
		s.refuse(w, r, err, s.renderAnalysis)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/analyses/"+a.ID+"?notice=Saved.", http.StatusSeeOther)
}

// finalizeAnalysis freezes a draft, signed off by the approver.
func (s *Server) finalizeAnalysis(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	a, err := s.risk.Finalize(r.Context(), sc.Risk(), sc.Org().Name, r.PathValue("id"), r.FormValue("approver"), s.now())
	if err != nil {
		s.refuse(w, r, err, s.renderAnalysis)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/analyses/"+a.ID+"?notice="+url.QueryEscape("Finalised: the record is frozen with SHA-256 "+a.SHA256+"."), http.StatusSeeOther)
}

// sendReport renders doc in the format the query names and sends it as a
// download, audited.
func (s *Server) sendReport(w http.ResponseWriter, r *http.Request, doc *risk.Document, name string) {
	if err := s.files.SendReport(w, r, doc, name); err != nil {
		s.fail(w, r, err)
	}
}

// analysisReport downloads an analysis's report.
func (s *Server) analysisReport(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	a, err := sc.Risk().Analysis(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	doc, err := s.risk.Document(r.Context(), sc.Risk(), sc.Org().Name, a, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sendReport(w, r, doc, fmt.Sprintf("%s-risk-analysis-v%d", sc.Org().Slug, a.Version))
}

// registerExport downloads the live register.
func (s *Server) registerExport(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	doc, err := s.risk.Live(r.Context(), sc.Risk(), sc.Org().Name, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.sendReport(w, r, doc, sc.Org().Slug+"-risk-register")
}

type assetsView struct {
	programView
	Assets     []*risk.Asset
	Types      []risk.AssetType
	Crits      []risk.Criticality
	Query      string
	Type       string
	Total      int
	Shown      int
	Columns    string
	Limit      int
	MoreHidden int
	RiskCount  map[string]int
	// Form is the add-asset form's values: a refused asset comes back.
	Form *risk.Asset
}

// assetPageLimit bounds how many assets one page lists; the filter finds
// the rest.
const assetPageLimit = 500

func (s *Server) assetsPage(w http.ResponseWriter, r *http.Request) {
	s.renderAssets(w, r, http.StatusOK, "", r.URL.Query().Get("notice"), nil)
}

func (s *Server) renderAssets(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string, posted *risk.Asset) {
	sc := kit.ScopeFrom(r.Context())
	typ := r.URL.Query().Get("type")
	v := &assetsView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Types: risk.AssetTypes, Crits: risk.Criticalities,
		Query: r.URL.Query().Get("q"), Type: typ, Columns: strings.Join(risk.AssetColumns, ", "), Limit: assetPageLimit, Form: posted}
	if v.Form == nil {
		v.Form = &risk.Asset{Criticality: risk.CriticalityModerate}
	}
	var err error
	v.Assets, v.Shown, v.Total, err = sc.Risk().AssetPage(r.Context(), store.AssetFilter{Query: v.Query, Type: typ}, 0, assetPageLimit)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ids := make([]string, len(v.Assets))
	for i, a := range v.Assets {
		ids[i] = a.ID
	}
	if v.RiskCount, err = sc.Risk().RiskCounts(r.Context(), ids); err != nil {
		s.fail(w, r, err)
		return
	}
	v.MoreHidden = v.Shown - len(v.Assets)
	s.render(w, r, "risk_assets", status, page{Title: "ePHI inventory · " + sc.Org().Name, Data: v})
}

// assetFromForm reads an asset's fields.
func assetFromForm(r *http.Request) *risk.Asset {
	records, _ := strconv.ParseInt(strings.ReplaceAll(strings.TrimSpace(r.FormValue("records")), ",", ""), 10, 64)
	return &risk.Asset{Name: r.FormValue("name"), Type: risk.AssetType(r.FormValue("type")), Description: r.FormValue("description"),
		Creates: r.FormValue("creates") != "", Receives: r.FormValue("receives") != "", Maintains: r.FormValue("maintains") != "", Transmits: r.FormValue("transmits") != "",
		Records: records, Owner: r.FormValue("owner"), Location: r.FormValue("location"), Vendor: r.FormValue("vendor"),
		Criticality: risk.Criticality(r.FormValue("criticality")), InternetFacing: r.FormValue("internet_facing") != "",
		Identifiers: strings.FieldsFunc(r.FormValue("identifiers"), func(c rune) bool { return c == ',' || c == ';' || c == ' ' || c == '\n' })}
}

func (s *Server) createAsset(w http.ResponseWriter, r *http.Request) {
	a := assetFromForm(r)
	if err := kit.ScopeFrom(r.Context()).Risk().CreateAsset(r.Context(), a); err != nil {
		if kit.UserError(err) {
			s.renderAssets(w, r, errs.HTTPStatus(err), errs.Message(err), "", a)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/assets?notice="+url.QueryEscape("Added "+a.Name+" to the inventory."), http.StatusSeeOther)
}

// bulkEditAssets applies one field change to the chosen assets.
func (s *Server) bulkEditAssets(w http.ResponseWriter, r *http.Request) {
	// A field left empty is not changed.
	var edit store.AssetEdit
	for _, f := range []struct {
		name string
		dst  **string
	}{{"owner", &edit.Owner}, {"location", &edit.Location}, {"vendor", &edit.Vendor}} {
		if v := strings.TrimSpace(r.FormValue(f.name)); v != "" {
			*f.dst = &v
		}
	}
	if c := risk.Criticality(r.FormValue("criticality")); c != "" {
		edit.Criticality = &c
	}
	n, err := kit.ScopeFrom(r.Context()).Risk().BulkEditAssets(r.Context(), r.Form["asset"], edit)
	if err != nil {
		if kit.UserError(err) || errs.Is(err, errs.NotFound) {
			s.renderAssets(w, r, errs.HTTPStatus(err), errs.Message(err), "", nil)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/assets?notice="+url.QueryEscape(fmt.Sprintf("Updated %d asset(s).", n)), http.StatusSeeOther)
}

// importAssets reads an inventory file and shows what it would do; the
// file is kept for the apply.
func (s *Server) importAssets(w http.ResponseWriter, r *http.Request) {
	s.previewImport(w, r, "assets")
}

func (s *Server) previewImport(w http.ResponseWriter, r *http.Request, kind string) {
	sc := kit.ScopeFrom(r.Context())
	filename, content, err := kit.ReadRecordsFile(s.store, w, r, kind, "the file")
	if err != nil {
		s.importFailed(w, r, kind, err)
		return
	}
	plan, err := s.records.Plan(r.Context(), sc.Records(), kind, filename, content, nil, s.now())
	if err != nil {
		s.importFailed(w, r, kind, err)
		return
	}
	id, err := keepUpload(r, kind, filename, content)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderImport(w, r, plan, id)
}

func (s *Server) importFailed(w http.ResponseWriter, r *http.Request, kind string, err error) {
	if !kit.UserError(err) {
		s.fail(w, r, err)
		return
	}
	if kind == "assets" {
		s.renderAssets(w, r, errs.HTTPStatus(err), errs.Message(err), "", nil)
		return
	}
	s.renderRegister(w, r, errs.HTTPStatus(err), errs.Message(err), "")
}

type riskImportView struct {
	programView
	Kind    string
	Assets  *risk.AssetPlan
	Risks   *risk.RiskPlan
	Vendors *vendor.Plan
	// Answers are a vendor's answer workbook, given by Respondent.
	Answers    *questionnaire.AnswerPlan
	Respondent string
	ImportID   string
	Digest     string
	Names      map[string]string
}

func (s *Server) renderImport(w http.ResponseWriter, r *http.Request, plan *dataimport.Plan, id string) {
	sc := kit.ScopeFrom(r.Context())
	v := &riskImportView{programView: programView{Scope: sc}, Kind: plan.Kind, Assets: plan.Assets, Risks: plan.Risks, Vendors: plan.Vendors, Answers: plan.Answers, Respondent: plan.Respondent, ImportID: id, Digest: plan.Digest, Names: map[string]string{}}
	if plan.Vendors != nil {
		_, names, err := sc.Risk().AssetNames(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.Names = names
	}
	if plan.Risks != nil {
		// The names of the assets the previewed risks name, not the inventory's.
		var ids []string
		for _, rk := range slices.Concat(plan.Risks.Add, plan.Risks.Update) {
			ids = append(ids, rk.Assets...)
		}
		assets, err := sc.Risk().AssetsByID(r.Context(), ids)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, a := range assets {
			v.Names[a.ID] = a.Name
		}
	}
	s.render(w, r, "risk_import", http.StatusOK, page{Title: "Import preview · " + sc.Org().Name, Data: v})
}

// applyUpload writes a previewed import, provided neither the file nor the
// register changed since the preview.
func (s *Server) applyUpload(w http.ResponseWriter, r *http.Request, kind string) {
	sc := kit.ScopeFrom(r.Context())
	id := r.PathValue("import")
	filename, content, err := sc.Risk().Upload(r.Context(), kind, id)
	if err != nil {
		s.importFailed(w, r, kind, err)
		return
	}
	plan, err := s.records.ApplyPreviewed(r.Context(), sc.Records(), kind, filename, content, nil, s.now(), r.FormValue("digest"))
	if err != nil {
		s.importFailed(w, r, kind, err)
		return
	}
	notice := plan.Outcome()
	sc.Risk().DropUpload(r.Context(), id)
	target := "/assets"
	if kind == "risks" {
		target = "/register"
	}
	http.Redirect(w, r, riskBase(r)+target+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}

func (s *Server) applyAssetImport(w http.ResponseWriter, r *http.Request) {
	s.applyUpload(w, r, "assets")
}
func (s *Server) importRisks(w http.ResponseWriter, r *http.Request) { s.previewImport(w, r, "risks") }
func (s *Server) applyRiskImport(w http.ResponseWriter, r *http.Request) {
	s.applyUpload(w, r, "risks")
}

type assetView struct {
	programView
	Asset   *risk.Asset
	Types   []risk.AssetType
	Crits   []risk.Criticality
	Assets  []*risk.Asset // the other ends a data flow offers, when the inventory is small enough to list
	Flows   []flowLine
	Risks   []*risk.Row // the first assetRisks risks naming the asset, highest level first
	Total   int         // how many risks name it
	Threats []*risk.Threat
}

// assetRisks is how many of the risks naming an asset its page lists.
const assetRisks = 100

type flowLine struct {
	Flow     *risk.Flow
	From, To string
}

func (s *Server) assetPage(w http.ResponseWriter, r *http.Request) {
	s.renderAsset(w, r, http.StatusOK, "", r.URL.Query().Get("notice"), nil)
}

// renderAsset shows an asset: the risks that name it, its data flows and
// its form, reading those and not the inventory or the register.
func (s *Server) renderAsset(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string, posted *risk.Asset) {
	sc := kit.ScopeFrom(r.Context())
	ctx := r.Context()
	a, err := sc.Risk().Asset(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if posted != nil {
		posted.ID = a.ID
		a = posted
	}
	v := &assetView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Asset: a, Types: risk.AssetTypes, Crits: risk.Criticalities,
		Threats: s.risk.Threats.ForAsset(a.Type)}
	flows, err := sc.Risk().FlowsOf(ctx, a.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var ends []string
	for _, f := range flows {
		ends = append(ends, f.From, f.To)
	}
	named, err := sc.Risk().AssetsByID(ctx, ends)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	names := map[string]string{}
	for _, x := range named {
		names[x.ID] = x.Name
	}
	for _, f := range flows {
		v.Flows = append(v.Flows, flowLine{f, names[f.From], names[f.To]})
	}
	p, err := s.risk.Page(ctx, sc.Risk(), riskanalysis.RegisterQuery{Filter: risk.Filter{Asset: a.ID, Status: "all"}, Sort: "level", Limit: assetRisks, Bare: true}, risk.Today(s.now()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.Risks, v.Total = p.Rows, p.Total
	// A small inventory is offered as a list; a large one by name.
	list, _, total, err := sc.Risk().AssetPage(ctx, store.AssetFilter{}, 0, formChoices+1)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if total <= formChoices+1 {
		v.Assets = list
	}
	s.render(w, r, "risk_asset", status, page{Title: a.Name + " · " + sc.Org().Name, Data: v})
}

func (s *Server) saveAsset(w http.ResponseWriter, r *http.Request) {
	a := assetFromForm(r)
	a.ID = r.PathValue("id")
	if err := kit.ScopeFrom(r.Context()).Risk().UpdateAsset(r.Context(), a); err != nil {
		if kit.UserError(err) {
			s.renderAsset(w, r, errs.HTTPStatus(err), errs.Message(err), "", a)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/assets/"+a.ID+"?notice=Saved.", http.StatusSeeOther)
}

func (s *Server) deleteAsset(w http.ResponseWriter, r *http.Request) {
	if err := kit.ScopeFrom(r.Context()).Risk().DeleteAsset(r.Context(), r.PathValue("id")); err != nil {
		if kit.UserError(err) {
			s.renderAsset(w, r, errs.HTTPStatus(err), errs.Message(err), "", nil)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/assets?notice=Deleted.", http.StatusSeeOther)
}

func (s *Server) addFlow(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := &risk.Flow{From: id, To: r.FormValue("to"), Description: r.FormValue("description"), Encrypted: r.FormValue("encrypted") != ""}
	if name := strings.TrimSpace(r.FormValue("to_name")); f.To == "" && name != "" {
		// A large inventory names the other end.
		other, err := kit.ScopeFrom(r.Context()).Risk().AssetByName(r.Context(), name)
		if err != nil {
			if errs.Is(err, errs.NotFound) {
				err = errs.New(errs.Invalid, fmt.Sprintf("other asset: the inventory has no asset named %q", name))
			}
			s.refuse(w, r, err, func(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
				s.renderAsset(w, r, status, errMsg, notice, nil)
			})
			return
		}
		f.To = other.ID
	}
	if r.FormValue("direction") == "in" {
		f.From, f.To = f.To, id
	}
	if err := kit.ScopeFrom(r.Context()).Risk().AddFlow(r.Context(), f); err != nil {
		if kit.UserError(err) || errs.Is(err, errs.NotFound) {
			s.renderAsset(w, r, errs.HTTPStatus(err), errs.Message(err), "", nil)
			return
		}
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/assets/"+id+"?notice="+url.QueryEscape("Data flow added."), http.StatusSeeOther)
}

type threatsView struct {
	programView
	Threats []*risk.Threat
	Notes   []string
	Counts  map[string]int
	Catalog *catalog.Registry
}

func (s *Server) threatsPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	counts, err := sc.Risk().ThreatCounts(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &threatsView{programView: programView{Scope: sc}, Threats: s.risk.Threats.Threats, Notes: s.risk.Threats.Notes, Counts: counts, Catalog: s.catalog}
	s.render(w, r, "risk_threats", http.StatusOK, page{Title: "Threats · " + sc.Org().Name, Data: v})
}

type vulnsView struct {
	programView
	Vulns []*risk.Vulnerability
	Used  map[string]int
}

func (s *Server) vulnerabilitiesPage(w http.ResponseWriter, r *http.Request) {
	s.renderVulns(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderVulns(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	vulns, err := sc.Risk().Vulnerabilities(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	used, err := sc.Risk().VulnerabilityUse(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &vulnsView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Vulns: vulns, Used: used}
	s.render(w, r, "risk_vulns", status, page{Title: "Vulnerabilities · " + sc.Org().Name, Data: v})
}

func (s *Server) addVulnerability(w http.ResponseWriter, r *http.Request) {
	v := &risk.Vulnerability{Title: r.FormValue("title"), Description: r.FormValue("description"), Kind: risk.VulnerabilityKind(r.FormValue("kind")), Status: risk.Confirmed}
	if err := kit.ScopeFrom(r.Context()).Risk().AddVulnerabilities(r.Context(), []*risk.Vulnerability{v}); err != nil {
		s.refuse(w, r, err, s.renderVulns)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/vulnerabilities?notice="+url.QueryEscape("Added."), http.StatusSeeOther)
}

// proposeVulnerabilities turns the newest assessments' shortfalls into
// proposed vulnerabilities.
func (s *Server) proposeVulnerabilities(w http.ResponseWriter, r *http.Request) {
	n, err := s.risk.Propose(r.Context(), kit.ScopeFrom(r.Context()).Risk(), s.program.FrameworkIDs())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/vulnerabilities?notice="+url.QueryEscape(fmt.Sprintf("%d vulnerabilit(ies) proposed from the assessments.", n)), http.StatusSeeOther)
}

func (s *Server) setVulnerabilityStatus(w http.ResponseWriter, r *http.Request) {
	err := kit.ScopeFrom(r.Context()).Risk().SetVulnerabilityStatus(r.Context(), r.PathValue("id"), risk.VulnerabilityStatus(r.FormValue("status")))
	if err != nil {
		s.refuse(w, r, err, s.renderVulns)
		return
	}
	http.Redirect(w, r, riskBase(r)+"/vulnerabilities?notice="+url.QueryEscape("Updated."), http.StatusSeeOther)
}

func init() {
	funcs["join"] = strings.Join
	funcs["has"] = slices.Contains[[]string]
	funcs["responses"] = func() []risk.Response { return risk.Responses }
	// swatch is a small square of a band's colour, drawn as SVG with
	// presentation attributes: the CSP allows no inline style.
	funcs["swatch"] = func(color string) template.HTML {
		if !risk.ValidColor(color) {
			color = "#9e9e9e"
		}
		return template.HTML(`<svg class="swatch" width="12" height="12" viewBox="0 0 12 12" aria-hidden="true"><rect width="12" height="12" rx="2" fill="` + color + `"/></svg>`)
	}
	funcs["bandColor"] = func(g *risk.Register, i int) string {
		if i < 0 || i >= len(g.Scales.Bands) {
			return ""
		}
		return g.Scales.Bands[i].Color
	}
	funcs["slip"] = func(a *risk.Action, today string) int {
		if !a.Open() {
			return 0
		}
		return a.Slip(today)
	}
	funcs["impactFields"] = func(r *risk.Risk) []impactField {
		return []impactField{{"Confidentiality", "impact_c", r.ImpactC}, {"Integrity", "impact_i", r.ImpactI}, {"Availability", "impact_a", r.ImpactA}}
	}
}

type impactField struct {
	Label, Name string
	Value       int
}

// keepUpload keeps a file of records previewed on a page for its apply,
// by its SHA-256.
func keepUpload(r *http.Request, kind, filename string, content []byte) (string, error) {
	sum := sha256.Sum256(content)
	return kit.ScopeFrom(r.Context()).Risk().SaveUpload(r.Context(), kind, filename, hex.EncodeToString(sum[:]), content)
}
