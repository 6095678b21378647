package store

import (
	"context"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/vault"
)

var testKeys = vault.Keyring{{ID: "k1", Key: []byte("0123456789abcdef0123456789abcdef")}}

func disableAuditTriggers(t *testing.T, s *Store) {
	t.Helper()
	qs := map[string][]string{
		SQLite:   {"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete"},
		Postgres: {"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only"},
	}[s.engine]
	for _, q := range qs {
		if _, err := s.write.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func checkpointed(t *testing.T, s *Store) (context.Context, *audit.Checkpoint) {
	t.Helper()
	ctx := seedAudited(t, s)
	cp, err := s.AuditCheckpoint(ctx, testKeys.MAC, "k1")
	if err != nil || cp == nil || cp.Seq != 5 {
		t.Fatalf("checkpoint: %+v, %v", cp, err)
	}
	if again, err := s.AuditCheckpoint(ctx, testKeys.MAC, "k1"); again != nil || err != nil {
		t.Errorf("a second checkpoint of the same entry: %+v, %v", again, err)
	}
	return ctx, cp
}

func verifyAll(t *testing.T, s *Store, ctx context.Context, keys vault.Keyring) (audit.Verification, []CheckpointProblem) {
	t.Helper()
	v, err := s.VerifyAudit(ctx)
	if err != nil {
		t.Fatal(err)
	}
	_, problems, err := s.VerifyAuditCheckpoints(ctx, v, keys.MAC)
	if err != nil {
		t.Fatal(err)
	}
	return v, problems
}

func TestCheckpointsHold(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx, _ := checkpointed(t, s)
		if v, problems := verifyAll(t, s, ctx, testKeys); v.Broken != nil || len(problems) != 0 {
			t.Errorf("untouched log: %+v %v", v.Broken, problems)
		}
		// Without the key the checkpoint cannot be checked, and verify says so.
		other := vault.Keyring{{ID: "k2", Key: make([]byte, 32)}}
		if _, problems := verifyAll(t, s, ctx, other); len(problems) != 1 || !strings.Contains(problems[0].Reason, "cannot be checked") {
			t.Errorf("without the key: %v", problems)
		}
	})
}

// Someone with the database but not the key rewrites the chain from entry 2
// on, recomputing every hash: the chain is consistent again, but no longer
// matches the checkpoint.
func TestCheckpointCatchesRewrittenChain(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx, _ := checkpointed(t, s)
		disableAuditTriggers(t, s)
		entries, _ := s.AuditLog(ctx, AuditFilter{})
		prev := ""
		for i := len(entries) - 1; i >= 0; i-- { // oldest first
			e := entries[i]
			if e.Seq == 1 {
				prev = e.Hash
				continue
			}
			if e.Seq == 2 {
				e.Actor = "mallory@evil.example"
			}
			e.PrevHash = prev
			e.Hash = e.ComputeHash()
			prev = e.Hash
			if _, err := s.write.ExecContext(ctx, s.rebind("UPDATE audit_log SET actor = ?, prev_hash = ?, hash = ? WHERE seq = ?"), e.Actor, e.PrevHash, e.Hash, e.Seq); err != nil {
				t.Fatal(err)
			}
		}
		v, problems := verifyAll(t, s, ctx, testKeys)
		if v.Broken != nil {
			t.Fatalf("the rewritten chain should be self-consistent: %+v", v.Broken)
		}
		if len(problems) != 1 || problems[0].Seq != 5 || !strings.Contains(problems[0].Reason, "rewritten") {
			t.Errorf("checkpoint problems: %v", problems)
		}
	})
}

// Removing the newest entries leaves a whole chain, but the checkpoint
// vouches for entries that are gone.
func TestCheckpointCatchesTruncation(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx, _ := checkpointed(t, s)
		disableAuditTriggers(t, s)
		if _, err := s.write.ExecContext(ctx, "DELETE FROM audit_log WHERE seq >= 4"); err != nil {
			t.Fatal(err)
		}
		v, problems := verifyAll(t, s, ctx, testKeys)
		if v.Broken != nil || v.LastSeq != 3 {
			t.Fatalf("chain after truncation: %+v", v)
		}
		if len(problems) != 1 || !strings.Contains(problems[0].Reason, "entries were removed") {
			t.Errorf("checkpoint problems: %v", problems)
		}
	})
}

func TestForgedCheckpoint(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx, _ := checkpointed(t, s)
		if _, err := s.write.ExecContext(ctx, "UPDATE audit_checkpoints SET mac = '00ff' WHERE seq = 5"); err != nil {
			t.Fatal(err)
		}
		if _, problems := verifyAll(t, s, ctx, testKeys); len(problems) != 1 || !strings.Contains(problems[0].Reason, "forged") {
			t.Errorf("forged checkpoint: %v", problems)
		}
	})
}
