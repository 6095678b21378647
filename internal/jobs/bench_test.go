package jobs_test

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/blob"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// BenchmarkImport is a Nessus file of 50,000 findings imported on SQLite
// by the command line's path (dataimport from the file on disk, with the
// checks run after it or not) and by an upload's (sealed into the blob
// store, enqueued, imported by the job engine from the blob, the checks
// run after it): the cost of the durable path is the ratio of job/… to
// direct+checks.
//
//	go test -run XXX -bench Import -benchtime 5x ./internal/jobs
func BenchmarkImport(b *testing.B) {
	nessus, _ := nessusFile(b, 50_000)
	st, err := os.Stat(nessus)
	if err != nil {
		b.Fatal(err)
	}
	newOrg := func(s *store.Store, i int) *store.Scoped {
		o := &org.Organization{Slug: fmt.Sprintf("clinic-%d", i), Name: "Clinic", EntityType: org.Provider, WorkforceSize: 5, Sites: 1}
		if err := s.CreateOrganization(context.Background(), o); err != nil {
			b.Fatal(err)
		}
		return s.Scope(o)
	}
	for _, checks := range []bool{false, true} {
		name := "direct"
		if checks {
			name = "direct+checks"
		}
		b.Run(name, func(b *testing.B) {
			s := storetest.SQLite(b)
			b.SetBytes(st.Size())
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				sc := newOrg(s, i)
				b.StartTimer()
				if _, err := dataimport.File(context.Background(), dataimport.Request{Path: nessus, Scope: func() (*store.Scoped, error) { return sc, nil }}); err != nil {
					b.Fatal(err)
				}
				if checks {
					if _, err := (&checkrun.Service{}).Run(context.Background(), sc); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
	for _, backend := range []string{"database", "folder"} {
		b.Run("job/"+backend, func(b *testing.B) {
			s := storetest.SQLite(b)
			v := vault.New(s, vault.Keyring{{ID: "test", Key: make([]byte, 32)}})
			var be blob.Backend = blob.Database{Rows: s}
			if backend == "folder" {
				be = blob.Dir{Path: b.TempDir()}
			}
			e, err := jobs.New(jobs.Config{Store: s, Blobs: &blob.Store{Backend: be, Sealer: v}, Work: true, PollInterval: 10 * time.Millisecond})
			if err != nil {
				b.Fatal(err)
			}
			if err := e.Start(context.Background()); err != nil {
				b.Fatal(err)
			}
			defer e.Stop(context.Background())
			b.SetBytes(st.Size())
			for i := 0; b.Loop(); i++ {
				b.StopTimer()
				sc := newOrg(s, i)
				f, err := os.Open(nessus)
				if err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				staged, err := e.Stage(context.Background(), "scan.nessus", f, 0)
				f.Close()
				if err != nil {
					b.Fatal(err)
				}
				j, err := e.Enqueue(context.Background(), sc, staged, "", "", "")
				if err != nil {
					b.Fatal(err)
				}
				if err := e.Wait(context.Background()); err != nil {
					b.Fatal(err)
				}
				if j, err = sc.ImportJob(context.Background(), j.ID); err != nil || j.State != store.JobDone {
					b.Fatalf("job: %+v %v", j, err)
				}
			}
		})
	}
}
