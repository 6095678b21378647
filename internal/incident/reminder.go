package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/workforce"
)

// ReminderDays are the days before a notice's last day on which the
// people who manage incidents are reminded of it: when a breach is
// determined (any day within 60 of its deadline), then 30, 14, 7, 3 and 1
// days before, and on the day. Once overdue, a reminder goes every
// OverdueEvery days until the notice is recorded.
var ReminderDays = []int{NoticeDays, 30, 14, 7, 3, 1, 0}

// OverdueEvery is how often an overdue notice is reminded of.
const OverdueEvery = 7

// Stage is the reminder a notice due on due calls for on today, or "" when
// none does yet: "due-N" for the last of ReminderDays that today has
// reached (N days or fewer before the last day), "overdue-W" for the W-th
// week past it. The same stage on later days is the same reminder, so it
// is sent once; a server down on a stage's day sends the stage it finds.
func Stage(due, today string) string {
	if due == "" || today == "" {
		return ""
	}
	left := days(today, due)
	if left < 0 {
		return fmt.Sprintf("overdue-%d", (-left-1)/OverdueEvery)
	}
	stage := ""
	for _, n := range ReminderDays {
		if left <= n {
			stage = fmt.Sprintf("due-%d", n)
		}
	}
	return stage
}

// A Reminder is one message about the notices of a breach (or of a year's
// log) due on one day, at one stage: claimed by one server, sent to the
// organisation's members who manage incidents, and kept with who was sent
// it. Subject is "incident:<id>" or "log:<year>".
type Reminder struct {
	ID         string                `json:"id"`
	Subject    string                `json:"subject"`
	Due        string                `json:"due"`
	Stage      string                `json:"stage"`
	Notices    []string              `json:"notices"` // the audiences (To) reminded of
	SentAt     time.Time             `json:"sent_at"`
	Deliveries []*workforce.Delivery `json:"deliveries"`
}

// Subjects of reminders.
func IncidentSubject(id string) string { return "incident:" + id }
func LogSubject(year int) string       { return fmt.Sprintf("log:%d", year) }

// StageLabel says a stage in words.
func StageLabel(stage string) string {
	var n int
	switch {
	case strings.HasPrefix(stage, "overdue-"):
		fmt.Sscanf(stage, "overdue-%d", &n)
		if n == 0 {
			return "overdue"
		}
		return fmt.Sprintf("overdue, week %d", n+1)
	case stage == "due-0":
		return "due today"
	case stage == "due-1":
		return "due tomorrow"
	case strings.HasPrefix(stage, "due-"):
		fmt.Sscanf(stage, "due-%d", &n)
		return fmt.Sprintf("due within %d days", n)
	}
	return stage
}

// ReminderText is the reminder's text about deadlines ds, all due on the same
// day, of what (an incident's reference and title, or a year's log), on
// today; link, when known, is where the notices are recorded.
func ReminderText(what string, ds []Deadline, today, link string) (subject, body string) {
	due := ds[0].Due
	stage := Stage(due, today)
	var names []string
	for _, d := range ds {
		names = append(names, NoticeName(d.To))
	}
	left := days(today, due)
	when := fmt.Sprintf("due by %s, in %d days", due, left)
	switch {
	case left < 0:
		when = fmt.Sprintf("overdue since %s (%d days late)", due, -left)
		if left == -1 {
			when = fmt.Sprintf("overdue since %s (a day late)", due)
		}
	case left == 0:
		when = "due today, " + due
	case left == 1:
		when = "due tomorrow, " + due
	}
	subject = fmt.Sprintf("Breach notification %s: %s (%s)", StageLabel(stage), what, strings.Join(names, ", "))
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n\n", what)
	for _, d := range ds {
		fmt.Fprintf(&b, "The %s is %s: %s.\n%s: \"%s\"\n\n", NoticeName(d.To), when, d.Why, d.Cite, d.Quote)
	}
	if link != "" {
		fmt.Fprintf(&b, "Record each notice in Safeguard once it is made: %s\n\n", link)
	} else {
		b.WriteString("Record each notice in Safeguard once it is made.\n\n")
	}
	b.WriteString("Safeguard sends this reminder to the organisation's owners and security officers until the notice is recorded.\n")
	return subject, b.String()
}

// NoticeName names the notice to an audience.
func NoticeName(to string) string {
	switch to {
	case ToIndividuals:
		return "notice to individuals"
	case ToMedia:
		return "notice to the media"
	case ToSecretary:
		return "notice to HHS"
	case ToSecretaryLog:
		return "notice of the year's log to HHS"
	case ToCoveredEntity:
		return "notice to the covered entity"
	}
	return "notice to " + to
}

// Pending are the deadlines of ds still to be met (due or overdue),
// grouped by their last day, soonest first.
func Pending(ds []Deadline) [][]Deadline {
	by := map[string][]Deadline{}
	var days []string
	for _, d := range ds {
		if d.Status != Due && d.Status != Overdue {
			continue
		}
		if _, ok := by[d.Due]; !ok {
			days = append(days, d.Due)
		}
		by[d.Due] = append(by[d.Due], d)
	}
	slices.Sort(days)
	out := make([][]Deadline, 0, len(days))
	for _, day := range days {
		out = append(out, by[day])
	}
	return out
}

// Label is the reminder's stage in words.
func (r *Reminder) Label() string { return StageLabel(r.Stage) }

// About names the notices the reminder was about.
func (r *Reminder) About() string {
	names := make([]string, 0, len(r.Notices))
	for _, to := range r.Notices {
		names = append(names, NoticeName(to))
	}
	return strings.Join(names, ", ")
}
