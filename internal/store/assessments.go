package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
)

const assessmentColumns = "id, org_id, framework, framework_version, title, state, based_on, created_at, created_by, finalized_at, finalized_by, snapshot_sha256"

const answerColumns = "item_id, status, notes, owner, target_date, questions, decision_kind, decision_measure, decision_reason, source, carried_forward, updated_at, updated_by"

// CreateAssessment stores a new draft with its first answers (those carried
// forward from a previous assessment), setting its id, creator and time.
// Errors: Conflict when a draft of the same framework is open.
func (sc *Scoped) CreateAssessment(ctx context.Context, a *assessment.Assessment, answers []*assessment.Answer) error {
	s := sc.s
	id, err := uuid.NewV7()
	if err != nil {
		return errs.Wrap(errs.Internal, "", err)
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	by := audit.ActorFrom(ctx).Label
	err = s.audited(ctx, func(tx *sql.Tx) (change, error) {
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO assessments (id, org_id, framework, framework_version, title, state, based_on, created_at, created_by) VALUES (?, ?, ?, ?, ?, 'draft', ?, ?, ?)`),
			id.String(), sc.org.ID, a.Framework, a.FrameworkVersion, a.Title, a.BasedOn, formatTime(now), by)
		if err != nil {
			err = translate(err, "assessment")
			if errs.Is(err, errs.Conflict) {
				err = errs.New(errs.Conflict, "a draft assessment of this framework is already open: finish or finalise it first")
			}
			return change{}, err
		}
		for _, ans := range answers {
			ans.UpdatedAt, ans.UpdatedBy = now, by
			if err := s.upsertAnswer(ctx, tx, id.String(), ans); err != nil {
				return change{}, err
			}
		}
		return change{orgID: sc.org.ID, action: "assessment.create", target: "assessment:" + id.String(),
			after: map[string]any{"framework": a.Framework, "version": a.FrameworkVersion, "title": a.Title, "based_on": a.BasedOn, "answers_carried_forward": len(answers)}}, nil
	})
	if err != nil {
		return err
	}
	a.ID, a.OrgID, a.State, a.CreatedAt, a.CreatedBy = id.String(), sc.org.ID, assessment.Draft, now, by
	return nil
}

// Assessments lists the organisation's assessments, newest first.
func (sc *Scoped) Assessments(ctx context.Context) ([]*assessment.Assessment, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+assessmentColumns+` FROM assessments WHERE org_id = ? ORDER BY created_at DESC, id DESC`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "assessments")
	}
	defer rows.Close()
	var out []*assessment.Assessment
	for rows.Next() {
		a, err := scanAssessment(rows)
		if err != nil {
			return nil, translate(err, "assessments")
		}
		out = append(out, a)
	}
	return out, translate(rows.Err(), "assessments")
}

// Assessment returns one of the organisation's assessments. Errors:
// NotFound, also for another organisation's.
func (sc *Scoped) Assessment(ctx context.Context, id string) (*assessment.Assessment, error) {
	s := sc.s
	a, err := scanAssessment(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+assessmentColumns+` FROM assessments WHERE id = ? AND org_id = ?`), id, sc.org.ID))
	if err != nil {
		return nil, translate(err, "assessment")
	}
	return a, nil
}

// AssessmentSnapshot returns a final assessment's frozen record. Errors:
// NotFound, also for a draft.
func (sc *Scoped) AssessmentSnapshot(ctx context.Context, id string) ([]byte, error) {
	s := sc.s
	var snap string
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT snapshot FROM assessments WHERE id = ? AND org_id = ? AND state = 'final'`), id, sc.org.ID).Scan(&snap)
	if err != nil {
		return nil, translate(err, "final assessment")
	}
	return []byte(snap), nil
}

// Answers returns an assessment's answers by item id.
func (sc *Scoped) Answers(ctx context.Context, assessmentID string) (map[string]*assessment.Answer, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+answerColumns+` FROM answers WHERE assessment_id = ? AND assessment_id IN (SELECT id FROM assessments WHERE org_id = ?)`), assessmentID, sc.org.ID)
	if err != nil {
		return nil, translate(err, "answers")
	}
	defer rows.Close()
	out := map[string]*assessment.Answer{}
	for rows.Next() {
		a, err := scanAnswer(rows)
		if err != nil {
			return nil, err
		}
		out[a.ItemID] = a
	}
	return out, translate(rows.Err(), "answers")
}

// lockDraft takes the assessment's row for the transaction and checks it is
// an open draft of the organisation: a save and a finalise on the same
// assessment are serialised, and nothing changes a final one.
func (sc *Scoped) lockDraft(ctx context.Context, tx *sql.Tx, id string) error {
	s := sc.s
	res, err := tx.ExecContext(ctx, s.rebind(`UPDATE assessments SET state = state WHERE id = ? AND org_id = ? AND state = 'draft'`), id, sc.org.ID)
	if err != nil {
		return translate(err, "assessment")
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	var state string
	err = tx.QueryRowContext(ctx, s.rebind(`SELECT state FROM assessments WHERE id = ? AND org_id = ?`), id, sc.org.ID).Scan(&state)
	if errors.Is(err, sql.ErrNoRows) {
		return errs.New(errs.NotFound, "assessment not found")
	}
	if err != nil {
		return translate(err, "assessment")
	}
	return errs.New(errs.Conflict, "this assessment is final and read-only: start a new one from it to make changes")
}

// SaveAnswers writes answers to a draft in one transaction, with one audit
// entry (named by action) holding each answer before and after. Errors:
// NotFound, Conflict when the assessment is final.
func (sc *Scoped) SaveAnswers(ctx context.Context, assessmentID, action string, answers []*assessment.Answer) error {
	return sc.s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.lockDraft(ctx, tx, assessmentID); err != nil {
			return change{}, err
		}
		diffs, err := sc.saveAnswers(ctx, tx, assessmentID, answers)
		if err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: action, target: "assessment:" + assessmentID, after: diffs}, nil
	})
}

// answerDiff is an answer before and after, as the audit log records it.
type answerDiff struct {
	Item   string             `json:"item"`
	Before *assessment.Answer `json:"before,omitempty"`
	After  *assessment.Answer `json:"after"`
}

// saveAnswers upserts answers inside tx (the caller has locked the draft).
func (sc *Scoped) saveAnswers(ctx context.Context, tx *sql.Tx, assessmentID string, answers []*assessment.Answer) ([]answerDiff, error) {
	s := sc.s
	now := s.now().UTC().Truncate(time.Microsecond)
	by := audit.ActorFrom(ctx).Label
	diffs := make([]answerDiff, 0, len(answers))
	for _, ans := range answers {
		before, err := scanAnswer(tx.QueryRowContext(ctx, s.rebind(`SELECT `+answerColumns+` FROM answers WHERE assessment_id = ? AND item_id = ?`), assessmentID, ans.ItemID))
		if err != nil && !errs.Is(err, errs.NotFound) {
			return nil, err
		}
		ans.UpdatedAt, ans.UpdatedBy = now, by
		if err := s.upsertAnswer(ctx, tx, assessmentID, ans); err != nil {
			return nil, err
		}
		diffs = append(diffs, answerDiff{ans.ItemID, before, ans})
	}
	return diffs, nil
}

// SavePendingImport keeps a previewed workbook import until a person
// applies it, returning its id.
func (sc *Scoped) SavePendingImport(ctx context.Context, assessmentID, filename, sha string, preview []byte) (string, error) {
	s := sc.s
	id, err := uuid.NewV7()
	if err != nil {
		return "", errs.Wrap(errs.Internal, "", err)
	}
	err = s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if _, err := scanAssessment(tx.QueryRowContext(ctx, s.rebind(`SELECT `+assessmentColumns+` FROM assessments WHERE id = ? AND org_id = ?`), assessmentID, sc.org.ID)); err != nil {
			return change{}, translate(err, "assessment")
		}
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO assessment_imports (id, org_id, assessment_id, filename, sha256, preview, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			id.String(), sc.org.ID, assessmentID, filename, sha, string(preview), formatTime(s.now()), audit.ActorFrom(ctx).Label)
		if err != nil {
			return change{}, translate(err, "import")
		}
		return change{orgID: sc.org.ID, action: "assessment.import_preview", target: "assessment:" + assessmentID, after: map[string]string{"import": id.String(), "file": filename, "sha256": sha}}, nil
	})
	return id.String(), err
}

// PendingImport returns a previewed import of an assessment. Errors:
// NotFound; Conflict when it was applied already.
func (sc *Scoped) PendingImport(ctx context.Context, assessmentID, importID string) ([]byte, error) {
	s := sc.s
	var preview, applied string
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT preview, applied_at FROM assessment_imports WHERE id = ? AND assessment_id = ? AND org_id = ?`), importID, assessmentID, sc.org.ID).Scan(&preview, &applied)
	if err != nil {
		return nil, translate(err, "import")
	}
	if applied != "" {
		return nil, errs.New(errs.Conflict, "this import was applied on "+applied[:10])
	}
	return []byte(preview), nil
}

// ApplyImport writes a previewed import's answers and marks it applied, in
// one transaction: it lands whole, once, or not at all. Errors: NotFound,
// Conflict when the assessment is final or the import already applied.
func (sc *Scoped) ApplyImport(ctx context.Context, assessmentID, importID string, answers []*assessment.Answer) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.lockDraft(ctx, tx, assessmentID); err != nil {
			return change{}, err
		}
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE assessment_imports SET applied_at = ? WHERE id = ? AND assessment_id = ? AND org_id = ? AND applied_at = ''`),
			formatTime(s.now()), importID, assessmentID, sc.org.ID)
		if err != nil {
			return change{}, translate(err, "import")
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return change{}, errs.New(errs.Conflict, "this import is unknown or was applied already")
		}
		diffs, err := sc.saveAnswers(ctx, tx, assessmentID, answers)
		if err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "assessment.import", target: "assessment:" + assessmentID, after: map[string]any{"import": importID, "answers": diffs}}, nil
	})
}

func (s *Store) upsertAnswer(ctx context.Context, tx *sql.Tx, assessmentID string, a *assessment.Answer) error {
	q, err := json.Marshal(a.Questions)
	if err != nil || a.Questions == nil {
		q = []byte("{}")
	}
	var d assessment.Decision
	if a.Decision != nil {
		d = *a.Decision
	}
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO answers (assessment_id, `+answerColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (assessment_id, item_id) DO UPDATE SET status = excluded.status, notes = excluded.notes, owner = excluded.owner,
		target_date = excluded.target_date, questions = excluded.questions, decision_kind = excluded.decision_kind,
		decision_measure = excluded.decision_measure, decision_reason = excluded.decision_reason, source = excluded.source,
		carried_forward = excluded.carried_forward, updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
		assessmentID, a.ItemID, string(a.Status), a.Notes, a.Owner, a.TargetDate, string(q), string(d.Kind), d.Measure, d.Reason,
		a.Source, a.CarriedForward, formatTime(a.UpdatedAt), a.UpdatedBy)
	return translate(err, "answer")
}

// FinalizeAssessment freezes a draft: final since at, by the actor of ctx,
// with the frozen record (which says the same) and its hash. Errors:
// NotFound, Conflict when final.
func (sc *Scoped) FinalizeAssessment(ctx context.Context, id string, at time.Time, snapshot []byte, sha string) error {
	s := sc.s
	by := audit.ActorFrom(ctx).Label
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.lockDraft(ctx, tx, id); err != nil {
			return change{}, err
		}
		_, err := tx.ExecContext(ctx, s.rebind(`UPDATE assessments SET state = 'final', finalized_at = ?, finalized_by = ?, snapshot = ?, snapshot_sha256 = ? WHERE id = ?`),
			formatTime(at), by, string(snapshot), sha, id)
		if err != nil {
			return change{}, translate(err, "assessment")
		}
		return change{orgID: sc.org.ID, action: "assessment.finalize", target: "assessment:" + id, after: map[string]string{"snapshot_sha256": sha}}, nil
	})
}

func scanAssessment(sc scanner) (*assessment.Assessment, error) {
	var a assessment.Assessment
	var state, created, finalized string
	if err := sc.Scan(&a.ID, &a.OrgID, &a.Framework, &a.FrameworkVersion, &a.Title, &state, &a.BasedOn, &created, &a.CreatedBy, &finalized, &a.FinalizedBy, &a.SnapshotSHA256); err != nil {
		return nil, err
	}
	a.State = assessment.State(state)
	a.CreatedAt, _ = parseTime(created)
	if finalized != "" {
		a.FinalizedAt, _ = parseTime(finalized)
	}
	return &a, nil
}

func scanAnswer(sc scanner) (*assessment.Answer, error) {
	var a assessment.Answer
	var status, questions, kind, measure, reason, updated string
	err := sc.Scan(&a.ItemID, &status, &a.Notes, &a.Owner, &a.TargetDate, &questions, &kind, &measure, &reason, &a.Source, &a.CarriedForward, &updated, &a.UpdatedBy)
	if err != nil {
		return nil, translate(err, "answer")
	}
	a.Status = assessment.Status(status)
	if err := json.Unmarshal([]byte(questions), &a.Questions); err != nil {
		return nil, errs.Wrap(errs.Internal, "answer "+a.ItemID+": stored questions are unreadable", err)
	}
	if kind != "" {
		a.Decision = &assessment.Decision{Kind: assessment.DecisionKind(kind), Measure: measure, Reason: reason}
	}
	a.UpdatedAt, _ = parseTime(updated)
	return &a, nil
}
