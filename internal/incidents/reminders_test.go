package incidents_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/notify"
	"github.com/safeguard-health/safeguard/internal/notify/smtptest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// Breach notices not yet made are reminded of, through a real SMTP
// server, to the owners and security officers only: when the breach is
// determined, at the stages before the last day and weekly once overdue;
// each once, even with two servers sending at the same moment; a notice
// recorded is no longer reminded of; the year's log of small breaches is
// one message; a mail server that cannot be reached leaves the reminder
// for the next round.
func TestBreachReminders(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	set := func(day string) {
		d, err := time.Parse(time.DateOnly, day)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		now = d.Add(9 * time.Hour)
		mu.Unlock()
	}
	storetest.EachAt(t, clock, func(t *testing.T, s *store.Store) {
		set("2026-03-04")
		ctx := context.Background()
		box, m, o := reminderSetup(t, s)
		sc := s.Scope(o)
		for _, u := range []struct {
			email    string
			role     auth.Role
			disabled bool
		}{
			{"owner@riverside.example", auth.Owner, false},
			{"officer@riverside.example", auth.SecurityOfficer, false},
			{"gone@riverside.example", auth.SecurityOfficer, true},
			{"nurse@riverside.example", auth.Contributor, false},
			{"auditor@riverside.example", auth.Auditor, false},
		} {
			user := &auth.User{Email: u.email, Name: strings.Split(u.email, "@")[0], Disabled: u.disabled}
			if err := s.CreateUser(ctx, user); err != nil {
				t.Fatal(err)
			}
			if err := s.SetMembership(ctx, o.ID, user.ID, u.role); err != nil {
				t.Fatal(err)
			}
		}
		svc := &incidents.Service{Now: clock}
		base := "https://safeguard.example/orgs/riverside"
		send := func(want int) []smtptest.Message {
			t.Helper()
			before := len(box.Messages())
			n, err := svc.SendReminders(ctx, sc, m, base)
			if err != nil || n != want {
				t.Fatalf("on %s: sent %d reminders, %v; want %d", clock().Format(time.DateOnly), n, err, want)
			}
			return box.Messages()[before:]
		}
		send(0) // nothing recorded yet

		// A laptop stolen on 2 March with 900 patients' charts, 700 in one
		// State: individuals, media and HHS, all by 1 May.
		big := &incident.Incident{Title: "Laptop stolen from a car", DetectedAt: time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC), PHI: true, Records: 900,
			Assessment: &incident.Assessment{Conclusion: incident.IsBreach, By: "Dana Reyes", On: "2026-03-04", Reasoning: "Unencrypted disk."},
			Breach:     &incident.Breach{DiscoveredOn: "2026-03-02", Role: incident.RoleCoveredEntity, Individuals: 900, MostInOneState: 700}}
		// A misdirected fax of 3 patients' results: the 2026 log, due 1 March 2027.
		small := &incident.Incident{Title: "Results faxed to the wrong number", DetectedAt: time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC), PHI: true, Records: 3,
			Assessment: &incident.Assessment{Conclusion: incident.IsBreach, By: "Dana Reyes", On: "2026-03-04", Reasoning: "Not returned."},
			Breach: &incident.Breach{DiscoveredOn: "2026-03-03", Role: incident.RoleCoveredEntity, Individuals: 3, MostInOneState: 3,
				Notices: []incident.Notice{{To: incident.ToIndividuals, SentOn: "2026-03-04", How: "letter"}}}}
		for _, i := range []*incident.Incident{big, small} {
			if err := svc.Save(ctx, sc, o.ID, i); err != nil {
				t.Fatal(err)
			}
		}
		msgs := send(1)
		if len(msgs) != 2 || msgs[0].From != "safeguard@riverside.example" {
			t.Fatalf("the clock started: %+v", msgs)
		}
		to := map[string]bool{}
		for _, msg := range msgs {
			to[msg.To[0]] = true
			if msg.Subject() != "Breach notification due within 60 days: INC-001 Laptop stolen from a car (notice to individuals, notice to the media, notice to HHS)" {
				t.Errorf("subject: %q", msg.Subject())
			}
			for _, want := range []string{"due by 2026-05-01, in 58 days", "45 CFR 164.404(b)", base + "/incidents/" + big.ID} {
				if !strings.Contains(msg.Text(), want) {
					t.Errorf("the message lacks %q:\n%s", want, msg.Data)
				}
			}
		}
		if !to["owner@riverside.example"] || !to["officer@riverside.example"] {
			t.Errorf("sent to %v, want the owner and the active security officer only", to)
		}
		send(0) // the same stage is sent once

		// 30 days before: two servers at the same moment send it once.
		set("2026-04-01")
		var wg sync.WaitGroup
		counts := make([]int, 2)
		for k := range counts {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := svc.SendReminders(ctx, sc, m, base)
				if err != nil {
					t.Errorf("server %d: %v", k, err)
				}
				counts[k] = n
			}()
		}
		wg.Wait()
		if counts[0]+counts[1] != 1 || len(box.Messages()) != 4 {
			t.Errorf("two servers sent %v reminders, %d messages", counts, len(box.Messages()))
		}

		// The notices to individuals and HHS are made; the media is late.
		set("2026-04-28")
		big.Breach.Notices = []incident.Notice{{To: incident.ToIndividuals, SentOn: "2026-04-27", How: "letter"}, {To: incident.ToSecretary, SentOn: "2026-04-27", How: "HHS portal"}}
		if err := svc.Save(ctx, sc, o.ID, big); err != nil {
			t.Fatal(err)
		}
		msgs = send(1)
		if len(msgs) != 2 || msgs[0].Subject() != "Breach notification due within 3 days: INC-001 Laptop stolen from a car (notice to the media)" {
			t.Errorf("3 days before, the media only: %+v", msgs)
		}
		// Down on the last day; the next week's round finds it overdue.
		down, _ := notify.ParseSMTP("smtp+plain://127.0.0.1:1", "safeguard@riverside.example")
		set("2026-05-02")
		if n, err := svc.SendReminders(ctx, sc, down, base); err == nil || n != 0 {
			t.Errorf("a mail server that cannot be reached: %d, %v", n, err)
		}
		msgs = send(1)
		if len(msgs) != 2 || !strings.HasPrefix(msgs[0].Subject(), "Breach notification overdue: INC-001") || !strings.Contains(msgs[0].Text(), "overdue since 2026-05-01 (a day late)") {
			t.Errorf("overdue: %+v", msgs)
		}
		set("2026-05-08")
		send(0)
		set("2026-05-09")
		send(1) // the second week
		big.Breach.Notices = append(big.Breach.Notices, incident.Notice{To: incident.ToMedia, SentOn: "2026-05-09", How: "press release"})
		if err := svc.Save(ctx, sc, o.ID, big); err != nil {
			t.Fatal(err)
		}
		set("2026-05-16")
		send(0)

		// The 2026 log, due 1 March 2027: one message for the year.
		set("2027-01-01")
		msgs = send(1)
		if len(msgs) != 2 || !strings.Contains(msgs[0].Subject(), "The log of 2026's breaches under 500 individuals (INC-002)") ||
			!strings.Contains(msgs[0].Text(), "45 CFR 164.408(c)") || !strings.Contains(msgs[0].Text(), base+"/incidents#log") {
			t.Errorf("the log: %+v", msgs)
		}

		// The incident's page shows each reminder and who it went to.
		v, err := svc.Find(ctx, sc, big.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(v.Reminders) != 5 || v.Reminders[0].Label() != "overdue, week 2" || v.Reminders[0].About() != "notice to the media" ||
			len(v.Reminders[0].Deliveries) != 2 || v.Reminders[0].Deliveries[0].Status != "sent" || v.Reminders[4].Stage != "due-60" {
			t.Errorf("reminders of INC-001: %+v", v.Reminders)
		}
		if v, _ := svc.Find(ctx, sc, small.ID); len(v.Reminders) != 1 || v.Reminders[0].Subject != incident.LogSubject(2026) {
			t.Errorf("reminders of INC-002: %+v", v.Reminders)
		}
		entries, err := s.AuditLog(ctx, store.AuditFilter{OrgID: o.ID, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		reminded := 0
		for _, e := range entries {
			if e.Action == "breach.remind" {
				reminded++
			}
		}
		if reminded != 6 {
			t.Errorf("audit: %d reminders, want 6", reminded)
		}
	})
}

// With no one to remind (the only security officer disabled, no owner),
// nothing is claimed or recorded and the error says why; once someone may
// be reminded, the next round sends what is due.
func TestBreachRemindersWithNoOneToRemind(t *testing.T) {
	now := time.Date(2026, 3, 4, 9, 0, 0, 0, time.UTC)
	storetest.EachAt(t, func() time.Time { return now }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		box, m, o := reminderSetup(t, s)
		sc := s.Scope(o)
		member := func(email string, role auth.Role, disabled bool) {
			t.Helper()
			u := &auth.User{Email: email, Name: strings.Split(email, "@")[0], Disabled: disabled}
			if err := s.CreateUser(ctx, u); err != nil {
				t.Fatal(err)
			}
			if err := s.SetMembership(ctx, o.ID, u.ID, role); err != nil {
				t.Fatal(err)
			}
		}
		member("gone@riverside.example", auth.SecurityOfficer, true)
		member("nurse@riverside.example", auth.Contributor, false)
		svc := &incidents.Service{Now: func() time.Time { return now }}
		i := &incident.Incident{Title: "Laptop stolen from a car", DetectedAt: time.Date(2026, 3, 2, 18, 0, 0, 0, time.UTC), PHI: true, Records: 900,
			Assessment: &incident.Assessment{Conclusion: incident.IsBreach, By: "Dana Reyes", On: "2026-03-04", Reasoning: "Unencrypted disk."},
			Breach:     &incident.Breach{DiscoveredOn: "2026-03-02", Role: incident.RoleCoveredEntity, Individuals: 900, MostInOneState: 700}}
		if err := svc.Save(ctx, sc, o.ID, i); err != nil {
			t.Fatal(err)
		}
		n, err := svc.SendReminders(ctx, sc, m, "")
		if n != 0 || err == nil || !strings.Contains(err.Error(), "no one to send them to: no active member of the organisation is an owner or security officer") {
			t.Errorf("no one to remind: %d, %v", n, err)
		}
		if v, err := svc.Find(ctx, sc, i.ID); err != nil || len(v.Reminders) != 0 || len(box.Messages()) != 0 {
			t.Errorf("recorded %d reminders, sent %d messages, with no one to remind (%v)", len(v.Reminders), len(box.Messages()), err)
		}
		member("officer@riverside.example", auth.SecurityOfficer, false)
		if n, err := svc.SendReminders(ctx, sc, m, ""); n != 1 || err != nil || len(box.Messages()) != 1 || box.Messages()[0].To[0] != "officer@riverside.example" {
			t.Errorf("once someone may be reminded: %d, %v, %d messages", n, err, len(box.Messages()))
		}
	})
}

// reminderSetup starts a real SMTP server on loopback, a mailer sending
// through it, and an organisation to remind.
func reminderSetup(t *testing.T, s *store.Store) (*smtptest.Mailbox, *notify.Mailer, *org.Organization) {
	t.Helper()
	box := smtptest.Start(t)
	m, err := notify.ParseSMTP("smtp+plain://"+box.Addr, "safeguard@riverside.example")
	if err != nil {
		t.Fatal(err)
	}
	o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
	if err := s.CreateOrganization(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return box, m, o
}
