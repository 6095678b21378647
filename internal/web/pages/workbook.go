package pages

import (
	"encoding/json"
	"net/http"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/workbook"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// exportAssessment sends the assessment as XLSX (the default) or CSV.
func (s *Server) exportAssessment(w http.ResponseWriter, r *http.Request) {
	if err := s.files.ExportAssessment(w, r); err != nil {
		s.fail(w, r, err)
	}
}

type importView struct {
	programView
	AssessmentID, Title, ImportID string
	Preview                       *workbook.Preview
}

// importAssessment reads an uploaded workbook into a preview, kept until a
// person applies it. Nothing is written to the assessment yet.
func (s *Server) importAssessment(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	f, h, err := s.readUpload(w, r, workbook.MaxImportBytes, "the workbook")
	if err != nil {
		s.renderAssessment(w, r, errs.HTTPStatus(err), errs.Message(err), "")
		return
	}
	defer f.Close()
	v, err := s.program.View(r.Context(), sc.Program(), r.PathValue("id"), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Assessment.Final() {
		s.renderAssessment(w, r, http.StatusConflict, "this assessment is final and read-only: start a new one from it to import answers", "")
		return
	}
	p, err := workbook.Read(f, h.Filename, v, s.catalog)
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
			s.fail(w, r, err)
			return
		}
		s.renderAssessment(w, r, errs.HTTPStatus(err), errs.Message(err), "")
		return
	}
	raw, err := json.Marshal(p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	id, err := sc.Program().SavePendingImport(r.Context(), v.Assessment.ID, p.Filename, p.SHA256, raw)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "import", http.StatusOK, page{Title: "Import preview · " + v.Assessment.Title, Data: &importView{
		programView: programView{Scope: sc}, AssessmentID: v.Assessment.ID, Title: v.Assessment.Title, ImportID: id, Preview: p}})
}

// applyImport writes a previewed import, unless the answers changed since
// the preview was made.
func (s *Server) applyImport(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	id, importID := r.PathValue("id"), r.PathValue("import")
	err := s.applyPending(r, id, importID)
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.Conflict && k != errs.NotFound {
			s.fail(w, r, err)
			return
		}
		s.renderAssessment(w, r, errs.HTTPStatus(err), errs.Message(err), "")
		return
	}
	http.Redirect(w, r, assessmentURL(sc.Org().Slug, id), http.StatusSeeOther)
}

func (s *Server) applyPending(r *http.Request, id, importID string) error {
	sc := kit.ScopeFrom(r.Context())
	raw, err := sc.Program().PendingImport(r.Context(), id, importID)
	if err != nil {
		return err
	}
	var p workbook.Preview
	if err := json.Unmarshal(raw, &p); err != nil {
		return errs.Wrap(errs.Internal, "the stored import is unreadable", err)
	}
	v, err := s.program.View(r.Context(), sc.Program(), id, s.now())
	if err != nil {
		return err
	}
	if workbook.Digest(v) != p.Base {
		return errs.New(errs.Conflict, "the answers changed since this preview was made: import the workbook again to see what it would change now")
	}
	if err := s.program.Validate(r.Context(), sc.Program(), id, p.Answers); err != nil {
		return err
	}
	return sc.Program().ApplyImport(r.Context(), id, importID, p.Answers)
}
