package store_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// An import job goes from queued to running to done or failed (or back to
// the queue for another attempt), is seen only by its organisation; the imports of an organisation are listed with the
// shared KEV catalog after them.
func TestImportJobs(t *testing.T) {
	now := time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC)
	storetest.EachAt(t, func() time.Time { return now }, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		a, b := storetest.Clinic("riverside"), storetest.Clinic("northside")
		for _, o := range []*org.Organization{a, b} {
			if err := s.CreateOrganization(ctx, o); err != nil {
				t.Fatal(err)
			}
		}
		sa, sb := s.Scope(a), s.Scope(b)
		done := &store.ImportJob{Filename: "scan.nessus", Size: 1234}
		left := &store.ImportJob{Filename: "users.csv", Format: ingest.FormatOkta, Size: 99}
		for _, j := range []*store.ImportJob{done, left} {
			if err := sa.CreateImportJob(ctx, j); err != nil {
				t.Fatal(err)
			}
			if j.State != store.JobQueued || j.ID == "" {
				t.Fatalf("new job: %+v", j)
			}
			now = now.Add(time.Minute)
		}
		if err := sa.SetImportJobState(ctx, done.ID, store.JobRunning, nil, ""); err != nil {
			t.Fatal(err)
		}
		if err := sa.SetImportJobState(ctx, done.ID, store.JobDone, map[string]int{"records": 7}, ""); err != nil {
			t.Fatal(err)
		}
		got, err := sa.ImportJob(ctx, done.ID)
		if err != nil || got.State != store.JobDone || string(got.Outcome) != `{"records":7}` || got.Finished == nil || got.Size != 1234 {
			t.Fatalf("done job: %+v, %v", got, err)
		}
		// Another organisation sees none of it.
		if _, err := sb.ImportJob(ctx, done.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organisation's job: %v", err)
		}
		if err := sb.SetImportJobState(ctx, done.ID, store.JobFailed, nil, "x"); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organisation ended the job: %v", err)
		}
		// The other job runs, reports how far it has read (on either
		// engine the job reads it back), and waits for another attempt.
		if err := sa.StartImportJob(ctx, left.ID, 1); err != nil {
			t.Fatal(err)
		}
		if err := sa.SetImportJobProgress(ctx, left.ID, 42); err != nil {
			t.Fatal(err)
		}
		if got, err := sa.ImportJob(ctx, left.ID); err != nil || got.State != store.JobRunning || got.Read != 42 || got.Attempts != 1 || got.Started == nil {
			t.Fatalf("running job: %+v, %v", got, err)
		}
		if err := sa.SetImportJobState(ctx, left.ID, store.JobQueued, nil, "the server stopped; another attempt follows"); err != nil {
			t.Fatal(err)
		}
		list, err := sa.ImportJobs(ctx, 10)
		if err != nil || len(list) != 2 || list[0].ID != left.ID || list[0].State != store.JobQueued || list[0].Error == "" || list[1].State != store.JobDone {
			t.Fatalf("jobs, newest first: %+v, %v", list, err)
		}
		if other, _ := sb.ImportJobs(ctx, 10); len(other) != 0 {
			t.Errorf("another organisation lists %d jobs", len(other))
		}

		// The imports: the organisation's, then the shared KEV catalog.
		data := filepath.Join("..", "ingest", "testdata")
		kev, err := ingest.ReadKEV("kev-small.json", storetest.Open(t, filepath.Join(data, "kev-small.json")))
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := s.ImportKEV(ctx, kev); err != nil {
			t.Fatal(err)
		}
		trivy, _ := os.ReadFile(filepath.Join(data, "trivy-small.json"))
		storetest.ImportFile(t, ctx, sa, "trivy.json", trivy)
		imports, err := sa.DataImports(ctx, 10)
		if err != nil || len(imports) != 2 || imports[0].Kind != ingest.FormatTrivy || imports[0].Records != 3 || imports[1].Kind != ingest.FormatKEV {
			t.Fatalf("imports: %+v, %v", imports, err)
		}
		if others, _ := sb.DataImports(ctx, 10); len(others) != 1 || others[0].Kind != ingest.FormatKEV {
			t.Errorf("another organisation's imports: %+v", others)
		}
	})
}
