package risk

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tabular"
)

// MaxImportBytes bounds an inventory or register upload.
const MaxImportBytes = 32 << 20

// AssetColumns are the inventory file's columns; name and type are
// required.
var AssetColumns = []string{"name", "type", "description", "creates", "receives", "maintains", "transmits", "records", "owner", "location", "vendor", "criticality", "internet_facing", "identifiers"}

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
	t, err := tabular.ReadColumns(file, r, MaxImportBytes, []string{"name", "type"}, AssetColumns)
	if err != nil {
		return nil, err
	}
	byName := map[string]*Asset{}
	for _, a := range current {
		byName[strings.ToLower(a.Name)] = a
	}
	seen := map[string]int{}
	p := &AssetPlan{File: file, SHA256: t.SHA256}
	for i := range t.Rows {
		a := &Asset{Name: t.Cell(i, "name"), Description: t.Cell(i, "description"), Owner: t.Cell(i, "owner"),
			Location: t.Cell(i, "location"), Vendor: t.Cell(i, "vendor"), Identifiers: splitList(t.Cell(i, "identifiers"))}
		ok := true
		if a.Name == "" {
			t.Fail(i, "name", "an asset needs a name")
			ok = false
		} else if first, dup := seen[strings.ToLower(a.Name)]; dup {
			t.Fail(i, "name", fmt.Sprintf("duplicate asset name %q (first on %s %d)", a.Name, t.Where, first))
			ok = false
		} else {
			seen[strings.ToLower(a.Name)] = t.Lines[i]
		}
		if at, good := ParseAssetType(t.Cell(i, "type")); good {
			a.Type = at
		} else {
			t.Fail(i, "type", fmt.Sprintf("%q is not an asset type (%s)", t.Cell(i, "type"), typeList()))
			ok = false
		}
		for _, b := range []struct {
			key string
			to  *bool
		}{{"creates", &a.Creates}, {"receives", &a.Receives}, {"maintains", &a.Maintains}, {"transmits", &a.Transmits}, {"internet_facing", &a.InternetFacing}} {
			v, good := tabular.ParseBool(t.Cell(i, b.key))
			if !good {
				t.Fail(i, b.key, fmt.Sprintf("%q is not yes or no", t.Cell(i, b.key)))
				ok = false
			}
			*b.to = v
		}
		if s := strings.ReplaceAll(t.Cell(i, "records"), ",", ""); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				t.Fail(i, "records", fmt.Sprintf("%q is not a whole number of records", t.Cell(i, "records")))
				ok = false
			}
			a.Records = n
		}
		if c, good := ParseCriticality(t.Cell(i, "criticality")); good {
			a.Criticality = c
		} else {
			t.Fail(i, "criticality", fmt.Sprintf("%q is not low, moderate, high or critical", t.Cell(i, "criticality")))
			ok = false
		}
		if !ok {
			continue
		}
		if err := a.Validate(); err != nil {
			t.FailRow(i, errs.Message(err))
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
	if err := t.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// mergeAsset applies the columns the file has to a copy of old, listing
// the fields that change. Columns the file lacks keep their values.
func mergeAsset(old, in *Asset, t *tabular.Table) (*Asset, []string) {
	m := *old
	var fields []string
	setS := func(key string, dst *string, v string) {
		if t.Has(key) && *dst != v {
			*dst = v
			fields = append(fields, key)
		}
	}
	setB := func(key string, dst *bool, v bool) {
		if t.Has(key) && *dst != v {
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
	if t.Has("records") && m.Records != in.Records {
		m.Records = in.Records
		fields = append(fields, "records")
	}
	setS("owner", &m.Owner, in.Owner)
	setS("location", &m.Location, in.Location)
	setS("vendor", &m.Vendor, in.Vendor)
	if t.Has("criticality") && m.Criticality != in.Criticality {
		m.Criticality = in.Criticality
		fields = append(fields, "criticality")
	}
	if t.Has("identifiers") && !slices.Equal(m.Identifiers, in.Identifiers) {
		m.Identifiers = in.Identifiers
		fields = append(fields, "identifiers")
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
	t, err := tabular.ReadColumns(file, r, MaxImportBytes, []string{"title", "threat", "assets"}, append(slices.Clone(RiskColumns), ComputedColumns...))
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
	p := &RiskPlan{File: file, SHA256: t.SHA256, VulnTitles: map[*Risk][]string{}}
	refSeen := map[string]int{}
	for i := range t.Rows {
		rk := &Risk{}
		ok := true
		if ref := strings.ToUpper(t.Cell(i, "ref")); ref != "" {
			old, exists := byRef[ref]
			switch {
			case !exists:
				t.Fail(i, "ref", fmt.Sprintf("no risk %s in the register (leave ref empty to add a new risk)", ref))
				ok = false
			case refSeen[ref] > 0:
				t.Fail(i, "ref", fmt.Sprintf("%s appears twice (first on %s %d)", ref, t.Where, refSeen[ref]))
				ok = false
			default:
				refSeen[ref] = t.Lines[i]
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
			if t.Has(f.key) {
				*f.dst = t.Cell(i, f.key)
			}
		}
		if t.Has("status") {
			rk.Status = Status(strings.ToLower(t.Cell(i, "status")))
		}
		th := t.Cell(i, "threat")
		if threat := findThreat(g.Catalog, th); threat != nil {
			rk.ThreatID = threat.ID
		} else {
			t.Fail(i, "threat", fmt.Sprintf("%q is not a threat of the catalog (give its id or name, e.g. %q)", th, "ransomware"))
			ok = false
		}
		for _, name := range splitList(t.Cell(i, "assets")) {
			a, exists := assets[strings.ToLower(name)]
			if !exists {
				t.Fail(i, "assets", fmt.Sprintf("no asset named %q in the inventory", name))
				ok = false
				continue
			}
			rk.Assets = append(rk.Assets, a.ID)
		}
		if len(rk.Assets) == 0 && ok {
			t.Fail(i, "assets", "name at least one asset of the inventory")
			ok = false
		}
		if t.Has("vulnerabilities") {
			p.VulnTitles[rk] = []string{}
		}
		for _, title := range splitList(t.Cell(i, "vulnerabilities")) {
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
			if !t.Has(c.key) {
				continue
			}
			v, err := ParseLevel(c.key, t.Cell(i, c.key), c.levels)
			if err != nil {
				t.Fail(i, c.key, strings.TrimPrefix(errs.Message(err), c.key+": "))
				ok = false
			}
			*c.dst = v
		}
		if t.Has("response") {
			resp := Response(strings.ToLower(t.Cell(i, "response")))
			if resp != Unplanned && !slices.Contains(Responses, resp) {
				t.Fail(i, "response", fmt.Sprintf("%q is not mitigate, accept, transfer or avoid", t.Cell(i, "response")))
				ok = false
			}
			rk.Response = resp
		}
		if !ok {
			continue
		}
		if err := rk.Validate(&g.Scales); err != nil {
			t.FailRow(i, errs.Message(err))
			continue
		}
		if rk.ID != "" {
			p.Update = append(p.Update, rk)
		} else {
			p.Add = append(p.Add, rk)
		}
	}
	if err := t.Err(); err != nil {
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
