package incidents_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/contingency"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// Backup job reports through the import pipeline, on both engines:
// Veeam's sessions and Safeguard's CSV recognised from their content;
// each job matched to its system (named on the system's entry, named by
// the report, or named as the system is); a job whose newest runs failed
// makes the backup check partly met, and once its newest success is older
// than the system's recovery point objective, not met; reports that
// overlap add only the runs not held; a bad report lands nothing.
func TestBackupReports(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	storetest.EachAt(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		svc := &incidents.Service{Now: clock}
		nas := &risk.Asset{Name: "File server", Type: risk.DataStore, Maintains: true, Criticality: risk.CriticalityCritical}
		ehrdb := &risk.Asset{Name: "EHR database server", Type: risk.DataStore, Maintains: true, Criticality: risk.CriticalityCritical}
		pacs := &risk.Asset{Name: "PACS imaging archive", Type: risk.DataStore, Maintains: true, Criticality: risk.CriticalityHigh}
		for _, a := range []*risk.Asset{nas, ehrdb, pacs} {
			if err := sc.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		planned := contingency.Backup{What: "Everything", Where: "NAS and an object-locked bucket", Frequency: "nightly", Offline: true}
		for _, sys := range []*contingency.System{
			{AssetID: nas.ID, RTOHours: 24, RPOHours: 24, Backup: planned}, // its job is named as the system is
			{AssetID: ehrdb.ID, RTOHours: 8, RPOHours: 24, Backup: contingency.Backup{What: planned.What, Where: planned.Where, Frequency: planned.Frequency, Offline: true,
				Jobs: []string{" EHR database nightly ", "ehr database NIGHTLY"}}},
			{AssetID: pacs.ID, RTOHours: 48, RPOHours: 48, Backup: planned}, // the report names the system
		} {
			if err := svc.SaveSystem(ctx, sc, o.ID, sys); err != nil {
				t.Fatal(err)
			}
		}
		backupCheck := func() (assessment.GoalStatus, string, map[string]string) {
			t.Helper()
			rs, err := checkrun.ContingencyResults(ctx, sc, now, nil)
			if err != nil {
				t.Fatal(err)
			}
			why := map[string]string{}
			for _, r := range rs[0].Records {
				why[r.Label] = r.Reason
			}
			return rs[0].GoalStatus, rs[0].Detail, why
		}
		if st, detail, _ := backupCheck(); st != assessment.Met || strings.Contains(detail, "imported reports") {
			t.Errorf("planned, no reports: %s %q", st, detail)
		}
		imp := func(file string) (*dataimport.Outcome, error) {
			return dataimport.File(ctx, dataimport.Request{Path: filepath.Join("..", "ingest", "testdata", file), Name: file, Scope: func() (*store.Scoped, error) { return sc, nil }})
		}
		// Veeam: the EHR job's newest run succeeded; the file server's
		// failed twice since its success on 3 December at 02:00, and the
		// newest run, on the 6th at 02:00, is still working: 48 hours with
		// no success, over its 24.
		out, err := imp("veeam-sessions.csv")
		if err != nil || out.Format != ingest.FormatVeeam || out.Records != 7 || !strings.Contains(strings.Join(out.Summary, " "), "7 runs of 2 backup jobs (Veeam backup job sessions), 7 not held before") {
			t.Fatalf("veeam: %v %+v", err, out)
		}
		st, detail, why := backupCheck()
		if st != assessment.NotMet || !strings.Contains(detail, "File server (no successful backup within its recovery point objective)") ||
			!strings.Contains(why["File server"], "no successful backup in the 48 hours before its jobs' newest run (2026-12-05 02:00), over its recovery point objective of 24 hours") ||
			!strings.Contains(why["File server"], "File server failed 2 times since its newest success on 2026-12-03 02:00") || why["EHR database server"] != "" {
			t.Errorf("the file server over its objective: %s %q %v", st, detail, why)
		}
		// Safeguard's CSV: the PACS archive's runs by the system it names;
		// the practice management job names a system outside the inventory.
		if out, err := imp("backup-jobs.csv"); err != nil || out.Format != ingest.FormatBackups || out.Records != 4 {
			t.Fatalf("generic: %v %+v", err, out)
		}
		c, err := svc.Contingency(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		lines := map[string]*contingency.Line{}
		for _, l := range c.Lines {
			lines[l.Asset.Name] = l
		}
		if l := lines["PACS imaging archive"]; len(l.Jobs) != 2 || l.Backup != "planned" || !l.LastSuccess.Equal(time.Date(2026, 12, 5, 4, 0, 0, 0, time.UTC)) {
			t.Errorf("PACS: %+v", l)
		}
		if l := lines["EHR database server"]; len(l.Jobs) != 1 || l.Jobs[0].Runs != 3 || l.Jobs[0].LastResult != ingest.BackupSuccess || l.Backup != "planned" {
			t.Errorf("EHR: %+v", l)
		}
		if len(c.Unassigned) != 1 || c.Unassigned[0].Job != "Practice management" || c.Unassigned[0].Failures != 1 || c.Unassigned[0].LastResult != ingest.BackupFailed {
			t.Errorf("unassigned: %+v", c.Unassigned)
		}
		// The file server's job recovers in a newer report that overlaps
		// the first: only the new run is added; one failure since it
		// leaves the backup failing, within its objective.
		dir := t.TempDir()
		newer := "job,started,finished,result\nFile server,2026-12-05T02:00:01Z,2026-12-05T02:04:57Z,failed\nFile server,2026-12-06T03:00:00Z,2026-12-06T03:30:00Z,success\nFile server,2026-12-06T09:00:00Z,2026-12-06T09:05:00Z,failed\n"
		path := filepath.Join(dir, "newer.csv")
		if err := writeFile(path, newer); err != nil {
			t.Fatal(err)
		}
		out, err = dataimport.File(ctx, dataimport.Request{Path: path, Name: "newer.csv", Scope: func() (*store.Scoped, error) { return sc, nil }})
		if err != nil || !strings.Contains(strings.Join(out.Summary, " "), "3 runs of 1 backup job (Safeguard backup job CSV), 2 not held before") {
			t.Fatalf("the newer report: %v %+v", err, out)
		}
		st, detail, why = backupCheck()
		if st != assessment.PartlyMet || !strings.Contains(detail, "File server (failing)") || !strings.Contains(why["File server"], "failed once since its newest success on 2026-12-06 03:00") {
			t.Errorf("failing within its objective: %s %q %v", st, detail, why)
		}
		// A report with a bad row lands nothing.
		bad := filepath.Join(dir, "bad.csv")
		if err := writeFile(bad, "job,started,result\nFile server,2026-12-06T12:00:00Z,success\nFile server,tomorrow,success\n"); err != nil {
			t.Fatal(err)
		}
		if _, err := dataimport.File(ctx, dataimport.Request{Path: bad, Name: "bad.csv", Scope: func() (*store.Scoped, error) { return sc, nil }}); !errs.Is(err, errs.Invalid) ||
			!strings.Contains(errs.Message(err), `line 3, column "started"`) {
			t.Errorf("a bad report: %v", err)
		}
		if st, _, _ := backupCheck(); st != assessment.PartlyMet {
			t.Errorf("after a refused report: %s", st)
		}
		// Ten days on, with no newer report, the reports are too old to tell.
		now = now.AddDate(0, 0, 10)
		st, detail, why = backupCheck()
		now = now.AddDate(0, 0, -10)
		if st != assessment.PartlyMet || !strings.Contains(detail, "PACS imaging archive (reports too old)") ||
			!strings.Contains(why["PACS imaging archive"], "its jobs' newest run in the imported reports is of 2026-12-05, more than 7 days ago") {
			t.Errorf("ten days on: %s %q %v", st, detail, why)
		}
		// The entry's job names are kept trimmed and once.
		c, _ = svc.Contingency(ctx, sc)
		if jobs := c.Plan.Systems[ehrdb.ID].Backup.Jobs; len(jobs) != 1 || jobs[0] != "EHR database nightly" {
			t.Errorf("jobs: %q", jobs)
		}
	})
}

func writeFile(path, content string) error { return os.WriteFile(path, []byte(content), 0o600) }
