package e2e

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/bench"
	"github.com/safeguard-health/safeguard/internal/blob/blobtest"
	"github.com/safeguard-health/safeguard/internal/e2e/e2etest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// node is one `safeguard serve` of a cluster.
type node struct {
	name string
	cmd  *exec.Cmd
	url  string
}

// serveNode starts `safeguard serve` on the database dsn with env, and
// returns once it prints its address. It is stopped with SIGINT when the
// test ends, unless the test killed it.
func serveNode(t *testing.T, bin, name, dsn string, env []string) *node {
	t.Helper()
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--db", dsn, "--job-rescue-every", "3s", "--job-poll", "100ms", "--log-level", "warn")
	cmd.Env = append(append(os.Environ(), "SAFEGUARD_DB="), env...)
	url, _ := e2etest.Launch(t, "server "+name, cmd)
	return &node{name: name, cmd: cmd, url: url}
}

// kill stops the node at once, as a crash or `kill -9` would.
func (n *node) kill(t *testing.T) {
	t.Helper()
	if err := n.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	n.cmd.Wait()
}

type importJob struct {
	ID          string   `json:"id"`
	State       string   `json:"state"`
	Read        int64    `json:"read_bytes"`
	Size        int64    `json:"size"`
	Attempts    int      `json:"attempts"`
	Error       string   `json:"error"`
	ChecksState string   `json:"checks_state"`
	Checks      []string `json:"checks_summary"`
	Outcome     struct {
		Records int  `json:"records"`
		Fresh   bool `json:"fresh"`
	} `json:"outcome"`
}

// Two servers share one PostgreSQL database: a scanner file uploaded to
// the first is being imported when the first is killed; the second takes
// the job up and completes it, the findings are exactly the file's, and
// the checks run afterwards; a third server started meanwhile fails
// nothing. The upload waits in the database.
func TestClusterSurvivesAKilledServer(t *testing.T) {
	clusterSurvivesAKilledServer(t, nil)
}

// The same with the upload waiting in an S3-compatible bucket (SeaweedFS
// on loopback) that every server reads.
func TestClusterSurvivesAKilledServerWithABucket(t *testing.T) {
	storetest.PostgresDSN(t) // skips, or fails in CI, before starting the bucket
	bucket := blobtest.S3(t, "cluster/")
	uploads := func() int {
		keys, err := bucket.Keys(context.Background(), "uploads/", time.Now().Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		return len(keys)
	}
	clusterSurvivesAKilledServer(t, func() {
		if n := uploads(); n != 1 {
			t.Errorf("%d uploads in the bucket while the import runs, want 1", n)
		}
	}, "SAFEGUARD_UPLOADS="+blobtest.Address(bucket), "AWS_ACCESS_KEY_ID="+blobtest.AccessKey, "AWS_SECRET_ACCESS_KEY="+blobtest.SecretKey)
	if n := uploads(); n != 0 {
		t.Errorf("%d uploads left in the bucket once imported", n)
	}
}

// clusterSurvivesAKilledServer runs the servers with env; running, when
// set, looks at the upload while its import runs.
func clusterSurvivesAKilledServer(t *testing.T, running func(), env ...string) {
	dsn := storetest.PostgresDSN(t)
	bin := e2etest.BuildBinary(t)
	ctx := context.Background()

	// The organisation and a token for the API, made the way an owner's
	// would be.
	s, err := store.Open(ctx, dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	o := &org.Organization{Slug: "riverside", Name: "Riverside Health", EntityType: org.Provider, WorkforceSize: 900, Sites: 3}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	token, hash := auth.NewAPIToken()
	if err := s.Scope(o).CreateAPIToken(ctx, &auth.APIToken{Name: "scanner", Scopes: []auth.Scope{auth.ScopeRead, auth.ScopeImport}, Hash: hash, Prefix: token[:10], CreatedBy: "test", ExpiresAt: time.Now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}

	// A Nessus file large enough to be caught mid-import.
	files, err := bench.GenFindings(t.TempDir(), 2*150_000, 200, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := files.Findings - files.Findings/2 // the Nessus half
	env = append(env, "SAFEGUARD_KEYS="+vault.NewKeyLine("cluster"))

	a := serveNode(t, bin, "A", dsn, env)
	job := uploadFile(t, a.url, token, files.Nessus)
	if job.State != "queued" {
		t.Fatalf("upload: %+v", job)
	}
	// Kill A while it imports.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		job = getJob(t, a.url, token, job.ID)
		if job.State == "running" && job.Read > 0 {
			break
		}
		if job.State == "done" || job.State == "failed" || time.Now().After(deadline) {
			t.Fatalf("the job ended, or never ran, before the server could be killed: %+v", job)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if running != nil {
		running()
	}
	a.kill(t)
	t.Logf("server A killed with the import at %d of %d bytes", job.Read, job.Size)

	b := serveNode(t, bin, "B", dsn, env)
	if j := getJob(t, b.url, token, job.ID); j.State == "failed" {
		t.Fatalf("a starting server failed the killed server's job: %+v", j)
	}
	c := serveNode(t, bin, "C", dsn, env) // starting a third server fails nothing
	deadline = time.Now().Add(3 * time.Minute)
	for {
		job = getJob(t, c.url, token, job.ID)
		if job.State == "failed" {
			t.Fatalf("the job failed: %+v", job)
		}
		if job.State == "done" && job.ChecksState != "queued" && job.ChecksState != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the job did not end: %+v", job)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if job.Attempts < 2 || job.Outcome.Records != want || !job.Outcome.Fresh {
		t.Errorf("the job as completed: %+v; want %d findings, on a second attempt", job, want)
	}
	if job.ChecksState != "done" || len(job.Checks) == 0 {
		t.Errorf("the checks after the import: %q %q", job.ChecksState, job.Checks)
	}
	// Exactly the file's findings landed, once.
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRowContext(ctx, `SELECT COUNT(*) FROM findings WHERE org_id = $1`, o.ID).Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != want {
		t.Errorf("%d findings in the database, want the file's %d", n, want)
	}
	imports, err := s.Scope(o).DataImports(ctx, 10)
	if err != nil || len(imports) != 1 || imports[0].Records != want {
		t.Errorf("imports: %+v %v", imports, err)
	}
	results, err := s.Scope(o).CheckResults(ctx)
	if err != nil || len(results) == 0 {
		t.Errorf("no check results after the import: %v", err)
	}
	// No other job failed either.
	jobs, err := s.Scope(o).ImportJobs(ctx, 10)
	if err != nil || len(jobs) != 1 || jobs[0].State != "done" {
		t.Errorf("jobs: %+v %v", jobs, err)
	}
}

func uploadFile(t *testing.T, base, token, path string) importJob {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer f.Close()
		part, err := mw.CreateFormFile("file", filepath.Base(path))
		if err == nil {
			_, err = io.Copy(part, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", base+"api/v1/orgs/riverside/imports", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return decodeJob(t, req, http.StatusAccepted)
}

func getJob(t *testing.T, base, token, id string) importJob {
	t.Helper()
	req, err := http.NewRequest("GET", base+"api/v1/orgs/riverside/imports/"+id, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	return decodeJob(t, req, http.StatusOK)
}

func decodeJob(t *testing.T, req *http.Request, status int) importJob {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var j importJob
	if resp.StatusCode != status || json.Unmarshal(body, &j) != nil {
		t.Fatalf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, body)
	}
	return j
}
