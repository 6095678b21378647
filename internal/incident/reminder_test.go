package incident_test

import (
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/incident"
)

// A notice's reminders: none more than 60 days out, then the last of
// 60, 30, 14, 7, 3, 1 and 0 days reached, then one each week overdue.
func TestReminderStages(t *testing.T) {
	for _, c := range []struct{ today, want string }{
		{"2026-01-01", ""},          // 90 days before
		{"2026-01-29", ""},          // 61 days before
		{"2026-01-30", "due-60"},    // 60 days before: the clock started
		{"2026-02-28", "due-60"},    // 31 days before
		{"2026-03-01", "due-30"},    // 30 days before
		{"2026-03-17", "due-14"},    // 14 days before
		{"2026-03-24", "due-7"},     // 7
		{"2026-03-28", "due-3"},     // 3
		{"2026-03-30", "due-1"},     // 1
		{"2026-03-31", "due-0"},     // the last day
		{"2026-04-01", "overdue-0"}, // a day late
		{"2026-04-07", "overdue-0"}, // 7 days late
		{"2026-04-08", "overdue-1"}, // 8 days late: the second week
		{"2026-04-15", "overdue-2"},
	} {
		if got := incident.Stage("2026-03-31", c.today); got != c.want {
			t.Errorf("on %s: %q, want %q", c.today, got, c.want)
		}
	}
	if got := incident.Stage("", "2026-03-31"); got != "" {
		t.Errorf("no last day: %q", got)
	}
	for stage, want := range map[string]string{"due-60": "due within 60 days", "due-1": "due tomorrow", "due-0": "due today", "overdue-0": "overdue", "overdue-2": "overdue, week 3"} {
		if got := incident.StageLabel(stage); got != want {
			t.Errorf("%s: %q, want %q", stage, got, want)
		}
	}
}

// The message names the notices, the last day, the reason and the rule's
// text, and the link where the notice is recorded.
func TestReminderText(t *testing.T) {
	b := &incident.Breach{DiscoveredOn: "2026-03-02", Role: incident.RoleCoveredEntity, Individuals: 900, MostInOneState: 700}
	groups := incident.Pending(b.Deadlines("2026-04-24"))
	// The Secretary's notice is contemporaneous with the individuals': all
	// three share the last day and one message.
	if len(groups) != 1 || len(groups[0]) != 3 || groups[0][2].To != incident.ToSecretary {
		t.Fatalf("pending: %+v", groups)
	}
	subject, body := incident.ReminderText("INC-004 Laptop stolen from a car", groups[0], "2026-04-24", "https://safeguard.example/orgs/riverside/incidents/x")
	if subject != "Breach notification due within 7 days: INC-004 Laptop stolen from a car (notice to individuals, notice to the media, notice to HHS)" {
		t.Errorf("subject: %s", subject)
	}
	for _, want := range []string{"The notice to individuals is due by 2026-05-01, in 7 days: 60 calendar days after discovery on 2026-03-02.",
		"45 CFR 164.406(a), (b): \"For a breach of unsecured protected health information involving more than 500 residents",
		"Record each notice in Safeguard once it is made: https://safeguard.example/orgs/riverside/incidents/x"} {
		if !strings.Contains(body, want) {
			t.Errorf("the body lacks %q:\n%s", want, body)
		}
	}
	b.Notices = []incident.Notice{{To: incident.ToIndividuals, SentOn: "2026-04-20"}, {To: incident.ToSecretary, SentOn: "2026-04-20"}}
	groups = incident.Pending(b.Deadlines("2026-05-03"))
	if len(groups) != 1 || len(groups[0]) != 1 || groups[0][0].To != incident.ToMedia {
		t.Fatalf("pending once two are sent: %+v", groups)
	}
	if subject, _ := incident.ReminderText("INC-004", groups[0], "2026-05-03", ""); !strings.HasPrefix(subject, "Breach notification overdue: INC-004 (notice to the media)") {
		t.Errorf("overdue: %s", subject)
	}
}
