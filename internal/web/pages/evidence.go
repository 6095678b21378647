package pages

import (
	"errors"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

type evidenceListView struct {
	programView
	List   []*evidence.Evidence
	Accept string
	Kinds  string
	Max    string
	Now    time.Time
}

type evidenceView struct {
	programView
	Evidence *evidence.Evidence
	Items    []*catalog.Item
	Overdue  bool
	Accept   string
}

func (s *Server) evidencePage(w http.ResponseWriter, r *http.Request) {
	s.renderEvidenceList(w, r, http.StatusOK, "")
}

func (s *Server) renderEvidenceList(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	sc := kit.ScopeFrom(r.Context())
	list, err := sc.Evidence().EvidenceList(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	max := s.evidence.MaxBytes
	if max <= 0 {
		max = evidence.DefaultMaxBytes
	}
	s.render(w, r, "evidence", status, page{Title: "Evidence · " + sc.Org().Name, Data: &evidenceListView{
		programView: programView{Scope: sc, Error: errMsg}, List: list, Accept: evidence.AcceptAttr(), Kinds: evidence.AcceptedKinds(),
		Max: strconv.FormatInt(max>>20, 10) + " MiB", Now: s.now()}})
}

// readUpload reads a form's file of at most max bytes (see kit.ReadUpload).
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, max int64, what string) (multipart.File, *multipart.FileHeader, error) {
	return kit.ReadUpload(s.store, w, r, max, what)
}

// uploadEvidence stores new evidence; linked to the item named in the
// form, it returns to that item's page.
func (s *Server) uploadEvidence(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	e, err := s.files.UploadEvidence(w, r)
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
			s.fail(w, r, err)
			return
		}
		s.renderEvidenceList(w, r, errs.HTTPStatus(err), errs.Message(err))
		return
	}
	if back := kit.LocalPath(r.FormValue("back")); back != "/" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/evidence/"+e.ID, http.StatusSeeOther)
}

func (s *Server) evidenceDetail(w http.ResponseWriter, r *http.Request) {
	s.renderEvidence(w, r, http.StatusOK, "", "")
}

func (s *Server) renderEvidence(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	e, err := sc.Evidence().Evidence(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ev := &evidenceView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Evidence: e, Overdue: e.Overdue(s.now()), Accept: evidence.AcceptAttr()}
	for _, id := range e.Items {
		if it, ok := s.catalog.Item(id); ok {
			ev.Items = append(ev.Items, it)
		}
	}
	s.render(w, r, "evidence_detail", status, page{Title: e.Title + " · Evidence", Data: ev})
}

func (s *Server) addEvidenceVersion(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	f, h, err := s.files.EvidenceFile(w, r)
	var v *evidence.Version
	if err == nil {
		defer f.Close()
		v, err = s.evidence.AddVersion(r.Context(), sc.Evidence(), r.PathValue("id"), evidence.File{Name: h.Filename, Body: f})
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
			s.fail(w, r, err)
			return
		}
		s.renderEvidence(w, r, errs.HTTPStatus(err), errs.Message(err), "")
		return
	}
	s.renderEvidence(w, r, http.StatusOK, "", "Version "+strconv.Itoa(v.Number)+" uploaded; the earlier versions are kept.")
}

// updateEvidence saves the descriptive fields and links or unlinks items.
func (s *Server) updateEvidence(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	id := r.PathValue("id")
	var err error
	switch {
	case r.PostFormValue("link") != "":
		ref := r.PostFormValue("link")
		var it *catalog.Item
		var ok bool
		reg, rerr := s.program.Registry(r.Context(), sc.Program())
		fws, ferr := s.program.FrameworksFor(r.Context(), sc.Program())
		if rerr != nil || ferr != nil {
			s.fail(w, r, errors.Join(rerr, ferr))
			return
		}
		if it, ok = reg.Item(ref); !ok {
			for _, fw := range fws {
				if found, ferr := reg.FindItem(fw, ref); ferr == nil {
					it, ok = found, true
					break
				}
			}
		}
		if !ok {
			err = errs.New(errs.Invalid, "no item "+strconv.Quote(ref)+" in the Security Rule, the CPGs or a framework the organisation imported")
		} else {
			err = sc.Evidence().LinkEvidence(r.Context(), id, []string{it.ID})
		}
	case r.PostFormValue("unlink") != "":
		err = sc.Evidence().UnlinkEvidence(r.Context(), id, r.PostFormValue("unlink"))
	default:
		var e *evidence.Evidence
		if e, err = sc.Evidence().Evidence(r.Context(), id); err == nil {
			e.Title, e.Description, e.Owner = r.PostFormValue("title"), r.PostFormValue("description"), r.PostFormValue("owner")
			e.CollectedOn, e.ReviewBy = r.PostFormValue("collected_on"), r.PostFormValue("review_by")
			err = sc.Evidence().UpdateEvidence(r.Context(), e)
		}
	}
	if err != nil {
		if k := errs.KindOf(err); k != errs.Invalid {
			s.fail(w, r, err)
			return
		}
		s.renderEvidence(w, r, errs.HTTPStatus(err), errs.Message(err), "")
		return
	}
	if back := kit.LocalPath(r.PostFormValue("back")); back != "/" {
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}
	s.renderEvidence(w, r, http.StatusOK, "", "Saved.")
}

// downloadEvidence sends a version's content, decrypted and checked
// against its hash, as an attachment of its sniffed type.
func (s *Server) downloadEvidence(w http.ResponseWriter, r *http.Request) {
	if err := s.files.DownloadEvidence(w, r); err != nil {
		s.fail(w, r, err)
	}
}
