// Package incident is the register of security incidents (45 CFR
// 164.308(a)(6)): each incident's timeline from detection to recovery,
// what it touched, and the breach assessment of 164.402 — the exclusions,
// or the four factors with the conclusion and who reached it. A breach of
// unsecured PHI starts the clock of the Breach Notification Rule
// (164.404–410): the last day for each notice, what was sent and when,
// and the yearly log of breaches under 500 (breach.go).
package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// An Incident is one security incident: "the attempted or successful
// unauthorized access, use, disclosure, modification, or destruction of
// information or interference with system operations in an information
// system" (45 CFR 164.304).
type Incident struct {
	ID       string `json:"id"`
	Ref      string `json:"ref"` // INC-001, in order of entry
	Title    string `json:"title"`
	Summary  string `json:"summary,omitempty"`
	ThreatID string `json:"threat,omitempty"` // a threat of the risk catalog
	// The timeline (UTC): detected, then contained, eradicated and
	// recovered as each is reached.
	DetectedAt   time.Time   `json:"detected_at"`
	ContainedAt  *time.Time  `json:"contained_at,omitempty"`
	EradicatedAt *time.Time  `json:"eradicated_at,omitempty"`
	RecoveredAt  *time.Time  `json:"recovered_at,omitempty"`
	Assets       []string    `json:"assets"`  // inventory assets it touched
	Records      int64       `json:"records"` // individuals' records it touched
	PHI          bool        `json:"phi"`     // whether PHI was involved
	Evidence     []string    `json:"evidence"`
	Owner        string      `json:"owner,omitempty"`
	Notes        string      `json:"notes,omitempty"`
	Assessment   *Assessment `json:"assessment,omitempty"`
	Breach       *Breach     `json:"breach,omitempty"`
	ClosedOn     string      `json:"closed_on,omitempty"`
	CreatedAt    time.Time   `json:"created_at"`
	UpdatedAt    time.Time   `json:"updated_at"`
}

// Validate checks an incident's fields against now, naming the first
// that is wrong: a title, a timeline in order and not in the future, a
// closed incident recovered and assessed (when PHI was involved).
func (i *Incident) Validate(now time.Time) error {
	i.Title, i.Summary, i.Owner, i.Notes = strings.TrimSpace(i.Title), strings.TrimSpace(i.Summary), strings.TrimSpace(i.Owner), strings.TrimSpace(i.Notes)
	switch {
	case i.Title == "":
		return errs.New(errs.Invalid, "title: what happened, in a line")
	case len(i.Title) > 300 || len(i.Summary) > 10000 || len(i.Notes) > 10000 || len(i.Owner) > 200:
		return errs.New(errs.Invalid, "title: at most 300 characters; summary and notes 10,000; owner 200")
	case !utf8.ValidString(i.Title + i.Summary + i.Notes + i.Owner):
		return errs.New(errs.Invalid, "title, summary, owner and notes must be text")
	case i.DetectedAt.IsZero():
		return errs.New(errs.Invalid, "detected_at: when the incident was detected")
	case i.DetectedAt.After(now):
		return errs.New(errs.Invalid, "detected_at: in the future")
	case i.Records < 0:
		return errs.New(errs.Invalid, "records: a count, not negative")
	}
	prev, prevName := i.DetectedAt, "detected"
	for _, p := range []struct {
		name string
		at   *time.Time
	}{{"contained", i.ContainedAt}, {"eradicated", i.EradicatedAt}, {"recovered", i.RecoveredAt}} {
		if p.at == nil {
			continue
		}
		switch {
		case p.at.Before(prev):
			return errs.New(errs.Invalid, fmt.Sprintf("%s_at: before it was %s", p.name, prevName))
		case p.at.After(now):
			return errs.New(errs.Invalid, p.name+"_at: in the future")
		}
		prev, prevName = *p.at, p.name
	}
	if i.ClosedOn != "" {
		if err := validDay("closed_on", i.ClosedOn); err != nil {
			return err
		}
		switch {
		case i.ClosedOn > now.UTC().Format(time.DateOnly):
			return errs.New(errs.Invalid, "closed_on: in the future")
		case i.RecoveredAt == nil:
			return errs.New(errs.Invalid, "closed_on: an incident is closed once recovered: record when it was")
		case i.PHI && i.Assessment == nil:
			return errs.New(errs.Invalid, "closed_on: PHI was involved: record the breach assessment (45 CFR 164.402) before closing")
		}
	}
	if i.Assessment != nil {
		if err := i.Assessment.Validate(now.UTC().Format(time.DateOnly)); err != nil {
			return err
		}
		if i.Assessment.Conclusion == IsBreach && i.Breach == nil {
			return errs.New(errs.Invalid, "breach: the assessment concludes a breach: record when it was discovered and whom it touched")
		}
	}
	if i.Breach != nil {
		if i.Assessment == nil || i.Assessment.Conclusion != IsBreach {
			return errs.New(errs.Invalid, "breach: only an assessment that concludes a breach starts the clock")
		}
		if err := i.Breach.Validate(now.UTC().Format(time.DateOnly)); err != nil {
			return err
		}
	}
	return nil
}

// Phase is where the incident stands on its timeline.
func (i *Incident) Phase() string {
	switch {
	case i.ClosedOn != "":
		return "closed"
	case i.RecoveredAt != nil:
		return "recovered"
	case i.EradicatedAt != nil:
		return "eradicated"
	case i.ContainedAt != nil:
		return "contained"
	}
	return "detected"
}

// The conclusions of a breach assessment.
const (
	NotPHI         = "not-phi"         // no PHI involved: not a breach
	Secured        = "secured"         // the PHI was secured (encrypted or destroyed as HHS's guidance specifies): the rule's notices do not apply
	Excluded       = "excluded"        // one of the three exclusions of 164.402(1)
	LowProbability = "low-probability" // the four factors show a low probability of compromise (164.402(2))
	IsBreach       = "breach"          // presumed or shown: a breach of unsecured PHI
)

// Conclusions lists them.
var Conclusions = []string{NotPHI, Secured, Excluded, LowProbability, IsBreach}

// The exclusions of 164.402(1), each with its text.
var Exclusions = map[string]string{
	"(i)":   "Any unintentional acquisition, access, or use of protected health information by a workforce member or person acting under the authority of a covered entity or a business associate, if such acquisition, access, or use was made in good faith and within the scope of authority and does not result in further use or disclosure in a manner not permitted under subpart E of this part.",
	"(ii)":  "Any inadvertent disclosure by a person who is authorized to access protected health information at a covered entity or business associate to another person authorized to access protected health information at the same covered entity or business associate, or organized health care arrangement in which the covered entity participates, and the information received as a result of such disclosure is not further used or disclosed in a manner not permitted under subpart E of this part.",
	"(iii)": "A disclosure of protected health information where a covered entity or business associate has a good faith belief that an unauthorized person to whom the disclosure was made would not reasonably have been able to retain such information.",
}

// The four factors of 164.402(2), in order.
var Factors = []string{
	"The nature and extent of the protected health information involved, including the types of identifiers and the likelihood of re-identification",
	"The unauthorized person who used the protected health information or to whom the disclosure was made",
	"Whether the protected health information was actually acquired or viewed",
	"The extent to which the risk to the protected health information has been mitigated",
}

// An Assessment is the breach assessment of an incident (45 CFR 164.402):
// what it concluded and why, by whom and when. An impermissible use or
// disclosure "is presumed to be a breach unless the covered entity or
// business associate, as applicable, demonstrates that there is a low
// probability that the protected health information has been compromised
// based on a risk assessment of at least the following factors" — so a
// conclusion of low probability needs all four factors written out.
type Assessment struct {
	Conclusion string    `json:"conclusion"`
	Exclusion  string    `json:"exclusion,omitempty"` // (i), (ii) or (iii), for excluded
	Factors    [4]string `json:"factors"`             // the finding on each factor of 164.402(2)
	Reasoning  string    `json:"reasoning"`
	By         string    `json:"by"`
	On         string    `json:"on"` // YYYY-MM-DD
}

// Validate checks an assessment against today, naming the field.
func (a *Assessment) Validate(today string) error {
	a.Reasoning, a.By = strings.TrimSpace(a.Reasoning), strings.TrimSpace(a.By)
	for k := range a.Factors {
		a.Factors[k] = strings.TrimSpace(a.Factors[k])
	}
	switch {
	case !slices.Contains(Conclusions, a.Conclusion):
		return errs.New(errs.Invalid, fmt.Sprintf("assessment.conclusion: %q is not one of %s", a.Conclusion, strings.Join(Conclusions, ", ")))
	case a.By == "":
		return errs.New(errs.Invalid, "assessment.by: who made the assessment")
	case a.On == "" || validDay("assessment.on", a.On) != nil:
		return errs.New(errs.Invalid, "assessment.on: the day of the assessment (YYYY-MM-DD)")
	case a.On > today:
		return errs.New(errs.Invalid, "assessment.on: in the future")
	case a.Reasoning == "":
		return errs.New(errs.Invalid, "assessment.reasoning: why the assessment concludes as it does")
	case len(a.Reasoning) > 10000 || len(a.By) > 200:
		return errs.New(errs.Invalid, "assessment.reasoning: at most 10,000 characters; by, 200")
	}
	switch a.Conclusion {
	case Excluded:
		if _, ok := Exclusions[a.Exclusion]; !ok {
			return errs.New(errs.Invalid, "assessment.exclusion: which exclusion of 45 CFR 164.402(1) applies: (i), (ii) or (iii)")
		}
	case LowProbability:
		for k, f := range a.Factors {
			if f == "" {
				return errs.New(errs.Invalid, fmt.Sprintf("assessment.factors[%d]: a low probability of compromise must rest on each factor of 45 CFR 164.402(2); this one is blank: %s", k+1, Factors[k]))
			}
		}
	}
	return nil
}

// Label names a conclusion in words.
func Label(conclusion string) string {
	switch conclusion {
	case NotPHI:
		return "not a breach: no PHI involved"
	case Secured:
		return "not a breach of unsecured PHI: the PHI was secured"
	case Excluded:
		return "not a breach: excluded by 45 CFR 164.402(1)"
	case LowProbability:
		return "not a breach: a low probability that the PHI was compromised (45 CFR 164.402(2))"
	case IsBreach:
		return "a breach of unsecured PHI"
	}
	return conclusion
}

// Ref is an incident's reference in its organisation: INC-001, in order
// of entry.
func Ref(n int) string { return fmt.Sprintf("INC-%03d", n) }
