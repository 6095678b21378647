package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

const personColumns = "id, employee_id, name, email, position, department, manager, type, start_date, end_date, access, systems, clearance, clearance_date, authorization_notes, created_at, updated_at"

// personKeyColumns are the keys a person is looked up by, lower-cased
// when it is written (personKeys), each with a plain index (migration
// 0066).
const personKeyColumns = "employee_key, email_key, name_key, local_key"

// personKeys are a person's keys: the employee id, work email and name
// lower-cased, and the email's part before the @ (empty without one).
func personKeys(employeeID, name, email string) [4]string {
	local := ""
	if before, _, ok := strings.Cut(email, "@"); ok {
		local = strings.ToLower(before)
	}
	return [4]string{strings.ToLower(employeeID), strings.ToLower(email), strings.ToLower(name), local}
}

func scanPerson(row scanner) (*workforce.Person, error) {
	var p workforce.Person
	var typ, access, systems, clearance, created, updated string
	if err := row.Scan(&p.ID, &p.EmployeeID, &p.Name, &p.Email, &p.Position, &p.Department, &p.Manager, &typ, &p.Start, &p.End, &access, &systems,
		&clearance, &p.ClearanceDate, &p.Authorization, &created, &updated); err != nil {
		return nil, err
	}
	p.Type, p.Access, p.Clearance = workforce.WorkerType(typ), workforce.Access(access), workforce.Clearance(clearance)
	if err := json.Unmarshal([]byte(systems), &p.Systems); err != nil {
		return nil, err
	}
	var err error
	if p.CreatedAt, err = parseTime(created); err != nil {
		return nil, err
	}
	p.UpdatedAt, err = parseTime(updated)
	return &p, err
}

// People returns the roster, leavers included, in name order.
func (sc *Scoped) People(ctx context.Context) ([]*workforce.Person, error) {
	return sc.people(ctx, "", nil)
}

// Person returns one person. Errors: NotFound.
func (sc *Scoped) Person(ctx context.Context, id string) (*workforce.Person, error) {
	ps, err := sc.people(ctx, " AND id = ?", []any{id})
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, errs.New(errs.NotFound, "person not found")
	}
	return ps[0], nil
}

// CurrentRoster is the organisation's roster for a roster import to
// compare against, read from the database as the import asks (the people
// of a batch of rows by their employee ids, the dates of the whole roster
// a slice at a time), never held whole.
// It reads what was committed before the import began; an empty roster
// (the first import) is not asked at all.
func (sc *Scoped) CurrentRoster(ctx context.Context) workforce.Roster {
	return &currentRoster{ctx: ctx, sc: sc}
}

type currentRoster struct {
	ctx    context.Context
	sc     *Scoped
	sized  bool
	people int
}

func (c *currentRoster) People(employeeIDs []string) (map[string]*workforce.Person, error) {
	if !c.sized {
		n, err := c.sc.PeopleCount(c.ctx)
		if err != nil {
			return nil, err
		}
		c.sized, c.people = true, n
	}
	out := make(map[string]*workforce.Person, len(employeeIDs))
	if c.people == 0 || len(employeeIDs) == 0 {
		return out, nil
	}
	// One question for the batch, through the index of the employee ids.
	args := make([]any, 0, len(employeeIDs)+1)
	args = append(args, c.sc.org.ID)
	for _, id := range employeeIDs {
		args = append(args, strings.ToLower(id))
	}
	ps, err := c.sc.queryPeople(c.ctx, peopleByIDsQuery(len(employeeIDs)), args)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		out[strings.ToLower(p.EmployeeID)] = p
	}
	return out, nil
}

// peopleByIDsQuery reads the people of n employee ids.
func peopleByIDsQuery(n int) string {
	return `SELECT ` + personColumns + ` FROM people WHERE org_id = ? AND employee_key IN (?` + strings.Repeat(", ?", n-1) + `)`
}

func (c *currentRoster) Dates(fn func([]*workforce.Person) error) error {
	after := ""
	for {
		people, err := c.sc.peopleDatesAfter(c.ctx, after)
		if err != nil || len(people) == 0 {
			return err
		}
		if err := fn(people); err != nil {
			return err
		}
		if len(people) < peopleSlice {
			return nil
		}
		after = people[len(people)-1].ID
	}
}

// PersonByEmail returns the person with an email, ignoring case: how a
// signed-in workforce member finds their own record. Errors: NotFound.
func (sc *Scoped) PersonByEmail(ctx context.Context, email string) (*workforce.Person, error) {
	ps, err := sc.people(ctx, " AND email_key = ? AND email <> ''", []any{strings.ToLower(strings.TrimSpace(email))})
	if err != nil {
		return nil, err
	}
	if len(ps) == 0 {
		return nil, errs.New(errs.NotFound, "no one on the roster has the email "+email)
	}
	return ps[0], nil
}

func (sc *Scoped) people(ctx context.Context, where string, args []any) ([]*workforce.Person, error) {
	return sc.queryPeople(ctx, `SELECT `+personColumns+` FROM people WHERE org_id = ?`+where+` ORDER BY lower(name), employee_id`, append([]any{sc.org.ID}, args...))
}

// peopleAfter reads the next slice of the roster in the order of the ids,
// after the id given. The query walks the primary key: the organisation is
// compared as an expression (org_id || ”), for an index on org_id would
// have SQLite sort the organisation's whole roster for every slice, and an
// index on (org_id, id) would be picked by the account matching's min(id)
// lookups, scanning the roster for every account.
func (sc *Scoped) peopleAfter(ctx context.Context, after string) ([]*workforce.Person, error) {
	return sc.queryPeople(ctx, `SELECT `+personColumns+` FROM people WHERE id > ? AND org_id || '' = ? ORDER BY id LIMIT ?`, []any{after, sc.org.ID, peopleSlice})
}

// peopleDatesAfter is peopleAfter with each person's ids and dates alone,
// by the same walk.
func (sc *Scoped) peopleDatesAfter(ctx context.Context, after string) ([]*workforce.Person, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT id, employee_id, start_date, end_date FROM people WHERE id > ? AND org_id || '' = ? ORDER BY id LIMIT ?`), after, sc.org.ID, peopleSlice)
	if err != nil {
		return nil, translate(err, "people")
	}
	defer rows.Close()
	var out []*workforce.Person
	for rows.Next() {
		var p workforce.Person
		if err := rows.Scan(&p.ID, &p.EmployeeID, &p.Start, &p.End); err != nil {
			return nil, translate(err, "people")
		}
		out = append(out, &p)
	}
	return out, translate(rows.Err(), "people")
}

// queryPeople reads the people a query selects.
func (sc *Scoped) queryPeople(ctx context.Context, q string, args []any) ([]*workforce.Person, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, translate(err, "people")
	}
	defer rows.Close()
	var out []*workforce.Person
	for rows.Next() {
		p, err := scanPerson(rows)
		if err != nil {
			return nil, translate(err, "people")
		}
		out = append(out, p)
	}
	return out, translate(rows.Err(), "people")
}

// personWriter inserts and updates people inside one transaction with
// prepared statements: a roster of 100,000 lands in one go.
type personWriter struct {
	sc             *Scoped
	insert, update *sql.Stmt
	now            string
}

func (sc *Scoped) newPersonWriter(ctx context.Context, tx *sql.Tx) (*personWriter, error) {
	s := sc.s
	ins, err := tx.PrepareContext(ctx, s.rebind(`INSERT INTO people (org_id, `+personColumns+`, `+personKeyColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`))
	if err != nil {
		return nil, translate(err, "person")
	}
	upd, err := tx.PrepareContext(ctx, s.rebind(`UPDATE people SET employee_id = ?, name = ?, email = ?, position = ?, department = ?, manager = ?, type = ?, start_date = ?, end_date = ?,
		access = ?, systems = ?, clearance = ?, clearance_date = ?, authorization_notes = ?, updated_at = ?, employee_key = ?, email_key = ?, name_key = ?, local_key = ?
		WHERE id = ? AND org_id = ?`))
	if err != nil {
		ins.Close()
		return nil, translate(err, "person")
	}
	return &personWriter{sc: sc, insert: ins, update: upd, now: formatTime(s.now())}, nil
}

func (w *personWriter) close() { w.insert.Close(); w.update.Close() }

func (w *personWriter) add(ctx context.Context, p *workforce.Person) error {
	id, err := newID()
	if err != nil {
		return err
	}
	systems, _ := json.Marshal(p.Systems)
	k := personKeys(p.EmployeeID, p.Name, p.Email)
	if _, err := w.insert.ExecContext(ctx, w.sc.org.ID, id, p.EmployeeID, p.Name, p.Email, p.Position, p.Department, p.Manager, string(p.Type), p.Start, p.End,
		string(p.Access), string(systems), string(p.Clearance), p.ClearanceDate, p.Authorization, w.now, w.now, k[0], k[1], k[2], k[3]); err != nil {
		err = translate(err, "person")
		if errs.Is(err, errs.Conflict) {
			return errs.New(errs.Conflict, fmt.Sprintf("employee_id: the roster already has %q", p.EmployeeID))
		}
		return err
	}
	p.ID = id
	return nil
}

func (w *personWriter) save(ctx context.Context, p *workforce.Person) error {
	systems, _ := json.Marshal(p.Systems)
	k := personKeys(p.EmployeeID, p.Name, p.Email)
	res, err := w.update.ExecContext(ctx, p.EmployeeID, p.Name, p.Email, p.Position, p.Department, p.Manager, string(p.Type), p.Start, p.End,
		string(p.Access), string(systems), string(p.Clearance), p.ClearanceDate, p.Authorization, w.now, k[0], k[1], k[2], k[3], p.ID, w.sc.org.ID)
	if err != nil {
		err = translate(err, "person")
		if errs.Is(err, errs.Conflict) {
			return errs.New(errs.Conflict, fmt.Sprintf("employee_id: the roster already has %q", p.EmployeeID))
		}
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return errs.New(errs.NotFound, "person not found")
	}
	return nil
}

// SavePerson adds a person (no id) or saves one. A person whose end date
// arrives gets a termination checklist. Errors: Invalid, Conflict for an
// employee id in use, NotFound.
func (sc *Scoped) SavePerson(ctx context.Context, p *workforce.Person, checklist Checklist) error {
	if err := p.Validate(); err != nil {
		return err
	}
	var before *workforce.Person
	if p.ID != "" {
		var err error
		if before, err = sc.Person(ctx, p.ID); err != nil {
			return err
		}
	}
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		w, err := sc.newPersonWriter(ctx, tx)
		if err != nil {
			return change{}, err
		}
		defer w.close()
		action := "person.update"
		if before == nil {
			action = "person.create"
			err = w.add(ctx, p)
		} else {
			err = w.save(ctx, p)
		}
		if err != nil {
			return change{}, err
		}
		if p.End != "" && (before == nil || before.End == "") {
			if err := sc.openChecklist(ctx, tx, p, checklist); err != nil {
				return change{}, err
			}
		}
		return change{orgID: sc.org.ID, action: action, target: "person:" + p.ID, before: before, after: p}, nil
	})
}

// Checklist gives a leaver's termination checklist (the training service
// gives workforce.Checklist's, naming the ePHI systems); nil gives none.
type Checklist func(p *workforce.Person) []*workforce.ChecklistItem

// openChecklist writes a leaver's termination checklist unless one is open.
func (sc *Scoped) openChecklist(ctx context.Context, tx *sql.Tx, p *workforce.Person, checklist Checklist) error {
	if checklist == nil {
		return nil
	}
	s := sc.s
	var n int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM termination_items WHERE org_id = ? AND person_id = ?`), sc.org.ID, p.ID).Scan(&n); err != nil {
		return translate(err, "termination checklist")
	}
	if n > 0 {
		return nil
	}
	now := formatTime(s.now())
	for _, it := range checklist(p) {
		id, err := newID()
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO termination_items (id, org_id, person_id, kind, title, done, opened_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, p.ID, it.Kind, it.Title, false, now); err != nil {
			return translate(err, "termination checklist")
		}
	}
	return nil
}

// RosterMapping returns the organisation's remembered column mapping, or
// nil before the first import.
func (sc *Scoped) RosterMapping(ctx context.Context) (workforce.Mapping, error) {
	s := sc.s
	var raw string
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT mapping FROM roster_settings WHERE org_id = ?`), sc.org.ID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, "roster mapping")
	}
	var m workforce.Mapping
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return nil, errs.Wrap(errs.Internal, "roster mapping", err)
	}
	return m, nil
}

func (sc *Scoped) saveMapping(ctx context.Context, tx *sql.Tx, m workforce.Mapping) error {
	s := sc.s
	raw, _ := json.Marshal(m)
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO roster_settings (org_id, mapping, updated_at, updated_by) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id) DO UPDATE SET mapping = excluded.mapping, updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
		sc.org.ID, string(raw), formatTime(s.now()), audit.ActorFrom(ctx).Label)
	return translate(err, "roster mapping")
}

// RosterCounts is what a roster import wrote.
type RosterCounts struct {
	Joiners, Movers, Leavers, Unchanged int
}

// ApplyRoster writes a planned roster import (see ImportRoster).
func (sc *Scoped) ApplyRoster(ctx context.Context, p *workforce.RosterPlan, checklist Checklist) error {
	_, err := sc.ImportRoster(ctx, checklist, func(sink workforce.RosterSink) (*workforce.RosterInfo, error) {
		return &workforce.RosterInfo{File: p.File, SHA256: p.SHA256, Mapping: p.Mapping, Ignored: p.Ignored}, p.Replay(sink)
	})
	return err
}

// ImportRoster writes a roster import in one transaction as read hands
// the sink each change (workforce.StreamRoster, reading the export a row
// at a time, or a plan's Replay): joiners added in batches, movers saved,
// leavers given their end date and a termination checklist; then the
// mapping is remembered and the imported accounts matched again. All of
// it lands, or none.
func (sc *Scoped) ImportRoster(ctx context.Context, checklist Checklist, read func(sink workforce.RosterSink) (*workforce.RosterInfo, error)) (*RosterCounts, error) {
	rw := &rosterWriter{ctx: ctx, sc: sc, checklist: checklist}
	err := sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		w, err := sc.newPersonWriter(ctx, tx)
		if err != nil {
			return change{}, err
		}
		defer w.close()
		rw.tx, rw.w = tx, w
		buildIndexes, err := sc.s.deferIndexes(ctx, tx, "people")
		if err != nil {
			return change{}, err
		}
		rw.joins = sc.s.newInserter(ctx, tx, "people", "org_id, "+personColumns+", "+personKeyColumns, "people")
		defer rw.joins.close()
		info, err := read(rw)
		if err != nil {
			return change{}, err
		}
		if err := rw.joins.flush(); err != nil {
			return change{}, rw.conflict(err)
		}
		if err := buildIndexes(); err != nil {
			return change{}, err
		}
		if err := sc.saveMapping(ctx, tx, info.Mapping); err != nil {
			return change{}, err
		}
		c := rw.counts
		// Joiners and leavers change who is behind the imported accounts.
		if c.Joiners+c.Movers+c.Leavers > 0 {
			if _, err := sc.s.matchAccounts(ctx, tx, sc.org.ID, ""); err != nil {
				return change{}, err
			}
		}
		return change{orgID: sc.org.ID, action: "roster.import", target: "org:" + sc.org.ID,
			after: map[string]any{"file": info.File, "sha256": info.SHA256, "joiners": c.Joiners, "movers": c.Movers, "leavers": c.Leavers, "unchanged": c.Unchanged}}, nil
	})
	if err != nil {
		return nil, err
	}
	return &rw.counts, nil
}

// rosterWriter is the sink of a roster import written as it is read.
type rosterWriter struct {
	ctx       context.Context
	sc        *Scoped
	tx        *sql.Tx
	w         *personWriter
	joins     *inserter
	checklist Checklist
	counts    RosterCounts
}

func (rw *rosterWriter) Join(p *workforce.Person) error {
	id, err := newID()
	if err != nil {
		return err
	}
	systems, _ := json.Marshal(p.Systems)
	k := personKeys(p.EmployeeID, p.Name, p.Email)
	if err := rw.joins.add(rw.sc.org.ID, id, p.EmployeeID, p.Name, p.Email, p.Position, p.Department, p.Manager, string(p.Type), p.Start, p.End,
		string(p.Access), string(systems), string(p.Clearance), p.ClearanceDate, p.Authorization, rw.w.now, rw.w.now, k[0], k[1], k[2], k[3]); err != nil {
		return rw.conflict(err)
	}
	p.ID = id
	rw.counts.Joiners++
	return nil
}

func (rw *rosterWriter) Move(mv *workforce.Move) error {
	rw.counts.Movers++
	return rw.w.save(rw.ctx, mv.New)
}

func (rw *rosterWriter) Leave(l *workforce.Leave) error {
	rw.counts.Leavers++
	l.Person.End = l.End
	if err := rw.w.save(rw.ctx, l.Person); err != nil {
		return err
	}
	return rw.sc.openChecklist(rw.ctx, rw.tx, l.Person, rw.checklist)
}

func (rw *rosterWriter) Same() error {
	rw.counts.Unchanged++
	return nil
}

// conflict says which rule a joiner broke: its employee id is taken.
func (rw *rosterWriter) conflict(err error) error {
	if errs.Is(err, errs.Conflict) {
		return errs.New(errs.Conflict, "employee_id: a joiner's employee id is already on the roster (was it added while the import ran?)")
	}
	return err
}

// Checklists returns termination checklist items, open ones first; of
// one person when personID is not "".
func (sc *Scoped) Checklists(ctx context.Context, personID string) ([]*workforce.ChecklistItem, error) {
	s := sc.s
	q, args := `SELECT id, person_id, kind, title, done, done_on, done_by FROM termination_items WHERE org_id = ?`, []any{sc.org.ID}
	if personID != "" {
		q, args = q+` AND person_id = ?`, append(args, personID)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+` ORDER BY done, opened_at, id`), args...)
	if err != nil {
		return nil, translate(err, "termination checklists")
	}
	defer rows.Close()
	var out []*workforce.ChecklistItem
	for rows.Next() {
		var it workforce.ChecklistItem
		if err := rows.Scan(&it.ID, &it.PersonID, &it.Kind, &it.Title, &it.Done, &it.DoneOn, &it.DoneBy); err != nil {
			return nil, translate(err, "termination checklists")
		}
		out = append(out, &it)
	}
	return out, translate(rows.Err(), "termination checklists")
}

// SetChecklistItem ticks or unticks a checklist item. Errors: NotFound.
func (sc *Scoped) SetChecklistItem(ctx context.Context, id string, done bool) error {
	s := sc.s
	by, on := "", ""
	if done {
		by, on = audit.ActorFrom(ctx).Label, s.now().UTC().Format(workforce.DateLayout)
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE termination_items SET done = ?, done_on = ?, done_by = ? WHERE id = ? AND org_id = ?`), done, on, by, id, sc.org.ID)
		if err != nil {
			return change{}, translate(err, "checklist item")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return change{}, errs.New(errs.NotFound, "checklist item not found")
		}
		return change{orgID: sc.org.ID, action: "termination.item", target: "termination_item:" + id, after: map[string]any{"done": done}}, nil
	})
}

// AddSanction records a sanction. Errors: Invalid, NotFound for a person
// not on the roster.
func (sc *Scoped) AddSanction(ctx context.Context, x *workforce.Sanction) error {
	s := sc.s
	if err := x.Validate(); err != nil {
		return err
	}
	if _, err := sc.Person(ctx, x.PersonID); err != nil {
		return err
	}
	id, err := newID()
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	x.RecordedBy = audit.ActorFrom(ctx).Label
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO sanctions (id, org_id, person_id, date, policy, description, action, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, x.PersonID, x.Date, x.Policy, x.Description, x.Action, x.RecordedBy, formatTime(now)); err != nil {
			return change{}, translate(err, "sanction")
		}
		x.ID, x.RecordedAt = id, now
		return change{orgID: sc.org.ID, action: "sanction.create", target: "person:" + x.PersonID, after: x}, nil
	})
}

// Sanctions returns the sanctions recorded, newest first; of one person
// when personID is not "".
func (sc *Scoped) Sanctions(ctx context.Context, personID string) ([]*workforce.Sanction, error) {
	s := sc.s
	q, args := `SELECT id, person_id, date, policy, description, action, recorded_by, recorded_at FROM sanctions WHERE org_id = ?`, []any{sc.org.ID}
	if personID != "" {
		q, args = q+` AND person_id = ?`, append(args, personID)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+` ORDER BY date DESC, id`), args...)
	if err != nil {
		return nil, translate(err, "sanctions")
	}
	defer rows.Close()
	var out []*workforce.Sanction
	for rows.Next() {
		var x workforce.Sanction
		var at string
		if err := rows.Scan(&x.ID, &x.PersonID, &x.Date, &x.Policy, &x.Description, &x.Action, &x.RecordedBy, &at); err != nil {
			return nil, translate(err, "sanctions")
		}
		if x.RecordedAt, err = parseTime(at); err != nil {
			return nil, translate(err, "sanctions")
		}
		out = append(out, &x)
	}
	return out, translate(rows.Err(), "sanctions")
}
