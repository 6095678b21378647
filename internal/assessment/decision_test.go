package assessment_test

import (
	"testing"

	"github.com/safeguard-health/safeguard/internal/assessment"
)

// What 164.306(d)(3) asks of each kind of decision, and what a decision
// recorded without it lacks.
func TestDecisionGap(t *testing.T) {
	for _, c := range []struct {
		d    *assessment.Decision
		want string
	}{
		{nil, "the decision"},
		{&assessment.Decision{Kind: assessment.AsSpecified}, ""},
		{&assessment.Decision{Kind: assessment.Alternative, Measure: "Full-disk encryption"}, "why the specification is not reasonable and appropriate (45 CFR 164.306(d)(3)(ii)(B)(1))"},
		{&assessment.Decision{Kind: assessment.Alternative, Reason: "Beyond the software"}, "the equivalent alternative measure (45 CFR 164.306(d)(3)(ii)(B)(2))"},
		{&assessment.Decision{Kind: assessment.Alternative, Measure: "Full-disk encryption", Reason: "Beyond the software"}, ""},
		{&assessment.Decision{Kind: assessment.NotReasonable, Reason: "The landlord's doors"}, ""}, // (B)(2): an alternative only if reasonable and appropriate
		{&assessment.Decision{Kind: assessment.NotReasonable, Measure: "The landlord's log"}, "why the specification is not reasonable and appropriate (45 CFR 164.306(d)(3)(ii)(B)(1))"},
		{&assessment.Decision{Kind: "maybe"}, "the decision"},
	} {
		if got := c.d.Gap(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.d, got, c.want)
		}
	}
}
