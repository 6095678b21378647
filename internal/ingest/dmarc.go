package ingest

import (
	"encoding/xml"
	"fmt"
	"io"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatDMARC is a DMARC aggregate report (RFC 7489 appendix C, and the
// DMARCbis form, RFC 9990, namespace urn:ietf:params:xml:ns:dmarc-2.0).
const FormatDMARC = "dmarc-aggregate"

// KindEmailReport is a report a mail provider sends about the
// organisation's domains: DMARC aggregate, SMTP TLS.
const KindEmailReport Kind = "email-report"

// DMARCReport is one aggregate report: who sent it, for which period,
// the policy it found published, and (through the reader's emit) each
// row: a source IP with its message count and results.
type DMARCReport struct {
	Reporter   string    `json:"reporter"` // org_name
	Email      string    `json:"email"`
	ReportID   string    `json:"report_id"`
	Begin, End time.Time `json:"-"`
	Errors     []string  `json:"errors,omitempty"` // report_metadata/error
	Policy     DMARCPolicy
	Rows       int   `json:"rows"`
	Messages   int64 `json:"messages"`
}

// DMARCPolicy is the policy the reporter found published for the domain.
type DMARCPolicy struct {
	Domain  string `json:"domain"`
	ADKIM   string `json:"adkim,omitempty"`
	ASPF    string `json:"aspf,omitempty"`
	P       string `json:"p"`
	SP      string `json:"sp,omitempty"`
	NP      string `json:"np,omitempty"` // DMARCbis
	Pct     string `json:"pct,omitempty"`
	Testing string `json:"testing,omitempty"` // DMARCbis t=
}

// DMARCRow is one record of a report: mail from one source IP with the
// same results, how many messages, what the receiver did and why, and the
// DKIM and SPF results behind the DMARC verdict.
type DMARCRow struct {
	SourceIP     string       `json:"source_ip"`
	Count        int64        `json:"count"`
	Disposition  string       `json:"disposition"` // none, quarantine, reject (DMARCbis: pass)
	DKIM         string       `json:"dkim"`        // the aligned DKIM result: pass, fail
	SPF          string       `json:"spf"`         // the aligned SPF result
	Reasons      []string     `json:"reasons,omitempty"`
	HeaderFrom   string       `json:"header_from"`
	EnvelopeFrom string       `json:"envelope_from,omitempty"`
	DKIMAuth     []AuthResult `json:"dkim_auth,omitempty"`
	SPFAuth      []AuthResult `json:"spf_auth,omitempty"`
}

// Passes says whether the row's mail passed DMARC: aligned DKIM or
// aligned SPF (RFC 7489 section 4.2).
func (r *DMARCRow) Passes() bool { return r.DKIM == "pass" || r.SPF == "pass" }

// AuthResult is one DKIM signature's or SPF check's raw result.
type AuthResult struct {
	Domain   string `json:"domain" xml:"domain"`
	Selector string `json:"selector,omitempty" xml:"selector"`
	Scope    string `json:"scope,omitempty" xml:"scope"`
	Result   string `json:"result" xml:"result"`
}

// dmarcRecordXML is a <record> as the report writes it.
type dmarcRecordXML struct {
	Row struct {
		SourceIP string `xml:"source_ip"`
		Count    string `xml:"count"`
		Policy   struct {
			Disposition string `xml:"disposition"`
			DKIM        string `xml:"dkim"`
			SPF         string `xml:"spf"`
			Reasons     []struct {
				Type    string `xml:"type"`
				Comment string `xml:"comment"`
			} `xml:"reason"`
		} `xml:"policy_evaluated"`
	} `xml:"row"`
	Identifiers struct {
		HeaderFrom   string `xml:"header_from"`
		EnvelopeFrom string `xml:"envelope_from"`
	} `xml:"identifiers"`
	Auth struct {
		DKIM []AuthResult `xml:"dkim"`
		SPF  []AuthResult `xml:"spf"`
	} `xml:"auth_results"`
}

type dmarcMetaXML struct {
	OrgName   string `xml:"org_name"`
	Email     string `xml:"email"`
	ReportID  string `xml:"report_id"`
	DateRange struct {
		Begin string `xml:"begin"`
		End   string `xml:"end"`
	} `xml:"date_range"`
	Errors []string `xml:"error"`
}

// MaxDMARCRows bounds the rows of one report: a report of the busiest
// domains holds thousands; past this, it is not a report.
const MaxDMARCRows = 5_000_000

// ReadDMARC reads a DMARC aggregate report as it streams, handing each
// row to emit, and returns the report's metadata and policy. It is
// tolerant where the meaning is clear — results in any case, elements in
// any order, anything before <feedback> (a schema preamble, a wrapper),
// the DMARCbis namespace, bytes that are not UTF-8 (replaced) — and names
// the line where it is not: a row without a source IP or message count,
// a report without its id, period or domain. XML is read with the
// scanners' guards (no entity beyond XML's five, nothing fetched, no run
// of text past MaxXMLRun).
func ReadDMARC(file string, r io.Reader, emit func(*DMARCRow) error) (*DMARCReport, error) {
	dec := newXMLDecoder(transform.NewReader(r, runes.ReplaceIllFormed()))
	dec.CharsetReader = func(charset string, in io.Reader) (io.Reader, error) {
		// Reports declare UTF-8 or ISO-8859-1; anything not UTF-8 is
		// replaced byte by byte above, so every declaration reads alike.
		return in, nil
	}
	rep := &DMARCReport{}
	var inFeedback, meta, policy bool
	depth := 0
	err := eachToken(file, dec, func(tok xml.Token) error {
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if !inFeedback {
				if t.Name.Local == "feedback" {
					inFeedback, depth = true, 1
				}
				return nil
			}
			if depth != 2 {
				return nil
			}
			line := lineOf(dec)
			switch t.Name.Local {
			case "report_metadata":
				var m dmarcMetaXML
				if err := dec.DecodeElement(&m, &t); err != nil {
					return xmlError(file, dec, err)
				}
				depth--
				meta = true
				rep.Reporter, rep.Email, rep.ReportID = clean(m.OrgName), clean(m.Email), clean(m.ReportID)
				rep.Errors = m.Errors
				var err error
				if rep.Begin, err = unixField(m.DateRange.Begin); err != nil {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: date_range begin %q is not a time in seconds since 1970", file, line, m.DateRange.Begin))
				}
				if rep.End, err = unixField(m.DateRange.End); err != nil {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: date_range end %q is not a time in seconds since 1970", file, line, m.DateRange.End))
				}
			case "policy_published":
				var p DMARCPolicy
				var x struct {
					Domain  string `xml:"domain"`
					ADKIM   string `xml:"adkim"`
					ASPF    string `xml:"aspf"`
					P       string `xml:"p"`
					SP      string `xml:"sp"`
					NP      string `xml:"np"`
					Pct     string `xml:"pct"`
					Testing string `xml:"testing"`
				}
				if err := dec.DecodeElement(&x, &t); err != nil {
					return xmlError(file, dec, err)
				}
				depth--
				policy = true
				p.Domain = strings.TrimSuffix(lower(x.Domain), ".")
				p.ADKIM, p.ASPF, p.P, p.SP, p.NP, p.Pct, p.Testing = lower(x.ADKIM), lower(x.ASPF), lower(x.P), lower(x.SP), lower(x.NP), clean(x.Pct), lower(x.Testing)
				rep.Policy = p
			case "record":
				var x dmarcRecordXML
				if err := dec.DecodeElement(&x, &t); err != nil {
					return xmlError(file, dec, err)
				}
				depth--
				row, err := dmarcRow(&x)
				if err != nil {
					return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: %s", file, line, err))
				}
				rep.Rows++
				if rep.Rows > MaxDMARCRows {
					return errs.New(errs.TooLarge, fmt.Sprintf("%s: more than %d records: not an aggregate report this import takes", file, MaxDMARCRows))
				}
				rep.Messages += row.Count
				return emit(row)
			}
		case xml.EndElement:
			depth--
			if inFeedback && depth == 0 {
				return errStop
			}
		}
		return nil
	})
	if err != nil && err != errStop {
		return nil, err
	}
	switch {
	case !inFeedback:
		return nil, errs.New(errs.Invalid, file+": no <feedback> element: not a DMARC aggregate report (RFC 7489 appendix C)")
	case !meta || rep.ReportID == "":
		return nil, errs.New(errs.Invalid, file+": the report has no report_metadata with a report_id (RFC 7489 appendix C)")
	case rep.Begin.IsZero() || rep.End.IsZero():
		return nil, errs.New(errs.Invalid, file+": the report's date_range lacks its begin or end")
	case !policy || rep.Policy.Domain == "":
		return nil, errs.New(errs.Invalid, file+": the report has no policy_published with the domain it is about")
	}
	return rep, nil
}

// errStop ends a read at the end of the report.
var errStop = fmt.Errorf("stop")

// dmarcRow reads one record, or says what it lacks.
func dmarcRow(x *dmarcRecordXML) (*DMARCRow, error) {
	ip := clean(x.Row.SourceIP)
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return nil, fmt.Errorf("source_ip %q is not an IP address", ip)
	}
	count, err := strconv.ParseInt(clean(x.Row.Count), 10, 64)
	if err != nil || count < 0 {
		return nil, fmt.Errorf("count %q is not a number of messages", clean(x.Row.Count))
	}
	row := &DMARCRow{SourceIP: addr.String(), Count: count,
		Disposition: lower(x.Row.Policy.Disposition), DKIM: lower(x.Row.Policy.DKIM), SPF: lower(x.Row.Policy.SPF),
		HeaderFrom: strings.TrimSuffix(lower(x.Identifiers.HeaderFrom), "."), EnvelopeFrom: strings.TrimSuffix(lower(x.Identifiers.EnvelopeFrom), ".")}
	for _, r := range x.Row.Policy.Reasons {
		reason := lower(r.Type)
		if c := clean(r.Comment); c != "" {
			reason += ": " + c
		}
		if reason != "" {
			row.Reasons = append(row.Reasons, reason)
		}
	}
	for _, a := range x.Auth.DKIM {
		row.DKIMAuth = append(row.DKIMAuth, AuthResult{Domain: lower(a.Domain), Selector: clean(a.Selector), Result: lower(a.Result)})
	}
	for _, a := range x.Auth.SPF {
		row.SPFAuth = append(row.SPFAuth, AuthResult{Domain: lower(a.Domain), Scope: lower(a.Scope), Result: lower(a.Result)})
	}
	return row, nil
}

// unixField reads a time in seconds since 1970 (some reporters write a
// fraction).
func unixField(s string) (time.Time, error) {
	s = clean(s)
	if i := strings.IndexByte(s, '.'); i > 0 {
		s = s[:i]
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 || n > 1<<40 {
		return time.Time{}, fmt.Errorf("not seconds since 1970")
	}
	return time.Unix(n, 0).UTC(), nil
}

func clean(s string) string { return strings.TrimSpace(s) }
func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
