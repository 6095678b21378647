package dataimport

import (
	"context"
	"fmt"
	"io"

	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
)

// backups imports a backup job report: each run not held before added,
// each job's summary brought up to date for the contingency plan and its
// checks.
func backups(ctx context.Context, req Request, sc *store.Scoped, name string, format *ingest.Format, r io.Reader, out *Outcome) error {
	res, err := sc.ImportBackups(ctx, format.ID, name, out.SHA256, out.Size, func(emit func(*ingest.BackupRun) error) (*ingest.BackupsInfo, error) {
		return format.Backups(name, r, emit)
	}, req.After...)
	if err != nil {
		return err
	}
	out.Import, out.Fresh, out.Records, out.Unused = res.Record.ID, res.Fresh, res.Runs, res.Unused
	out.Summary = append(out.Summary, fmt.Sprintf("%s: %s of %s (%s), %d not held before%s.", name, plural(res.Runs, "run", "runs"),
		plural(res.Jobs, "backup job", "backup jobs"), format.Label, res.Added, again(res.Fresh)))
	return nil
}
