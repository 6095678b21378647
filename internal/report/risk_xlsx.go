package report

import (
	"bytes"
	"encoding/json"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/tabular"
)

// registerHeader is the register's columns in XLSX and CSV. The names are
// the register import's, so an exported register can be edited and
// imported back.
var registerHeader = []string{"ref", "title", "description", "threat", "assets", "vulnerabilities", "current_measures", "likelihood",
	"impact_confidentiality", "impact_integrity", "impact_availability", "level", "likelihood_rationale", "impact_rationale", "owner",
	"response", "accepted_by", "accepted_until", "target_likelihood", "target_impact", "target_level", "status", "open_actions", "overdue_actions", "items"}

func registerRecord(r *risk.Row) []any {
	vulns := make([]string, len(r.Vulns))
	for i, v := range r.Vulns {
		vulns[i] = v.Title
	}
	return []any{r.Risk.Ref(), r.Risk.Title, r.Risk.Description, r.Risk.ThreatID, strings.Join(r.AssetNames(), "; "), strings.Join(vulns, "; "),
		r.Risk.CurrentMeasures, rating(r.Risk.Likelihood), rating(r.Risk.ImpactC), rating(r.Risk.ImpactI), rating(r.Risk.ImpactA), r.Level, r.Risk.LikelihoodRationale,
		r.Risk.ImpactRationale, r.Risk.Owner, string(r.Risk.Response), r.Risk.AcceptedBy, r.Risk.AcceptedUntil, rating(r.Risk.TargetLikelihood),
		rating(r.Risk.TargetImpact), r.Target, string(r.Risk.Status), r.OpenActions, r.Overdue, strings.Join(r.Risk.Items, "; ")}
}

// rating is a rating cell: the number, or empty when not rated.
func rating(v int) any {
	if v == 0 {
		return ""
	}
	return v
}

// RegisterCSV writes the register, one risk per row, in risk-number order,
// its cells defused (tabular.Defuse).
func RegisterCSV(doc *risk.Document) ([]byte, error) {
	var buf bytes.Buffer
	w := tabular.NewCSVWriter(&buf)
	if err := w.Write(registerHeader); err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	for _, r := range doc.Rows(risk.Today(doc.AsOf)) {
		rec := registerRecord(r)
		out := make([]string, len(rec))
		for i, v := range rec {
			out[i] = csvCell(v)
		}
		if err := w.Write(out); err != nil {
			return nil, errs.Wrap(errs.Internal, "", err)
		}
	}
	if err := w.Flush(); err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	return buf.Bytes(), nil
}

// csvCell renders a cell of the register: text as it is, anything else as
// JSON.
func csvCell(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// RiskAnalysisXLSX writes the register as a workbook: About, Register (one
// risk per row, the import's columns), Inventory, Plan (the POA&M with
// slippage) and Scales. Rows are streamed, so large registers stay cheap.
func RiskAnalysisXLSX(doc *risk.Document) ([]byte, error) {
	m := newModel(doc)
	f := excelize.NewFile()
	defer f.Close()
	bold, _ := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Fill: excelize.Fill{Type: "pattern", Color: []string{"E6E9ED"}, Pattern: 1}})
	sheet := func(name string, header []string, rows func(add func([]any) error) error) error {
		if _, err := f.NewSheet(name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(name)
		if err != nil {
			return err
		}
		h := make([]any, len(header))
		for i, c := range header {
			h[i] = excelize.Cell{Value: c, StyleID: bold}
		}
		if err := sw.SetRow("A1", h); err != nil {
			return err
		}
		n := 1
		if err := rows(func(rec []any) error {
			n++
			cell, _ := excelize.CoordinatesToCellName(1, n)
			return sw.SetRow(cell, rec)
		}); err != nil {
			return err
		}
		return sw.Flush()
	}
	a := doc.Analysis
	err := sheet("About", []string{"Field", "Value"}, func(add func([]any) error) error {
		for _, kv := range [][2]string{{"Organisation", doc.Organization}, {"Analysis", a.Title}, {"Version", itoa(a.Version)}, {"Status", m.StatusLine},
			{"As of", doc.AsOf.Format("2006-01-02")}, {"Scope", a.Scope}, {"Method", a.Method}, {"Approver", a.Approver}, {"Review by", a.ReviewBy},
			{"SHA-256 of the frozen record", a.SHA256}, {"Summary", m.Summary}} {
			if err := add([]any{kv[0], kv[1]}); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = sheet("Register", registerHeader, func(add func([]any) error) error {
			for _, r := range doc.Rows(m.Today) {
				if err := add(registerRecord(r)); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = sheet("Inventory", []string{"name", "type", "description", "creates", "receives", "maintains", "transmits", "records", "owner", "location", "vendor", "criticality", "internet_facing"},
			func(add func([]any) error) error {
				for _, x := range doc.Assets {
					if err := add([]any{x.Name, string(x.Type), x.Description, yesNo(x.Creates), yesNo(x.Receives), yesNo(x.Maintains), yesNo(x.Transmits), x.Records,
						x.Owner, x.Location, x.Vendor, string(x.Criticality), yesNo(x.InternetFacing)}); err != nil {
						return err
					}
				}
				return nil
			})
	}
	if err == nil {
		err = sheet("Plan", []string{"risk", "risk_title", "level", "action", "owner", "due", "status", "completed_on", "standing", "days_late"}, func(add func([]any) error) error {
			for _, p := range m.Plan {
				if err := add([]any{p.Row.Risk.Ref(), p.Row.Risk.Title, p.Row.Level, p.Action.Title, p.Action.Owner, p.Action.Due, string(p.Action.Status),
					p.Action.CompletedOn, p.State(), p.Slip}); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = sheet("Scales", []string{"scale", "value", "name", "definition"}, func(add func([]any) error) error {
			for _, s := range []struct {
				name   string
				levels []risk.Level
			}{{"likelihood", doc.Scales.Likelihood}, {"impact", doc.Scales.Impact}} {
				for _, l := range s.levels {
					if err := add([]any{s.name, l.Value, l.Name, l.Definition}); err != nil {
						return err
					}
				}
			}
			for l, row := range doc.Scales.Matrix {
				for i, b := range row {
					if err := add([]any{"matrix", "", doc.Scales.Likelihood[l].Name + " × " + doc.Scales.Impact[i].Name, doc.Scales.Bands[b].Name}); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "writing the workbook", err)
	}
	if err := f.DeleteSheet("Sheet1"); err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	f.SetActiveSheet(1)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, errs.Wrap(errs.Internal, "writing the workbook", err)
	}
	return buf.Bytes(), nil
}

func itoa(n int) string { return formatCount(int64(n)) }

// RiskAnalysisJSON is the document itself, indented: what every other
// rendering is made from.
func RiskAnalysisJSON(doc *risk.Document) ([]byte, error) {
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	return append(b, '\n'), nil
}
