package report

import (
	"bytes"
	"embed"
	"html/template"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
)

//go:embed templates/risk_analysis.html templates/assessment.html
var templateFS embed.FS

var riskHTML = template.Must(template.New("risk_analysis.html").Funcs(template.FuncMap{
	"join":  strings.Join,
	"count": formatCount,
	"yesno": yesNo,
	"slip":  slipText,
	// bandColor is replaced per rendering with the document's bands.
	"bandColor": func(int) template.CSS { return "#9e9e9e" },
}).ParseFS(templateFS, "templates/risk_analysis.html"))

// RiskAnalysisHTML renders a risk analysis document as one self-contained
// HTML file (styles and heat maps inline, nothing fetched), for reading,
// printing and filing.
func RiskAnalysisHTML(doc *risk.Document) ([]byte, error) {
	m := newModel(doc)
	bands := doc.Scales.Bands
	t, err := riskHTML.Clone()
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	t.Funcs(template.FuncMap{"bandColor": func(i int) template.CSS {
		if i < 0 || i >= len(bands) || !risk.ValidColor(bands[i].Color) {
			return "#9e9e9e"
		}
		return template.CSS(bands[i].Color)
	}})
	var buf bytes.Buffer
	err = t.Execute(&buf, struct {
		*riskModel
		HeatSVG, TargetSVG template.HTML
	}{m, template.HTML(HeatmapSVG(&doc.Scales, m.Heat, "Current risk", nil)), template.HTML(HeatmapSVG(&doc.Scales, m.TargetHeat, "Target residual risk", nil))})
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "rendering the HTML report", err)
	}
	return buf.Bytes(), nil
}
