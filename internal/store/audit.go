package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
)

const auditColumns = "seq, at, org_id, actor_id, actor, source, action, target, before_json, after_json, prev_hash, hash"

// change is one audited change: what is recorded alongside a mutation, in
// its transaction, so that the change and its audit entry land together or
// not at all.
type change struct {
	orgID, action, target string
	before, after         any
}

// appendAudit adds an entry for ch to the chain inside tx, under the actor
// of ctx. On PostgreSQL an advisory lock orders appends from every node; on
// SQLite the single writer does. With a signer set (SignAuditWith), every
// AuditCheckpointEvery entries the newest is signed as a checkpoint, in
// the same transaction.
func (s *Store) appendAudit(ctx context.Context, tx *sql.Tx, ch change) error {
	if err := s.lockAudit(ctx, tx); err != nil {
		return err
	}
	last, err := newestAudit(ctx, tx)
	if err != nil {
		return err
	}
	e, err := s.insertAudit(ctx, tx, last, ch)
	if err != nil {
		return err
	}
	signer := s.auditSigner.Load()
	if signer == nil {
		return nil
	}
	var signed int64
	if err := tx.QueryRowContext(ctx, "SELECT COALESCE(MAX(seq), 0) FROM audit_checkpoints").Scan(&signed); err != nil {
		return translate(err, "audit checkpoints")
	}
	if e.Seq-signed < AuditCheckpointEvery {
		return nil
	}
	_, err = s.checkpointTx(ctx, tx, signer.sign, signer.kekID, e)
	return err
}

// lockAudit orders appends to the chain from every node, on PostgreSQL.
func (s *Store) lockAudit(ctx context.Context, tx *sql.Tx) error {
	if s.engine != Postgres {
		return nil
	}
	_, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock(7215200002)")
	return translate(err, "audit lock")
}

// newestAudit is the newest entry's seq, hash and action (zero seq and the
// genesis hash when the log is empty).
func newestAudit(ctx context.Context, tx *sql.Tx) (*audit.Entry, error) {
	e := &audit.Entry{Hash: audit.GenesisHash}
	err := tx.QueryRowContext(ctx, "SELECT seq, hash, action FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&e.Seq, &e.Hash, &e.Action)
	if err != nil && err != sql.ErrNoRows {
		return nil, translate(err, "audit log")
	}
	return e, nil
}

// insertAudit writes the entry for ch after last.
func (s *Store) insertAudit(ctx context.Context, tx *sql.Tx, last *audit.Entry, ch change) (*audit.Entry, error) {
	a := audit.ActorFrom(ctx)
	e := &audit.Entry{Seq: last.Seq + 1, PrevHash: last.Hash, At: s.now().UTC().Truncate(time.Microsecond)}
	e.OrgID, e.ActorID, e.Actor, e.Source = ch.orgID, a.ID, a.Label, a.Source
	e.Action, e.Target, e.Before, e.After = ch.action, ch.target, audit.JSON(ch.before), audit.JSON(ch.after)
	e.Hash = e.ComputeHash()
	_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO audit_log (`+auditColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		e.Seq, e.At.Format(audit.TimeFormat), e.OrgID, e.ActorID, e.Actor, e.Source, e.Action, e.Target, e.Before, e.After, e.PrevHash, e.Hash)
	if err != nil {
		return nil, translate(err, "audit entry")
	}
	if e.OrgID != "" && e.Actor != "" {
		// Who has recorded what, kept with the entry (AuditActors).
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO audit_actors (org_id, action, actor, first_seq, first_at, last_seq) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, action, actor) DO UPDATE SET last_seq = excluded.last_seq`), e.OrgID, e.Action, e.Actor, e.Seq, e.At.Format(audit.TimeFormat), e.Seq); err != nil {
			return nil, translate(err, "audit actors")
		}
	}
	return e, nil
}

// AuditActors lists who recorded, before the time given, entries of the
// organisation whose action begins with one of prefixes (such as
// "asset." or "org.profile_update"), most recently active first: from
// the rows kept as entries are appended, not the trail itself.
func (sc *Scoped) AuditActors(ctx context.Context, prefixes []string, before time.Time) ([]string, error) {
	s := sc.s
	if len(prefixes) == 0 {
		return nil, nil
	}
	var match []string
	args := []any{sc.org.ID, before.UTC().Format(audit.TimeFormat)}
	for _, p := range prefixes {
		match = append(match, `substr(action, 1, ?) = ?`)
		args = append(args, len(p), p)
	}
	return s.queryStrings(ctx, "audit actors", `SELECT actor FROM audit_actors WHERE org_id = ? AND first_at < ? AND (`+strings.Join(match, " OR ")+`)
		GROUP BY actor ORDER BY MAX(last_seq) DESC, actor`, args...)
}

// audited runs fn in a write transaction and appends the change it returns
// to the audit log in the same transaction.
func (s *Store) audited(ctx context.Context, fn func(tx *sql.Tx) (change, error)) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		ch, err := fn(tx)
		if err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, ch)
	})
}

// RecordEvent appends a security event that changes no record (a failed
// login, an export) to the audit log.
func (s *Store) RecordEvent(ctx context.Context, orgID, action, target string, detail any) error {
	return s.audited(ctx, func(*sql.Tx) (change, error) {
		return change{orgID: orgID, action: action, target: target, after: detail}, nil
	})
}

// AuditFilter narrows AuditLog.
type AuditFilter struct {
	OrgID  string    // "" for every organisation and the installation
	Limit  int       // newest first; 100 when 0
	Before int64     // entries before this seq; 0 for the newest
	From   time.Time // entries at or after this time; zero for no bound
	To     time.Time // entries before this time; zero for no bound
}

// AuditLog returns entries newest first.
func (s *Store) AuditLog(ctx context.Context, f AuditFilter) ([]audit.Entry, error) {
	if f.Limit <= 0 {
		f.Limit = 100
	}
	q, args := `SELECT `+auditColumns+` FROM audit_log WHERE 1 = 1`, []any{}
	if f.OrgID != "" {
		q, args = q+" AND org_id = ?", append(args, f.OrgID)
	}
	if f.Before > 0 {
		q, args = q+" AND seq < ?", append(args, f.Before)
	}
	if !f.From.IsZero() {
		q, args = q+" AND at >= ?", append(args, f.From.UTC().Format(audit.TimeFormat))
	}
	if !f.To.IsZero() {
		q, args = q+" AND at < ?", append(args, f.To.UTC().Format(audit.TimeFormat))
	}
	q, args = q+" ORDER BY seq DESC LIMIT ?", append(args, f.Limit)
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, translate(err, "audit log")
	}
	defer rows.Close()
	var out []audit.Entry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *e)
	}
	return out, translate(rows.Err(), "audit log")
}

// VerifyAudit walks the whole chain in order and reports the first entry
// that does not hold. It reads in pages, so a log of any length is checked
// in bounded memory.
func (s *Store) VerifyAudit(ctx context.Context) (audit.Verification, error) {
	w := audit.NewVerifier()
	const page = 5000
	var after int64
	for {
		rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+auditColumns+` FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`), after, page)
		if err != nil {
			return audit.Verification{}, translate(err, "audit log")
		}
		n := 0
		for rows.Next() {
			e, err := scanAudit(rows)
			if err != nil {
				rows.Close()
				return audit.Verification{}, err
			}
			w.Next(e)
			after = e.Seq
			n++
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return audit.Verification{}, translate(err, "audit log")
		}
		if n < page || w.Result().Broken != nil {
			return w.Result(), nil
		}
	}
}

func scanAudit(sc scanner) (*audit.Entry, error) {
	var e audit.Entry
	var at string
	if err := sc.Scan(&e.Seq, &at, &e.OrgID, &e.ActorID, &e.Actor, &e.Source, &e.Action, &e.Target, &e.Before, &e.After, &e.PrevHash, &e.Hash); err != nil {
		return nil, translate(err, "audit entry")
	}
	// An unreadable time is tampering too: the entry keeps a zero time, its
	// hash no longer matches, and the verifier reports it at its place.
	e.At, _ = time.Parse(audit.TimeFormat, at)
	return &e, nil
}
