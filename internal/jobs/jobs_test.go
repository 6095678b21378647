package jobs_test

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/bench"
	"github.com/safeguard-health/safeguard/internal/blob"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

func engine(t *testing.T, s *store.Store, work bool, periodic ...jobs.Periodic) *jobs.Engine {
	t.Helper()
	bs := &blob.Store{Backend: blob.Database{Rows: s}, Sealer: vault.New(s, vault.Keyring{{ID: "test", Key: make([]byte, 32)}})}
	e, err := jobs.New(jobs.Config{Store: s, Blobs: bs, Work: work, PollInterval: 20 * time.Millisecond, Periodic: periodic, Log: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		t.Fatal(err)
	}
	if work {
		if err := e.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { e.Stop(context.Background()) })
	}
	return e
}

func wait(t *testing.T, e *jobs.Engine) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := e.Wait(ctx); err != nil {
		t.Fatalf("waiting for the jobs: %v", err)
	}
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An upload is imported in the background as its uploader; the import
// enqueues the run of the checks in its transaction, and the job says
// when they ran and what changed; the upload is removed once imported. A
// file refused fails its job, naming why, and lands nothing.
func TestUploadImportedThenChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := audit.WithActor(context.Background(), audit.Actor{Label: "jane@riverside.example", Source: "127.0.0.1"})
		sc := riverside(t, s)
		e := engine(t, s, true)
		upload := func(name string, data []byte) *store.ImportJob {
			t.Helper()
			st, err := e.Stage(ctx, name, bytes.NewReader(data), 0)
			if err != nil {
				t.Fatal(err)
			}
			j, err := e.Enqueue(ctx, sc, st, "", "", "")
			if err != nil {
				t.Fatal(err)
			}
			wait(t, e)
			if j, err = sc.ImportJob(ctx, j.ID); err != nil {
				t.Fatal(err)
			}
			return j
		}
		j := upload("scan.nessus", testdata(t, "nessus-small.nessus"))
		var out dataimport.Outcome
		if j.State != store.JobDone || json.Unmarshal(j.Outcome, &out) != nil || out.Records == 0 || out.Format != "nessus" || j.Read != j.Size || j.Attempts != 1 {
			t.Fatalf("job: %+v", j)
		}
		if j.ChecksState != store.ChecksDone || j.ChecksAt == nil || len(j.ChecksSummary) == 0 || !strings.Contains(j.ChecksSummary[0], "checks ran") {
			t.Errorf("the checks after the import: %q %v %q", j.ChecksState, j.ChecksAt, j.ChecksSummary)
		}
		if results, err := sc.CheckResults(ctx); err != nil || len(results) == 0 {
			t.Errorf("no check results after the import: %v", err)
		}
		if _, err := e.Blobs().Open(ctx, j.BlobKey); err == nil {
			t.Error("the upload is kept after its import")
		}
		imports, err := sc.DataImports(ctx, 10)
		if err != nil || len(imports) != 1 || imports[0].ImportedBy != "jane@riverside.example" {
			t.Fatalf("imports: %+v %v", imports, err)
		}

		// A truncated file fails, naming itself; nothing lands and no check runs.
		j = upload("cut.nessus", testdata(t, "nessus-truncated.nessus"))
		if j.State != store.JobFailed || !strings.Contains(j.Error, "cut.nessus") || j.ChecksState != "" {
			t.Errorf("truncated file's job: %+v", j)
		}
		if imports, _ := sc.DataImports(ctx, 10); len(imports) != 1 {
			t.Errorf("%d imports after a refused file", len(imports))
		}
	})
}

// A job left running by a server that died (on SQLite, the process before
// this one) goes back to the queue when a server starts, and is done.
func TestOrphanedJobIsTakenUp(t *testing.T) {
	path := storetest.SQLitePath(t)
	s := storetest.SQLiteAt(t, path)
	ctx := context.Background()
	sc := riverside(t, s)
	queue := engine(t, s, false)
	st, err := queue.Stage(ctx, "trivy.json", bytes.NewReader(testdata(t, "trivy-small.json")), 0)
	if err != nil {
		t.Fatal(err)
	}
	j, err := queue.Enqueue(ctx, sc, st, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	// The process that took it died: the job is marked running, its
	// import job too, and no one holds its lock.
	db, err := store.OpenSQLiteFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`UPDATE river_job SET state = 'running', attempt = 1, attempted_at = datetime('now', '-1 minute', 'subsec') WHERE kind = 'import'`); err != nil {
		t.Fatal(err)
	}
	if err := sc.StartImportJob(ctx, j.ID, 1); err != nil {
		t.Fatal(err)
	}
	e := engine(t, s, true)
	wait(t, e)
	got, err := sc.ImportJob(ctx, j.ID)
	if err != nil || got.State != store.JobDone || got.Attempts != 2 || got.ChecksState != store.ChecksDone {
		t.Fatalf("the orphaned job: %+v %v", got, err)
	}
}

// A server that stops in the middle of an import rolls it back and puts
// the job back in the queue, where the next server finds it.
func TestStoppedServerLeavesItsJobQueued(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := riverside(t, s)
		// A file long enough to be caught in the middle of its import.
		path, want := nessusFile(t, 20_000)
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		queue := engine(t, s, false)
		st, err := queue.Stage(ctx, "scan.nessus", f, 0)
		if err != nil {
			t.Fatal(err)
		}
		j, err := queue.Enqueue(ctx, sc, st, "", "", "")
		if err != nil {
			t.Fatal(err)
		}
		e := engine(t, s, true)
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			got, err := sc.ImportJob(ctx, j.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.State == store.JobRunning {
				break
			}
			if got.Ended() || time.Now().After(deadline) {
				t.Fatalf("the job ended, or never ran, before the server stopped: %+v", got)
			}
		}
		if err := e.Stop(ctx); err != nil {
			t.Fatal(err)
		}
		got, err := sc.ImportJob(ctx, j.ID)
		if err != nil || got.State != store.JobQueued || !strings.Contains(got.Error, "server stopped") {
			t.Fatalf("after the stop: %+v %v", got, err)
		}
		if imports, _ := sc.DataImports(ctx, 10); len(imports) != 0 {
			t.Fatalf("a stopped import left %d imports", len(imports))
		}
		next := engine(t, s, true)
		wait(t, next)
		if got, err = sc.ImportJob(ctx, j.ID); err != nil || got.State != store.JobDone {
			t.Fatalf("after the next start: %s %s %v", got.State, got.Error, err)
		}
		if imports, _ := sc.DataImports(ctx, 10); len(imports) != 1 {
			t.Errorf("the file landed %d times", len(imports))
		}
		var out dataimport.Outcome
		if json.Unmarshal(got.Outcome, &out) != nil || out.Records != want || !out.Fresh {
			t.Errorf("the import on the next start: %+v", out)
		}
	})
}

// River's messages: routine ones at Debug, a timeout on SQLite (a long
// import holds the writer) at Warn with why, anything else as it was.
func TestRiverMessages(t *testing.T) {
	var buf bytes.Buffer
	l := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelInfo}))
	for _, sqlite := range []bool{true, false} {
		buf.Reset()
		rl := jobs.RiverLoggerForTest(l, sqlite)
		rl.Info("producer: Producer job counts")
		rl.Error("producer: Error fetching jobs", "err", "StandardPilot.JobGetAvailable timed out after 10s: context deadline exceeded")
		rl.Error("producer: something else broke", "err", "disk full")
		out := buf.String()
		if strings.Contains(out, "job counts") {
			t.Errorf("a routine message at Info:\n%s", out)
		}
		if !strings.Contains(out, "level=ERROR msg=\"producer: something else broke\"") {
			t.Errorf("another error was not kept at Error:\n%s", out)
		}
		timeout := "level=WARN msg=\"producer: Error fetching jobs\""
		if sqlite && (!strings.Contains(out, timeout) || !strings.Contains(out, "held by a running import")) {
			t.Errorf("SQLite's timeout:\n%s", out)
		}
		if !sqlite && !strings.Contains(out, "level=ERROR msg=\"producer: Error fetching jobs\"") {
			t.Errorf("PostgreSQL's timeout is an error:\n%s", out)
		}
	}
}

// nessusFile generates a Nessus file of n findings (and an inventory
// beside it), returning its path and n.
func nessusFile(tb testing.TB, n int) (string, int) {
	tb.Helper()
	files, err := bench.GenFindings(tb.TempDir(), 2*n, 50, nil)
	if err != nil {
		tb.Fatal(err)
	}
	return files.Nessus, files.Findings - files.Findings/2
}

// Imports that land before the checks run are checked by one run: the
// run after the first sees both, and the run the second queued finds its
// import already checked and does not run again.
func TestChecksAfterSeveralImportsRunOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := riverside(t, s)
		queue := engine(t, s, false)
		var ids []string
		for _, name := range []string{"scan-a.nessus", "scan-b.nessus"} {
			j := &store.ImportJob{Filename: name, Size: 1}
			// Each import landed and queued its checks, in its transaction.
			if err := sc.CreateImportJob(ctx, j, func(ctx context.Context, tx *sql.Tx) error {
				return jobs.QueueChecksForTest(queue, ctx, tx, sc, j.ID)
			}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, j.ID)
		}
		wait(t, engine(t, s, true))
		for _, id := range ids {
			j, err := sc.ImportJob(ctx, id)
			if err != nil || j.ChecksState != store.ChecksDone || len(j.ChecksSummary) == 0 {
				t.Errorf("%s: checks %q %q %v", id, j.ChecksState, j.ChecksSummary, err)
			}
		}
		runs := checkRuns(t, s, sc)
		if runs != 1 {
			t.Errorf("the checks ran %d times for two imports queued together, want once", runs)
		}
	})
}

// riverside is an organisation of s to import into.
func riverside(t *testing.T, s *store.Store) *store.Scoped {
	t.Helper()
	o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider, WorkforceSize: 5, Sites: 1}
	if err := s.CreateOrganization(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return s.Scope(o)
}

// A KEV catalog's import holds the writer for the catalog only: the open
// findings' place in the order to fix follows it in a job of its own, in
// short transactions, which then runs every organisation's checks again;
// until the job has run, the KEV check's read is the order as it stood.
func TestKEVImportRefreshesTheOrderInTheBackground(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := riverside(t, s)
		queue := engine(t, s, false)
		file := func(name string, shared bool) {
			t.Helper()
			data := testdata(t, name)
			req := dataimport.Request{Name: name, Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
				Scope: func() (*store.Scoped, error) { return sc, nil }}
			if shared {
				req.Scope, req.Shared = nil, s
				req.After = []store.TxFunc{func(ctx context.Context, tx *sql.Tx) error { return queue.QueueRankRefreshTx(ctx, tx) }}
			}
			if _, err := dataimport.File(ctx, req); err != nil {
				t.Fatal(err)
			}
		}
		kevListed := func() []string {
			t.Helper()
			var cves []string
			if err := sc.EachKEVOpenFinding(ctx, func(f *store.OpenFinding) error { cves = append(cves, f.CVE); return nil }); err != nil {
				t.Fatal(err)
			}
			return cves
		}
		file("trivy-small.json", false)
		file("kev-small.json", true)
		if got := kevListed(); len(got) != 0 {
			t.Errorf("the order moved in the catalog's transaction: %v", got)
		}
		wait(t, engine(t, s, true))
		if got := kevListed(); strings.Join(got, " ") != "CVE-2023-4966" {
			t.Errorf("the KEV-listed open findings after the walk: %v", got)
		}
		runs := checkRuns(t, s, sc)
		if runs != 1 {
			t.Errorf("the checks ran %d times after the walk, want once", runs)
		}
	})
}

// checkRuns counts the runs of an organisation's checks in the audit trail.
func checkRuns(t *testing.T, s *store.Store, sc *store.Scoped) int {
	t.Helper()
	entries, err := s.AuditLog(context.Background(), store.AuditFilter{OrgID: sc.Org().ID, Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	runs := 0
	for _, e := range entries {
		if e.Action == "check.run" {
			runs++
		}
	}
	return runs
}
