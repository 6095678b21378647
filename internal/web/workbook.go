package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/workbook"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// exportAssessment sends the assessment as XLSX (the default) or CSV.
func (s *Server) exportAssessment(w http.ResponseWriter, r *http.Request) {
	if err := s.writeExport(w, r); err != nil {
		s.fail(w, r, err)
	}
}

// writeExport writes the assessment named by the path as ?format=xlsx or
// csv; the page and the API share it.
func (s *Server) writeExport(w http.ResponseWriter, r *http.Request) error {
	sc := kit.ScopeFrom(r.Context())
	format := r.URL.Query().Get("format")
	if format != "" && format != "xlsx" && format != "csv" {
		return errs.New(errs.Invalid, "format must be xlsx or csv")
	}
	v, err := s.program.View(r.Context(), sc.Store, r.PathValue("id"), s.now())
	if err != nil {
		return err
	}
	name := sc.Store.Org().Slug + "-" + strings.ReplaceAll(strings.ToLower(v.Framework.ShortName), " ", "-") + "-" + v.Assessment.CreatedAt.Format("2006-01-02")
	if err := s.store.RecordEvent(r.Context(), sc.Store.Org().ID, "assessment.export", "assessment:"+v.Assessment.ID, map[string]string{"format": format}); err != nil {
		return err
	}
	var buf bytes.Buffer
	if format == "csv" {
		if err := workbook.ExportCSV(&buf, v); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
	} else {
		if err := workbook.ExportXLSX(&buf, v, sc.Store.Org(), s.catalog, s.now()); err != nil {
			return err
		}
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
	}
	w.Write(buf.Bytes())
	return nil
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
	v, err := s.program.View(r.Context(), sc.Store, r.PathValue("id"), s.now())
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
	id, err := sc.Store.SavePendingImport(r.Context(), v.Assessment.ID, p.Filename, p.SHA256, raw)
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
	http.Redirect(w, r, assessmentURL(sc.Store.Org().Slug, id), http.StatusSeeOther)
}

func (s *Server) applyPending(r *http.Request, id, importID string) error {
	sc := kit.ScopeFrom(r.Context())
	raw, err := sc.Store.PendingImport(r.Context(), id, importID)
	if err != nil {
		return err
	}
	var p workbook.Preview
	if err := json.Unmarshal(raw, &p); err != nil {
		return errs.Wrap(errs.Internal, "the stored import is unreadable", err)
	}
	v, err := s.program.View(r.Context(), sc.Store, id, s.now())
	if err != nil {
		return err
	}
	if workbook.Digest(v) != p.Base {
		return errs.New(errs.Conflict, "the answers changed since this preview was made: import the workbook again to see what it would change now")
	}
	if err := s.program.Validate(r.Context(), sc.Store, id, p.Answers); err != nil {
		return err
	}
	return sc.Store.ApplyImport(r.Context(), id, importID, p.Answers)
}
