package pages

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/questionnaire"
	"github.com/safeguard-health/safeguard/internal/vendor"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// requestLine is a questionnaire sent to a vendor, where it stands, and
// the evidence its answers name.
type requestLine struct {
	*vendor.Request
	Standing vendor.RequestStanding
}

// vendorQuestionnaires fills a vendor page's questionnaires: those sent to
// it and those the organisation may send.
func (s *Server) vendorQuestionnaires(r *http.Request, v *vendorView) error {
	sc := kit.ScopeFrom(r.Context())
	rs, err := sc.Questionnaires().QuestionnaireRequests(r.Context(), v.View.ID)
	if err != nil {
		return err
	}
	now := s.now()
	for _, x := range rs {
		v.Requests = append(v.Requests, requestLine{Request: x, Standing: x.Standing(now)})
	}
	v.Newest = vendor.Newest(rs)[v.View.ID]
	v.Catalog, err = s.questionnaires.Catalog(r.Context(), sc.Questionnaires())
	v.DefaultDays, v.MaxDays = vendor.DefaultLinkDays, vendor.MaxLinkDays
	return err
}

// sendQuestionnaire sends a vendor a questionnaire: a link, shown once on
// the page that answers, or a workbook to download and send.
func (s *Server) sendQuestionnaire(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	ref, version, _ := strings.Cut(r.PostFormValue("questionnaire"), "@")
	days, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	if strings.TrimSpace(r.PostFormValue("days")) != "" && days == 0 {
		days = -1 // refused by the service, naming the field
	}
	req, token, err := s.questionnaires.Send(r.Context(), sc.Questionnaires(), questionnaire.Sending{VendorID: r.PathValue("id"),
		Questionnaire: ref, Version: version, Channel: r.PostFormValue("channel"), Recipient: r.PostFormValue("recipient"), Days: days})
	if err != nil {
		s.refuse(w, r, err, s.renderVendorPage)
		return
	}
	if token == "" {
		http.Redirect(w, r, vendorBase(r)+"/"+r.PathValue("id")+"?notice="+url.QueryEscape("Recorded: download the workbook below and send it to the vendor; import it here once it comes back filled in."), http.StatusSeeOther)
		return
	}
	link := kit.Origin(r) + "/questionnaire/" + token
	s.renderVendorFull(w, r, http.StatusOK, "", "", nil, &sentLink{URL: link, Expires: req.ExpiresAt, Recipient: req.Recipient})
}

// sentLink is a link just sent, shown once.
type sentLink struct {
	URL       string
	Expires   time.Time
	Recipient string
}

func (s *Server) revokeQuestionnaire(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := s.requestOfVendor(r); err != nil {
		s.refuse(w, r, err, s.renderVendorPage)
		return
	}
	if err := s.questionnaires.Revoke(r.Context(), sc.Questionnaires(), r.PathValue("request")); err != nil {
		s.refuse(w, r, err, s.renderVendorPage)
		return
	}
	http.Redirect(w, r, vendorBase(r)+"/"+r.PathValue("id")+"?notice="+url.QueryEscape("Withdrawn: its link no longer opens."), http.StatusSeeOther)
}

// requestOfVendor checks the request in the path is the vendor's in the
// path. Errors: NotFound.
func (s *Server) requestOfVendor(r *http.Request) error {
	req, err := kit.ScopeFrom(r.Context()).Questionnaires().QuestionnaireRequest(r.Context(), r.PathValue("request"))
	if err != nil {
		return err
	}
	if req.VendorID != r.PathValue("id") {
		return errs.New(errs.NotFound, "questionnaire request not found")
	}
	return nil
}

func (s *Server) questionnaireWorkbook(w http.ResponseWriter, r *http.Request) {
	if err := s.requestOfVendor(r); err != nil {
		s.fail(w, r, err)
		return
	}
	name, data, err := s.questionnaires.Workbook(r.Context(), kit.ScopeFrom(r.Context()).Questionnaires(), r.PathValue("request"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kit.Attachment(w, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
}

// importAnswers previews a vendor's filled-in workbook: nothing is
// written until the preview is applied.
func (s *Server) importAnswers(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	filename, content, err := kit.ReadRecordsFile(s.store, w, r, dataimport.RecordAnswers, "the answer workbook")
	if err != nil {
		s.refuse(w, r, err, s.renderVendorPage)
		return
	}
	respondent, err := vendor.CheckRespondent(r.FormValue("respondent"))
	if err != nil {
		s.refuse(w, r, err, s.renderVendorPage)
		return
	}
	plan, err := s.records.Plan(r.Context(), sc.Records(), dataimport.RecordAnswers, filename, content, nil, s.now())
	if err != nil {
		s.refuse(w, r, err, s.renderVendorPage)
		return
	}
	if plan.Answers.Request.VendorID != r.PathValue("id") {
		s.refuse(w, r, errs.New(errs.Invalid, filename+" answers a questionnaire sent to "+plan.Answers.Vendor+": import it on that vendor's page"), s.renderVendorPage)
		return
	}
	id, err := keepUpload(r, dataimport.RecordAnswers, filename, content)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	plan.Respondent = respondent
	s.renderImport(w, r, plan, id)
}

func (s *Server) applyAnswers(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	id := r.PathValue("import")
	filename, content, err := sc.Risk().Upload(r.Context(), dataimport.RecordAnswers, id)
	if err != nil {
		s.refuse(w, r, err, s.renderVendorPage)
		return
	}
	plan, err := s.records.ApplyAnswersPreviewed(r.Context(), sc.Records(), filename, content, s.now(), r.FormValue("digest"), r.FormValue("respondent"))
	if err != nil {
		s.refuse(w, r, err, s.renderVendorPage)
		return
	}
	sc.Risk().DropUpload(r.Context(), id)
	http.Redirect(w, r, vendorBase(r)+"/"+plan.Answers.Request.VendorID+"?notice="+url.QueryEscape(plan.Outcome()), http.StatusSeeOther)
}

type questionnairesView struct {
	programView
	Catalog []*vendor.Questionnaire
	Columns []string
}

func (s *Server) questionnairesPage(w http.ResponseWriter, r *http.Request) {
	s.renderQuestionnaires(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderQuestionnaires(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	all, err := s.questionnaires.Catalog(r.Context(), sc.Questionnaires())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &questionnairesView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Catalog: all, Columns: vendor.QuestionColumns}
	s.render(w, r, "questionnaires", status, page{Title: "Vendor questionnaires · " + sc.Org().Name, Data: v})
}

// defineQuestionnaire adds a version of one of the organisation's own
// questionnaires from a file of questions.
func (s *Server) defineQuestionnaire(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	f, h, err := kit.ReadUpload(s.store, w, r, vendor.MaxQuestionnaireBytes, "the file of questions")
	if err != nil {
		s.refuse(w, r, err, s.renderQuestionnaires)
		return
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, vendor.MaxQuestionnaireBytes+1))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	q, err := s.questionnaires.Define(r.Context(), sc.Questionnaires(), r.FormValue("title"), r.FormValue("version"), r.FormValue("about"), h.Filename, content)
	if err != nil {
		s.refuse(w, r, err, s.renderQuestionnaires)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/questionnaires?notice="+url.QueryEscape(fmt.Sprintf("Saved %s %s: %d questions.", q.Title, q.Version, len(q.Questions))), http.StatusSeeOther)
}

// questionsFile downloads a questionnaire's questions in the columns a
// new one is read from.
func (s *Server) questionsFile(w http.ResponseWriter, r *http.Request) {
	q, err := s.questionnaires.Find(r.Context(), kit.ScopeFrom(r.Context()).Questionnaires(), r.PathValue("ref"), r.PathValue("version"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := vendor.QuestionsCSV(q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kit.Attachment(w, q.ID+"-"+q.Version+".csv", "text/csv; charset=utf-8", data)
}

// linkView is what a vendor's link shows: the request's questionnaire,
// the names of the organisation and the vendor, and what was posted when
// answers were refused.
type linkView struct {
	Link   *questionnaire.Link
	Token  string
	Error  string
	Posted map[string]vendor.QuestionAnswer
	Who    string
	Done   *vendor.Request
}

// linkPage is the page a vendor's link opens, without an account.
func (s *Server) linkPage(w http.ResponseWriter, r *http.Request) {
	l, err := s.questionnaires.Open(r.Context(), r.PathValue("token"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.renderLink(w, r, http.StatusOK, &linkView{Link: l, Token: r.PathValue("token")})
}

func (s *Server) renderLink(w http.ResponseWriter, r *http.Request, status int, v *linkView) {
	title := "Questionnaire"
	if v.Link != nil {
		title = v.Link.Request.Questionnaire.Title + " · " + v.Link.Org
	}
	s.render(w, r, "questionnaire", status, page{Title: title, Data: v})
}

// maxVendorReply bounds a vendor's answers with their files.
const maxVendorReply = 64 << 20

// answerLink takes a vendor's answers through its link: every question
// answered, files of evidence with any answer. Refused answers keep
// nothing and show the form again as it was filled in.
func (s *Server) answerLink(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	l, err := s.questionnaires.Open(r.Context(), token)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxVendorReply)
	if err := r.ParseMultipartForm(8 << 20); err != nil && !errors.Is(err, http.ErrNotMultipart) {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.renderLink(w, r, http.StatusRequestEntityTooLarge, &linkView{Link: l, Token: token, Error: fmt.Sprintf("The answers and their files are larger than the %d MiB one set may be: send fewer or smaller files.", maxVendorReply>>20)})
			return
		}
		s.fail(w, r, errs.New(errs.Invalid, "the form is malformed"))
		return
	} else if errors.Is(err, http.ErrNotMultipart) {
		if err := r.ParseForm(); err != nil {
			s.fail(w, r, errs.New(errs.Invalid, "the form is malformed"))
			return
		}
	}
	if r.MultipartForm != nil {
		defer r.MultipartForm.RemoveAll()
	}
	reply := questionnaire.Reply{Respondent: r.FormValue("respondent"), Answers: map[string]vendor.QuestionAnswer{}, Files: map[string]evidence.File{}}
	for _, q := range l.Request.Questionnaire.Questions {
		value, _ := vendor.ParseAnswer(r.FormValue("answer_" + q.ID))
		reply.Answers[q.ID] = vendor.QuestionAnswer{Value: value, Comment: strings.TrimSpace(r.FormValue("comment_" + q.ID))}
		f, h, err := r.FormFile("file_" + q.ID)
		if err != nil {
			continue
		}
		defer f.Close()
		reply.Files[q.ID] = evidence.File{Name: h.Filename, Body: f}
	}
	done, err := s.questionnaires.Answer(r.Context(), token, reply)
	if err != nil {
		if kit.UserError(err) && errs.KindOf(err) != errs.Gone {
			msg := errs.Message(err)
			if len(reply.Files) > 0 {
				msg += " Nothing was kept: choose the files again."
			}
			s.renderLink(w, r, errs.HTTPStatus(err), &linkView{Link: l, Token: token, Error: msg, Posted: reply.Answers, Who: reply.Respondent})
			return
		}
		s.fail(w, r, err)
		return
	}
	s.renderLink(w, r, http.StatusOK, &linkView{Link: l, Done: done})
}
