package incidents

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// A Sender sends messages and sets each one's status (internal/notify's
// Mailer). It fails as a whole only when nothing could be sent.
type Sender interface {
	Send(ctx context.Context, ds []*workforce.Delivery, now time.Time) error
}

// SendReminders reminds the organisation's members who manage incidents
// (its owners and security officers) of every breach notice still to be
// made, at the stages of incident.Stage: one message per breach and last
// day (the notices due that day together), and one per year's log of
// breaches under 500. Each reminder is claimed before it is sent, so
// servers sharing the database send it once; one that could not be sent
// at all is released for the next round. With no one to send them to (no
// active owner or security officer), nothing is claimed and the error
// says so, for the next round to send what is due once someone may be
// reminded. base is the organisation's address in the web app
// (https://host/orgs/slug) for the link in each message, or "". It
// returns how many reminders it sent.
func (s *Service) SendReminders(ctx context.Context, rs Records, m Sender, base string) (int, error) {
	vs, err := s.Register(ctx, rs)
	if err != nil {
		return 0, err
	}
	now := s.now()
	today := now.Format(time.DateOnly)
	var dues []reminderDue
	for _, v := range vs {
		for _, group := range incident.Pending(v.Deadlines) {
			var ds []incident.Deadline
			for _, d := range group {
				if d.To != incident.ToSecretaryLog { // reminded of with its year's log
					ds = append(ds, d)
				}
			}
			if len(ds) > 0 {
				dues = append(dues, reminderDue{subject: incident.IncidentSubject(v.ID), what: v.Ref + " " + v.Title, link: link(base, "/incidents/"+v.ID), ds: ds})
			}
		}
	}
	for _, y := range Log(vs) {
		if y.Notice == nil {
			continue
		}
		var refs []string
		for _, b := range y.Breaches {
			for _, d := range b.Deadlines {
				if d.To == incident.ToSecretaryLog && (d.Status == incident.Due || d.Status == incident.Overdue) {
					refs = append(refs, b.Ref)
				}
			}
		}
		what := fmt.Sprintf("The log of %d's breaches under 500 individuals (%s)", y.Year, strings.Join(refs, ", "))
		dues = append(dues, reminderDue{subject: incident.LogSubject(y.Year), what: what, link: link(base, "/incidents#log"), ds: []incident.Deadline{*y.Notice}})
	}
	// The reminders due today: those at a stage (incident.Stage).
	var dueToday []reminderDue
	for _, d := range dues {
		if d.stage = incident.Stage(d.ds[0].Due, today); d.stage != "" {
			dueToday = append(dueToday, d)
		}
	}
	if len(dueToday) == 0 {
		return 0, nil
	}
	members, err := rs.Members(ctx)
	if err != nil {
		return 0, err
	}
	var recipients []auth.Member
	for _, mb := range members {
		if !mb.User.Disabled && mb.Role.Can(auth.ManageIncidents) {
			recipients = append(recipients, mb)
		}
	}
	if len(recipients) == 0 {
		// Nothing is claimed: the next round, once someone may be
		// reminded, sends what is due then.
		return 0, errs.New(errs.Invalid, fmt.Sprintf("%d breach notification reminder(s) due and no one to send them to: no active member of the organisation is an owner or security officer", len(dueToday)))
	}
	n := 0
	for _, d := range dueToday {
		r := &incident.Reminder{Subject: d.subject, Due: d.ds[0].Due, Stage: d.stage, SentAt: now}
		for _, dl := range d.ds {
			r.Notices = append(r.Notices, dl.To)
		}
		if err := rs.ClaimBreachReminder(ctx, r); err != nil {
			if errs.Is(err, errs.Conflict) {
				continue // sent, or another server is sending it
			}
			return n, err
		}
		subject, body := incident.ReminderText(d.what, d.ds, today, d.link)
		for _, mb := range recipients {
			r.Deliveries = append(r.Deliveries, &workforce.Delivery{ReminderID: r.ID, PersonID: mb.User.ID, Name: mb.User.Name, Email: mb.User.Email,
				Subject: subject, Body: body, Status: "pending"})
		}
		if err := m.Send(ctx, r.Deliveries, now); err != nil {
			// Nothing went: the next round tries again.
			if rerr := rs.ReleaseBreachReminder(context.WithoutCancel(ctx), r.ID); rerr != nil {
				return n, rerr
			}
			return n, err
		}
		if err := rs.RecordBreachReminder(ctx, r); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// reminderDue is a reminder to send: about what, with its link, the
// notices it reminds of, and its stage today.
type reminderDue struct {
	subject, what, link string
	ds                  []incident.Deadline
	stage               string
}

func link(base, path string) string {
	if base == "" {
		return ""
	}
	return strings.TrimSuffix(base, "/") + path
}
