package notify_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/notify"
	"github.com/safeguard-health/safeguard/internal/notify/smtptest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

func TestSendDueReminders(t *testing.T) {
	box := smtptest.Start(t)
	addr := box.Addr
	s := storetest.SQLite(t)
	ctx := context.Background()
	o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	sc := s.Scope(o)
	reg, _ := catalog.Load()
	starter, _, _ := workforce.Starter(reg)
	// The program has been in place for two years, so the training is late.
	installed := s.WithClock(func() time.Time { return time.Date(2024, 11, 1, 0, 0, 0, 0, time.UTC) }).Scope(o)
	if err := installed.InstallProgram(ctx, starter); err != nil {
		t.Fatal(err)
	}
	people := []*workforce.Person{
		{EmployeeID: "1", Name: "Wendy Garcia", Email: "wendy@riverside.example", Start: "2024-01-01", Access: workforce.Modify, Department: "Clinical"},
		{EmployeeID: "2", Name: "No Mail", Start: "2024-01-01"},
		{EmployeeID: "3", Name: "Gone Away", Email: "refused@riverside.example", Start: "2024-01-01"},
		{EmployeeID: "4", Name: "All Done", Email: "done@riverside.example", Start: "2024-01-01"},
	}
	for _, p := range people {
		if err := sc.SavePerson(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
	}
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	done := []*workforce.Completion{{PersonID: people[3].ID, Module: "awareness", CompletedOn: "2026-10-01"}, {PersonID: people[3].ID, Module: "phishing", CompletedOn: "2026-10-01"}}
	if err := sc.AddCompletions(ctx, done, "training.import"); err != nil {
		t.Fatal(err)
	}
	overdue := &workforce.Reminder{Subject: "Your security training is overdue", Body: "Please finish it this week.", Audience: "overdue", ScheduledFor: "2026-11-20"}
	later := &workforce.Reminder{Subject: "Phishing season", Body: "Report suspicious email to IT.", Audience: "all", ScheduledFor: "2026-12-01"}
	for _, r := range []*workforce.Reminder{overdue, later} {
		if err := sc.CreateReminder(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	m, err := notify.ParseSMTP("smtp+plain://"+addr, "security@riverside.example")
	if err != nil {
		t.Fatal(err)
	}
	n, err := notify.SendDue(ctx, training.Records{Scoped: sc}, m, now)
	if err != nil || n != 1 {
		t.Fatalf("SendDue: %d, %v", n, err)
	}
	msgs := box.Messages()
	if len(msgs) != 1 || msgs[0].To[0] != "wendy@riverside.example" || msgs[0].From != "security@riverside.example" {
		t.Fatalf("received: %+v", msgs)
	}
	if !strings.Contains(msgs[0].Data, "Subject: Your security training is overdue") || !strings.Contains(msgs[0].Data, "Security awareness (due") || !strings.Contains(msgs[0].Data, "Clinical workstations") {
		t.Errorf("message:\n%s", msgs[0].Data)
	}
	ds, _ := sc.Deliveries(ctx, overdue.ID)
	status := map[string]string{}
	for _, d := range ds {
		status[d.Name] = d.Status + " " + d.Error
		if d.Status == "sent" && (d.At.IsZero() || !strings.Contains(d.Body, "Your overdue training")) {
			t.Errorf("delivery record: %+v", d)
		}
	}
	if !strings.HasPrefix(status["Wendy Garcia"], "sent") || status["No Mail"] != "no-email no email address on the roster" ||
		!strings.HasPrefix(status["Gone Away"], "failed") || !strings.Contains(status["Gone Away"], "no such mailbox") || status["All Done"] != "" {
		t.Errorf("deliveries: %v", status)
	}
	// Sent once: the next run sends nothing; the December reminder waits.
	if n, err := notify.SendDue(ctx, training.Records{Scoped: sc}, m, now.Add(time.Hour)); err != nil || n != 0 {
		t.Errorf("second run: %d, %v", n, err)
	}
	list, _ := sc.Reminders(ctx, "")
	if len(list) != 2 || list[1].SentAt == nil || list[1].Sent != 1 || list[1].Failed != 2 || list[0].SentAt != nil {
		t.Errorf("reminders: %+v %+v", list[0], list[1])
	}
	// A server that cannot be reached fails the run and records why.
	down, _ := notify.ParseSMTP("smtp+plain://127.0.0.1:1", "security@riverside.example")
	if n, err := notify.SendDue(ctx, training.Records{Scoped: sc}, down, time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)); err != nil || n != 1 {
		t.Fatalf("run against a closed port: %d %v", n, err)
	}
	ds, _ = sc.Deliveries(ctx, later.ID)
	for _, d := range ds {
		if d.Email != "" && (d.Status != "failed" || !strings.Contains(d.Error, "connection refused")) {
			t.Errorf("delivery through a dead server: %+v", d)
		}
	}
}

func TestParseSMTP(t *testing.T) {
	for raw, want := range map[string]string{
		"smtp+plain://mail.example.org:25": "allowed only to a relay on this host",
		"http://mail.example.org":          `the scheme "http" is not smtps, smtp or smtp+plain`,
		"mail.example.org":                 "give the server as",
	} {
		if _, err := notify.ParseSMTP(raw, "a@b.example"); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", raw, err, want)
		}
	}
	m, err := notify.ParseSMTP("smtp://user:secret@mail.example.org", "a@b.example")
	if err != nil || m.String() != "smtp://mail.example.org" || strings.Contains(m.String(), "secret") {
		t.Errorf("parse: %v %v", m, err)
	}
	if _, err := notify.ParseSMTP("smtps://mail.example.org", ""); err == nil || !strings.Contains(err.Error(), "--smtp-from") {
		t.Errorf("no sender: %v", err)
	}
}
