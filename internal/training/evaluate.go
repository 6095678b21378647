package training

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// Matches reports whether rule r assigns its module to p.
func Matches(r *workforce.Rule, p *workforce.Person) bool {
	in := func(list []string, v string) bool {
		if len(list) == 0 {
			return true
		}
		for _, x := range list {
			if strings.EqualFold(strings.TrimSpace(x), strings.TrimSpace(v)) {
				return true
			}
		}
		return false
	}
	if !in(r.Positions, p.Position) || !in(r.Departments, p.Department) {
		return false
	}
	if len(r.Types) > 0 && !slices.Contains(r.Types, p.Type) {
		return false
	}
	return p.Access.Rank() >= max(r.MinAccess.Rank(), 0)
}

// Evaluate assigns the program pr's modules to every person active on
// day today by its rules, and works out each assignment's due date and status from the
// completions. Assignments follow the roster: a joiner gets hers, a mover
// the ones of the new position, a leaver none.
func Evaluate(pr *workforce.Program, people []*workforce.Person, completions []*workforce.Completion, today string) []*workforce.Assignment {
	modules := make(map[string]*workforce.Module, len(pr.Modules))
	for _, m := range pr.Modules {
		modules[m.Code] = m
	}
	type key struct{ person, module string }
	last := make(map[key]string, len(completions))
	for _, c := range completions {
		k := key{c.PersonID, c.Module}
		if c.CompletedOn > last[k] {
			last[k] = c.CompletedOn
		}
	}
	var out []*workforce.Assignment
	seen := make(map[string]bool, len(pr.Modules))
	for _, p := range people {
		if !p.Active(today) {
			continue
		}
		clear(seen)
		for _, r := range pr.Rules {
			m := modules[r.Module]
			if m == nil || seen[m.Code] || !Matches(r, p) {
				continue
			}
			seen[m.Code] = true
			a := &workforce.Assignment{Person: p, PersonID: p.ID, Module: m.Code, LastCompleted: last[key{p.ID, m.Code}]}
			switch {
			case a.LastCompleted == "":
				from := cmp.Or(p.Start, today)
				if created := m.CreatedAt.UTC().Format(workforce.DateLayout); !m.CreatedAt.IsZero() && created > from {
					from = created
				}
				a.Due = workforce.AddDays(from, m.DueDays)
			case m.RecurMonths == 0:
				a.Due, a.Status = a.LastCompleted, workforce.Complete
			default:
				a.Due = workforce.AddMonths(a.LastCompleted, m.RecurMonths)
				if a.Due >= today {
					a.Status = workforce.Current
				}
			}
			if a.Status == "" {
				if a.Due < today {
					a.Status = workforce.Overdue
				} else {
					a.Status = workforce.Due
				}
			}
			out = append(out, a)
		}
	}
	return out
}

// Tallies groups assignments by key (module code, department, position)
// and counts each group, in name order.
func Tallies(as []*workforce.Assignment, key func(*workforce.Assignment) string) []workforce.Tally {
	idx := map[string]int{}
	var out []workforce.Tally
	for _, a := range as {
		k := key(a)
		i, ok := idx[k]
		if !ok {
			i = len(out)
			idx[k] = i
			out = append(out, workforce.Tally{Name: k})
		}
		t := &out[i]
		t.Assigned++
		switch a.Status {
		case workforce.Complete, workforce.Current:
			t.Done++
		case workforce.Due:
			t.Due++
		case workforce.Overdue:
			t.Overdue++
		}
	}
	slices.SortFunc(out, func(a, b workforce.Tally) int { return strings.Compare(a.Name, b.Name) })
	return out
}

// Summarize evaluates the program over the roster on day today.
func Summarize(pr *workforce.Program, people []*workforce.Person, completions []*workforce.Completion, today string) *workforce.Status {
	as := Evaluate(pr, people, completions, today)
	st := &workforce.Status{AsOf: today, People: []*workforce.PersonStatus{}}
	byPerson := map[string]*workforce.PersonStatus{}
	for _, p := range people {
		if !p.Active(today) {
			continue
		}
		ps := &workforce.PersonStatus{Person: p, Assignments: []*workforce.Assignment{}}
		byPerson[p.ID] = ps
		st.People = append(st.People, ps)
	}
	for _, a := range as {
		ps := byPerson[a.PersonID]
		ps.Assignments = append(ps.Assignments, a)
		ps.Assigned++
		if a.Done() {
			ps.Done++
		}
		if a.Status == workforce.Overdue {
			ps.Overdue++
		}
	}
	st.Modules = Tallies(as, func(a *workforce.Assignment) string { return a.Module })
	st.Departments = Tallies(as, func(a *workforce.Assignment) string { return orNone(a.Person.Department) })
	st.Positions = Tallies(as, func(a *workforce.Assignment) string { return orNone(a.Person.Position) })
	all := Tallies(as, func(*workforce.Assignment) string { return "all" })
	if len(all) == 1 {
		st.Overall = all[0]
	}
	st.Overall.Name = "all"
	return st
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// StatusInput turns the training status into a dated scorecard input for the
// basic-training goal (see TrainingTally.Input).
func StatusInput(st *workforce.Status, pr *workforce.Program, at time.Time) assessment.Input {
	tt := NewTrainingTally(pr)
	for _, ps := range st.People {
		tt.Add(ps.Assignments)
	}
	return tt.Input(at)
}

// TrainingTally counts assignments for the basic-training goal's input.
// Assignments are added in parts, so a roster of any size is evaluated a
// slice of people at a time.
type TrainingTally struct {
	serves   map[string]bool // the modules that serve the goal
	t        workforce.Tally
	privLate int
}

// NewTrainingTally starts a tally over the program's modules.
func NewTrainingTally(pr *workforce.Program) *TrainingTally {
	tt := &TrainingTally{serves: map[string]bool{}}
	for _, m := range pr.Modules {
		if slices.Contains(m.Items, workforce.TrainingGoal) {
			tt.serves[m.Code] = true
		}
	}
	return tt
}

// Add counts assignments.
func (tt *TrainingTally) Add(as []*workforce.Assignment) {
	for _, a := range as {
		if !tt.serves[a.Module] {
			if a.Status == workforce.Overdue && a.Person != nil && a.Person.Access == workforce.Administer {
				tt.privLate++
			}
			continue
		}
		tt.t.Assigned++
		if a.Done() {
			tt.t.Done++
		}
		if a.Status == workforce.Overdue {
			tt.t.Overdue++
		}
	}
}

// Input is the tally as a dated input of the basic-training goal: from
// the assignments of the modules that serve it, met when at least 95% are
// on time (done, or not yet due) and no administrator is overdue on
// another module, partly met from 75%, not met below. The thresholds are
// Safeguard's; the CPG sets none.
func (tt *TrainingTally) Input(at time.Time) assessment.Input {
	t, privLate := tt.t, tt.privLate
	onTime := 100.0
	if t.Assigned > 0 {
		onTime = 100 * float64(t.Assigned-t.Overdue) / float64(t.Assigned)
	}
	in := assessment.Input{Goal: workforce.TrainingGoal, Source: "training", Label: "Training records", Date: at,
		Detail: fmt.Sprintf("%.0f%% of the awareness modules' assignments on time: %d done, %d not yet due, %d overdue, of %d", onTime, t.Done, t.Assigned-t.Done-t.Overdue, t.Overdue, t.Assigned)}
	if privLate > 0 {
		in.Detail += fmt.Sprintf("; %d administrator assignment(s) of other modules overdue", privLate)
	}
	switch {
	case t.Assigned == 0:
		in.Status, in.Detail = assessment.Unknown, "no training assigned: install the training program and import the roster"
	case onTime >= 95 && privLate == 0:
		in.Status = assessment.Met
	case onTime >= 75:
		in.Status = assessment.PartlyMet
	default:
		in.Status = assessment.NotMet
	}
	mods := slices.Sorted(maps.Keys(tt.serves))
	in.Ref = "modules: " + strings.Join(mods, ", ")
	return in
}

// TerminationChecklist is the checklist that opens when p leaves: disable
// the person's account on each ePHI system they reach (systemNames by
// asset id), their email and directory account and remote access; collect
// devices, badge and keys; remove building access.
func TerminationChecklist(p *workforce.Person, systemNames map[string]string) []*workforce.ChecklistItem {
	var items []*workforce.ChecklistItem
	add := func(kind, title string) {
		items = append(items, &workforce.ChecklistItem{PersonID: p.ID, Kind: kind, Title: title})
	}
	for _, id := range p.Systems {
		name := systemNames[id]
		if name == "" {
			name = id
		}
		add("account", "Disable "+p.Name+"'s account on "+name)
	}
	add("account", "Disable the email and directory account"+emailNote(p))
	add("account", "Revoke remote access (VPN, remote desktop) and reset shared passwords they knew")
	add("device", "Collect laptops, phones, tokens and removable media issued to them")
	add("device", "Collect the ID badge and keys")
	add("access", "Remove building and room access (badge system, alarm codes)")
	if p.Access.Rank() >= workforce.Administer.Rank() {
		add("access", "Rotate administrator credentials and service-account secrets they held")
	}
	return items
}

func emailNote(p *workforce.Person) string {
	if p.Email == "" {
		return ""
	}
	return " (" + p.Email + ")"
}
