package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// EmailProbe is what one check of one of the organisation's email domains
// found (internal/mailcheck's result, kept as its JSON), in a probe of
// its domains through a resolver at a time.
type EmailProbe struct {
	ProbeID  string          `json:"probe"`
	Domain   string          `json:"domain"`
	Check    string          `json:"check"`  // email.spf, email.dmarc…
	Status   string          `json:"status"` // pass, warn, fail, unknown
	Result   json.RawMessage `json:"result"`
	Resolver string          `json:"resolver"`
	ProbedAt time.Time       `json:"probed_at"`
}

// SaveEmailProbe records one probe of the organisation's email domains,
// its results dated at and read through resolver, in one transaction with
// its audit entry and what after does (queueing the checks that read
// it). It returns the probe's id.
func (sc *Scoped) SaveEmailProbe(ctx context.Context, resolver string, at time.Time, results []EmailProbe, after ...TxFunc) (string, error) {
	s := sc.s
	probeID, err := newID()
	if err != nil {
		return "", err
	}
	err = s.audited(ctx, func(tx *sql.Tx) (change, error) {
		statuses := map[string]map[string]string{}
		for _, r := range results {
			if !json.Valid(r.Result) {
				return change{}, errs.New(errs.Invalid, "the "+r.Check+" result of "+r.Domain+" is not JSON")
			}
			id, err := newID()
			if err != nil {
				return change{}, err
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO email_probes (id, org_id, probe_id, domain, check_id, status, result, resolver, probed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
				id, sc.org.ID, probeID, r.Domain, r.Check, r.Status, string(r.Result), resolver, formatTime(at)); err != nil {
				return change{}, translate(err, "email probe")
			}
			if statuses[r.Domain] == nil {
				statuses[r.Domain] = map[string]string{}
			}
			statuses[r.Domain][r.Check] = r.Status
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		return change{orgID: sc.org.ID, action: "email.probe", target: "probe:" + probeID,
			after: map[string]any{"resolver": resolver, "domains": statuses}}, nil
	})
	if err != nil {
		return "", err
	}
	return probeID, nil
}

// EmailProbes returns the newest result of each check of each domain
// the organisation's probes covered, by domain and check.
func (sc *Scoped) EmailProbes(ctx context.Context) ([]*EmailProbe, error) {
	return sc.emailProbes(ctx, `SELECT probe_id, domain, check_id, status, result, resolver, probed_at FROM (
		SELECT *, ROW_NUMBER() OVER (PARTITION BY domain, check_id ORDER BY probed_at DESC, id DESC) AS n FROM email_probes WHERE org_id = ?) newest
		WHERE n = 1 ORDER BY domain, check_id`, sc.org.ID)
}

// EmailProbeHistory returns the results of one domain's check, newest
// first, at most limit.
func (sc *Scoped) EmailProbeHistory(ctx context.Context, domain, check string, limit int) ([]*EmailProbe, error) {
	return sc.emailProbes(ctx, `SELECT probe_id, domain, check_id, status, result, resolver, probed_at FROM email_probes
		WHERE org_id = ? AND domain = ? AND check_id = ? ORDER BY probed_at DESC, id DESC LIMIT ?`, sc.org.ID, domain, check, max(limit, 1))
}

func (sc *Scoped) emailProbes(ctx context.Context, q string, args ...any) ([]*EmailProbe, error) {
	rows, err := sc.s.reader(ctx).QueryContext(ctx, sc.s.rebind(q), args...)
	if err != nil {
		return nil, translate(err, "email probes")
	}
	defer rows.Close()
	out := []*EmailProbe{}
	for rows.Next() {
		p := &EmailProbe{}
		var result, at string
		if err := rows.Scan(&p.ProbeID, &p.Domain, &p.Check, &p.Status, &result, &p.Resolver, &at); err != nil {
			return nil, translate(err, "email probes")
		}
		p.Result = json.RawMessage(result)
		if p.ProbedAt, err = parseTime(at); err != nil {
			return nil, errs.Wrap(errs.Internal, "email probe time", err)
		}
		out = append(out, p)
	}
	return out, translate(rows.Err(), "email probes")
}
