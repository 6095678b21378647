// Package incidents is the service of the incident register: pages, the
// API and the command line record incidents through it, and read them as
// views judged on a day — each incident's phase, its breach clock's
// deadlines and the next one due — and the yearly log of breaches under
// 500 that 45 CFR 164.408(c) has reported to HHS.
package incidents

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/contingency"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
)

// Records are one organisation's incidents (store.Scoped).
type Records interface {
	Incidents(ctx context.Context) ([]*incident.Incident, error)
	Incident(ctx context.Context, id string) (*incident.Incident, error)
	SaveIncident(ctx context.Context, i *incident.Incident, after ...store.TxFunc) error
	IncidentPlans(ctx context.Context) ([]*incident.Plan, error)
	SaveIncidentPlan(ctx context.Context, p *incident.Plan, after ...store.TxFunc) error
	ApproveIncidentPlan(ctx context.Context, version int, by, on string, after ...store.TxFunc) error
	Exercises(ctx context.Context) ([]*incident.Exercise, error)
	Exercise(ctx context.Context, id string) (*incident.Exercise, error)
	SaveExercise(ctx context.Context, e *incident.Exercise, after ...store.TxFunc) error
	TrackFinding(ctx context.Context, exerciseID string, index int, a *risk.Action, after ...store.TxFunc) error
	Actions(ctx context.Context) ([]*risk.Action, error)
	Risks(ctx context.Context) ([]*risk.Risk, error)
	Assets(ctx context.Context) ([]*risk.Asset, error)
	ContingencyPlan(ctx context.Context) (*contingency.Plan, error)
	SaveContingencyPlan(ctx context.Context, edit func(p *contingency.Plan) error, after ...store.TxFunc) (*contingency.Plan, error)
	RestoreTests(ctx context.Context) ([]*contingency.Test, error)
	AddRestoreTest(ctx context.Context, t *contingency.Test, after ...store.TxFunc) error
	BackupJobs(ctx context.Context) ([]*contingency.Job, error)
	Members(ctx context.Context) ([]auth.Member, error)
	ClaimBreachReminder(ctx context.Context, r *incident.Reminder) error
	ReleaseBreachReminder(ctx context.Context, id string) error
	RecordBreachReminder(ctx context.Context, r *incident.Reminder) error
	BreachReminders(ctx context.Context, subjects ...string) ([]*incident.Reminder, error)
}

var _ Records = (*store.Scoped)(nil)

// Queue queues the checks after an incident changes (internal/jobs'
// engine).
type Queue = store.ChecksQueue

// Service is the incident register's service.
type Service struct {
	Queue Queue // none: no check run is queued
	Now   func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return time.Now().UTC()
	}
	return s.Now().UTC()
}

func (s *Service) after(orgID string) []store.TxFunc { return store.QueueChecks(s.Queue, orgID) }

// Save records an incident, or saves one again, of the organisation
// orgID. Errors: Invalid naming the field, NotFound.
func (s *Service) Save(ctx context.Context, rs Records, orgID string, i *incident.Incident) error {
	return rs.SaveIncident(ctx, i, s.after(orgID)...)
}

// PlanState is the incident response plan as it stands: every version
// (newest first), the one in force (the newest approved), the draft
// after it if any, and where its review stands.
type PlanState struct {
	Versions   []*incident.Plan `json:"versions"`
	Approved   *incident.Plan   `json:"approved,omitempty"`
	Draft      *incident.Plan   `json:"draft,omitempty"`
	Standing   string           `json:"standing"`
	Why        string           `json:"why"`
	NextReview string           `json:"next_review,omitempty"`
}

// Plan is the organisation's plan as it stands on the day of now.
func (s *Service) Plan(ctx context.Context, rs Records) (*PlanState, error) {
	vs, err := rs.IncidentPlans(ctx)
	if err != nil {
		return nil, err
	}
	st := &PlanState{Versions: vs}
	for _, p := range vs {
		if p.Approved() {
			st.Approved = p
			break
		}
	}
	if len(vs) > 0 && !vs[0].Approved() {
		st.Draft = vs[0]
	}
	st.Standing, st.Why = incident.PlanStanding(st.Approved, s.now().Format(time.DateOnly))
	if st.Approved != nil {
		st.NextReview = st.Approved.NextReview()
	}
	return st, nil
}

// Version is one version of the plan. Errors: NotFound.
func (s *Service) Version(ctx context.Context, rs Records, version int) (*incident.Plan, error) {
	vs, err := rs.IncidentPlans(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range vs {
		if p.Version == version {
			return p, nil
		}
	}
	return nil, errs.New(errs.NotFound, "no such version of the incident response plan")
}

// SavePlan saves p as the next version of the organisation's plan, a
// draft until approved, and queues the checks.
func (s *Service) SavePlan(ctx context.Context, rs Records, orgID string, p *incident.Plan) error {
	return rs.SaveIncidentPlan(ctx, p, s.after(orgID)...)
}

// ApprovePlan records a version's approval and queues the checks.
func (s *Service) ApprovePlan(ctx context.Context, rs Records, orgID string, version int, by, on string) error {
	return rs.ApproveIncidentPlan(ctx, version, by, on, s.after(orgID)...)
}

// A View is an incident as the register shows it on a day.
type View struct {
	*incident.Incident
	Phase      string              `json:"phase"`
	Conclusion string              `json:"conclusion,omitempty"` // the assessment's, in words
	Deadlines  []incident.Deadline `json:"deadlines,omitempty"`
	// Next is the first notice not yet made, the soonest due; nil when
	// every notice is made or there is no breach.
	Next *incident.Deadline `json:"next,omitempty"`
	// LogYear is the year of the log to HHS the breach goes in (under
	// 500 individuals), 0 otherwise.
	LogYear int `json:"log_year,omitempty"`
	// Reminders are the reminders of its notices sent (Find only), the
	// newest first.
	Reminders []*incident.Reminder `json:"reminders,omitempty"`
}

// ViewOf is an incident's view on today (YYYY-MM-DD).
func ViewOf(i *incident.Incident, today string) *View {
	v := &View{Incident: i, Phase: i.Phase()}
	if i.Assessment != nil {
		v.Conclusion = incident.Label(i.Assessment.Conclusion)
	}
	if i.Breach != nil {
		v.Deadlines = i.Breach.Deadlines(today)
		v.LogYear = i.Breach.LogYear()
		for k, d := range v.Deadlines {
			if (d.Status == incident.Due || d.Status == incident.Overdue) && (v.Next == nil || d.Due < v.Next.Due) {
				v.Next = &v.Deadlines[k]
			}
		}
	}
	return v
}

// Register is the organisation's incidents as views on the day of now,
// the newest detected first.
func (s *Service) Register(ctx context.Context, rs Records) ([]*View, error) {
	is, err := rs.Incidents(ctx)
	if err != nil {
		return nil, err
	}
	today := s.now().Format(time.DateOnly)
	out := make([]*View, 0, len(is))
	for _, i := range is {
		out = append(out, ViewOf(i, today))
	}
	return out, nil
}

// Find is one incident's view, by id or reference (INC-001). Errors:
// NotFound.
func (s *Service) Find(ctx context.Context, rs Records, ref string) (*View, error) {
	vs, err := s.Register(ctx, rs)
	if err != nil {
		return nil, err
	}
	for _, v := range vs {
		if v.ID == ref || strings.EqualFold(v.Ref, ref) {
			if v.Breach == nil {
				return v, nil
			}
			subjects := []string{incident.IncidentSubject(v.ID)}
			if v.LogYear != 0 {
				subjects = append(subjects, incident.LogSubject(v.LogYear))
			}
			if v.Reminders, err = rs.BreachReminders(ctx, subjects...); err != nil {
				return nil, err
			}
			return v, nil
		}
	}
	return nil, errs.New(errs.NotFound, "incident not found")
}

// A LogYear is one calendar year's breaches under 500 individuals: what
// 45 CFR 164.408(c) has reported to HHS not later than 60 days after the
// year's end, and whether it was.
type LogYear struct {
	Year     int                `json:"year"`
	Due      string             `json:"due"`
	Breaches []*View            `json:"breaches"`
	Notice   *incident.Deadline `json:"-"`
	Status   string             `json:"status"` // sent when every breach of the year was reported to HHS, else due or overdue
	Rule     incident.Rule      `json:"rule"`
}

// Log is the yearly logs of breaches under 500, the newest year first.
func Log(vs []*View) []*LogYear {
	byYear := map[int]*LogYear{}
	for _, v := range vs {
		if v.LogYear == 0 {
			continue
		}
		y := byYear[v.LogYear]
		if y == nil {
			y = &LogYear{Year: v.LogYear, Status: incident.Sent, Rule: incident.RuleSecretaryLog}
			byYear[v.LogYear] = y
		}
		y.Breaches = append(y.Breaches, v)
		for k, d := range v.Deadlines {
			if d.To != incident.ToSecretaryLog {
				continue
			}
			y.Due = d.Due
			switch {
			case d.Status == incident.Overdue:
				y.Status, y.Notice = incident.Overdue, &v.Deadlines[k]
			case d.Status == incident.Due && y.Status != incident.Overdue:
				y.Status, y.Notice = incident.Due, &v.Deadlines[k]
			}
		}
	}
	out := make([]*LogYear, 0, len(byYear))
	for _, y := range byYear {
		out = append(out, y)
	}
	slices.SortFunc(out, func(a, b *LogYear) int { return b.Year - a.Year })
	return out
}

// An ExerciseView is an exercise with the plan action tracking each
// finding (nil where a finding is not tracked yet).
type ExerciseView struct {
	*incident.Exercise
	Actions []*risk.Action `json:"actions"`
}

// Exercises are the organisation's tabletop exercises, the newest held
// (then planned) first, each finding with its plan action.
func (s *Service) Exercises(ctx context.Context, rs Records) ([]*ExerciseView, error) {
	es, err := rs.Exercises(ctx)
	if err != nil {
		return nil, err
	}
	actions, err := rs.Actions(ctx)
	if err != nil {
		return nil, err
	}
	byID := map[string]*risk.Action{}
	for _, a := range actions {
		byID[a.ID] = a
	}
	out := make([]*ExerciseView, 0, len(es))
	for _, e := range es {
		v := &ExerciseView{Exercise: e, Actions: make([]*risk.Action, len(e.Findings))}
		for k, f := range e.Findings {
			v.Actions[k] = byID[f.ActionID]
		}
		out = append(out, v)
	}
	return out, nil
}

// SaveExercise records an exercise, or saves one again, and queues the
// checks.
func (s *Service) SaveExercise(ctx context.Context, rs Records, orgID string, e *incident.Exercise) error {
	return rs.SaveExercise(ctx, e, s.after(orgID)...)
}

// TrackFinding turns a finding of an exercise into a plan action on a
// risk of the register, in one transaction, and queues the checks.
func (s *Service) TrackFinding(ctx context.Context, rs Records, orgID, exerciseID string, index int, a *risk.Action) error {
	if a.Status == "" {
		a.Status = risk.Planned
	}
	return rs.TrackFinding(ctx, exerciseID, index, a, s.after(orgID)...)
}

// Contingency is the contingency plan as it stands on the day of now:
// the plan, every restore test, and a line per ePHI system of the
// inventory (critical ones first) with where its backup and its restore
// stand.
type Contingency struct {
	Plan     *contingency.Plan   `json:"plan"`
	Lines    []*contingency.Line `json:"systems"`
	Tests    []*contingency.Test `json:"restore_tests"`
	Proposed string              `json:"proposed_rto_note"`
	// Jobs are the backup jobs of imported reports; Unassigned are those
	// that copy no ePHI system of the inventory, to be named on a
	// system's entry.
	Jobs       []*contingency.Job `json:"backup_jobs"`
	Unassigned []*contingency.Job `json:"unassigned_jobs"`
}

// Contingency reads the organisation's contingency plan.
func (s *Service) Contingency(ctx context.Context, rs Records) (*Contingency, error) {
	p, err := rs.ContingencyPlan(ctx)
	if err != nil {
		return nil, err
	}
	tests, err := rs.RestoreTests(ctx)
	if err != nil {
		return nil, err
	}
	assets, err := rs.Assets(ctx)
	if err != nil {
		return nil, err
	}
	jobs, err := rs.BackupJobs(ctx)
	if err != nil {
		return nil, err
	}
	c := &Contingency{Plan: p, Lines: contingency.Lines(p, assets, tests, jobs, s.now().Format(time.DateOnly)), Tests: tests, Proposed: contingency.ProposedNote,
		Jobs: jobs, Unassigned: []*contingency.Job{}}
	assigned := map[*contingency.Job]bool{}
	for _, l := range c.Lines {
		for _, j := range l.Jobs {
			assigned[j] = true
		}
	}
	for _, j := range jobs {
		if !assigned[j] {
			c.Unassigned = append(c.Unassigned, j)
		}
	}
	return c, nil
}

// SaveSystem sets one system's objectives and backup in the plan.
func (s *Service) SaveSystem(ctx context.Context, rs Records, orgID string, sys *contingency.System) error {
	if err := sys.Validate(); err != nil {
		return err
	}
	_, err := rs.SaveContingencyPlan(ctx, func(p *contingency.Plan) error {
		p.Systems[sys.AssetID] = sys
		return nil
	}, s.after(orgID)...)
	return err
}

// SaveProcedures sets the plan's disaster recovery and emergency mode
// procedures and its cadence of restore tests.
func (s *Service) SaveProcedures(ctx context.Context, rs Records, orgID, recovery, emergency string, testMonths int) error {
	_, err := rs.SaveContingencyPlan(ctx, func(p *contingency.Plan) error {
		p.DisasterRecovery, p.EmergencyMode, p.TestMonths = recovery, emergency, testMonths
		return nil
	}, s.after(orgID)...)
	return err
}

// AddRestoreTest records a restore test and queues the checks.
func (s *Service) AddRestoreTest(ctx context.Context, rs Records, orgID string, t *contingency.Test) error {
	return rs.AddRestoreTest(ctx, t, s.after(orgID)...)
}
