package api

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/proposedrule"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// The frameworks an organisation can assess — the built-in ones, the
// proposed rule when switched on, those it imported from OSCAL — and the
// proposed rule's delta and switch.

func (s *Server) apiFrameworks(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	fws, err := s.program.FrameworksFor(r.Context(), sc.Program())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	stamps, err := sc.Program().FrameworkStamps(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	imported := map[string]*store.ImportedFramework{}
	for _, f := range stamps {
		imported[f.ID] = f
	}
	type row struct {
		ID       string                   `json:"id"`
		Name     string                   `json:"name"`
		Version  string                   `json:"version"`
		Basis    string                   `json:"basis"`
		Items    int                      `json:"items"`
		Imported *store.ImportedFramework `json:"imported,omitempty"`
	}
	out := []row{}
	for _, fw := range fws {
		out = append(out, row{fw.ID, fw.Name, fw.Version, fw.Basis, len(fw.Items), imported[fw.ID]})
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"organization": sc.Org().Slug, "frameworks": out})
}

func (s *Server) apiRemoveFramework(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := sc.Program().RemoveFramework(r.Context(), r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) proposedRule() *proposedrule.Service {
	return &proposedrule.Service{Program: s.program, Now: s.now}
}

func (s *Server) apiProposedRule(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if r.Method == http.MethodPut {
		var b struct {
			Enabled *bool `json:"enabled"`
		}
		if err := kit.DecodeJSON(w, r, &b); err != nil {
			s.apiError(w, r, err)
			return
		}
		if b.Enabled == nil {
			s.apiError(w, r, errs.New(errs.Invalid, `field "enabled" is required: true or false`))
			return
		}
		if err := s.proposedRule().SetEnabled(r.Context(), sc.ProposedRule(), *b.Enabled); err != nil {
			s.apiError(w, r, err)
			return
		}
	}
	d, err := s.proposedRule().Delta(r.Context(), sc.ProposedRule())
	s.apiResult(w, r, http.StatusOK, d, err)
}
