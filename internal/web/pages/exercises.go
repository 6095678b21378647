package pages

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

type exercisesView struct {
	programView
	Exercises []*incidents.ExerciseView
	View      *incidents.ExerciseView // one exercise's page; nil on the list
	Form      *incident.Exercise
	Scenario  *incident.Scenario
	Scenarios []incident.Scenario
	Risks     []*risk.Risk
	Today     string
}

func (s *Server) exercisesPage(w http.ResponseWriter, r *http.Request) {
	s.renderExercises(w, r, http.StatusOK, "", r.URL.Query().Get("notice"), nil)
}

func (s *Server) exercisePage(w http.ResponseWriter, r *http.Request) {
	s.renderExercises(w, r, http.StatusOK, "", r.URL.Query().Get("notice"), nil)
}

// renderExercises shows the exercises (or, with an id in the path, one
// exercise) and the form (posted, when a save was refused).
func (s *Server) renderExercises(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string, posted *incident.Exercise) {
	sc := kit.ScopeFrom(r.Context())
	es, err := s.incidents.Exercises(r.Context(), sc.Incidents())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &exercisesView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Exercises: es, Scenarios: incident.Scenarios, Form: posted,
		Today: s.now().UTC().Format("2006-01-02")}
	name := "exercises"
	if id := r.PathValue("id"); id != "" {
		for _, e := range es {
			if e.ID == id {
				v.View = e
			}
		}
		if v.View == nil {
			s.fail(w, r, errs.New(errs.NotFound, "exercise not found"))
			return
		}
		if v.Form == nil {
			v.Form = v.View.Exercise
		}
		if sc, ok := incident.ScenarioByID(v.View.Scenario); ok {
			v.Scenario = &sc
		}
		if v.Risks, err = sc.Incidents().Risks(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
		name = "exercise"
	}
	if v.Form == nil {
		v.Form = &incident.Exercise{}
	}
	s.render(w, r, name, status, page{Title: "Tabletop exercises · " + sc.Org().Name, Data: v})
}

func (s *Server) saveExercise(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	e := &incident.Exercise{ID: r.PathValue("id"), Title: f("title"), Scenario: f("scenario"), Situation: f("situation"), PlannedOn: f("planned_on"), HeldOn: f("held_on"),
		Facilitator: f("facilitator"), Participants: lines(f("participants")), Notes: f("notes")}
	if e.ID != "" {
		// Findings keep the actions tracking them, matched by their text.
		prev, err := sc.Incidents().Exercise(r.Context(), e.ID)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		tracked := map[string]string{}
		for _, x := range prev.Findings {
			tracked[x.Text] = x.ActionID
		}
		for _, t := range lines(f("findings")) {
			e.Findings = append(e.Findings, incident.Finding{Text: t, ActionID: tracked[t]})
		}
	} else {
		for _, t := range lines(f("findings")) {
			e.Findings = append(e.Findings, incident.Finding{Text: t})
		}
	}
	if err := s.incidents.SaveExercise(r.Context(), sc.Incidents(), sc.Org().ID, e); err != nil {
		s.refuse(w, r, err, func(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
			s.renderExercises(w, r, status, errMsg, notice, e)
		})
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/incidents/exercises/"+e.ID+"?notice="+url.QueryEscape("Saved."), http.StatusSeeOther)
}

// trackFinding turns a finding into a plan action on a risk.
func (s *Server) trackFinding(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	n, err := strconv.Atoi(r.PathValue("finding"))
	if err != nil || n < 1 {
		s.fail(w, r, errs.New(errs.NotFound, "no such finding"))
		return
	}
	e, err := sc.Incidents().Exercise(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	title := strings.TrimSpace(r.PostFormValue("title"))
	if title == "" && n <= len(e.Findings) {
		title = e.Findings[n-1].Text
	}
	a := &risk.Action{RiskID: r.PostFormValue("risk"), Title: title, Owner: strings.TrimSpace(r.PostFormValue("owner")), Due: strings.TrimSpace(r.PostFormValue("due")),
		Notes: "From the tabletop exercise " + strconv.Quote(e.Title) + ", finding " + strconv.Itoa(n) + "."}
	if err := s.incidents.TrackFinding(r.Context(), sc.Incidents(), sc.Org().ID, e.ID, n-1, a); err != nil {
		s.refuse(w, r, err, func(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
			s.renderExercises(w, r, status, errMsg, notice, nil)
		})
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/incidents/exercises/"+e.ID+"?notice="+url.QueryEscape("Finding "+strconv.Itoa(n)+" is a plan action now."), http.StatusSeeOther)
}

// lines are a text area's non-blank lines, trimmed.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}
