// Package vendor holds the vendor register's records: the organisation's
// vendors and business associates, what ePHI each creates, receives,
// maintains or transmits on the organisation's behalf, the inventory
// assets and data flows each touches, its criticality and tier, its
// contacts, and whether it is a business associate (45 CFR 160.103) or a
// subcontractor of one (164.308(b)(1)-(2)).
package vendor

import (
	"fmt"
	"net/mail"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// Status is what the organisation determined a vendor to be under HIPAA.
type Status string

// The determinations.
const (
	// BusinessAssociate creates, receives, maintains or transmits PHI on
	// the organisation's behalf (45 CFR 160.103): the Security Rule asks
	// for satisfactory assurances, documented in a written contract or
	// other arrangement (164.308(b)(1), (b)(3); 164.314(a)).
	BusinessAssociate Status = "business-associate"
	// Subcontractor is a business associate's subcontractor: the
	// organisation is not required to obtain assurances from it
	// (164.308(b)(1)); its business associate is (164.308(b)(2)).
	Subcontractor Status = "subcontractor"
	// NotBusinessAssociate was judged not to be one, with the reason (no
	// PHI, a conduit, a disclosure for treatment…).
	NotBusinessAssociate Status = "not-business-associate"
	// Undetermined has not been judged yet.
	Undetermined Status = "undetermined"
)

// Statuses lists the determinations.
var Statuses = []Status{BusinessAssociate, Subcontractor, NotBusinessAssociate, Undetermined}

// Label names a determination in words.
func (s Status) Label() string {
	switch s {
	case BusinessAssociate:
		return "business associate"
	case Subcontractor:
		return "subcontractor of a business associate"
	case NotBusinessAssociate:
		return "not a business associate"
	}
	return "not yet determined"
}

// ParseStatus reads a determination as a file or a form writes it: the
// ids, their words, and yes/no; "" is undetermined.
func ParseStatus(s string) (Status, bool) {
	switch strings.ToLower(strings.Join(strings.Fields(strings.NewReplacer("-", " ", "_", " ").Replace(s)), " ")) {
	case "business associate", "ba", "yes", "y":
		return BusinessAssociate, true
	case "subcontractor", "subcontractor of a business associate":
		return Subcontractor, true
	case "not business associate", "not a business associate", "no", "n", "none":
		return NotBusinessAssociate, true
	case "", "undetermined", "not yet determined", "unknown":
		return Undetermined, true
	}
	return "", false
}

// Access is how a vendor reaches the organisation's systems.
type Access string

// The kinds of access.
const (
	AccessNone      Access = "none"      // no access to the organisation's systems
	AccessOnsite    Access = "onsite"    // on the premises (service visits, pickups)
	AccessRemote    Access = "remote"    // remote access (support, management)
	AccessInterface Access = "interface" // a system-to-system connection (an interface, an API, a VPN tunnel)
)

// Accesses lists the kinds of access.
var Accesses = []Access{AccessNone, AccessOnsite, AccessRemote, AccessInterface}

// ParseAccess reads a kind of access; "" is none.
func ParseAccess(s string) (Access, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "" {
		return AccessNone, true
	}
	for _, a := range Accesses {
		if s == string(a) {
			return a, true
		}
	}
	return "", false
}

// A Contact is someone to reach at a vendor.
type Contact struct {
	Name  string `json:"name"`
	Role  string `json:"role,omitempty"` // account manager, security, privacy, support…
	Email string `json:"email,omitempty"`
	Phone string `json:"phone,omitempty"`
}

// A Vendor is one entry of the register.
type Vendor struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Services string `json:"services,omitempty"` // what it does for the organisation
	Website  string `json:"website,omitempty"`
	Owner    string `json:"owner,omitempty"` // who in the organisation manages the relationship
	Notes    string `json:"notes,omitempty"`
	// What it does with ePHI on the organisation's behalf, and for how
	// many individuals' records.
	Creates     bool             `json:"creates"`
	Receives    bool             `json:"receives"`
	Maintains   bool             `json:"maintains"`
	Transmits   bool             `json:"transmits"`
	Records     int64            `json:"records"`
	Access      Access           `json:"access"`
	Criticality risk.Criticality `json:"criticality"`
	Status      Status           `json:"status"`
	// StatusReason says why the vendor is, or is not, a business
	// associate.
	StatusReason string `json:"status_reason,omitempty"`
	// SubcontractorOf is the business associate whose subcontractor it
	// is (a vendor of the register), for a subcontractor.
	SubcontractorOf string `json:"subcontractor_of,omitempty"`
	// TierOverride replaces the derived tier (1 to 3; 0 for none), with
	// the reason.
	TierOverride int       `json:"tier_override,omitempty"`
	TierReason   string    `json:"tier_reason,omitempty"`
	Contacts     []Contact `json:"contacts"`
	// Assets and Flows are the inventory's assets and data flows it
	// touches, by id.
	Assets    []string  `json:"assets"`
	Flows     []string  `json:"flows"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// HandlesEPHI reports whether the vendor creates, receives, maintains or
// transmits ePHI on the organisation's behalf.
func (v *Vendor) HandlesEPHI() bool { return v.Creates || v.Receives || v.Maintains || v.Transmits }

// EPHIUses lists what the vendor does with ePHI, as words.
func (v *Vendor) EPHIUses() []string {
	var out []string
	for _, u := range []struct {
		on   bool
		word string
	}{{v.Creates, "creates"}, {v.Receives, "receives"}, {v.Maintains, "maintains"}, {v.Transmits, "transmits"}} {
		if u.on {
			out = append(out, u.word)
		}
	}
	return out
}

// ManyRecords is the number of individuals' records from which a vendor's
// ePHI puts it in tier 1: the Breach Notification Rule's line for
// notifying the media and HHS at once (164.406, 164.408(b)).
const ManyRecords = 500

// DerivedTier is the vendor's tier from its ePHI and access, with why
// (Safeguard's own rule, not the Security Rule's):
//
//   - tier 1: it handles ePHI and keeps it (maintains), or handles the
//     records of ManyRecords or more individuals, or reaches the
//     organisation's systems remotely or by an interface; or it is
//     critical;
//   - tier 2: it handles some ePHI, or reaches the systems on site, or it
//     is of high criticality;
//   - tier 3: none of these.
func (v *Vendor) DerivedTier() (int, string) {
	ephi := v.HandlesEPHI()
	switch {
	case ephi && v.Maintains:
		return 1, "it maintains ePHI on the organisation's behalf"
	case ephi && v.Records >= ManyRecords:
		return 1, fmt.Sprintf("it handles the ePHI of %d individuals (%d or more)", v.Records, ManyRecords)
	case ephi && (v.Access == AccessRemote || v.Access == AccessInterface):
		return 1, "it handles ePHI and reaches the organisation's systems (" + string(v.Access) + ")"
	case v.Criticality == risk.CriticalityCritical:
		return 1, "it is critical to the organisation"
	case ephi:
		return 2, "it handles ePHI (" + strings.Join(v.EPHIUses(), ", ") + ")"
	case v.Access != AccessNone && v.Access != "":
		return 2, "it reaches the organisation's systems (" + string(v.Access) + ")"
	case v.Criticality == risk.CriticalityHigh:
		return 2, "it is of high criticality to the organisation"
	}
	return 3, "it handles no ePHI, reaches no system, and is not of high criticality"
}

// Tier is the vendor's tier: the override when there is one, else the
// derived tier.
func (v *Vendor) Tier() int {
	if v.TierOverride != 0 {
		return v.TierOverride
	}
	t, _ := v.DerivedTier()
	return t
}

// TierWhy says where the tier comes from.
func (v *Vendor) TierWhy() string {
	if v.TierOverride != 0 {
		return "set by hand: " + v.TierReason
	}
	_, why := v.DerivedTier()
	return why
}

// NeedsAgreement reports whether the organisation must have a business
// associate agreement (or other arrangement) with the vendor
// (164.308(b)(1), 164.314(a)).
func (v *Vendor) NeedsAgreement() bool { return v.Status == BusinessAssociate }

// Validate checks and tidies a vendor's fields, naming the first that is
// wrong. Whether SubcontractorOf names a business associate of the
// register is for the store's caller to check.
func (v *Vendor) Validate() error {
	v.Name = strings.TrimSpace(v.Name)
	switch {
	case v.Name == "":
		return errs.New(errs.Invalid, "name: a vendor needs a name")
	case utf8.RuneCountInString(v.Name) > 200:
		return errs.New(errs.Invalid, "name: at most 200 characters")
	}
	if err := errs.Longest(errs.Field{Name: "services", Value: v.Services, Max: 2000}, errs.Field{Name: "website", Value: v.Website, Max: 500},
		errs.Field{Name: "owner", Value: v.Owner, Max: 200}, errs.Field{Name: "notes", Value: v.Notes, Max: 4000},
		errs.Field{Name: "status_reason", Value: v.StatusReason, Max: 2000}, errs.Field{Name: "tier_reason", Value: v.TierReason, Max: 2000}); err != nil {
		return err
	}
	if v.Website = strings.TrimSpace(v.Website); v.Website != "" {
		if u, err := url.Parse(v.Website); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return errs.New(errs.Invalid, fmt.Sprintf("website: %q is not an http or https address", v.Website))
		}
	}
	if v.Records < 0 {
		return errs.New(errs.Invalid, "records: cannot be negative")
	}
	if v.Access == "" {
		v.Access = AccessNone
	}
	if !slices.Contains(Accesses, v.Access) {
		return errs.New(errs.Invalid, fmt.Sprintf("access: %q is not none, onsite, remote or interface", v.Access))
	}
	if v.Criticality == "" {
		v.Criticality = risk.CriticalityModerate
	}
	if _, ok := risk.ParseCriticality(string(v.Criticality)); !ok {
		return errs.New(errs.Invalid, fmt.Sprintf("criticality: %q is not low, moderate, high or critical", v.Criticality))
	}
	if v.Status == "" {
		v.Status = Undetermined
	}
	if !slices.Contains(Statuses, v.Status) {
		return errs.New(errs.Invalid, fmt.Sprintf("status: %q is not business-associate, subcontractor, not-business-associate or undetermined", v.Status))
	}
	v.StatusReason = strings.TrimSpace(v.StatusReason)
	if v.Status != Undetermined && v.StatusReason == "" {
		if v.Status != BusinessAssociate || !v.HandlesEPHI() {
			return errs.New(errs.Invalid, fmt.Sprintf("status_reason: say why the vendor is %s", v.Status.Label()))
		}
		v.StatusReason = "it " + strings.Join(v.EPHIUses(), ", ") + " ePHI on the organisation's behalf (45 CFR 160.103, business associate)"
	}
	if v.Status == Subcontractor && v.SubcontractorOf == "" {
		return errs.New(errs.Invalid, "subcontractor_of: name the business associate whose subcontractor it is")
	}
	if v.Status != Subcontractor {
		v.SubcontractorOf = ""
	}
	if v.SubcontractorOf != "" && v.SubcontractorOf == v.ID {
		return errs.New(errs.Invalid, "subcontractor_of: a vendor cannot be its own business associate")
	}
	if v.TierOverride < 0 || v.TierOverride > 3 {
		return errs.New(errs.Invalid, fmt.Sprintf("tier: %d is not 1, 2 or 3", v.TierOverride))
	}
	v.TierReason = strings.TrimSpace(v.TierReason)
	if v.TierOverride != 0 && v.TierReason == "" {
		return errs.New(errs.Invalid, "tier_reason: say why the tier is set by hand")
	}
	if v.TierOverride == 0 {
		v.TierReason = ""
	}
	var contacts []Contact
	for i, c := range v.Contacts {
		c = Contact{Name: strings.TrimSpace(c.Name), Role: strings.TrimSpace(c.Role), Email: strings.TrimSpace(c.Email), Phone: strings.TrimSpace(c.Phone)}
		if c == (Contact{}) {
			continue
		}
		where := fmt.Sprintf("contacts[%d]", i)
		if c.Name == "" && c.Email == "" {
			return errs.New(errs.Invalid, where+": a contact needs a name or an email")
		}
		if c.Email != "" && !IsEmail(c.Email) {
			return errs.New(errs.Invalid, fmt.Sprintf("%s.email: %q is not an email address", where, c.Email))
		}
		if err := errs.Longest(errs.Field{Name: where + ".name", Value: c.Name, Max: 200}, errs.Field{Name: where + ".role", Value: c.Role, Max: 200},
			errs.Field{Name: where + ".email", Value: c.Email, Max: 254}, errs.Field{Name: where + ".phone", Value: c.Phone, Max: 50}); err != nil {
			return err
		}
		contacts = append(contacts, c)
	}
	if len(contacts) > 20 {
		return errs.New(errs.Invalid, fmt.Sprintf("contacts: at most 20 (this vendor has %d)", len(contacts)))
	}
	if contacts == nil {
		contacts = []Contact{}
	}
	v.Contacts = contacts
	v.Assets = uniq(v.Assets)
	v.Flows = uniq(v.Flows)
	return nil
}

// IsEmail reports whether s is a bare email address.
func IsEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	return err == nil && a.Address == s
}

func uniq(ids []string) []string {
	out := []string{}
	for _, id := range ids {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out
}

// A View is a vendor with what Safeguard derives of it and the names of
// what it links to, as the pages, the API and the command line show it.
type View struct {
	*Vendor
	BusinessAssociate bool     `json:"business_associate"`
	StatusLabel       string   `json:"status_label"`
	Tier              int      `json:"tier"`
	TierWhy           string   `json:"tier_why"`
	EPHI              []string `json:"ephi"`
	AssetNames        []string `json:"asset_names"`
	SubcontractorName string   `json:"subcontractor_of_name,omitempty"`
	// Agreement is where its business associate agreements stand, and
	// AgreementWhy says why.
	Agreement    AgreementStatus `json:"agreement"`
	AgreementWhy string          `json:"agreement_why"`
	// Review is where its reviews stand, NextReview the date of the
	// next, and ReviewWhy why.
	Review     ReviewStatus `json:"review"`
	NextReview string       `json:"next_review"`
	ReviewWhy  string       `json:"review_why"`
	// Questionnaire is where the newest questionnaire sent to it stands
	// ("" when none was); Score and Exceptions are its newest answers'.
	Questionnaire RequestStanding `json:"questionnaire"`
	Score         *int            `json:"questionnaire_score,omitempty"`
	Exceptions    int             `json:"questionnaire_exceptions"`
}

// AddQuestionnaires sets on each view where the questionnaires sent to
// its vendor (rs, every vendor's) stand at now.
func AddQuestionnaires(views []*View, rs []*Request, now time.Time) {
	newest := Newest(rs)
	last := map[string]*Request{}
	for _, r := range rs {
		if r.State == RequestRevoked {
			continue
		}
		if cur := last[r.VendorID]; cur == nil || r.SentAt.After(cur.SentAt) {
			last[r.VendorID] = r
		}
	}
	for _, v := range views {
		if r := last[v.ID]; r != nil {
			v.Questionnaire = r.Standing(now)
		}
		if a := newest[v.ID]; a != nil && a.Score != nil {
			p := a.Score.Percent
			v.Score, v.Exceptions = &p, len(a.Score.Exceptions)
		}
	}
}

// ViewOf is v's view; names gives the register's vendors' and the
// inventory's assets' names by id.
func ViewOf(v *Vendor, names map[string]string) *View {
	out := &View{Vendor: v, BusinessAssociate: v.Status == BusinessAssociate, StatusLabel: v.Status.Label(), Tier: v.Tier(), TierWhy: v.TierWhy(),
		EPHI: v.EPHIUses(), AssetNames: []string{}, SubcontractorName: names[v.SubcontractorOf]}
	if out.EPHI == nil {
		out.EPHI = []string{}
	}
	for _, id := range v.Assets {
		out.AssetNames = append(out.AssetNames, names[id])
	}
	return out
}

// Views are the register's views on day (YYYY-MM-DD), its vendors' links
// named from assets (the inventory's names by id) and from the register
// itself, each with where its agreements (as, every vendor's) and its
// reviews (rs, every vendor's) stand.
func Views(vs []*Vendor, assets map[string]string, as []*Agreement, rs []*Review, day string) []*View {
	names := make(map[string]string, len(assets)+len(vs))
	for id, name := range assets {
		names[id] = name
	}
	for _, v := range vs {
		names[v.ID] = v.Name
	}
	byVendor := map[string][]*Agreement{}
	for _, a := range as {
		byVendor[a.VendorID] = append(byVendor[a.VendorID], a)
	}
	reviews := map[string][]*Review{}
	for _, r := range rs {
		reviews[r.VendorID] = append(reviews[r.VendorID], r)
	}
	out := make([]*View, 0, len(vs))
	for _, v := range vs {
		view := ViewOf(v, names)
		view.Agreement, view.AgreementWhy, _ = Standing(v, byVendor[v.ID], day)
		view.Review, view.NextReview, view.ReviewWhy = ReviewStanding(v, reviews[v.ID], day)
		out = append(out, view)
	}
	return out
}
