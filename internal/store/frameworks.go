package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// ImportedFramework is a framework an organisation imported from an OSCAL
// catalog or profile: what the lists show of it, its stamp, and (when
// loaded) the framework itself.
type ImportedFramework struct {
	ID         string    `json:"id"`
	Model      string    `json:"model"` // "catalog" or "profile"
	Title      string    `json:"title"`
	Version    string    `json:"version"`
	File       string    `json:"file"`
	Stem       string    `json:"-"`
	SHA256     string    `json:"sha256"`
	Controls   int       `json:"controls"`
	ImportedAt time.Time `json:"imported_at"`
	ImportedBy string    `json:"imported_by"`
	// Resolved is the catalog as OSCAL JSON (a profile's resolved one);
	// Framework the framework made of it. Set when writing, and by
	// ImportedFrameworks.
	Resolved  []byte             `json:"-"`
	Framework *catalog.Framework `json:"-"`
}

const importedFrameworkColumns = "id, model, title, version, file, stem, sha256, controls, imported_at, imported_by"

// FrameworkStamps lists the organisation's imported frameworks without
// their contents, by id: cheap enough to ask on every request whether a
// kept copy is still current.
func (sc *Scoped) FrameworkStamps(ctx context.Context) ([]*ImportedFramework, error) {
	return sc.importedFrameworks(ctx, sc.s.reader(ctx), false, "")
}

// ImportedFrameworks returns the organisation's imported frameworks with
// the frameworks made of them, by id.
func (sc *Scoped) ImportedFrameworks(ctx context.Context) ([]*ImportedFramework, error) {
	return sc.importedFrameworks(ctx, sc.s.reader(ctx), true, "")
}

// ImportedCatalog returns the OSCAL catalog of the organisation's first
// imported framework (by id) whose file's stem is one of stems: what a
// profile's import names. Errors: NotFound naming the stems.
func (sc *Scoped) ImportedCatalog(ctx context.Context, stems []string) (*ImportedFramework, error) {
	if len(stems) == 0 {
		return nil, errs.New(errs.NotFound, "no catalog named")
	}
	s := sc.s
	args := []any{sc.org.ID}
	for _, st := range stems {
		args = append(args, st)
	}
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(`SELECT `+importedFrameworkColumns+`, resolved FROM imported_frameworks WHERE org_id = ? AND stem IN (?`+strings.Repeat(", ?", len(stems)-1)+`) ORDER BY id LIMIT 1`), args...)
	if err != nil {
		return nil, translate(err, "imported catalog")
	}
	defer rows.Close()
	if !rows.Next() {
		if err := rows.Err(); err != nil {
			return nil, translate(err, "imported catalog")
		}
		return nil, errs.New(errs.NotFound, "no catalog imported from a file named "+strings.Join(stems, " or ")+": import the catalog the profile names first")
	}
	f, resolved, err := scanImportedFramework(rows, true)
	if err != nil {
		return nil, err
	}
	f.Resolved = []byte(resolved)
	return f, translate(rows.Err(), "imported catalog")
}

func scanImportedFramework(row scanner, extra bool) (*ImportedFramework, string, error) {
	var f ImportedFramework
	var at, more string
	dest := []any{&f.ID, &f.Model, &f.Title, &f.Version, &f.File, &f.Stem, &f.SHA256, &f.Controls, &at, &f.ImportedBy}
	if extra {
		dest = append(dest, &more)
	}
	if err := row.Scan(dest...); err != nil {
		return nil, "", translate(err, "imported frameworks")
	}
	var err error
	if f.ImportedAt, err = parseTime(at); err != nil {
		return nil, "", translate(err, "imported frameworks")
	}
	return &f, more, nil
}

func (sc *Scoped) importedFrameworks(ctx context.Context, q querier, full bool, where string, args ...any) ([]*ImportedFramework, error) {
	s := sc.s
	cols := importedFrameworkColumns
	if full {
		cols += ", framework"
	}
	rows, err := q.QueryContext(ctx, s.rebind(`SELECT `+cols+` FROM imported_frameworks WHERE org_id = ?`+where+` ORDER BY id`), append([]any{sc.org.ID}, args...)...)
	if err != nil {
		return nil, translate(err, "imported frameworks")
	}
	defer rows.Close()
	out := []*ImportedFramework{}
	for rows.Next() {
		f, body, err := scanImportedFramework(rows, full)
		if err != nil {
			return nil, err
		}
		if full {
			var fw catalog.Framework
			if err := json.Unmarshal([]byte(body), &fw); err != nil {
				return nil, errs.Wrap(errs.Internal, "the stored framework "+f.ID, err)
			}
			f.Framework = &fw
		}
		out = append(out, f)
	}
	return out, translate(rows.Err(), "imported frameworks")
}

// PutFramework stores an imported framework under its id, replacing the
// one of that id, with its audit entry (framework.import or
// framework.replace), in one transaction with after. The same file again
// under the same id changes nothing: it reports false.
func (sc *Scoped) PutFramework(ctx context.Context, f *ImportedFramework, after ...TxFunc) (fresh bool, err error) {
	s := sc.s
	body, err := json.Marshal(f.Framework)
	if err != nil {
		return false, errs.Wrap(errs.Internal, "an imported framework", err)
	}
	err = s.inTx(ctx, func(tx *sql.Tx) error {
		before, err := sc.importedFrameworks(ctx, tx, false, " AND id = ?", f.ID)
		if err != nil {
			return err
		}
		if len(before) == 1 && before[0].SHA256 == f.SHA256 {
			*f = *before[0]
			return nil
		}
		fresh = true
		f.ImportedAt, f.ImportedBy = s.now().UTC(), audit.ActorFrom(ctx).Label
		ch := change{orgID: sc.org.ID, action: "framework.import", target: f.ID, after: f}
		if len(before) == 1 {
			ch.action, ch.before = "framework.replace", before[0]
			if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM imported_frameworks WHERE org_id = ? AND id = ?`), sc.org.ID, f.ID); err != nil {
				return translate(err, "imported framework")
			}
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO imported_frameworks (org_id, `+importedFrameworkColumns+`, resolved, framework) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			sc.org.ID, f.ID, f.Model, f.Title, f.Version, f.File, f.Stem, f.SHA256, f.Controls, formatTime(f.ImportedAt), f.ImportedBy, string(f.Resolved), string(body)); err != nil {
			return translate(err, "imported framework")
		}
		if err := s.appendAudit(ctx, tx, ch); err != nil {
			return err
		}
		return runAfter(ctx, tx, after)
	})
	return fresh, err
}

// RemoveFramework deletes an imported framework, with its audit entry.
// Errors: NotFound; Conflict while an assessment of it is kept (its record
// names the framework's items).
func (sc *Scoped) RemoveFramework(ctx context.Context, id string) error {
	s := sc.s
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		before, err := sc.importedFrameworks(ctx, tx, false, " AND id = ?", id)
		if err != nil {
			return change{}, err
		}
		if len(before) == 0 {
			return change{}, errs.New(errs.NotFound, "no imported framework "+id)
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.rebind(`SELECT COUNT(*) FROM assessments WHERE org_id = ? AND framework = ?`), sc.org.ID, id).Scan(&n); err != nil {
			return change{}, translate(err, "assessments")
		}
		if n > 0 {
			return change{}, errs.New(errs.Conflict, fmt.Sprintf("the framework %s has %d assessments, which keep it", id, n))
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM imported_frameworks WHERE org_id = ? AND id = ?`), sc.org.ID, id); err != nil {
			return change{}, translate(err, "imported framework")
		}
		return change{orgID: sc.org.ID, action: "framework.remove", target: id, before: before[0]}, nil
	})
}

// FrameworkVersions gives each imported framework's id and the SHA-256 of
// the file it was made of.
func (sc *Scoped) FrameworkVersions(ctx context.Context) (map[string]string, error) {
	fs, err := sc.FrameworkStamps(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(fs))
	for _, f := range fs {
		out[f.ID] = f.SHA256
	}
	return out, nil
}

// Frameworks returns the frameworks made of the organisation's imports,
// by id.
func (sc *Scoped) Frameworks(ctx context.Context) ([]*catalog.Framework, error) {
	fs, err := sc.ImportedFrameworks(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]*catalog.Framework, len(fs))
	for i, f := range fs {
		out[i] = f.Framework
	}
	return out, nil
}
