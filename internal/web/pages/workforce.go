package pages

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tabular"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

func workforceBase(r *http.Request) string {
	return "/orgs/" + kit.ScopeFrom(r.Context()).Org().Slug + "/workforce"
}

type myTrainingView struct {
	programView
	Person  *workforce.Person
	Status  *workforce.PersonStatus
	Modules map[string]*workforce.Module
	Today   string
	History []*workforce.Completion
}

// myTrainingPage shows the signed-in member their own assignments, found
// by their account's email on the roster: nobody else's.
func (s *Server) myTrainingPage(w http.ResponseWriter, r *http.Request) {
	s.renderMyTraining(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderMyTraining(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	v, err := s.myTraining(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v.programView = programView{Scope: sc, Error: errMsg, Notice: notice}
	s.render(w, r, "training_mine", status, page{Title: "My training · " + sc.Org().Name, Data: v})
}

// myTraining is the signed-in member's own training: the person on the
// roster with their account's email (none: Person is nil), their
// assignments on the day and what they completed.
func (s *Server) myTraining(r *http.Request) (*myTrainingView, error) {
	sc := kit.ScopeFrom(r.Context())
	v := &myTrainingView{Modules: map[string]*workforce.Module{}, Today: workforce.Today(s.now())}
	me, err := sc.Workforce().PersonByEmail(r.Context(), kit.ViewerFrom(r.Context()).User.Email)
	switch {
	case errs.Is(err, errs.NotFound):
		return v, nil
	case err != nil:
		return nil, err
	}
	prog, err := sc.Workforce().TrainingProgram(r.Context())
	if err != nil {
		return nil, err
	}
	done, err := sc.Workforce().Completions(r.Context(), me.ID)
	if err != nil {
		return nil, err
	}
	st := training.Summarize(prog, []*workforce.Person{me}, done, v.Today)
	v.Person, v.History = me, done
	if len(st.People) == 1 {
		v.Status = st.People[0]
	}
	for _, m := range prog.Modules {
		v.Modules[m.Code] = m
	}
	return v, nil
}

// attestTraining records that the signed-in member completed one of their
// own assignments, on their word.
func (s *Server) attestTraining(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	fail := func(err error) {
		if kit.UserError(err) || errs.Is(err, errs.NotFound) {
			s.renderMyTraining(w, r, errs.HTTPStatus(err), errs.Message(err), "")
			return
		}
		s.fail(w, r, err)
	}
	me, err := sc.Workforce().PersonByEmail(r.Context(), kit.ViewerFrom(r.Context()).User.Email)
	if err != nil {
		fail(err)
		return
	}
	today := workforce.Today(s.now())
	on, ok := workforce.ParseDate(r.FormValue("completed_on"))
	switch {
	case r.FormValue("attest") == "":
		fail(errs.New(errs.Invalid, "attest: confirm that you completed the module yourself"))
		return
	case !ok || on == "":
		fail(errs.New(errs.Invalid, "completed_on: give the date you completed it"))
		return
	case on > today:
		fail(errs.New(errs.Invalid, "completed_on: "+on+" is in the future"))
		return
	}
	prog, err := sc.Workforce().TrainingProgram(r.Context())
	if err != nil {
		fail(err)
		return
	}
	module := r.PathValue("module")
	assigned := slices.ContainsFunc(training.Evaluate(prog, []*workforce.Person{me}, nil, today), func(a *workforce.Assignment) bool { return a.Module == module })
	if !assigned {
		fail(errs.New(errs.NotFound, "the module "+module+" is not assigned to you"))
		return
	}
	c := &workforce.Completion{PersonID: me.ID, Module: module, CompletedOn: on, Source: "attested by " + kit.ViewerFrom(r.Context()).User.Email}
	if err := s.training.AddCompletions(r.Context(), sc.Workforce(), []*workforce.Completion{c}, "training.attest"); err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/training/mine?notice="+url.QueryEscape("Recorded: thank you."), http.StatusSeeOther)
}

type workforceView struct {
	programView
	People  []*workforce.Person
	Status  *workforce.Status
	ByID    map[string]*workforce.PersonStatus
	Today   string
	Mapping string
	Open    int // open checklist items
}

func (s *Server) workforcePage(w http.ResponseWriter, r *http.Request) {
	s.renderWorkforce(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderWorkforce(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	people, err := sc.Workforce().People(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	_, st, err := s.training.Status(r.Context(), sc.Workforce())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, err := sc.Workforce().Checklists(r.Context(), "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &workforceView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, People: people, Status: st, ByID: map[string]*workforce.PersonStatus{}, Today: st.AsOf}
	for _, ps := range st.People {
		v.ByID[ps.Person.ID] = ps
	}
	for _, it := range items {
		if !it.Done {
			v.Open++
		}
	}
	s.render(w, r, "workforce", status, page{Title: "Workforce · " + sc.Org().Name, Data: v})
}

type rosterPreviewView struct {
	programView
	Plan     *workforce.RosterPlan
	Header   []string
	Fields   []string
	Mapping  workforce.Mapping
	ImportID string
	Digest   string
}

// importRoster keeps an uploaded HR export and previews it through the
// remembered mapping, or one guessed from its header.
func (s *Server) importRoster(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	filename, content, err := kit.ReadRecordsFile(s.store, w, r, dataimport.RecordRoster, "the HR export")
	if err != nil {
		s.rosterFailed(w, r, err)
		return
	}
	header, m, err := s.records.RosterMapping(r.Context(), sc.Records(), filename, content)
	if err != nil {
		s.rosterFailed(w, r, err)
		return
	}
	id, err := keepUpload(r, "roster", filename, content)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.previewRoster(w, r, id, filename, content, header, m)
}

func (s *Server) rosterFailed(w http.ResponseWriter, r *http.Request, err error) {
	s.refuse(w, r, err, s.renderWorkforce)
}

func (s *Server) previewRoster(w http.ResponseWriter, r *http.Request, id, file string, content []byte, header []string, m workforce.Mapping) {
	sc := kit.ScopeFrom(r.Context())
	v := &rosterPreviewView{programView: programView{Scope: sc}, Header: header, Fields: workforce.Fields, Mapping: m, ImportID: id}
	status := http.StatusOK
	if err := m.Validate(); err != nil {
		v.Error, status = errs.Message(err), http.StatusBadRequest
	} else {
		p, err := s.records.Plan(r.Context(), sc.Records(), dataimport.RecordRoster, file, content, m, s.now())
		switch {
		case kit.UserError(err):
			v.Error, status = errs.Message(err), errs.HTTPStatus(err)
		case err != nil:
			s.fail(w, r, err)
			return
		default:
			v.Plan, v.Digest = p.Roster, p.Digest
		}
	}
	s.render(w, r, "roster_preview", status, page{Title: "Roster import · " + sc.Org().Name, Data: v})
}

// applyRoster re-previews a kept export with the mapping the form sets,
// or applies it when asked and nothing moved since the preview.
func (s *Server) applyRoster(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	id := r.PathValue("import")
	file, content, err := sc.Risk().Upload(r.Context(), "roster", id)
	if err != nil {
		s.rosterFailed(w, r, err)
		return
	}
	t, err := tabular.Read(file, bytes.NewReader(content), workforce.MaxImportBytes)
	if err != nil {
		s.rosterFailed(w, r, err)
		return
	}
	m := workforce.Mapping{}
	for _, f := range workforce.Fields {
		if c := strings.TrimSpace(r.FormValue("map_" + f)); c != "" {
			m[f] = c
		}
	}
	if r.FormValue("action") != "apply" {
		s.previewRoster(w, r, id, file, content, t.Header, m)
		return
	}
	p, err := s.records.ApplyPreviewed(r.Context(), sc.Records(), dataimport.RecordRoster, file, content, m, s.now(), r.FormValue("digest"))
	if err != nil {
		s.rosterFailed(w, r, err)
		return
	}
	sc.Risk().DropUpload(r.Context(), id)
	notice := p.Outcome()
	http.Redirect(w, r, workforceBase(r)+"?notice="+url.QueryEscape(notice), http.StatusSeeOther)
}

type personView struct {
	programView
	Person    *workforce.Person
	Status    *workforce.PersonStatus
	History   []*workforce.Completion
	Checklist []*workforce.ChecklistItem
	Sanctions []*workforce.Sanction
	Modules   []*workforce.Module
	Systems   []string
	Today     string
}

func (s *Server) personPage(w http.ResponseWriter, r *http.Request) {
	s.renderPerson(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderPerson(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	ctx := r.Context()
	p, err := sc.Workforce().Person(ctx, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	prog, err := sc.Workforce().TrainingProgram(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &personView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Person: p, Modules: prog.Modules, Today: workforce.Today(s.now())}
	if v.History, err = sc.Workforce().Completions(ctx, p.ID); err == nil {
		if v.Checklist, err = sc.Workforce().Checklists(ctx, p.ID); err == nil {
			v.Sanctions, err = sc.Workforce().Sanctions(ctx, p.ID)
		}
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if st := training.Summarize(prog, []*workforce.Person{p}, v.History, v.Today); len(st.People) == 1 {
		v.Status = st.People[0]
	}
	names, err := systemNames(ctx, sc, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, id := range p.Systems {
		if n, ok := names[id]; ok {
			v.Systems = append(v.Systems, n)
		}
	}
	s.render(w, r, "person", status, page{Title: p.Name + " · " + sc.Org().Name, Data: v})
}

// systemNames names, by id, the systems of the inventory a person uses
// (reading those assets, not the inventory).
func systemNames(ctx context.Context, sc *kit.Scope, p *workforce.Person) (map[string]string, error) {
	assets, err := sc.Risk().AssetsByID(ctx, p.Systems)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(assets))
	for _, a := range assets {
		names[a.ID] = a.Name
	}
	return names, nil
}

// savePerson edits a person's workforce security record: clearance,
// authorisation and supervision notes, and the end date (which opens the
// termination checklist).
func (s *Server) savePerson(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	p, err := sc.Workforce().Person(r.Context(), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p.Clearance, p.ClearanceDate, p.Authorization, p.End = workforce.Clearance(r.FormValue("clearance")), r.FormValue("clearance_date"), r.FormValue("authorization"), r.FormValue("end_date")
	names, err := systemNames(r.Context(), sc, p)
	if err == nil {
		err = s.training.SavePerson(r.Context(), sc.Workforce(), p, names)
	}
	if err != nil {
		s.refuse(w, r, err, s.renderPerson)
		return
	}
	http.Redirect(w, r, workforceBase(r)+"/"+p.ID+"?notice=Saved.", http.StatusSeeOther)
}

// recordCompletion records a completion for a person, entered by an
// administrator.
func (s *Server) recordCompletion(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	id := r.PathValue("id")
	on, ok := workforce.ParseDate(r.FormValue("completed_on"))
	var err error
	prog, err := sc.Workforce().TrainingProgram(r.Context())
	switch {
	case err != nil:
	case !ok || on == "":
		err = errs.New(errs.Invalid, "completed_on: give the date it was completed")
	case on > workforce.Today(s.now()):
		err = errs.New(errs.Invalid, "completed_on: "+on+" is in the future")
	case !slices.ContainsFunc(prog.Modules, func(m *workforce.Module) bool { return m.Code == r.FormValue("module") }):
		err = errs.New(errs.Invalid, "module: choose a training module")
	default:
		err = s.training.AddCompletions(r.Context(), sc.Workforce(), []*workforce.Completion{{PersonID: id, Module: r.FormValue("module"), CompletedOn: on, Source: "entered by " + kit.ViewerFrom(r.Context()).User.Email}}, "training.record")
	}
	if err != nil {
		s.refuse(w, r, err, s.renderPerson)
		return
	}
	http.Redirect(w, r, workforceBase(r)+"/"+id+"?notice="+url.QueryEscape("Completion recorded."), http.StatusSeeOther)
}

func (s *Server) addSanction(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	x := &workforce.Sanction{PersonID: id, Date: r.FormValue("date"), Policy: r.FormValue("policy"), Description: r.FormValue("description"), Action: r.FormValue("action")}
	if err := kit.ScopeFrom(r.Context()).Workforce().AddSanction(r.Context(), x); err != nil {
		s.refuse(w, r, err, s.renderPerson)
		return
	}
	http.Redirect(w, r, workforceBase(r)+"/"+id+"?notice="+url.QueryEscape("Sanction recorded."), http.StatusSeeOther)
}

func (s *Server) tickChecklist(w http.ResponseWriter, r *http.Request) {
	if err := kit.ScopeFrom(r.Context()).Workforce().SetChecklistItem(r.Context(), r.PathValue("id"), r.FormValue("done") != ""); err != nil {
		s.fail(w, r, err)
		return
	}
	back := kit.LocalPath(r.FormValue("back"))
	if back == "/" {
		back = workforceBase(r)
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

type trainingView struct {
	programView
	Reminders []*workforce.Reminder
	Today     string
	Program   *workforce.Program
	Status    *workforce.Status
	Items     map[string]*catalog.Item
	Types     []workforce.WorkerType
	Access    []workforce.Access
}

func (s *Server) trainingPage(w http.ResponseWriter, r *http.Request) {
	s.renderTraining(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

func (s *Server) renderTraining(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	prog, st, err := s.training.Status(r.Context(), sc.Workforce())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &trainingView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Program: prog, Status: st, Items: map[string]*catalog.Item{},
		Types: workforce.WorkerTypes, Access: workforce.AccessLevels, Today: st.AsOf}
	if v.Reminders, err = sc.Workforce().Reminders(r.Context(), ""); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, m := range prog.Modules {
		for _, id := range m.Items {
			if it, ok := s.catalog.Item(id); ok {
				v.Items[id] = it
			}
		}
	}
	s.render(w, r, "training", status, page{Title: "Training · " + sc.Org().Name, Data: v})
}

func (s *Server) installStarter(w http.ResponseWriter, r *http.Request) {
	starter, _, err := workforce.Starter(s.catalog)
	if err == nil {
		err = s.training.InstallProgram(r.Context(), kit.ScopeFrom(r.Context()).Workforce(), starter)
	}
	if err != nil {
		s.refuse(w, r, err, s.renderTraining)
		return
	}
	http.Redirect(w, r, "/orgs/"+kit.ScopeFrom(r.Context()).Org().Slug+"/training?notice="+url.QueryEscape("The starter program is installed: adapt it to your positions."), http.StatusSeeOther)
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (s *Server) addRule(w http.ResponseWriter, r *http.Request) {
	rule := &workforce.Rule{Module: r.FormValue("module"), Positions: splitList(r.FormValue("positions")), Departments: splitList(r.FormValue("departments")),
		MinAccess: workforce.Access(r.FormValue("min_access"))}
	for _, t := range r.Form["type"] {
		rule.Types = append(rule.Types, workforce.WorkerType(t))
	}
	if err := s.training.AddRule(r.Context(), kit.ScopeFrom(r.Context()).Workforce(), rule); err != nil {
		s.refuse(w, r, err, s.renderTraining)
		return
	}
	http.Redirect(w, r, "/orgs/"+kit.ScopeFrom(r.Context()).Org().Slug+"/training?notice="+url.QueryEscape("Rule added: assignments follow it now."), http.StatusSeeOther)
}

// deleteRule removes a rule; one already gone counts as removed, so a
// second click (or two people at once) is not an error.
func (s *Server) deleteRule(w http.ResponseWriter, r *http.Request) {
	if err := s.training.DeleteRule(r.Context(), kit.ScopeFrom(r.Context()).Workforce(), r.PathValue("id")); err != nil && !errs.Is(err, errs.NotFound) {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+kit.ScopeFrom(r.Context()).Org().Slug+"/training?notice="+url.QueryEscape("Rule removed."), http.StatusSeeOther)
}

// importCompletions records a learning system's export of completions:
// all of it, or none when any row is wrong.
func (s *Server) importCompletions(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	fail := func(err error) {
		s.refuse(w, r, err, s.renderTraining)
	}
	filename, content, err := kit.ReadRecordsFile(s.store, w, r, dataimport.RecordCompletions, "the completions file")
	if err != nil {
		fail(err)
		return
	}
	p, err := s.records.Plan(r.Context(), sc.Records(), dataimport.RecordCompletions, filename, content, nil, s.now())
	if err == nil {
		err = s.records.Apply(r.Context(), sc.Records(), p)
	}
	if err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/training?notice="+url.QueryEscape(p.Outcome()), http.StatusSeeOther)
}

type tallyTable struct {
	Name string
	Rows []workforce.Tally
}

func init() {
	funcs["tallyTables"] = func(st *workforce.Status) []tallyTable {
		return []tallyTable{{"module", st.Modules}, {"department", st.Departments}, {"position", st.Positions}}
	}
}

// scheduleReminder schedules a security reminder from the training page.
func (s *Server) scheduleReminder(w http.ResponseWriter, r *http.Request) {
	rem := &workforce.Reminder{Subject: r.FormValue("subject"), Body: r.FormValue("body"), Audience: r.FormValue("audience"), ScheduledFor: r.FormValue("scheduled_for")}
	if err := kit.ScopeFrom(r.Context()).Workforce().CreateReminder(r.Context(), rem); err != nil {
		s.refuse(w, r, err, s.renderTraining)
		return
	}
	http.Redirect(w, r, "/orgs/"+kit.ScopeFrom(r.Context()).Org().Slug+"/training?notice="+url.QueryEscape("Reminder scheduled for "+rem.ScheduledFor+"."), http.StatusSeeOther)
}

type reminderView struct {
	programView
	Reminder   *workforce.Reminder
	Deliveries []*workforce.Delivery
}

// reminderPage shows who was sent a reminder, what, and when.
func (s *Server) reminderPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	list, err := sc.Workforce().Reminders(r.Context(), "")
	if err != nil {
		s.fail(w, r, err)
		return
	}
	i := slices.IndexFunc(list, func(x *workforce.Reminder) bool { return x.ID == r.PathValue("id") })
	if i < 0 {
		s.fail(w, r, errs.New(errs.NotFound, "reminder not found"))
		return
	}
	ds, err := sc.Workforce().Deliveries(r.Context(), list[i].ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, "reminder", http.StatusOK, page{Title: list[i].Subject + " · " + sc.Org().Name, Data: &reminderView{programView: programView{Scope: sc}, Reminder: list[i], Deliveries: ds}})
}

// addModule adds a training module of the organisation's own.
func (s *Server) addModule(w http.ResponseWriter, r *http.Request) {
	num := func(name string) int {
		n, err := strconv.Atoi(strings.TrimSpace(r.FormValue(name)))
		if err != nil {
			return 0
		}
		return n
	}
	m := &workforce.Module{Code: r.FormValue("code"), Title: r.FormValue("title"), Description: r.FormValue("description"), Minutes: num("minutes"),
		DueDays: num("due_days"), RecurMonths: num("recur_months"), Items: []string{}}
	var err error
	for _, id := range splitList(r.FormValue("items")) {
		if _, ok := s.catalog.Item(id); !ok {
			err = errs.New(errs.Invalid, "items: "+id+" is not a requirement or CPG of the catalog (for example hipaa-sr/164.308(a)(5) or hph-cpg/essential-4)")
			break
		}
		m.Items = append(m.Items, id)
	}
	if err == nil {
		err = s.training.AddModule(r.Context(), kit.ScopeFrom(r.Context()).Workforce(), m)
	}
	if err != nil {
		s.refuse(w, r, err, s.renderTraining)
		return
	}
	http.Redirect(w, r, "/orgs/"+kit.ScopeFrom(r.Context()).Org().Slug+"/training?notice="+url.QueryEscape("Module "+m.Title+" added: add a rule to assign it."), http.StatusSeeOther)
}
