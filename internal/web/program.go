package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/tailoring"
)

// maxAnswerForm bounds an answer form: notes, every sample question, a
// decision.
const maxAnswerForm = 512 << 10

// programView is what the program's pages share: the organisation, the
// viewer's role, and a message to show.
type programView struct {
	Scope  *orgScope
	Error  string
	Notice string
}

func (pv programView) Can(p string) bool { return pv.Scope.Role.Can(auth.Permission(p)) }

// Org is the organisation in scope.
func (pv programView) Org() *org.Organization { return pv.Scope.Store.Org() }

// ---- profile: the first-run wizard ----

// wizardSteps are the profile wizard's pages.
var wizardSteps = []string{"Who you are", "Where ePHI lives", "Who is responsible", "Review"}

type profileView struct {
	programView
	Step        int
	Steps       []string
	Profile     *org.Profile
	Systems     []org.System // the profile's, and blank rows to add more
	EntityTypes []struct {
		Type  org.EntityType
		Label string
	}
	Months                       []string
	HIPAA, CPG                   int // applicable items, for the review
	HIPAAItems, CPGItems         int
	Small, Hospital, Enhanced    bool
	SmallThreshold               int
	ClearinghouseIsolation, GHP  bool
	BusinessAssociateSubcontract bool
}

func (s *Server) profilePage(w http.ResponseWriter, r *http.Request) {
	step, _ := strconv.Atoi(r.URL.Query().Get("step"))
	s.renderProfile(w, r, http.StatusOK, step, "", nil)
}

func (s *Server) renderProfile(w http.ResponseWriter, r *http.Request, status, step int, errMsg string, edited *org.Profile) {
	sc := scopeFrom(r.Context())
	p := edited
	if p == nil {
		var err error
		if p, err = sc.Store.Profile(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	if step < 1 || step > len(wizardSteps) {
		step = 1
	}
	pv := &profileView{programView: programView{Scope: sc, Error: errMsg}, Step: step, Steps: wizardSteps, Profile: p,
		EntityTypes: org.EntityTypes, SmallThreshold: org.SmallThreshold,
		Months: []string{"January", "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December"}}
	pv.Systems = append(append([]org.System{}, p.Systems...), make([]org.System, 3)...)
	o := sc.Store.Org()
	pv.Small, pv.Hospital = o.Small(p), o.Hospital(p)
	for _, fw := range []string{catalog.HIPAASecurityRule, catalog.HPHCPG} {
		ds, err := s.program.Rules.Tailor(s.catalog, fw, tailoring.Facts{Org: o, Profile: p}, nil)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		n := len(tailoring.Applicable(ds))
		if fw == catalog.HIPAASecurityRule {
			pv.HIPAA, pv.HIPAAItems = n, len(ds)
		} else {
			pv.CPG, pv.CPGItems, pv.Enhanced = n, len(ds), n > 10
		}
	}
	s.render(w, r, "profile", status, page{Title: "Organisation profile · " + o.Name, Data: pv})
}

// saveProfile saves one step of the wizard and moves to the next.
func (s *Server) saveProfile(w http.ResponseWriter, r *http.Request) {
	if err := s.parseFormLimit(w, r, 64<<10); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := scopeFrom(r.Context())
	p, err := sc.Store.Profile(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o := *sc.Store.Org()
	step, _ := strconv.Atoi(r.PostFormValue("step"))
	f := r.PostForm
	num := func(name, label string) (int, error) {
		v := strings.TrimSpace(f.Get(name))
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return 0, errs.New(errs.Invalid, label+" must be a whole number, 0 or more")
		}
		return n, nil
	}
	switch step {
	case 1:
		o.Name, o.EntityType = strings.TrimSpace(f.Get("name")), org.EntityType(f.Get("entity_type"))
		for _, n := range []struct {
			dst         *int
			name, label string
		}{{&o.WorkforceSize, "workforce", "Workforce"}, {&o.Sites, "sites", "Sites"}, {&p.Beds, "beds", "Beds"}, {&p.Members, "members", "Members"}} {
			if *n.dst, err = num(n.name, n.label); err != nil {
				break
			}
		}
		p.ClearinghouseInLargerOrg = f.Get("clearinghouse_in_larger_org") == "on"
		p.GroupHealthPlan = f.Get("group_health_plan") == "on"
		p.Subcontractors = f.Get("subcontractors") == "on"
		p.HealthCareComponents = strings.TrimSpace(f.Get("health_care_components"))
	case 2:
		var systems []org.System
		for i := 0; i < 300; i++ {
			key := "sys-" + strconv.Itoa(i) + "-"
			if _, present := f[key+"name"]; !present {
				continue
			}
			sys := org.System{Name: f.Get(key + "name"), Location: f.Get(key + "location"), Description: strings.TrimSpace(f.Get(key + "description")),
				Creates: f.Get(key+"creates") == "on", Receives: f.Get(key+"receives") == "on", Maintains: f.Get(key+"maintains") == "on", Transmits: f.Get(key+"transmits") == "on"}
			if strings.TrimSpace(sys.Name) == "" && strings.TrimSpace(sys.Location) == "" && sys.Description == "" && len(sys.Uses()) == 0 {
				continue // a blank row
			}
			systems = append(systems, sys)
		}
		p.Systems = systems
	case 3:
		p.SecurityOfficial = org.Official{Name: f.Get("security_name"), Title: f.Get("security_title"), Email: f.Get("security_email")}
		p.PrivacyOfficial = org.Official{Name: f.Get("privacy_name"), Title: f.Get("privacy_title"), Email: f.Get("privacy_email")}
		p.FiscalYearStart, err = num("fiscal_year_start", "The fiscal year's first month")
	case 4:
		if strings.TrimSpace(p.SecurityOfficial.Name) == "" {
			err = errs.New(errs.Invalid, "name the security official before finishing: 164.308(a)(2) requires one person responsible for security")
			step = 3
		}
		p.Completed = err == nil
	default:
		err = errs.New(errs.Invalid, "unknown step of the profile")
	}
	if err == nil {
		err = sc.Store.SaveProfile(r.Context(), &o, p)
	}
	if err != nil {
		if errs.KindOf(err) != errs.Invalid {
			s.fail(w, r, err)
			return
		}
		s.renderProfile(w, r, http.StatusBadRequest, step, errs.Message(err), p)
		return
	}
	if step >= len(wizardSteps) {
		http.Redirect(w, r, "/orgs/"+o.Slug+"/tailoring", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/orgs/"+o.Slug+"/profile?step="+strconv.Itoa(step+1), http.StatusSeeOther)
}

// ---- tailoring ----

type tailoringView struct {
	programView
	Frameworks []tailoredFramework
}

type tailoredFramework struct {
	Framework  *catalog.Framework
	Rows       []tailoredRow
	Applicable int
}

type tailoredRow struct {
	Item     *catalog.Item
	Decision tailoring.Decision
}

func (s *Server) tailoringPage(w http.ResponseWriter, r *http.Request) {
	s.renderTailoring(w, r, http.StatusOK, "", "")
}

func (s *Server) renderTailoring(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := scopeFrom(r.Context())
	tv := &tailoringView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}}
	for _, fw := range s.program.Frameworks() {
		ds, err := s.program.Tailor(r.Context(), sc.Store, fw.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		tf := tailoredFramework{Framework: fw}
		for _, d := range ds {
			it, _ := s.catalog.Item(d.ItemID)
			tf.Rows = append(tf.Rows, tailoredRow{it, d})
			if d.Applicable {
				tf.Applicable++
			}
		}
		tv.Frameworks = append(tv.Frameworks, tf)
	}
	s.render(w, r, "tailoring", status, page{Title: "Tailoring · " + sc.Store.Org().Name, Data: tv})
}

// overrideTailoring records or clears a person's decision on one item.
func (s *Server) overrideTailoring(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := scopeFrom(r.Context())
	id := r.PostFormValue("item")
	it, ok := s.catalog.Item(id)
	if !ok || !tailoring.Assessable(it) {
		s.renderTailoring(w, r, http.StatusBadRequest, fmt.Sprintf("%q is not an item that can be tailored", id), "")
		return
	}
	var err error
	notice := ""
	if r.PostFormValue("clear") != "" {
		err = sc.Store.ClearTailoringOverride(r.Context(), it.ID)
		notice = it.Citation + ": Safeguard's decision applies again."
	} else {
		err = sc.Store.SetTailoringOverride(r.Context(), &tailoring.Override{ItemID: it.ID, Applicable: r.PostFormValue("applicable") == "yes", Justification: r.PostFormValue("justification")})
		notice = it.Citation + ": your decision is recorded."
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.NotFound {
			s.fail(w, r, err)
			return
		}
		s.renderTailoring(w, r, errs.HTTPStatus(err), errs.Message(err), "")
		return
	}
	s.renderTailoring(w, r, http.StatusOK, "", notice)
}

// ---- assessments ----

type assessmentsView struct {
	programView
	Rows       []assessmentSummary
	Frameworks []*catalog.Framework
}

type assessmentSummary struct {
	Assessment *assessment.Assessment
	Framework  *catalog.Framework
	Progress   assessment.Progress
}

func (s *Server) assessmentsPage(w http.ResponseWriter, r *http.Request) {
	s.renderAssessments(w, r, http.StatusOK, "")
}

func (s *Server) renderAssessments(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	sc := scopeFrom(r.Context())
	all, err := sc.Store.Assessments(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	av := &assessmentsView{programView: programView{Scope: sc, Error: errMsg}, Frameworks: s.program.Frameworks()}
	for _, a := range all {
		v, err := s.program.View(r.Context(), sc.Store, a.ID, s.now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		av.Rows = append(av.Rows, assessmentSummary{a, v.Framework, v.Progress})
	}
	s.render(w, r, "assessments", status, page{Title: "Assessments · " + sc.Store.Org().Name, Data: av})
}

func (s *Server) startAssessment(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := scopeFrom(r.Context())
	a, err := s.program.Start(r.Context(), sc.Store, r.PostFormValue("framework"), r.PostFormValue("title"), r.PostFormValue("from"), s.now())
	if err != nil {
		status := errs.HTTPStatus(err)
		switch errs.KindOf(err) {
		case errs.NotFound: // the form named an unknown framework or assessment
			status = http.StatusBadRequest
		case errs.Invalid, errs.Conflict:
		default:
			s.fail(w, r, err)
			return
		}
		s.renderAssessments(w, r, status, errs.Message(err))
		return
	}
	http.Redirect(w, r, assessmentURL(sc.Store.Org().Slug, a.ID), http.StatusSeeOther)
}

func assessmentURL(slug, id string) string { return "/orgs/" + slug + "/assessments/" + id }

func answerURL(slug, id string, it *catalog.Item) string {
	return assessmentURL(slug, id) + "/items/" + url.PathEscape(it.LocalID())
}

type assessmentView struct {
	programView
	View    *assessment.View
	Show    string // "all", "missing", "na"
	Rows    []assessment.Row
	Missing []assessment.Row
}

func (s *Server) assessmentPage(w http.ResponseWriter, r *http.Request) {
	s.renderAssessment(w, r, http.StatusOK, "", "")
}

func (s *Server) renderAssessment(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := scopeFrom(r.Context())
	v, err := s.program.View(r.Context(), sc.Store, r.PathValue("id"), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	av := &assessmentView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, View: v, Show: r.URL.Query().Get("show"), Missing: v.MissingDecisions()}
	for _, row := range v.Rows {
		switch av.Show {
		case "missing":
			if !row.Missing() {
				continue
			}
		case "na":
			if row.Tailor.Applicable {
				continue
			}
		default:
			av.Show = "all"
		}
		av.Rows = append(av.Rows, row)
	}
	s.render(w, r, "assessment", status, page{Title: v.Assessment.Title + " · " + sc.Store.Org().Name, Data: av})
}

func (s *Server) finalizeAssessment(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := scopeFrom(r.Context())
	if _, err := s.program.Finalize(r.Context(), sc.Store, r.PathValue("id"), s.now()); err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			s.fail(w, r, err)
			return
		}
		s.renderAssessment(w, r, errs.HTTPStatus(err), errs.Message(err), "")
		return
	}
	s.renderAssessment(w, r, http.StatusOK, "", "Finalised: this assessment is now a dated, read-only record.")
}

// ---- one item ----

type answerView struct {
	programView
	View     *assessment.View
	Row      assessment.Row
	Guidance []catalog.KeyActivity
	Related  []relatedAnswer
	Evidence []evidenceOption // the organisation's evidence, to link
	Next     *catalog.Item
	Statuses []assessment.Status
	Kinds    []assessment.DecisionKind
}

// relatedAnswer is an answer given to a mapped item in another framework's
// newest assessment, shown beside this item for a person to confirm.
type relatedAnswer struct {
	Framework  *catalog.Framework
	Item       *catalog.Item
	Assessment *assessment.Assessment
	Answer     *assessment.Answer
	Rationale  string
}

type evidenceOption struct {
	ID, Title string
	Linked    bool
}

func (s *Server) answerPage(w http.ResponseWriter, r *http.Request) {
	notice := ""
	if r.URL.Query().Get("saved") != "" {
		notice = "Saved."
	}
	s.renderAnswer(w, r, http.StatusOK, "", notice, nil)
}

func (s *Server) renderAnswer(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string, posted *assessment.Answer) {
	sc := scopeFrom(r.Context())
	v, it, err := s.itemView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	row, ok := v.Row(it.ID)
	if !ok {
		s.fail(w, r, errs.New(errs.NotFound, it.Citation+" is not assessed in this framework"))
		return
	}
	if posted != nil {
		row.Answer = posted
	}
	av := &answerView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, View: v, Row: row,
		Guidance: assessment.Guidance(s.catalog, it), Statuses: assessment.Statuses, Kinds: assessment.DecisionKinds}
	for i, x := range v.Rows {
		if x.Item.ID == it.ID {
			for _, next := range v.Rows[i+1:] {
				if next.Tailor.Applicable {
					av.Next = next.Item
					break
				}
			}
		}
	}
	if av.Related, err = s.relatedAnswers(r, it, v.Assessment); err != nil {
		s.fail(w, r, err)
		return
	}
	if sc.Role.Can(auth.UploadEvidence) && !v.Assessment.Final() {
		list, err := sc.Store.EvidenceList(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, e := range list {
			linked := false
			for _, id := range e.Items {
				linked = linked || id == it.ID
			}
			av.Evidence = append(av.Evidence, evidenceOption{e.ID, e.Title, linked})
		}
	}
	s.render(w, r, "answer", status, page{Title: it.Citation + " · " + v.Assessment.Title, Data: av})
}

// itemView loads the assessment and the item the path names.
func (s *Server) itemView(r *http.Request) (*assessment.View, *catalog.Item, error) {
	v, err := s.program.View(r.Context(), scopeFrom(r.Context()).Store, r.PathValue("id"), s.now())
	if err != nil {
		return nil, nil, err
	}
	it, err := s.catalog.FindItem(v.Framework, r.PathValue("item"))
	return v, it, err
}

// relatedAnswers finds the answers given to items mapped to it in the
// newest assessment of every other framework.
func (s *Server) relatedAnswers(r *http.Request, it *catalog.Item, self *assessment.Assessment) ([]relatedAnswer, error) {
	sc := scopeFrom(r.Context())
	all, err := sc.Store.Assessments(r.Context())
	if err != nil {
		return nil, err
	}
	answers := map[string]map[string]*assessment.Answer{}
	var out []relatedAnswer
	for _, rel := range s.catalog.Related(it.ID) {
		fw := s.catalog.FrameworkOf(rel.Item)
		if fw.ID == self.Framework {
			continue
		}
		a := assessment.Current(all, fw.ID)
		if a == nil {
			continue
		}
		if answers[a.ID] == nil {
			if answers[a.ID], err = sc.Store.Answers(r.Context(), a.ID); err != nil {
				return nil, err
			}
		}
		ans := answers[a.ID][rel.Item.ID]
		if ans == nil || ans.Status == assessment.Unanswered {
			continue
		}
		out = append(out, relatedAnswer{fw, rel.Item, a, ans, rel.Mapping.Rationale})
	}
	return out, nil
}

// answerFromForm reads an answer form.
func answerFromForm(r *http.Request, it *catalog.Item, current *assessment.Answer) *assessment.Answer {
	f := r.PostForm
	a := &assessment.Answer{ItemID: it.ID, Status: assessment.Status(f.Get("status")), Notes: f.Get("notes"), Owner: f.Get("owner"),
		TargetDate: f.Get("target_date"), Questions: map[string]string{}, Source: current.Source}
	for name, vals := range f {
		if id, ok := strings.CutPrefix(name, "q:"); ok && len(vals) > 0 {
			a.Questions[id] = vals[0]
		}
	}
	if kind := f.Get("decision_kind"); kind != "" || f.Get("decision_measure") != "" || f.Get("decision_reason") != "" {
		a.Decision = &assessment.Decision{Kind: assessment.DecisionKind(kind), Measure: f.Get("decision_measure"), Reason: f.Get("decision_reason")}
	}
	return a
}

func (s *Server) saveAnswer(w http.ResponseWriter, r *http.Request) {
	if err := s.parseFormLimit(w, r, maxAnswerForm); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := scopeFrom(r.Context())
	v, it, err := s.itemView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	row, _ := v.Row(it.ID)
	ans := answerFromForm(r, it, row.Answer)
	if err := s.program.Save(r.Context(), sc.Store, v.Assessment.ID, "assessment.answer", []*assessment.Answer{ans}); err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			s.fail(w, r, err)
			return
		}
		s.renderAnswer(w, r, errs.HTTPStatus(err), errs.Message(err), "", ans)
		return
	}
	if next := r.PostFormValue("next"); next != "" {
		if nit, err := s.catalog.FindItem(v.Framework, next); err == nil {
			http.Redirect(w, r, answerURL(sc.Store.Org().Slug, v.Assessment.ID, nit), http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, answerURL(sc.Store.Org().Slug, v.Assessment.ID, it)+"?saved=1", http.StatusSeeOther)
}

// confirmAnswer takes the status of an answer given to a mapped item in
// another framework, recording where it came from: never silently.
func (s *Server) confirmAnswer(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := scopeFrom(r.Context())
	v, it, err := s.itemView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	related, err := s.relatedAnswers(r, it, v.Assessment)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, rel := range related {
		if rel.Item.ID != r.PostFormValue("from_item") || rel.Assessment.ID != r.PostFormValue("from_assessment") {
			continue
		}
		row, _ := v.Row(it.ID)
		ans := *row.Answer
		ans.ItemID, ans.Status = it.ID, rel.Answer.Status
		ans.Source = fmt.Sprintf("%s %s in %s (%s)", rel.Item.Citation, rel.Item.Title, rel.Assessment.Title, rel.Assessment.ID)
		if err := s.program.Save(r.Context(), sc.Store, v.Assessment.ID, "assessment.confirm", []*assessment.Answer{&ans}); err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
				s.fail(w, r, err)
				return
			}
			s.renderAnswer(w, r, errs.HTTPStatus(err), errs.Message(err), "", nil)
			return
		}
		http.Redirect(w, r, answerURL(sc.Store.Org().Slug, v.Assessment.ID, it)+"?saved=1", http.StatusSeeOther)
		return
	}
	s.renderAnswer(w, r, http.StatusBadRequest, "that answer is no longer there to confirm: reload the page", "", nil)
}

// ---- scorecard ----

type scorecardView struct {
	programView
	Card *assessment.Scorecard
	SVG  template.HTML
}

func (s *Server) scorecardPage(w http.ResponseWriter, r *http.Request) {
	sc := scopeFrom(r.Context())
	card, err := s.program.Scorecard(r.Context(), sc.Store, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	svg := report.ScorecardSVG(card, sc.Store.Org().Name)
	switch r.URL.Query().Get("format") {
	case "json":
		writeAPI(w, http.StatusOK, card)
		return
	case "svg":
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Content-Disposition", `attachment; filename="`+sc.Store.Org().Slug+`-scorecard.svg"`)
		w.Write(svg)
		return
	}
	// The SVG is drawn by report.ScorecardSVG, which escapes every text it
	// places; it is trusted markup.
	s.render(w, r, "scorecard", http.StatusOK, page{Title: "CPG scorecard · " + sc.Store.Org().Name,
		Data: &scorecardView{programView: programView{Scope: sc}, Card: card, SVG: template.HTML(svg)}})
}
