package store

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/vault"
)

var testKeys = vault.Keyring{{ID: "k1", Key: []byte("0123456789abcdef0123456789abcdef")}}

func disableAuditTriggers(t *testing.T, s *Store) {
	t.Helper()
	qs := map[string][]string{
		SQLite: {"DROP TRIGGER audit_log_no_update", "DROP TRIGGER audit_log_no_delete",
			"DROP TRIGGER audit_checkpoints_no_update", "DROP TRIGGER audit_checkpoints_no_delete"},
		Postgres: {"ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
			"ALTER TABLE audit_checkpoints DISABLE TRIGGER audit_checkpoints_append_only"},
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
		disableAuditTriggers(t, s)
		if _, err := s.write.ExecContext(ctx, "UPDATE audit_checkpoints SET mac = '00ff' WHERE seq = 5"); err != nil {
			t.Fatal(err)
		}
		_, problems := verifyAll(t, s, ctx, testKeys)
		if len(problems) != 2 || !strings.Contains(problems[0].Reason, "forged") || !strings.Contains(problems[1].Reason, "the checkpoint was altered") {
			t.Errorf("forged checkpoint: %v", problems)
		}
	})
}

// The checkpoints are kept like the log: the database refuses to change or
// remove one, and each is recorded in the chain.
func TestCheckpointsAppendOnlyAndChained(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx, cp := checkpointed(t, s)
		for _, q := range []string{"UPDATE audit_checkpoints SET mac = '00' WHERE seq = 5", "DELETE FROM audit_checkpoints WHERE seq = 5"} {
			if _, err := s.write.ExecContext(ctx, q); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: %v, want it refused", q, err)
			}
		}
		entries, _ := s.AuditLog(ctx, AuditFilter{Limit: 1})
		if e := entries[0]; e.Seq != 6 || e.Action != audit.CheckpointAction || !strings.Contains(e.After, cp.MAC) {
			t.Errorf("the newest entry %+v does not record the checkpoint", e)
		}
		// The checkpoint's own entry is nothing new to sign.
		if again, err := s.AuditCheckpoint(ctx, testKeys.MAC, "k1"); again != nil || err != nil {
			t.Errorf("a checkpoint of a checkpoint: %+v, %v", again, err)
		}
	})
}

// Deleting the checkpoints (past the trigger) and then the log's tail no
// longer passes: the chain names the checkpoints that are gone.
func TestCheckpointDeletionIsCaught(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx, _ := checkpointed(t, s)
		for range 3 {
			s.RecordEvent(ctx, "", "export", "register", nil)
		}
		if cp, err := s.AuditCheckpoint(ctx, testKeys.MAC, "k1"); err != nil || cp == nil || cp.Seq != 9 {
			t.Fatalf("second checkpoint: %+v, %v", cp, err)
		}
		disableAuditTriggers(t, s)
		for _, q := range []string{"DELETE FROM audit_checkpoints", "DELETE FROM audit_log WHERE seq >= 8"} {
			if _, err := s.write.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		v, problems := verifyAll(t, s, ctx, testKeys)
		if v.Broken != nil || v.LastSeq != 7 {
			t.Fatalf("the cut chain: %+v", v)
		}
		if len(problems) != 1 || problems[0].Seq != 5 || !strings.Contains(problems[0].Reason, "entry 6 of the log records this checkpoint, which is gone") {
			t.Errorf("problems: %v", problems)
		}
	})
}

// A writer holding the key signs a checkpoint every AuditCheckpointEvery
// entries, without waiting for the hourly one.
func TestCheckpointEveryN(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx := seedAudited(t, s)
		s.SignAuditWith(testKeys.MAC, "k1")
		for range AuditCheckpointEvery {
			if err := s.RecordEvent(ctx, "", "export", "register", nil); err != nil {
				t.Fatal(err)
			}
		}
		cp, err := s.NewestAuditCheckpoint(ctx)
		if err != nil || cp.Seq != AuditCheckpointEvery {
			t.Fatalf("newest checkpoint %+v, %v; want one at entry %d", cp, err, AuditCheckpointEvery)
		}
		if v, problems := verifyAll(t, s, ctx, testKeys); v.Broken != nil || len(problems) != 0 || v.LastSeq != AuditCheckpointEvery+5+1 {
			t.Errorf("after %d more entries: %+v %v", AuditCheckpointEvery, v, problems)
		}
	})
}

// A signed head kept outside the database proves entries after it were
// not removed, even with every checkpoint and its entries gone.
func TestAuditHead(t *testing.T) {
	eachEngine(t, func(t *testing.T, s *Store) {
		ctx, cp := checkpointed(t, s)
		var buf strings.Builder
		json.NewEncoder(&buf).Encode(cp.Head())
		head, err := audit.ReadHead(strings.NewReader(buf.String()), "head.json")
		if err != nil {
			t.Fatal(err)
		}
		v, _ := verifyAll(t, s, ctx, testKeys)
		if reason, err := s.VerifyAuditHead(ctx, head, v, testKeys.MAC); err != nil || reason != "" {
			t.Errorf("the head of an untouched log: %q, %v", reason, err)
		}
		disableAuditTriggers(t, s)
		for _, q := range []string{"DELETE FROM audit_checkpoints", "DELETE FROM audit_log WHERE seq >= 4"} {
			if _, err := s.write.ExecContext(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		v, problems := verifyAll(t, s, ctx, testKeys)
		if v.Broken != nil || len(problems) != 0 {
			t.Fatalf("a log cut before its first checkpoint's entry looks whole without the head: %+v %v", v.Broken, problems)
		}
		if reason, _ := s.VerifyAuditHead(ctx, head, v, testKeys.MAC); !strings.Contains(reason, "entries were removed") {
			t.Errorf("the head after the cut: %q", reason)
		}
		head.Seq = 2
		if reason, _ := s.VerifyAuditHead(ctx, head, v, testKeys.MAC); !strings.Contains(reason, "forged") {
			t.Errorf("an edited head: %q", reason)
		}
		for _, bad := range []string{"", "{}", `{"format":"safeguard-audit-head/1","seq":1}`, `{"format":"x"}`, "[1,2]"} {
			if _, err := audit.ReadHead(strings.NewReader(bad), "head.json"); err == nil || !strings.HasPrefix(err.Error(), "head.json: ") {
				t.Errorf("head %q: %v", bad, err)
			}
		}
	})
}
