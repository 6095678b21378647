package risk_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/risk/risktest"
)

var threats = risktest.Threats

func TestDefaultScales(t *testing.T) {
	s := risk.Default()
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		l, i int
		want string
	}{{1, 1, "Very Low"}, {5, 5, "Very High"}, {3, 3, "Moderate"}, {4, 5, "Very High"}, {5, 1, "Moderate"}, {0, 3, ""}, {6, 1, ""}} {
		if got := s.BandName(c.l, c.i); got != c.want {
			t.Errorf("BandName(%d, %d) = %q, want %q", c.l, c.i, got, c.want)
		}
	}
	// The matrix never lowers the level as likelihood or impact rises.
	for l := 1; l <= 5; l++ {
		for i := 1; i <= 5; i++ {
			if l > 1 && s.Band(l, i) < s.Band(l-1, i) || i > 1 && s.Band(l, i) < s.Band(l, i-1) {
				t.Errorf("matrix is not monotone at likelihood %d, impact %d", l, i)
			}
		}
	}
	bad := risk.Default()
	bad.Matrix[2] = bad.Matrix[2][:4]
	bad.Bands[1].Color = "green"
	bad.Likelihood[0].Name = ""
	err := bad.Validate()
	for _, want := range []string{"matrix row 3: 4 cells for 5 impact levels", `colour "green"`, "likelihood level 1: a name is required"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate() = %v, want it to say %q", err, want)
		}
	}
	if v, err := risk.ParseLevel("likelihood", "high", s.Likelihood); err != nil || v != 4 {
		t.Errorf("ParseLevel(high) = %d, %v", v, err)
	}
	if _, err := risk.ParseLevel("likelihood", "6", s.Likelihood); err == nil || !strings.Contains(err.Error(), `likelihood: "6" is off the scale (1 Very Low`) {
		t.Errorf("ParseLevel(6) = %v", err)
	}
}

func TestThreatCatalog(t *testing.T) {
	_, c := threats(t)
	for _, id := range []string{"ransomware", "social-engineering", "lost-stolen-device", "insider-snooping", "cloud-misconfiguration",
		"vendor-compromise", "medical-device-exploit", "power-network-outage", "natural-disaster", "business-email-compromise"} {
		th, ok := c.Lookup(id)
		if !ok {
			t.Errorf("the catalog lacks %q", id)
			continue
		}
		if len(th.Sources) == 0 || th.Sources[0].Document == "" || th.Sources[0].Reference == "" {
			t.Errorf("%s has no source", id)
		}
	}
	devices := c.ForAsset(risk.Device)
	names := make([]string, len(devices))
	for i, th := range devices {
		names[i] = th.ID
	}
	if !strings.Contains(strings.Join(names, ","), "medical-device-exploit") || strings.Contains(strings.Join(names, ","), "cloud-misconfiguration") {
		t.Errorf("threats for devices: %v", names)
	}
}

func TestRiskValidate(t *testing.T) {
	s := risk.Default()
	r := risk.Risk{Title: "Ransomware", ThreatID: "ransomware", Assets: []string{"a"}, Likelihood: 4, ImpactC: 3, ImpactA: 5}
	if err := r.Validate(&s); err != nil {
		t.Fatal(err)
	}
	if r.Impact() != 5 || r.Status != risk.Open {
		t.Errorf("impact %d status %q", r.Impact(), r.Status)
	}
	for _, c := range []struct {
		edit func(*risk.Risk)
		want string
	}{
		{func(r *risk.Risk) { r.Likelihood = 6 }, "likelihood: 6 is off the scale (1 to 5)"},
		{func(r *risk.Risk) { r.ImpactI = -1 }, "impact_integrity: -1 is off the scale"},
		{func(r *risk.Risk) { r.Assets = nil }, "assets: a risk acts on at least one asset"},
		{func(r *risk.Risk) { r.Response = risk.Accept }, "accepted_by"},
		{func(r *risk.Risk) { r.Response, r.AcceptedBy = risk.Accept, "Dr Reyes" }, "accepted_until"},
		{func(r *risk.Risk) { r.Response, r.AcceptedBy, r.AcceptedUntil = risk.Accept, "Dr Reyes", "next year" }, `accepted_until: "next year" is not a date`},
		{func(r *risk.Risk) { r.Response = "ignore" }, `response: "ignore"`},
	} {
		x := r
		c.edit(&x)
		if err := x.Validate(&s); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate() = %v, want %q", err, c.want)
		}
	}
}

func TestSlipAndPOAM(t *testing.T) {
	g := &risk.Register{Scales: risk.Default(),
		Risks: []*risk.Risk{{ID: "r1", Number: 1, Status: risk.Open, Likelihood: 4, ImpactA: 5}, {ID: "r2", Number: 2, Status: risk.Closed}},
		Actions: []*risk.Action{
			{ID: "a1", RiskID: "r1", Title: "Offline backups", Due: "2026-10-01", Status: risk.InProgress},
			{ID: "a2", RiskID: "r1", Title: "MFA on VPN", Due: "2026-12-31", Status: risk.Planned},
			{ID: "a3", RiskID: "r1", Title: "Patch VPN", Due: "2026-09-01", Status: risk.Done, CompletedOn: "2026-09-11"},
			{ID: "a4", RiskID: "r2", Title: "Closed risk's action", Due: "2026-01-01", Status: risk.Planned},
		}}
	today := "2026-11-23"
	rows := g.Rows(today)
	if rows[0].Level != "Very High" || rows[0].OpenActions != 2 || rows[0].Overdue != 1 {
		t.Errorf("row: level %q open %d overdue %d", rows[0].Level, rows[0].OpenActions, rows[0].Overdue)
	}
	poam := risk.POAM(rows, today, false)
	if len(poam) != 2 || poam[0].Action.ID != "a1" || poam[0].Slip != 53 || poam[0].State() != "overdue" || poam[1].State() != "on track" {
		for _, m := range poam {
			t.Logf("%s slip %d %s", m.Action.ID, m.Slip, m.State())
		}
		t.Fatalf("POAM wrong")
	}
	all := risk.POAM(rows, today, true)
	if len(all) != 4 {
		t.Fatalf("POAM(all) has %d", len(all))
	}
	for _, m := range all {
		if m.Action.ID == "a3" && (m.Slip != 10 || m.State() != "done late") {
			t.Errorf("a3: slip %d %s", m.Slip, m.State())
		}
	}
}

func TestFilterSortGroup(t *testing.T) {
	g := &risk.Register{Scales: risk.Default(),
		Assets: []*risk.Asset{{ID: "ehr", Name: "EHR"}, {ID: "pc", Name: "Front desk PC"}},
		Risks: []*risk.Risk{
			{ID: "1", Number: 1, Title: "Stolen PC", ThreatID: "lost-stolen-device", Assets: []string{"pc"}, Likelihood: 2, ImpactC: 3, Owner: "Ana", Status: risk.Open},
			{ID: "2", Number: 2, Title: "Ransomware", ThreatID: "ransomware", Assets: []string{"ehr", "pc"}, Likelihood: 4, ImpactA: 5, Owner: "Ben", Status: risk.Open, Response: risk.Mitigate},
			{ID: "3", Number: 3, Title: "Old flood", ThreatID: "natural-disaster", Assets: []string{"ehr"}, Likelihood: 1, ImpactA: 2, Status: risk.Closed},
		}}
	rows := g.Rows("2026-11-23")
	if got := len((risk.Filter{}).Apply(rows)); got != 2 {
		t.Errorf("default filter keeps %d, want the 2 open", got)
	}
	if got := (risk.Filter{Asset: "pc", Response: "none"}).Apply(rows); len(got) != 1 || got[0].Risk.ID != "1" {
		t.Errorf("asset+response filter: %v", got)
	}
	if got := (risk.Filter{Status: "all", Query: "flood"}).Apply(rows); len(got) != 1 {
		t.Errorf("query filter: %d", len(got))
	}
	open := risk.Filter{}.Apply(rows)
	risk.Sort(open, "level")
	if open[0].Risk.ID != "2" {
		t.Errorf("level sort puts %s first", open[0].Risk.ID)
	}
	groups := g.GroupBy(open, "asset")
	if len(groups) != 2 || groups[0].Name != "EHR" || len(groups[1].Rows) != 2 {
		t.Errorf("groups by asset: %+v", groups)
	}
	byLevel := g.GroupBy(open, "level")
	if byLevel[0].Name != "Very High" {
		t.Errorf("groups by level start with %q", byLevel[0].Name)
	}
	heat := g.Heat(rows, false)
	if heat[3][4] != 1 || heat[1][2] != 1 || heat[0][1] != 1 {
		t.Errorf("heat %v", heat)
	}
}

func open(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func TestPlanAssets(t *testing.T) {
	current := []*risk.Asset{{ID: "x", Name: "ehr", Type: risk.Application, Criticality: risk.CriticalityHigh, Records: 100}}
	p, err := risk.PlanAssets("inventory.csv", open(t, "inventory.csv"), current)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Add) != 2 || len(p.Update) != 1 || p.SHA256 == "" {
		t.Fatalf("plan: %d add, %d update", len(p.Add), len(p.Update))
	}
	u := p.Update[0]
	if u.New.ID != "x" || u.New.Records != 12400 || u.New.Criticality != risk.CriticalityCritical || !u.New.InternetFacing || u.New.Vendor != "Athena" ||
		strings.Join(u.New.Identifiers, ",") != "ehr.riverside.example,10.0.0.5" {
		t.Errorf("update: %+v fields %v", u.New, u.Fields)
	}
	if b := p.Add[1]; b.Name != "Backup drive" || b.Type != risk.Media || !b.Maintains || b.Creates || b.Location != "Server closet" {
		t.Errorf("added: %+v", b)
	}
	for _, c := range []struct{ file, want string }{
		{"inventory-missing-columns.csv", `inventory-missing-columns.csv: missing required column(s) type (the header has: Name, Description, Owner)`},
		{"inventory-bad-type.csv", "inventory-bad-type.csv: nothing was imported; fix these and import again:\nline 3, column \"type\": \"server\" is not an asset type (system, application, device, media, data-store, cloud-service, facility)\nline 4, column \"criticality\": \"extreme\" is not low, moderate, high or critical"},
		{"inventory-duplicates.csv", `line 4, column "name": duplicate asset name "ehr" (first on line 2)`},
	} {
		_, err := risk.PlanAssets(c.file, open(t, c.file), nil)
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v\nwant %q", c.file, err, c.want)
		}
	}
	if _, err := risk.PlanAssets("x.csv", strings.NewReader("name,type,colour\nA,device,red\n"), nil); err == nil || !strings.Contains(err.Error(), `unknown column(s) "colour" (column 3)`) {
		t.Errorf("unknown column: %v", err)
	}
	if _, err := risk.PlanAssets("empty.csv", strings.NewReader(""), nil); err == nil || !strings.Contains(err.Error(), "empty.csv is empty") {
		t.Errorf("empty: %v", err)
	}
	if _, err := risk.PlanAssets("bin.csv", strings.NewReader("name,type\n\xff\xfe,device\n"), nil); err == nil || !strings.Contains(err.Error(), "not UTF-8") {
		t.Errorf("binary: %v", err)
	}
}

func TestPlanRisks(t *testing.T) {
	_, c := threats(t)
	g := &risk.Register{Scales: risk.Default(), Catalog: c, Assets: []*risk.Asset{
		{ID: "a1", Name: "EHR"}, {ID: "a2", Name: "Backup drive"}, {ID: "a3", Name: "Front desk PC 1"}}}
	p, err := risk.PlanRisks("risks.csv", open(t, "risks.csv"), g)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Add) != 2 || len(p.NewVulns) != 2 {
		t.Fatalf("plan: %d risks, %d new vulnerabilities", len(p.Add), len(p.NewVulns))
	}
	r := p.Add[1]
	if r.ThreatID != "lost-stolen-device" || r.Likelihood != 3 || r.ImpactC != 4 || r.Assets[0] != "a3" || p.VulnTitles[r][0] != "Disk not encrypted" {
		t.Errorf("risk 2: %+v", r)
	}
	// An update changes only the columns the file has.
	g.Risks = []*risk.Risk{{ID: "r1", Number: 1, Title: "Old", ThreatID: "ransomware", Assets: []string{"a2"}, Vulnerabilities: []string{"v1"},
		Likelihood: 4, ImpactA: 5, Owner: "Ana", Response: risk.Mitigate, TargetLikelihood: 2, TargetImpact: 3, Items: []string{"hph-cpg/essential-7"}, Status: risk.Open}}
	up, err := risk.PlanRisks("update.csv", strings.NewReader("ref,title,threat,assets,likelihood\nr-001,New title,ransomware,EHR,2\n"), g)
	if err != nil {
		t.Fatal(err)
	}
	if len(up.Update) != 1 {
		t.Fatalf("update plan: %+v", up)
	}
	u := up.Update[0]
	if _, named := up.VulnTitles[u]; u.ID != "r1" || u.Title != "New title" || u.Likelihood != 2 || u.Assets[0] != "a1" || u.Owner != "Ana" || u.Response != risk.Mitigate ||
		u.ImpactA != 5 || u.TargetImpact != 3 || u.Vulnerabilities[0] != "v1" || u.Items[0] != "hph-cpg/essential-7" || named {
		t.Errorf("a partial update lost fields: %+v", u)
	}
	if g.Risks[0].Title != "Old" {
		t.Error("planning an update changed the register's risk")
	}
	_, err = risk.PlanRisks("risks-off-scale.csv", open(t, "risks-off-scale.csv"), g)
	for _, want := range []string{
		`line 2, column "likelihood": "6" is off the scale (1 Very Low, 2 Low, 3 Moderate, 4 High, 5 Very High)`,
		`line 3, column "threat": "aliens" is not a threat of the catalog`,
		`line 3, column "impact_confidentiality": "Huge" is off the scale`,
	} {
		if !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("off scale: %v\nwant %q", err, want)
		}
	}
}

// An asset's text is bounded, naming the field, so that no inventory page
// or answer carries an imported cell of any length.
func TestAssetFieldsAreBounded(t *testing.T) {
	for _, c := range []struct {
		edit func(*risk.Asset)
		want string
	}{
		{func(a *risk.Asset) { a.Description = strings.Repeat("d", 2001) }, "description: at most 2000 characters (this one has 2001)"},
		{func(a *risk.Asset) { a.Vendor = strings.Repeat("v", 201) }, "vendor: at most 200 characters"},
		{func(a *risk.Asset) { a.Identifiers = []string{"ehr01", strings.Repeat("h", 256)} }, "identifiers: at most 255 characters"},
		{func(a *risk.Asset) {
			for i := range 101 {
				a.Identifiers = append(a.Identifiers, fmt.Sprintf("10.0.0.%d", i))
			}
		}, "identifiers: at most 100 (this asset has 101)"},
	} {
		a := risk.Asset{Name: "EHR server", Type: risk.System}
		if err := a.Validate(); err != nil {
			t.Fatal(err)
		}
		c.edit(&a)
		if err := a.Validate(); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Validate() = %v, want %q", err, c.want)
		}
	}
}
