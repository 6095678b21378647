package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// CreateReminder schedules a security reminder. Errors: Invalid.
func (sc *Scoped) CreateReminder(ctx context.Context, r *workforce.Reminder) error {
	s := sc.s
	if err := r.Validate(); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	r.CreatedBy = audit.ActorFrom(ctx).Label
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO reminders (id, org_id, subject, body, audience, scheduled_for, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, r.Subject, r.Body, r.Audience, r.ScheduledFor, r.CreatedBy, formatTime(now)); err != nil {
			return change{}, translate(err, "reminder")
		}
		r.ID, r.CreatedAt = id, now
		return change{orgID: sc.org.ID, action: "reminder.create", target: "reminder:" + id, after: r}, nil
	})
}

// Reminders returns the organisation's reminders, newest first, with
// their delivery counts; only those due and unsent on day today when due.
func (sc *Scoped) Reminders(ctx context.Context, dueOn string) ([]*workforce.Reminder, error) {
	s := sc.s
	q, args := `SELECT r.id, r.subject, r.body, r.audience, r.scheduled_for, r.sent_at, r.created_by, r.created_at,
		COALESCE(SUM(CASE WHEN d.status = 'sent' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN d.status <> 'sent' THEN 1 ELSE 0 END), 0)
		FROM reminders r LEFT JOIN reminder_deliveries d ON d.reminder_id = r.id WHERE r.org_id = ?`, []any{sc.org.ID}
	if dueOn != "" {
		q, args = q+` AND r.sent_at = '' AND r.scheduled_for <= ?`, append(args, dueOn)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+` GROUP BY r.id, r.subject, r.body, r.audience, r.scheduled_for, r.sent_at, r.created_by, r.created_at ORDER BY r.scheduled_for DESC, r.created_at DESC`), args...)
	if err != nil {
		return nil, translate(err, "reminders")
	}
	defer rows.Close()
	var out []*workforce.Reminder
	for rows.Next() {
		var r workforce.Reminder
		var sent, created string
		if err := rows.Scan(&r.ID, &r.Subject, &r.Body, &r.Audience, &r.ScheduledFor, &sent, &r.CreatedBy, &created, &r.Sent, &r.Failed); err != nil {
			return nil, translate(err, "reminders")
		}
		if r.CreatedAt, err = parseTime(created); err != nil {
			return nil, translate(err, "reminders")
		}
		if sent != "" {
			t, err := parseTime(sent)
			if err != nil {
				return nil, translate(err, "reminders")
			}
			r.SentAt = &t
		}
		out = append(out, &r)
	}
	return out, translate(rows.Err(), "reminders")
}

// Deliveries returns who was sent a reminder, what, and when.
func (sc *Scoped) Deliveries(ctx context.Context, reminderID string) ([]*workforce.Delivery, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT d.reminder_id, d.person_id, p.name, d.email, d.subject, d.body, d.status, d.error, d.at
		FROM reminder_deliveries d JOIN reminders r ON r.id = d.reminder_id JOIN people p ON p.id = d.person_id
		WHERE r.id = ? AND r.org_id = ? ORDER BY p.name`), reminderID, sc.org.ID)
	if err != nil {
		return nil, translate(err, "deliveries")
	}
	defer rows.Close()
	var out []*workforce.Delivery
	for rows.Next() {
		var d workforce.Delivery
		var at string
		if err := rows.Scan(&d.ReminderID, &d.PersonID, &d.Name, &d.Email, &d.Subject, &d.Body, &d.Status, &d.Error, &at); err != nil {
			return nil, translate(err, "deliveries")
		}
		if d.At, err = parseTime(at); err != nil {
			return nil, translate(err, "deliveries")
		}
		out = append(out, &d)
	}
	return out, translate(rows.Err(), "deliveries")
}

// ClaimReminder marks a due reminder as being sent at at, so that two
// senders never both send it. Errors: Conflict when another sender
// claimed it first (or it is not the organisation's).
func (sc *Scoped) ClaimReminder(ctx context.Context, reminderID string, at time.Time) error {
	s := sc.s
	res, err := s.write.ExecContext(ctx, s.rebind(`UPDATE reminders SET sent_at = ? WHERE id = ? AND org_id = ? AND sent_at = ''`), formatTime(at), reminderID, sc.org.ID)
	if err != nil {
		return translate(err, "reminder")
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.Conflict, "this reminder was already sent, or is not the organisation's")
	}
	return nil
}

// RecordDeliveries records each copy of a claimed reminder, in one
// transaction with one audit entry.
func (sc *Scoped) RecordDeliveries(ctx context.Context, reminderID string, ds []*workforce.Delivery) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		sent, failed := 0, 0
		for _, d := range ds {
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO reminder_deliveries (reminder_id, person_id, email, subject, body, status, error, at)
				SELECT ?, ?, ?, ?, ?, ?, ?, ? FROM reminders WHERE id = ? AND org_id = ?`),
				reminderID, d.PersonID, d.Email, d.Subject, d.Body, d.Status, d.Error, formatTime(d.At), reminderID, sc.org.ID); err != nil {
				return change{}, translate(err, "delivery")
			}
			if d.Status == "sent" {
				sent++
			} else {
				failed++
			}
		}
		return change{orgID: sc.org.ID, action: "reminder.send", target: "reminder:" + reminderID, after: map[string]int{"sent": sent, "not_sent": failed}}, nil
	})
}
