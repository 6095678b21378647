package api

import (
	_ "embed"
	"fmt"
	"net/http"
	"strconv"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/tailoring"
	"github.com/safeguard-health/safeguard/internal/todo"
	"github.com/safeguard-health/safeguard/internal/workbook"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// The program's JSON API: everything the pages do, for automation. Each
// route is registered in New with the token scope it needs, and documented
// in openapi.json.

// apiResult answers with the error, or with the value and status.
func (s *Server) apiResult(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	kit.WriteJSON(w, status, v)
}

type profileBody struct {
	Organization struct {
		Name          string         `json:"name"`
		EntityType    org.EntityType `json:"entity_type"`
		WorkforceSize int            `json:"workforce_size"`
		Sites         int            `json:"sites"`
	} `json:"organization"`
	Profile *org.Profile `json:"profile"`
}

func (s *Server) apiProfile(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	p, err := sc.Program().Profile(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var b profileBody
	o := sc.Org()
	b.Organization.Name, b.Organization.EntityType, b.Organization.WorkforceSize, b.Organization.Sites = o.Name, o.EntityType, o.WorkforceSize, o.Sites
	b.Profile = p
	kit.WriteJSON(w, http.StatusOK, b)
}

func (s *Server) apiSaveProfile(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	var b profileBody
	if err := kit.DecodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if b.Profile == nil {
		s.apiError(w, r, errs.New(errs.Invalid, `field "profile" is required`))
		return
	}
	o := *sc.Org()
	o.Name, o.EntityType, o.WorkforceSize, o.Sites = b.Organization.Name, b.Organization.EntityType, b.Organization.WorkforceSize, b.Organization.Sites
	if err := sc.Program().SaveProfile(r.Context(), &o, b.Profile); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiProfile(w, r)
}

func (s *Server) apiTailoring(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	out := map[string]any{"organization": sc.Org().Slug, "rules_version": s.program.Rules.Version}
	fws := map[string]any{}
	for _, fw := range s.program.Frameworks() {
		ds, err := s.program.Tailor(r.Context(), sc.Program(), fw.ID)
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		fws[fw.ID] = ds
	}
	out["frameworks"] = fws
	kit.WriteJSON(w, http.StatusOK, out)
}

func (s *Server) apiOverride(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	it, ok := s.catalog.Item(r.PathValue("item"))
	if !ok || !tailoring.Assessable(it) {
		s.apiError(w, r, errs.New(errs.NotFound, fmt.Sprintf("%q is not an item that can be tailored (give its full id, e.g. hph-cpg/enhanced-1)", r.PathValue("item"))))
		return
	}
	if r.Method == http.MethodDelete {
		s.apiResult(w, r, http.StatusOK, map[string]string{"cleared": it.ID}, sc.Program().ClearTailoringOverride(r.Context(), it.ID))
		return
	}
	var b struct {
		Applicable    *bool  `json:"applicable"`
		Justification string `json:"justification"`
	}
	if err := kit.DecodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if b.Applicable == nil {
		s.apiError(w, r, errs.New(errs.Invalid, `field "applicable" is required: true or false`))
		return
	}
	o := &tailoring.Override{ItemID: it.ID, Applicable: *b.Applicable, Justification: b.Justification}
	s.apiResult(w, r, http.StatusOK, o, sc.Program().SetTailoringOverride(r.Context(), o))
}

func (s *Server) apiAssessments(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	all, err := sc.Program().Assessments(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	type row struct {
		*assessment.Assessment
		Progress assessment.Progress `json:"progress"`
		Percent  int                 `json:"percent"`
	}
	out := []row{}
	for _, a := range all {
		v, err := s.program.View(r.Context(), sc.Program(), a.ID, s.now())
		if err != nil {
			s.apiError(w, r, err)
			return
		}
		out = append(out, row{a, v.Progress, v.Progress.Percent()})
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"assessments": out})
}

func (s *Server) apiStartAssessment(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	var b struct{ Framework, Title, From string }
	if err := kit.DecodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	a, err := s.program.Start(r.Context(), sc.Program(), b.Framework, b.Title, b.From, s.now())
	if errs.Is(err, errs.NotFound) {
		err = errs.New(errs.Invalid, errs.Message(err))
	}
	s.apiResult(w, r, http.StatusCreated, a, err)
}

func (s *Server) apiAssessment(w http.ResponseWriter, r *http.Request) {
	v, err := s.program.View(r.Context(), kit.ScopeFrom(r.Context()).Program(), r.PathValue("id"), s.now())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, v.Document())
}

// apiSaveAnswers writes a batch of answers: all or none.
func (s *Server) apiSaveAnswers(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	var b struct {
		Answers []*assessment.Answer `json:"answers"`
	}
	if err := kit.DecodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if len(b.Answers) == 0 {
		s.apiError(w, r, errs.New(errs.Invalid, `field "answers" is required: a list of answers, each with its item_id`))
		return
	}
	for i, a := range b.Answers {
		if a == nil {
			s.apiError(w, r, errs.New(errs.Invalid, "answers["+strconv.Itoa(i)+"] is null"))
			return
		}
		a.Source = "" // provenance is recorded by confirming on the page, not claimed
	}
	if err := s.program.Save(r.Context(), sc.Program(), r.PathValue("id"), "assessment.answer", b.Answers); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiAssessment(w, r)
}

func (s *Server) apiFinalize(w http.ResponseWriter, r *http.Request) {
	v, err := s.program.Finalize(r.Context(), kit.ScopeFrom(r.Context()).Program(), r.PathValue("id"), s.now())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	kit.WriteJSON(w, http.StatusOK, v.Document())
}

// apiImport reads an uploaded workbook and answers with the preview; with
// ?apply=true it also writes the changes, in one transaction.
func (s *Server) apiImport(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	f, h, err := s.readUpload(w, r, workbook.MaxImportBytes, "the workbook")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	defer f.Close()
	v, err := s.program.View(r.Context(), sc.Program(), r.PathValue("id"), s.now())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	p, err := workbook.Read(f, h.Filename, v, s.catalog)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	applied := false
	if r.URL.Query().Get("apply") == "true" && len(p.Answers) > 0 {
		if err := s.program.Save(r.Context(), sc.Program(), v.Assessment.ID, "assessment.import", p.Answers); err != nil {
			s.apiError(w, r, err)
			return
		}
		applied = true
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"applied": applied, "file": p.Filename, "sha256": p.SHA256, "changes": nonNilChanges(p.Changes), "unchanged": p.Unchanged})
}

func nonNilChanges(c []workbook.Change) []workbook.Change {
	if c == nil {
		return []workbook.Change{}
	}
	return c
}

func (s *Server) apiExport(w http.ResponseWriter, r *http.Request) {
	if err := s.files.ExportAssessment(w, r); err != nil {
		s.apiError(w, r, err)
	}
}

func (s *Server) apiDownload(w http.ResponseWriter, r *http.Request) {
	if err := s.files.DownloadEvidence(w, r); err != nil {
		s.apiError(w, r, err)
	}
}

func (s *Server) apiScorecard(w http.ResponseWriter, r *http.Request) {
	card, err := s.program.Scorecard(r.Context(), kit.ScopeFrom(r.Context()).Program(), s.now())
	switch f := r.URL.Query().Get("format"); {
	case err != nil || f == "" || f == "json":
	case f == "pdf":
		if err := s.files.SendScorecardPDF(w, r, card); err != nil {
			s.apiError(w, r, err)
		}
		return
	default:
		err = errs.New(errs.Invalid, "format: use json or pdf")
	}
	s.apiResult(w, r, http.StatusOK, card, err)
}

// apiTodo is the do-next list, most urgent first.
func (s *Server) apiTodo(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	l, err := (&todo.Service{Program: s.program, Risk: s.risk}).List(r.Context(), sc.Todo(), sc.Role, s.now())
	s.apiResult(w, r, http.StatusOK, l, err)
}

// apiAuditPackage sends the audit package (auditpack) as a ZIP: the
// audit log of ?from= to ?to= (dates, the later included; the year before
// today by default), and every evidence file with ?files=true.
func (s *Server) apiAuditPackage(w http.ResponseWriter, r *http.Request) {
	if err := s.files.SendAuditPackage(w, r, s.program, s.risk); err != nil {
		s.apiError(w, r, err)
	}
}

func (s *Server) apiEvidenceList(w http.ResponseWriter, r *http.Request) {
	list, err := kit.ScopeFrom(r.Context()).Evidence().EvidenceList(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if list == nil {
		list = []*evidence.Evidence{}
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"evidence": list})
}

func (s *Server) apiEvidence(w http.ResponseWriter, r *http.Request) {
	e, err := kit.ScopeFrom(r.Context()).Evidence().Evidence(r.Context(), r.PathValue("id"))
	s.apiResult(w, r, http.StatusOK, e, err)
}

// apiUploadEvidence takes multipart: file, title, owner, description,
// collected_on, review_by, and any number of item fields (full item ids).
func (s *Server) apiUploadEvidence(w http.ResponseWriter, r *http.Request) {
	e, err := s.files.UploadEvidence(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	e, err = kit.ScopeFrom(r.Context()).Evidence().Evidence(r.Context(), e.ID)
	s.apiResult(w, r, http.StatusCreated, e, err)
}

func (s *Server) apiEvidenceVersion(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	f, h, err := s.files.EvidenceFile(w, r)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	defer f.Close()
	v, err := s.evidence.AddVersion(r.Context(), sc.Evidence(), r.PathValue("id"), evidence.File{Name: h.Filename, Body: f})
	s.apiResult(w, r, http.StatusCreated, v, err)
}

func (s *Server) apiLinkEvidence(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	var b struct {
		Items []string `json:"items"`
	}
	if err := kit.DecodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	if len(b.Items) == 0 {
		s.apiError(w, r, errs.New(errs.Invalid, `field "items" is required: full item ids such as hipaa-sr/164.312(d)`))
		return
	}
	reg, err := s.program.Registry(r.Context(), sc.Program())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	for _, id := range b.Items {
		if _, ok := reg.Item(id); !ok {
			s.apiError(w, r, errs.New(errs.Invalid, "items: no catalog item "+strconv.Quote(id)))
			return
		}
	}
	if err := sc.Evidence().LinkEvidence(r.Context(), r.PathValue("id"), b.Items); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiEvidence(w, r)
}

func (s *Server) apiUnlinkEvidence(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := sc.Evidence().UnlinkEvidence(r.Context(), r.PathValue("id"), r.PathValue("item")); err != nil {
		s.apiError(w, r, err)
		return
	}
	s.apiEvidence(w, r)
}

//go:embed openapi.json
var openAPIDoc []byte

// openAPI serves the API's OpenAPI 3.1 document.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Write(openAPIDoc)
}
