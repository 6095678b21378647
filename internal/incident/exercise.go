package incident

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// An Exercise is a tabletop exercise of the incident response plan:
// planned, then held with its participants, and its findings, each of
// which becomes a plan action in the risk register's plan of action and
// milestones (ActionID) so that it is tracked to its end.
type Exercise struct {
	ID           string    `json:"id"`
	Title        string    `json:"title"`
	Scenario     string    `json:"scenario,omitempty"` // a shipped scenario's id, or "" for the organisation's own
	Situation    string    `json:"situation,omitempty"`
	PlannedOn    string    `json:"planned_on,omitempty"` // YYYY-MM-DD
	HeldOn       string    `json:"held_on,omitempty"`    // YYYY-MM-DD; "" until held
	Facilitator  string    `json:"facilitator,omitempty"`
	Participants []string  `json:"participants"`
	Findings     []Finding `json:"findings"`
	Notes        string    `json:"notes,omitempty"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

// A Finding is what an exercise showed needs doing, and the plan action
// that does it.
type Finding struct {
	Text     string `json:"text"`
	ActionID string `json:"action_id,omitempty"`
}

// Validate checks an exercise on today, naming the first field that is
// wrong: a title and a date; a held one with who took part; findings only
// of an exercise held.
func (e *Exercise) Validate(today string) error {
	e.Title, e.Facilitator, e.Notes, e.Situation = strings.TrimSpace(e.Title), strings.TrimSpace(e.Facilitator), strings.TrimSpace(e.Notes), strings.TrimSpace(e.Situation)
	var people []string
	for _, p := range e.Participants {
		if p = strings.TrimSpace(p); p != "" {
			people = append(people, p)
		}
	}
	e.Participants = people
	if e.Participants == nil {
		e.Participants = []string{}
	}
	var findings []Finding
	for _, f := range e.Findings {
		if f.Text = strings.TrimSpace(f.Text); f.Text != "" {
			findings = append(findings, f)
		}
	}
	e.Findings = findings
	if e.Findings == nil {
		e.Findings = []Finding{}
	}
	switch {
	case e.Title == "":
		return errs.New(errs.Invalid, "title: the exercise's title")
	case len(e.Title) > 300 || len(e.Situation) > 20000 || len(e.Notes) > 20000 || len(e.Facilitator) > 200:
		return errs.New(errs.Invalid, "title: at most 300 characters; situation and notes 20,000; facilitator 200")
	case !utf8.ValidString(e.Title + e.Situation + e.Notes + e.Facilitator + strings.Join(e.Participants, "")):
		return errs.New(errs.Invalid, "the exercise's fields must be text")
	case e.PlannedOn == "" && e.HeldOn == "":
		return errs.New(errs.Invalid, "planned_on: when it is planned for, or held_on: when it was held")
	case validDay("planned_on", e.PlannedOn) != nil:
		return validDay("planned_on", e.PlannedOn)
	case validDay("held_on", e.HeldOn) != nil:
		return validDay("held_on", e.HeldOn)
	case e.HeldOn > today:
		return errs.New(errs.Invalid, "held_on: in the future: plan it instead")
	case e.HeldOn != "" && len(e.Participants) == 0:
		return errs.New(errs.Invalid, "participants: who took part")
	case e.HeldOn == "" && len(e.Findings) > 0:
		return errs.New(errs.Invalid, "findings: an exercise has findings once it was held")
	case len(e.Participants) > 200 || len(e.Findings) > 200:
		return errs.New(errs.Invalid, "participants and findings: at most 200 each")
	}
	if e.Scenario != "" {
		if _, ok := ScenarioByID(e.Scenario); !ok {
			return errs.New(errs.Invalid, fmt.Sprintf("scenario: %q is not one of Safeguard's", e.Scenario))
		}
	}
	return nil
}

// A Scenario is a tabletop exercise's story: the situation, the injects
// that move it on, and the questions for the team.
type Scenario struct {
	ID        string   `json:"id"`
	Threat    string   `json:"threat"`
	Title     string   `json:"title"`
	Source    string   `json:"source"`
	Situation string   `json:"situation"`
	Injects   []string `json:"injects"`
	Questions []string `json:"questions"`
}

//go:embed scenarios.json
var scenariosJSON []byte

// Scenarios are the scenarios Safeguard ships.
var Scenarios = func() []Scenario {
	var out []Scenario
	if err := json.Unmarshal(scenariosJSON, &out); err != nil {
		panic("incident: scenarios.json: " + err.Error())
	}
	return out
}()

// ScenarioByID is one shipped scenario.
func ScenarioByID(id string) (Scenario, bool) {
	for _, s := range Scenarios {
		if s.ID == id {
			return s, true
		}
	}
	return Scenario{}, false
}

// ExerciseMonths is how recent an exercise must be: yearly, Safeguard's
// default.
const ExerciseMonths = 12
