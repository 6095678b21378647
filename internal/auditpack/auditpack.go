// Package auditpack makes the audit package: one ZIP of what an audit of
// the organisation's security program asks for — the assessment and
// scorecard reports, the risk analysis, an index of the evidence (and
// the policies themselves), the training status and an extract of the
// audit log — with a manifest of every file's SHA-256, so that what was
// handed over can be checked later.
package auditpack

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tabular"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// Records is what the package reads of one organisation.
type Records interface {
	assessment.Store
	riskanalysis.Store
	training.Store
	evidence.Store
	AuditLog(ctx context.Context, f store.AuditFilter) ([]audit.Entry, error)
	Vendors(ctx context.Context) ([]*vendor.Vendor, error)
	Agreements(ctx context.Context, vendorID string) ([]*vendor.Agreement, error)
	VendorReviews(ctx context.Context, vendorID string) ([]*vendor.Review, error)
	QuestionnaireRequests(ctx context.Context, vendorID string) ([]*vendor.Request, error)
	AssetNames(ctx context.Context) (byName, byID map[string]string, err error)
}

// Service makes audit packages with the program's services.
type Service struct {
	Program  *assessment.Program
	Risk     *riskanalysis.Service
	Evidence *evidence.Service
	// Events records each package made in the audit log.
	Events report.Recorder
}

// Options say what goes in.
type Options struct {
	// From and To bound the audit log extract (To excluded); zero From is
	// a year before To, zero To is now.
	From, To time.Time
	// Files puts every piece of evidence's current file in the package;
	// without it only the policies' files go in (the evidence linked to
	// 164.316, policies and procedures), the rest by name and hash.
	Files bool
	// NoTraining leaves out the training status (the names of the
	// workforce), for one who may not see the workforce.
	NoTraining bool
	// Target says where the package was asked for, for the audit log.
	Target string
}

// File is one file of the package as its manifest lists it.
type File struct {
	Path   string `json:"path"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
	What   string `json:"what"`
}

// Manifest lists every file of the package (but itself and the
// SHA256SUMS file it is repeated in) with its hash.
type Manifest struct {
	Organization string    `json:"organization"`
	Name         string    `json:"name"`
	MadeAt       time.Time `json:"made_at"`
	AuditFrom    time.Time `json:"audit_log_from"`
	AuditTo      time.Time `json:"audit_log_to"`
	Files        []File    `json:"files"`
	// Left lists what could not go in, and why (no risk analysis yet, …).
	Left []string `json:"left_out,omitempty"`
}

// policyItem reports whether a catalog item is the Security Rule's
// policies and procedures and documentation standard (164.316) or one of
// its specifications.
func policyItem(id string) bool { return strings.HasPrefix(id, "hipaa-sr/164.316") }

// Write writes the package of the organisation of st as a ZIP to w, at
// now, and records it in the audit log (what went in, by hash of the
// manifest). Errors: what the reports or the store return.
func (s *Service) Write(ctx context.Context, st Records, w io.Writer, opt Options, now time.Time) (*Manifest, error) {
	o := st.Org()
	if opt.To.IsZero() {
		opt.To = now
	}
	if opt.From.IsZero() {
		opt.From = opt.To.AddDate(-1, 0, 0)
	}
	if !opt.From.Before(opt.To) {
		return nil, errs.New(errs.Invalid, "the audit log's period: from must be before to")
	}
	m := &Manifest{Organization: o.Slug, Name: o.Name, MadeAt: now.UTC(), AuditFrom: opt.From.UTC(), AuditTo: opt.To.UTC()}
	z := zip.NewWriter(w)
	add := func(name, what string, data []byte) error {
		f, err := z.CreateHeader(&zip.FileHeader{Name: name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return err
		}
		if _, err := f.Write(data); err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		m.Files = append(m.Files, File{Path: name, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:]), What: what})
		return nil
	}

	// The assessments' reports, the current one of each framework.
	all, err := st.Assessments(ctx)
	if err != nil {
		return nil, err
	}
	for _, fw := range s.Program.Frameworks() {
		a := assessment.Current(all, fw.ID)
		if a == nil {
			m.Left = append(m.Left, "No "+fw.ShortName+" assessment yet.")
			continue
		}
		v, err := s.Program.View(ctx, st, a.ID, now)
		if err != nil {
			return nil, err
		}
		for _, format := range []string{"pdf", "html"} {
			b, err := report.AssessmentFormats[format].Render(v, o.Name, now)
			if err != nil {
				return nil, err
			}
			if err := add("reports/"+fw.ID+"-assessment."+format, fmt.Sprintf("%s (%s), %s", a.Title, a.State, strings.ToUpper(format)), b); err != nil {
				return nil, err
			}
		}
	}

	// The CPG scorecard: the report and the picture.
	card, err := s.Program.Scorecard(ctx, st, now)
	if err != nil {
		return nil, err
	}
	b, err := report.ScorecardPDF(card, o.Name, now)
	if err != nil {
		return nil, err
	}
	if err := add("reports/cpg-scorecard.pdf", "HPH CPG scorecard, PDF", b); err != nil {
		return nil, err
	}
	if err := add("reports/cpg-scorecard.svg", "HPH CPG scorecard, the picture", report.ScorecardSVG(card, o.Name)); err != nil {
		return nil, err
	}

	// The risk analysis: the newest final one, and a draft newer than it.
	analyses, err := st.Analyses(ctx) // newest first
	if err != nil {
		return nil, err
	}
	var shown []*risk.Analysis
	for _, an := range analyses {
		shown = append(shown, an)
		if an.Status == risk.Final {
			break
		}
	}
	if len(shown) == 0 {
		m.Left = append(m.Left, "No risk analysis yet: 164.308(a)(1)(ii)(A) requires one.")
	} else if shown[len(shown)-1].Status != risk.Final {
		m.Left = append(m.Left, "No final risk analysis yet: only the draft is in.")
	}
	for i, an := range shown {
		if i > 0 && i < len(shown)-1 {
			continue // only the newest draft beside the final one
		}
		doc, err := s.Risk.Document(ctx, st, o.Name, an, now)
		if err != nil {
			return nil, err
		}
		name := "reports/risk-analysis"
		if an.Status != risk.Final {
			name += "-draft"
		}
		for _, format := range []string{"pdf", "xlsx"} {
			f, _ := report.RiskFormat(format)
			b, err := f.Render(doc)
			if err != nil {
				return nil, err
			}
			if err := add(name+"."+format, fmt.Sprintf("%s, version %d (%s), %s", an.Title, an.Version, an.Status, strings.ToUpper(format)), b); err != nil {
				return nil, err
			}
		}
	}

	// The evidence: an index of every version, and the files of the
	// policies (or of everything, with Files).
	list, err := st.EvidenceList(ctx)
	if err != nil {
		return nil, err
	}
	var idx bytes.Buffer
	cw := tabular.NewCSVWriter(&idx)
	cw.Write([]string{"evidence_id", "title", "owner", "collected_on", "review_by", "items", "version", "filename", "content_type", "size", "sha256", "uploaded_at", "uploaded_by", "current", "in_package"})
	for _, e := range list {
		policy := slices.ContainsFunc(e.Items, policyItem)
		for i, v := range e.Versions {
			current := i == 0 // versions are listed newest first
			in := ""
			if current && (opt.Files || policy) {
				_, data, err := s.Evidence.Open(ctx, st, e.ID, v.Number)
				if err != nil {
					return nil, err
				}
				dir := "evidence/files/"
				if policy {
					dir = "policies/"
				}
				in = dir + e.ID + "-v" + strconv.Itoa(v.Number) + "-" + safeName(v.Filename)
				if err := add(in, fmt.Sprintf("%s, version %d", e.Title, v.Number), data); err != nil {
					return nil, err
				}
			}
			cw.Write([]string{e.ID, e.Title, e.Owner, e.CollectedOn, e.ReviewBy, strings.Join(e.Items, " "), strconv.Itoa(v.Number), v.Filename, v.ContentType,
				strconv.FormatInt(v.Size, 10), v.SHA256, v.UploadedAt.UTC().Format(time.RFC3339), v.UploadedBy, strconv.FormatBool(current), in})
		}
	}
	if err := cw.Flush(); err != nil {
		return nil, err
	}
	if err := add("evidence/index.csv", "Every version of every piece of evidence: title, linked items, dates, file, SHA-256", idx.Bytes()); err != nil {
		return nil, err
	}

	// The training status, person by person.
	if err := s.training(ctx, st, m, add, opt, now); err != nil {
		return nil, err
	}

	// The vendor register with where each business associate's
	// agreement and each vendor's review stand, and every agreement.
	if err := vendors(ctx, st, add, now); err != nil {
		return nil, err
	}

	// The audit log of the period, oldest first, with each entry's hash.
	var entries []audit.Entry
	for before := int64(0); ; {
		page, err := st.AuditLog(ctx, store.AuditFilter{From: opt.From, To: opt.To, Before: before, Limit: 1000})
		if err != nil {
			return nil, err
		}
		entries = append(entries, page...)
		if len(page) < 1000 {
			break
		}
		before = page[len(page)-1].Seq
	}
	slices.Reverse(entries)
	var al bytes.Buffer
	if err := audit.WriteCSV(&al, entries); err != nil {
		return nil, err
	}
	if err := add("audit/audit-log.csv", fmt.Sprintf("The audit log from %s to %s: %d entries, each with its hash in the chain", opt.From.UTC().Format(time.DateOnly), opt.To.UTC().Format(time.DateOnly), len(entries)), al.Bytes()); err != nil {
		return nil, err
	}

	// What is inside, for a person; then the manifest and the sums.
	if err := add("README.txt", "What this package holds", readme(m)); err != nil {
		return nil, err
	}
	raw, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	var sums strings.Builder
	for _, f := range m.Files {
		fmt.Fprintf(&sums, "%s  %s\n", f.SHA256, f.Path)
	}
	for _, f := range []struct {
		name string
		data []byte
	}{{"manifest.json", raw}, {"SHA256SUMS", []byte(sums.String())}} {
		w, err := z.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: now})
		if err != nil {
			return nil, err
		}
		if _, err := w.Write(f.data); err != nil {
			return nil, err
		}
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	sum := sha256.Sum256(raw)
	if err := s.Events.RecordEvent(ctx, o.ID, "audit.package", opt.Target, map[string]any{"files": len(m.Files), "manifest_sha256": hex.EncodeToString(sum[:]),
		"audit_from": m.AuditFrom, "audit_to": m.AuditTo, "all_files": opt.Files}); err != nil {
		return nil, err
	}
	return m, nil
}

// training adds the training status, person by person.
func (s *Service) training(ctx context.Context, st Records, m *Manifest, add func(name, what string, data []byte) error, opt Options, now time.Time) error {
	if opt.NoTraining {
		m.Left = append(m.Left, "The training status: the one who asked may not see the workforce.")
		return nil
	}
	_, status, err := training.Status(ctx, st, now)
	if err != nil {
		return err
	}
	var tr bytes.Buffer
	tw := tabular.NewCSVWriter(&tr)
	tw.Write([]string{"employee_id", "name", "department", "position", "assigned", "done", "overdue", "as_of"})
	for _, p := range status.People {
		tw.Write([]string{p.Person.EmployeeID, p.Person.Name, p.Person.Department, p.Person.Position, strconv.Itoa(p.Assigned), strconv.Itoa(p.Done), strconv.Itoa(p.Overdue), status.AsOf})
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := add("training/status.csv", fmt.Sprintf("Training status on %s: %d people, %d of %d assignments done, %d overdue", status.AsOf, len(status.People), status.Overall.Done, status.Overall.Assigned, status.Overall.Overdue), tr.Bytes()); err != nil {
		return err
	}
	return nil
}

// vendors adds the vendor register and the agreements with the vendors,
// as the HHS SRA Tool lists business associates with their agreements.
func vendors(ctx context.Context, st Records, add func(name, what string, data []byte) error, now time.Time) error {
	vs, err := st.Vendors(ctx)
	if err != nil {
		return err
	}
	if len(vs) == 0 {
		return nil
	}
	_, assets, err := st.AssetNames(ctx)
	if err != nil {
		return err
	}
	as, err := st.Agreements(ctx, "")
	if err != nil {
		return err
	}
	rs, err := st.VendorReviews(ctx, "")
	if err != nil {
		return err
	}
	day := now.UTC().Format(time.DateOnly)
	views := vendor.Views(vs, assets, as, rs, day)
	var b bytes.Buffer
	w := tabular.NewCSVWriter(&b)
	w.Write([]string{"name", "services", "status", "status_reason", "subcontractor_of", "ephi", "records", "access", "criticality", "tier", "tier_why",
		"agreement", "agreement_why", "review", "next_review", "review_why", "assets", "as_of"})
	bas := 0
	for _, v := range views {
		if v.BusinessAssociate {
			bas++
		}
		w.Write([]string{v.Name, v.Services, string(v.Status), v.StatusReason, v.SubcontractorName, strings.Join(v.EPHI, "; "), strconv.FormatInt(v.Records, 10),
			string(v.Access), string(v.Criticality), strconv.Itoa(v.Tier), v.TierWhy, string(v.Agreement), v.AgreementWhy, string(v.Review), v.NextReview, v.ReviewWhy,
			strings.Join(v.AssetNames, "; "), day})
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := add("vendors/register.csv", fmt.Sprintf("The vendor register on %s: %d vendors, %d business associates, each with where its agreement and its review stand", day, len(vs), bas), b.Bytes()); err != nil {
		return err
	}
	names := map[string]string{}
	for _, v := range vs {
		names[v.ID] = v.Name
	}
	b.Reset()
	w = tabular.NewCSVWriter(&b)
	w.Write([]string{"vendor", "kind", "title", "signed_on", "effective_on", "expires_on", "review_by", "reviewed_on", "notice_hours", "terms_stated", "required_terms_missing", "evidence_id"})
	for _, a := range as {
		var stated, missing []string
		for _, t := range vendor.Terms {
			if m := a.Terms[t.ID]; m.Present {
				stated = append(stated, t.ID+cmpWhere(m.Where))
			}
		}
		if a.Covers() {
			for _, t := range a.Missing() {
				missing = append(missing, t.ID)
			}
		}
		w.Write([]string{names[a.VendorID], string(a.Kind), a.Title, a.SignedOn, a.EffectiveOn, a.ExpiresOn, a.ReviewBy, a.ReviewedOn, strconv.Itoa(a.NoticeHours),
			strings.Join(stated, "; "), strings.Join(missing, "; "), a.EvidenceID})
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if err := add("vendors/agreements.csv", fmt.Sprintf("The %d agreements with vendors: dates, promised incident notice, the terms each states and where, the required terms a business associate agreement lacks, its document in the evidence index", len(as)), b.Bytes()); err != nil {
		return err
	}
	return questionnaires(ctx, st, names, add, now)
}

// questionnaires adds every questionnaire sent to a vendor: when, how and
// by whom, where it stands, and the answers' score, exceptions and
// evidence.
func questionnaires(ctx context.Context, st Records, names map[string]string, add func(name, what string, data []byte) error, now time.Time) error {
	rs, err := st.QuestionnaireRequests(ctx, "")
	if err != nil || len(rs) == 0 {
		return err
	}
	var b bytes.Buffer
	w := tabular.NewCSVWriter(&b)
	w.Write([]string{"vendor", "questionnaire", "version", "channel", "recipient", "sent_at", "sent_by", "expires_at", "standing", "answered_at", "respondent",
		"percent", "yes", "no", "not_applicable", "exceptions", "evidence_ids"})
	answered := 0
	for _, r := range rs {
		row := []string{names[r.VendorID], r.Questionnaire.Title, r.Questionnaire.Version, r.Channel, r.Recipient, r.SentAt.UTC().Format(time.RFC3339), r.SentBy,
			r.ExpiresAt.UTC().Format(time.RFC3339), string(r.Standing(now)), "", r.Respondent, "", "", "", "", "", ""}
		if r.AnsweredAt != nil && r.Score != nil {
			answered++
			var exceptions, evidence []string
			for _, e := range r.Score.Exceptions {
				exceptions = append(exceptions, e.Question.ID)
			}
			for _, q := range r.Questionnaire.Questions {
				if id := r.Answers[q.ID].EvidenceID; id != "" {
					evidence = append(evidence, q.ID+": "+id)
				}
			}
			row[9] = r.AnsweredAt.UTC().Format(time.RFC3339)
			row[11], row[12], row[13], row[14] = strconv.Itoa(r.Score.Percent), strconv.Itoa(r.Score.Yes), strconv.Itoa(r.Score.No), strconv.Itoa(r.Score.NA)
			row[15], row[16] = strings.Join(exceptions, "; "), strings.Join(evidence, "; ")
		}
		w.Write(row)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	return add("vendors/questionnaires.csv", fmt.Sprintf("The %d questionnaires sent to vendors, %d answered: how and when each was sent, where it stands, the answers' score, the questions answered no and the evidence sent with the answers", len(rs), answered), b.Bytes())
}

func cmpWhere(where string) string {
	if where == "" {
		return ""
	}
	return " (" + where + ")"
}

// safeName keeps a file name a path inside the ZIP cannot escape with.
func safeName(name string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	if name == "." || name == "/" || name == ".." {
		return "file"
	}
	return name
}

func readme(m *Manifest) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "Audit package of %s, made by Safeguard on %s.\n\n", m.Name, m.MadeAt.Format("2 January 2006 15:04 UTC"))
	b.WriteString("manifest.json lists every file with its size and SHA-256; SHA256SUMS repeats the hashes\n")
	b.WriteString("(check them with: sha256sum -c SHA256SUMS).\n\n")
	for _, f := range m.Files {
		fmt.Fprintf(&b, "%s\n    %s\n", f.Path, f.What)
	}
	if len(m.Left) > 0 {
		b.WriteString("\nNot in this package:\n")
		for _, l := range m.Left {
			fmt.Fprintf(&b, "- %s\n", l)
		}
	}
	return []byte(b.String())
}
