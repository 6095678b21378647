package pages

import (
	"net/http"

	"github.com/safeguard-health/safeguard/internal/proposedrule"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// The proposed modification of the Security Rule (90 FR 898): what would
// change for the organisation if it became final, and the switch that adds
// it to the organisation's program.

type proposedRuleView struct {
	programView
	Delta    *proposedrule.Delta
	Verdicts []string
}

func (s *Server) proposedRule() *proposedrule.Service {
	return &proposedrule.Service{Program: s.program, Now: s.now}
}

func (s *Server) proposedRulePage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	d, err := s.proposedRule().Delta(r.Context(), sc.ProposedRule())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	notice := ""
	if r.URL.Query().Get("saved") != "" {
		notice = "Saved."
	}
	s.render(w, r, "proposed_rule", http.StatusOK, page{Title: "The proposed Security Rule · " + sc.Org().Name,
		Data: &proposedRuleView{programView: programView{Scope: sc, Notice: notice}, Delta: d, Verdicts: proposedrule.Verdicts}})
}

func (s *Server) switchProposedRule(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	if err := s.proposedRule().SetEnabled(r.Context(), sc.ProposedRule(), r.PostFormValue("enabled") == "on"); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/proposed-rule?saved=1", http.StatusSeeOther)
}
