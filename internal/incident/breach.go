package incident

import (
	"fmt"
	"slices"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// The Breach Notification Rule's text (45 CFR Part 164, Subpart D) is not
// among the primary sources shipped with Safeguard (its eCFR export
// covers Subpart C, the Security Rule). The sentences quoted beside each
// rule below are the eCFR's, as reproduced in public copies of the
// regulation and checked against one another; SourceURL is where the
// official text is read.
const SourceURL = "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-D"

// Who is told of a breach.
const (
	ToIndividuals     = "individuals"
	ToMedia           = "media"
	ToSecretary       = "hhs"     // within the individuals' deadline (500 or more)
	ToSecretaryLog    = "hhs-log" // the yearly notice of the log (under 500)
	ToCoveredEntity   = "covered-entity"
	RoleCoveredEntity = "covered-entity"
	RoleBusinessAssoc = "business-associate"
)

// Audiences lists who may be told, in the order the rule names them.
var Audiences = []string{ToIndividuals, ToMedia, ToSecretary, ToSecretaryLog, ToCoveredEntity}

// A Rule is one of the rule's notices: who is told, its citation, the
// sentence that sets its time, and a line saying when it applies.
type Rule struct {
	To    string `json:"to"`
	Cite  string `json:"cite"`
	Quote string `json:"quote"`
	When  string `json:"when"`
}

// The rules of timing, each with the text it is read from.
var (
	// 45 CFR 164.404(b): the notice to each individual.
	RuleIndividuals = Rule{To: ToIndividuals, Cite: "45 CFR 164.404(b)",
		Quote: "Except as provided in § 164.412, a covered entity shall provide the notification required by paragraph (a) of this section without unreasonable delay and in no case later than 60 calendar days after discovery of a breach.",
		When:  "every breach of unsecured PHI a covered entity discovers"}
	// 45 CFR 164.406(a), (b): the media, over 500 residents of one State.
	RuleMedia = Rule{To: ToMedia, Cite: "45 CFR 164.406(a), (b)",
		Quote: "For a breach of unsecured protected health information involving more than 500 residents of a State or jurisdiction, a covered entity shall, following the discovery of the breach as provided in § 164.404(a)(2), notify prominent media outlets serving the State or jurisdiction. … Except as provided in § 164.412, a covered entity shall provide the notification required by paragraph (a) of this section without unreasonable delay and in no case later than 60 calendar days after discovery of a breach.",
		When:  "more than 500 residents of one State or jurisdiction"}
	// 45 CFR 164.408(b): the Secretary, 500 or more individuals.
	RuleSecretary = Rule{To: ToSecretary, Cite: "45 CFR 164.408(b)",
		Quote: "For breaches of unsecured protected health information involving 500 or more individuals, a covered entity shall, except as provided in § 164.412, provide the notification required by paragraph (a) of this section contemporaneously with the notice required by § 164.404(a) and in the manner specified on the HHS Web site.",
		When:  "500 or more individuals"}
	// 45 CFR 164.408(c): the Secretary, the yearly log of breaches under 500.
	RuleSecretaryLog = Rule{To: ToSecretaryLog, Cite: "45 CFR 164.408(c)",
		Quote: "For breaches of unsecured protected health information involving less than 500 individuals, a covered entity shall maintain a log or other documentation of such breaches and, not later than 60 days after the end of each calendar year, provide the notification required by paragraph (a) of this section for breaches discovered during the preceding calendar year, in the manner specified on the HHS web site.",
		When:  "less than 500 individuals"}
	// 45 CFR 164.410(b): a business associate's notice to the covered entity.
	RuleCoveredEntity = Rule{To: ToCoveredEntity, Cite: "45 CFR 164.410(b)",
		Quote: "Except as provided in § 164.412, a business associate shall provide the notification required by paragraph (a) of this section without unreasonable delay and in no case later than 60 calendar days after discovery of a breach.",
		When:  "every breach a business associate discovers"}
	// 45 CFR 164.412: a law enforcement delay.
	RuleDelay = Rule{Cite: "45 CFR 164.412",
		Quote: "If a law enforcement official states to a covered entity or business associate that a notification, notice, or posting required under this subpart would impede a criminal investigation or cause damage to national security, a covered entity or business associate shall: (a) If the statement is in writing and specifies the time for which a delay is required, delay such notification, notice, or posting for the time period specified by the official; or (b) If the statement is made orally, document the statement, including the identity of the official making the statement, and delay the notification, notice, or posting temporarily and no longer than 30 days from the date of the oral statement, unless a written statement as described in paragraph (a) of this section is submitted during that time."}
	// 45 CFR 164.404(a)(2): when a breach counts as discovered.
	RuleDiscovery = Rule{Cite: "45 CFR 164.404(a)(2)",
		Quote: "a breach shall be treated as discovered by a covered entity as of the first day on which such breach is known to the covered entity, or, by exercising reasonable diligence would have been known to the covered entity."}
)

// The rule's numbers, each where the rule states it.
const (
	NoticeDays       = 60  // 164.404(b), 164.406(b), 164.410(b): "no case later than 60 calendar days after discovery"
	LogDays          = 60  // 164.408(c): "not later than 60 days after the end of each calendar year"
	SecretaryAtLeast = 500 // 164.408(b): "500 or more individuals"; (c): "less than 500"
	MediaOver        = 500 // 164.406(a): "more than 500 residents of a State or jurisdiction"
	OralDelayDays    = 30  // 164.412(b): "no longer than 30 days from the date of the oral statement"
)

// A Delay is a law enforcement official's statement that notice would
// impede a criminal investigation or damage national security (164.412).
type Delay struct {
	Written  bool   `json:"written"`
	StatedOn string `json:"stated_on"`       // YYYY-MM-DD
	Until    string `json:"until,omitempty"` // the end the written statement specifies
	Official string `json:"official"`        // who made it, as 164.412(b) asks to document
}

// End is the day the delay ends: a written statement's specified end; an
// oral statement's 30 days from the day it was made (164.412(b)), or the
// written statement's end when one followed.
func (d *Delay) End() string {
	if d.Written {
		return d.Until
	}
	return addDays(d.StatedOn, OralDelayDays)
}

// A Notice is one notification made: to whom, on what day, and how.
type Notice struct {
	To     string `json:"to"`
	SentOn string `json:"sent_on"` // YYYY-MM-DD
	How    string `json:"how,omitempty"`
}

// A Breach is a breach of unsecured PHI determined by the assessment:
// the facts its deadlines turn on and the notices made.
type Breach struct {
	// DiscoveredOn is the first day the breach was known, or by reasonable
	// diligence would have been (164.404(a)(2)).
	DiscoveredOn string `json:"discovered_on"`
	Role         string `json:"role"` // covered-entity or business-associate
	Individuals  int64  `json:"individuals"`
	// MostInOneState is the largest number of the individuals resident in
	// one State or jurisdiction (164.406(a)).
	MostInOneState int64    `json:"most_in_one_state"`
	Delay          *Delay   `json:"delay,omitempty"`
	Notices        []Notice `json:"notices"`
}

// A Deadline is one notice the breach calls for: its rule, the day it is
// due, and whether and when it was made.
type Deadline struct {
	Rule
	Due    string `json:"due"` // YYYY-MM-DD, the last day
	SentOn string `json:"sent_on,omitempty"`
	Status string `json:"status"` // sent, sent-late, due, overdue
	Why    string `json:"why"`
}

// The standings of a deadline.
const (
	Sent     = "sent"
	SentLate = "sent-late"
	Due      = "due"
	Overdue  = "overdue"
)

// Validate checks a breach's facts against each other, naming the field.
func (b *Breach) Validate(today string) error {
	switch {
	case b.DiscoveredOn == "":
		return errs.New(errs.Invalid, "discovered_on: the day the breach was first known, or would have been by reasonable diligence (45 CFR 164.404(a)(2))")
	case validDay("discovered_on", b.DiscoveredOn) != nil:
		return validDay("discovered_on", b.DiscoveredOn)
	case b.DiscoveredOn > today:
		return errs.New(errs.Invalid, "discovered_on: in the future")
	case b.Role != RoleCoveredEntity && b.Role != RoleBusinessAssoc:
		return errs.New(errs.Invalid, fmt.Sprintf("role: %q is not covered-entity or business-associate", b.Role))
	case b.Individuals < 0 || b.MostInOneState < 0:
		return errs.New(errs.Invalid, "individuals: a count, not negative")
	case b.MostInOneState > b.Individuals:
		return errs.New(errs.Invalid, "most_in_one_state: more residents of one State than individuals in all")
	}
	if d := b.Delay; d != nil {
		switch {
		case validDay("delay.stated_on", d.StatedOn) != nil || d.StatedOn == "":
			return errs.New(errs.Invalid, "delay.stated_on: the day the official made the statement (45 CFR 164.412)")
		case d.Official == "":
			return errs.New(errs.Invalid, "delay.official: who made the statement (45 CFR 164.412(b) asks for the official's identity)")
		case d.Written && (d.Until == "" || validDay("delay.until", d.Until) != nil):
			return errs.New(errs.Invalid, "delay.until: the end a written statement specifies (45 CFR 164.412(a))")
		case d.Written && d.Until < d.StatedOn:
			return errs.New(errs.Invalid, "delay.until: before the statement")
		}
	}
	for i, n := range b.Notices {
		switch {
		case !slices.Contains(Audiences, n.To):
			return errs.New(errs.Invalid, fmt.Sprintf("notices[%d].to: %q is not one of %v", i, n.To, Audiences))
		case validDay(fmt.Sprintf("notices[%d].sent_on", i), n.SentOn) != nil || n.SentOn == "":
			return errs.New(errs.Invalid, fmt.Sprintf("notices[%d].sent_on: a date (YYYY-MM-DD)", i))
		case n.SentOn > today:
			return errs.New(errs.Invalid, fmt.Sprintf("notices[%d].sent_on: in the future", i))
		}
	}
	return nil
}

// Deadlines are the notices the breach calls for, in the order the rule
// names them, each judged on today (YYYY-MM-DD). A law enforcement delay
// moves each deadline it covers by its length (164.412): Safeguard's
// reading of "delay such notification … for the time period specified".
func (b *Breach) Deadlines(today string) []Deadline {
	var rules []Rule
	if b.Role == RoleBusinessAssoc {
		rules = []Rule{RuleCoveredEntity}
	} else {
		rules = []Rule{RuleIndividuals}
		if b.MostInOneState > MediaOver {
			rules = append(rules, RuleMedia)
		}
		if b.Individuals >= SecretaryAtLeast {
			rules = append(rules, RuleSecretary)
		} else {
			rules = append(rules, RuleSecretaryLog)
		}
	}
	var out []Deadline
	for _, r := range rules {
		d := Deadline{Rule: r}
		switch r.To {
		case ToSecretaryLog:
			// 60 days after the end of the calendar year of discovery.
			year, _ := time.Parse(time.DateOnly, b.DiscoveredOn)
			d.Due = time.Date(year.Year(), 12, 31, 0, 0, 0, 0, time.UTC).AddDate(0, 0, LogDays).Format(time.DateOnly)
			d.Why = fmt.Sprintf("in the log of %d's breaches under 500, reported to HHS within 60 days of the year's end", year.Year())
		default:
			// 60 calendar days after discovery; the Secretary's notice for 500
			// or more is contemporaneous with the individuals', so it shares
			// their last day.
			d.Due = addDays(b.DiscoveredOn, NoticeDays)
			d.Why = fmt.Sprintf("60 calendar days after discovery on %s", b.DiscoveredOn)
			if b.Delay != nil {
				if end := b.Delay.End(); end > b.DiscoveredOn {
					shift := days(b.Delay.StatedOn, end)
					d.Due = addDays(d.Due, shift)
					d.Why += fmt.Sprintf(", delayed %d days at law enforcement's request (45 CFR 164.412)", shift)
				}
			}
			if r.To == ToSecretary {
				d.Why += "; with the notice to individuals"
			}
		}
		for _, n := range b.Notices {
			if n.To == r.To && (d.SentOn == "" || n.SentOn < d.SentOn) {
				d.SentOn = n.SentOn
			}
		}
		switch {
		case d.SentOn != "" && d.SentOn <= d.Due:
			d.Status = Sent
		case d.SentOn != "":
			d.Status = SentLate
		case today > d.Due:
			d.Status = Overdue
		default:
			d.Status = Due
		}
		out = append(out, d)
	}
	return out
}

// LogYear is the calendar year whose log to HHS the breach belongs in
// (164.408(c)), or 0 when it is reported on its own (500 or more) or by a
// business associate to its covered entity.
func (b *Breach) LogYear() int {
	if b.Role != RoleCoveredEntity || b.Individuals >= SecretaryAtLeast {
		return 0
	}
	t, err := time.Parse(time.DateOnly, b.DiscoveredOn)
	if err != nil {
		return 0
	}
	return t.Year()
}

func addDays(day string, n int) string {
	t, err := time.Parse(time.DateOnly, day)
	if err != nil {
		return ""
	}
	return t.AddDate(0, 0, n).Format(time.DateOnly)
}

// days is the number of calendar days from a to b.
func days(a, b string) int {
	ta, err1 := time.Parse(time.DateOnly, a)
	tb, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}

func validDay(field, day string) error {
	if day == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, day); err != nil {
		return errs.New(errs.Invalid, fmt.Sprintf("%s: %q is not a date (YYYY-MM-DD)", field, day))
	}
	return nil
}
