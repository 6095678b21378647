package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// TrainingProgram returns the organisation's modules and rules.
func (sc *Scoped) TrainingProgram(ctx context.Context) (*workforce.Program, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT id, code, title, description, minutes, due_days, recur_months, items, created_at FROM training_modules WHERE org_id = ? ORDER BY created_at, code`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "training modules")
	}
	p := &workforce.Program{}
	for rows.Next() {
		var m workforce.Module
		var items, at string
		if err := rows.Scan(&m.ID, &m.Code, &m.Title, &m.Description, &m.Minutes, &m.DueDays, &m.RecurMonths, &items, &at); err != nil {
			rows.Close()
			return nil, translate(err, "training modules")
		}
		if err := json.Unmarshal([]byte(items), &m.Items); err != nil {
			rows.Close()
			return nil, errs.Wrap(errs.Internal, "training modules", err)
		}
		if m.CreatedAt, err = parseTime(at); err != nil {
			rows.Close()
			return nil, translate(err, "training modules")
		}
		p.Modules = append(p.Modules, &m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "training modules")
	}
	rows, err = s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT id, module, positions, departments, types, min_access FROM training_rules WHERE org_id = ? ORDER BY created_at, id`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "training rules")
	}
	defer rows.Close()
	for rows.Next() {
		var r workforce.Rule
		var positions, departments, types, min string
		if err := rows.Scan(&r.ID, &r.Module, &positions, &departments, &types, &min); err != nil {
			return nil, translate(err, "training rules")
		}
		r.MinAccess = workforce.Access(min)
		for _, f := range []struct {
			raw string
			dst any
		}{{positions, &r.Positions}, {departments, &r.Departments}, {types, &r.Types}} {
			if err := json.Unmarshal([]byte(f.raw), f.dst); err != nil {
				return nil, errs.Wrap(errs.Internal, "training rules", err)
			}
		}
		p.Rules = append(p.Rules, &r)
	}
	return p, translate(rows.Err(), "training rules")
}

func (sc *Scoped) insertModule(ctx context.Context, tx *sql.Tx, m *workforce.Module, now time.Time) error {
	id, err := newID()
	if err != nil {
		return err
	}
	items, _ := json.Marshal(m.Items)
	if _, err := tx.ExecContext(ctx, sc.s.rebind(`INSERT INTO training_modules (id, org_id, code, title, description, minutes, due_days, recur_months, items, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		id, sc.org.ID, m.Code, m.Title, m.Description, m.Minutes, m.DueDays, m.RecurMonths, string(items), formatTime(now)); err != nil {
		err = translate(err, "training module")
		if errs.Is(err, errs.Conflict) {
			return errs.New(errs.Conflict, "code: a module with the code "+m.Code+" exists")
		}
		return err
	}
	m.ID, m.CreatedAt = id, now
	return nil
}

func (sc *Scoped) insertRule(ctx context.Context, tx *sql.Tx, r *workforce.Rule, now time.Time) error {
	id, err := newID()
	if err != nil {
		return err
	}
	enc := func(v any) string {
		b, _ := json.Marshal(v)
		if string(b) == "null" {
			return "[]"
		}
		return string(b)
	}
	if _, err := tx.ExecContext(ctx, sc.s.rebind(`INSERT INTO training_rules (id, org_id, module, positions, departments, types, min_access, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		id, sc.org.ID, r.Module, enc(r.Positions), enc(r.Departments), enc(r.Types), string(r.MinAccess), formatTime(now)); err != nil {
		return translate(err, "training rule")
	}
	r.ID = id
	return nil
}

// InstallProgram writes a program's modules and rules in one
// transaction; the training service validates them first. Errors:
// Conflict for a module code in use.
func (sc *Scoped) InstallProgram(ctx context.Context, p *workforce.Program) error {
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		now := sc.s.now().UTC().Truncate(time.Microsecond)
		for _, m := range p.Modules {
			if err := sc.insertModule(ctx, tx, m, now); err != nil {
				return change{}, err
			}
		}
		for _, r := range p.Rules {
			if err := sc.insertRule(ctx, tx, r, now); err != nil {
				return change{}, err
			}
		}
		return change{orgID: sc.org.ID, action: "training.program", target: "org:" + sc.org.ID, after: p}, nil
	})
}

// DeleteRule removes a rule. Errors: NotFound.
func (sc *Scoped) DeleteRule(ctx context.Context, id string) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM training_rules WHERE id = ? AND org_id = ?`), id, sc.org.ID)
		if err != nil {
			return change{}, translate(err, "training rule")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return change{}, errs.New(errs.NotFound, "rule not found")
		}
		return change{orgID: sc.org.ID, action: "training.rule_delete", target: "training_rule:" + id}, nil
	})
}

// Completions returns every completion recorded; of one person when
// personID is not "".
func (sc *Scoped) Completions(ctx context.Context, personID string) ([]*workforce.Completion, error) {
	s := sc.s
	q, args := `SELECT id, person_id, module, completed_on, source, recorded_by, recorded_at FROM training_completions WHERE org_id = ?`, []any{sc.org.ID}
	if personID != "" {
		q, args = q+` AND person_id = ?`, append(args, personID)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+` ORDER BY completed_on DESC, id`), args...)
	if err != nil {
		return nil, translate(err, "completions")
	}
	defer rows.Close()
	var out []*workforce.Completion
	for rows.Next() {
		var c workforce.Completion
		var at string
		if err := rows.Scan(&c.ID, &c.PersonID, &c.Module, &c.CompletedOn, &c.Source, &c.RecordedBy, &at); err != nil {
			return nil, translate(err, "completions")
		}
		if c.RecordedAt, err = parseTime(at); err != nil {
			return nil, translate(err, "completions")
		}
		out = append(out, &c)
	}
	return out, translate(rows.Err(), "completions")
}

// AddCompletions records completions in one transaction: all, or none.
// Errors: Invalid for a person not on this organisation's roster.
func (sc *Scoped) AddCompletions(ctx context.Context, cs []*workforce.Completion, action string) error {
	s := sc.s
	if len(cs) == 0 {
		return nil
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		stmt, err := tx.PrepareContext(ctx, s.rebind(`INSERT INTO training_completions (id, org_id, person_id, module, completed_on, source, recorded_by, recorded_at)
			SELECT ?, ?, id, ?, ?, ?, ?, ? FROM people WHERE id = ? AND org_id = ?`))
		if err != nil {
			return change{}, translate(err, "completion")
		}
		defer stmt.Close()
		now := s.now().UTC().Truncate(time.Microsecond)
		by := audit.ActorFrom(ctx).Label
		for _, c := range cs {
			id, err := newID()
			if err != nil {
				return change{}, err
			}
			res, err := stmt.ExecContext(ctx, id, sc.org.ID, c.Module, c.CompletedOn, c.Source, by, formatTime(now), c.PersonID, sc.org.ID)
			if err != nil {
				return change{}, translate(err, "completion")
			}
			if n, _ := res.RowsAffected(); n != 1 {
				return change{}, errs.New(errs.Invalid, "person "+c.PersonID+" is not on the roster: nothing was recorded")
			}
			c.ID, c.RecordedBy, c.RecordedAt = id, by, now
		}
		after := any(map[string]any{"completions": len(cs)})
		if len(cs) == 1 {
			after = cs[0]
		}
		return change{orgID: sc.org.ID, action: action, target: "org:" + sc.org.ID, after: after}, nil
	})
}

// peopleSlice is how many people EachPeopleSlice hands over at a time.
const peopleSlice = 5000

// EachPeopleSlice hands fn the roster in slices, in the order of their
// ids, each with the slice's training completions.
func (sc *Scoped) EachPeopleSlice(ctx context.Context, fn func([]*workforce.Person, []*workforce.Completion) error) error {
	ctx = heavy(ctx) // over many rows: on the heavy pool
	s := sc.s
	after := ""
	for {
		people, err := sc.peopleAfter(ctx, after)
		if err != nil || len(people) == 0 {
			return err
		}
		first, last := people[0].ID, people[len(people)-1].ID
		rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT id, person_id, module, completed_on FROM training_completions WHERE org_id = ? AND person_id >= ? AND person_id <= ?`), sc.org.ID, first, last)
		if err != nil {
			return translate(err, "completions")
		}
		var done []*workforce.Completion
		for rows.Next() {
			c := &workforce.Completion{}
			if err := rows.Scan(&c.ID, &c.PersonID, &c.Module, &c.CompletedOn); err != nil {
				rows.Close()
				return translate(err, "completions")
			}
			done = append(done, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return translate(err, "completions")
		}
		if err := fn(people, done); err != nil {
			return err
		}
		if len(people) < peopleSlice {
			return nil
		}
		after = last
	}
}
