package api

import (
	"net/http"
	"strings"

	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// The workforce API: the roster and its import, a person's records, the
// training program, status, completions and security reminders.

func (s *Server) apiPeople(w http.ResponseWriter, r *http.Request) {
	people, err := kit.ScopeFrom(r.Context()).Workforce().People(r.Context())
	s.apiResult(w, r, http.StatusOK, map[string]any{"people": kit.NonNil(people)}, err)
}

func (s *Server) apiPerson(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	ctx := r.Context()
	p, err := sc.Workforce().Person(ctx, r.PathValue("id"))
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	prog, err := sc.Workforce().TrainingProgram(ctx)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	done, err := sc.Workforce().Completions(ctx, p.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	items, err := sc.Workforce().Checklists(ctx, p.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	sanctions, err := sc.Workforce().Sanctions(ctx, p.ID)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	assignments := []*workforce.Assignment{}
	if st := training.Summarize(prog, []*workforce.Person{p}, done, workforce.Today(s.now())); len(st.People) == 1 {
		assignments = st.People[0].Assignments
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"person": p, "assignments": assignments, "completions": kit.NonNil(done), "termination_checklist": kit.NonNil(items), "sanctions": kit.NonNil(sanctions)})
}

// apiImportRoster reads an HR export through the remembered mapping (or
// one guessed from its header) with the form's map_FIELD overrides; with
// ?apply=true it is written in one transaction.
func (s *Server) apiImportRoster(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	filename, content, err := kit.ReadRecordsFile(s.events, w, r, dataimport.RecordRoster, "the HR export")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	_, m, err := s.records.RosterMapping(r.Context(), sc.Records(), filename, content)
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	for _, field := range workforce.Fields {
		if v, ok := r.MultipartForm.Value["map_"+field]; ok && len(v) > 0 {
			if c := strings.TrimSpace(v[0]); c == "" {
				delete(m, field)
			} else {
				m[field] = c
			}
		}
	}
	plan, err := s.records.Plan(r.Context(), sc.Records(), dataimport.RecordRoster, filename, content, m, s.now())
	apply := r.URL.Query().Get("apply") == "true"
	if err == nil && apply {
		err = s.records.Apply(r.Context(), sc.Records(), plan)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	p := plan.Roster
	movers := make([]map[string]any, len(p.Movers))
	for i, mv := range p.Movers {
		movers[i] = map[string]any{"employee_id": mv.New.EmployeeID, "name": mv.New.Name, "fields": mv.Fields, "person": mv.New}
	}
	leavers := make([]map[string]any, len(p.Leavers))
	for i, l := range p.Leavers {
		leavers[i] = map[string]any{"employee_id": l.Person.EmployeeID, "name": l.Person.Name, "end_date": l.End, "reason": l.Reason}
	}
	kit.WriteJSON(w, http.StatusOK, map[string]any{"applied": apply, "file": p.File, "sha256": p.SHA256, "mapping": p.Mapping, "ignored_columns": kit.NonNil(p.Ignored),
		"joiners": kit.NonNil(p.Joiners), "movers": movers, "leavers": leavers, "unchanged": p.Unchanged})
}

func (s *Server) apiTrainingStatus(w http.ResponseWriter, r *http.Request) {
	_, st, err := s.training.Status(r.Context(), kit.ScopeFrom(r.Context()).Workforce())
	s.apiResult(w, r, http.StatusOK, st, err)
}

func (s *Server) apiTrainingProgram(w http.ResponseWriter, r *http.Request) {
	prog, err := kit.ScopeFrom(r.Context()).Workforce().TrainingProgram(r.Context())
	if err == nil {
		prog.Modules, prog.Rules = kit.NonNil(prog.Modules), kit.NonNil(prog.Rules)
	}
	s.apiResult(w, r, http.StatusOK, prog, err)
}

func (s *Server) apiAddTrainingRule(w http.ResponseWriter, r *http.Request) {
	var rule workforce.Rule
	if err := kit.DecodeJSON(w, r, &rule); err != nil {
		s.apiError(w, r, err)
		return
	}
	rule.ID = ""
	s.apiResult(w, r, http.StatusCreated, &rule, s.training.AddRule(r.Context(), kit.ScopeFrom(r.Context()).Workforce(), &rule))
}

func (s *Server) apiAddModule(w http.ResponseWriter, r *http.Request) {
	var m workforce.Module
	if err := kit.DecodeJSON(w, r, &m); err != nil {
		s.apiError(w, r, err)
		return
	}
	m.ID = ""
	for _, id := range m.Items {
		if _, ok := s.catalog.Item(id); !ok {
			s.apiError(w, r, errs.New(errs.Invalid, "items: "+id+" is not a requirement or CPG of the catalog"))
			return
		}
	}
	s.apiResult(w, r, http.StatusCreated, &m, s.training.AddModule(r.Context(), kit.ScopeFrom(r.Context()).Workforce(), &m))
}

// apiRecordCompletion records one completion for a person.
func (s *Server) apiRecordCompletion(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	var b struct {
		Module      string `json:"module"`
		CompletedOn string `json:"completed_on"`
	}
	if err := kit.DecodeJSON(w, r, &b); err != nil {
		s.apiError(w, r, err)
		return
	}
	prog, err := sc.Workforce().TrainingProgram(r.Context())
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	on, ok := workforce.ParseDate(b.CompletedOn)
	switch {
	case !ok || on == "":
		err = errs.New(errs.Invalid, "completed_on: give the date it was completed")
	case on > workforce.Today(s.now()):
		err = errs.New(errs.Invalid, "completed_on: "+on+" is in the future")
	case !moduleExists(prog, b.Module):
		err = errs.New(errs.Invalid, "module: no training module "+b.Module)
	}
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	if _, err := sc.Workforce().Person(r.Context(), r.PathValue("id")); err != nil {
		s.apiError(w, r, err)
		return
	}
	c := &workforce.Completion{PersonID: r.PathValue("id"), Module: b.Module, CompletedOn: on, Source: "API"}
	err = s.training.AddCompletions(r.Context(), sc.Workforce(), []*workforce.Completion{c}, "training.record")
	s.apiResult(w, r, http.StatusCreated, c, err)
}

func moduleExists(p *workforce.Program, code string) bool {
	for _, m := range p.Modules {
		if m.Code == code {
			return true
		}
	}
	return false
}

// apiImportCompletions records a learning system's export; with
// ?apply=true it is written, otherwise only checked.
func (s *Server) apiImportCompletions(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	filename, content, err := kit.ReadRecordsFile(s.events, w, r, dataimport.RecordCompletions, "the completions file")
	if err != nil {
		s.apiError(w, r, err)
		return
	}
	var cs []*workforce.Completion
	p, err := s.records.Plan(r.Context(), sc.Records(), dataimport.RecordCompletions, filename, content, nil, s.now())
	apply := r.URL.Query().Get("apply") == "true"
	if err == nil {
		cs = p.Completions
		if apply {
			err = s.records.Apply(r.Context(), sc.Records(), p)
		}
	}
	s.apiResult(w, r, http.StatusOK, map[string]any{"applied": apply, "completions": kit.NonNil(cs)}, err)
}

func (s *Server) apiAddSanction(w http.ResponseWriter, r *http.Request) {
	var x workforce.Sanction
	if err := kit.DecodeJSON(w, r, &x); err != nil {
		s.apiError(w, r, err)
		return
	}
	x.ID, x.PersonID = "", r.PathValue("id")
	s.apiResult(w, r, http.StatusCreated, &x, kit.ScopeFrom(r.Context()).Workforce().AddSanction(r.Context(), &x))
}

func (s *Server) apiReminders(w http.ResponseWriter, r *http.Request) {
	list, err := kit.ScopeFrom(r.Context()).Workforce().Reminders(r.Context(), "")
	s.apiResult(w, r, http.StatusOK, map[string]any{"reminders": kit.NonNil(list)}, err)
}

func (s *Server) apiScheduleReminder(w http.ResponseWriter, r *http.Request) {
	var rem workforce.Reminder
	if err := kit.DecodeJSON(w, r, &rem); err != nil {
		s.apiError(w, r, err)
		return
	}
	rem.ID, rem.SentAt = "", nil
	s.apiResult(w, r, http.StatusCreated, &rem, kit.ScopeFrom(r.Context()).Workforce().CreateReminder(r.Context(), &rem))
}
