package ingest

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// The backup job reports Safeguard reads: each run of a backup job, when
// it started and ended and whether it succeeded, for the contingency
// plan's backups (45 CFR 164.308(a)(7)(ii)(A)).
const (
	// FormatVeeam is Veeam Backup & Replication's job sessions exported
	// from its PowerShell module (Get-VBRBackupSession | Export-Csv, or
	// Get-VBRSession -Job): the properties of VBRBackupSession as Veeam's
	// PowerShell reference documents them — CreationTime, EndTime, JobId,
	// Progress, Result (None, Success, Warning, Failed), RunManually,
	// State — and the job's name (JobName, or the session's Name) where
	// the export carries it. Windows PowerShell's "#TYPE" first line is
	// passed over.
	FormatVeeam = "veeam-sessions"
	// FormatBackups is Safeguard's generic backup job CSV, for any other
	// backup software or a spreadsheet, documented in the README: job,
	// started, result, and optionally system, finished, offline, target,
	// bytes and detail.
	FormatBackups = "backup-jobs"
)

// KindBackups is a format whose records are runs of backup jobs.
const KindBackups Kind = "backups"

// MaxBackupBytes bounds a backup job report.
const MaxBackupBytes = 256 << 20

// The results of a backup run.
const (
	BackupSuccess = "success"
	BackupWarning = "warning" // finished, with warnings: a copy was made
	BackupFailed  = "failed"
	BackupRunning = "running" // not finished when the report was taken
)

// A BackupRun is one run of a backup job, in the form every report is
// normalised to.
type BackupRun struct {
	Line     int       `json:"line"`
	Job      string    `json:"job"`              // the job's name, or its id when the report gives no name
	JobID    string    `json:"job_id,omitempty"` // the backup software's id of the job
	System   string    `json:"system,omitempty"` // the inventory system the row names (Safeguard's CSV)
	Started  time.Time `json:"started"`
	Finished time.Time `json:"finished,omitzero"`
	Result   string    `json:"result"`
	Offline  Tri       `json:"offline"` // whether the copy is offline or immutable, where the report says
	Target   string    `json:"target,omitempty"`
	Bytes    int64     `json:"bytes,omitempty"`
	Detail   string    `json:"detail,omitempty"`
}

// Succeeded reports whether the run made a copy.
func (r *BackupRun) Succeeded() bool { return r.Result == BackupSuccess || r.Result == BackupWarning }

// BackupsInfo is what a backup job report says of itself once read.
type BackupsInfo struct {
	Format  string
	Records int
	SHA256  string
	Size    int64
	Unused  []string // columns Safeguard does not read
}

var backupColumns = map[string][]column{
	FormatVeeam: {
		{field: "started", names: []string{"CreationTime"}, required: true},
		{field: "result", names: []string{"Result"}, required: true},
		{field: "job", names: []string{"JobName", "Name"}},
		{field: "jobid", names: []string{"JobId"}},
		{field: "finished", names: []string{"EndTime"}},
		{field: "state", names: []string{"State"}},
	},
	FormatBackups: {
		{field: "job", names: []string{"job"}, required: true},
		{field: "started", names: []string{"started"}, required: true},
		{field: "result", names: []string{"result"}, required: true},
		{field: "system", names: []string{"system"}},
		{field: "finished", names: []string{"finished"}},
		{field: "offline", names: []string{"offline"}},
		{field: "target", names: []string{"target"}},
		{field: "bytes", names: []string{"bytes"}},
		{field: "detail", names: []string{"detail"}},
	},
}

var backupLabels = map[string]string{
	FormatVeeam:   "Veeam Backup & Replication job sessions",
	FormatBackups: "Safeguard backup job CSV",
}

// veeamCSVHeader and backupsCSVHeader recognise the reports by their
// header (after PowerShell's #TYPE line).
func veeamCSVHeader(h []byte) bool {
	return csvHeaderAmong(h, 2, func(has map[string]bool) bool {
		return has["creationtime"] && has["result"] && (has["jobid"] || has["jobname"])
	})
}

func backupsCSVHeader(h []byte) bool {
	return csvHeaderAmong(h, 1, func(has map[string]bool) bool {
		return has["job"] && has["started"] && has["result"]
	})
}

// ReadBackups streams a backup job report of the format, handing each
// run to emit. A row without a job, a start or a result it can read, or a
// run given twice (the same job and start), is named by line and column,
// and the file refused whole.
func ReadBackups(file string, r io.Reader, format string, emit func(*BackupRun) error) (_ *BackupsInfo, err error) {
	cols, ok := backupColumns[format]
	if !ok {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: %s is not a backup job report", file, format))
	}
	preamble := 0
	if format == FormatVeeam {
		preamble = 1 // Windows PowerShell's "#TYPE …" line
	}
	t, err := openCSV(file, r, cols, backupLabels[format], MaxBackupBytes, preamble)
	if err != nil {
		return nil, err
	}
	defer t.in.refused(&err)
	info := &BackupsInfo{Format: format, Unused: t.unused()}
	seen := map[string]int{}
	for {
		rec, more, err := t.next()
		if err != nil {
			return nil, err
		}
		if !more {
			break
		}
		if blankRow(rec) {
			continue
		}
		b := &BackupRun{Line: t.line, Job: t.get(rec, "job"), JobID: t.get(rec, "jobid"), System: t.get(rec, "system"),
			Target: t.get(rec, "target"), Detail: t.get(rec, "detail")}
		if b.Job == "" {
			b.Job = b.JobID
		}
		if b.Job == "" {
			t.fail("job", "the run names no job")
			continue
		}
		started, ok := parseStamp(t.get(rec, "started"))
		if !ok || started.IsZero() {
			t.fail("started", fmt.Sprintf("%q is not a date and time", t.get(rec, "started")))
			continue
		}
		b.Started = started
		if s := t.get(rec, "finished"); s != "" {
			finished, ok := parseStamp(s)
			if !ok {
				t.fail("finished", fmt.Sprintf("%q is not a date and time", s))
				continue
			}
			if !finished.IsZero() && finished.Before(started) {
				t.fail("finished", "before the run started")
				continue
			}
			b.Finished = finished
		}
		res, ok := backupResult(t.get(rec, "result"), t.get(rec, "state"))
		if !ok {
			t.fail("result", fmt.Sprintf("%q is not success, warning, failed or running", t.get(rec, "result")))
			continue
		}
		b.Result = res
		if s := t.get(rec, "offline"); s != "" {
			v, ok := parseBool(s)
			if !ok {
				t.fail("offline", fmt.Sprintf("%q is not yes or no", s))
				continue
			}
			b.Offline = TriOf(v)
		}
		if s := t.get(rec, "bytes"); s != "" {
			n, err := strconv.ParseInt(strings.ReplaceAll(s, ",", ""), 10, 64)
			if err != nil || n < 0 {
				t.fail("bytes", fmt.Sprintf("%q is not a number of bytes", s))
				continue
			}
			b.Bytes = n
		}
		key := strings.ToLower(b.Job) + "|" + b.Started.Format(time.RFC3339)
		if first, dup := seen[key]; dup {
			t.fail("started", fmt.Sprintf("the run of %s at %s appears twice (first on line %d)", b.Job, b.Started.Format(time.RFC3339), first))
			continue
		}
		seen[key] = t.line
		if err := emit(b); err != nil {
			return nil, err
		}
		info.Records++
	}
	if err := t.err(); err != nil {
		return nil, err
	}
	info.SHA256, info.Size = t.in.sum(), t.in.n
	return info, nil
}

// backupReader is ReadBackups of one format.
func backupReader(format string) func(string, io.Reader, func(*BackupRun) error) (*BackupsInfo, error) {
	return func(file string, r io.Reader, emit func(*BackupRun) error) (*BackupsInfo, error) {
		return ReadBackups(file, r, format, emit)
	}
}

// backupResult reads a run's result: Veeam's Success, Warning, Failed and
// None (with the session's State: a session still Working has none yet),
// and the words other software writes.
func backupResult(result, state string) (string, bool) {
	switch strings.ToLower(strings.TrimSpace(result)) {
	case "success", "succeeded", "successful", "completed", "complete", "ok":
		return BackupSuccess, true
	case "warning", "warnings", "completed with warnings", "partial", "partially succeeded":
		return BackupWarning, true
	case "failed", "failure", "fail", "error", "errored", "canceled", "cancelled", "aborted", "missed":
		return BackupFailed, true
	case "running", "in progress", "working", "active", "queued":
		return BackupRunning, true
	case "none":
		if s := strings.ToLower(strings.TrimSpace(state)); s != "" && s != "stopped" {
			return BackupRunning, true // Veeam: no result while the session runs
		}
		return BackupFailed, true // stopped without a result
	}
	return "", false
}

// parseStamp reads a date and time an export writes (dateLayouts), in
// UTC when it carries no zone; zero for the ways exports say "never".
func parseStamp(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "never", "null", "none", "n/a", "-":
		return time.Time{}, true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}
