package workforce

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
)

// PersonStatus is one person's training on a day.
type PersonStatus struct {
	Person      *Person       `json:"person"`
	Assignments []*Assignment `json:"assignments"`
	Assigned    int           `json:"assigned"`
	Done        int           `json:"done"`
	Overdue     int           `json:"overdue"`
}

// Status is the training program's standing on a day: each active
// person's assignments, and tallies per module, department and position.
type Status struct {
	AsOf        string          `json:"as_of"`
	People      []*PersonStatus `json:"people"`
	Modules     []Tally         `json:"modules"`
	Departments []Tally         `json:"departments"`
	Positions   []Tally         `json:"positions"`
	Overall     Tally           `json:"overall"`
}

// Summarize evaluates the program over the roster on day today.
func Summarize(pr *Program, people []*Person, completions []*Completion, today string) *Status {
	as := pr.Evaluate(people, completions, today)
	st := &Status{AsOf: today, People: []*PersonStatus{}}
	byPerson := map[string]*PersonStatus{}
	for _, p := range people {
		if !p.Active(today) {
			continue
		}
		ps := &PersonStatus{Person: p, Assignments: []*Assignment{}}
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
		if a.Status == Overdue {
			ps.Overdue++
		}
	}
	st.Modules = Tallies(as, func(a *Assignment) string { return a.Module })
	st.Departments = Tallies(as, func(a *Assignment) string { return orNone(a.Person.Department) })
	st.Positions = Tallies(as, func(a *Assignment) string { return orNone(a.Person.Position) })
	all := Tallies(as, func(*Assignment) string { return "all" })
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

// TrainingGoal is the CPG the training results verify: basic cybersecurity
// training (HPH CPGs, essential goal 4).
const TrainingGoal = "hph-cpg/essential-4"

// TrainingStandard is the Security Rule standard the same results verify:
// security awareness and training, 164.308(a)(5).
const TrainingStandard = "hipaa-sr/164.308(a)(5)"

// Input turns the training status into a dated scorecard input for the
// basic-training goal (see TrainingTally.Input).
func (st *Status) Input(pr *Program, at time.Time) assessment.Input {
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
	t        Tally
	privLate int
}

// NewTrainingTally starts a tally over the program's modules.
func NewTrainingTally(pr *Program) *TrainingTally {
	tt := &TrainingTally{serves: map[string]bool{}}
	for _, m := range pr.Modules {
		if slices.Contains(m.Items, TrainingGoal) {
			tt.serves[m.Code] = true
		}
	}
	return tt
}

// Add counts assignments.
func (tt *TrainingTally) Add(as []*Assignment) {
	for _, a := range as {
		if !tt.serves[a.Module] {
			if a.Status == Overdue && a.Person != nil && a.Person.Access == Administer {
				tt.privLate++
			}
			continue
		}
		tt.t.Assigned++
		if a.Done() {
			tt.t.Done++
		}
		if a.Status == Overdue {
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
	in := assessment.Input{Goal: TrainingGoal, Source: "training", Label: "Training records", Date: at,
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
