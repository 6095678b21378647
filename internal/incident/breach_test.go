package incident_test

import (
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
)

// Each number the clock uses stands in the sentence of the rule it cites,
// so neither can change without the other.
func TestTheNumbersStandInTheRulesText(t *testing.T) {
	for _, c := range []struct {
		rule incident.Rule
		want []string
	}{
		{incident.RuleIndividuals, []string{"45 CFR 164.404(b)", "no case later than 60 calendar days after discovery of a breach", "Except as provided in § 164.412"}},
		{incident.RuleMedia, []string{"45 CFR 164.406", "more than 500 residents of a State or jurisdiction", "60 calendar days after discovery"}},
		{incident.RuleSecretary, []string{"45 CFR 164.408(b)", "500 or more individuals", "contemporaneously with the notice required by § 164.404(a)"}},
		{incident.RuleSecretaryLog, []string{"45 CFR 164.408(c)", "less than 500 individuals", "not later than 60 days after the end of each calendar year", "maintain a log"}},
		{incident.RuleCoveredEntity, []string{"45 CFR 164.410(b)", "a business associate shall", "60 calendar days after discovery"}},
		{incident.RuleDelay, []string{"45 CFR 164.412", "no longer than 30 days from the date of the oral statement", "for the time period specified by the official"}},
		{incident.RuleDiscovery, []string{"45 CFR 164.404(a)(2)", "first day on which such breach is known", "reasonable diligence"}},
	} {
		text := c.rule.Cite + " " + c.rule.Quote
		for _, w := range c.want {
			if !strings.Contains(text, w) {
				t.Errorf("%s does not say %q", c.rule.Cite, w)
			}
		}
	}
	if incident.NoticeDays != 60 || incident.LogDays != 60 || incident.SecretaryAtLeast != 500 || incident.MediaOver != 500 || incident.OralDelayDays != 30 {
		t.Error("a number of the rule changed without its text")
	}
}

func dueOf(b *incident.Breach, today, to string) incident.Deadline {
	for _, d := range b.Deadlines(today) {
		if d.To == to {
			return d
		}
	}
	return incident.Deadline{}
}

func audiences(b *incident.Breach) string {
	var out []string
	for _, d := range b.Deadlines("2026-01-01") {
		out = append(out, d.To)
	}
	return strings.Join(out, ",")
}

// The clock's dates against the rule: 60 calendar days from discovery
// (164.404(b), 164.406(b), 164.410(b)), the Secretary's notice with the
// individuals' from 500 (164.408(b)) or in the yearly log below it, due 60
// days after the year's end (164.408(c)), the media over 500 residents of
// one State (164.406(a)), a business associate's notice to its covered
// entity only (164.410), and law enforcement's delay (164.412).
func TestBreachClock(t *testing.T) {
	b := &incident.Breach{DiscoveredOn: "2026-03-02", Role: incident.RoleCoveredEntity, Individuals: 120, MostInOneState: 120}
	if err := b.Validate("2026-03-05"); err != nil {
		t.Fatal(err)
	}
	// March has 31 days: day 60 after 2 March is 1 May.
	if d := dueOf(b, "2026-03-05", incident.ToIndividuals); d.Due != "2026-05-01" || d.Status != incident.Due || d.Cite != "45 CFR 164.404(b)" {
		t.Errorf("individuals: %+v", d)
	}
	if got := audiences(b); got != "individuals,hhs-log" {
		t.Errorf("120 individuals are told: %s", got)
	}
	if d := dueOf(b, "2026-03-05", incident.ToSecretaryLog); d.Due != "2027-03-01" || b.LogYear() != 2026 {
		t.Errorf("the yearly log: %+v, year %d", d, b.LogYear())
	}
	// Discovered in 2027, the log is due 60 days after 31 December 2027:
	// 29 February 2028, a leap year.
	if d := dueOf(&incident.Breach{DiscoveredOn: "2027-01-05", Role: incident.RoleCoveredEntity, Individuals: 3}, "2027-01-06", incident.ToSecretaryLog); d.Due != "2028-02-29" {
		t.Errorf("the 2027 log: %+v", d)
	}
	// The thresholds: 499 and 500 individuals; 500 and 501 in one State.
	for _, c := range []struct {
		individuals, inOneState int64
		want                    string
	}{
		{499, 499, "individuals,hhs-log"},
		{500, 500, "individuals,hhs"},
		{900, 500, "individuals,hhs"},
		{900, 501, "individuals,media,hhs"},
	} {
		b := &incident.Breach{DiscoveredOn: "2026-03-02", Role: incident.RoleCoveredEntity, Individuals: c.individuals, MostInOneState: c.inOneState}
		if got := audiences(b); got != c.want {
			t.Errorf("%d individuals, %d in one State: told %s, want %s", c.individuals, c.inOneState, got, c.want)
		}
		if c.individuals >= 500 {
			if d := dueOf(b, "2026-03-05", incident.ToSecretary); d.Due != "2026-05-01" || !strings.Contains(d.Why, "with the notice to individuals") {
				t.Errorf("the Secretary's notice: %+v", d)
			}
			if b.LogYear() != 0 {
				t.Errorf("%d individuals in the yearly log", c.individuals)
			}
		}
	}
	// A business associate tells its covered entity, not the individuals.
	ba := &incident.Breach{DiscoveredOn: "2026-03-02", Role: incident.RoleBusinessAssoc, Individuals: 2000, MostInOneState: 2000}
	if got := audiences(ba); got != "covered-entity" {
		t.Errorf("a business associate tells %s", got)
	}
	if d := dueOf(ba, "2026-03-05", incident.ToCoveredEntity); d.Due != "2026-05-01" || d.Cite != "45 CFR 164.410(b)" || ba.LogYear() != 0 {
		t.Errorf("the business associate's notice: %+v", d)
	}
	// Sent on the last day, a day late, not yet.
	b.Notices = []incident.Notice{{To: incident.ToIndividuals, SentOn: "2026-05-01", How: "first-class mail"}}
	if d := dueOf(b, "2026-06-01", incident.ToIndividuals); d.Status != incident.Sent || d.SentOn != "2026-05-01" {
		t.Errorf("sent on the last day: %+v", d)
	}
	b.Notices[0].SentOn = "2026-05-02"
	if d := dueOf(b, "2026-06-01", incident.ToIndividuals); d.Status != incident.SentLate {
		t.Errorf("sent a day late: %+v", d)
	}
	b.Notices = nil
	if d := dueOf(b, "2026-05-02", incident.ToIndividuals); d.Status != incident.Overdue {
		t.Errorf("not sent the day after: %+v", d)
	}
	if d := dueOf(b, "2026-05-01", incident.ToIndividuals); d.Status != incident.Due {
		t.Errorf("not sent on the last day: %+v", d)
	}
	// Law enforcement: an oral statement delays up to 30 days from the day
	// it was made; a written one for the time it specifies.
	b.Delay = &incident.Delay{StatedOn: "2026-03-10", Official: "Det. R. Alvarez, county police"}
	if err := b.Validate("2026-03-11"); err != nil {
		t.Fatal(err)
	}
	if d := dueOf(b, "2026-03-11", incident.ToIndividuals); d.Due != "2026-05-31" || !strings.Contains(d.Why, "164.412") {
		t.Errorf("an oral delay: %+v", d)
	}
	b.Delay = &incident.Delay{Written: true, StatedOn: "2026-03-10", Until: "2026-04-30", Official: "FBI field office"}
	if d := dueOf(b, "2026-03-11", incident.ToIndividuals); d.Due != "2026-06-21" {
		t.Errorf("a written delay of 51 days: %+v", d)
	}
	if d := dueOf(b, "2026-03-11", incident.ToSecretaryLog); d.Due != "2027-03-01" {
		t.Errorf("the yearly log is not delayed: %+v", d)
	}
}

func TestBreachValidation(t *testing.T) {
	for _, c := range []struct {
		b    incident.Breach
		want string
	}{
		{incident.Breach{Role: incident.RoleCoveredEntity}, "discovered_on"},
		{incident.Breach{DiscoveredOn: "2026-13-01", Role: incident.RoleCoveredEntity}, "not a date"},
		{incident.Breach{DiscoveredOn: "2026-03-02", Role: "vendor"}, "role"},
		{incident.Breach{DiscoveredOn: "2026-03-02", Role: incident.RoleCoveredEntity, Individuals: 10, MostInOneState: 11}, "most_in_one_state"},
		{incident.Breach{DiscoveredOn: "2026-03-02", Role: incident.RoleCoveredEntity, Delay: &incident.Delay{StatedOn: "2026-03-03"}}, "delay.official"},
		{incident.Breach{DiscoveredOn: "2026-03-02", Role: incident.RoleCoveredEntity, Delay: &incident.Delay{Written: true, StatedOn: "2026-03-03", Official: "x"}}, "delay.until"},
		{incident.Breach{DiscoveredOn: "2026-03-02", Role: incident.RoleCoveredEntity, Notices: []incident.Notice{{To: "press", SentOn: "2026-03-03"}}}, "notices[0].to"},
		{incident.Breach{DiscoveredOn: "2026-03-09", Role: incident.RoleCoveredEntity}, "in the future"},
	} {
		err := c.b.Validate("2026-03-05")
		if errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want %q", c.b, err, c.want)
		}
	}
}

// The assessment: a low probability of compromise rests on all four
// factors of 164.402(2); an exclusion names which of 164.402(1); a breach
// starts the clock; an incident closes only once recovered, and assessed
// when PHI was involved.
func TestAssessmentAndTimeline(t *testing.T) {
	now := time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC)
	at := func(d int) *time.Time { x := now.AddDate(0, 0, -d); return &x }
	base := func() *incident.Incident {
		return &incident.Incident{Title: "Clinic phone lost", DetectedAt: *at(10), PHI: true}
	}
	low := &incident.Assessment{Conclusion: incident.LowProbability, By: "Dana Reyes", On: "2026-03-15", Reasoning: "Encrypted, wiped within the hour.",
		Factors: [4]string{"Schedule only: names and times", "Unknown finder", "The phone was locked; no sign of access", ""}}
	for _, c := range []struct {
		name string
		edit func(i *incident.Incident)
		want string
	}{
		{"no title", func(i *incident.Incident) { i.Title = " " }, "title"},
		{"contained before detected", func(i *incident.Incident) { i.ContainedAt = at(11) }, "contained_at: before it was detected"},
		{"recovered before contained", func(i *incident.Incident) { i.ContainedAt, i.RecoveredAt = at(5), at(6) }, "recovered_at: before it was contained"},
		{"detected tomorrow", func(i *incident.Incident) { i.DetectedAt = now.Add(24 * time.Hour) }, "detected_at: in the future"},
		{"closed before recovered", func(i *incident.Incident) { i.ClosedOn = "2026-03-19" }, "closed_on: an incident is closed once recovered"},
		{"closed tomorrow", func(i *incident.Incident) { i.RecoveredAt, i.ClosedOn = at(2), "2026-03-21" }, "closed_on: in the future"},
		{"closed unassessed", func(i *incident.Incident) { i.RecoveredAt, i.ClosedOn = at(2), "2026-03-19" }, "breach assessment"},
		{"three factors", func(i *incident.Incident) { i.Assessment = low }, "factors[4]"},
		{"an exclusion unnamed", func(i *incident.Incident) {
			i.Assessment = &incident.Assessment{Conclusion: incident.Excluded, By: "x", On: "2026-03-15", Reasoning: "y"}
		}, "assessment.exclusion"},
		{"a breach without its facts", func(i *incident.Incident) {
			i.Assessment = &incident.Assessment{Conclusion: incident.IsBreach, By: "x", On: "2026-03-15", Reasoning: "Unencrypted laptop."}
		}, "breach: the assessment concludes a breach"},
		{"a clock without a breach", func(i *incident.Incident) {
			i.Breach = &incident.Breach{DiscoveredOn: "2026-03-10", Role: incident.RoleCoveredEntity}
		}, "only an assessment that concludes a breach"},
	} {
		i := base()
		c.edit(i)
		if err := i.Validate(now); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
	i := base()
	full := *low
	full.Factors[3] = "Remote wipe confirmed 40 minutes after the report"
	i.Assessment, i.ContainedAt, i.RecoveredAt, i.ClosedOn = &full, at(9), at(8), "2026-03-19"
	if err := i.Validate(now); err != nil || i.Phase() != "closed" {
		t.Errorf("a closed incident: %v %s", err, i.Phase())
	}
}
