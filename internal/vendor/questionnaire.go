package vendor

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// A Question is one question of a questionnaire: its section, its words,
// its weight (1 to 3) and the catalog items (goals, Security Rule
// provisions, CSF outcomes) it bears on.
type Question struct {
	ID      string   `json:"id"`
	Section string   `json:"section"`
	Text    string   `json:"text"`
	Weight  int      `json:"weight"`
	Maps    []string `json:"maps"`
}

// A Questionnaire is a versioned list of questions sent to vendors.
type Questionnaire struct {
	ID        string     `json:"id"`
	Version   string     `json:"version"`
	Title     string     `json:"title"`
	About     string     `json:"about"`
	Answers   string     `json:"answers"`
	Questions []Question `json:"questions"`
}

//go:embed questionnaire.json
var questionnaireJSON []byte

// Builtin is Safeguard's own questionnaire.
var Builtin = func() *Questionnaire {
	var q Questionnaire
	if err := json.Unmarshal(questionnaireJSON, &q); err != nil {
		panic("vendor: questionnaire.json: " + err.Error())
	}
	if err := q.Validate(); err != nil {
		panic("vendor: questionnaire.json: " + err.Error())
	}
	return &q
}()

// Validate checks a questionnaire: an id, a version, a title, and
// questions each with a unique id, words and a weight of 1 to 3.
func (q *Questionnaire) Validate() error {
	switch {
	case strings.TrimSpace(q.ID) == "" || strings.TrimSpace(q.Version) == "" || strings.TrimSpace(q.Title) == "":
		return errs.New(errs.Invalid, "a questionnaire needs an id, a version and a title")
	case len(q.Questions) == 0:
		return errs.New(errs.Invalid, "a questionnaire needs questions")
	}
	seen := map[string]bool{}
	for i, x := range q.Questions {
		where := fmt.Sprintf("question %d", i+1)
		switch {
		case x.ID == "" || seen[x.ID]:
			return errs.New(errs.Invalid, where+": a missing or repeated id "+fmt.Sprintf("%q", x.ID))
		case strings.TrimSpace(x.Text) == "":
			return errs.New(errs.Invalid, where+" ("+x.ID+"): no text")
		case x.Weight < 1 || x.Weight > 3:
			return errs.New(errs.Invalid, fmt.Sprintf("%s (%s): weight %d is not 1, 2 or 3", where, x.ID, x.Weight))
		}
		seen[x.ID] = true
	}
	return nil
}

// The answers a vendor gives a question.
const (
	AnswerYes = "yes"
	AnswerNo  = "no"
	AnswerNA  = "na" // not applicable, with why
)

// A QuestionAnswer is a vendor's answer to one question.
type QuestionAnswer struct {
	Value      string `json:"value"` // yes, no, na
	Comment    string `json:"comment,omitempty"`
	EvidenceID string `json:"evidence_id,omitempty"`
}

// An Exception is a question a vendor answered no to.
type Exception struct {
	Question Question `json:"question"`
	Comment  string   `json:"comment,omitempty"`
}

// A Score is what a vendor's answers come to: the share of the weight of
// the questions that apply answered yes, and the exceptions, heaviest
// first.
type Score struct {
	Percent    int         `json:"percent"`
	Yes        int         `json:"yes"`
	No         int         `json:"no"`
	NA         int         `json:"not_applicable"`
	Exceptions []Exception `json:"exceptions"`
}

// Score checks a whole set of answers (every question answered yes, no or
// na; na with why) and scores it. Errors: Invalid naming the first
// question wrongly answered.
func (q *Questionnaire) Score(answers map[string]QuestionAnswer) (*Score, error) {
	s := &Score{Exceptions: []Exception{}}
	got, applicable := 0, 0
	for i, x := range q.Questions {
		a, ok := answers[x.ID]
		where := fmt.Sprintf("question %d (%s)", i+1, x.ID)
		if !ok || a.Value == "" {
			return nil, errs.New(errs.Invalid, where+": not answered")
		}
		if len(a.Comment) > 4000 {
			return nil, errs.New(errs.Invalid, where+": the comment is longer than 4000 characters")
		}
		switch a.Value {
		case AnswerYes:
			s.Yes++
			got += x.Weight
			applicable += x.Weight
		case AnswerNo:
			s.No++
			applicable += x.Weight
			s.Exceptions = append(s.Exceptions, Exception{Question: x, Comment: strings.TrimSpace(a.Comment)})
		case AnswerNA:
			if strings.TrimSpace(a.Comment) == "" {
				return nil, errs.New(errs.Invalid, where+": say why it does not apply")
			}
			s.NA++
		default:
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: %q is not yes, no or na", where, a.Value))
		}
	}
	for id := range answers {
		if !slices.ContainsFunc(q.Questions, func(x Question) bool { return x.ID == id }) {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%q is not a question of %s %s", id, q.Title, q.Version))
		}
	}
	if applicable > 0 {
		s.Percent = got * 100 / applicable
	} else {
		s.Percent = 100
	}
	// The heaviest exceptions first, in the questionnaire's order within a weight.
	slices.SortStableFunc(s.Exceptions, func(a, b Exception) int { return b.Question.Weight - a.Question.Weight })
	return s, nil
}
