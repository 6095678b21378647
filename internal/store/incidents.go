package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
)

const incidentColumns = `id, number, title, summary, threat_id, detected_at, COALESCE(contained_at, ''), COALESCE(eradicated_at, ''), COALESCE(recovered_at, ''),
	records, phi, owner, notes, assessment, breach, closed_on, created_at, updated_at`

func scanIncident(row scanner) (*incident.Incident, error) {
	var i incident.Incident
	var number int
	var detected, contained, eradicated, recovered, assessment, breach, created, updated string
	if err := row.Scan(&i.ID, &number, &i.Title, &i.Summary, &i.ThreatID, &detected, &contained, &eradicated, &recovered,
		&i.Records, &i.PHI, &i.Owner, &i.Notes, &assessment, &breach, &i.ClosedOn, &created, &updated); err != nil {
		return nil, err
	}
	i.Ref = incident.Ref(number)
	var err error
	if i.DetectedAt, err = parseTime(detected); err != nil {
		return nil, err
	}
	for _, p := range []struct {
		s  string
		at **time.Time
	}{{contained, &i.ContainedAt}, {eradicated, &i.EradicatedAt}, {recovered, &i.RecoveredAt}} {
		if p.s == "" {
			continue
		}
		t, err := parseTime(p.s)
		if err != nil {
			return nil, err
		}
		*p.at = &t
	}
	if assessment != "" {
		i.Assessment = &incident.Assessment{}
		if err := json.Unmarshal([]byte(assessment), i.Assessment); err != nil {
			return nil, err
		}
	}
	if breach != "" {
		i.Breach = &incident.Breach{}
		if err := json.Unmarshal([]byte(breach), i.Breach); err != nil {
			return nil, err
		}
	}
	if i.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	if i.UpdatedAt, err = parseTime(updated); err != nil {
		return nil, err
	}
	i.Assets, i.Evidence = []string{}, []string{}
	return &i, nil
}

// Incidents returns the organisation's incidents, the newest detected
// first, with the assets and evidence linked to each.
func (sc *Scoped) Incidents(ctx context.Context) ([]*incident.Incident, error) {
	return sc.incidents(ctx, sc.s.reader(ctx), ``)
}

// Incident returns one of the organisation's incidents. Errors: NotFound.
func (sc *Scoped) Incident(ctx context.Context, id string) (*incident.Incident, error) {
	is, err := sc.incidents(ctx, sc.s.reader(ctx), ` AND id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(is) == 0 {
		return nil, errs.New(errs.NotFound, "incident not found")
	}
	return is[0], nil
}

func (sc *Scoped) incidents(ctx context.Context, q querier, where string, args ...any) ([]*incident.Incident, error) {
	s := sc.s
	rows, err := q.QueryContext(ctx, s.rebind(`SELECT `+incidentColumns+` FROM incidents WHERE org_id = ?`+where+` ORDER BY detected_at DESC, number DESC`), append([]any{sc.org.ID}, args...)...)
	if err != nil {
		return nil, translate(err, "incidents")
	}
	out := []*incident.Incident{}
	byID := map[string]*incident.Incident{}
	for rows.Next() {
		i, err := scanIncident(rows)
		if err != nil {
			rows.Close()
			return nil, translate(err, "incidents")
		}
		out = append(out, i)
		byID[i.ID] = i
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "incidents")
	}
	for _, l := range []struct {
		table, column string
		add           func(i *incident.Incident, id string)
	}{
		{"incident_assets", "asset_id", func(i *incident.Incident, id string) { i.Assets = append(i.Assets, id) }},
		{"incident_evidence", "evidence_id", func(i *incident.Incident, id string) { i.Evidence = append(i.Evidence, id) }},
	} {
		rows, err := q.QueryContext(ctx, s.rebind(`SELECT l.incident_id, l.`+l.column+` FROM `+l.table+` l JOIN incidents i ON i.id = l.incident_id WHERE i.org_id = ? ORDER BY l.`+l.column), sc.org.ID)
		if err != nil {
			return nil, translate(err, "incidents")
		}
		for rows.Next() {
			var incidentID, id string
			if err := rows.Scan(&incidentID, &id); err != nil {
				rows.Close()
				return nil, translate(err, "incidents")
			}
			if i := byID[incidentID]; i != nil {
				l.add(i, id)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, translate(err, "incidents")
		}
	}
	return out, nil
}

// SaveIncident records an incident of the organisation (numbering a new
// one) or saves one again, its links to the inventory and the vault
// replaced, in one transaction with its audit entry; after runs in it.
// Errors: Invalid, naming the field or the assets and evidence that are
// not the organisation's; NotFound for another organisation's incident.
func (sc *Scoped) SaveIncident(ctx context.Context, i *incident.Incident, after ...TxFunc) error {
	s := sc.s
	now := s.now().UTC()
	if err := i.Validate(now); err != nil {
		return err
	}
	assessment, breach, err := incidentJSON(i)
	if err != nil {
		return err
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.ownAll(ctx, tx, "assets", "assets", i.Assets); err != nil {
			return change{}, err
		}
		if err := sc.ownAll(ctx, tx, "evidence", "evidence", i.Evidence); err != nil {
			return change{}, err
		}
		ch := change{orgID: sc.org.ID, action: "incident.update"}
		fields := []any{i.Title, i.Summary, i.ThreatID, formatTime(i.DetectedAt), optTime(i.ContainedAt), optTime(i.EradicatedAt), optTime(i.RecoveredAt),
			i.Records, i.PHI, i.Owner, i.Notes, assessment, breach, i.ClosedOn, formatTime(now)}
		if i.ID == "" {
			id, err := newID()
			if err != nil {
				return change{}, err
			}
			var number int
			if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COALESCE(MAX(number), 0) + 1 FROM incidents WHERE org_id = ?`), sc.org.ID).Scan(&number); err != nil {
				return change{}, translate(err, "incident")
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO incidents (title, summary, threat_id, detected_at, contained_at, eradicated_at, recovered_at,
				records, phi, owner, notes, assessment, breach, closed_on, updated_at, id, org_id, number, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				append(fields, id, sc.org.ID, number, formatTime(now))...); err != nil {
				return change{}, translate(err, "incident")
			}
			i.ID, i.Ref, i.CreatedAt, ch.action = id, incident.Ref(number), now, "incident.create"
		} else {
			before, err := sc.incidents(ctx, tx, ` AND id = ?`, i.ID)
			if err != nil {
				return change{}, err
			}
			if len(before) == 0 {
				return change{}, errs.New(errs.NotFound, "incident not found")
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE incidents SET title = ?, summary = ?, threat_id = ?, detected_at = ?, contained_at = ?, eradicated_at = ?, recovered_at = ?,
				records = ?, phi = ?, owner = ?, notes = ?, assessment = ?, breach = ?, closed_on = ?, updated_at = ? WHERE id = ? AND org_id = ?`),
				append(fields, i.ID, sc.org.ID)...); err != nil {
				return change{}, translate(err, "incident")
			}
			i.Ref, i.CreatedAt, ch.before = before[0].Ref, before[0].CreatedAt, before[0]
		}
		i.UpdatedAt = now
		for _, l := range []struct {
			table, column string
			ids           []string
		}{{"incident_assets", "asset_id", i.Assets}, {"incident_evidence", "evidence_id", i.Evidence}} {
			if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM `+l.table+` WHERE incident_id = ?`), i.ID); err != nil {
				return change{}, translate(err, "incident")
			}
			for _, id := range l.ids {
				if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO `+l.table+` (incident_id, `+l.column+`) VALUES (?, ?) ON CONFLICT DO NOTHING`), i.ID, id); err != nil {
					return change{}, translate(err, "incident")
				}
			}
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		ch.target, ch.after = "incident:"+i.ID, i
		return ch, nil
	})
}

func incidentJSON(i *incident.Incident) (assessment, breach string, err error) {
	if i.Assessment != nil {
		b, err := json.Marshal(i.Assessment)
		if err != nil {
			return "", "", errs.Wrap(errs.Internal, "an assessment", err)
		}
		assessment = string(b)
	}
	if i.Breach != nil {
		if i.Breach.Notices == nil {
			i.Breach.Notices = []incident.Notice{}
		}
		b, err := json.Marshal(i.Breach)
		if err != nil {
			return "", "", errs.Wrap(errs.Internal, "a breach", err)
		}
		breach = string(b)
	}
	return assessment, breach, nil
}

func optTime(t *time.Time) any {
	if t == nil {
		return nil
	}
	return formatTime(t.UTC())
}

// ownAll checks, inside tx, that every id names a row of the
// organisation's in table (one with an org_id). Errors: Invalid, naming
// how many are not.
func (sc *Scoped) ownAll(ctx context.Context, tx *sql.Tx, table, what string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{sc.org.ID}
	seen := map[string]bool{}
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			args = append(args, id)
		}
	}
	var n int
	if err := tx.QueryRowContext(ctx, sc.s.rebind(`SELECT COUNT(*) FROM `+table+` WHERE org_id = ? AND id IN (?`+strings.Repeat(", ?", len(args)-2)+`)`), args...).Scan(&n); err != nil {
		return translate(err, what)
	}
	if n != len(args)-1 {
		return errs.New(errs.Invalid, fmt.Sprintf("%s: %d of the %d are not the organisation's", what, len(args)-1-n, len(args)-1))
	}
	return nil
}
