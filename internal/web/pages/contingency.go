package pages

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/contingency"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

type contingencyView struct {
	programView
	C        *incidents.Contingency
	Line     *contingency.Line // one system's page
	System   *contingency.System
	Tests    []*contingency.Test
	Proposed int
	Today    string
}

func (s *Server) contingencyPage(w http.ResponseWriter, r *http.Request) {
	s.renderContingency(w, r, http.StatusOK, "", r.URL.Query().Get("notice"))
}

// renderContingency shows the plan, or with an asset in the path one
// system's part of it.
func (s *Server) renderContingency(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	sc := kit.ScopeFrom(r.Context())
	c, err := s.incidents.Contingency(r.Context(), sc.Incidents())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v := &contingencyView{programView: programView{Scope: sc, Error: errMsg, Notice: notice}, C: c, Proposed: contingency.ProposedRTOHours, Today: s.now().UTC().Format("2006-01-02")}
	name := "contingency"
	if id := r.PathValue("asset"); id != "" {
		for _, l := range c.Lines {
			if l.Asset.ID == id {
				v.Line = l
			}
		}
		if v.Line == nil {
			s.fail(w, r, errs.New(errs.NotFound, "no system of the ePHI inventory by that id"))
			return
		}
		v.System = v.Line.System
		if v.System == nil {
			v.System = &contingency.System{AssetID: id}
		}
		for _, t := range c.Tests {
			if t.AssetID == id {
				v.Tests = append(v.Tests, t)
			}
		}
		name = "contingency_system"
	}
	s.render(w, r, name, status, page{Title: "Contingency plan · " + sc.Org().Name, Data: v})
}

func hoursValue(s string) (float64, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	return strconv.ParseFloat(s, 64)
}

func (s *Server) saveProcedures(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	months, _ := strconv.Atoi(strings.TrimSpace(r.PostFormValue("test_months")))
	if err := s.incidents.SaveProcedures(r.Context(), sc.Incidents(), sc.Org().ID, r.PostFormValue("disaster_recovery"), r.PostFormValue("emergency_mode"), months); err != nil {
		s.refuse(w, r, err, s.renderContingency)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/contingency?notice="+url.QueryEscape("Saved."), http.StatusSeeOther)
}

func (s *Server) saveSystem(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	rto, err1 := hoursValue(r.PostFormValue("rto_hours"))
	rpo, err2 := hoursValue(r.PostFormValue("rpo_hours"))
	if err1 != nil || err2 != nil {
		s.refuse(w, r, errs.New(errs.Invalid, "rto_hours, rpo_hours: a number of hours"), s.renderContingency)
		return
	}
	sys := &contingency.System{AssetID: r.PathValue("asset"), RTOHours: rto, RPOHours: rpo, Notes: r.PostFormValue("notes"),
		Backup: contingency.Backup{What: r.PostFormValue("what"), Where: r.PostFormValue("where"), Frequency: r.PostFormValue("frequency"),
			Offline: r.PostFormValue("offline") != "", None: r.PostFormValue("none"), Jobs: strings.Split(r.PostFormValue("jobs"), "\n")}}
	if err := s.incidents.SaveSystem(r.Context(), sc.Incidents(), sc.Org().ID, sys); err != nil {
		s.refuse(w, r, err, s.renderContingency)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/contingency/"+sys.AssetID+"?notice="+url.QueryEscape("Saved."), http.StatusSeeOther)
}

func (s *Server) addRestoreTest(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	h, err1 := hoursValue(r.PostFormValue("hours"))
	lost, err2 := hoursValue(r.PostFormValue("lost_hours"))
	if err1 != nil || err2 != nil {
		s.refuse(w, r, errs.New(errs.Invalid, "hours: how long the restore took, in hours"), s.renderContingency)
		return
	}
	t := &contingency.Test{AssetID: r.PathValue("asset"), TestedOn: strings.TrimSpace(r.PostFormValue("tested_on")), Hours: h, LostHours: lost,
		Succeeded: r.PostFormValue("succeeded") != "", By: r.PostFormValue("by"), Notes: r.PostFormValue("notes")}
	if err := s.incidents.AddRestoreTest(r.Context(), sc.Incidents(), sc.Org().ID, t); err != nil {
		s.refuse(w, r, err, s.renderContingency)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/contingency/"+t.AssetID+"?notice="+url.QueryEscape("Restore test recorded."), http.StatusSeeOther)
}

func init() { funcs["float"] = func(n int) float64 { return float64(n) } }
