package report

import (
	"context"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// Format is one format of the risk analysis report: how it is made and
// the content type it is sent as.
type Format struct {
	Render      func(*risk.Document) ([]byte, error)
	ContentType string
}

// RiskFormats are the risk analysis report's formats.
var RiskFormats = map[string]Format{
	"pdf":  {RiskAnalysisPDF, "application/pdf"},
	"html": {RiskAnalysisHTML, "text/html; charset=utf-8"},
	"xlsx": {RiskAnalysisXLSX, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	"csv":  {RegisterCSV, "text/csv; charset=utf-8"},
	"json": {RiskAnalysisJSON, "application/json"},
}

// RiskFormat returns the format named. Errors: Invalid.
func RiskFormat(name string) (Format, error) {
	f, ok := RiskFormats[name]
	if !ok {
		return Format{}, errs.New(errs.Invalid, "format: use pdf, html, xlsx, csv or json")
	}
	return f, nil
}

// Recorder records a security event in the audit log (the store).
type Recorder interface {
	RecordEvent(ctx context.Context, orgID, action, target string, detail any) error
}

// ExportRisk renders the risk analysis report in format and records the
// export in the audit log — who took which analysis, in what format, from
// where (target) — before handing it over: the web, the API and the
// command line export through it, and a report whose export cannot be
// recorded is not handed over. Errors: Invalid for an unknown format.
func ExportRisk(ctx context.Context, rec Recorder, orgID string, doc *risk.Document, format, target string) ([]byte, Format, error) {
	f, err := RiskFormat(format)
	if err != nil {
		return nil, Format{}, err
	}
	b, err := f.Render(doc)
	if err != nil {
		return nil, Format{}, err
	}
	if err := rec.RecordEvent(ctx, orgID, "risk.report", target, map[string]any{"format": format, "analysis": doc.Analysis.ID, "risks": len(doc.Risks)}); err != nil {
		return nil, Format{}, err
	}
	return b, f, nil
}

// AssessmentFormats are the formats of the assessment's report (the
// workbook and its CSV are the workbook package's).
var AssessmentFormats = map[string]struct {
	Render      func(v *assessment.View, org string, at time.Time) ([]byte, error)
	ContentType string
}{
	"pdf":  {AssessmentPDF, "application/pdf"},
	"html": {AssessmentHTML, "text/html; charset=utf-8"},
}

// ExportAssessment renders an assessment's report in format (pdf or html)
// for org and records the export in the audit log before handing it over,
// as ExportRisk does. Errors: Invalid for another format.
func ExportAssessment(ctx context.Context, rec Recorder, orgID string, v *assessment.View, org, format, target string, at time.Time) ([]byte, string, error) {
	f, ok := AssessmentFormats[format]
	if !ok {
		return nil, "", errs.New(errs.Invalid, "format: use pdf or html")
	}
	b, err := f.Render(v, org, at)
	if err != nil {
		return nil, "", err
	}
	if err := rec.RecordEvent(ctx, orgID, "assessment.report", target, map[string]any{"format": format, "assessment": v.Assessment.ID}); err != nil {
		return nil, "", err
	}
	return b, f.ContentType, nil
}

// ExportScorecard renders the CPG scorecard as PDF for org and records the
// export in the audit log before handing it over.
func ExportScorecard(ctx context.Context, rec Recorder, orgID string, sc *assessment.Scorecard, org, target string, at time.Time) ([]byte, error) {
	b, err := ScorecardPDF(sc, org, at)
	if err != nil {
		return nil, err
	}
	if err := rec.RecordEvent(ctx, orgID, "scorecard.report", target, map[string]any{"format": "pdf"}); err != nil {
		return nil, err
	}
	return b, nil
}
