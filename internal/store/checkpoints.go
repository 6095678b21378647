package store

import (
	"context"
	"crypto/hmac"
	"database/sql"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// Signer makes and checks checkpoint MACs (vault.Keyring.MAC).
type Signer func(kekID string, data []byte) ([]byte, error)

// AuditCheckpoint signs the newest entry of the chain under the KEK kekID
// and stores the checkpoint. It returns nil, nil when the log is empty or
// the newest entry already has one (several servers may try at once).
func (s *Store) AuditCheckpoint(ctx context.Context, sign Signer, kekID string) (*audit.Checkpoint, error) {
	cp := &audit.Checkpoint{At: s.now().UTC().Truncate(time.Microsecond), KEKID: kekID}
	err := s.reader(ctx).QueryRowContext(ctx, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&cp.Seq, &cp.Hash)
	if err == sql.ErrNoRows {
		return nil, nil
	}
	if err != nil {
		return nil, translate(err, "audit log")
	}
	mac, err := sign(kekID, cp.Message())
	if err != nil {
		return nil, err
	}
	cp.MAC = hex.EncodeToString(mac)
	res, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO audit_checkpoints (seq, hash, at, kek_id, mac) VALUES (?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING`),
		cp.Seq, cp.Hash, cp.At.Format(audit.TimeFormat), cp.KEKID, cp.MAC)
	if err != nil {
		return nil, translate(err, "audit checkpoint")
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil, nil
	}
	return cp, nil
}

// CheckpointProblem is a checkpoint that does not hold.
type CheckpointProblem struct {
	Seq    int64
	Reason string
}

// VerifyAuditCheckpoints checks every checkpoint against the chain v walked
// (see VerifyAudit): its MAC, that the entry it vouches for still has the
// hash it signed, and that no entry it vouches for is gone. It returns the
// checkpoints checked and the problems found.
func (s *Store) VerifyAuditCheckpoints(ctx context.Context, v audit.Verification, check Signer) (int, []CheckpointProblem, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT seq, hash, at, kek_id, mac FROM audit_checkpoints ORDER BY seq`)
	if err != nil {
		return 0, nil, translate(err, "audit checkpoints")
	}
	var cps []audit.Checkpoint
	for rows.Next() {
		var cp audit.Checkpoint
		var at string
		if err := rows.Scan(&cp.Seq, &cp.Hash, &at, &cp.KEKID, &cp.MAC); err != nil {
			rows.Close()
			return 0, nil, translate(err, "audit checkpoints")
		}
		cp.At, _ = time.Parse(audit.TimeFormat, at)
		cps = append(cps, cp)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, nil, translate(err, "audit checkpoints")
	}
	var problems []CheckpointProblem
	for _, cp := range cps {
		want, err := check(cp.KEKID, cp.Message())
		got, herr := hex.DecodeString(cp.MAC)
		switch {
		case errs.Is(err, errs.NotFound):
			problems = append(problems, CheckpointProblem{cp.Seq, fmt.Sprintf("signed with key %s, which the key file does not hold: cannot be checked", cp.KEKID)})
			continue
		case err != nil:
			return 0, nil, err
		case herr != nil || !hmac.Equal(want, got):
			problems = append(problems, CheckpointProblem{cp.Seq, "its signature is not valid: the checkpoint was forged or altered"})
			continue
		}
		if cp.Seq > v.LastSeq && v.Broken == nil {
			problems = append(problems, CheckpointProblem{cp.Seq, fmt.Sprintf("the log ends at entry %d, but this checkpoint vouches for entry %d: entries were removed", v.LastSeq, cp.Seq)})
			continue
		}
		var hash string
		err = s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT hash FROM audit_log WHERE seq = ?`), cp.Seq).Scan(&hash)
		if err == sql.ErrNoRows {
			problems = append(problems, CheckpointProblem{cp.Seq, "the entry it vouches for is gone"})
			continue
		}
		if err != nil {
			return 0, nil, translate(err, "audit log")
		}
		if hash != cp.Hash {
			problems = append(problems, CheckpointProblem{cp.Seq, "the entry it vouches for has another hash now: the chain was rewritten"})
		}
	}
	return len(cps), problems, nil
}
