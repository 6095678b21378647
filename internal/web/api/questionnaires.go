package api

import (
	"io"
	"net/http"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/questionnaire"
	"github.com/safeguard-health/safeguard/internal/vendor"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// requestJSON is a questionnaire sent to a vendor as the API gives it:
// where it stands, and its questionnaire by id and version (the
// questions with the answers, for an answered one).
type requestJSON struct {
	*vendor.Request
	Standing vendor.RequestStanding `json:"standing"`
	Link     string                 `json:"link,omitempty"` // only in the answer to the send
}

func (s *Server) requestJSON(r *vendor.Request) requestJSON {
	return requestJSON{Request: r, Standing: r.Standing(s.now())}
}

func (s *Server) apiQuestionnaireRequests(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if _, err := sc.Vendors().Vendor(r.Context(), r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	rs, err := sc.Questionnaires().QuestionnaireRequests(r.Context(), r.PathValue("id"))
	out := make([]requestJSON, 0, len(rs))
	for _, x := range rs {
		out = append(out, s.requestJSON(x))
	}
	s.apiResult(w, r, http.StatusOK, map[string]any{"questionnaires": out}, err)
}

// apiSendQuestionnaire sends a vendor a questionnaire; a link's URL is in
// this answer only.
func (s *Server) apiSendQuestionnaire(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Questionnaire string `json:"questionnaire"`
		Version       string `json:"version"`
		Channel       string `json:"channel"`
		Recipient     string `json:"recipient"`
		Days          int    `json:"days"`
	}
	if err := kit.DecodeJSON(w, r, &in); err != nil {
		s.apiError(w, r, err)
		return
	}
	req, token, err := s.answers.Send(r.Context(), kit.ScopeFrom(r.Context()).Questionnaires(), questionnaire.Sending{VendorID: r.PathValue("id"),
		Questionnaire: in.Questionnaire, Version: in.Version, Channel: in.Channel, Recipient: in.Recipient, Days: in.Days})
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	out := s.requestJSON(req)
	if token != "" {
		out.Link = kit.Origin(r) + "/questionnaire/" + token
	}
	kit.WriteJSON(w, http.StatusCreated, out)
}

// ofVendor is a request of the vendor in the path. Errors: NotFound.
func ofVendor(r *http.Request) (*vendor.Request, error) {
	req, err := kit.ScopeFrom(r.Context()).Questionnaires().QuestionnaireRequest(r.Context(), r.PathValue("request"))
	if err == nil && req.VendorID != r.PathValue("id") {
		err = errs.New(errs.NotFound, "questionnaire request not found")
	}
	return req, err
}

func (s *Server) apiQuestionnaireRequest(w http.ResponseWriter, r *http.Request) {
	req, err := ofVendor(r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, s.requestJSON(req))
}

func (s *Server) apiRevokeQuestionnaire(w http.ResponseWriter, r *http.Request) {
	if _, err := ofVendor(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	if err := s.answers.Revoke(r.Context(), kit.ScopeFrom(r.Context()).Questionnaires(), r.PathValue("request")); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) apiQuestionnaireWorkbook(w http.ResponseWriter, r *http.Request) {
	if _, err := ofVendor(r); err != nil {
		s.apiError(w, r, err)
		return
	}
	name, data, err := s.answers.Workbook(r.Context(), kit.ScopeFrom(r.Context()).Questionnaires(), r.PathValue("request"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	kit.Attachment(w, name, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", data)
}

// apiImportAnswers reads a vendor's filled-in workbook (the multipart
// field "file"; "respondent", who answered at the vendor) and scores it;
// with ?apply=true it records the answers.
func (s *Server) apiImportAnswers(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	filename, content, err := kit.ReadRecordsFile(s.events, w, r, dataimport.RecordAnswers, "the answer workbook")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	apply := r.URL.Query().Get("apply") == "true"
	p, err := s.records.Plan(r.Context(), sc.Records(), dataimport.RecordAnswers, filename, content, nil, s.now())
	if err == nil && p.Answers.Request.VendorID != r.PathValue("id") {
		err = errs.New(errs.Invalid, filename+" answers a questionnaire sent to "+p.Answers.Vendor+", not this vendor")
	}
	if err == nil && apply {
		p.Respondent = r.FormValue("respondent")
		err = s.records.Apply(r.Context(), sc.Records(), p)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"applied": apply, "file": filename, "questionnaire": s.requestJSON(p.Answers.Request)})
}

func (s *Server) apiQuestionnaires(w http.ResponseWriter, r *http.Request) {
	all, err := s.answers.Catalog(r.Context(), kit.ScopeFrom(r.Context()).Questionnaires())
	s.apiResult(w, r, http.StatusOK, map[string]any{"questionnaires": all}, err)
}

// apiDefineQuestionnaire adds a version of one of the organisation's own
// questionnaires: multipart, "title", "version", "about" and a file of
// questions in "file".
func (s *Server) apiDefineQuestionnaire(w http.ResponseWriter, r *http.Request) {
	f, h, err := kit.ReadUpload(s.events, w, r, vendor.MaxQuestionnaireBytes, "the file of questions")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	defer f.Close()
	content, err := io.ReadAll(io.LimitReader(f, vendor.MaxQuestionnaireBytes+1))
	if err != nil {
		s.apiError(w, r, errs.Wrap(errs.Invalid, "the upload could not be read", err))
		return
	}
	q, err := s.answers.Define(r.Context(), kit.ScopeFrom(r.Context()).Questionnaires(), r.FormValue("title"), r.FormValue("version"), r.FormValue("about"), h.Filename, content)
	s.apiResult(w, r, http.StatusCreated, q, err)
}
