// Package training is the workforce training service. Every change that
// alters who must take which training, or who has taken it — the
// program's modules and rules, the roster and each person, completions —
// goes through it, and it refreshes the scorecard's training input after
// each (and matches the imported accounts to the roster again when a
// person's identity changes): the web pages, the API, the command line and the demo call the
// same methods and cannot forget it. The store keeps the records; the
// rules that evaluate them live here and in package workforce.
package training

import (
	"context"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// Store is what the training service needs of an organisation's records (store.Scoped implements it).
type Store interface {
	AddCompletions(ctx context.Context, cs []*workforce.Completion, action string) error
	ApplyRoster(ctx context.Context, p *workforce.RosterPlan, checklist store.Checklist) error
	Completions(ctx context.Context, personID string) ([]*workforce.Completion, error)
	DeleteRule(ctx context.Context, id string) error
	EachPeopleSlice(ctx context.Context, fn func([]*workforce.Person, []*workforce.Completion) error) error
	ImportRoster(ctx context.Context, checklist store.Checklist, read func(sink workforce.RosterSink) (*workforce.RosterInfo, error)) (*store.RosterCounts, error)
	InstallProgram(ctx context.Context, p *workforce.Program) error
	MatchAccounts(ctx context.Context) (map[string]int, error)
	People(ctx context.Context) ([]*workforce.Person, error)
	Person(ctx context.Context, id string) (*workforce.Person, error)
	RecordScorecardInput(ctx context.Context, in *assessment.Input) error
	SavePerson(ctx context.Context, p *workforce.Person, checklist store.Checklist) error
	TrainingProgram(ctx context.Context) (*workforce.Program, error)
}

// Service runs the training workflows.
type Service struct {
	// Now is the clock; time.Now when nil.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s == nil || s.Now == nil {
		return time.Now()
	}
	return s.Now()
}

// InstallProgram adds a program's modules and rules (the starter program
// on first use, or one module). Errors: Invalid for a module or rule that
// is not whole, Conflict for a module code in use.
func (s *Service) InstallProgram(ctx context.Context, sc Store, p *workforce.Program) error {
	for _, m := range p.Modules {
		if err := m.Validate(); err != nil {
			return err
		}
	}
	cur, err := sc.TrainingProgram(ctx)
	if err != nil {
		return err
	}
	all := append(cur.Modules, p.Modules...)
	for _, r := range p.Rules {
		if err := r.Validate(all); err != nil {
			return err
		}
	}
	if err := sc.InstallProgram(ctx, p); err != nil {
		return err
	}
	return s.Refresh(ctx, sc)
}

// AddModule adds one training module. Errors: as InstallProgram.
func (s *Service) AddModule(ctx context.Context, sc Store, m *workforce.Module) error {
	return s.InstallProgram(ctx, sc, &workforce.Program{Modules: []*workforce.Module{m}})
}

// AddRule adds a rule assigning a module. Errors: Invalid.
func (s *Service) AddRule(ctx context.Context, sc Store, r *workforce.Rule) error {
	return s.InstallProgram(ctx, sc, &workforce.Program{Rules: []*workforce.Rule{r}})
}

// DeleteRule removes a rule. Errors: NotFound.
func (s *Service) DeleteRule(ctx context.Context, sc Store, id string) error {
	if err := sc.DeleteRule(ctx, id); err != nil {
		return err
	}
	return s.Refresh(ctx, sc)
}

// AddCompletions records completions, all or none; action names them in
// the audit log (training.attest, training.record, training.import).
func (s *Service) AddCompletions(ctx context.Context, sc Store, cs []*workforce.Completion, action string) error {
	if err := sc.AddCompletions(ctx, cs, action); err != nil {
		return err
	}
	return s.Refresh(ctx, sc)
}

// SavePerson adds or saves a person of the roster (see store.SavePerson);
// systemNames names the ePHI systems for a leaver's checklist. A person
// added, or whose name, email or employee id changed, may be who is
// behind an imported account: the accounts are matched to the roster
// again, as after a roster import.
func (s *Service) SavePerson(ctx context.Context, sc Store, p *workforce.Person, systemNames map[string]string) error {
	var before *workforce.Person
	if p.ID != "" {
		var err error
		if before, err = sc.Person(ctx, p.ID); err != nil {
			return err
		}
	}
	if err := sc.SavePerson(ctx, p, Checklist(systemNames)); err != nil {
		return err
	}
	if before == nil || before.Name != p.Name || before.Email != p.Email || before.EmployeeID != p.EmployeeID {
		if _, err := sc.MatchAccounts(ctx); err != nil {
			return err
		}
	}
	return s.Refresh(ctx, sc)
}

// ApplyRoster writes a planned roster import.
func (s *Service) ApplyRoster(ctx context.Context, sc Store, p *workforce.RosterPlan, systemNames map[string]string) error {
	if err := sc.ApplyRoster(ctx, p, Checklist(systemNames)); err != nil {
		return err
	}
	return s.Refresh(ctx, sc)
}

// ImportRoster writes a roster import as read hands it over (see
// store.ImportRoster).
func (s *Service) ImportRoster(ctx context.Context, sc Store, systemNames map[string]string, read func(sink workforce.RosterSink) (*workforce.RosterInfo, error)) (*store.RosterCounts, error) {
	counts, err := sc.ImportRoster(ctx, Checklist(systemNames), read)
	if err != nil {
		return nil, err
	}
	return counts, s.Refresh(ctx, sc)
}

// Status evaluates the training program over the roster today.
func (s *Service) Status(ctx context.Context, sc Store) (*workforce.Program, *workforce.Status, error) {
	return Status(ctx, sc, s.now())
}

// Status evaluates the training program over the roster on the day of
// now.
func Status(ctx context.Context, sc Store, now time.Time) (*workforce.Program, *workforce.Status, error) {
	prog, err := sc.TrainingProgram(ctx)
	if err != nil {
		return nil, nil, err
	}
	people, err := sc.People(ctx)
	if err != nil {
		return nil, nil, err
	}
	done, err := sc.Completions(ctx, "")
	if err != nil {
		return nil, nil, err
	}
	return prog, Summarize(prog, people, done, now.UTC().Format(workforce.DateLayout)), nil
}

// Refresh records the training results as a dated input of the CPG
// scorecard's basic-training goal, and of the Security Rule's awareness
// and training standard. The roster is evaluated a slice of people at a
// time, with their completions, so its size does not bound the memory.
func (s *Service) Refresh(ctx context.Context, sc Store) error {
	now := s.now()
	prog, err := sc.TrainingProgram(ctx)
	if err != nil {
		return err
	}
	today := now.UTC().Format(workforce.DateLayout)
	tt := NewTrainingTally(prog)
	if err := sc.EachPeopleSlice(ctx, func(people []*workforce.Person, done []*workforce.Completion) error {
		tt.Add(Evaluate(prog, people, done, today))
		return nil
	}); err != nil {
		return err
	}
	in := tt.Input(now)
	if err := sc.RecordScorecardInput(ctx, &in); err != nil {
		return err
	}
	in.Goal = workforce.TrainingStandard
	return sc.RecordScorecardInput(ctx, &in)
}

// Records is an organisation's records with its training status
// evaluated: what sending security reminders needs (notify.Store).
type Records struct{ *store.Scoped }

// TrainingStatus evaluates the training program over the roster on the
// day of now.
func (r Records) TrainingStatus(ctx context.Context, now time.Time) (*workforce.Program, *workforce.Status, error) {
	return Status(ctx, r.Scoped, now)
}

// Checklist is the termination checklist a leaver gets, naming the ePHI
// systems of systemNames (asset id → name).
func Checklist(systemNames map[string]string) store.Checklist {
	return func(p *workforce.Person) []*workforce.ChecklistItem { return TerminationChecklist(p, systemNames) }
}
