package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"slices"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// ClaimBreachReminder claims the reminder of r's subject, day and stage
// for this server, setting r.ID. Errors: Conflict when another server
// has claimed it or it was sent.
func (sc *Scoped) ClaimBreachReminder(ctx context.Context, r *incident.Reminder) error {
	s := sc.s
	id, err := newID()
	if err != nil {
		return err
	}
	notices, err := json.Marshal(r.Notices)
	if err != nil {
		return errs.Wrap(errs.Internal, "", err)
	}
	if _, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO breach_reminders (id, org_id, subject, due, stage, notices, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		id, sc.org.ID, r.Subject, r.Due, r.Stage, string(notices), formatTime(r.SentAt)); err != nil {
		err = translate(err, "breach reminder")
		if errs.Is(err, errs.Conflict) {
			return errs.Wrap(errs.Conflict, "this reminder was already sent or is being sent", err)
		}
		return err
	}
	r.ID = id
	return nil
}

// ReleaseBreachReminder gives up a claim whose message could not be sent
// at all, so that the next round sends it.
func (sc *Scoped) ReleaseBreachReminder(ctx context.Context, id string) error {
	s := sc.s
	_, err := s.write.ExecContext(ctx, s.rebind(`DELETE FROM breach_reminders WHERE id = ? AND org_id = ? AND deliveries = ''`), id, sc.org.ID)
	return translate(err, "breach reminder")
}

// RecordBreachReminder records who a claimed reminder was sent to, in
// one transaction with one audit entry.
func (sc *Scoped) RecordBreachReminder(ctx context.Context, r *incident.Reminder) error {
	s := sc.s
	ds := r.Deliveries
	if ds == nil {
		ds = []*workforce.Delivery{}
	}
	body, err := json.Marshal(ds)
	if err != nil {
		return errs.Wrap(errs.Internal, "", err)
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE breach_reminders SET deliveries = ? WHERE id = ? AND org_id = ? AND deliveries = ''`), string(body), r.ID, sc.org.ID)
		if err != nil {
			return change{}, translate(err, "breach reminder")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return change{}, errs.New(errs.Conflict, "this reminder is not claimed, or was recorded")
		}
		sent, failed := 0, 0
		for _, d := range ds {
			if d.Status == "sent" {
				sent++
			} else {
				failed++
			}
		}
		return change{orgID: sc.org.ID, action: "breach.remind", target: r.Subject,
			after: map[string]any{"due": r.Due, "stage": r.Stage, "notices": r.Notices, "sent": sent, "not_sent": failed}}, nil
	})
}

// BreachReminders returns the reminders sent about the subjects, the
// newest first.
func (sc *Scoped) BreachReminders(ctx context.Context, subjects ...string) ([]*incident.Reminder, error) {
	s := sc.s
	out := []*incident.Reminder{}
	for _, subject := range subjects {
		rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT id, subject, due, stage, notices, sent_at, deliveries FROM breach_reminders
			WHERE org_id = ? AND subject = ? AND deliveries <> '' ORDER BY sent_at DESC, id DESC`), sc.org.ID, subject)
		if err != nil {
			return nil, translate(err, "breach reminders")
		}
		for rows.Next() {
			var r incident.Reminder
			var notices, sent, deliveries string
			if err := rows.Scan(&r.ID, &r.Subject, &r.Due, &r.Stage, &notices, &sent, &deliveries); err != nil {
				rows.Close()
				return nil, translate(err, "breach reminder")
			}
			if err := json.Unmarshal([]byte(notices), &r.Notices); err != nil {
				rows.Close()
				return nil, errs.Wrap(errs.Internal, "breach reminder", err)
			}
			if err := json.Unmarshal([]byte(deliveries), &r.Deliveries); err != nil {
				rows.Close()
				return nil, errs.Wrap(errs.Internal, "breach reminder", err)
			}
			if r.SentAt, err = parseTime(sent); err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, &r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err, "breach reminders")
		}
	}
	slices.SortStableFunc(out, func(a, b *incident.Reminder) int { return b.SentAt.Compare(a.SentAt) })
	return out, nil
}
