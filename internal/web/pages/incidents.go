package pages

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

type incidentsView struct {
	programView
	Incidents []*incidents.View
	Log       []*incidents.LogYear
}

func (s *Server) incidentsPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	vs, err := s.incidents.Register(r.Context(), sc.Incidents())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &incidentsView{programView: programView{Scope: sc, Notice: r.URL.Query().Get("notice")}, Incidents: vs, Log: incidents.Log(vs)}
	s.render(w, r, "incidents", http.StatusOK, page{Title: "Incidents · " + sc.Org().Name, Data: v})
}

type incidentView struct {
	programView
	View        *incidents.View // nil for a new incident
	Incident    *incident.Incident
	Threats     []*risk.Threat
	Assets      []*risk.Asset
	Evidence    []*evidence.Evidence
	Conclusions []string
	Exclusions  []string
	ExclusionOf map[string]string
	Factors     []string
	Audiences   []string
	Notices     []incident.Notice // the notices made and blank lines to add more
	Discovery   incident.Rule
	Delay       incident.Rule
	Today       string
}

func (s *Server) newIncidentPage(w http.ResponseWriter, r *http.Request) {
	s.renderIncident(w, r, http.StatusOK, "", "", &incident.Incident{DetectedAt: s.now().UTC().Truncate(time.Minute)})
}

func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) {
	s.renderIncident(w, r, http.StatusOK, "", r.URL.Query().Get("notice"), nil)
}

// renderIncident shows an incident and its form (posted, when a save was
// refused; a new incident's when there is no id).
func (s *Server) renderIncident(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string, posted *incident.Incident) {
	sc := kit.ScopeFrom(r.Context())
	ctx := r.Context()
	v := &incidentView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, Threats: s.risk.Threats.Threats,
		Conclusions: incident.Conclusions, Exclusions: []string{"(i)", "(ii)", "(iii)"}, ExclusionOf: incident.Exclusions, Factors: incident.Factors,
		Audiences: incident.Audiences, Discovery: incident.RuleDiscovery, Delay: incident.RuleDelay, Today: s.now().UTC().Format(time.DateOnly)}
	if id := r.PathValue("id"); id != "" {
		view, err := s.incidents.Find(ctx, sc.Incidents(), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		v.View = view
	}
	v.Incident = posted
	if v.Incident == nil {
		v.Incident = v.View.Incident
	}
	var err error
	if v.Assets, err = sc.Risk().Assets(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if v.Evidence, err = sc.Evidence().EvidenceList(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	if b := v.Incident.Breach; b != nil {
		v.Notices = append(v.Notices, b.Notices...)
	}
	v.Notices = append(v.Notices, incident.Notice{}, incident.Notice{})
	title := "New incident"
	if v.View != nil {
		title = v.View.Ref + " " + v.View.Title
	}
	s.render(w, r, "incident", status, page{Title: title + " · " + sc.Org().Name, Data: v})
}

// incidentWith is the incident's page showing posted, for refuse.
func (s *Server) incidentWith(posted *incident.Incident) func(http.ResponseWriter, *http.Request, int, string, string) {
	return func(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
		s.renderIncident(w, r, status, errMsg, notice, posted)
	}
}

// saveIncident records a new incident, or saves one again.
func (s *Server) saveIncident(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	i, err := incidentFromForm(r)
	i.ID = r.PathValue("id")
	if err == nil {
		err = s.incidents.Save(r.Context(), sc.Incidents(), sc.Org().ID, i)
	}
	if err != nil {
		s.refuse(w, r, err, s.incidentWith(i))
		return
	}
	verb := "Saved"
	if r.PathValue("id") == "" {
		verb = "Recorded"
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/incidents/"+i.ID+"?notice="+url.QueryEscape(verb+" "+i.Ref+"."), http.StatusSeeOther)
}

// incidentFromForm reads an incident's form: times are UTC
// (datetime-local), the assessment is kept when a conclusion is chosen,
// the breach when the conclusion is a breach. Errors: Invalid naming a
// field that does not read, with the rest of the form read.
func incidentFromForm(r *http.Request) (*incident.Incident, error) {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	var firstErr error
	fail := func(err error) {
		if firstErr == nil {
			firstErr = err
		}
	}
	when := func(k string) *time.Time {
		v := f(k)
		if v == "" {
			return nil
		}
		t, err := time.Parse("2006-01-02T15:04", v)
		if err != nil {
			fail(errs.New(errs.Invalid, k+": "+strconv.Quote(v)+" is not a date and time"))
			return nil
		}
		return &t
	}
	count := func(k string) int64 {
		v := strings.ReplaceAll(f(k), ",", "")
		if v == "" {
			return 0
		}
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			fail(errs.New(errs.Invalid, k+": "+strconv.Quote(v)+" is not a number"))
		}
		return n
	}
	i := &incident.Incident{Title: f("title"), Summary: f("summary"), ThreatID: f("threat"), Owner: f("owner"), Notes: f("notes"),
		Records: count("records"), PHI: r.PostFormValue("phi") != "", ClosedOn: f("closed_on"),
		Assets: r.PostForm["asset"], Evidence: r.PostForm["evidence"],
		ContainedAt: when("contained_at"), EradicatedAt: when("eradicated_at"), RecoveredAt: when("recovered_at")}
	if d := when("detected_at"); d != nil {
		i.DetectedAt = *d
	}
	if c := f("conclusion"); c != "" {
		a := &incident.Assessment{Conclusion: c, Exclusion: f("exclusion"), Reasoning: f("reasoning"), By: f("assessed_by"), On: f("assessed_on")}
		for k := range a.Factors {
			a.Factors[k] = f("factor_" + strconv.Itoa(k+1))
		}
		i.Assessment = a
		if c == incident.IsBreach {
			b := &incident.Breach{DiscoveredOn: f("discovered_on"), Role: f("role"), Individuals: count("individuals"), MostInOneState: count("most_in_one_state"), Notices: []incident.Notice{}}
			if f("delay_stated_on") != "" || f("delay_official") != "" {
				b.Delay = &incident.Delay{Written: r.PostFormValue("delay_written") != "", StatedOn: f("delay_stated_on"), Until: f("delay_until"), Official: f("delay_official")}
			}
			tos, ons, hows := r.PostForm["notice_to"], r.PostForm["notice_sent_on"], r.PostForm["notice_how"]
			for k := range tos {
				n := incident.Notice{To: strings.TrimSpace(tos[k])}
				if k < len(ons) {
					n.SentOn = strings.TrimSpace(ons[k])
				}
				if k < len(hows) {
					n.How = strings.TrimSpace(hows[k])
				}
				if n.To == "" && n.SentOn == "" {
					continue
				}
				b.Notices = append(b.Notices, n)
			}
			i.Breach = b
		}
	}
	if i.Assets == nil {
		i.Assets = []string{}
	}
	if i.Evidence == nil {
		i.Evidence = []string{}
	}
	return i, firstErr
}

func init() { funcs["conclusion"] = incident.Label }
