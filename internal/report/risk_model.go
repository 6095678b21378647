package report

import (
	"fmt"
	"strings"

	"github.com/safeguard-health/safeguard/internal/risk"
)

// riskModel is what every rendering of a risk analysis shows, computed
// once from the document.
type riskModel struct {
	Doc        *risk.Document
	Rows       []*risk.Row
	Heat       [][]int
	TargetHeat [][]int
	Plan       []*risk.Milestone
	AssetName  map[string]string
	Threats    []threatLine
	Levels     []levelCount
	Summary    string
	StatusLine string
	SignOff    []string
	Today      string
}

type threatLine struct {
	Name, Category, Sources string
	Risks                   int
}

type levelCount struct {
	Name, Color string
	Count       int
}

func newModel(doc *risk.Document) *riskModel {
	today := risk.Today(doc.AsOf)
	m := &riskModel{Doc: doc, Today: today, AssetName: map[string]string{}}
	m.Rows = doc.Rows(today)
	risk.Sort(m.Rows, "level")
	open := (risk.Filter{}).Apply(m.Rows)
	m.Heat = doc.Heat(open, false)
	m.TargetHeat = doc.Heat(open, true)
	m.Plan = risk.POAM(m.Rows, today, true)
	for _, a := range doc.Assets {
		m.AssetName[a.ID] = a.Name
	}
	perThreat := map[string]int{}
	for _, r := range m.Rows {
		perThreat[r.Risk.ThreatID]++
	}
	for _, t := range doc.Threats {
		var src []string
		for _, s := range t.Sources {
			src = append(src, s.Document+", "+s.Reference)
		}
		m.Threats = append(m.Threats, threatLine{t.Name, t.CategoryLabel(), strings.Join(src, "; "), perThreat[t.ID]})
	}
	counts := map[string]int{}
	unrated := 0
	for _, r := range open {
		if r.Level == "" {
			unrated++
		}
		counts[r.Level]++
	}
	for i := len(doc.Scales.Bands) - 1; i >= 0; i-- {
		b := doc.Scales.Bands[i]
		m.Levels = append(m.Levels, levelCount{b.Name, b.Color, counts[b.Name]})
	}
	var parts []string
	for _, l := range m.Levels {
		if l.Count > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", l.Count, l.Name))
		}
	}
	if unrated > 0 {
		parts = append(parts, fmt.Sprintf("%d not yet rated", unrated))
	}
	ephi := 0
	for _, a := range doc.Assets {
		if a.HoldsEPHI() {
			ephi++
		}
	}
	openActions, overdue := 0, 0
	for _, p := range m.Plan {
		if p.Action.Open() && p.Row.Risk.Status == risk.Open {
			openActions++
			if p.Slip > 0 {
				overdue++
			}
		}
	}
	m.Summary = fmt.Sprintf("%d assets in the inventory (%d holding ePHI); %d open risks (%s); %d closed; %d actions open in the plan, %d past due.",
		len(doc.Assets), ephi, len(open), strings.Join(parts, ", "), len(m.Rows)-len(open), openActions, overdue)
	a := doc.Analysis
	if a.Status == risk.Final && a.FinalizedAt != nil {
		m.StatusLine = "final, " + a.FinalizedAt.Format("2 January 2006")
		m.SignOff = []string{
			fmt.Sprintf("Approved by: %s", a.Approver),
			fmt.Sprintf("Finalised in Safeguard by %s on %s.", a.FinalizedBy, a.FinalizedAt.Format("2 January 2006 15:04 MST")),
			fmt.Sprintf("Next periodic review due: %s.", orDash(a.ReviewBy)),
			"The frozen record of this analysis is kept in Safeguard with its SHA-256 (shown in the application and the JSON export), so later changes to the register cannot alter it. Keep this documentation for six years from its creation or the date it was last in effect, whichever is later (45 CFR 164.316(b)(2)(i)).",
		}
	} else {
		m.StatusLine = "draft"
		m.SignOff = []string{"Not yet signed off: finalising the analysis in Safeguard records the approver, freezes this record and sets the next review date.",
			"Approved by: ______________________________   Date: ______________"}
	}
	if a.PreviousID != "" {
		m.SignOff = append(m.SignOff, "This analysis continues the organisation's previous one; Safeguard's \"what changed\" page lists the differences.")
	}
	return m
}
