package pages

import (
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/todo"

	"github.com/safeguard-health/safeguard/internal/web/kit"
)

type orgView struct {
	Scope   *kit.Scope
	Members []auth.Member
	// Invitations are the open ones, for those who manage members; Link
	// is a new invitation's, shown once.
	Invitations []*auth.Invitation
	Link        string
	Me          string // the viewer's user id
	Entries     []audit.Entry
	Roles       []struct {
		Role  auth.Role
		Label string
	}
	Filter      struct{ Actor, Action, From, To string }
	Error       string
	Notice      string
	ProfileDone bool
	// Glance is the do-next list with the scorecard, the risk overview and
	// the current assessments (those empty for a role that may not see
	// the program); Heat the register's heat map, each cell a link; the
	// five highest open risks of OpenRisks; the newest result of each
	// check; the latest imports; the training input of the scorecard; and
	// the viewer's own training assignments still to do.
	Glance    *todo.Glance
	Heat      template.HTML
	TopRisks  []*risk.Row
	OpenRisks int
	Checks    []*check.Result
	Imports   []*store.DataImport
	Training  *assessment.Input
	Mine      *myTrainingView
}

// Verified counts the CPGs in scope with an input verified from data (a
// check, or the training records) beside the answers.
func (ov *orgView) Verified() int {
	n := 0
	for _, goal := range ov.Glance.Card.Goals {
		if goal.InScope && slices.ContainsFunc(goal.Inputs, func(in assessment.Input) bool { return in.Source != "assessment" }) {
			n++
		}
	}
	return n
}

// Failing counts the checks that failed.
func (ov *orgView) Failing() int {
	n := 0
	for _, c := range ov.Checks {
		if c.Status == check.Fail {
			n++
		}
	}
	return n
}

func (ov *orgView) Can(p string) bool { return ov.Scope.Role.Can(auth.Permission(p)) }

func (s *Server) orgPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	ctx := r.Context()
	p, err := sc.Program().Profile(ctx)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ov := &orgView{Scope: sc, ProfileDone: p.Completed}
	if ov.Glance, err = (&todo.Service{Program: s.program, Risk: s.risk}).Glance(ctx, sc.Todo(), sc.Role, s.now()); err != nil {
		s.fail(w, r, err)
		return
	}
	if g := ov.Glance; g.Risk != nil {
		sum, scales := g.Risk.Summary, &g.Risk.Scales
		ov.Heat = template.HTML(report.HeatmapSVG(scales, sum.Heat(scales, false), "Current risk", registerCell(sc.Org().Slug)))
		top, err := s.risk.Page(ctx, sc.Risk(), riskanalysis.RegisterQuery{Filter: risk.Filter{Status: "open"}, Sort: "level", Limit: 5, Bare: true}, risk.Today(s.now()))
		if err != nil {
			s.fail(w, r, err)
			return
		}
		ov.TopRisks, ov.OpenRisks, ov.Checks = top.Rows, top.Total, g.Checks
		if ov.Imports, err = sc.Imports().DataImports(ctx, 3); err != nil {
			s.fail(w, r, err)
			return
		}
		for _, goal := range g.Card.Goals {
			for _, in := range goal.Inputs {
				if in.Source == "training" {
					ov.Training = &in
				}
			}
		}
	}
	if sc.Role.Can(auth.OwnTraining) {
		if ov.Mine, err = s.myTraining(r); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, "org", http.StatusOK, page{Title: sc.Org().Name + " · home", Data: ov})
}

// registerCell links a cell of the heat map (likelihood, impact) to the
// register's open risks of that rating.
func registerCell(slug string) func(likelihood, impact int) string {
	return func(l, i int) string {
		return fmt.Sprintf("/orgs/%s/risk/register?likelihood=%d&impact=%d", url.PathEscape(slug), l, i)
	}
}

func (s *Server) membersPage(w http.ResponseWriter, r *http.Request) {
	s.renderMembers(w, r, http.StatusOK, "", "")
}

func (s *Server) renderMembers(w http.ResponseWriter, r *http.Request, status int, errMsg, notice string) {
	s.renderMembersLink(w, r, status, errMsg, notice, "")
}

func (s *Server) renderMembersLink(w http.ResponseWriter, r *http.Request, status int, errMsg, notice, link string) {
	sc := kit.ScopeFrom(r.Context())
	members, err := sc.Admin().Members(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	ov := &orgView{Scope: sc, Members: members, Roles: auth.Roles, Error: errMsg, Notice: notice, Link: link, Me: kit.ViewerFrom(r.Context()).User.ID}
	if sc.Role.Can(auth.ManageMembers) {
		if ov.Invitations, err = s.members.Invitations(r.Context(), sc.Admin()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, "members", status, page{Title: "Members · " + sc.Org().Name, Data: ov})
}

// membersFail shows a refused change on the members page, or fails.
func (s *Server) membersFail(w http.ResponseWriter, r *http.Request, err error) {
	switch errs.KindOf(err) {
	case errs.Invalid, errs.NotFound, errs.Conflict:
		s.renderMembers(w, r, errs.HTTPStatus(err), errs.Message(err), "")
	default:
		s.fail(w, r, err)
	}
}

// invite invites an email to the organisation: the answer is the same
// whether or not an account has it.
func (s *Server) invite(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	role, err := auth.ParseRole(r.PostFormValue("role"))
	var inv *auth.Invitation
	var token string
	if err == nil {
		inv, token, err = s.members.Invite(r.Context(), sc.Admin(), kit.ViewerFrom(r.Context()).User, r.PostFormValue("email"), role)
	}
	if err != nil {
		s.membersFail(w, r, err)
		return
	}
	notice := "Invitation made for " + inv.Email + " as " + inv.Role.Label() + ". Send them this link; it works once, until " +
		inv.ExpiresAt.Format("2 Jan 2006 15:04 UTC") + ", for whoever signs in as " + inv.Email + "."
	s.renderMembersLink(w, r, http.StatusOK, "", notice, kit.Origin(r)+"/invitations/"+token)
}

func (s *Server) revokeInvitation(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := s.members.Revoke(r.Context(), sc.Admin(), r.PathValue("id")); err != nil {
		s.membersFail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/members", http.StatusSeeOther)
}

func (s *Server) changeRole(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	role, err := auth.ParseRole(r.PostFormValue("role"))
	if err == nil {
		err = s.members.ChangeRole(r.Context(), sc.Admin(), r.PathValue("id"), role)
	}
	if err != nil {
		s.membersFail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/members", http.StatusSeeOther)
}

func (s *Server) removeMember(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := s.members.Remove(r.Context(), sc.Admin(), r.PathValue("id")); err != nil {
		s.membersFail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug+"/members", http.StatusSeeOther)
}

// leave takes the viewer out of the organisation.
func (s *Server) leave(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	if err := s.members.Leave(r.Context(), sc.Admin(), kit.ViewerFrom(r.Context()).User); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

func (s *Server) updateSettings(w http.ResponseWriter, r *http.Request) {
	if err := s.parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	sc := kit.ScopeFrom(r.Context())
	var idle time.Duration
	if m := strings.TrimSpace(r.PostFormValue("idle_minutes")); m != "" {
		n, err := strconv.Atoi(m)
		if err != nil {
			s.fail(w, r, errs.New(errs.Invalid, "the idle timeout is a whole number of minutes"))
			return
		}
		idle = time.Duration(n) * time.Minute
	}
	if err := sc.Admin().SetIdleTimeout(r.Context(), idle); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := sc.Admin().SetRequireMFA(r.Context(), r.PostFormValue("require_mfa") == "on"); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/orgs/"+sc.Org().Slug, http.StatusSeeOther)
}

// auditPage shows the organisation's audit log, filtered by who and what,
// and exports it as CSV or JSON (?format=).
// auditPackage sends the audit package (auditpack): the reports, the
// evidence index and the policies, the training status (for one who may
// see the workforce), and the audit log of ?from= to ?to= (dates, the
// later day included; the year before today by default); ?files=on puts
// every piece of evidence's file in.
func (s *Server) auditPackage(w http.ResponseWriter, r *http.Request) {
	if err := s.files.SendAuditPackage(w, r, s.program, s.risk); err != nil {
		s.fail(w, r, err)
	}
}

func (s *Server) auditPage(w http.ResponseWriter, r *http.Request) {
	sc := kit.ScopeFrom(r.Context())
	q := r.URL.Query()
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 10000 {
		limit = 500
	}
	f := store.AuditFilter{Limit: limit}
	for _, b := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"from", &f.From, 0}, {"to", &f.To, 1}} {
		if v := strings.TrimSpace(q.Get(b.name)); v != "" {
			d, err := time.Parse("2006-01-02", v)
			if err != nil {
				s.fail(w, r, errs.New(errs.Invalid, b.name+" must be a date, YYYY-MM-DD"))
				return
			}
			*b.dst = d.AddDate(0, 0, b.add) // "to" includes its whole day
		}
	}
	entries, err := sc.Admin().AuditLog(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	actor, action := strings.TrimSpace(q.Get("actor")), strings.TrimSpace(q.Get("action"))
	var kept []audit.Entry
	for _, e := range entries {
		if (actor == "" || strings.Contains(strings.ToLower(e.Actor), strings.ToLower(actor))) && (action == "" || strings.HasPrefix(e.Action, action)) {
			kept = append(kept, e)
		}
	}
	name := sc.Org().Slug + "-audit"
	switch q.Get("format") {
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.csv"`)
		audit.WriteCSV(w, kept) // an error here is the client gone
		return
	case "json":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.json"`)
		out := []audit.Record{}
		for _, e := range kept {
			out = append(out, e.Record())
		}
		json.NewEncoder(w).Encode(map[string]any{"organization": sc.Org().Slug, "entries": out})
		return
	}
	ov := &orgView{Scope: sc, Entries: kept}
	ov.Filter.Actor, ov.Filter.Action, ov.Filter.From, ov.Filter.To = actor, action, q.Get("from"), q.Get("to")
	s.render(w, r, "audit", http.StatusOK, page{Title: "Audit log · " + sc.Org().Name, Data: ov})
}
