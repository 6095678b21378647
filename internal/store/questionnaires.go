package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// Questionnaires returns the organisation's own questionnaires, every
// version, by title and newest version first.
func (sc *Scoped) Questionnaires(ctx context.Context) ([]*vendor.Questionnaire, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT body FROM questionnaires WHERE org_id = ? ORDER BY title, ref, created_at DESC, id DESC`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "questionnaires")
	}
	defer rows.Close()
	out := []*vendor.Questionnaire{}
	for rows.Next() {
		var body string
		if err := rows.Scan(&body); err != nil {
			return nil, translate(err, "questionnaires")
		}
		var q vendor.Questionnaire
		if err := json.Unmarshal([]byte(body), &q); err != nil {
			return nil, errs.Wrap(errs.Internal, "a stored questionnaire", err)
		}
		out = append(out, &q)
	}
	return out, translate(rows.Err(), "questionnaires")
}

// SaveQuestionnaire stores a version of one of the organisation's own
// questionnaires. Errors: Conflict when that version exists (a version,
// once sent, is never changed: give the next one a new version).
func (sc *Scoped) SaveQuestionnaire(ctx context.Context, q *vendor.Questionnaire) error {
	s := sc.s
	body, err := json.Marshal(q)
	if err != nil {
		return errs.Wrap(errs.Internal, "a questionnaire", err)
	}
	id, err := newID()
	if err != nil {
		return err
	}
	by := audit.ActorFrom(ctx).Label
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var n int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM questionnaires WHERE org_id = ? AND ref = ? AND version = ?`), sc.org.ID, q.ID, q.Version).Scan(&n); err != nil {
			return change{}, translate(err, "questionnaire")
		}
		if n > 0 {
			return change{}, errs.New(errs.Conflict, "version "+q.Version+" of "+q.Title+" exists: give the changed questionnaire a new version")
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO questionnaires (id, org_id, ref, version, title, body, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, q.ID, q.Version, q.Title, string(body), formatTime(s.now()), by); err != nil {
			return change{}, translate(err, "questionnaire")
		}
		return change{orgID: sc.org.ID, action: "questionnaire.create", target: "questionnaire:" + q.ID + "@" + q.Version,
			after: map[string]any{"title": q.Title, "questions": len(q.Questions)}}, nil
	})
}

// Questionnaire returns a version of one of the organisation's own
// questionnaires. Errors: NotFound.
func (sc *Scoped) Questionnaire(ctx context.Context, ref, version string) (*vendor.Questionnaire, error) {
	s := sc.s
	var body string
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT body FROM questionnaires WHERE org_id = ? AND ref = ? AND version = ?`), sc.org.ID, ref, version).Scan(&body)
	if err != nil {
		return nil, translate(err, "questionnaire")
	}
	var q vendor.Questionnaire
	if err := json.Unmarshal([]byte(body), &q); err != nil {
		return nil, errs.Wrap(errs.Internal, "a stored questionnaire", err)
	}
	return &q, nil
}

const requestColumns = "id, org_id, vendor_id, questionnaire, channel, recipient, sent_at, sent_by, expires_at, state, COALESCE(answered_at, ''), respondent, answers"

func scanRequest(row scanner) (*vendor.Request, string, error) {
	var r vendor.Request
	var orgID, body, sent, expires, answered, answers string
	if err := row.Scan(&r.ID, &orgID, &r.VendorID, &body, &r.Channel, &r.Recipient, &sent, &r.SentBy, &expires, &r.State, &answered, &r.Respondent, &answers); err != nil {
		return nil, "", err
	}
	r.Questionnaire = &vendor.Questionnaire{}
	if err := json.Unmarshal([]byte(body), r.Questionnaire); err != nil {
		return nil, "", err
	}
	var err error
	if r.SentAt, err = parseTime(sent); err != nil {
		return nil, "", err
	}
	if r.ExpiresAt, err = parseTime(expires); err != nil {
		return nil, "", err
	}
	if answered != "" {
		t, err := parseTime(answered)
		if err != nil {
			return nil, "", err
		}
		r.AnsweredAt = &t
	}
	if answers != "" {
		if err := json.Unmarshal([]byte(answers), &r.Answers); err != nil {
			return nil, "", err
		}
		if err := r.Rescore(); err != nil {
			return nil, "", err
		}
	}
	return &r, orgID, nil
}

// CreateQuestionnaireRequest records a questionnaire sent to one of the
// organisation's vendors; a link's token is kept by its hash only ("" for
// a workbook). Errors: NotFound for another organisation's vendor.
func (sc *Scoped) CreateQuestionnaireRequest(ctx context.Context, r *vendor.Request, tokenHash string, after ...TxFunc) error {
	s := sc.s
	body, err := json.Marshal(r.Questionnaire)
	if err != nil {
		return errs.Wrap(errs.Internal, "a questionnaire", err)
	}
	id, err := newID()
	if err != nil {
		return err
	}
	var hash any
	if tokenHash != "" {
		hash = tokenHash
	}
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		if err := sc.ownVendor(ctx, tx, r.VendorID, errs.NotFound, "vendor not found"); err != nil {
			return change{}, err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO questionnaire_requests (id, org_id, vendor_id, questionnaire, ref, version, channel, token_hash, recipient, sent_at, sent_by, expires_at, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'sent')`),
			id, sc.org.ID, r.VendorID, string(body), r.Questionnaire.ID, r.Questionnaire.Version, r.Channel, hash, r.Recipient, formatTime(r.SentAt), r.SentBy, formatTime(r.ExpiresAt)); err != nil {
			return change{}, translate(err, "questionnaire request")
		}
		r.ID, r.State = id, vendor.RequestSent
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "vendor.questionnaire.send", target: "vendor:" + r.VendorID,
			after: map[string]any{"request": id, "questionnaire": r.Questionnaire.ID + "@" + r.Questionnaire.Version, "channel": r.Channel, "recipient": r.Recipient, "expires_at": formatTime(r.ExpiresAt)}}, nil
	})
}

// QuestionnaireRequests returns the questionnaires sent to the
// organisation's vendors (one vendor's, when vendorID is not ""), newest
// first, with their answers scored.
func (sc *Scoped) QuestionnaireRequests(ctx context.Context, vendorID string) ([]*vendor.Request, error) {
	s := sc.s
	q, args := `SELECT `+requestColumns+` FROM questionnaire_requests WHERE org_id = ?`, []any{sc.org.ID}
	if vendorID != "" {
		q, args = q+` AND vendor_id = ?`, append(args, vendorID)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q+` ORDER BY sent_at DESC, id DESC`), args...)
	if err != nil {
		return nil, translate(err, "questionnaire requests")
	}
	defer rows.Close()
	out := []*vendor.Request{}
	for rows.Next() {
		r, _, err := scanRequest(rows)
		if err != nil {
			return nil, translate(err, "questionnaire requests")
		}
		out = append(out, r)
	}
	return out, translate(rows.Err(), "questionnaire requests")
}

// QuestionnaireRequest returns one questionnaire sent to a vendor of the
// organisation. Errors: NotFound.
func (sc *Scoped) QuestionnaireRequest(ctx context.Context, id string) (*vendor.Request, error) {
	s := sc.s
	r, _, err := scanRequest(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+requestColumns+` FROM questionnaire_requests WHERE id = ? AND org_id = ?`), id, sc.org.ID))
	if err != nil {
		return nil, translate(err, "questionnaire request")
	}
	return r, nil
}

// RevokeQuestionnaireRequest ends an unanswered request: its link stops
// working. Errors: NotFound when the organisation has no request by that
// id; Conflict when it was answered or withdrawn already.
func (sc *Scoped) RevokeQuestionnaireRequest(ctx context.Context, id string) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		var vendorID, state string
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT vendor_id, state FROM questionnaire_requests WHERE id = ? AND org_id = ?`), id, sc.org.ID).Scan(&vendorID, &state); err != nil {
			return change{}, translate(err, "questionnaire request")
		}
		if state != vendor.RequestSent {
			return change{}, errs.New(errs.Conflict, "this questionnaire was "+state+" already")
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE questionnaire_requests SET state = 'revoked', token_hash = NULL WHERE id = ?`), id); err != nil {
			return change{}, translate(err, "questionnaire request")
		}
		return change{orgID: sc.org.ID, action: "vendor.questionnaire.revoke", target: "vendor:" + vendorID, after: map[string]string{"request": id}}, nil
	})
}

// QuestionnaireRequestByToken is the request a link's token hashes to,
// with its organisation, whatever its state. Errors: NotFound.
func (s *Store) QuestionnaireRequestByToken(ctx context.Context, tokenHash string) (*vendor.Request, *org.Organization, error) {
	if tokenHash == "" {
		return nil, nil, errs.New(errs.NotFound, "questionnaire request not found")
	}
	r, orgID, err := scanRequest(s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT `+requestColumns+` FROM questionnaire_requests WHERE token_hash = ?`), tokenHash))
	if err != nil {
		return nil, nil, translate(err, "questionnaire request")
	}
	o, err := s.Organization(ctx, orgID)
	if err != nil {
		return nil, nil, err
	}
	return r, o, nil
}

// AnswerQuestionnaireRequest records a vendor's answers to a request of
// the organisation that is still open at `at` (r.Answers, r.Respondent),
// with the evidence staged behind them, in one transaction: the evidence
// enters the vault, each answer names its evidence, the link's token is
// spent, and after runs. Errors: Conflict when the request was answered,
// revoked or expired meanwhile; NotFound.
func (sc *Scoped) AnswerQuestionnaireRequest(ctx context.Context, r *vendor.Request, staged []*evidence.Staged, at time.Time, after ...TxFunc) error {
	s := sc.s
	return s.inTx(ctx, func(tx *sql.Tx) error {
		for _, st := range staged {
			ch, err := s.insertEvidence(ctx, tx, sc.org.ID, st.Evidence, st.Version)
			if err != nil {
				return err
			}
			if err := s.appendAudit(ctx, tx, ch); err != nil {
				return err
			}
			if a, ok := r.Answers[st.For]; ok {
				a.EvidenceID = st.Evidence.ID
				r.Answers[st.For] = a
			}
		}
		if err := r.Rescore(); err != nil {
			return err
		}
		answers, err := json.Marshal(r.Answers)
		if err != nil {
			return errs.Wrap(errs.Internal, "answers", err)
		}
		res, err := tx.ExecContext(ctx, s.rebind(`UPDATE questionnaire_requests SET state = 'answered', token_hash = NULL, answered_at = ?, respondent = ?, answers = ?, percent = ?, exceptions = ?
			WHERE id = ? AND org_id = ? AND state = 'sent' AND expires_at > ?`),
			formatTime(at), r.Respondent, string(answers), r.Score.Percent, len(r.Score.Exceptions), r.ID, sc.org.ID, formatTime(at))
		if err != nil {
			return translate(err, "questionnaire request")
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errs.New(errs.Conflict, "this questionnaire was answered, withdrawn or has expired: ask the organisation for a new link")
		}
		r.State, r.AnsweredAt = vendor.RequestAnswered, &at
		if err := runAfter(ctx, tx, after); err != nil {
			return err
		}
		return s.appendAudit(ctx, tx, change{orgID: sc.org.ID, action: "vendor.questionnaire.answer", target: "vendor:" + r.VendorID,
			after: map[string]any{"request": r.ID, "respondent": r.Respondent, "channel": r.Channel, "percent": r.Score.Percent, "exceptions": len(r.Score.Exceptions), "evidence": len(staged)}})
	})
}
