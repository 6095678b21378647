package vendor_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// The tier follows from the ePHI a vendor handles and how it reaches the
// organisation's systems, unless set by hand with a reason.
func TestDerivedTier(t *testing.T) {
	for _, c := range []struct {
		name string
		v    vendor.Vendor
		tier int
		why  string
	}{
		{"keeps ePHI", vendor.Vendor{Receives: true, Maintains: true}, 1, "maintains ePHI"},
		{"many records", vendor.Vendor{Receives: true, Records: 500}, 1, "500 individuals"},
		{"few records", vendor.Vendor{Receives: true, Records: 499}, 2, "handles ePHI (receives)"},
		{"ePHI and remote access", vendor.Vendor{Transmits: true, Access: vendor.AccessRemote}, 1, "reaches the organisation's systems (remote)"},
		{"critical, no ePHI", vendor.Vendor{Criticality: risk.CriticalityCritical}, 1, "critical"},
		{"on site, no ePHI", vendor.Vendor{Access: vendor.AccessOnsite}, 2, "(onsite)"},
		{"high, no ePHI", vendor.Vendor{Criticality: risk.CriticalityHigh, Access: vendor.AccessNone}, 2, "high criticality"},
		{"nothing", vendor.Vendor{Access: vendor.AccessNone, Criticality: risk.CriticalityLow}, 3, "handles no ePHI"},
	} {
		tier, why := c.v.DerivedTier()
		if tier != c.tier || !strings.Contains(why, c.why) || c.v.Tier() != c.tier {
			t.Errorf("%s: tier %d (%s)", c.name, tier, why)
		}
	}
	v := vendor.Vendor{Name: "Shred-Right", Access: vendor.AccessOnsite, TierOverride: 3}
	if err := v.Validate(); err == nil || !strings.Contains(err.Error(), "tier_reason") {
		t.Errorf("a tier set by hand without a reason: %v", err)
	}
	v.TierReason = "monthly pickup only"
	if err := v.Validate(); err != nil || v.Tier() != 3 || !strings.Contains(v.TierWhy(), "set by hand: monthly pickup") {
		t.Errorf("a tier set by hand: %v %d %q", err, v.Tier(), v.TierWhy())
	}
}

// A determination needs its reason, except a business associate that
// handles ePHI, whose reason is the definition's; a subcontractor names
// its business associate.
func TestValidateStatus(t *testing.T) {
	ba := vendor.Vendor{Name: "Northwind EHR", Receives: true, Status: vendor.BusinessAssociate}
	if err := ba.Validate(); err != nil || !strings.Contains(ba.StatusReason, "160.103") {
		t.Errorf("a business associate handling ePHI: %v %q", err, ba.StatusReason)
	}
	for _, c := range []struct {
		v    vendor.Vendor
		want string
	}{
		{vendor.Vendor{Name: "Paper BA", Status: vendor.BusinessAssociate}, "status_reason"},
		{vendor.Vendor{Name: "Courier", Status: vendor.NotBusinessAssociate}, "status_reason"},
		{vendor.Vendor{Name: "Backup", Status: vendor.Subcontractor, StatusReason: "backups"}, "subcontractor_of"},
		{vendor.Vendor{Name: "Site", Website: "ftp://x.example"}, "website"},
		{vendor.Vendor{Name: "Mail", Contacts: []vendor.Contact{{Name: "A", Email: "a@"}}}, "contacts[0].email"},
		{vendor.Vendor{Name: "Nobody", Contacts: []vendor.Contact{{Role: "support"}}}, "contacts[0]: a contact needs a name or an email"},
		{vendor.Vendor{Name: "Odd", Access: "satellite"}, "access"},
		{vendor.Vendor{Name: " "}, "name"},
	} {
		if err := c.v.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: %v, want %s", c.v.Name, err, c.want)
		}
	}
	und := vendor.Vendor{Name: "Coffee"}
	if err := und.Validate(); err != nil || und.Status != vendor.Undetermined || und.Access != vendor.AccessNone || und.Criticality != risk.CriticalityModerate {
		t.Errorf("defaults: %v %+v", err, und)
	}
}

func plan(t *testing.T, name string, current []*vendor.Vendor) (*vendor.Plan, error) {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return vendor.PlanVendors(name, f, current, map[string]string{"ehr": "asset-ehr"})
}

// A register file: every vendor read, the subcontractor's business
// associate found in the same file, the assets by name, the first
// contact; exported rows read back unchanged.
func TestPlanVendors(t *testing.T) {
	p, err := plan(t, "vendors.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Add) != 5 || len(p.Update) != 0 {
		t.Fatalf("%d to add, %d to update", len(p.Add), len(p.Update))
	}
	by := map[string]*vendor.Vendor{}
	for _, v := range p.Add {
		by[v.Name] = v
	}
	ehr := by["Northwind EHR"]
	if ehr.Records != 12400 || ehr.Access != vendor.AccessInterface || ehr.Tier() != 1 || len(ehr.Assets) != 1 || ehr.Assets[0] != "asset-ehr" ||
		len(ehr.Contacts) != 1 || ehr.Contacts[0].Email != "sam.patel@northwind-ehr.example" || !strings.Contains(ehr.StatusReason, "160.103") {
		t.Errorf("Northwind EHR: %+v", ehr)
	}
	backup := by["Vaultline Backup"]
	if backup.Status != vendor.Subcontractor || p.NewParents[backup] != ehr || backup.SubcontractorOf != "" {
		t.Errorf("the subcontractor: %+v, parent %v", backup, p.NewParents[backup])
	}
	if shred := by["Shred-Right"]; shred.Tier() != 3 || shred.TierReason != "Monthly pickup only" || shred.Status != vendor.NotBusinessAssociate {
		t.Errorf("Shred-Right: %+v", shred)
	}
	if coffee := by["Sunrise Coffee"]; coffee.Status != vendor.Undetermined || coffee.Tier() != 3 {
		t.Errorf("Sunrise Coffee: %+v", coffee)
	}

	// Against a register holding them (with ids), the same file changes
	// nothing; a changed cell is an update naming its field.
	for i, v := range p.Add {
		v.ID = string(rune('a' + i))
	}
	backup.SubcontractorOf = ehr.ID
	again, err := plan(t, "vendors.csv", p.Add)
	if err != nil {
		t.Fatal(err)
	}
	if len(again.Add) != 0 || len(again.Update) != 0 || again.Unchanged != 5 {
		t.Errorf("the same file again: %d to add, %+v to update, %d unchanged", len(again.Add), again.Update, again.Unchanged)
	}
	ehr.Records = 100
	again, err = plan(t, "vendors.csv", p.Add)
	if err != nil || len(again.Update) != 1 || strings.Join(again.Update[0].Fields, ",") != "records" {
		t.Errorf("a changed count: %v %+v", err, again)
	}
}

// A bad file names every bad cell by line and column, and nothing lands.
func TestPlanVendorsNamesEveryBadCell(t *testing.T) {
	_, err := plan(t, "vendors-bad.csv", []*vendor.Vendor{{ID: "s", Name: "Shred-Right", Status: vendor.NotBusinessAssociate}})
	if err == nil {
		t.Fatal("a bad file planned")
	}
	for _, want := range []string{
		`line 2, column "creates": "maybe" is not yes or no`,
		`line 2, column "contact_email": "sam@" is not an email address`,
		`line 3, column "name": a vendor needs a name`,
		`line 4, column "records": "-5" is not a whole number`,
		`line 4, column "access": "satellite"`,
		`line 4, column "criticality": "urgent"`,
		`line 4, column "status": "partner"`,
		`line 4, column "tier": "7"`,
		`line 4, column "assets": no asset "Nowhere"`,
		`line 5, column "subcontractor_of": "Shred-Right" is not a business associate in the register (it is not a business associate)`,
		`line 6, column "name": duplicate vendor name "Northwind EHR" (first on line 2)`,
		"nothing was imported",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if _, err := vendor.PlanVendors("x.csv", strings.NewReader("name,colour\nA,red\n"), nil, nil); err == nil || !strings.Contains(err.Error(), `unknown column(s) "colour"`) {
		t.Errorf("an unknown column: %v", err)
	}
}

// An exported row reads back as the vendor it came from.
func TestRowRoundTrip(t *testing.T) {
	p, err := plan(t, "vendors.csv", nil)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"asset-ehr": "EHR"}
	for i, v := range p.Add {
		v.ID = string(rune('a' + i))
		names[v.ID] = v.Name
	}
	for child, parent := range p.NewParents {
		child.SubcontractorOf = parent.ID
	}
	var b strings.Builder
	b.WriteString(strings.Join(append(append([]string{}, vendor.Columns...), vendor.ComputedColumns...), ",") + "\n")
	for _, v := range p.Add {
		row := vendor.Row(v, func(id string) string { return names[id] })
		for i, c := range row {
			row[i] = `"` + strings.ReplaceAll(c, `"`, `""`) + `"`
		}
		b.WriteString(strings.Join(row, ",") + "\n")
	}
	again, err := vendor.PlanVendors("export.csv", strings.NewReader(b.String()), p.Add, map[string]string{"ehr": "asset-ehr"})
	if err != nil {
		t.Fatal(err)
	}
	if again.Unchanged != 5 || len(again.Update) != 0 || len(again.Add) != 0 {
		for _, u := range again.Update {
			t.Errorf("%s changed: %v", u.Old.Name, u.Fields)
		}
		t.Errorf("the export read back: %d unchanged", again.Unchanged)
	}
}
