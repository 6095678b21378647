package vendor

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/tabular"
)

// MaxImportBytes bounds a register file.
const MaxImportBytes = 16 << 20

// Columns are the register file's columns; name is required. assets
// holds inventory asset names separated by ";"; subcontractor_of names a
// vendor of the register or of the file; the contact columns give the
// vendor's first contact; tier is a tier set by hand (empty for the
// derived one), with tier_reason.
var Columns = []string{"name", "services", "website", "owner", "creates", "receives", "maintains", "transmits", "records", "access",
	"criticality", "status", "status_reason", "subcontractor_of", "tier", "tier_reason", "assets",
	"contact_name", "contact_role", "contact_email", "contact_phone", "notes"}

// ComputedColumns are columns of an exported register that Safeguard
// computes; an import accepts and ignores them, so an exported register
// can be edited and imported back.
var ComputedColumns = []string{"derived_tier", "tier_why"}

// An Update is a row that changes a vendor of the register.
type Update struct {
	Old, New *Vendor
	Fields   []string
}

// A Plan is what a register import would do: vendors to add, vendors to
// update (matched by name, case-insensitively) and how many rows change
// nothing. Nothing is written until it is applied.
type Plan struct {
	File      string
	SHA256    string
	Add       []*Vendor
	Update    []*Update
	Unchanged int
	// NewParents are the subcontractors (added or updated) whose business
	// associate is added by the same file: the store sets their
	// SubcontractorOf once it has given the business associate its id.
	NewParents map[*Vendor]*Vendor
}

// PlanVendors reads a register file against the register (current) and
// the inventory's assets (by lower-cased name to id). Every problem is
// reported with its line and column; any problem means nothing is
// imported.
func PlanVendors(file string, r io.Reader, current []*Vendor, assets map[string]string) (*Plan, error) {
	t, err := tabular.ReadColumns(file, r, MaxImportBytes, []string{"name"}, append(slices.Clone(Columns), ComputedColumns...))
	if err != nil {
		return nil, err
	}
	byName := map[string]*Vendor{}
	for _, v := range current {
		byName[strings.ToLower(v.Name)] = v
	}
	p := &Plan{File: file, SHA256: t.SHA256, NewParents: map[*Vendor]*Vendor{}}
	seen := map[string]int{}
	rows := make([]*Vendor, len(t.Rows)) // the vendor each good row adds or becomes
	parents := map[int]string{}          // row → the lower-cased name its subcontractor_of gives
	for i := range t.Rows {
		v := &Vendor{Name: t.Cell(i, "name"), Services: t.Cell(i, "services"), Website: t.Cell(i, "website"), Owner: t.Cell(i, "owner"),
			Notes: t.Cell(i, "notes"), StatusReason: t.Cell(i, "status_reason"), TierReason: t.Cell(i, "tier_reason")}
		ok := true
		key := strings.ToLower(v.Name)
		if v.Name == "" {
			t.Fail(i, "name", "a vendor needs a name")
			ok = false
		} else if first, dup := seen[key]; dup {
			t.Fail(i, "name", fmt.Sprintf("duplicate vendor name %q (first on %s %d)", v.Name, t.Where, first))
			ok = false
		} else {
			seen[key] = t.Lines[i]
		}
		for _, b := range []struct {
			key string
			to  *bool
		}{{"creates", &v.Creates}, {"receives", &v.Receives}, {"maintains", &v.Maintains}, {"transmits", &v.Transmits}} {
			val, good := tabular.ParseBool(t.Cell(i, b.key))
			if !good {
				t.Fail(i, b.key, fmt.Sprintf("%q is not yes or no", t.Cell(i, b.key)))
				ok = false
			}
			*b.to = val
		}
		if s := strings.ReplaceAll(t.Cell(i, "records"), ",", ""); s != "" {
			n, err := strconv.ParseInt(s, 10, 64)
			if err != nil || n < 0 {
				t.Fail(i, "records", fmt.Sprintf("%q is not a whole number of individuals' records", t.Cell(i, "records")))
				ok = false
			}
			v.Records = n
		}
		if a, good := ParseAccess(t.Cell(i, "access")); good {
			v.Access = a
		} else {
			t.Fail(i, "access", fmt.Sprintf("%q is not none, onsite, remote or interface", t.Cell(i, "access")))
			ok = false
		}
		if c, good := risk.ParseCriticality(t.Cell(i, "criticality")); good {
			v.Criticality = c
		} else {
			t.Fail(i, "criticality", fmt.Sprintf("%q is not low, moderate, high or critical", t.Cell(i, "criticality")))
			ok = false
		}
		if s, good := ParseStatus(t.Cell(i, "status")); good {
			v.Status = s
		} else {
			t.Fail(i, "status", fmt.Sprintf("%q is not business-associate, subcontractor, not-business-associate or undetermined", t.Cell(i, "status")))
			ok = false
		}
		if s := t.Cell(i, "tier"); s != "" {
			n, err := strconv.Atoi(strings.TrimPrefix(strings.ToLower(s), "tier "))
			if err != nil || n < 1 || n > 3 {
				t.Fail(i, "tier", fmt.Sprintf("%q is not 1, 2 or 3 (leave it empty for the derived tier)", s))
				ok = false
			}
			v.TierOverride = n
		}
		for _, name := range splitList(t.Cell(i, "assets")) {
			id, found := assets[strings.ToLower(name)]
			if !found {
				t.Fail(i, "assets", fmt.Sprintf("no asset %q in the inventory", name))
				ok = false
				continue
			}
			v.Assets = append(v.Assets, id)
		}
		if c := (Contact{Name: t.Cell(i, "contact_name"), Role: t.Cell(i, "contact_role"), Email: t.Cell(i, "contact_email"), Phone: t.Cell(i, "contact_phone")}); c != (Contact{}) {
			v.Contacts = []Contact{c}
			if c.Email != "" && !IsEmail(c.Email) {
				t.Fail(i, "contact_email", fmt.Sprintf("%q is not an email address", c.Email))
				ok = false
			}
		}
		if parent := t.Cell(i, "subcontractor_of"); parent != "" {
			parents[i] = strings.ToLower(parent)
			v.SubcontractorOf = "?" // resolved below, once every row is read
		}
		if !ok {
			continue
		}
		if err := v.Validate(); err != nil {
			t.FailRow(i, errs.Message(err))
			continue
		}
		rows[i] = v
	}
	// The business associates the subcontractors name: a vendor of the
	// register or of the file, itself a business associate.
	for i, v := range rows {
		name, named := parents[i]
		if v == nil || !named {
			continue
		}
		if v.Status != Subcontractor {
			t.Fail(i, "subcontractor_of", fmt.Sprintf("only a subcontractor names its business associate (status is %s)", v.Status))
			rows[i] = nil
			continue
		}
		// The business associate as the file leaves it: the file's row
		// when it has one, else the register's.
		status, where := Status(""), ""
		if old, exists := byName[name]; exists {
			status, where = old.Status, "register"
			v.SubcontractorOf = old.ID
		}
		if j := slices.IndexFunc(rows, func(o *Vendor) bool { return o != nil && strings.ToLower(o.Name) == name }); j >= 0 {
			status, where = rows[j].Status, "file"
			if v.SubcontractorOf == "?" {
				p.NewParents[v] = rows[j]
			}
		}
		switch {
		case where == "":
			t.Fail(i, "subcontractor_of", fmt.Sprintf("no vendor %q in the register or the file", t.Cell(i, "subcontractor_of")))
			rows[i] = nil
		case strings.EqualFold(name, v.Name):
			t.Fail(i, "subcontractor_of", "a vendor cannot be its own business associate")
			rows[i] = nil
		case status != BusinessAssociate:
			t.Fail(i, "subcontractor_of", fmt.Sprintf("%q is not a business associate in the %s (it is %s)", t.Cell(i, "subcontractor_of"), where, status.Label()))
			rows[i] = nil
		}
	}
	for i, v := range rows {
		if v == nil {
			continue
		}
		old, exists := byName[strings.ToLower(v.Name)]
		if !exists {
			p.Add = append(p.Add, v)
			continue
		}
		merged, fields := merge(old, v, t)
		if parent, ok := p.NewParents[v]; ok {
			delete(p.NewParents, v)
			p.NewParents[merged] = parent
		}
		if len(fields) == 0 {
			p.Unchanged++
			continue
		}
		if err := merged.Validate(); err != nil {
			t.FailRow(i, errs.Message(err))
			continue
		}
		p.Update = append(p.Update, &Update{Old: old, New: merged, Fields: fields})
	}
	for child, parent := range p.NewParents {
		if parent.ID == "" {
			child.SubcontractorOf = ""
		}
	}
	if err := t.Err(); err != nil {
		return nil, err
	}
	return p, nil
}

// merge applies the columns the file has to a copy of old, listing the
// fields that change. Columns the file lacks keep their values; a file's
// contact replaces the first contact and keeps the others.
func merge(old, in *Vendor, t *tabular.Table) (*Vendor, []string) {
	m := *old
	m.Contacts = slices.Clone(old.Contacts)
	var fields []string
	set := func(key string, changed bool) {
		if changed {
			fields = append(fields, key)
		}
	}
	str := func(key string, dst *string, v string) {
		if t.Has(key) && *dst != v {
			*dst = v
			set(key, true)
		}
	}
	flag := func(key string, dst *bool, v bool) {
		if t.Has(key) && *dst != v {
			*dst = v
			set(key, true)
		}
	}
	str("name", &m.Name, in.Name)
	str("services", &m.Services, in.Services)
	str("website", &m.Website, in.Website)
	str("owner", &m.Owner, in.Owner)
	str("notes", &m.Notes, in.Notes)
	flag("creates", &m.Creates, in.Creates)
	flag("receives", &m.Receives, in.Receives)
	flag("maintains", &m.Maintains, in.Maintains)
	flag("transmits", &m.Transmits, in.Transmits)
	if t.Has("records") && m.Records != in.Records {
		m.Records = in.Records
		set("records", true)
	}
	if t.Has("access") && m.Access != in.Access {
		m.Access = in.Access
		set("access", true)
	}
	if t.Has("criticality") && m.Criticality != in.Criticality {
		m.Criticality = in.Criticality
		set("criticality", true)
	}
	if t.Has("status") && m.Status != in.Status {
		m.Status = in.Status
		set("status", true)
	}
	if t.Has("status_reason") && in.StatusReason != m.StatusReason {
		m.StatusReason = in.StatusReason
		set("status_reason", true)
	}
	if t.Has("subcontractor_of") && m.SubcontractorOf != in.SubcontractorOf {
		m.SubcontractorOf = in.SubcontractorOf
		set("subcontractor_of", true)
	}
	if t.Has("tier") && (m.TierOverride != in.TierOverride || m.TierReason != in.TierReason) {
		m.TierOverride, m.TierReason = in.TierOverride, in.TierReason
		set("tier", true)
	}
	if t.Has("assets") && !slices.Equal(m.Assets, in.Assets) {
		m.Assets = in.Assets
		set("assets", true)
	}
	if len(in.Contacts) > 0 {
		if len(m.Contacts) == 0 {
			m.Contacts = append(m.Contacts, in.Contacts[0])
			set("contacts", true)
		} else if m.Contacts[0] != in.Contacts[0] {
			m.Contacts[0] = in.Contacts[0]
			set("contacts", true)
		}
	}
	return &m, fields
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

// Row is a vendor as a line of the register file, in Columns then
// ComputedColumns order; names gives an asset's or a vendor's name by id.
func Row(v *Vendor, names func(id string) string) []string {
	yn := func(b bool) string {
		if b {
			return "yes"
		}
		return "no"
	}
	tier := ""
	if v.TierOverride != 0 {
		tier = strconv.Itoa(v.TierOverride)
	}
	var assets []string
	for _, id := range v.Assets {
		assets = append(assets, names(id))
	}
	var c Contact
	if len(v.Contacts) > 0 {
		c = v.Contacts[0]
	}
	parent := ""
	if v.SubcontractorOf != "" {
		parent = names(v.SubcontractorOf)
	}
	derived, why := v.DerivedTier()
	return []string{v.Name, v.Services, v.Website, v.Owner, yn(v.Creates), yn(v.Receives), yn(v.Maintains), yn(v.Transmits),
		strconv.FormatInt(v.Records, 10), string(v.Access), string(v.Criticality), string(v.Status), v.StatusReason, parent, tier, v.TierReason,
		strings.Join(assets, "; "), c.Name, c.Role, c.Email, c.Phone, v.Notes, strconv.Itoa(derived), why}
}

// Export is the register as a file's header and rows, which PlanVendors
// reads back; assets gives the inventory's names by id.
func Export(vs []*Vendor, assets map[string]string) (header []string, rows [][]string) {
	names := make(map[string]string, len(assets)+len(vs))
	for id, name := range assets {
		names[id] = name
	}
	for _, v := range vs {
		names[v.ID] = v.Name
	}
	header = append(slices.Clone(Columns), ComputedColumns...)
	for _, v := range vs {
		rows = append(rows, Row(v, func(id string) string { return names[id] }))
	}
	return header, rows
}
