package pages

import (
	"html/template"
	"net/http"
	"slices"
	"strings"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/report"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// The HPH CPG scorecard page, its picture and its JSON.

type scorecardView struct {
	programView
	Card *assessment.Scorecard
	SVG  template.HTML
	// Deferred are the reasons goals are out of scope, each once.
	Deferred []string
}

func (s *Server) scorecardPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	card, err := s.program.Scorecard(r.Context(), sc.Program(), s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	svg := report.ScorecardSVG(card, sc.Org().Name)
	switch r.URL.Query().Get("format") {
	case "json":
		kit.WriteJSON(w, http.StatusOK, card)
		return
	case "pdf":
		if err := s.files.SendScorecardPDF(w, r, card); err != nil {
			s.fail(w, r, err)
		}
		return
	case "svg":
		w.Header().Set("Content-Type", "image/svg+xml")
		w.Header().Set("Content-Disposition", `attachment; filename="`+sc.Org().Slug+`-scorecard.svg"`)
		w.Write(svg)
		return
	}
	// The SVG is drawn by report.ScorecardSVG, which escapes every text it
	// places; it is trusted markup.
	v := &scorecardView{programView: programView{Scope: sc}, Card: card, SVG: template.HTML(svg)}
	// Why goals are deferred, each reason once (the tailoring gives the
	// same reason for every deferred enhanced goal).
	for _, g := range card.Goals {
		if !g.InScope && !slices.Contains(v.Deferred, g.Scope) {
			v.Deferred = append(v.Deferred, g.Scope)
		}
		// The training page is for those who may see the workforce.
		for i := range g.Gaps {
			if strings.HasSuffix(g.Gaps[i].Link, "/training") && !sc.Role.Can(auth.ViewWorkforce) {
				g.Gaps[i].Link = ""
			}
		}
	}
	s.render(w, r, "scorecard", http.StatusOK, page{Title: "CPG scorecard · " + sc.Org().Name, Data: v})
}
