package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"slices"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// PeopleCount is the number of people on the roster.
func (sc *Scoped) PeopleCount(ctx context.Context) (int, error) {
	var n int
	err := sc.s.reader(ctx).QueryRowContext(ctx, sc.s.rebind(`SELECT count(*) FROM people WHERE org_id = ?`), sc.org.ID).Scan(&n)
	return n, translate(err, "people")
}

// KEVLoaded reports whether the KEV catalog has been imported.
func (sc *Scoped) KEVLoaded(ctx context.Context) (bool, error) {
	var n int
	err := sc.s.reader(ctx).QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM kev_entries LIMIT 1) k`).Scan(&n)
	return n > 0, translate(err, "kev")
}

// CheckSettings returns the organisation's check thresholds (zero values:
// the defaults).
func (sc *Scoped) CheckSettings(ctx context.Context) (CheckSettings, error) {
	var raw string
	var set CheckSettings
	err := sc.s.reader(ctx).QueryRowContext(ctx, sc.s.rebind(`SELECT settings FROM check_settings WHERE org_id = ?`), sc.org.ID).Scan(&raw)
	if errors.Is(err, sql.ErrNoRows) {
		return set, nil
	}
	if err != nil {
		return set, translate(err, "check settings")
	}
	if err := json.Unmarshal([]byte(raw), &set); err != nil {
		return set, errs.Wrap(errs.Internal, "check settings", err)
	}
	return set, nil
}

// SetCheckSettings saves the organisation's check thresholds. Errors:
// Invalid for a negative threshold.
func (sc *Scoped) SetCheckSettings(ctx context.Context, set CheckSettings) error {
	if set.DormantDays < 0 || set.UnusedDays < 0 || set.PasswordMaxDays < 0 || set.KEVWindowDays < 0 {
		return errs.New(errs.Invalid, "a check threshold cannot be negative")
	}
	raw, _ := json.Marshal(set)
	before, err := sc.CheckSettings(ctx)
	if err != nil {
		return err
	}
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM check_settings WHERE org_id = ?`), sc.org.ID); err != nil {
			return change{}, translate(err, "check settings")
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO check_settings (org_id, settings) VALUES (?, ?)`), sc.org.ID, string(raw)); err != nil {
			return change{}, translate(err, "check settings")
		}
		return change{orgID: sc.org.ID, action: "check.settings", target: "org:" + sc.org.ID, before: before, after: set}, nil
	})
}

// kevOpenQuery reads an organisation's open findings whose CVE the KEV
// catalog lists: the first stretch of findings_open_order.
const kevOpenQuery = `SELECT ` + openColumns + ` FROM findings f` + openJoins + `
	WHERE f.org_id = ? AND f.is_open = 1 AND f.rank_kev = 0`

// OpenFindings is how many findings are open: those of the newest import
// that covered their asset (or, unmatched, their host and target), as
// tallied when imports land.
func (sc *Scoped) OpenFindings(ctx context.Context) (int, error) {
	s := sc.s
	var n int
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT COALESCE((SELECT open_findings FROM finding_tallies WHERE org_id = ?), 0)`), sc.org.ID).Scan(&n)
	return n, translate(err, "findings")
}

// EachKEVOpenFinding streams the open findings whose CVE the KEV catalog
// lists, with when each was first found there, the asset's exposure, and
// the CVE's KEV entry, read through the index of the order to fix.
func (sc *Scoped) EachKEVOpenFinding(ctx context.Context, fn func(*OpenFinding) error) error {
	ctx = heavy(ctx) // as many as the KEV-listed open findings: on the heavy pool
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(kevOpenQuery), sc.org.ID)
	if err != nil {
		return translate(err, "findings")
	}
	defer rows.Close()
	for rows.Next() {
		var f OpenFinding
		if err := rows.Scan(openFields(&f)...); err != nil {
			return translate(err, "findings")
		}
		f.FirstSeen, f.AsOf = f.FirstSeen[:min(10, len(f.FirstSeen))], f.AsOf[:min(10, len(f.AsOf))]
		if err := fn(&f); err != nil {
			return err
		}
	}
	return translate(rows.Err(), "findings")
}

// Stage takes one record behind a check's verdict, as the check finds it.
type Stage func(checkID string, rec CheckRecord) error

// Proposals returns the vulnerabilities a run's failing results propose
// to the risk register, given those the register already holds from
// checks (their check ids).
type Proposals func(results []*CheckResult, existing []*risk.Vulnerability) []*risk.Vulnerability

// SaveCheckRun stores one run of the checks in one transaction: run is
// called inside it with a stage for the records behind the verdicts,
// which are written as they are found into a staging table (a run holds
// none of them) and numbered heaviest first by the database when the run
// ends; each result is recorded as a dated input of the scorecard for its
// goal and Security Rule items; and the vulnerabilities propose returns
// are added to the register, linked to their results. The results carry
// their ids, their record count and, for a failing check, its five
// heaviest records.
func (sc *Scoped) SaveCheckRun(ctx context.Context, run func(stage Stage) ([]*CheckResult, error), propose Proposals) ([]*CheckResult, error) {
	s := sc.s
	runID, err := newID()
	if err != nil {
		return nil, err
	}
	// Each check's result gets its id when its first record, or its
	// result, comes.
	ids := map[string]string{}
	idFor := func(checkID string) (string, error) {
		if id, ok := ids[checkID]; ok {
			return id, nil
		}
		id, err := newID()
		ids[checkID] = id
		return id, err
	}
	var results []*CheckResult
	err = s.audited(ctx, func(tx *sql.Tx) (change, error) {
		create := `CREATE TEMP TABLE check_staging (result_id TEXT NOT NULL, kind TEXT NOT NULL, record_id TEXT NOT NULL, label TEXT NOT NULL, reason TEXT NOT NULL, weight INTEGER NOT NULL)`
		if s.engine == Postgres {
			create += ` ON COMMIT DROP`
		}
		if _, err := tx.ExecContext(ctx, create); err != nil {
			return change{}, translate(err, "check records")
		}
		staged := s.newInserter(ctx, tx, "check_staging", "result_id, kind, record_id, label, reason, weight", "check records")
		defer staged.close()
		var err error
		results, err = run(func(checkID string, rec CheckRecord) error {
			id, err := idFor(checkID)
			if err != nil {
				return err
			}
			return staged.add(id, rec.Kind, rec.ID, rec.Label, rec.Reason, rec.Weight)
		})
		if err != nil {
			return change{}, err
		}
		if err := staged.flush(); err != nil {
			return change{}, err
		}
		for _, r := range results {
			if r.ID, err = idFor(r.Check.ID); err != nil {
				return change{}, err
			}
		}
		if err := sc.insertResults(ctx, tx, runID, results); err != nil {
			return change{}, err
		}
		// The order of sortRecords: heaviest first, then by label and id,
		// compared byte by byte as Go compares them.
		collate := ""
		if s.engine == Postgres {
			collate = ` COLLATE "C"`
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO check_records (result_id, seq, kind, record_id, label, reason, weight)
			SELECT result_id, ROW_NUMBER() OVER (PARTITION BY result_id ORDER BY weight DESC, label`+collate+`, record_id`+collate+`) - 1, kind, record_id, label, reason, weight
			FROM check_staging`); err != nil {
			return change{}, translate(err, "check records")
		}
		if s.engine == SQLite {
			if _, err := tx.ExecContext(ctx, `DROP TABLE temp.check_staging`); err != nil {
				return change{}, translate(err, "check records")
			}
		}
		for _, r := range results {
			if r.Status != CheckFail {
				continue
			}
			// The heaviest records, for the proposal to quote.
			if r.Records, err = sc.checkRecords(ctx, tx, r.ID, 0, 5); err != nil {
				return change{}, err
			}
		}
		return sc.saveRun(ctx, tx, runID, results, propose)
	})
	if err != nil {
		return nil, err
	}
	return results, nil
}

// insertResults writes a run's results, before their records.
func (sc *Scoped) insertResults(ctx context.Context, tx *sql.Tx, runID string, results []*CheckResult) error {
	s := sc.s
	for _, r := range results {
		counts, _ := json.Marshal(r.Counts)
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO check_results (id, org_id, run_id, check_id, status, goal_status, counts, detail, records, ran_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			r.ID, sc.org.ID, runID, r.Check.ID, string(r.Status), string(r.GoalStatus), string(counts), r.Detail, r.RecordCount, formatTime(r.At)); err != nil {
			return translate(err, "check results")
		}
	}
	return nil
}

// saveRun records a run's results, written with their records, as dated
// inputs of the scorecard, and the proposals of failing checks.
func (sc *Scoped) saveRun(ctx context.Context, tx *sql.Tx, runID string, results []*CheckResult, propose Proposals) (change, error) {
	s := sc.s
	summary := map[string]string{}
	for _, r := range results {
		for _, goal := range r.Goals() {
			in := r.Input(goal)
			id, err := newID()
			if err != nil {
				return change{}, err
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO scorecard_inputs (id, org_id, goal_id, source, label, status, detail, ref, observed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				id, sc.org.ID, in.Goal, in.Source, in.Label, string(in.Status), in.Detail, in.Ref, formatTime(in.Date)); err != nil {
				return change{}, translate(err, "scorecard input")
			}
		}
		summary[r.Check.ID] = string(r.Status)
	}
	proposed, err := sc.proposeFromChecks(ctx, tx, results, propose)
	if err != nil {
		return change{}, err
	}
	return change{orgID: sc.org.ID, action: "check.run", target: "run:" + runID, after: map[string]any{"results": summary, "proposed": proposed}}, nil
}

// proposeFromChecks adds to the register a proposed vulnerability for
// each failing check that has none, and links the vulnerabilities of
// failing checks not dismissed to their newest result. It returns the
// titles proposed.
func (sc *Scoped) proposeFromChecks(ctx context.Context, tx *sql.Tx, results []*CheckResult, propose Proposals) ([]string, error) {
	s := sc.s
	rows, err := tx.QueryContext(ctx, s.rebind(`SELECT check_id FROM vulnerabilities WHERE org_id = ? AND check_id <> ''`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "vulnerabilities")
	}
	var existing []*risk.Vulnerability
	for rows.Next() {
		v := &risk.Vulnerability{}
		if err := rows.Scan(&v.CheckID); err != nil {
			rows.Close()
			return nil, translate(err, "vulnerabilities")
		}
		existing = append(existing, v)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "vulnerabilities")
	}
	for _, r := range results {
		if r.Status == CheckFail {
			if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE vulnerabilities SET check_result_id = ? WHERE org_id = ? AND check_id = ? AND status <> 'dismissed'`), r.ID, sc.org.ID, r.Check.ID); err != nil {
				return nil, translate(err, "vulnerabilities")
			}
		}
	}
	now := s.now().UTC()
	var titles []string
	for _, v := range propose(results, existing) {
		if err := sc.insertVulnerability(ctx, tx, v, now); err != nil {
			return nil, err
		}
		titles = append(titles, v.Title)
	}
	return titles, nil
}

// CheckResults returns the newest result of each check, without records.
func (sc *Scoped) CheckResults(ctx context.Context) ([]*CheckResult, error) {
	return sc.checkResults(ctx, `SELECT id, check_id, status, goal_status, counts, detail, records, ran_at FROM (
		SELECT *, ROW_NUMBER() OVER (PARTITION BY check_id ORDER BY ran_at DESC, id DESC) AS n FROM check_results WHERE org_id = ?) newest
		WHERE n = 1`, sc.org.ID)
}

// CheckResult returns one stored result with its records from the
// offset-th, at most limit (0: all). Errors: NotFound.
func (sc *Scoped) CheckResult(ctx context.Context, id string, offset, limit int) (*CheckResult, error) {
	rs, err := sc.checkResults(ctx, `SELECT id, check_id, status, goal_status, counts, detail, records, ran_at FROM check_results WHERE org_id = ? AND id = ?`, sc.org.ID, id)
	if err != nil {
		return nil, err
	}
	if len(rs) == 0 {
		return nil, errs.New(errs.NotFound, "check result not found")
	}
	r := rs[0]
	if r.Records, err = sc.checkRecords(ctx, sc.s.read, id, offset, limit); err != nil {
		return nil, err
	}
	return r, nil
}

// checkRecords reads a result's records from the offset-th, at most limit
// (0: all).
func (sc *Scoped) checkRecords(ctx context.Context, q querier, resultID string, offset, limit int) ([]CheckRecord, error) {
	query := `SELECT kind, record_id, label, reason, weight FROM check_records WHERE result_id = ? AND seq >= ? ORDER BY seq`
	args := []any{resultID, max(offset, 0)}
	if limit > 0 {
		query, args = query+` LIMIT ?`, append(args, limit)
	}
	rows, err := q.QueryContext(ctx, sc.s.rebind(query), args...)
	if err != nil {
		return nil, translate(err, "check records")
	}
	defer rows.Close()
	out := []CheckRecord{}
	for rows.Next() {
		var rec CheckRecord
		if err := rows.Scan(&rec.Kind, &rec.ID, &rec.Label, &rec.Reason, &rec.Weight); err != nil {
			return nil, translate(err, "check records")
		}
		out = append(out, rec)
	}
	return out, translate(rows.Err(), "check records")
}

func (sc *Scoped) checkResults(ctx context.Context, q string, args ...any) ([]*CheckResult, error) {
	rows, err := sc.s.reader(ctx).QueryContext(ctx, sc.s.rebind(q), args...)
	if err != nil {
		return nil, translate(err, "check results")
	}
	defer rows.Close()
	byID := map[string]*CheckResult{}
	for rows.Next() {
		var r CheckResult
		var checkID, status, goal, counts, at string
		if err := rows.Scan(&r.ID, &checkID, &status, &goal, &counts, &r.Detail, &r.RecordCount, &at); err != nil {
			return nil, translate(err, "check results")
		}
		c := CheckDef{ID: checkID, Title: checkID}
		if i := slices.IndexFunc(sc.s.checks, func(d CheckDef) bool { return d.ID == checkID }); i >= 0 {
			c = sc.s.checks[i]
		}
		r.Check, r.Status, r.GoalStatus = c, CheckStatus(status), assessment.GoalStatus(goal)
		if err := json.Unmarshal([]byte(counts), &r.Counts); err != nil {
			return nil, errs.Wrap(errs.Internal, "check result counts", err)
		}
		if r.At, err = parseTime(at); err != nil {
			return nil, errs.Wrap(errs.Internal, "check result time", err)
		}
		byID[checkID] = &r
	}
	if err := rows.Err(); err != nil {
		return nil, translate(err, "check results")
	}
	var out []*CheckResult
	for _, c := range sc.s.checks { // the order Open was given (check.Catalog's)
		if r, ok := byID[c.ID]; ok {
			out = append(out, r)
			delete(byID, c.ID)
		}
	}
	for _, r := range byID {
		out = append(out, r)
	}
	return out, nil
}

// querier is a transaction or the read pool.
type querier interface {
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
}
