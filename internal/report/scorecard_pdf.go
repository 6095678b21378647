package report

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
)

// ScorecardPDF renders the HPH CPG scorecard as a report: the essential
// and enhanced tallies, each goal with its status, the inputs behind it
// (the answer and what was verified from data, each with its source and
// date) and what it lacks; why goals are deferred; and the trend across
// CPG assessments.
func ScorecardPDF(sc *assessment.Scorecard, org string, at time.Time) ([]byte, error) {
	d, err := newPDF(org+" · HPH CPG scorecard, "+sc.At.UTC().Format("2 January 2006"), "HPH CPG scorecard — "+org,
		"HHS Healthcare and Public Health Cybersecurity Performance Goals", at)
	if err != nil {
		return nil, err
	}
	d.heading("HPH CPG scorecard: "+org, 18)
	d.para(subtitle(sc)+" · report made "+at.UTC().Format("2 January 2006 15:04 UTC"), 9.5)
	d.para("Each goal's status is the worse of its inputs: the answer in the CPG assessment and what Safeguard verified from data (checks of imported account exports and scanner output, training records).", 8.5)
	d.heading("1. Where the organisation stands", 13)
	d.table([]pdfCol{{"Goals", 0.2}, {"In scope", 0.1}, {"Met", 0.1}, {"Partially met", 0.14}, {"Not met", 0.12}, {"Unknown", 0.12}, {"Deferred", 0.11}, {"Met, %", 0.11}},
		[][]string{tallyRow("Essential", sc.Essential), tallyRow("Enhanced", sc.Enhanced)}, 8.5)
	var deferred []string
	for _, g := range sc.Goals {
		if !g.InScope && !slices.Contains(deferred, g.Scope) {
			deferred = append(deferred, g.Scope)
		}
	}
	for _, why := range deferred {
		d.para("Deferred goals: "+why, 8.5)
	}

	d.heading("2. Each goal", 13)
	var rows [][]string
	for _, g := range sc.Goals {
		status := g.Status.Label()
		if !g.InScope {
			status = "Deferred"
		}
		var inputs []string
		for _, in := range g.Inputs {
			s := fmt.Sprintf("%s — %s, %s", in.Status.Label(), in.Label, in.Date.UTC().Format("2006-01-02"))
			if in.Detail != "" {
				s += ": " + in.Detail
			}
			inputs = append(inputs, s)
		}
		rows = append(rows, []string{g.Citation + ": " + g.Title, status, orDash(strings.Join(inputs, "\n")), orDash(strings.Join(g.Missing, "\n"))})
	}
	d.table([]pdfCol{{"Goal", 0.24}, {"Status", 0.1}, {"Inputs", 0.36}, {"What is missing", 0.3}}, rows, 7.5)

	d.heading("3. Trend across CPG assessments", 13)
	if len(sc.Trend) == 0 {
		d.para("No CPG assessment yet.", 9)
	} else {
		var tr [][]string
		for _, p := range sc.Trend {
			state := "draft"
			if p.Final {
				state = "final"
			}
			counted := "its answers"
			if p.Verified {
				counted = "answers and data (today's scorecard)"
			}
			tr = append(tr, []string{p.Title, p.Date.UTC().Format("2006-01-02"), state, fmt.Sprintf("%d of %d", p.Essential.Met, p.Essential.InScope),
				fmt.Sprintf("%d of %d", p.Enhanced.Met, p.Enhanced.InScope), counted})
		}
		d.table([]pdfCol{{"Assessment", 0.26}, {"Date", 0.12}, {"State", 0.09}, {"Essential met", 0.14}, {"Enhanced met", 0.14}, {"Counts", 0.25}}, tr, 8)
	}
	return d.bytes()
}

func tallyRow(name string, t assessment.Tally) []string {
	pct := "—"
	if t.InScope > 0 {
		pct = fmt.Sprintf("%d%%", t.Percent())
	}
	return []string{name, fmt.Sprint(t.InScope), fmt.Sprint(t.Met), fmt.Sprint(t.Partial), fmt.Sprint(t.NotMet), fmt.Sprint(t.Unknown), fmt.Sprint(t.OutOfScope), pct}
}
