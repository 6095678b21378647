package vendor_test

import (
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// Safeguard's questionnaire: every question maps to items the catalog
// holds (a goal at least), and says where its wording comes from.
func TestBuiltinQuestionnaireMapsToTheCatalog(t *testing.T) {
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	q := vendor.Builtin
	if q.Version == "" || !strings.Contains(q.About, "Safeguard's own wording") || !strings.Contains(q.About, "could not be reached") {
		t.Errorf("the questionnaire does not say where it comes from: %q", q.About)
	}
	goals := map[string]bool{}
	for _, x := range q.Questions {
		hasGoal := false
		for _, id := range x.Maps {
			if _, ok := reg.Item(id); !ok {
				t.Errorf("%s maps to %s, which the catalog does not hold", x.ID, id)
			}
			if strings.HasPrefix(id, "hph-cpg/") {
				hasGoal = true
				goals[id] = true
			}
		}
		if !hasGoal {
			t.Errorf("%s maps to no goal", x.ID)
		}
	}
	for _, g := range []string{"hph-cpg/essential-10", "hph-cpg/enhanced-2", "hph-cpg/enhanced-3"} {
		if !goals[g] {
			t.Errorf("no question asks about %s", g)
		}
	}
}

// A whole set of answers scores the share of the weight answered yes of
// the questions that apply; each no is an exception, heaviest first; a
// question unanswered, a not-applicable without why, or an answer to no
// question is refused.
func TestQuestionnaireScore(t *testing.T) {
	q := vendor.Builtin
	answers := map[string]vendor.QuestionAnswer{}
	for _, x := range q.Questions {
		answers[x.ID] = vendor.QuestionAnswer{Value: vendor.AnswerYes}
	}
	s, err := q.Score(answers)
	if err != nil || s.Percent != 100 || len(s.Exceptions) != 0 {
		t.Fatalf("all yes: %+v %v", s, err)
	}
	answers["sbom"] = vendor.QuestionAnswer{Value: vendor.AnswerNo, Comment: "Not yet"}
	answers["mfa-remote"] = vendor.QuestionAnswer{Value: vendor.AnswerNo}
	answers["backups"] = vendor.QuestionAnswer{Value: vendor.AnswerNA, Comment: "We keep none of your data"}
	s, err = q.Score(answers)
	if err != nil {
		t.Fatal(err)
	}
	total := 0
	for _, x := range q.Questions {
		total += x.Weight
	}
	applicable := total - 2 // backups, weight 2
	if want := (applicable - 3 - 1) * 100 / applicable; s.Percent != want || s.No != 2 || s.NA != 1 || len(s.Exceptions) != 2 ||
		s.Exceptions[0].Question.ID != "mfa-remote" || s.Exceptions[1].Comment != "Not yet" {
		t.Errorf("two exceptions: %+v, want %d%%", s, want)
	}
	for _, c := range []struct {
		change func(map[string]vendor.QuestionAnswer)
		want   string
	}{
		{func(a map[string]vendor.QuestionAnswer) { delete(a, "training") }, "(training): not answered"},
		{func(a map[string]vendor.QuestionAnswer) {
			a["training"] = vendor.QuestionAnswer{Value: vendor.AnswerNA}
		}, "say why it does not apply"},
		{func(a map[string]vendor.QuestionAnswer) { a["training"] = vendor.QuestionAnswer{Value: "maybe"} }, `"maybe" is not yes, no or na`},
		{func(a map[string]vendor.QuestionAnswer) { a["telepathy"] = vendor.QuestionAnswer{Value: "yes"} }, `"telepathy" is not a question`},
	} {
		a := map[string]vendor.QuestionAnswer{}
		for k, v := range answers {
			a[k] = v
		}
		c.change(a)
		if _, err := q.Score(a); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v, want %s", err, c.want)
		}
	}
}
