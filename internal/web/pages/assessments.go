package pages

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// Assessments: the list, one assessment, finalising, one item and its answer.

type assessmentsView struct {
	programView
	Rows       []assessmentSummary
	Frameworks []*catalog.Framework
	// Imported are the frameworks the organisation imported from OSCAL.
	Imported []*store.ImportedFramework
}

type assessmentSummary struct {
	Assessment *assessment.Assessment
	Framework  *catalog.Framework
	Progress   assessment.Progress
}

func (s *Server) assessmentsPage(w http.ResponseWriter, r *http.Request) {
	notice := ""
	if id := r.URL.Query().Get("removed"); id != "" {
		notice = "Removed the framework " + id + "."
	}
	s.renderAssessments(w, r, http.StatusOK, "", notice)
}

// removeFramework removes a framework the organisation imported; refused
// while an assessment of it is kept.
func (s *Server) removeFramework(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	id := r.PathValue("id")
	if err := sc.Program().RemoveFramework(r.Context(), id); err != nil {
		switch errs.KindOf(err) {
		case errs.NotFound: // the form named a framework the organisation does not have
			s.renderAssessments(w, r, http.StatusBadRequest, errs.Message(err), "")
		case errs.Conflict:
			s.renderAssessments(w, r, http.StatusConflict, errs.Message(err), "")
		default:
			s.fail(w, r, err)
		}
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/assessments?removed="+url.QueryEscape(id), http.StatusSeeOther)
}

func (s *Server) renderAssessments(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	all, err := sc.Program().Assessments(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	fws, err := s.program.FrameworksFor(r.Context(), sc.Program())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	imported, err := sc.Program().FrameworkStamps(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	av := &assessmentsView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Frameworks: fws, Imported: imported}
	for _, a := range all {
		v, err := s.program.View(r.Context(), sc.Program(), a.ID, s.now())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		av.Rows = append(av.Rows, assessmentSummary{a, v.Framework, v.Progress})
	}
	s.render(w, r, "assessments", status, page{Title: "Assessments · " + sc.Org().Name, Data: av})
}

func (s *Server) startAssessment(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	a, err := s.program.Start(r.Context(), sc.Program(), r.PostFormValue("framework"), r.PostFormValue("title"), r.PostFormValue("from"), s.now())
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
		s.renderAssessments(w, r, status, errs.Message(err), "")
		return
	}
	http.Redirect(w, r, assessmentURL(sc.Org().Slug, a.ID), http.StatusSeeOther)
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
	// Verified are the inputs verified from data or Safeguard's own
	// records (checks, training, the final risk analysis), by item.
	Verified map[string][]assessment.Input
}

func (s *Server) assessmentPage(w http.ResponseWriter, r *http.Request) {
	s.renderAssessment(w, r, http.StatusOK, "", "")
}

func (s *Server) renderAssessment(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	v, err := s.program.View(r.Context(), sc.Program(), r.PathValue("id"), s.now())
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
	inputs, err := sc.Program().ScorecardInputs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	av.Verified = map[string][]assessment.Input{}
	for _, in := range inputs {
		av.Verified[in.Goal] = append(av.Verified[in.Goal], in)
	}
	s.render(w, r, "assessment", status, page{Title: v.Assessment.Title + " · " + sc.Org().Name, Data: av})
}

func (s *Server) finalizeAssessment(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	if _, err := s.program.Finalize(r.Context(), sc.Program(), r.PathValue("id"), s.now()); err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			s.fail(w, r, err)
			return
		}
		s.renderAssessment(w, r, errs.HTTPStatus(err), errs.Message(err), "")
		return
	}
	s.renderAssessment(w, r, http.StatusOK, "", "Finalised: this assessment is now a dated, read-only record.")
}

type answerView struct {
	programView
	View     *assessment.View
	Row      assessment.Row
	Guidance []catalog.KeyActivity
	Related  []relatedAnswer
	Evidence []evidenceOption // the organisation's evidence, to link
	Next     *catalog.Item
	// Imported: the framework is one the organisation imported, which
	// the shared catalog pages do not show.
	Imported bool
	Statuses []assessment.Status
	Kinds    []assessment.DecisionKind
	// Verified are the automated inputs recorded for this item: what the
	// data says beside the manual answer.
	Verified []assessment.Input
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
	sc := kit.ScopeFrom(r.Context())
	v, reg, it, err := s.itemView(r)
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
		Guidance: assessment.Guidance(reg, it), Statuses: assessment.Statuses, Kinds: assessment.DecisionKinds}
	if _, err := s.catalog.Framework(v.Framework.ID); err != nil {
		av.Imported = true
	}
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
	inputs, err := sc.Program().ScorecardInputs(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, in := range inputs {
		if in.Goal == it.ID {
			av.Verified = append(av.Verified, in)
		}
	}
	if av.Related, err = s.relatedAnswers(r, it, v.Assessment); err != nil {
		s.fail(w, r, err)
		return
	}
	if sc.Role.Can(auth.UploadEvidence) && !v.Assessment.Final() {
		list, err := sc.Evidence().EvidenceList(r.Context())
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

// itemView loads the assessment, the catalog as its organisation sees it
// (with the frameworks it imported) and the item the path names.
func (s *Server) itemView(r *http.Request) (*assessment.View, *catalog.Registry, *catalog.Item, error) {
	st := kit.ScopeFrom(r.Context()).Program()
	v, err := s.program.View(r.Context(), st, r.PathValue("id"), s.now())
	if err != nil {
		return nil, nil, nil, err
	}
	reg, err := s.program.Registry(r.Context(), st)
	if err != nil {
		return nil, nil, nil, err
	}
	it, err := reg.FindItem(v.Framework, r.PathValue("item"))
	return v, reg, it, err
}

// relatedAnswers finds the answers given to items mapped to it in the
// newest assessment of every other framework.
func (s *Server) relatedAnswers(r *http.Request, it *catalog.Item, self *assessment.Assessment) ([]relatedAnswer, error) {
	sc := kit.ScopeFrom(r.Context())
	all, err := sc.Program().Assessments(r.Context())
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
			if answers[a.ID], err = sc.Program().Answers(r.Context(), a.ID); err != nil {
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

// maxAnswerForm bounds an answer form: notes, every sample question, a
// decision.
const maxAnswerForm = 512 << 10

func (s *Server) saveAnswer(w http.ResponseWriter, r *http.Request) {
	if err := s.parseFormLimit(w, r, maxAnswerForm); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	v, reg, it, err := s.itemView(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	row, _ := v.Row(it.ID)
	ans := answerFromForm(r, it, row.Answer)
	if err := s.program.Save(r.Context(), sc.Program(), v.Assessment.ID, "assessment.answer", []*assessment.Answer{ans}); err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
			s.fail(w, r, err)
			return
		}
		s.renderAnswer(w, r, errs.HTTPStatus(err), errs.Message(err), "", ans)
		return
	}
	if next := r.PostFormValue("next"); next != "" {
		if nit, err := reg.FindItem(v.Framework, next); err == nil {
			http.Redirect(w, r, answerURL(sc.Org().Slug, v.Assessment.ID, nit), http.StatusSeeOther)
			return
		}
	}
	http.Redirect(w, r, answerURL(sc.Org().Slug, v.Assessment.ID, it)+"?saved=1", http.StatusSeeOther)
}

// confirmAnswer takes the status of an answer given to a mapped item in
// another framework, recording where it came from: never silently.
func (s *Server) confirmAnswer(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	v, _, it, err := s.itemView(r)
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
		if err := s.program.Save(r.Context(), sc.Program(), v.Assessment.ID, "assessment.confirm", []*assessment.Answer{&ans}); err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict {
				s.fail(w, r, err)
				return
			}
			s.renderAnswer(w, r, errs.HTTPStatus(err), errs.Message(err), "", nil)
			return
		}
		http.Redirect(w, r, answerURL(sc.Org().Slug, v.Assessment.ID, it)+"?saved=1", http.StatusSeeOther)
		return
	}
	s.renderAnswer(w, r, http.StatusBadRequest, "that answer is no longer there to confirm: reload the page", "", nil)
}

// decisionForm is what the "decision" partial shows: an answer's decision
// with the kinds to choose from and the fieldset's legend.
type decisionForm struct {
	Answer *assessment.Answer
	Kinds  []assessment.DecisionKind
	Legend string
}

func init() {
	funcs["decisionForm"] = func(a *assessment.Answer, kinds []assessment.DecisionKind, legend string) decisionForm {
		return decisionForm{Answer: a, Kinds: kinds, Legend: legend}
	}
	// rule is the text of 164.306(d)(3) for each part of a decision.
	funcs["rule"] = func(part string) string {
		switch part {
		case "assess":
			return assessment.DecisionAssessText
		case "reason":
			return assessment.DecisionReasonText
		case "measure":
			return assessment.DecisionMeasureText
		}
		return ""
	}
}
