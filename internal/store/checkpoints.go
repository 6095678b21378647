package store

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// Signer makes and checks checkpoint MACs (vault.Keyring.MAC).
type Signer func(kekID string, data []byte) ([]byte, error)

// AuditCheckpointEvery is how many entries the chain may grow by before a
// writer holding the key (SignAuditWith) signs a checkpoint, besides the
// servers' hourly one.
const AuditCheckpointEvery = 1000

type auditSigner struct {
	sign  Signer
	kekID string
}

// SignAuditWith has every write through this store (and its copies) sign a
// checkpoint of the audit chain every AuditCheckpointEvery entries, with
// the KEK kekID.
func (s *Store) SignAuditWith(sign Signer, kekID string) {
	s.auditSigner.Store(&auditSigner{sign, kekID})
}

// AuditCheckpoint signs the newest entry of the chain under the KEK kekID,
// stores the checkpoint and records it in the chain. It returns nil, nil
// when there is nothing new to sign: the log is empty, or its newest entry
// is a checkpoint's or already has one (several servers may try at once).
func (s *Store) AuditCheckpoint(ctx context.Context, sign Signer, kekID string) (*audit.Checkpoint, error) {
	var cp *audit.Checkpoint
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.lockAudit(ctx, tx); err != nil {
			return err
		}
		last, err := newestAudit(ctx, tx)
		if err != nil || last.Seq == 0 || last.Action == audit.CheckpointAction {
			return err
		}
		cp, err = s.checkpointTx(ctx, tx, sign, kekID, last)
		return err
	})
	return cp, err
}

// checkpointTx signs entry e, stores the checkpoint and appends the entry
// that records it, in tx. nil when e has a checkpoint already.
func (s *Store) checkpointTx(ctx context.Context, tx *sql.Tx, sign Signer, kekID string, e *audit.Entry) (*audit.Checkpoint, error) {
	cp := &audit.Checkpoint{Seq: e.Seq, Hash: e.Hash, At: s.now().UTC().Truncate(time.Microsecond), KEKID: kekID}
	mac, err := sign(kekID, cp.Message())
	if err != nil {
		return nil, err
	}
	cp.MAC = hex.EncodeToString(mac)
	res, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO audit_checkpoints (seq, hash, at, kek_id, mac) VALUES (?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING`),
		cp.Seq, cp.Hash, cp.At.Format(audit.TimeFormat), cp.KEKID, cp.MAC)
	if err != nil {
		return nil, translate(err, "audit checkpoint")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil
	}
	_, err = s.insertAudit(ctx, tx, e, change{action: audit.CheckpointAction, target: fmt.Sprintf("audit:%d", cp.Seq), after: cp.Head()})
	return cp, err
}

// NewestAuditCheckpoint is the newest signed checkpoint. Errors: NotFound.
func (s *Store) NewestAuditCheckpoint(ctx context.Context) (*audit.Checkpoint, error) {
	var cp audit.Checkpoint
	var at string
	err := s.reader(ctx).QueryRowContext(ctx, `SELECT seq, hash, at, kek_id, mac FROM audit_checkpoints ORDER BY seq DESC LIMIT 1`).Scan(&cp.Seq, &cp.Hash, &at, &cp.KEKID, &cp.MAC)
	if err != nil {
		return nil, translate(err, "audit checkpoint")
	}
	cp.At, _ = time.Parse(audit.TimeFormat, at)
	return &cp, nil
}

// CheckpointProblem is a checkpoint that does not hold.
type CheckpointProblem struct {
	Seq    int64
	Reason string
}

// VerifyAuditCheckpoints checks every checkpoint against the chain v walked
// (see VerifyAudit): its MAC, that the entry it vouches for still has the
// hash it signed, and that no entry it vouches for is gone; and that every
// checkpoint the chain records (CheckpointAction) is still stored, as it
// was signed. It returns the checkpoints checked and the problems found.
func (s *Store) VerifyAuditCheckpoints(ctx context.Context, v audit.Verification, check Signer) (int, []CheckpointProblem, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT seq, hash, at, kek_id, mac FROM audit_checkpoints ORDER BY seq`)
	if err != nil {
		return 0, nil, translate(err, "audit checkpoints")
	}
	var cps []audit.Checkpoint
	stored := map[int64]audit.SignedHead{}
	for rows.Next() {
		var cp audit.Checkpoint
		var at string
		if err := rows.Scan(&cp.Seq, &cp.Hash, &at, &cp.KEKID, &cp.MAC); err != nil {
			rows.Close()
			return 0, nil, translate(err, "audit checkpoints")
		}
		cp.At, _ = time.Parse(audit.TimeFormat, at)
		cps = append(cps, cp)
		stored[cp.Seq] = audit.SignedHead{Format: audit.HeadFormat, Seq: cp.Seq, Hash: cp.Hash, At: at, KEKID: cp.KEKID, MAC: cp.MAC}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, translate(err, "audit checkpoints")
	}
	var problems []CheckpointProblem
	for _, cp := range cps {
		reason, err := s.checkCheckpoint(ctx, &cp, v, check)
		if err != nil {
			return 0, nil, err
		}
		if reason != "" {
			problems = append(problems, CheckpointProblem{cp.Seq, reason})
		}
	}
	recorded, err := s.recordedCheckpoints(ctx)
	if err != nil {
		return 0, nil, err
	}
	for _, r := range recorded {
		got, ok := stored[r.head.Seq]
		switch {
		case !ok:
			problems = append(problems, CheckpointProblem{r.head.Seq, fmt.Sprintf("entry %d of the log records this checkpoint, which is gone: checkpoints were deleted", r.entry)})
		case got != r.head:
			problems = append(problems, CheckpointProblem{r.head.Seq, fmt.Sprintf("entry %d of the log records this checkpoint otherwise than it is stored: the checkpoint was altered", r.entry)})
		}
	}
	return len(cps), problems, nil
}

type recordedCheckpoint struct {
	entry int64
	head  audit.SignedHead
}

// recordedCheckpoints are the checkpoints the chain records.
func (s *Store) recordedCheckpoints(ctx context.Context) ([]recordedCheckpoint, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT seq, after_json FROM audit_log WHERE action = ? ORDER BY seq`), audit.CheckpointAction)
	if err != nil {
		return nil, translate(err, "audit log")
	}
	defer rows.Close()
	var out []recordedCheckpoint
	for rows.Next() {
		var r recordedCheckpoint
		var after string
		if err := rows.Scan(&r.entry, &after); err != nil {
			return nil, translate(err, "audit log")
		}
		// An entry that does not read is left to the chain's own check
		// (its hash), which reports it where it stands.
		if json.Unmarshal([]byte(after), &r.head) == nil {
			out = append(out, r)
		}
	}
	return out, translate(rows.Err(), "audit log")
}

// checkCheckpoint is what is wrong with a checkpoint against the chain v
// walked ("" when it holds): its MAC, and the entry it vouches for.
func (s *Store) checkCheckpoint(ctx context.Context, cp *audit.Checkpoint, v audit.Verification, check Signer) (string, error) {
	want, err := check(cp.KEKID, cp.Message())
	got, herr := hex.DecodeString(cp.MAC)
	switch {
	case errs.Is(err, errs.NotFound):
		return fmt.Sprintf("signed with key %s, which the key file does not hold: cannot be checked", cp.KEKID), nil
	case err != nil:
		return "", err
	case herr != nil || !hmac.Equal(want, got):
		return "its signature is not valid: the checkpoint was forged or altered", nil
	}
	if cp.Seq > v.LastSeq && v.Broken == nil {
		return fmt.Sprintf("the log ends at entry %d, but this checkpoint vouches for entry %d: entries were removed", v.LastSeq, cp.Seq), nil
	}
	var hash string
	err = s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT hash FROM audit_log WHERE seq = ?`), cp.Seq).Scan(&hash)
	if err == sql.ErrNoRows {
		return "the entry it vouches for is gone", nil
	}
	if err != nil {
		return "", translate(err, "audit log")
	}
	if hash != cp.Hash {
		return "the entry it vouches for has another hash now: the chain was rewritten", nil
	}
	return "", nil
}

// VerifyAuditHead checks a signed head kept outside the database (`audit
// head`) against the chain v walked: "" when it holds, else what is wrong.
func (s *Store) VerifyAuditHead(ctx context.Context, head *audit.Checkpoint, v audit.Verification, check Signer) (string, error) {
	return s.checkCheckpoint(ctx, head, v, check)
}
