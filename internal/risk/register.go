package risk

import (
	"cmp"
	"slices"
	"strings"
)

// Register is an organisation's risk records loaded together: the scales
// they are rated on, the inventory, the vulnerabilities, the risks and
// their actions. Catalog is the threat catalog that names the threats.
type Register struct {
	Scales          Scales           `json:"scales"`
	Assets          []*Asset         `json:"assets"`
	Flows           []*Flow          `json:"flows"`
	Vulnerabilities []*Vulnerability `json:"vulnerabilities"`
	Risks           []*Risk          `json:"risks"`
	Actions         []*Action        `json:"actions"`
	Catalog         *Threats         `json:"-"`
}

// A Row is a risk as the register shows it: names resolved, levels
// computed, its actions attached.
type Row struct {
	Risk        *Risk
	Assets      []*Asset
	Vulns       []*Vulnerability
	Threat      string
	Impact      int
	Band        int
	Level       string
	TargetBand  int
	Target      string
	Actions     []*Action
	OpenActions int
	Overdue     int
	Expired     bool
}

// AssetNames lists the names of the row's assets.
func (r *Row) AssetNames() []string {
	out := make([]string, len(r.Assets))
	for i, a := range r.Assets {
		out[i] = a.Name
	}
	return out
}

// Rows resolves every risk of the register, in risk-number order. today
// (YYYY-MM-DD) decides what is overdue and what acceptance has expired.
func (g *Register) Rows(today string) []*Row {
	assets := make(map[string]*Asset, len(g.Assets))
	for _, a := range g.Assets {
		assets[a.ID] = a
	}
	vulns := make(map[string]*Vulnerability, len(g.Vulnerabilities))
	for _, v := range g.Vulnerabilities {
		vulns[v.ID] = v
	}
	actions := make(map[string][]*Action)
	for _, a := range g.Actions {
		actions[a.RiskID] = append(actions[a.RiskID], a)
	}
	rows := make([]*Row, 0, len(g.Risks))
	for _, r := range g.Risks {
		row := &Row{Risk: r, Threat: r.ThreatID, Impact: r.Impact(), Actions: actions[r.ID], Expired: r.AcceptanceExpired(today)}
		if g.Catalog != nil {
			row.Threat = g.Catalog.Name(r.ThreatID)
		}
		for _, id := range r.Assets {
			if a, ok := assets[id]; ok {
				row.Assets = append(row.Assets, a)
			}
		}
		for _, id := range r.Vulnerabilities {
			if v, ok := vulns[id]; ok {
				row.Vulns = append(row.Vulns, v)
			}
		}
		row.Band = g.Scales.Band(r.Likelihood, row.Impact)
		row.Level = g.Scales.BandName(r.Likelihood, row.Impact)
		row.TargetBand = g.Scales.Band(r.TargetLikelihood, r.TargetImpact)
		row.Target = g.Scales.BandName(r.TargetLikelihood, r.TargetImpact)
		for _, a := range row.Actions {
			if a.Open() {
				row.OpenActions++
				if a.Slip(today) > 0 {
					row.Overdue++
				}
			}
		}
		rows = append(rows, row)
	}
	slices.SortFunc(rows, func(a, b *Row) int { return cmp.Compare(a.Risk.Number, b.Risk.Number) })
	return rows
}

// Attach gives each row the assets of assets its risk names, in the
// risk's order (for rows made without the inventory).
func Attach(rows []*Row, assets []*Asset) {
	byID := make(map[string]*Asset, len(assets))
	for _, a := range assets {
		byID[a.ID] = a
	}
	for _, r := range rows {
		r.Assets = r.Assets[:0]
		for _, id := range r.Risk.Assets {
			if a, ok := byID[id]; ok {
				r.Assets = append(r.Assets, a)
			}
		}
	}
}

// A Filter narrows the register; empty fields match everything.
type Filter struct {
	Level    string // a band name
	Owner    string
	Asset    string // an asset id
	Threat   string // a threat id
	Response string // a response, or "none" for undecided
	Status   string // open, closed; "" is open
	Query    string // words in the title or description
	// Likelihood and Impact keep the risks of one cell of the heat map
	// (their current rating); 0 keeps every rating.
	Likelihood, Impact int
}

// Apply returns the rows the filter keeps.
func (f Filter) Apply(rows []*Row) []*Row {
	status := cmp.Or(f.Status, string(Open))
	q := strings.ToLower(strings.TrimSpace(f.Query))
	var out []*Row
	for _, r := range rows {
		switch {
		case status != "all" && string(r.Risk.Status) != status,
			f.Level != "" && !strings.EqualFold(r.Level, f.Level),
			f.Owner != "" && !strings.EqualFold(r.Risk.Owner, f.Owner),
			f.Threat != "" && r.Risk.ThreatID != f.Threat,
			f.Likelihood != 0 && r.Risk.Likelihood != f.Likelihood,
			f.Impact != 0 && r.Impact != f.Impact,
			f.Asset != "" && !slices.Contains(r.Risk.Assets, f.Asset),
			f.Response == "none" && r.Risk.Response != Unplanned,
			f.Response != "" && f.Response != "none" && string(r.Risk.Response) != f.Response,
			q != "" && !strings.Contains(strings.ToLower(r.Risk.Title+" "+r.Risk.Description), q):
			continue
		}
		out = append(out, r)
	}
	return out
}

// SortKeys are the orders the register offers.
var SortKeys = []string{"level", "number", "title", "owner", "likelihood", "impact", "threat", "response"}

// Sort orders rows by key; level, likelihood and impact put the highest
// first. Ties keep risk-number order.
func Sort(rows []*Row, key string) {
	by := func(a, b *Row) int {
		switch key {
		case "title":
			return strings.Compare(strings.ToLower(a.Risk.Title), strings.ToLower(b.Risk.Title))
		case "owner":
			return strings.Compare(strings.ToLower(a.Risk.Owner), strings.ToLower(b.Risk.Owner))
		case "likelihood":
			return cmp.Compare(b.Risk.Likelihood, a.Risk.Likelihood)
		case "impact":
			return cmp.Compare(b.Impact, a.Impact)
		case "threat":
			return strings.Compare(a.Threat, b.Threat)
		case "response":
			return strings.Compare(string(a.Risk.Response), string(b.Risk.Response))
		case "level":
			return cmp.Or(cmp.Compare(b.Band, a.Band), cmp.Compare(b.Risk.Likelihood*b.Impact, a.Risk.Likelihood*a.Impact))
		}
		return 0
	}
	slices.SortStableFunc(rows, func(a, b *Row) int { return cmp.Or(by(a, b), cmp.Compare(a.Risk.Number, b.Risk.Number)) })
}

// A Group is a heading of the register and the rows under it.
type Group struct {
	Name string
	Rows []*Row
}

// GroupKeys are the groupings the register offers.
var GroupKeys = []string{"asset", "threat", "owner", "level"}

// GroupBy groups rows, keeping their order within each group. A risk on
// several assets appears under each. Groups are in name order, except by
// level, highest first; "" groups nothing.
func (g *Register) GroupBy(rows []*Row, by string) []Group {
	if by == "" {
		return []Group{{Rows: rows}}
	}
	index := map[string]int{}
	var groups []Group
	add := func(name string, r *Row) {
		i, ok := index[name]
		if !ok {
			i = len(groups)
			index[name] = i
			groups = append(groups, Group{Name: name})
		}
		groups[i].Rows = append(groups[i].Rows, r)
	}
	for _, r := range rows {
		switch by {
		case "asset":
			for _, a := range r.Assets {
				add(a.Name, r)
			}
		case "threat":
			add(r.Threat, r)
		case "owner":
			add(cmp.Or(r.Risk.Owner, "No owner"), r)
		case "level":
			add(cmp.Or(r.Level, "Not rated"), r)
		}
	}
	if by == "level" {
		rank := map[string]int{"Not rated": -1}
		for i, b := range g.Scales.Bands {
			rank[b.Name] = i
		}
		slices.SortStableFunc(groups, func(a, b Group) int { return cmp.Compare(rank[b.Name], rank[a.Name]) })
	} else {
		slices.SortStableFunc(groups, func(a, b Group) int { return strings.Compare(strings.ToLower(a.Name), strings.ToLower(b.Name)) })
	}
	return groups
}

// Heat counts rated rows per cell: Heat[l-1][i-1] is how many risks have
// likelihood l and impact i. target counts the target residual ratings
// instead.
func (g *Register) Heat(rows []*Row, target bool) [][]int {
	heat := make([][]int, len(g.Scales.Likelihood))
	for i := range heat {
		heat[i] = make([]int, len(g.Scales.Impact))
	}
	for _, r := range rows {
		l, i := r.Risk.Likelihood, r.Impact
		if target {
			l, i = r.Risk.TargetLikelihood, r.Risk.TargetImpact
		}
		if l >= 1 && i >= 1 && l <= len(heat) && i <= len(heat[l-1]) {
			heat[l-1][i-1]++
		}
	}
	return heat
}

// A Cell counts the open risks that share their ratings: likelihood and
// impact (the highest of confidentiality, integrity and availability),
// current and target.
type Cell struct {
	Likelihood, Impact, TargetLikelihood, TargetImpact int
	Risks                                              int
}

// A Summary is the open register at a glance: its open risks by rating,
// the open actions of open risks past their due date, and the open risks
// whose acceptance has run out. The store sums it in the database; it is
// what Summarize works out from the rows.
type Summary struct {
	Cells   []Cell
	Overdue int
	Expired []*Risk // number, title and accepted-until date, in number order
}

// Open is how many open risks the summary counts.
func (s *Summary) Open() int {
	n := 0
	for _, c := range s.Cells {
		n += c.Risks
	}
	return n
}

// Summarize works the summary out from the register's rows on day today.
func Summarize(rows []*Row, today string) *Summary {
	out := &Summary{}
	cells := map[Cell]int{}
	for _, r := range rows {
		if r.Risk.Status != Open {
			continue
		}
		cells[Cell{r.Risk.Likelihood, r.Impact, r.Risk.TargetLikelihood, r.Risk.TargetImpact, 0}]++
		out.Overdue += r.Overdue
		if r.Expired {
			out.Expired = append(out.Expired, r.Risk)
		}
	}
	for c, n := range cells {
		c.Risks = n
		out.Cells = append(out.Cells, c)
	}
	slices.SortFunc(out.Cells, func(a, b Cell) int {
		return cmp.Or(cmp.Compare(a.Likelihood, b.Likelihood), cmp.Compare(a.Impact, b.Impact), cmp.Compare(a.TargetLikelihood, b.TargetLikelihood), cmp.Compare(a.TargetImpact, b.TargetImpact))
	})
	slices.SortFunc(out.Expired, func(a, b *Risk) int { return cmp.Compare(a.Number, b.Number) })
	return out
}

// Heat counts the summary's rated risks per cell of the scales, as
// Register.Heat counts rows; target counts the target ratings.
func (s *Summary) Heat(sc *Scales, target bool) [][]int {
	heat := make([][]int, len(sc.Likelihood))
	for i := range heat {
		heat[i] = make([]int, len(sc.Impact))
	}
	for _, c := range s.Cells {
		l, i := c.Likelihood, c.Impact
		if target {
			l, i = c.TargetLikelihood, c.TargetImpact
		}
		if l >= 1 && i >= 1 && l <= len(heat) && i <= len(heat[l-1]) {
			heat[l-1][i-1] += c.Risks
		}
	}
	return heat
}

// Levels counts the summary's open risks by the name of their band ("" for
// those not rated).
func (s *Summary) Levels(sc *Scales) map[string]int {
	out := map[string]int{}
	for _, c := range s.Cells {
		out[sc.BandName(c.Likelihood, c.Impact)] += c.Risks
	}
	return out
}

// A Milestone is a row of the plan of action and milestones: an action,
// its risk and how late it is.
type Milestone struct {
	Action *Action
	Row    *Row
	Slip   int
}

// State is the milestone's standing for people.
func (m *Milestone) State() string {
	switch {
	case m.Action.Status == Done && m.Slip > 0:
		return "done late"
	case m.Action.Status == Done:
		return "done"
	case m.Action.Status == Cancelled:
		return "cancelled"
	case m.Slip > 0:
		return "overdue"
	case m.Action.Due == "":
		return "no due date"
	}
	return "on track"
}

// POAM is the plan of action and milestones: the actions of open risks,
// open ones only unless all, most overdue first, then by due date.
func POAM(rows []*Row, today string, all bool) []*Milestone {
	var out []*Milestone
	for _, r := range rows {
		if r.Risk.Status != Open && !all {
			continue
		}
		for _, a := range r.Actions {
			if a.Open() || all {
				out = append(out, &Milestone{Action: a, Row: r, Slip: a.Slip(today)})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b *Milestone) int {
		return cmp.Or(cmp.Compare(b.Slip, a.Slip), strings.Compare(cmp.Or(a.Action.Due, "9999"), cmp.Or(b.Action.Due, "9999")),
			cmp.Compare(a.Row.Risk.Number, b.Row.Risk.Number))
	})
	return out
}
