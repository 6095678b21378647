// Package report renders snapshots into what people read and file: the
// CPG scorecard as a picture a board understands (SVG, drawn by the
// server, nothing from a CDN), and more to come.
package report

import (
	"fmt"
	"html"
	"strings"

	"github.com/safeguard-health/safeguard/internal/assessment"
)

// Colours of the goal statuses, shared by the bars, the tiles and the legend.
var statusColour = map[assessment.GoalStatus]string{
	assessment.Met:       "#2e7d32",
	assessment.PartlyMet: "#f9a825",
	assessment.NotMet:    "#c62828",
	assessment.Unknown:   "#9e9e9e",
}

const outOfScopeColour = "#e6e9ed"

// ScorecardSVG draws the scorecard for orgName: progress on the essential
// and enhanced goals, one tile per goal coloured by its status, and the
// trend across assessments. It uses presentation attributes only (no style
// element or attribute), so it renders inline under a strict CSP.
func ScorecardSVG(sc *assessment.Scorecard, orgName string) []byte {
	const width, height = 760, 790
	var b strings.Builder
	esc := html.EscapeString
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="img" aria-labelledby="sc-title sc-desc" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">`, width, height, width, height)
	fmt.Fprintf(&b, `<title id="sc-title">HPH CPG scorecard of %s, %s</title>`, esc(orgName), sc.At.Format("2 January 2006"))
	fmt.Fprintf(&b, `<desc id="sc-desc">Essential goals: %s. Enhanced goals: %s.</desc>`, esc(tallyText(sc.Essential)), esc(tallyText(sc.Enhanced)))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`, width, height)
	fmt.Fprintf(&b, `<text x="20" y="30" font-size="18" font-weight="700" fill="#1d2733">%s</text>`, esc(orgName+" — HPH Cybersecurity Performance Goals"))
	fmt.Fprintf(&b, `<text x="20" y="50" font-size="12" fill="#5b6775">%s</text>`, esc(subtitle(sc)))

	bar(&b, 20, 72, "Essential goals", sc.Essential)
	bar(&b, 20, 130, "Enhanced goals", sc.Enhanced)
	tiles(&b, 20, 200, sc.Goals)
	trend(&b, 20, 630, sc.Trend)
	legend(&b, 470, 630)
	b.WriteString(`</svg>`)
	return []byte(b.String())
}

func subtitle(sc *assessment.Scorecard) string {
	s := "As of " + sc.At.Format("2 January 2006")
	if sc.Assessment != nil {
		s += " · from " + sc.Assessment.Title + " (" + string(sc.Assessment.State) + ")"
	} else {
		s += " · no CPG assessment yet"
	}
	return s
}

func tallyText(t assessment.Tally) string {
	if t.InScope == 0 {
		return fmt.Sprintf("none in scope (%d deferred by tailoring)", t.OutOfScope)
	}
	return fmt.Sprintf("%d of %d met, %d partially met, %d not met, %d unknown", t.Met, t.InScope, t.Partial, t.NotMet, t.Unknown)
}

// bar draws a tier's goals as one stacked bar.
func bar(b *strings.Builder, x, y int, label string, t assessment.Tally) {
	const w, h = 720, 22
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="600" fill="#1d2733">%s: %s</text>`, x, y+12, label, html.EscapeString(tallyText(t)))
	y += 20
	total := t.InScope + t.OutOfScope
	if total == 0 {
		return
	}
	cx := x
	for _, seg := range []struct {
		n      int
		colour string
		what   string
	}{
		{t.Met, statusColour[assessment.Met], "met"}, {t.Partial, statusColour[assessment.PartlyMet], "partially met"},
		{t.NotMet, statusColour[assessment.NotMet], "not met"}, {t.Unknown, statusColour[assessment.Unknown], "unknown"},
		{t.OutOfScope, outOfScopeColour, "deferred by tailoring"},
	} {
		if seg.n == 0 {
			continue
		}
		sw := w * seg.n / total
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s"><title>%d %s</title></rect>`, cx, y, sw, h, seg.colour, seg.n, seg.what)
		cx += sw
	}
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="none" stroke="#5b6775" stroke-width="1"/>`, x, y, w, h)
	if t.InScope > 0 {
		// Dark on a white pill: readable on every segment's colour.
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="38" height="16" rx="8" fill="#ffffff" fill-opacity="0.92"/>`, x+3, y+3)
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="12" font-weight="700" fill="#1d2733" text-anchor="middle">%d%%</text>`, x+22, y+15, t.Percent())
	}
}

// tiles draws one tile per goal, five to a row, each with its whole
// title: the essential goals on the first two rows, the enhanced on the
// next two.
func tiles(b *strings.Builder, x, y int, goals []assessment.Goal) {
	const tw, th, gap, perRow = 140, 94, 5, 5
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="600" fill="#1d2733">Each goal</text>`, x, y-6)
	col := map[string]int{}
	for _, g := range goals {
		base := 0
		if g.Tier != "essential" {
			base = 2
		}
		c := col[g.Tier]
		col[g.Tier]++
		row := base + c/perRow
		tx, ty := x+(c%perRow)*(tw+gap), y+row*(th+gap)
		fill, ink := statusColour[g.Status], "#ffffff"
		if !g.InScope {
			fill, ink = outOfScopeColour, "#5b6775"
		}
		if (g.Status == assessment.PartlyMet || g.Status == assessment.Unknown) && g.InScope {
			ink = "#1d2733" // white on amber or grey is too faint
		}
		short := "E"
		if base > 0 {
			short = "X"
		}
		status := g.Status.Label()
		if !g.InScope {
			status = "deferred by tailoring"
		}
		fmt.Fprintf(b, `<g><title>%s: %s — %s</title>`, html.EscapeString(g.Citation), html.EscapeString(g.Title), html.EscapeString(status))
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" rx="4" fill="%s"/>`, tx, ty, tw, th, fill)
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="700" fill="%s">%s%d</text>`, tx+6, ty+17, ink, short, c+1)
		for i, line := range wrap(g.Title, 24, 6) {
			fmt.Fprintf(b, `<text x="%d" y="%d" font-size="9.5" fill="%s">%s</text>`, tx+6, ty+30+i*11, ink, html.EscapeString(line))
		}
		b.WriteString(`</g>`)
	}
}

// wrap breaks s into at most lines lines of at most width characters,
// cutting words longer than a line.
func wrap(s string, width, lines int) []string {
	var out []string
	cur := ""
	for _, w := range strings.Fields(s) {
		if r := []rune(w); len(r) > width {
			w = string(r[:width-1]) + "…"
		}
		switch {
		case cur == "":
			cur = w
		case len(cur)+1+len(w) <= width:
			cur += " " + w
		default:
			out = append(out, cur)
			cur = w
		}
		if len(out) == lines {
			break
		}
	}
	if cur != "" && len(out) < lines {
		out = append(out, cur)
	}
	if len(out) == lines && len(strings.Join(out, " ")) < len(s) {
		last := out[lines-1]
		if len(last) > width-1 {
			last = last[:width-1]
		}
		out[lines-1] = last + "…"
	}
	return out
}

// trend draws the share of in-scope goals met across assessments.
func trend(b *strings.Builder, x, y int, points []assessment.TrendPoint) {
	const w, h = 420, 110
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="600" fill="#1d2733">Goals met across assessments</text>`, x, y)
	top := y + 10
	fmt.Fprintf(b, `<rect x="%d" y="%d" width="%d" height="%d" fill="#f7f9fb" stroke="#d9dee5"/>`, x, top, w, h)
	for _, pct := range []int{0, 50, 100} {
		ly := top + h - h*pct/100
		fmt.Fprintf(b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#d9dee5"/><text x="%d" y="%d" font-size="9" fill="#5b6775" text-anchor="end">%d%%</text>`, x, ly, x+w, ly, x+w+26, ly+3, pct)
	}
	if len(points) == 0 {
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="12" fill="#5b6775">No assessments yet.</text>`, x+10, top+h/2)
		return
	}
	step := 0
	if len(points) > 1 {
		step = (w - 40) / (len(points) - 1)
	}
	px := func(i int) int { return x + 20 + i*step }
	py := func(t assessment.Tally) int { return top + h - h*t.Percent()/100 }
	for _, series := range []struct {
		name   string
		colour string
		get    func(assessment.TrendPoint) assessment.Tally
	}{
		{"essential", "#0b5cab", func(p assessment.TrendPoint) assessment.Tally { return p.Essential }},
		{"enhanced", "#6a3d9a", func(p assessment.TrendPoint) assessment.Tally { return p.Enhanced }},
	} {
		var pts []string
		for i, p := range points {
			if series.get(p).InScope == 0 {
				continue
			}
			pts = append(pts, fmt.Sprintf("%d,%d", px(i), py(series.get(p))))
		}
		if len(pts) > 1 {
			fmt.Fprintf(b, `<polyline points="%s" fill="none" stroke="%s" stroke-width="2"/>`, strings.Join(pts, " "), series.colour)
		}
		for i, p := range points {
			t := series.get(p)
			if t.InScope == 0 {
				continue
			}
			fmt.Fprintf(b, `<circle cx="%d" cy="%d" r="4" fill="%s"><title>%s, %s: %d of %d %s goals met</title></circle>`,
				px(i), py(t), series.colour, html.EscapeString(p.Title), p.Date.Format("2006-01-02"), t.Met, t.InScope, series.name)
		}
	}
	for i, p := range points {
		label := p.Date.Format("Jan 2006")
		if !p.Final {
			label += " (draft)"
		}
		fmt.Fprintf(b, `<text x="%d" y="%d" font-size="9" fill="#5b6775" text-anchor="middle">%s</text>`, px(i), top+h+12, html.EscapeString(label))
	}
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="10" fill="#0b5cab">● essential</text><text x="%d" y="%d" font-size="10" fill="#6a3d9a">● enhanced</text>`, x+w-140, y, x+w-70, y)
}

func legend(b *strings.Builder, x, y int) {
	fmt.Fprintf(b, `<text x="%d" y="%d" font-size="13" font-weight="600" fill="#1d2733">Key</text>`, x, y)
	for i, e := range []struct{ colour, label string }{
		{statusColour[assessment.Met], "Met"}, {statusColour[assessment.PartlyMet], "Partially met"},
		{statusColour[assessment.NotMet], "Not met"}, {statusColour[assessment.Unknown], "Unknown: not answered or verified"},
		{outOfScopeColour, "Deferred by tailoring"},
	} {
		ly := y + 14 + i*20
		fmt.Fprintf(b, `<rect x="%d" y="%d" width="14" height="14" rx="2" fill="%s" stroke="#d9dee5"/><text x="%d" y="%d" font-size="11" fill="#1d2733">%s</text>`, x, ly, e.colour, x+20, ly+11, e.label)
	}
}
