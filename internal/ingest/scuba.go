package ingest

import (
	"bufio"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// FormatScubaGear is the results of CISA's ScubaGear, the assessment of a
// Microsoft 365 tenant against CISA's Secure Cloud Business Applications
// (SCuBA) baselines.
const FormatScubaGear = "scubagear"

// KindConfig is a format whose records are configuration baseline results
// of a system the organisation runs: its controls passed or failed.
const KindConfig Kind = "config"

// ScubaControl is the result of one control of a SCuBA baseline
// ("MS.AAD.3.2v2") in one tenant.
type ScubaControl struct {
	ID          string `json:"id"`
	Product     string `json:"product"` // AAD, EXO, Defender, SharePoint, Teams, PowerPlatform, PowerBI
	Requirement string `json:"requirement"`
	Result      string `json:"result"`      // Pass, Fail, Warning, N/A, Error, Omitted…
	Criticality string `json:"criticality"` // Shall, Should, Shall/Not-Implemented, Should/3rd Party…
	Details     string `json:"details"`
}

// ScubaReport is what a ScubaGear results file says: the tenant, the
// tool's version, when it ran, and each control's result.
type ScubaReport struct {
	Tenant      string // the tenant's domain (or, in the CSV, "")
	TenantID    string
	ToolVersion string
	At          string // when ScubaGear ran (TimestampZulu)
	Controls    []ScubaControl
	File        string
	SHA256      string
	Size        int64
}

// MaxScubaControls bounds a ScubaGear file's controls: its baselines have
// about 150.
const MaxScubaControls = 10000

var (
	scubaID   = regexp.MustCompile(`^MS\.([A-Za-z]+)\.\d+\.\d+v\d+$`)
	htmlTag   = regexp.MustCompile(`<[^>]*>`)
	spaceRuns = regexp.MustCompile(`\s+`)
)

// plainText is ScubaGear's HTML-bearing text (a requirement followed by
// its indicator badges; details with links) as text.
func plainText(s string, cutAtMarkup bool) string {
	if cutAtMarkup {
		if i := strings.Index(s, "<div"); i >= 0 {
			s = s[:i]
		}
	}
	s = htmlTag.ReplaceAllString(strings.ReplaceAll(s, "<br/>", " "), "")
	return strings.TrimSpace(spaceRuns.ReplaceAllString(html.UnescapeString(s), " "))
}

// scubaCSVHeader reports whether a file's first line is the header of
// ScubaGear's ScubaResults.csv (or its ActionPlan.csv).
func scubaCSVHeader(h []byte) bool {
	return csvHeaderAmong(h, 1, func(has map[string]bool) bool {
		return has["controlid"] && has["requirement"] && has["result"] && has["criticality"]
	})
}

var scubaColumns = []column{
	{field: "id", names: []string{"Control ID"}, required: true},
	{field: "requirement", names: []string{"Requirement"}, required: true},
	{field: "result", names: []string{"Result"}, required: true},
	{field: "criticality", names: []string{"Criticality"}, required: true},
	{field: "details", names: []string{"Details"}},
}

// ReadScuba reads ScubaGear's results: the JSON (ScubaResults_<id>.json,
// its MetaData and its Results per product, streamed — the Raw export of
// the tenant's settings it also holds is passed over) or the CSV
// (ScubaResults.csv, or ActionPlan.csv), each control with its id,
// requirement, result, criticality and details, as text. A control id
// that is not a SCuBA policy id ("MS.AAD.3.2v2") refuses the file, naming
// it.
func ReadScuba(file string, r io.Reader) (*ScubaReport, error) {
	br, isJSON := peekJSON(r)
	if isJSON {
		return readScubaJSON(file, br)
	}
	t, err := openCSV(file, br, scubaColumns, "ScubaGear results CSV (ScubaResults.csv)", MaxScanBytes, 0)
	if err != nil {
		return nil, err
	}
	rep := &ScubaReport{File: file}
	if err := t.scan(func(rec []string) error {
		c := ScubaControl{ID: strings.TrimSpace(t.get(rec, "id")), Requirement: plainText(t.get(rec, "requirement"), true),
			Result: strings.TrimSpace(t.get(rec, "result")), Criticality: strings.TrimSpace(t.get(rec, "criticality")), Details: plainText(t.get(rec, "details"), false)}
		m := scubaID.FindStringSubmatch(c.ID)
		if m == nil {
			t.fail("id", fmt.Sprintf("%q is not a SCuBA policy id (such as MS.AAD.3.2v2)", c.ID))
			return nil
		}
		if c.Result == "" {
			t.fail("result", "the control has no result")
			return nil
		}
		c.Product = m[1]
		if len(rep.Controls) >= MaxScubaControls {
			return errs.New(errs.TooLarge, fmt.Sprintf("%s has more than %d controls", file, MaxScubaControls))
		}
		rep.Controls = append(rep.Controls, c)
		return nil
	}); err != nil {
		return nil, err
	}
	rep.SHA256, rep.Size = t.in.sum(), t.in.n
	return rep, nil
}

// scubaJSONControl is a control of ScubaResults' Results.
type scubaJSONControl struct {
	ID          string `json:"Control ID"`
	Requirement string `json:"Requirement"`
	Result      string `json:"Result"`
	Criticality string `json:"Criticality"`
	Details     string `json:"Details"`
}

func readScubaJSON(file string, r io.Reader) (_ *ScubaReport, err error) {
	in := newCounting(file, r, MaxScanBytes)
	defer in.refused(&err)
	dec := in.jsonDecoder()
	rep := &ScubaReport{File: file}
	sawResults := false
	err = topLevel(dec, file, "ScubaGear's results (ScubaResults.json)", func(key string) error {
		switch key {
		case "MetaData":
			var m struct {
				TenantID      string `json:"TenantId"`
				DomainName    string `json:"DomainName"`
				Tool          string `json:"Tool"`
				ToolVersion   string `json:"ToolVersion"`
				TimestampZulu string `json:"TimestampZulu"`
			}
			if err := dec.Decode(&m); err != nil {
				return jsonError(file, err, ", at MetaData")
			}
			if m.Tool != "" && m.Tool != "ScubaGear" {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: MetaData.Tool is %q, not ScubaGear", file, m.Tool))
			}
			rep.Tenant, rep.TenantID, rep.ToolVersion, rep.At = strings.TrimSpace(m.DomainName), strings.TrimSpace(m.TenantID), m.ToolVersion, m.TimestampZulu
			return nil
		case "Results":
			sawResults = true
			if err := expectDelim(dec, '{'); err != nil {
				return jsonError(file, err, ", at Results")
			}
			for dec.More() {
				t, err := dec.Token()
				if err != nil {
					return jsonError(file, err, ", at Results")
				}
				product, _ := t.(string)
				at := "Results." + product
				if err := eachElement(dec, file, at, func(at string) error {
					var g struct {
						Controls []scubaJSONControl `json:"Controls"`
					}
					if err := dec.Decode(&g); err != nil {
						return jsonError(file, err, ", at "+at)
					}
					for i, c := range g.Controls {
						id := strings.TrimSpace(c.ID)
						m := scubaID.FindStringSubmatch(id)
						if m == nil {
							return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.Controls[%d]: %q is not a SCuBA policy id (such as MS.AAD.3.2v2)", file, at, i, id))
						}
						if strings.TrimSpace(c.Result) == "" {
							return errs.New(errs.Invalid, fmt.Sprintf("%s: %s.Controls[%d] (%s) has no Result", file, at, i, id))
						}
						if len(rep.Controls) >= MaxScubaControls {
							return errs.New(errs.TooLarge, fmt.Sprintf("%s has more than %d controls", file, MaxScubaControls))
						}
						rep.Controls = append(rep.Controls, ScubaControl{ID: id, Product: m[1], Requirement: plainText(c.Requirement, true),
							Result: strings.TrimSpace(c.Result), Criticality: strings.TrimSpace(c.Criticality), Details: plainText(c.Details, false)})
					}
					return nil
				}); err != nil {
					return err
				}
			}
			_, err := dec.Token()
			return jsonOr(file, err, ", at Results")
		}
		return skipValue(dec)
	})
	if err != nil {
		return nil, err
	}
	if !sawResults {
		return nil, errs.New(errs.Invalid, file+` is not ScubaGear's results (no "Results")`)
	}
	rep.SHA256, rep.Size = in.sum(), in.n
	return rep, nil
}

// peekJSON reports whether r's first character past a byte-order mark and
// space opens a JSON object or array, and gives r back whole.
func peekJSON(r io.Reader) (io.Reader, bool) {
	br := bufio.NewReader(r)
	b, _ := br.Peek(512)
	for _, c := range string(b) {
		if c == '\ufeff' || c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		return br, c == '{' || c == '['
	}
	return br, false
}
