package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

// EmailReportImport is the outcome of the import of a mail provider's
// report.
type EmailReportImport struct {
	Record *DataImport
	Fresh  bool
	// Again names the stored report when the same report (its reporter's
	// and its own id) was imported before from another file: nothing of
	// this one landed.
	Again    string
	Records  int
	Messages int64
}

// errSameReport rolls back the import of a report imported before.
type errSameReport struct{ id string }

func (e *errSameReport) Error() string { return "the report was imported before" }

// DMARCRead reads a DMARC report, handing each record to emit.
type DMARCRead func(emit func(*ingest.DMARCRow) error) (*ingest.DMARCReport, error)

// sourceDay is one day's messages from one source for one domain.
type sourceDay struct {
	domain, ip                                         string
	messages, passed, dkim, spf, quarantined, rejected int64
}

// ImportDMARCReport stores a DMARC aggregate report as read streams its
// records, in one transaction with its import record, its audit entry,
// the day's totals of each source the pages and checks read, and what
// after does; readSHA gives the SHA-256 of the bytes read, checked against
// sha. The same file again, or the same report (reporter and report id)
// in another file, changes nothing.
func (sc *Scoped) ImportDMARCReport(ctx context.Context, kind, file, sha string, size int64, read DMARCRead, readSHA func() string, after ...TxFunc) (*EmailReportImport, *ingest.DMARCReport, error) {
	s := sc.s
	out := &EmailReportImport{}
	var rep *ingest.DMARCReport
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		rec, again, err := s.beginImport(ctx, tx, sc.org.ID, kind, file, sha, size, "email.report_again")
		if err != nil {
			return change{}, err
		}
		out.Record = rec
		if again != nil {
			return *again, nil
		}
		id, err := newID()
		if err != nil {
			return change{}, err
		}
		// The report's row first, for its records to refer to; its fields
		// once the file is read.
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO dmarc_reports (id, org_id, import_id, reporter, email, report_id, domain, begin_at, end_at, policy, records, messages) VALUES (?, ?, ?, '', ?, ?, '', '', '', '{}', 0, 0)`),
			id, sc.org.ID, rec.ID, id, id); err != nil {
			return change{}, translate(err, "DMARC report")
		}
		ins := s.newInserter(ctx, tx, "dmarc_records", "report_id, seq, source_ip, messages, disposition, dkim, spf, header_from, envelope_from, detail", "DMARC records")
		defer ins.close()
		days := map[[2]string]*sourceDay{}
		var order [][2]string
		seq := 0
		rep, err = read(func(row *ingest.DMARCRow) error {
			detail, _ := json.Marshal(map[string]any{"reasons": row.Reasons, "dkim": row.DKIMAuth, "spf": row.SPFAuth})
			if err := ins.add(id, seq, row.SourceIP, row.Count, row.Disposition, row.DKIM, row.SPF, row.HeaderFrom, row.EnvelopeFrom, string(detail)); err != nil {
				return err
			}
			seq++
			key := [2]string{row.HeaderFrom, row.SourceIP}
			d := days[key]
			if d == nil {
				d = &sourceDay{domain: row.HeaderFrom, ip: row.SourceIP}
				days[key] = d
				order = append(order, key)
			}
			d.messages += row.Count
			if row.Passes() {
				d.passed += row.Count
			}
			if row.DKIM == "pass" {
				d.dkim += row.Count
			}
			if row.SPF == "pass" {
				d.spf += row.Count
			}
			switch row.Disposition {
			case "quarantine":
				d.quarantined += row.Count
			case "reject":
				d.rejected += row.Count
			}
			return nil
		})
		if err != nil {
			return change{}, err
		}
		if err := ins.flush(); err != nil {
			return change{}, err
		}
		var prior string
		err = tx.QueryRowContext(ctx, s.rebind(`SELECT id FROM dmarc_reports WHERE org_id = ? AND email = ? AND report_id = ? AND id <> ?`), sc.org.ID, rep.Email, rep.ReportID, id).Scan(&prior)
		switch {
		case err == nil:
			return change{}, &errSameReport{id: prior}
		case !errors.Is(err, sql.ErrNoRows):
			return change{}, translate(err, "DMARC report")
		}
		policy, _ := json.Marshal(rep.Policy)
		if _, err := tx.ExecContext(ctx, s.rebind(`UPDATE dmarc_reports SET reporter = ?, email = ?, report_id = ?, domain = ?, begin_at = ?, end_at = ?, policy = ?, records = ?, messages = ? WHERE id = ?`),
			rep.Reporter, rep.Email, rep.ReportID, rep.Policy.Domain, formatTime(rep.Begin), formatTime(rep.End), string(policy), rep.Rows, rep.Messages, id); err != nil {
			return change{}, translate(err, "DMARC report")
		}
		day := rep.Begin.UTC().Format(time.DateOnly)
		for _, key := range order {
			d := days[key]
			if d.domain == "" {
				d.domain = rep.Policy.Domain
			}
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO dmarc_sources (org_id, domain, day, source_ip, messages, passed, dkim_passed, spf_passed, quarantined, rejected) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (org_id, domain, day, source_ip) DO UPDATE SET messages = dmarc_sources.messages + excluded.messages, passed = dmarc_sources.passed + excluded.passed,
				dkim_passed = dmarc_sources.dkim_passed + excluded.dkim_passed, spf_passed = dmarc_sources.spf_passed + excluded.spf_passed,
				quarantined = dmarc_sources.quarantined + excluded.quarantined, rejected = dmarc_sources.rejected + excluded.rejected`),
				sc.org.ID, d.domain, day, d.ip, d.messages, d.passed, d.dkim, d.spf, d.quarantined, d.rejected); err != nil {
				return change{}, translate(err, "DMARC sources")
			}
		}
		if err := s.finishImport(ctx, tx, rec, readSHA(), rep.Rows, ""); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out.Fresh, out.Records, out.Messages = true, rep.Rows, rep.Messages
		return change{orgID: sc.org.ID, action: "email.dmarc_report", target: "import:" + rec.ID,
			after: map[string]any{"file": file, "sha256": sha, "size": size, "reporter": rep.Reporter, "report_id": rep.ReportID, "domain": rep.Policy.Domain,
				"begin": formatTime(rep.Begin), "end": formatTime(rep.End), "records": rep.Rows, "messages": rep.Messages}}, nil
	})
	if out, err = sc.reportDone(ctx, out, err, kind, file, sha, size); err != nil {
		return nil, nil, err
	}
	return out, rep, nil
}

// reportDone ends a report's import: the same report imported before from
// another file is an outcome, not an error; a failure is recorded in the
// audit log.
func (sc *Scoped) reportDone(ctx context.Context, out *EmailReportImport, err error, kind, file, sha string, size int64) (*EmailReportImport, error) {
	var same *errSameReport
	if errors.As(err, &same) {
		out.Record, out.Again = nil, same.id
		return out, nil
	}
	if err != nil {
		sc.s.RecordEvent(ctx, sc.org.ID, "email.report_failed", "file:"+file, map[string]any{"sha256": sha, "size": size, "format": kind, "error": errs.Message(err)})
		return nil, err
	}
	return out, nil
}

// ImportTLSReport stores an SMTP TLS report, in one transaction with its
// import record, its audit entry and what after does; readSHA as for
// ImportDMARCReport. The same report again changes nothing.
func (sc *Scoped) ImportTLSReport(ctx context.Context, kind, file, sha string, size int64, rep *ingest.TLSReport, readSHA string, after ...TxFunc) (*EmailReportImport, error) {
	s := sc.s
	out := &EmailReportImport{}
	err := s.audited(ctx, func(tx *sql.Tx) (change, error) {
		rec, again, err := s.beginImport(ctx, tx, sc.org.ID, kind, file, sha, size, "email.report_again")
		if err != nil {
			return change{}, err
		}
		out.Record = rec
		if again != nil {
			return *again, nil
		}
		var prior string
		err = tx.QueryRowContext(ctx, s.rebind(`SELECT id FROM tls_reports WHERE org_id = ? AND reporter = ? AND report_id = ?`), sc.org.ID, rep.Reporter, rep.ReportID).Scan(&prior)
		switch {
		case err == nil:
			return change{}, &errSameReport{id: prior}
		case !errors.Is(err, sql.ErrNoRows):
			return change{}, translate(err, "SMTP TLS report")
		}
		id, err := newID()
		if err != nil {
			return change{}, err
		}
		if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO tls_reports (id, org_id, import_id, reporter, contact, report_id, begin_at, end_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
			id, sc.org.ID, rec.ID, rep.Reporter, rep.Contact, rep.ReportID, formatTime(rep.Begin), formatTime(rep.End)); err != nil {
			return change{}, translate(err, "SMTP TLS report")
		}
		var sessions, failures int64
		for i, p := range rep.Policies {
			detail, _ := json.Marshal(map[string]any{"policy": p.Strings, "failures": p.Details})
			if _, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO tls_report_policies (report_id, seq, policy_type, domain, mx_host, successes, failures, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
				id, i, p.Type, p.Domain, p.MXHost, p.Successes, p.Failures, string(detail)); err != nil {
				return change{}, translate(err, "SMTP TLS report")
			}
			sessions += p.Successes + p.Failures
			failures += p.Failures
		}
		if err := s.finishImport(ctx, tx, rec, readSHA, len(rep.Policies), ""); err != nil {
			return change{}, err
		}
		if err := runAfter(ctx, tx, after); err != nil {
			return change{}, err
		}
		out.Fresh, out.Records, out.Messages = true, len(rep.Policies), sessions
		return change{orgID: sc.org.ID, action: "email.tls_report", target: "import:" + rec.ID,
			after: map[string]any{"file": file, "sha256": sha, "size": size, "reporter": rep.Reporter, "report_id": rep.ReportID,
				"begin": formatTime(rep.Begin), "end": formatTime(rep.End), "policies": len(rep.Policies), "sessions": sessions, "failures": failures}}, nil
	})
	return sc.reportDone(ctx, out, err, kind, file, sha, size)
}

// DMARCSource is one source's messages for one domain over a period, as
// the aggregate reports counted them.
type DMARCSource struct {
	Domain      string `json:"domain"`
	SourceIP    string `json:"source_ip"`
	Messages    int64  `json:"messages"`
	Passed      int64  `json:"passed"` // passed DMARC: aligned DKIM or SPF
	DKIMPassed  int64  `json:"dkim_aligned"`
	SPFPassed   int64  `json:"spf_aligned"`
	Quarantined int64  `json:"quarantined"`
	Rejected    int64  `json:"rejected"`
	First       string `json:"first_day"`
	Last        string `json:"last_day"`
}

// DMARCSources sums each source's messages for each domain over the days
// from from to to (YYYY-MM-DD, inclusive), busiest first.
func (sc *Scoped) DMARCSources(ctx context.Context, from, to string) ([]*DMARCSource, error) {
	rows, err := sc.s.reader(ctx).QueryContext(ctx, sc.s.rebind(`SELECT domain, source_ip, SUM(messages), SUM(passed), SUM(dkim_passed), SUM(spf_passed), SUM(quarantined), SUM(rejected), MIN(day), MAX(day)
		FROM dmarc_sources WHERE org_id = ? AND day >= ? AND day <= ? GROUP BY domain, source_ip ORDER BY SUM(messages) DESC, domain, source_ip`), sc.org.ID, from, to)
	if err != nil {
		return nil, translate(err, "DMARC sources")
	}
	defer rows.Close()
	out := []*DMARCSource{}
	for rows.Next() {
		d := &DMARCSource{}
		if err := rows.Scan(&d.Domain, &d.SourceIP, &d.Messages, &d.Passed, &d.DKIMPassed, &d.SPFPassed, &d.Quarantined, &d.Rejected, &d.First, &d.Last); err != nil {
			return nil, translate(err, "DMARC sources")
		}
		out = append(out, d)
	}
	return out, translate(rows.Err(), "DMARC sources")
}

// DMARCReportInfo is a stored aggregate report, without its records.
type DMARCReportInfo struct {
	ID       string          `json:"id"`
	Reporter string          `json:"reporter"`
	Email    string          `json:"email"`
	ReportID string          `json:"report_id"`
	Domain   string          `json:"domain"`
	Begin    time.Time       `json:"begin"`
	End      time.Time       `json:"end"`
	Policy   json.RawMessage `json:"policy"`
	Records  int             `json:"records"`
	Messages int64           `json:"messages"`
}

// DMARCReports lists the newest aggregate reports, at most limit.
func (sc *Scoped) DMARCReports(ctx context.Context, limit int) ([]*DMARCReportInfo, error) {
	rows, err := sc.s.reader(ctx).QueryContext(ctx, sc.s.rebind(`SELECT id, reporter, email, report_id, domain, begin_at, end_at, policy, records, messages
		FROM dmarc_reports WHERE org_id = ? AND domain <> '' ORDER BY begin_at DESC, id DESC LIMIT ?`), sc.org.ID, max(limit, 1))
	if err != nil {
		return nil, translate(err, "DMARC reports")
	}
	defer rows.Close()
	out := []*DMARCReportInfo{}
	for rows.Next() {
		r := &DMARCReportInfo{}
		var begin, end, policy string
		if err := rows.Scan(&r.ID, &r.Reporter, &r.Email, &r.ReportID, &r.Domain, &begin, &end, &policy, &r.Records, &r.Messages); err != nil {
			return nil, translate(err, "DMARC reports")
		}
		r.Policy = json.RawMessage(policy)
		if r.Begin, err = parseTime(begin); err != nil {
			return nil, errs.Wrap(errs.Internal, "DMARC report time", err)
		}
		if r.End, err = parseTime(end); err != nil {
			return nil, errs.Wrap(errs.Internal, "DMARC report time", err)
		}
		out = append(out, r)
	}
	return out, translate(rows.Err(), "DMARC reports")
}

// TLSPolicyTotal is one receiving domain's TLS sessions over a period, as
// the SMTP TLS reports counted them.
type TLSPolicyTotal struct {
	Domain    string `json:"domain"`
	Type      string `json:"policy_type"`
	Reports   int    `json:"reports"`
	Successes int64  `json:"successes"`
	Failures  int64  `json:"failures"`
}

// TLSTotals sums each domain's sessions in the reports that began from
// from to to (times), by domain and policy type.
func (sc *Scoped) TLSTotals(ctx context.Context, from, to time.Time) ([]*TLSPolicyTotal, error) {
	rows, err := sc.s.reader(ctx).QueryContext(ctx, sc.s.rebind(`SELECT p.domain, p.policy_type, COUNT(DISTINCT r.id), SUM(p.successes), SUM(p.failures)
		FROM tls_report_policies p JOIN tls_reports r ON r.id = p.report_id
		WHERE r.org_id = ? AND r.begin_at >= ? AND r.begin_at < ? GROUP BY p.domain, p.policy_type ORDER BY p.domain, p.policy_type`), sc.org.ID, formatTime(from), formatTime(to))
	if err != nil {
		return nil, translate(err, "SMTP TLS reports")
	}
	defer rows.Close()
	out := []*TLSPolicyTotal{}
	for rows.Next() {
		t := &TLSPolicyTotal{}
		if err := rows.Scan(&t.Domain, &t.Type, &t.Reports, &t.Successes, &t.Failures); err != nil {
			return nil, translate(err, "SMTP TLS reports")
		}
		out = append(out, t)
	}
	return out, translate(rows.Err(), "SMTP TLS reports")
}
