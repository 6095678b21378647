package risk

import (
	"bytes"
	"crypto/sha256"
	"encoding/csv"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// MaxImportBytes bounds an inventory or register upload.
const MaxImportBytes = 32 << 20

// maxProblems is how many problems an import reports before it stops.
const maxProblems = 50

// A table is a CSV file or the first sheet of an XLSX workbook: a header
// and the rows under it, each with the line (or sheet row) it came from.
type table struct {
	file    string
	where   string // "line" for CSV, "row" for XLSX
	header  []string
	index   map[string]int
	rows    [][]string
	lines   []int
	problem []string
	sha256  string
}

// readTable reads CSV or XLSX, told apart by content (an XLSX is a zip).
// Columns are matched by header, case-insensitively, with spaces,
// hyphens and underscores alike. required columns must all be present and
// every column must be one of known.
func readTable(file string, r io.Reader, required, known []string) (*table, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxImportBytes+1))
	if err != nil {
		return nil, errs.Wrap(errs.Invalid, file+": the file could not be read", err)
	}
	switch {
	case len(data) == 0:
		return nil, errs.New(errs.Invalid, file+" is empty (0 bytes)")
	case len(data) > MaxImportBytes:
		return nil, errs.New(errs.TooLarge, fmt.Sprintf("%s is larger than %d MiB", file, MaxImportBytes>>20))
	}
	sum := sha256.Sum256(data)
	t := &table{file: file, index: map[string]int{}, sha256: hex.EncodeToString(sum[:])}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) {
		err = t.readXLSX(data)
	} else {
		err = t.readCSV(data)
	}
	if err != nil {
		return nil, err
	}
	if len(t.header) == 0 {
		return nil, errs.New(errs.Invalid, file+" has no header row")
	}
	var unknown []string
	for i, h := range t.header {
		key := columnKey(h)
		if key == "" {
			continue
		}
		if !slices.Contains(known, key) {
			unknown = append(unknown, fmt.Sprintf("%q (column %d)", h, i+1))
			continue
		}
		if _, dup := t.index[key]; dup {
			return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: column %q appears twice in the header", file, key))
		}
		t.index[key] = i
	}
	var missing []string
	for _, c := range required {
		if _, ok := t.index[c]; !ok {
			missing = append(missing, c)
		}
	}
	switch {
	case len(missing) > 0:
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: missing required column(s) %s (the header has: %s)", file, strings.Join(missing, ", "), strings.Join(t.header, ", ")))
	case len(unknown) > 0:
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: unknown column(s) %s; the columns are: %s", file, strings.Join(unknown, ", "), strings.Join(known, ", ")))
	}
	return t, nil
}

func columnKey(h string) string {
	h = strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))
	return strings.NewReplacer(" ", "_", "-", "_").Replace(h)
}

func (t *table) readCSV(data []byte) error {
	if !utf8.Valid(data) {
		return errs.New(errs.Invalid, t.file+" is not UTF-8 text: save it as CSV UTF-8 or XLSX")
	}
	t.where = "line"
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	first := true
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return errs.New(errs.Invalid, fmt.Sprintf("%s: line %d: %v", t.file, pe.Line, pe.Err))
			}
			return errs.Wrap(errs.Invalid, t.file, err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			t.header, first = rec, false
			continue
		}
		if blank(rec) {
			continue
		}
		t.rows, t.lines = append(t.rows, rec), append(t.lines, line)
	}
}

func (t *table) readXLSX(data []byte) error {
	t.where = "row"
	f, err := excelize.OpenReader(bytes.NewReader(data), excelize.Options{UnzipSizeLimit: 200 << 20, UnzipXMLSizeLimit: 64 << 20})
	if err != nil {
		return errs.Wrap(errs.Invalid, t.file+" is not a readable XLSX workbook", err)
	}
	defer f.Close()
	sheets := f.GetSheetList()
	if len(sheets) == 0 {
		return errs.New(errs.Invalid, t.file+" has no sheets")
	}
	t.where = "sheet " + strconv.Quote(sheets[0]) + ", row"
	rows, err := f.GetRows(sheets[0])
	if err != nil {
		return errs.Wrap(errs.Invalid, t.file, err)
	}
	for i, rec := range rows {
		if i == 0 {
			t.header = rec
			continue
		}
		if blank(rec) {
			continue
		}
		t.rows, t.lines = append(t.rows, rec), append(t.lines, i+1)
	}
	return nil
}

func blank(rec []string) bool {
	for _, c := range rec {
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

// cell returns row i's value in column key, trimmed; "" when absent.
func (t *table) cell(i int, key string) string {
	c, ok := t.index[key]
	if !ok || c >= len(t.rows[i]) {
		return ""
	}
	return strings.TrimSpace(t.rows[i][c])
}

// has reports whether the table has a column.
func (t *table) has(key string) bool { _, ok := t.index[key]; return ok }

// fail records a problem at row i, column key.
func (t *table) fail(i int, key, msg string) {
	if len(t.problem) < maxProblems {
		t.problem = append(t.problem, fmt.Sprintf("%s %d, column %q: %s", t.where, t.lines[i], key, msg))
	}
}

// failErr records an errs message at row i; the message names its field.
func (t *table) failErr(i int, err error) {
	if len(t.problem) < maxProblems {
		t.problem = append(t.problem, fmt.Sprintf("%s %d: %s", t.where, t.lines[i], errs.Message(err)))
	}
}

// err is every problem found, or nil: nothing is imported when any row is
// wrong.
func (t *table) err() error {
	if len(t.problem) == 0 {
		return nil
	}
	more := ""
	if len(t.problem) == maxProblems {
		more = fmt.Sprintf("\n(stopped after %d problems)", maxProblems)
	}
	return errs.New(errs.Invalid, fmt.Sprintf("%s: nothing was imported; fix these and import again:\n%s%s", t.file, strings.Join(t.problem, "\n"), more))
}

func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "no", "n", "false", "0", "-":
		return false, true
	case "yes", "y", "true", "1", "x":
		return true, true
	}
	return false, false
}

// AssetColumns are the inventory file's columns; name and type are
// required.
var AssetColumns = []string{"name", "type", "description", "creates", "receives", "maintains", "transmits", "records", "owner", "location", "vendor", "criticality", "internet_facing"}

// An AssetUpdate is an inventory row that changes an existing asset.
type AssetUpdate struct {
	Old, New *Asset
	Fields   []string
}

// AssetPlan is what an inventory import would do: assets to add, assets
// to update (matched by name, case-insensitively) and how many rows
// change nothing. Nothing is written until it is applied.
type AssetPlan struct {
	File      string
	SHA256    string
	Add       []*Asset
	Update    []*AssetUpdate
	Unchanged int
}

// PlanAssets reads an inventory file against the current inventory. Every
// problem is reported with its line and column; any problem means nothing
// is imported.
func PlanAssets(file string, r io.Reader, current []*Asset) (*AssetPlan, error) {
	t, err := readTable(file, r, []string{"name", "type"}, AssetColumns)
	if err != nil {
		return nil, err
	}
	byName := map[string]*Asset{}
	for _, a := range current {
		byName[strings.ToLower(a.Name)] = a
	}
	seen := map[string]int{}
	p := &AssetPlan{File: file, SHA256: t.sha256}
	for i := range t.rows {
		a := &Asset{Name: t.cell(i, "name"), Description: t.cell(i, "description"), Owner: t.cell(i, "owner"),
			Location: t.cell(i, "location"), Vendor: t.cell(i, "vendor")}
		ok := true
		if a.Name == "" {
			t.fail(i, "name", "an asset needs a name")
			ok = false
		} else if first, dup := seen[strings.ToLower(a.Name)]; dup {
			t.fail(i, "name", fmt.Sprintf("duplicate asset name %q (first on %s %d)", a.Name, t.where, first))
			ok = false
		} else {
			seen[strings.ToLower(a.Name)] = t.lines[i]
		}
		if at, good := ParseAssetType(t.cell(i, "type")); good {
			a.Type = at
		} else {
			t.fail(i, "type", fmt.Sprintf("%q is not an asset type (%s)", t.cell(i, "type"), typeList()))
			ok = false
		}
		for _, b := range []struct {
			key string
			to  *bool
		}{{"creates", &a.Creates}, {"receives", &a.Receives}, {"maintains", &a.Maintains}, {"transmits", &a.Transmits}, {"internet_facing", &a.InternetFacing}} {
			v, good := parseBool(t.cell(i, b.key))
			if !good {
				t.fail(i, b.key, fmt.Sprintf("%q is not yes or no", t.cell(i, b.key)))
				ok = false
			}
			*b.to = v
		}
		if s := strings.ReplaceAll(t.cell(i, "records"), ",", ""); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				t.fail(i, "records", fmt.Sprintf("%q is not a whole number of records", t.cell(i, "records")))
				ok = false
			}
			a.Records = n
		}
		if c, good := ParseCriticality(t.cell(i, "criticality")); good {
			a.Criticality = c
		} else {
			t.fail(i, "criticality", fmt.Sprintf("%q is not low, moderate, high or critical", t.cell(i, "criticality")))
			ok = false
		}
		if !ok {
			continue
		}
		if err := a.Validate(); err != nil {
			t.failErr(i, err)
			continue
		}
		old, exists := byName[strings.ToLower(a.Name)]
		if !exists {
			p.Add = append(p.Add, a)
			continue
		}
		merged, fields := mergeAsset(old, a, t)
		if len(fields) == 0 {
			p.Unchanged++
			continue
		}
		p.Update = append(p.Update, &AssetUpdate{Old: old, New: merged, Fields: fields})
	}
	if err := t.err(); err != nil {
		return nil, err
	}
	return p, nil
}

// mergeAsset applies the columns the file has to a copy of old, listing
// the fields that change. Columns the file lacks keep their values.
func mergeAsset(old, in *Asset, t *table) (*Asset, []string) {
	m := *old
	var fields []string
	setS := func(key string, dst *string, v string) {
		if t.has(key) && *dst != v {
			*dst = v
			fields = append(fields, key)
		}
	}
	setB := func(key string, dst *bool, v bool) {
		if t.has(key) && *dst != v {
			*dst = v
			fields = append(fields, key)
		}
	}
	setS("name", &m.Name, in.Name)
	if m.Type != in.Type {
		m.Type = in.Type
		fields = append(fields, "type")
	}
	setS("description", &m.Description, in.Description)
	setB("creates", &m.Creates, in.Creates)
	setB("receives", &m.Receives, in.Receives)
	setB("maintains", &m.Maintains, in.Maintains)
	setB("transmits", &m.Transmits, in.Transmits)
	setB("internet_facing", &m.InternetFacing, in.InternetFacing)
	if t.has("records") && m.Records != in.Records {
		m.Records = in.Records
		fields = append(fields, "records")
	}
	setS("owner", &m.Owner, in.Owner)
	setS("location", &m.Location, in.Location)
	setS("vendor", &m.Vendor, in.Vendor)
	if t.has("criticality") && m.Criticality != in.Criticality {
		m.Criticality = in.Criticality
		fields = append(fields, "criticality")
	}
	return &m, fields
}

// RiskColumns are the register file's columns; title, threat and assets
// are required. assets and vulnerabilities hold names separated by ";".
var RiskColumns = []string{"ref", "title", "description", "threat", "assets", "vulnerabilities", "current_measures", "likelihood",
	"impact_confidentiality", "impact_integrity", "impact_availability", "likelihood_rationale", "impact_rationale", "owner", "response",
	"accepted_by", "accepted_until", "target_likelihood", "target_impact", "status"}

// ComputedColumns are columns of an exported register that Safeguard
// computes or keeps elsewhere; an import accepts and ignores them, so an
// exported register can be edited and imported back.
var ComputedColumns = []string{"level", "target_level", "open_actions", "overdue_actions", "items"}

// RiskPlan is what a register import would do: risks to add, and risks to
// update (rows with the ref of an existing risk). Vulnerabilities the rows
// name that do not exist yet are created, confirmed.
type RiskPlan struct {
	File     string
	SHA256   string
	Add      []*Risk
	Update   []*Risk
	NewVulns []*Vulnerability
	// VulnTitles are the vulnerabilities each risk names, by title, when
	// the file has the column; the store resolves them to ids, creating
	// NewVulns first. A risk without an entry keeps its vulnerabilities.
	VulnTitles map[*Risk][]string
}

// PlanRisks reads a register file against the register: threats by id or
// name, assets by name, ratings on the organisation's scales by number or
// level name. Every problem is reported with its line and column; any
// problem means nothing is imported.
func PlanRisks(file string, r io.Reader, g *Register) (*RiskPlan, error) {
	t, err := readTable(file, r, []string{"title", "threat", "assets"}, append(slices.Clone(RiskColumns), ComputedColumns...))
	if err != nil {
		return nil, err
	}
	assets := map[string]*Asset{}
	for _, a := range g.Assets {
		assets[strings.ToLower(a.Name)] = a
	}
	vulns := map[string]*Vulnerability{}
	for _, v := range g.Vulnerabilities {
		vulns[strings.ToLower(v.Title)] = v
	}
	byRef := map[string]*Risk{}
	for _, rk := range g.Risks {
		byRef[rk.Ref()] = rk
	}
	p := &RiskPlan{File: file, SHA256: t.sha256, VulnTitles: map[*Risk][]string{}}
	refSeen := map[string]int{}
	for i := range t.rows {
		rk := &Risk{}
		ok := true
		if ref := strings.ToUpper(t.cell(i, "ref")); ref != "" {
			old, exists := byRef[ref]
			switch {
			case !exists:
				t.fail(i, "ref", fmt.Sprintf("no risk %s in the register (leave ref empty to add a new risk)", ref))
				ok = false
			case refSeen[ref] > 0:
				t.fail(i, "ref", fmt.Sprintf("%s appears twice (first on %s %d)", ref, t.where, refSeen[ref]))
				ok = false
			default:
				refSeen[ref] = t.lines[i]
				// An update starts from the risk as it is: columns the file
				// lacks keep their values.
				cp := *old
				cp.Assets, cp.Vulnerabilities = nil, slices.Clone(old.Vulnerabilities)
				rk = &cp
			}
		}
		for _, f := range []struct {
			key string
			dst *string
		}{{"title", &rk.Title}, {"description", &rk.Description}, {"current_measures", &rk.CurrentMeasures}, {"likelihood_rationale", &rk.LikelihoodRationale},
			{"impact_rationale", &rk.ImpactRationale}, {"owner", &rk.Owner}, {"accepted_by", &rk.AcceptedBy}, {"accepted_until", &rk.AcceptedUntil}} {
			if t.has(f.key) {
				*f.dst = t.cell(i, f.key)
			}
		}
		if t.has("status") {
			rk.Status = Status(strings.ToLower(t.cell(i, "status")))
		}
		th := t.cell(i, "threat")
		if threat := findThreat(g.Catalog, th); threat != nil {
			rk.ThreatID = threat.ID
		} else {
			t.fail(i, "threat", fmt.Sprintf("%q is not a threat of the catalog (give its id or name, e.g. %q)", th, "ransomware"))
			ok = false
		}
		for _, name := range splitList(t.cell(i, "assets")) {
			a, exists := assets[strings.ToLower(name)]
			if !exists {
				t.fail(i, "assets", fmt.Sprintf("no asset named %q in the inventory", name))
				ok = false
				continue
			}
			rk.Assets = append(rk.Assets, a.ID)
		}
		if len(rk.Assets) == 0 && ok {
			t.fail(i, "assets", "name at least one asset of the inventory")
			ok = false
		}
		if t.has("vulnerabilities") {
			p.VulnTitles[rk] = []string{}
		}
		for _, title := range splitList(t.cell(i, "vulnerabilities")) {
			v, exists := vulns[strings.ToLower(title)]
			if !exists {
				v = &Vulnerability{Title: title, Kind: Weakness, Status: Confirmed}
				vulns[strings.ToLower(title)] = v
				p.NewVulns = append(p.NewVulns, v)
			}
			p.VulnTitles[rk] = append(p.VulnTitles[rk], v.Title)
		}
		for _, c := range []struct {
			key    string
			dst    *int
			levels []Level
		}{{"likelihood", &rk.Likelihood, g.Scales.Likelihood}, {"impact_confidentiality", &rk.ImpactC, g.Scales.Impact},
			{"impact_integrity", &rk.ImpactI, g.Scales.Impact}, {"impact_availability", &rk.ImpactA, g.Scales.Impact},
			{"target_likelihood", &rk.TargetLikelihood, g.Scales.Likelihood}, {"target_impact", &rk.TargetImpact, g.Scales.Impact}} {
			if !t.has(c.key) {
				continue
			}
			v, err := ParseLevel(c.key, t.cell(i, c.key), c.levels)
			if err != nil {
				t.fail(i, c.key, strings.TrimPrefix(errs.Message(err), c.key+": "))
				ok = false
			}
			*c.dst = v
		}
		if t.has("response") {
			resp := Response(strings.ToLower(t.cell(i, "response")))
			if resp != Unplanned && !slices.Contains(Responses, resp) {
				t.fail(i, "response", fmt.Sprintf("%q is not mitigate, accept, transfer or avoid", t.cell(i, "response")))
				ok = false
			}
			rk.Response = resp
		}
		if !ok {
			continue
		}
		if err := rk.Validate(&g.Scales); err != nil {
			t.failErr(i, err)
			continue
		}
		if rk.ID != "" {
			p.Update = append(p.Update, rk)
		} else {
			p.Add = append(p.Add, rk)
		}
	}
	if err := t.err(); err != nil {
		return nil, err
	}
	return p, nil
}

func findThreat(c *Threats, s string) *Threat {
	if c == nil || s == "" {
		return nil
	}
	if t, ok := c.Lookup(strings.ToLower(s)); ok {
		return t
	}
	for _, t := range c.Threats {
		if strings.EqualFold(t.Name, s) {
			return t
		}
	}
	return nil
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ";") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}
