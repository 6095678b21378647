package report

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// The page: US Letter in points, with margins.
const (
	pageW, pageH = 612.0, 792.0
	margin       = 40.0
	bodyW        = pageW - 2*margin
	footerY      = pageH - 24
)

// pdfDoc lays out flowing text and tables on gopdf pages, starting a new
// page when the next line would not fit and repeating table headers.
type pdfDoc struct {
	pdf    *gopdf.GoPdf
	y      float64
	footer string
	err    error
	// face and size are the current font; widths caches each rune's
	// advance per face at size 1, so wrapping measures a rune once.
	face   string
	size   float64
	widths map[string]map[rune]float64
}

func newPDF(footer, title, subject string, at time.Time) (*pdfDoc, error) {
	d := &pdfDoc{pdf: &gopdf.GoPdf{}, footer: footer, widths: map[string]map[rune]float64{}}
	d.pdf.Start(gopdf.Config{PageSize: gopdf.Rect{W: pageW, H: pageH}, Unit: gopdf.UnitPT})
	d.pdf.SetInfo(gopdf.PdfInfo{Title: clean(title), Subject: clean(subject), Creator: "Safeguard", Producer: "Safeguard", CreationDate: at})
	if err := d.pdf.AddTTFFontData("regular", goregular.TTF); err != nil {
		return nil, errs.Wrap(errs.Internal, "pdf font", err)
	}
	if err := d.pdf.AddTTFFontData("bold", gobold.TTF); err != nil {
		return nil, errs.Wrap(errs.Internal, "pdf font", err)
	}
	d.newPage()
	return d, nil
}

// bytes is the finished document, or the first error met laying it out.
func (d *pdfDoc) bytes() ([]byte, error) {
	if d.err != nil {
		return nil, errs.Wrap(errs.Internal, "rendering the PDF", d.err)
	}
	var buf bytes.Buffer
	if _, err := d.pdf.WriteTo(&buf); err != nil {
		return nil, errs.Wrap(errs.Internal, "writing the PDF", err)
	}
	return buf.Bytes(), nil
}

func (d *pdfDoc) check(err error) {
	if err != nil && d.err == nil {
		d.err = err
	}
}

func (d *pdfDoc) font(bold bool, size float64) {
	name := "regular"
	if bold {
		name = "bold"
	}
	d.face, d.size = name, size
	d.check(d.pdf.SetFont(name, "", size))
}

// textWidth is the width of s in the current font, from the rune cache.
func (d *pdfDoc) textWidth(s string) float64 {
	cache := d.widths[d.face]
	if cache == nil {
		cache = map[rune]float64{}
		d.widths[d.face] = cache
	}
	w := 0.0
	for _, r := range s {
		cw, ok := cache[r]
		if !ok {
			d.check(d.pdf.SetFontSize(1))
			m, err := d.pdf.MeasureTextWidth(string(r))
			d.check(err)
			d.check(d.pdf.SetFontSize(d.size))
			cw, cache[r] = m, m
		}
		w += cw
	}
	return w * d.size
}

// wrapPara breaks one paragraph into lines at most w wide: greedily at
// spaces, and inside a word only when the word alone is wider than w.
func (d *pdfDoc) wrapPara(para string, w float64) []string {
	var lines []string
	var cur strings.Builder
	curW := 0.0
	space := d.textWidth(" ")
	flush := func() {
		lines = append(lines, cur.String())
		cur.Reset()
		curW = 0
	}
	for _, word := range strings.Fields(para) {
		ww := d.textWidth(word)
		if cur.Len() > 0 && curW+space+ww <= w {
			cur.WriteByte(' ')
			cur.WriteString(word)
			curW += space + ww
			continue
		}
		if cur.Len() > 0 {
			flush()
		}
		for ww > w {
			// Cut the word at the last rune that fits.
			cut, acc := 0, 0.0
			for i, r := range word {
				rw := d.textWidth(string(r))
				if acc+rw > w && i > 0 {
					break
				}
				acc += rw
				cut = i + len(string(r))
			}
			lines = append(lines, word[:cut])
			word = word[cut:]
			ww = d.textWidth(word)
		}
		cur.WriteString(word)
		curW = ww
	}
	if cur.Len() > 0 || len(lines) == 0 {
		flush()
	}
	return lines
}

func (d *pdfDoc) newPage() {
	d.pdf.AddPage()
	n := d.pdf.GetNumberOfPages()
	d.font(false, 7.5)
	d.pdf.SetTextColor(91, 103, 117)
	d.pdf.SetXY(margin, footerY)
	d.check(d.pdf.Text(clean(d.footer)))
	page := "Page " + strconv.Itoa(n)
	w, _ := d.pdf.MeasureTextWidth(page)
	d.pdf.SetXY(pageW-margin-w, footerY)
	d.check(d.pdf.Text(page))
	d.pdf.SetTextColor(29, 39, 51)
	d.y = margin
}

// need starts a new page unless h points fit above the footer.
func (d *pdfDoc) need(h float64) {
	if d.y+h > footerY-14 {
		d.newPage()
	}
}

// clean keeps what the embedded Go fonts can draw: printable characters;
// tabs and other controls become spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case unicode.IsControl(r) || r == unicode.ReplacementChar:
			return ' '
		case r > 0x2FFF:
			return '?'
		}
		return r
	}, s)
}

// wrap splits text into lines at most w points wide in the current font,
// keeping paragraph breaks.
func (d *pdfDoc) wrap(text string, w float64) []string {
	var out []string
	for _, para := range strings.Split(clean(text), "\n") {
		if strings.TrimSpace(para) == "" {
			out = append(out, "")
			continue
		}
		out = append(out, d.wrapPara(para, w)...)
	}
	return out
}

func (d *pdfDoc) heading(text string, size float64) {
	d.need(size*2 + 20)
	d.y += size * 0.6
	d.font(true, size)
	for _, l := range d.wrap(text, bodyW) {
		d.pdf.SetXY(margin, d.y)
		d.check(d.pdf.Text(l))
		d.y += size * 1.3
	}
	d.y += 2
}

func (d *pdfDoc) para(text string, size float64) {
	d.font(false, size)
	for _, l := range d.wrap(text, bodyW) {
		d.need(size * 1.4)
		d.pdf.SetXY(margin, d.y+size)
		d.check(d.pdf.Text(l))
		d.y += size * 1.4
	}
	d.y += size * 0.6
}

// A column of a PDF table: its heading and its share of the body width.
type pdfCol struct {
	title string
	width float64 // fraction of bodyW
}

// table draws rows under a header that repeats on every page. Cells wrap;
// a row never splits across pages unless it is taller than a page.
func (d *pdfDoc) table(cols []pdfCol, rows [][]string, size float64) {
	line := size * 1.3
	pad := 3.0
	header := func() {
		d.font(true, size)
		h := 0.0
		wrapped := make([][]string, len(cols))
		for i, c := range cols {
			wrapped[i] = d.wrap(c.title, c.width*bodyW-2*pad)
			h = max(h, float64(len(wrapped[i]))*line+2*pad)
		}
		d.need(h + line*2)
		d.pdf.SetFillColor(230, 233, 237)
		d.pdf.RectFromUpperLeftWithStyle(margin, d.y, bodyW, h, "F")
		x := margin
		for i, c := range cols {
			for j, l := range wrapped[i] {
				d.pdf.SetXY(x+pad, d.y+pad+float64(j)*line+size)
				d.check(d.pdf.Text(l))
			}
			x += c.width * bodyW
		}
		d.y += h
	}
	header()
	d.pdf.SetStrokeColor(210, 214, 220)
	d.pdf.SetLineWidth(0.4)
	for _, row := range rows {
		d.font(false, size)
		wrapped := make([][]string, len(cols))
		h := 0.0
		for i, c := range cols {
			text := ""
			if i < len(row) {
				text = row[i]
			}
			wrapped[i] = d.wrap(text, c.width*bodyW-2*pad)
			h = max(h, float64(len(wrapped[i]))*line+2*pad)
		}
		if d.y+h > footerY-14 && h < footerY-14-margin {
			d.newPage()
			header()
			d.font(false, size)
		}
		x := margin
		for i, c := range cols {
			for j, l := range wrapped[i] {
				if d.y+pad+float64(j)*line+size > footerY-14 {
					d.newPage()
					d.font(false, size)
				}
				d.pdf.SetXY(x+pad, d.y+pad+float64(j)*line+size)
				d.check(d.pdf.Text(l))
			}
			x += c.width * bodyW
		}
		d.y += h
		d.pdf.Line(margin, d.y, margin+bodyW, d.y)
	}
	d.y += 8
}

// heat draws the matrix with counts, cell colours from the bands.
func (d *pdfDoc) heat(s *risk.Scales, heat [][]int, title string) {
	nl, ni := len(s.Likelihood), len(s.Impact)
	cell := 34.0
	left := margin + 90
	d.need(float64(nl)*cell + 70)
	d.font(true, 10)
	d.pdf.SetXY(margin, d.y+10)
	d.check(d.pdf.Text(title))
	top := d.y + 18
	for l := nl; l >= 1; l-- {
		y := top + float64(nl-l)*cell
		d.font(false, 7.5)
		label := fmt.Sprintf("%d %s", l, s.Likelihood[l-1].Name)
		w, _ := d.pdf.MeasureTextWidth(clean(label))
		d.pdf.SetXY(left-6-w, y+cell/2+3)
		d.check(d.pdf.Text(clean(label)))
		for i := 1; i <= ni; i++ {
			x := left + float64(i-1)*cell
			r, g, b := rgb(s.Bands[s.Matrix[l-1][i-1]].Color)
			d.pdf.SetFillColor(r, g, b)
			d.pdf.SetStrokeColor(255, 255, 255)
			d.pdf.RectFromUpperLeftWithStyle(x, y, cell, cell, "FD")
			if n := heat[l-1][i-1]; n > 0 {
				d.font(true, 10)
				txt := strconv.Itoa(n)
				w, _ := d.pdf.MeasureTextWidth(txt)
				d.pdf.SetXY(x+cell/2-w/2, y+cell/2+4)
				d.check(d.pdf.Text(txt))
			}
		}
	}
	base := top + float64(nl)*cell
	d.font(false, 7.5)
	for i := 1; i <= ni; i++ {
		label := fmt.Sprintf("%d %s", i, s.Impact[i-1].Name)
		w, _ := d.pdf.MeasureTextWidth(clean(label))
		d.pdf.SetXY(left+float64(i-1)*cell+cell/2-w/2, base+10)
		d.check(d.pdf.Text(clean(label)))
	}
	d.font(true, 8)
	d.pdf.SetXY(left, base+22)
	d.check(d.pdf.Text("Impact →   (likelihood ↑)"))
	d.pdf.SetStrokeColor(210, 214, 220)
	d.y = base + 34
}

func rgb(hex string) (uint8, uint8, uint8) {
	v, err := strconv.ParseUint(strings.TrimPrefix(hex, "#"), 16, 32)
	if err != nil || len(hex) != 7 {
		return 158, 158, 158
	}
	return uint8(v >> 16), uint8(v >> 8), uint8(v)
}

// RiskAnalysisPDF renders a risk analysis document as a PDF: scope and
// method, the scales, the summary and heat maps, the ePHI inventory and
// data flows, the threats and vulnerabilities considered, every risk with
// its ratings, rationale, current measures and response, the plan of
// action and milestones, and the sign-off. A draft says so on every page.
func RiskAnalysisPDF(doc *risk.Document) ([]byte, error) {
	m := newModel(doc)
	a := doc.Analysis
	footer := fmt.Sprintf("%s · %s (version %d, %s)", doc.Organization, a.Title, a.Version, m.StatusLine)
	d, err := newPDF(footer, a.Title+" — "+doc.Organization, "HIPAA Security Rule risk analysis, 45 CFR 164.308(a)(1)(ii)(A)", doc.AsOf)
	if err != nil {
		return nil, err
	}
	d.heading("Risk analysis: "+doc.Organization, 18)
	d.para(fmt.Sprintf("%s · version %d · %s · as of %s", a.Title, a.Version, m.StatusLine, doc.AsOf.Format("2 January 2006")), 10)
	if a.Status != risk.Final {
		d.para("DRAFT: this analysis has not been finalised and signed off; its contents may change.", 10)
	}
	d.heading("1. Scope", 13)
	d.para(a.Scope, 9.5)
	d.heading("2. Method", 13)
	d.para(a.Method, 9.5)
	d.heading("3. How the data was gathered and who took part", 13)
	if g := doc.Gathering; g != nil {
		who := "none recorded"
		if len(g.Participants) > 0 {
			who = strings.Join(g.Participants, "; ")
		}
		d.para("The people who recorded the inventory, the register, the assessments and the vendor register, from the audit trail: "+who+".", 9.5)
		if len(g.Imports) > 0 {
			d.para("Data imported from the organisation's systems (scanners, account, device and backup exports, email and TLS reports), newest first:", 9.5)
			for _, im := range g.Imports {
				d.para("· "+im, 8.5)
			}
		} else {
			d.para("No data was imported from the organisation's systems: the analysis rests on what was recorded by hand.", 9.5)
		}
	} else {
		d.para("Not recorded in this analysis: it was made before Safeguard recorded how data was gathered.", 8.5)
	}
	d.heading("4. Earlier analyses and review triggers", 13)
	if len(doc.Prior) > 0 {
		var prior [][]string
		for _, p := range doc.Prior {
			prior = append(prior, []string{strconv.Itoa(p.Version), p.Title, p.Status, orDash(p.Finalized), orDash(p.Approver), orDash(p.ReviewBy)})
		}
		d.table([]pdfCol{{"Version", 0.08}, {"Title", 0.36}, {"Status", 0.1}, {"Finalised", 0.14}, {"Approved by", 0.18}, {"Review by", 0.14}}, prior, 8)
	} else {
		d.para("No earlier analysis is recorded in Safeguard.", 9)
	}
	for _, t := range doc.Triggers {
		d.para("· "+t, 8.5)
	}
	d.heading("5. Rating scales", 13)
	d.para(doc.Scales.Source, 8.5)
	levelRows := func(levels []risk.Level) [][]string {
		var out [][]string
		for _, l := range levels {
			out = append(out, []string{strconv.Itoa(l.Value), l.Name, l.Definition})
		}
		return out
	}
	d.font(true, 10)
	d.para("Likelihood", 10)
	d.table([]pdfCol{{"Value", 0.08}, {"Level", 0.17}, {"Definition", 0.75}}, levelRows(doc.Scales.Likelihood), 8.5)
	d.para("Impact (rated separately for confidentiality, integrity and availability; the highest counts)", 10)
	d.table([]pdfCol{{"Value", 0.08}, {"Level", 0.17}, {"Definition", 0.75}}, levelRows(doc.Scales.Impact), 8.5)
	var bands [][]string
	for _, b := range doc.Scales.Bands {
		bands = append(bands, []string{b.Name, b.Action})
	}
	d.para("Risk levels", 10)
	d.table([]pdfCol{{"Level", 0.25}, {"Response expected", 0.75}}, bands, 8.5)

	d.heading("6. Summary", 13)
	d.para(m.Summary, 9.5)
	d.heat(&doc.Scales, m.Heat, "Current risk (likelihood × impact)")
	d.heat(&doc.Scales, m.TargetHeat, "Target residual risk after the plan")

	d.heading(fmt.Sprintf("7. ePHI inventory (%d assets)", len(doc.Assets)), 13)
	var inv [][]string
	for _, x := range doc.Assets {
		inv = append(inv, []string{x.Name, x.Type.Label(), strings.Join(x.EPHIUses(), ", "), formatCount(x.Records), x.Owner, x.Location, x.Vendor, string(x.Criticality)})
	}
	d.table([]pdfCol{{"Asset", 0.2}, {"Type", 0.1}, {"ePHI", 0.17}, {"Records", 0.09}, {"Owner", 0.13}, {"Location", 0.12}, {"Vendor", 0.1}, {"Criticality", 0.09}}, inv, 7.5)
	if len(doc.Flows) > 0 {
		d.para("Data flows", 10)
		var flows [][]string
		for _, f := range doc.Flows {
			flows = append(flows, []string{m.AssetName[f.From], m.AssetName[f.To], f.Description, yesNo(f.Encrypted)})
		}
		d.table([]pdfCol{{"From", 0.25}, {"To", 0.25}, {"What moves", 0.38}, {"Encrypted", 0.12}}, flows, 7.5)
	}
	if len(doc.Vendors) > 0 {
		d.para(fmt.Sprintf("Vendors and business associates (%d): each business associate's agreement (164.308(b)(1), 164.314(a))", len(doc.Vendors)), 10)
		var vs [][]string
		for _, v := range doc.Vendors {
			vs = append(vs, []string{v.Name, v.Status, v.EPHI, formatCount(v.Records), strconv.Itoa(v.Tier), v.Agreement + ": " + v.AgreementWhy, v.Review + " (" + v.NextReview + ")"})
		}
		d.table([]pdfCol{{"Vendor", 0.16}, {"Status", 0.14}, {"ePHI", 0.14}, {"Records", 0.08}, {"Tier", 0.05}, {"Agreement", 0.3}, {"Review", 0.13}}, vs, 7.5)
	}

	d.heading("8. Threats considered", 13)
	var th [][]string
	for _, t := range m.Threats {
		th = append(th, []string{t.Name, t.Category, t.Sources, strconv.Itoa(t.Risks)})
	}
	d.table([]pdfCol{{"Threat", 0.28}, {"Source type", 0.12}, {"Source", 0.5}, {"Risks", 0.1}}, th, 7.5)

	d.heading("9. Vulnerabilities and predisposing conditions", 13)
	var vs [][]string
	for _, v := range doc.Vulnerabilities {
		if v.Status == risk.Dismissed {
			continue
		}
		vs = append(vs, []string{v.Title, string(v.Kind), string(v.Status), v.ItemID})
	}
	if len(vs) == 0 {
		d.para("None recorded.", 9)
	} else {
		d.table([]pdfCol{{"Vulnerability", 0.5}, {"Kind", 0.18}, {"Status", 0.12}, {"From assessment item", 0.2}}, vs, 7.5)
	}

	d.heading("10. Current security measures, as verified from data", 13)
	if len(doc.Measures) > 0 {
		d.para("Whether measures are configured and used as intended, as Safeguard's checks found them in the organisation's own data on the day each ran (met, partly met, not met, or unknown without data).", 8.5)
		var ms [][]string
		for _, x := range doc.Measures {
			ms = append(ms, []string{x.Check, orDash(x.Provisions), x.Verdict, x.Detail, x.RanAt})
		}
		d.table([]pdfCol{{"Check", 0.22}, {"Provisions", 0.16}, {"Verdict", 0.1}, {"Detail", 0.4}, {"Run", 0.12}}, ms, 7.5)
	} else {
		d.para("No check has run over the organisation's data; the measures in place are those each risk records.", 9)
	}
	d.heading("11. Addressable implementation specifications: decisions (45 CFR 164.306(d)(3))", 13)
	if len(doc.Decisions) > 0 {
		var ds [][]string
		for _, x := range doc.Decisions {
			ds = append(ds, []string{x.Citation + " " + x.Title, x.Decision, orDash(x.Reason), orDash(x.Measure)})
		}
		d.table([]pdfCol{{"Specification", 0.24}, {"Decision", 0.2}, {"Why not reasonable and appropriate, (B)(1)", 0.28}, {"Equivalent alternative measure, (B)(2)", 0.28}}, ds, 7.5)
	} else {
		d.para("No Security Rule assessment is recorded in Safeguard, or it has no applicable addressable specification.", 9)
	}

	d.heading(fmt.Sprintf("12. Risks (%d)", len(m.Rows)), 13)
	d.para("Each risk: the threat, the assets it acts on, the vulnerabilities it acts through, the security measures in place, likelihood (L) and impact (C/I/A, highest counts), the level from the matrix, the rationale, and the response.", 8.5)
	var rk [][]string
	for _, r := range m.Rows {
		cell := riskCell(r)
		if ps := doc.Provisions[r.Risk.ID]; len(ps) > 0 {
			cell += "\nSecurity Rule provisions: " + strings.Join(ps, ", ")
		}
		rk = append(rk, []string{r.Risk.Ref(), cell, fmt.Sprintf("%d × %d\n(C%d I%d A%d)", r.Risk.Likelihood, r.Impact, r.Risk.ImpactC, r.Risk.ImpactI, r.Risk.ImpactA),
			orDash(r.Level), responseCell(r)})
	}
	d.table([]pdfCol{{"Ref", 0.07}, {"Risk", 0.55}, {"L × I", 0.1}, {"Level", 0.09}, {"Response and target", 0.19}}, rk, 7.5)

	d.heading(fmt.Sprintf("13. Risk management plan: actions and milestones (%d)", len(m.Plan)), 13)
	if len(m.Plan) == 0 {
		d.para("No actions planned.", 9)
	} else {
		var plan [][]string
		for _, p := range m.Plan {
			plan = append(plan, []string{p.Row.Risk.Ref(), p.Action.Title, p.Action.Owner, orDash(p.Action.Due), string(p.Action.Status), slipText(p)})
		}
		d.table([]pdfCol{{"Risk", 0.07}, {"Action", 0.43}, {"Owner", 0.15}, {"Due", 0.11}, {"Status", 0.11}, {"Standing", 0.13}}, plan, 7.5)
	}

	d.heading("14. Sign-off", 13)
	for _, l := range m.SignOff {
		d.para(l, 9.5)
	}
	return d.bytes()
}

func riskCell(r *risk.Row) string {
	var b strings.Builder
	b.WriteString(r.Risk.Title)
	fmt.Fprintf(&b, "\nThreat: %s", r.Threat)
	fmt.Fprintf(&b, "\nAssets: %s", strings.Join(r.AssetNames(), "; "))
	if len(r.Vulns) > 0 {
		names := make([]string, len(r.Vulns))
		for i, v := range r.Vulns {
			names[i] = v.Title
		}
		fmt.Fprintf(&b, "\nThrough: %s", strings.Join(names, "; "))
	}
	if r.Risk.CurrentMeasures != "" {
		fmt.Fprintf(&b, "\nCurrent measures: %s", r.Risk.CurrentMeasures)
	}
	if r.Risk.LikelihoodRationale != "" {
		fmt.Fprintf(&b, "\nLikelihood: %s", r.Risk.LikelihoodRationale)
	}
	if r.Risk.ImpactRationale != "" {
		fmt.Fprintf(&b, "\nImpact: %s", r.Risk.ImpactRationale)
	}
	if r.Risk.Owner != "" {
		fmt.Fprintf(&b, "\nOwner: %s", r.Risk.Owner)
	}
	return b.String()
}

func responseCell(r *risk.Row) string {
	s := r.Risk.Response.Label()
	if r.Risk.Response == risk.Accept {
		s += fmt.Sprintf(" by %s until %s", r.Risk.AcceptedBy, r.Risk.AcceptedUntil)
		if r.Expired {
			s += " (expired)"
		}
	}
	if r.Target != "" {
		s += fmt.Sprintf("\nTarget: %s (%d × %d)", r.Target, r.Risk.TargetLikelihood, r.Risk.TargetImpact)
	}
	if r.Risk.Status == risk.Closed {
		s += "\nClosed"
	}
	return s
}

func slipText(m *risk.Milestone) string {
	if m.Slip > 0 {
		return fmt.Sprintf("%s, %d days", m.State(), m.Slip)
	}
	return m.State()
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func formatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// TextPDF is a plain document: a title and paragraphs, paginated. The
// demonstration's policies and records are made with it.
func TextPDF(title string, paras []string, at time.Time) ([]byte, error) {
	d, err := newPDF(title, title, "", at)
	if err != nil {
		return nil, err
	}
	d.heading(title, 15)
	for _, p := range paras {
		d.para(p, 10.5)
	}
	return d.bytes()
}
