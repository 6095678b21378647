package report

import (
	"fmt"
	"html"
	"strings"

	"github.com/safeguard-health/safeguard/internal/risk"
)

// HeatmapSVG draws the risk matrix of scales with heat[l-1][i-1] risks in
// each cell, likelihood up the side and impact along the bottom, each cell
// painted with its band's colour. Presentation attributes only, so it
// renders inline under a strict CSP. With link, each cell that holds risks
// is a link to link(likelihood, impact): the risks behind it.
func HeatmapSVG(s *risk.Scales, heat [][]int, title string, link func(likelihood, impact int) string) []byte {
	nl, ni := len(s.Likelihood), len(s.Impact)
	const cell, left, top = 64, 120, 40
	width, height := left+ni*cell+20, top+nl*cell+70
	esc := html.EscapeString
	var b strings.Builder
	total := 0
	for _, row := range heat {
		for _, n := range row {
			total += n
		}
	}
	// A picture, or (its cells links) a group of links a keyboard reaches.
	role := "img"
	if link != nil {
		role = "group"
	}
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" role="%s" aria-label="%s" font-family="system-ui, -apple-system, Segoe UI, Roboto, sans-serif">`,
		width, height, width, height, role, esc(fmt.Sprintf("%s: %d rated risks by likelihood and impact", title, total)))
	fmt.Fprintf(&b, `<title>%s</title>`, esc(title))
	fmt.Fprintf(&b, `<rect width="%d" height="%d" fill="#ffffff"/>`, width, height)
	fmt.Fprintf(&b, `<text x="%d" y="24" font-size="15" font-weight="700" fill="#1d2733">%s</text>`, 10, esc(title))
	for l := nl; l >= 1; l-- {
		y := top + (nl-l)*cell
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="end" fill="#1d2733">%s</text>`, left-8, y+cell/2+4, esc(fmt.Sprintf("%d %s", l, s.Likelihood[l-1].Name)))
		for i := 1; i <= ni; i++ {
			x := left + (i-1)*cell
			band := s.Bands[s.Matrix[l-1][i-1]]
			n := 0
			if l-1 < len(heat) && i-1 < len(heat[l-1]) {
				n = heat[l-1][i-1]
			}
			label := fmt.Sprintf("Likelihood %s × impact %s: %s, %d risk(s)", s.Likelihood[l-1].Name, s.Impact[i-1].Name, band.Name, n)
			linked := link != nil && n > 0
			if linked {
				fmt.Fprintf(&b, `<a href="%s" aria-label="%s">`, esc(link(l, i)), esc(label))
			}
			fmt.Fprintf(&b, `<g><title>%s</title>`, esc(label))
			fmt.Fprintf(&b, `<rect x="%d" y="%d" width="%d" height="%d" fill="%s" stroke="#ffffff" stroke-width="2"/>`, x, y, cell, cell, band.Color)
			if n > 0 {
				fmt.Fprintf(&b, `<circle cx="%d" cy="%d" r="17" fill="#ffffff" fill-opacity="0.9"/>`, x+cell/2, y+cell/2)
				fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="15" font-weight="700" text-anchor="middle" fill="#1d2733">%d</text>`, x+cell/2, y+cell/2+5, n)
			}
			b.WriteString(`</g>`)
			if linked {
				b.WriteString(`</a>`)
			}
		}
	}
	base := top + nl*cell
	for i := 1; i <= ni; i++ {
		x := left + (i-1)*cell + cell/2
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="11" text-anchor="middle" fill="#1d2733">%d</text>`, x, base+16, i)
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" text-anchor="middle" fill="#5b6775">%s</text>`, x, base+30, esc(s.Impact[i-1].Name))
	}
	fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="12" font-weight="700" text-anchor="middle" fill="#1d2733">Impact</text>`, left+ni*cell/2, base+52)
	fmt.Fprintf(&b, `<text x="14" y="%d" font-size="12" font-weight="700" fill="#1d2733" transform="rotate(-90 14 %d)" text-anchor="middle">Likelihood</text>`, top+nl*cell/2, top+nl*cell/2)
	b.WriteString(`</svg>`)
	return []byte(b.String())
}
