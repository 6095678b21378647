package pages

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

type planView struct {
	programView
	State    *incidents.PlanState
	Form     *incident.Plan // the form: the posted plan, or the newest version, or the starter
	Roles    []incident.Role
	Contacts []incident.Contact
	Books    []playbookForm
	Kinds    []string
	Phases   []string
	Today    string
}

// playbookForm is a playbook as its form edits it: its steps one per
// line, "phase: what to do".
type playbookForm struct {
	incident.Playbook
	Lines string
}

func (s *Server) planPage(w http.ResponseWriter, r *http.Request) {
	s.renderPlan(w, r, http.StatusOK, "", r.URL.Query().Get("notice"), nil)
}

func (s *Server) renderPlan(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string, posted *incident.Plan) {
	sc := kit.ScopeFrom(r.Context())
	st, err := s.incidents.Plan(r.Context(), sc.Incidents())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &planView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, State: st, Form: posted, Kinds: incident.ContactKinds, Phases: incident.Phases,
		Today: s.now().UTC().Format("2006-01-02")}
	if v.Form == nil {
		if len(st.Versions) > 0 {
			v.Form = st.Versions[0]
		} else {
			v.Form = incident.Starter()
		}
	}
	v.Roles = append(append([]incident.Role{}, v.Form.Roles...), incident.Role{}, incident.Role{})
	v.Contacts = append(append([]incident.Contact{}, v.Form.Contacts...), incident.Contact{}, incident.Contact{})
	for _, b := range append(append([]incident.Playbook{}, v.Form.Playbooks...), incident.Playbook{}) {
		var lines []string
		for _, st := range b.Steps {
			lines = append(lines, st.Phase+": "+st.Text)
		}
		v.Books = append(v.Books, playbookForm{Playbook: b, Lines: strings.Join(lines, "\n")})
	}
	s.render(w, r, "incident_plan", status, page{Title: "Incident response plan · " + sc.Org().Name, Data: v})
}

func (s *Server) planWith(posted *incident.Plan) func(http.ResponseWriter, *http.Request, int, string, string) {
	return func(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
		s.renderPlan(w, r, status, errMsg, notice, posted)
	}
}

// savePlan saves the form as the plan's next version.
func (s *Server) savePlan(w http.ResponseWriter, r *http.Request) {
	if err := s.parseFormLimit(w, r, 2<<20); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	p, err := planFromForm(r)
	if err == nil {
		err = s.incidents.SavePlan(r.Context(), sc.Incidents(), sc.Org().ID, p)
	}
	if err != nil {
		s.refuse(w, r, err, s.planWith(p))
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/incidents/plan?notice="+url.QueryEscape(fmt.Sprintf("Saved version %d, a draft until it is approved.", p.Version)), http.StatusSeeOther)
}

func (s *Server) approvePlan(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		s.fail(w, r, errs.New(errs.NotFound, "no such version of the incident response plan"))
		return
	}
	if err := s.incidents.ApprovePlan(r.Context(), sc.Incidents(), sc.Org().ID, version, r.PostFormValue("approved_by"), strings.TrimSpace(r.PostFormValue("approved_on"))); err != nil {
		s.refuse(w, r, err, s.planWith(nil))
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/incidents/plan?notice="+url.QueryEscape(fmt.Sprintf("Version %d approved.", version)), http.StatusSeeOther)
}

func (s *Server) planPDF(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	version, err := strconv.Atoi(r.PathValue("version"))
	if err != nil {
		s.fail(w, r, errs.New(errs.NotFound, "no such version of the incident response plan"))
		return
	}
	p, err := s.incidents.Version(r.Context(), sc.Incidents(), version)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	data, err := report.IncidentPlanPDF(p, sc.Org().Name, s.now())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	kit.Attachment(w, fmt.Sprintf("%s-incident-response-plan-v%d.pdf", sc.Org().Slug, version), "application/pdf", data)
}

// planFromForm reads the plan's form: rows of roles and contacts (blank
// rows left out) and each playbook's steps, one per line as "phase: what
// to do". Errors: Invalid naming a line that does not read.
func planFromForm(r *http.Request) (*incident.Plan, error) {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	months, _ := strconv.Atoi(f("review_months"))
	p := &incident.Plan{Title: f("title"), Scope: f("scope"), Escalation: f("escalation"), Communication: f("communication"), ReviewMonths: months}
	at := func(vs []string, k int) string {
		if k < len(vs) {
			return strings.TrimSpace(vs[k])
		}
		return ""
	}
	pf := r.PostForm
	for k := range pf["role"] {
		ro := incident.Role{Role: at(pf["role"], k), Name: at(pf["role_name"], k), Phone: at(pf["role_phone"], k), Email: at(pf["role_email"], k), Backup: at(pf["role_backup"], k)}
		if ro != (incident.Role{}) {
			p.Roles = append(p.Roles, ro)
		}
	}
	for k := range pf["contact_kind"] {
		c := incident.Contact{Kind: at(pf["contact_kind"], k), Name: at(pf["contact_name"], k), Organisation: at(pf["contact_org"], k), Phone: at(pf["contact_phone"], k),
			Email: at(pf["contact_email"], k), Notes: at(pf["contact_notes"], k)}
		if c.Name != "" || c.Organisation != "" || c.Phone != "" || c.Email != "" {
			p.Contacts = append(p.Contacts, c)
		}
	}
	for k := range pf["playbook_title"] {
		b := incident.Playbook{Threat: at(pf["playbook_threat"], k), Title: at(pf["playbook_title"], k), Source: at(pf["playbook_source"], k)}
		for n, line := range strings.Split(at(pf["playbook_steps"], k), "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			phase, text, ok := strings.Cut(line, ":")
			if !ok {
				return p, errs.New(errs.Invalid, fmt.Sprintf("%s, line %d: write each step as \"phase: what to do\" (%s)", orUntitled(b.Title), n+1, strings.Join(incident.Phases, ", ")))
			}
			b.Steps = append(b.Steps, incident.Step{Phase: strings.ToLower(strings.TrimSpace(phase)), Text: strings.TrimSpace(text)})
		}
		if b.Title != "" || len(b.Steps) > 0 {
			p.Playbooks = append(p.Playbooks, b)
		}
	}
	return p, nil
}

func orUntitled(s string) string {
	if s == "" {
		return "a playbook without a title"
	}
	return s
}
