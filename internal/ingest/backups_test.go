package ingest_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

func readBackups(t *testing.T, format, name string, r *strings.Reader) ([]*ingest.BackupRun, error) {
	t.Helper()
	var runs []*ingest.BackupRun
	_, err := ingest.ReadBackups(name, r, format, func(b *ingest.BackupRun) error { runs = append(runs, b); return nil })
	return runs, err
}

// Veeam's sessions exported by PowerShell (the #TYPE line, US dates, a
// session still working) and Safeguard's generic CSV, read into runs.
func TestReadBackups(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("testdata", "veeam-sessions.csv"))
	if err != nil {
		t.Fatal(err)
	}
	runs, err := readBackups(t, ingest.FormatVeeam, "sessions.csv", strings.NewReader(string(b)))
	if err != nil || len(runs) != 7 {
		t.Fatalf("veeam: %d runs, %v", len(runs), err)
	}
	first := runs[0]
	if first.Job != "EHR database nightly" || first.JobID != "6b1f1a4e-2f0e-4c8e-9a51-0c3c2f7a1d11" || first.Line != 3 || first.Result != ingest.BackupSuccess ||
		!first.Started.Equal(time.Date(2026, 12, 3, 1, 0, 4, 0, time.UTC)) || !first.Finished.Equal(time.Date(2026, 12, 3, 1, 42, 17, 0, time.UTC)) {
		t.Errorf("the first session: %+v", first)
	}
	if runs[1].Result != ingest.BackupWarning || !runs[1].Succeeded() || runs[4].Result != ingest.BackupFailed || runs[4].Succeeded() ||
		runs[6].Result != ingest.BackupRunning || !runs[6].Finished.IsZero() {
		t.Errorf("results: %s %s %s", runs[1].Result, runs[4].Result, runs[6].Result)
	}

	b, err = os.ReadFile(filepath.Join("testdata", "backup-jobs.csv"))
	if err != nil {
		t.Fatal(err)
	}
	runs, err = readBackups(t, ingest.FormatBackups, "backups.csv", strings.NewReader(string(b)))
	if err != nil || len(runs) != 4 {
		t.Fatalf("generic: %d runs, %v", len(runs), err)
	}
	if r := runs[1]; r.System != "PACS imaging archive" || r.Offline != ingest.Yes || r.Target != "Wasabi (object lock 30 days)" || r.Bytes != 812345678901 {
		t.Errorf("the offsite run: %+v", r)
	}
	if r := runs[2]; r.Result != ingest.BackupWarning || r.Bytes != 4210000000 || r.Detail != "one file was open" || r.Offline != ingest.No {
		t.Errorf("the run with warnings: %+v", r)
	}

	// Each bad cell is named by line and column; nothing is emitted of a
	// refused file.
	for _, c := range []struct{ row, want string }{
		{",2026-12-01T01:00:00Z,success", "line 2, column \"job\": the run names no job"},
		{"Nightly,yesterday,success", `line 2, column "started": "yesterday" is not a date and time`},
		{"Nightly,2026-12-01T01:00:00Z,maybe", `line 2, column "result": "maybe" is not success, warning, failed or running`},
		{"Nightly,2026-12-01T01:00:00Z,success,2026-11-30T01:00:00Z", "line 2, column \"finished\": before the run started"},
		{"Nightly,2026-12-01T01:00:00Z,success,,perhaps", `line 2, column "offline": "perhaps" is not yes or no`},
		{"Nightly,2026-12-01T01:00:00Z,success\nnightly,2026-12-01 01:00:00,failed", "line 3, column \"started\": the run of nightly at 2026-12-01T01:00:00Z appears twice (first on line 2)"},
	} {
		runs, err := readBackups(t, ingest.FormatBackups, "b.csv", strings.NewReader("job,started,result,finished,offline\n"+c.row+"\n"))
		if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), c.want) || !strings.HasPrefix(errs.Message(err), "b.csv") {
			t.Errorf("%q: %v, want %q", c.row, err, c.want)
		}
		if len(runs) > 1 {
			t.Errorf("%q: %d runs emitted", c.row, len(runs))
		}
	}
	if _, err := readBackups(t, ingest.FormatBackups, "b.csv", strings.NewReader("job,when\nx,y\n")); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "started") {
		t.Errorf("a header without its columns: %v", err)
	}
}

// No byte sequence panics a backup report's reader, and every run it
// emits has its job, start and result.
func FuzzReadBackups(f *testing.F) {
	for _, name := range []string{"veeam-sessions.csv", "backup-jobs.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, format := range []string{ingest.FormatVeeam, ingest.FormatBackups} {
			n := 0
			info, err := ingest.ReadBackups("fuzz.csv", bytes.NewReader(b), format, func(r *ingest.BackupRun) error {
				if r.Job == "" || r.Started.IsZero() || r.Result == "" || !r.Finished.IsZero() && r.Finished.Before(r.Started) {
					t.Errorf("a run without its job, start or result: %+v", r)
				}
				n++
				return nil
			})
			if err == nil && info.Records != n {
				t.Errorf("%d records, %d emitted", info.Records, n)
			}
		}
	})
}
