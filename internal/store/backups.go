package store

import (
	"context"
	"database/sql"
	"strings"

	"github.com/safeguard-health/safeguard/internal/contingency"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

// BackupsImport is what importing a backup job report did.
type BackupsImport struct {
	Record *DataImport
	Fresh  bool // false when the same file was imported before
	Runs   int  // runs in the file
	Added  int  // runs not held before
	Jobs   int  // jobs the file's runs belong to
	Unused []string
}

// ImportBackups imports a backup job report in one transaction: each run
// not already held (the same job and start) is added, and the summary of
// each job the report touches is brought up to date. read streams the
// report's runs.
func (sc *Scoped) ImportBackups(ctx context.Context, kind, file, sha string, size int64, read func(emit func(*ingest.BackupRun) error) (*ingest.BackupsInfo, error), after ...TxFunc) (*BackupsImport, error) {
	s := sc.s
	out := &BackupsImport{}
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		rec, again, err := s.beginImport(ctx, tx, sc.org.ID, kind, file, sha, size, "backups.import_again")
		if err != nil {
			return change{}, err
		}
		if again != nil {
			out.Record = rec
			return *again, nil
		}
		ins, err := tx.PrepareContext(ctx, s.rebind(`INSERT INTO backup_runs (id, org_id, import_id, source, line, job_key, job, job_id, system, started, finished, result, offline, target, bytes, detail)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (org_id, job_key, started) DO NOTHING`))
		if err != nil {
			return change{}, translate(err, "backup run")
		}
		defer ins.Close()
		touched := map[string]bool{}
		info, err := pipe(ctx, read, func(b *ingest.BackupRun) error {
			id, err := newID()
			if err != nil {
				return err
			}
			finished := ""
			if !b.Finished.IsZero() {
				finished = formatTime(b.Finished)
			}
			key := strings.ToLower(b.Job)
			res, err := ins.ExecContext(ctx, id, sc.org.ID, rec.ID, kind, b.Line, key, b.Job, b.JobID, b.System, formatTime(b.Started), finished, b.Result, string(b.Offline), b.Target, b.Bytes, b.Detail)
			if err != nil {
				return translate(err, "backup run")
			}
			if n, _ := res.RowsAffected(); n == 1 {
				out.Added++
			}
			out.Runs++
			touched[key] = true
			return nil
		})
		if err != nil {
			return change{}, err
		}
		for key := range touched {
			if err := sc.summariseJob(ctx, tx, key); err != nil {
				return change{}, err
			}
		}
		out.Jobs = len(touched)
		if err := s.finishImport(ctx, tx, rec, info.SHA256, out.Runs, ""); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out.Record, out.Fresh, out.Unused = rec, true, info.Unused
		return change{orgID: sc.org.ID, action: "backups.import", target: "import:" + rec.ID,
			after: map[string]any{"file": file, "sha256": sha, "size": size, "format": kind, "runs": out.Runs, "added": out.Added, "jobs": out.Jobs}}, nil
	})
	if err != nil {
		s.RecordEvent(ctx, sc.org.ID, "backups.import_failed", "file:"+file, map[string]any{"sha256": sha, "size": size, "format": kind, "error": errs.Message(err)})
		return nil, err
	}
	return out, nil
}

// summariseJob writes one job's summary from its runs: the newest run
// (its name, id, system and source as the newest report gives them), the
// newest success, the failures since and the newest offline copy.
func (sc *Scoped) summariseJob(ctx context.Context, tx *sql.Tx, key string) error {
	s := sc.s
	var job, jobID, system, source, lastRun, lastResult string
	var runs int
	err := tx.QueryRowContext(ctx, s.rebind(`SELECT job, job_id, system, source, started, result, (SELECT COUNT(*) FROM backup_runs WHERE org_id = ? AND job_key = ?)
		FROM backup_runs WHERE org_id = ? AND job_key = ? AND result <> ? ORDER BY started DESC LIMIT 1`),
		sc.org.ID, key, sc.org.ID, key, ingest.BackupRunning).Scan(&job, &jobID, &system, &source, &lastRun, &lastResult, &runs)
	if err == sql.ErrNoRows {
		// Only runs still going: the newest of them.
		err = tx.QueryRowContext(ctx, s.rebind(`SELECT job, job_id, system, source, started, result, (SELECT COUNT(*) FROM backup_runs WHERE org_id = ? AND job_key = ?)
			FROM backup_runs WHERE org_id = ? AND job_key = ? ORDER BY started DESC LIMIT 1`), sc.org.ID, key, sc.org.ID, key).Scan(&job, &jobID, &system, &source, &lastRun, &lastResult, &runs)
	}
	if err != nil {
		return translate(err, "backup job")
	}
	var lastSuccess, lastOffline sql.NullString
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT MAX(started) FROM backup_runs WHERE org_id = ? AND job_key = ? AND result IN (?, ?)`),
		sc.org.ID, key, ingest.BackupSuccess, ingest.BackupWarning).Scan(&lastSuccess); err != nil {
		return translate(err, "backup job")
	}
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT MAX(started) FROM backup_runs WHERE org_id = ? AND job_key = ? AND result IN (?, ?) AND offline = ?`),
		sc.org.ID, key, ingest.BackupSuccess, ingest.BackupWarning, string(ingest.Yes)).Scan(&lastOffline); err != nil {
		return translate(err, "backup job")
	}
	var failures int
	if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM backup_runs WHERE org_id = ? AND job_key = ? AND result = ? AND started > ?`),
		sc.org.ID, key, ingest.BackupFailed, lastSuccess.String).Scan(&failures); err != nil {
		return translate(err, "backup job")
	}
	_, err = tx.ExecContext(ctx, s.rebind(`INSERT INTO backup_jobs (org_id, job_key, job, job_id, system, source, runs, last_run, last_result, last_success, failures, last_offline)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (org_id, job_key) DO UPDATE SET job = excluded.job, job_id = excluded.job_id, system = excluded.system, source = excluded.source, runs = excluded.runs,
			last_run = excluded.last_run, last_result = excluded.last_result, last_success = excluded.last_success, failures = excluded.failures, last_offline = excluded.last_offline`),
		sc.org.ID, key, job, jobID, system, source, runs, lastRun, lastResult, lastSuccess.String, failures, lastOffline.String)
	return translate(err, "backup job")
}

// BackupJobs returns the organisation's backup jobs as their reports
// show them, by name.
func (sc *Scoped) BackupJobs(ctx context.Context) ([]*contingency.Job, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT job, job_id, system, source, runs, last_run, last_result, last_success, failures, last_offline
		FROM backup_jobs WHERE org_id = ? ORDER BY job_key`), sc.org.ID)
	if err != nil {
		return nil, translate(err, "backup jobs")
	}
	defer rows.Close()
	out := []*contingency.Job{}
	for rows.Next() {
		var j contingency.Job
		var lastRun, lastSuccess, lastOffline string
		if err := rows.Scan(&j.Job, &j.JobID, &j.System, &j.Source, &j.Runs, &lastRun, &j.LastResult, &lastSuccess, &j.Failures, &lastOffline); err != nil {
			return nil, translate(err, "backup job")
		}
		if j.LastRun, err = parseTime(lastRun); err != nil {
			return nil, err
		}
		if lastSuccess != "" {
			if j.LastSuccess, err = parseTime(lastSuccess); err != nil {
				return nil, err
			}
		}
		if lastOffline != "" {
			if j.LastOffline, err = parseTime(lastOffline); err != nil {
				return nil, err
			}
		}
		out = append(out, &j)
	}
	return out, translate(rows.Err(), "backup jobs")
}
