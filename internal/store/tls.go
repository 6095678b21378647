package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// TLSResult is what one of the organisation's endpoints (host:port)
// showed of its TLS in one probe or imported report: the judged result
// (internal/tlscheck's, kept as its JSON) with its status, who looked
// (safeguard, testssl.sh, sslyze) and when.
type TLSResult struct {
	RunID     string          `json:"run"`
	Endpoint  string          `json:"endpoint"`
	Source    string          `json:"source"`
	Status    string          `json:"status"` // pass, warn, fail, unknown
	Profile   string          `json:"profile"`
	Result    json.RawMessage `json:"result"`
	ImportID  string          `json:"import,omitempty"` // the report it came from
	CheckedAt time.Time       `json:"checked_at"`
}

// TLSImport is what an import of a TLS scanner's report did.
type TLSImport struct {
	Record    *DataImport
	Fresh     bool
	Endpoints int
}

// SaveTLSProbe records one probe of the organisation's endpoints, in one
// transaction with its audit entry and what after does (queueing the
// checks that read it). It returns the probe's id.
func (sc *Scoped) SaveTLSProbe(ctx context.Context, profile string, at time.Time, results []TLSResult, after ...TxFunc) (string, error) {
	s := sc.s
	runID, err := newID()
	if err != nil {
		return "", err
	}
	err = s.audited(ctx, func(tx *sql.Tx) (change, error) {
		counts, err := sc.insertTLS(ctx, tx, runID, "", results)
		if err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "tls.probe", target: "probe:" + runID,
			after: map[string]any{"profile": profile, "endpoints": len(results), "statuses": counts}}, nil
	})
	if err != nil {
		return "", err
	}
	return runID, nil
}

// ImportTLSResults records a TLS scanner's report (testssl.sh, sslyze)
// as an import of the organisation's: each endpoint's result, in one
// transaction with its audit entry and what after does. readSHA gives
// the SHA-256 of the bytes read, once they have all been.
func (sc *Scoped) ImportTLSResults(ctx context.Context, kind, file, sha string, size int64, version string, results []TLSResult, readSHA func() string, after ...TxFunc) (*TLSImport, error) {
	s := sc.s
	out := &TLSImport{}
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		rec, again, err := s.beginImport(ctx, tx, sc.org.ID, kind, file, sha, size, "tls.import_again")
		if err != nil {
			return change{}, err
		}
		if again != nil {
			out.Record = rec
			return *again, nil
		}
		counts, err := sc.insertTLS(ctx, tx, rec.ID, rec.ID, results)
		if err != nil {
			return change{}, err
		}
		out.Endpoints = len(results)
		if err := s.finishImport(ctx, tx, rec, readSHA(), out.Endpoints, version); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out.Record, out.Fresh = rec, true
		return change{orgID: sc.org.ID, action: "tls.import", target: "import:" + rec.ID,
			after: map[string]any{"file": file, "sha256": sha, "size": size, "format": kind, "endpoints": out.Endpoints, "statuses": counts}}, nil
	})
	if err != nil {
		s.RecordEvent(ctx, sc.org.ID, "tls.import_failed", "file:"+file, map[string]any{"sha256": sha, "size": size, "format": kind, "error": errs.Message(err)})
		return nil, err
	}
	return out, nil
}

func (sc *Scoped) insertTLS(ctx context.Context, tx *sql.Tx, runID, importID string, results []TLSResult) (map[string]int, error) {
	s := sc.s
	counts := map[string]int{}
	ins := s.newInserter(ctx, tx, "tls_results", "id, org_id, run_id, endpoint, source, status, profile, result, import_id, checked_at", "TLS results")
	defer ins.close()
	var imp any
	if importID != "" {
		imp = importID
	}
	for _, r := range results {
		if !json.Valid(r.Result) {
			return nil, errs.New(errs.Invalid, "the TLS result of "+r.Endpoint+" is not JSON")
		}
		id, err := newID()
		if err != nil {
			return nil, err
		}
		if err := ins.add(id, sc.org.ID, runID, r.Endpoint, r.Source, r.Status, r.Profile, string(r.Result), imp, formatTime(r.CheckedAt)); err != nil {
			return nil, err
		}
		counts[r.Status]++
	}
	return counts, ins.flush()
}

// TLSResults returns the newest result of each endpoint from each source
// (Safeguard's probes, each scanner's reports), by endpoint and source.
func (sc *Scoped) TLSResults(ctx context.Context) ([]*TLSResult, error) {
	return sc.tlsResults(ctx, `SELECT run_id, endpoint, source, status, profile, result, import_id, checked_at FROM (
		SELECT *, ROW_NUMBER() OVER (PARTITION BY endpoint, source ORDER BY checked_at DESC, id DESC) AS n FROM tls_results WHERE org_id = ?) newest
		WHERE n = 1 ORDER BY endpoint, source`, sc.org.ID)
}

// TLSHistory returns one endpoint's results, newest first, at most limit.
func (sc *Scoped) TLSHistory(ctx context.Context, endpoint string, limit int) ([]*TLSResult, error) {
	return sc.tlsResults(ctx, `SELECT run_id, endpoint, source, status, profile, result, import_id, checked_at FROM tls_results
		WHERE org_id = ? AND endpoint = ? ORDER BY checked_at DESC, id DESC LIMIT ?`, sc.org.ID, endpoint, max(limit, 1))
}

func (sc *Scoped) tlsResults(ctx context.Context, q string, args ...any) ([]*TLSResult, error) {
	rows, err := sc.s.reader(ctx).QueryContext(ctx, sc.s.rebind(q), args...)
	if err != nil {
		return nil, translate(err, "TLS results")
	}
	defer rows.Close()
	out := []*TLSResult{}
	for rows.Next() {
		r := &TLSResult{}
		var result, at string
		var imp sql.NullString
		if err := rows.Scan(&r.RunID, &r.Endpoint, &r.Source, &r.Status, &r.Profile, &result, &imp, &at); err != nil {
			return nil, translate(err, "TLS results")
		}
		r.Result, r.ImportID = json.RawMessage(result), imp.String
		if r.CheckedAt, err = parseTime(at); err != nil {
			return nil, errs.Wrap(errs.Internal, "TLS result time", err)
		}
		out = append(out, r)
	}
	return out, translate(rows.Err(), "TLS results")
}
