package ingest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatTLSRPT is an SMTP TLS report (RFC 8460 section 4, JSON).
const FormatTLSRPT = "smtp-tls-report"

// TLSReport is one SMTP TLS report: who sent it, for which period, and
// for each policy (an MTA-STS or DANE policy of a domain, or none) how
// many sessions succeeded and how many failed, and why.
type TLSReport struct {
	Reporter string      `json:"organization-name"`
	Contact  string      `json:"contact-info"`
	ReportID string      `json:"report-id"`
	Begin    time.Time   `json:"-"`
	End      time.Time   `json:"-"`
	Policies []TLSPolicy `json:"policies"`
}

// TLSPolicy is one policy's sessions in a report.
type TLSPolicy struct {
	Type      string       `json:"policy-type"` // sts, tlsa, no-policy-found
	Domain    string       `json:"policy-domain"`
	MXHost    string       `json:"mx-host,omitempty"`
	Strings   []string     `json:"policy-string,omitempty"`
	Successes int64        `json:"successes"`
	Failures  int64        `json:"failures"`
	Details   []TLSFailure `json:"failure-details,omitempty"`
}

// TLSFailure is one kind of failure of a policy's sessions (RFC 8460
// section 4.3).
type TLSFailure struct {
	Result      string `json:"result-type"`
	SendingIP   string `json:"sending-mta-ip,omitempty"`
	MXHost      string `json:"receiving-mx-hostname,omitempty"`
	ReceivingIP string `json:"receiving-ip,omitempty"`
	Sessions    int64  `json:"failed-session-count"`
	Reason      string `json:"failure-reason-code,omitempty"`
	Info        string `json:"additional-information,omitempty"`
}

// tlsReportJSON is the report as RFC 8460 section 4.4 writes it.
type tlsReportJSON struct {
	Org       *string `json:"organization-name"`
	DateRange *struct {
		Start string `json:"start-datetime"`
		End   string `json:"end-datetime"`
	} `json:"date-range"`
	Contact  string  `json:"contact-info"`
	ReportID *string `json:"report-id"`
	Policies []struct {
		Policy struct {
			Type    string          `json:"policy-type"`
			Strings json.RawMessage `json:"policy-string"`
			Domain  string          `json:"policy-domain"`
			MXHost  json.RawMessage `json:"mx-host"`
		} `json:"policy"`
		Summary struct {
			Success *int64 `json:"total-successful-session-count"`
			Failure *int64 `json:"total-failure-session-count"`
		} `json:"summary"`
		Details []TLSFailure `json:"failure-details"`
	} `json:"policies"`
}

// MaxTLSReportBytes bounds one SMTP TLS report: the busiest senders' are
// a few hundred KiB.
const MaxTLSReportBytes = 64 << 20

// ReadTLSReport reads an SMTP TLS report (RFC 8460 section 4), naming the
// field that is missing or wrong: the organisation, the report id, the
// period, each policy's type and domain and its summary's counts. Result
// types are read in any case; mx-host is one host or a list, as
// reporters write either.
func ReadTLSReport(file string, r io.Reader) (*TLSReport, error) {
	lr := &io.LimitedReader{R: r, N: MaxTLSReportBytes + 1}
	br := bufio.NewReader(lr)
	if b, _ := br.Peek(3); bytes.Equal(b, []byte("\xef\xbb\xbf")) {
		br.Discard(3) // a byte-order mark
	}
	dec := json.NewDecoder(&jsonGuard{r: br, file: file})
	var x tlsReportJSON
	if err := dec.Decode(&x); err != nil {
		var e *errs.Error
		if errors.Is(err, errBomb) || errors.As(err, &e) {
			return nil, err
		}
		if lr.N <= 0 {
			return nil, errs.New(errs.TooLarge, fmt.Sprintf("%s is larger than %d MiB: not an SMTP TLS report", file, MaxTLSReportBytes>>20))
		}
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: %s is not %s (RFC 8460 section 4.4)", file, ute.Field, ute.Type))
		}
		return nil, errs.Wrap(errs.Invalid, file+": not an SMTP TLS report (RFC 8460 section 4)", err)
	}
	field := func(name string) error {
		return errs.New(errs.Invalid, fmt.Sprintf("%s: the report has no %s (RFC 8460 section 4.4)", file, name))
	}
	switch {
	case x.Org == nil:
		return nil, field("organization-name")
	case x.ReportID == nil || strings.TrimSpace(*x.ReportID) == "":
		return nil, field("report-id")
	case x.DateRange == nil:
		return nil, field("date-range")
	}
	rep := &TLSReport{Reporter: strings.TrimSpace(*x.Org), Contact: strings.TrimSpace(x.Contact), ReportID: strings.TrimSpace(*x.ReportID)}
	var err error
	if rep.Begin, err = time.Parse(time.RFC3339, strings.TrimSpace(x.DateRange.Start)); err != nil {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: date-range start-datetime %q is not an RFC 3339 time", file, x.DateRange.Start))
	}
	if rep.End, err = time.Parse(time.RFC3339, strings.TrimSpace(x.DateRange.End)); err != nil {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: date-range end-datetime %q is not an RFC 3339 time", file, x.DateRange.End))
	}
	for i, p := range x.Policies {
		at := fmt.Sprintf("%s: policies[%d]", file, i)
		pol := TLSPolicy{Type: strings.ToLower(strings.TrimSpace(p.Policy.Type)), Domain: strings.TrimSuffix(strings.ToLower(strings.TrimSpace(p.Policy.Domain)), "."), Details: p.Details}
		if pol.Type == "" || pol.Domain == "" {
			return nil, errs.New(errs.Invalid, at+": a policy needs its policy-type and policy-domain")
		}
		if p.Summary.Success == nil || p.Summary.Failure == nil || *p.Summary.Success < 0 || *p.Summary.Failure < 0 {
			return nil, errs.New(errs.Invalid, at+": the summary needs total-successful-session-count and total-failure-session-count")
		}
		pol.Successes, pol.Failures = *p.Summary.Success, *p.Summary.Failure
		if len(p.Policy.Strings) > 0 && string(p.Policy.Strings) != "null" {
			if err := json.Unmarshal(p.Policy.Strings, &pol.Strings); err != nil {
				var one string
				if json.Unmarshal(p.Policy.Strings, &one) != nil {
					return nil, errs.New(errs.Invalid, at+": policy-string is not a list of strings")
				}
				pol.Strings = []string{one}
			}
		}
		if len(p.Policy.MXHost) > 0 && string(p.Policy.MXHost) != "null" {
			var hosts []string
			if err := json.Unmarshal(p.Policy.MXHost, &hosts); err != nil {
				var one string
				if json.Unmarshal(p.Policy.MXHost, &one) != nil {
					return nil, errs.New(errs.Invalid, at+": mx-host is not a host or a list of hosts")
				}
				hosts = []string{one}
			}
			pol.MXHost = strings.Join(hosts, " ")
		}
		for j := range pol.Details {
			d := &pol.Details[j]
			d.Result = strings.ToLower(strings.TrimSpace(d.Result))
			if d.Result == "" || d.Sessions < 0 {
				return nil, errs.New(errs.Invalid, fmt.Sprintf("%s.failure-details[%d]: needs its result-type and failed-session-count", at, j))
			}
		}
		rep.Policies = append(rep.Policies, pol)
	}
	return rep, nil
}
