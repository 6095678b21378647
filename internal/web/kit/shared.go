package kit

import (
	"bytes"
	"fmt"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auditpack"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/vendors"
	"github.com/safeguard-health/safeguard/internal/workbook"
)

// Attachment sends data as a download named filename (RFC 6266: an ASCII
// name for old clients, the exact one in UTF-8 for the rest).
func Attachment(w http.ResponseWriter, filename, contentType string, data []byte) {
	ascii := strings.Map(func(r rune) rune {
		if r < 0x80 && (r == '.' || r == '-' || r == '_' || r == ' ' || 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9') {
			return r
		}
		return '_'
	}, filename)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+ascii+`"; filename*=UTF-8''`+url.PathEscape(filename))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// ReportCSP is the Content-Security-Policy of a report served to open in
// the browser: a sandbox (no script runs, and the document has an origin
// of its own), its inline styles and pictures, nothing fetched.
const ReportCSP = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// Send sends a report: an HTML one to open in the browser (inline, under
// ReportCSP), any other as a download.
func Send(w http.ResponseWriter, filename, contentType string, data []byte) {
	if !strings.HasPrefix(contentType, "text/html") {
		Attachment(w, filename, contentType, data)
		return
	}
	w.Header().Set("Content-Security-Policy", ReportCSP)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `inline; filename*=UTF-8''`+url.PathEscape(filename))
	w.Header().Set("Content-Length", strconv.Itoa(len(data)))
	w.Write(data)
}

// AccountsPage reads an accounts listing's ?source= filter and window and
// lists that page, with how many accounts match in all. Errors: Invalid
// for a source that is not an account export.
func AccountsPage(r *http.Request) (list []*store.Account, total int, source string, offset, limit int, err error) {
	if offset, limit, err = Window(r); err != nil {
		return nil, 0, "", 0, 0, err
	}
	source = r.URL.Query().Get("source")
	if source != "" && !ingest.IsAccountExport(source) {
		return nil, 0, "", 0, 0, errs.New(errs.Invalid, fmt.Sprintf("source %q is not an account export Safeguard reads", source))
	}
	sc := ScopeFrom(r.Context()).Verify()
	if list, err = sc.Accounts(r.Context(), store.AccountFilter{Source: source, Limit: limit, Offset: offset}); err != nil {
		return nil, 0, "", 0, 0, err
	}
	total, err = sc.AccountCount(r.Context(), source)
	return list, total, source, offset, limit, err
}

// DevicesPage reads the page of the organisation's devices the query
// asks for: source (an export's format), attention=1 for those a device
// check counts against, offset and limit.
func DevicesPage(r *http.Request) (list []*store.Device, total int, f store.DeviceFilter, err error) {
	if f.Offset, f.Limit, err = Window(r); err != nil {
		return nil, 0, f, err
	}
	q := r.URL.Query()
	f.Source, f.Attention = q.Get("source"), q.Get("attention") == "1"
	if fm, ok := ingest.FormatByID(f.Source); f.Source != "" && (!ok || fm.Kind != ingest.KindDevices) {
		return nil, 0, f, errs.New(errs.Invalid, fmt.Sprintf("source %q is not a device export Safeguard reads", f.Source))
	}
	list, total, err = ScopeFrom(r.Context()).Verify().Devices(r.Context(), f)
	return list, total, f, err
}

// CheckResult reads the check result the path names with the window of
// its records the query asks for.
func CheckResult(r *http.Request) (res *check.Result, offset, limit int, err error) {
	if offset, limit, err = Window(r); err != nil {
		return nil, 0, 0, err
	}
	res, err = ScopeFrom(r.Context()).Verify().CheckResult(r.Context(), r.PathValue("id"), offset, limit)
	return res, offset, limit, err
}

// Files are the uploads and downloads the pages and the API answer
// alike: evidence in and out of the vault, the assessment's workbook and
// the risk analysis's reports, each download audited.
type Files struct {
	Evidence *evidence.Service
	Program  *assessment.Program
	Vendors  *vendors.Service // saves the agreements SaveAgreement reads
	Events   Events
	Now      func() time.Time
}

// EvidenceFile reads an evidence upload's file within the vault's limit.
func (fs *Files) EvidenceFile(w http.ResponseWriter, r *http.Request) (multipart.File, *multipart.FileHeader, error) {
	max := fs.Evidence.MaxBytes
	if max <= 0 {
		max = evidence.DefaultMaxBytes
	}
	return ReadUpload(fs.Events, w, r, max, "the file")
}

// UploadEvidence reads an evidence upload and its fields (title,
// description, owner, collected_on, review_by, and item: full catalog item
// ids, any number) and stores it. Errors: Invalid for an unknown item, and
// those of the upload and the vault.
func (fs *Files) UploadEvidence(w http.ResponseWriter, r *http.Request) (*evidence.Evidence, error) {
	f, h, err := fs.EvidenceFile(w, r)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	e := &evidence.Evidence{Title: r.FormValue("title"), Description: r.FormValue("description"), Owner: r.FormValue("owner"),
		CollectedOn: r.FormValue("collected_on"), ReviewBy: r.FormValue("review_by")}
	reg, err := fs.Program.Registry(r.Context(), ScopeFrom(r.Context()).Program())
	if err != nil {
		return nil, err
	}
	for _, id := range r.Form["item"] {
		if _, ok := reg.Item(id); !ok {
			return nil, errs.New(errs.Invalid, "no catalog item "+strconv.Quote(id)+" to link the evidence to")
		}
		e.Items = append(e.Items, id)
	}
	return e, fs.Evidence.Upload(r.Context(), ScopeFrom(r.Context()).Evidence(), e, evidence.File{Name: h.Filename, Body: f})
}

// DownloadEvidence sends the evidence version the request names (?version=,
// the newest when absent), audited: reading evidence (signed agreements,
// exports) is access to be accounted for.
func (fs *Files) DownloadEvidence(w http.ResponseWriter, r *http.Request) error {
	sc := ScopeFrom(r.Context())
	n := 0
	if q := r.URL.Query().Get("version"); q != "" {
		var err error
		if n, err = strconv.Atoi(q); err != nil || n < 1 {
			return errs.New(errs.Invalid, "version must be a version number, 1 or more")
		}
	}
	v, data, err := fs.Evidence.Open(r.Context(), sc.Evidence(), r.PathValue("id"), n)
	if err != nil {
		return err
	}
	if err := fs.Events.RecordEvent(r.Context(), sc.Org().ID, "evidence.download", "evidence:"+r.PathValue("id"),
		map[string]any{"version": v.Number, "filename": v.Filename, "sha256": v.SHA256}); err != nil {
		return err
	}
	w.Header().Set("X-Content-SHA256", v.SHA256)
	Attachment(w, v.Filename, v.ContentType, data)
	return nil
}

// ExportAssessment sends the assessment the path names as ?format=xlsx
// (the default) or csv, audited.
func (fs *Files) ExportAssessment(w http.ResponseWriter, r *http.Request) error {
	sc := ScopeFrom(r.Context())
	format := r.URL.Query().Get("format")
	if format != "" && format != "xlsx" && format != "csv" && format != "pdf" && format != "html" && format != "oscal" {
		return errs.New(errs.Invalid, "format must be xlsx, csv, pdf, html or oscal")
	}
	v, err := fs.Program.View(r.Context(), sc.Program(), r.PathValue("id"), fs.Now())
	if err != nil {
		return err
	}
	name := sc.Org().Slug + "-" + strings.ReplaceAll(strings.ToLower(v.Framework.ShortName), " ", "-") + "-" + v.Assessment.CreatedAt.Format("2006-01-02")
	if format == "pdf" || format == "html" {
		// The report an auditor reads, audited as it is handed over.
		b, ct, err := report.ExportAssessment(r.Context(), fs.Events, sc.Org().ID, v, sc.Org().Name, format, r.URL.Path, fs.Now())
		if err != nil {
			return err
		}
		Send(w, name+"."+format, ct, b)
		return nil
	}
	if err := fs.Events.RecordEvent(r.Context(), sc.Org().ID, "assessment.export", "assessment:"+v.Assessment.ID, map[string]string{"format": format}); err != nil {
		return err
	}
	if format == "oscal" {
		b, err := v.ExportOSCAL(sc.Org().Name, fs.Now())
		if err != nil {
			return err
		}
		Attachment(w, name+"-oscal-assessment-results.json", "application/json", b)
		return nil
	}
	var buf bytes.Buffer
	if format == "csv" {
		if err := workbook.ExportCSV(&buf, v); err != nil {
			return err
		}
		Attachment(w, name+".csv", "text/csv; charset=utf-8", buf.Bytes())
		return nil
	}
	reg, err := fs.Program.Registry(r.Context(), sc.Program())
	if err != nil {
		return err
	}
	if err := workbook.ExportXLSX(&buf, v, sc.Org(), reg, fs.Now()); err != nil {
		return err
	}
	Attachment(w, name+".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", buf.Bytes())
	return nil
}

// SendScorecardPDF sends the CPG scorecard as a PDF report, its export
// audited.
func (fs *Files) SendScorecardPDF(w http.ResponseWriter, r *http.Request, card *assessment.Scorecard) error {
	sc := ScopeFrom(r.Context())
	b, err := report.ExportScorecard(r.Context(), fs.Events, sc.Org().ID, card, sc.Org().Name, r.URL.Path, fs.Now())
	if err != nil {
		return err
	}
	Attachment(w, sc.Org().Slug+"-cpg-scorecard-"+card.At.Format("2006-01-02")+".pdf", "application/pdf", b)
	return nil
}

// SendAuditPackage makes the audit package (auditpack) of the request's
// organisation and sends it as a ZIP: the audit log of ?from= to ?to=
// (dates, the later day included; the year before today by default), and
// every piece of evidence's file with ?files= (any value but "" or
// "false"). The training status goes in for those who may see the
// workforce (an API token may). Errors: Invalid for a date that is not
// one.
func (fs *Files) SendAuditPackage(w http.ResponseWriter, r *http.Request, prog *assessment.Program, rs *riskanalysis.Service) error {
	sc := ScopeFrom(r.Context())
	q := r.URL.Query()
	files := q.Get("files")
	opt := auditpack.Options{Files: files != "" && files != "false", NoTraining: sc.Role != "" && !sc.Role.Can(auth.ViewWorkforce), Target: r.URL.Path}
	for _, b := range []struct {
		name string
		dst  *time.Time
		add  int
	}{{"from", &opt.From, 0}, {"to", &opt.To, 1}} {
		if v := strings.TrimSpace(q.Get(b.name)); v != "" {
			d, err := time.Parse(time.DateOnly, v)
			if err != nil {
				return errs.New(errs.Invalid, b.name+" must be a date, YYYY-MM-DD")
			}
			*b.dst = d.AddDate(0, 0, b.add) // "to" includes its whole day
		}
	}
	svc := &auditpack.Service{Program: prog, Risk: rs, Evidence: fs.Evidence, Events: fs.Events}
	var buf bytes.Buffer
	now := fs.Now()
	if _, err := svc.Write(r.Context(), sc.Package(), &buf, opt, now); err != nil {
		return err
	}
	Attachment(w, sc.Org().Slug+"-audit-package-"+now.Format(time.DateOnly)+".zip", "application/zip", buf.Bytes())
	return nil
}

// SendReport renders a risk document in the format the query names
// (report.ExportRisk, audited) and sends it as name.format.
func (fs *Files) SendReport(w http.ResponseWriter, r *http.Request, doc *risk.Document, name string) error {
	format := r.URL.Query().Get("format")
	b, f, err := report.ExportRisk(r.Context(), fs.Events, ScopeFrom(r.Context()).Org().ID, doc, format, r.URL.Path)
	if err != nil {
		return err
	}
	Send(w, name+"."+format, f.ContentType, b)
	return nil
}
