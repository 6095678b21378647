package report_test

import (
	"bytes"
	"encoding/xml"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/report"
)

func TestScorecardSVG(t *testing.T) {
	at := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC)
	sc := &assessment.Scorecard{At: at, Essential: assessment.Tally{Met: 3, Partial: 2, NotMet: 1, Unknown: 4, InScope: 10}, Enhanced: assessment.Tally{OutOfScope: 10},
		Trend: []assessment.TrendPoint{
			{Title: "Baseline", Date: at.AddDate(-1, 0, 0), Final: true, Essential: assessment.Tally{Met: 1, InScope: 10}},
			{Title: "Now", Date: at, Essential: assessment.Tally{Met: 3, InScope: 10}},
		}}
	for i := 1; i <= 10; i++ {
		// HHS's longest goal title.
		sc.Goals = append(sc.Goals, assessment.Goal{ID: "e", Citation: "Essential goal", Title: "Revoke Credentials for Departing Workforce Members, Including Employees, Contractors, Affiliates, and Volunteers", Tier: "essential", InScope: true, Status: assessment.Met})
		sc.Goals = append(sc.Goals, assessment.Goal{ID: "x", Citation: "Enhanced goal", Title: "Asset Inventory", Tier: "enhanced", Status: assessment.Unknown})
	}
	out := report.ScorecardSVG(sc, `Riverside <Clinic> & "Partners"`)
	// Well-formed XML: every element closes, every name is escaped.
	dec := xml.NewDecoder(bytes.NewReader(out))
	groups, circles := 0, 0
	// Each tile's lines of text, after its number: its whole title.
	var tile []string
	inGroup, texts := false, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the SVG is not well-formed: %v\n%s", err, out)
		}
		switch x := tok.(type) {
		case xml.StartElement:
			switch x.Name.Local {
			case "g":
				groups++
				inGroup, texts = true, 0
			case "circle":
				circles++
			case "text":
				texts++
			}
		case xml.EndElement:
			if x.Name.Local == "g" {
				if got := strings.Join(tile, " "); got != "Revoke Credentials for Departing Workforce Members, Including Employees, Contractors, Affiliates, and Volunteers" && got != "Asset Inventory" {
					t.Errorf("a tile reads %q", got)
				}
				inGroup, tile = false, nil
			}
		case xml.CharData:
			if inGroup && texts > 1 {
				tile = append(tile, string(x))
			}
		}
	}
	s := string(out)
	if groups != 20 {
		t.Errorf("%d goal tiles, want 20", groups)
	}
	if circles != 2 {
		t.Errorf("%d trend points, want 2 (the enhanced series is out of scope)", circles)
	}
	for _, want := range []string{"Riverside &lt;Clinic&gt; &amp; &#34;Partners&#34;", "3 of 10 met, 2 partially met, 1 not met, 4 unknown", "none in scope (10 deferred by tailoring)", "30%", "Baseline, 2025-11-23: 1 of 10 essential goals met", "Nov 2026 (draft)", "deferred by tailoring"} {
		if !strings.Contains(s, want) {
			t.Errorf("the SVG lacks %q", want)
		}
	}
	if strings.Contains(s, "style=") || strings.Contains(s, "<style") || strings.Contains(s, "<script") {
		t.Error("the SVG carries style or script, which the CSP refuses")
	}
}
