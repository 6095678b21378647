package risk

import (
	"fmt"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// A Level is one step of a likelihood or impact scale: its value (1 is the
// lowest), its name and what it means in plain language, so that people
// with no security training rate alike.
type Level struct {
	Value      int    `json:"value"`
	Name       string `json:"name"`
	Definition string `json:"definition"`
}

// A Band is one level of risk the matrix yields, with the response it calls
// for and the colour the heat map paints it.
type Band struct {
	Name   string `json:"name"`
	Color  string `json:"color"`
	Action string `json:"action"`
}

// Scales are an organisation's rating scales: likelihood and impact levels,
// the risk bands, and the matrix from a likelihood and an impact to a band.
// Matrix[l-1][i-1] is the index in Bands of likelihood l and impact i.
type Scales struct {
	Likelihood []Level  `json:"likelihood"`
	Impact     []Level  `json:"impact"`
	Bands      []Band   `json:"bands"`
	Matrix     [][]int  `json:"matrix"`
	Source     string   `json:"source"`
	Notes      []string `json:"notes,omitempty"`
}

// DefaultSource says where the default scales come from.
const DefaultSource = "Safeguard's default. The five qualitative levels (Very Low to Very High) follow the assessment scales of NIST SP 800-30 Rev. 1, Appendices G (likelihood), H (impact) and I (level of risk), which SP 800-66 Rev. 2 section 3 points to; the definitions below and the matrix are Safeguard's plain-language reading for health care, not quotations of SP 800-30's tables."

// Default returns the 5×5 scales a new organisation starts with.
func Default() Scales {
	return Scales{
		Likelihood: []Level{
			{1, "Very Low", "Highly unlikely: no known occurrence here or at similar practices, and the measures in place would stop it."},
			{2, "Low", "Unlikely: it has happened elsewhere in health care but conditions here make it improbable in the next few years."},
			{3, "Moderate", "Possible: it is known to happen to organisations like this one; expect it within a few years."},
			{4, "High", "Likely: it has happened here or to close peers recently; expect it within a year."},
			{5, "Very High", "Almost certain: it is happening regularly or is expected within months."},
		},
		Impact: []Level{
			{1, "Very Low", "Negligible: no ePHI exposed or altered, no disruption to care, no reportable breach."},
			{2, "Low", "Limited: a handful of records or a few hours of disruption, contained without outside help."},
			{3, "Moderate", "Serious: hundreds of records, a reportable breach, or a day of degraded care and operations."},
			{4, "High", "Severe: thousands of records, days of diversion or manual downtime, regulatory action likely."},
			{5, "Very High", "Catastrophic: the whole patient base exposed, harm to patients, or care stopped for a week or more."},
		},
		Bands: []Band{
			{"Very Low", "#2e7d32", "Accept and monitor."},
			{"Low", "#8bc34a", "Accept or treat as resources allow; review yearly."},
			{"Moderate", "#fbc02d", "Treat within the year; the Security Officer approves any acceptance."},
			{"High", "#ef6c00", "Treat within 90 days; acceptance needs leadership sign-off."},
			{"Very High", "#c62828", "Treat now; not to be accepted."},
		},
		// Rows are likelihood 1..5, columns impact 1..5.
		Matrix: [][]int{
			{0, 0, 1, 1, 2},
			{0, 1, 1, 2, 3},
			{1, 1, 2, 3, 3},
			{1, 2, 3, 3, 4},
			{2, 3, 3, 4, 4},
		},
		Source: DefaultSource,
	}
}

// Validate checks the scales are complete and consistent: levels numbered
// 1..n with names, at least two bands with colours, and a full matrix
// whose cells name a band.
func (s *Scales) Validate() error {
	var problems []string
	check := func(what string, levels []Level) {
		if len(levels) < 2 || len(levels) > 10 {
			problems = append(problems, fmt.Sprintf("%s: between 2 and 10 levels, not %d", what, len(levels)))
			return
		}
		for i, l := range levels {
			if l.Value != i+1 {
				problems = append(problems, fmt.Sprintf("%s level %d: value must be %d", what, i+1, i+1))
			}
			if strings.TrimSpace(l.Name) == "" {
				problems = append(problems, fmt.Sprintf("%s level %d: a name is required", what, i+1))
			}
		}
	}
	check("likelihood", s.Likelihood)
	check("impact", s.Impact)
	if len(s.Bands) < 2 {
		problems = append(problems, "bands: at least two risk levels")
	}
	for i, b := range s.Bands {
		if strings.TrimSpace(b.Name) == "" {
			problems = append(problems, fmt.Sprintf("band %d: a name is required", i+1))
		}
		if !ValidColor(b.Color) {
			problems = append(problems, fmt.Sprintf("band %d (%s): colour %q is not #rrggbb", i+1, b.Name, b.Color))
		}
	}
	if len(s.Matrix) != len(s.Likelihood) {
		problems = append(problems, fmt.Sprintf("matrix: %d rows for %d likelihood levels", len(s.Matrix), len(s.Likelihood)))
	} else {
		for l, row := range s.Matrix {
			if len(row) != len(s.Impact) {
				problems = append(problems, fmt.Sprintf("matrix row %d: %d cells for %d impact levels", l+1, len(row), len(s.Impact)))
				continue
			}
			for i, b := range row {
				if b < 0 || b >= len(s.Bands) {
					problems = append(problems, fmt.Sprintf("matrix likelihood %d, impact %d: band %d does not exist", l+1, i+1, b))
				}
			}
		}
	}
	if len(problems) > 0 {
		return errs.New(errs.Invalid, "scales: "+strings.Join(problems, "; "))
	}
	return nil
}

// ValidColor reports whether c is a #rrggbb colour: what a band may be
// painted with, and all the heat map and the reports ever write into markup.
func ValidColor(c string) bool {
	if len(c) != 7 || c[0] != '#' {
		return false
	}
	for _, r := range c[1:] {
		if !strings.ContainsRune("0123456789abcdefABCDEF", r) {
			return false
		}
	}
	return true
}

// Band returns the index of the band for a likelihood and an impact, or -1
// when either is unrated or off the scales.
func (s *Scales) Band(likelihood, impact int) int {
	if likelihood < 1 || impact < 1 || likelihood > len(s.Matrix) || impact > len(s.Matrix[likelihood-1]) {
		return -1
	}
	return s.Matrix[likelihood-1][impact-1]
}

// BandName is the name of the band for a likelihood and an impact, or ""
// when unrated.
func (s *Scales) BandName(likelihood, impact int) string {
	if b := s.Band(likelihood, impact); b >= 0 {
		return s.Bands[b].Name
	}
	return ""
}

// CheckLikelihood reports whether v is on the likelihood scale (0 means
// not yet rated). field names the value in the error.
func (s *Scales) CheckLikelihood(field string, v int) error {
	return checkLevel(field, v, s.Likelihood)
}

// CheckImpact reports whether v is on the impact scale (0: not rated).
func (s *Scales) CheckImpact(field string, v int) error {
	return checkLevel(field, v, s.Impact)
}

func checkLevel(field string, v int, levels []Level) error {
	if v < 0 || v > len(levels) {
		return errs.New(errs.Invalid, fmt.Sprintf("%s: %d is off the scale (1 to %d)", field, v, len(levels)))
	}
	return nil
}

// ParseLevel reads a rating given as a number or a level's name ("4",
// "High"); "" and "0" are unrated (0).
func ParseLevel(field, text string, levels []Level) (int, error) {
	text = strings.TrimSpace(text)
	if text == "" || text == "0" {
		return 0, nil
	}
	for _, l := range levels {
		if strings.EqualFold(text, l.Name) || text == fmt.Sprint(l.Value) {
			return l.Value, nil
		}
	}
	names := make([]string, len(levels))
	for i, l := range levels {
		names[i] = fmt.Sprintf("%d %s", l.Value, l.Name)
	}
	return 0, errs.New(errs.Invalid, fmt.Sprintf("%s: %q is off the scale (%s)", field, text, strings.Join(names, ", ")))
}

// LevelName is the name of value on levels, or "" when unrated.
func LevelName(levels []Level, v int) string {
	if v < 1 || v > len(levels) {
		return ""
	}
	return levels[v-1].Name
}
