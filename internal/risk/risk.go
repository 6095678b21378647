// Package risk is the risk analysis and risk management of the Security
// Rule (164.308(a)(1)(ii)(A) and (B)) done the way SP 800-66 Rev. 2,
// section 3, lays it out: the ePHI inventory, threats, vulnerabilities and
// predisposing conditions, current security measures, likelihood, impact,
// the level of risk, the response and the plan of action and milestones,
// and the dated analyses that freeze it all for the record.
package risk

import (
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// DateLayout is how the risk records write calendar dates.
const DateLayout = "2006-01-02"

// AssetType is the kind of an inventory entry.
type AssetType string

// The asset types the inventory knows.
const (
	System       AssetType = "system"
	Application  AssetType = "application"
	Device       AssetType = "device"
	Media        AssetType = "media"
	DataStore    AssetType = "data-store"
	CloudService AssetType = "cloud-service"
	Facility     AssetType = "facility"
)

// AssetTypes lists the types in display order.
var AssetTypes = []AssetType{System, Application, Device, Media, DataStore, CloudService, Facility}

// Label is the type's name for people.
func (t AssetType) Label() string {
	switch t {
	case DataStore:
		return "Data store"
	case CloudService:
		return "Cloud service"
	}
	s := string(t)
	if s == "" {
		return ""
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// ParseAssetType reads a type by its id or label, case-insensitively.
func ParseAssetType(s string) (AssetType, bool) {
	s = strings.TrimSpace(s)
	for _, t := range AssetTypes {
		if strings.EqualFold(s, string(t)) || strings.EqualFold(s, t.Label()) {
			return t, true
		}
	}
	return "", false
}

// Criticality is how much the organisation's work depends on an asset.
type Criticality string

// The criticality levels.
const (
	CriticalityLow      Criticality = "low"
	CriticalityModerate Criticality = "moderate"
	CriticalityHigh     Criticality = "high"
	CriticalityCritical Criticality = "critical"
)

// Criticalities lists the levels, lowest first.
var Criticalities = []Criticality{CriticalityLow, CriticalityModerate, CriticalityHigh, CriticalityCritical}

// ParseCriticality reads a level; "" is moderate.
func ParseCriticality(s string) (Criticality, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return CriticalityModerate, true
	}
	for _, c := range Criticalities {
		if strings.EqualFold(s, string(c)) {
			return c, true
		}
	}
	return "", false
}

// An Asset is an entry of the ePHI inventory: where ePHI is created,
// received, maintained or transmitted (164.306(a)(1); SP 800-66r2 section
// 3, "Identify where ePHI is").
type Asset struct {
	ID             string      `json:"id"`
	Name           string      `json:"name"`
	Type           AssetType   `json:"type"`
	Description    string      `json:"description,omitempty"`
	Creates        bool        `json:"creates"`
	Receives       bool        `json:"receives"`
	Maintains      bool        `json:"maintains"`
	Transmits      bool        `json:"transmits"`
	Records        int64       `json:"records"`
	Owner          string      `json:"owner,omitempty"`
	Location       string      `json:"location,omitempty"`
	Vendor         string      `json:"vendor,omitempty"`
	Criticality    Criticality `json:"criticality"`
	InternetFacing bool        `json:"internet_facing"`
	// Identifiers are what scanners and exports call the asset: hostnames,
	// FQDNs, IP addresses, image names.
	Identifiers []string  `json:"identifiers"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// HoldsEPHI reports whether the asset creates, receives, maintains or
// transmits ePHI.
func (a *Asset) HoldsEPHI() bool { return a.Creates || a.Receives || a.Maintains || a.Transmits }

// EPHIUses lists what the asset does with ePHI, as words.
func (a *Asset) EPHIUses() []string {
	var out []string
	for _, u := range []struct {
		on   bool
		word string
	}{{a.Creates, "creates"}, {a.Receives, "receives"}, {a.Maintains, "maintains"}, {a.Transmits, "transmits"}} {
		if u.on {
			out = append(out, u.word)
		}
	}
	return out
}

// Validate checks an asset's fields, naming the first that is wrong.
func (a *Asset) Validate() error {
	a.Name = strings.TrimSpace(a.Name)
	switch {
	case a.Name == "":
		return errs.New(errs.Invalid, "name: an asset needs a name")
	case utf8.RuneCountInString(a.Name) > 200:
		return errs.New(errs.Invalid, "name: at most 200 characters")
	}
	if _, ok := ParseAssetType(string(a.Type)); !ok {
		return errs.New(errs.Invalid, fmt.Sprintf("type: %q is not an asset type (%s)", a.Type, typeList()))
	}
	if a.Criticality == "" {
		a.Criticality = CriticalityModerate
	}
	if _, ok := ParseCriticality(string(a.Criticality)); !ok {
		return errs.New(errs.Invalid, fmt.Sprintf("criticality: %q is not low, moderate, high or critical", a.Criticality))
	}
	if a.Records < 0 {
		return errs.New(errs.Invalid, "records: cannot be negative")
	}
	if err := errs.Longest(errs.Field{Name: "description", Value: a.Description, Max: 2000}, errs.Field{Name: "owner", Value: a.Owner, Max: 200},
		errs.Field{Name: "location", Value: a.Location, Max: 200}, errs.Field{Name: "vendor", Value: a.Vendor, Max: 200}); err != nil {
		return err
	}
	var ids []string
	for _, id := range a.Identifiers {
		if id = strings.TrimSpace(id); id != "" && !slices.Contains(ids, id) {
			if err := errs.Longest(errs.Field{Name: "identifiers", Value: id, Max: 255}); err != nil {
				return err
			}
			ids = append(ids, id)
		}
	}
	if len(ids) > 100 {
		return errs.New(errs.Invalid, fmt.Sprintf("identifiers: at most 100 (this asset has %d)", len(ids)))
	}
	if ids == nil {
		ids = []string{}
	}
	a.Identifiers = ids
	return nil
}

func typeList() string {
	s := make([]string, len(AssetTypes))
	for i, t := range AssetTypes {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

// A Flow is ePHI moving from one asset to another.
type Flow struct {
	ID          string `json:"id"`
	From        string `json:"from"`
	To          string `json:"to"`
	Description string `json:"description"`
	Encrypted   bool   `json:"encrypted"`
}

// VulnerabilityKind tells a vulnerability from a predisposing condition
// (SP 800-30 Rev. 1, 2.3.4: a condition within the organisation that
// affects the likelihood that threat events result in adverse impacts).
type VulnerabilityKind string

// The kinds.
const (
	Weakness     VulnerabilityKind = "vulnerability"
	Predisposing VulnerabilityKind = "predisposing condition"
)

// VulnerabilityStatus is where a vulnerability stands: a proposal from an
// assessment waits for someone to confirm or dismiss it.
type VulnerabilityStatus string

// The statuses.
const (
	Proposed  VulnerabilityStatus = "proposed"
	Confirmed VulnerabilityStatus = "confirmed"
	Dismissed VulnerabilityStatus = "dismissed"
)

// A Vulnerability is a weakness or predisposing condition a threat can act
// through. One proposed from an assessment names the item and assessment
// it came from.
type Vulnerability struct {
	ID           string              `json:"id"`
	Title        string              `json:"title"`
	Description  string              `json:"description,omitempty"`
	Kind         VulnerabilityKind   `json:"kind"`
	Status       VulnerabilityStatus `json:"status"`
	ItemID       string              `json:"item_id,omitempty"`
	AssessmentID string              `json:"assessment_id,omitempty"`
	// CheckID and CheckResultID name the failing check that proposed the
	// vulnerability and its newest stored result: the evidence.
	CheckID       string    `json:"check_id,omitempty"`
	CheckResultID string    `json:"check_result_id,omitempty"`
	CreatedAt     time.Time `json:"created_at"`
}

// Validate checks a vulnerability's fields.
func (v *Vulnerability) Validate() error {
	v.Title = strings.TrimSpace(v.Title)
	if v.Title == "" {
		return errs.New(errs.Invalid, "title: a vulnerability needs a title")
	}
	if v.Kind == "" {
		v.Kind = Weakness
	}
	if v.Kind != Weakness && v.Kind != Predisposing {
		return errs.New(errs.Invalid, fmt.Sprintf("kind: %q is not %q or %q", v.Kind, Weakness, Predisposing))
	}
	if v.Status == "" {
		v.Status = Confirmed
	}
	if v.Status != Proposed && v.Status != Confirmed && v.Status != Dismissed {
		return errs.New(errs.Invalid, fmt.Sprintf("status: %q is not proposed, confirmed or dismissed", v.Status))
	}
	return nil
}

// Response is how a risk is treated (164.308(a)(1)(ii)(B): security
// measures sufficient to reduce risks to a reasonable and appropriate
// level).
type Response string

// The responses.
const (
	Unplanned Response = ""
	Mitigate  Response = "mitigate"
	Accept    Response = "accept"
	Transfer  Response = "transfer"
	Avoid     Response = "avoid"
)

// Responses lists the responses a risk can take.
var Responses = []Response{Mitigate, Accept, Transfer, Avoid}

// Label is the response for people.
func (r Response) Label() string {
	if r == Unplanned {
		return "Not decided"
	}
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}

// Status is whether a risk is still being managed.
type Status string

// The statuses.
const (
	Open   Status = "open"
	Closed Status = "closed"
)

// A Risk is a threat acting on one or more assets through a vulnerability,
// considering the security measures in place, rated for likelihood and for
// impact on confidentiality, integrity and availability.
type Risk struct {
	ID                  string    `json:"id"`
	Number              int       `json:"number"`
	Title               string    `json:"title"`
	Description         string    `json:"description,omitempty"`
	ThreatID            string    `json:"threat"`
	Assets              []string  `json:"assets"`
	Vulnerabilities     []string  `json:"vulnerabilities"`
	CurrentMeasures     string    `json:"current_measures,omitempty"`
	Likelihood          int       `json:"likelihood"`
	ImpactC             int       `json:"impact_confidentiality"`
	ImpactI             int       `json:"impact_integrity"`
	ImpactA             int       `json:"impact_availability"`
	LikelihoodRationale string    `json:"likelihood_rationale,omitempty"`
	ImpactRationale     string    `json:"impact_rationale,omitempty"`
	Owner               string    `json:"owner,omitempty"`
	Response            Response  `json:"response"`
	ResponseNotes       string    `json:"response_notes,omitempty"`
	AcceptedBy          string    `json:"accepted_by,omitempty"`
	AcceptedUntil       string    `json:"accepted_until,omitempty"`
	TargetLikelihood    int       `json:"target_likelihood"`
	TargetImpact        int       `json:"target_impact"`
	Items               []string  `json:"items"`
	Status              Status    `json:"status"`
	CreatedAt           time.Time `json:"created_at"`
	UpdatedAt           time.Time `json:"updated_at"`
}

// Ref is the risk's reference for people: R-001.
func (r *Risk) Ref() string { return Ref(r.Number) }

// Ref formats a risk number.
func Ref(n int) string { return fmt.Sprintf("R-%03d", n) }

// Impact is the highest of the three impacts: the risk is as bad as its
// worst consequence.
func (r *Risk) Impact() int { return max(r.ImpactC, r.ImpactI, r.ImpactA) }

// Rated reports whether likelihood and at least one impact are rated.
func (r *Risk) Rated() bool { return r.Likelihood > 0 && r.Impact() > 0 }

// AcceptanceExpired reports whether an accepted risk's acceptance has run
// out on day today, so it comes back for review.
func (r *Risk) AcceptanceExpired(today string) bool {
	return r.Status == Open && r.Response == Accept && r.AcceptedUntil != "" && r.AcceptedUntil < today
}

// Validate checks a risk against the organisation's scales, naming the
// field that is wrong.
func (r *Risk) Validate(s *Scales) error {
	r.Title = strings.TrimSpace(r.Title)
	if r.Title == "" {
		return errs.New(errs.Invalid, "title: a risk needs a title")
	}
	if len(r.Assets) == 0 {
		return errs.New(errs.Invalid, "assets: a risk acts on at least one asset")
	}
	if r.ThreatID == "" {
		return errs.New(errs.Invalid, "threat: a risk names the threat")
	}
	for _, c := range []struct {
		field string
		v     int
		imp   bool
	}{{"likelihood", r.Likelihood, false}, {"impact_confidentiality", r.ImpactC, true}, {"impact_integrity", r.ImpactI, true},
		{"impact_availability", r.ImpactA, true}, {"target_likelihood", r.TargetLikelihood, false}, {"target_impact", r.TargetImpact, true}} {
		var err error
		if c.imp {
			err = s.CheckImpact(c.field, c.v)
		} else {
			err = s.CheckLikelihood(c.field, c.v)
		}
		if err != nil {
			return err
		}
	}
	switch r.Response {
	case Unplanned, Mitigate, Transfer, Avoid:
	case Accept:
		if strings.TrimSpace(r.AcceptedBy) == "" {
			return errs.New(errs.Invalid, "accepted_by: say who accepted the risk")
		}
		if r.AcceptedUntil == "" {
			return errs.New(errs.Invalid, "accepted_until: an acceptance runs until a date, when the risk comes back for review")
		}
	default:
		return errs.New(errs.Invalid, fmt.Sprintf("response: %q is not mitigate, accept, transfer or avoid", r.Response))
	}
	if err := checkDate("accepted_until", r.AcceptedUntil); err != nil {
		return err
	}
	if r.Status == "" {
		r.Status = Open
	}
	if r.Status != Open && r.Status != Closed {
		return errs.New(errs.Invalid, fmt.Sprintf("status: %q is not open or closed", r.Status))
	}
	return nil
}

func checkDate(field, s string) error {
	if s == "" {
		return nil
	}
	if _, err := time.Parse(DateLayout, s); err != nil {
		return errs.New(errs.Invalid, fmt.Sprintf("%s: %q is not a date (YYYY-MM-DD)", field, s))
	}
	return nil
}

// ActionStatus is where an action of the plan stands.
type ActionStatus string

// The statuses.
const (
	Planned    ActionStatus = "planned"
	InProgress ActionStatus = "in-progress"
	Done       ActionStatus = "done"
	Cancelled  ActionStatus = "cancelled"
)

// ActionStatuses lists them in order.
var ActionStatuses = []ActionStatus{Planned, InProgress, Done, Cancelled}

// An Action is a step of a risk's plan: a milestone of the POA&M.
type Action struct {
	ID          string       `json:"id"`
	RiskID      string       `json:"risk"`
	Title       string       `json:"title"`
	Owner       string       `json:"owner,omitempty"`
	Due         string       `json:"due,omitempty"`
	Status      ActionStatus `json:"status"`
	CompletedOn string       `json:"completed_on,omitempty"`
	Notes       string       `json:"notes,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
}

// Open reports whether the action is still to do.
func (a *Action) Open() bool { return a.Status == Planned || a.Status == InProgress }

// Validate checks an action's fields.
func (a *Action) Validate() error {
	a.Title = strings.TrimSpace(a.Title)
	if a.Title == "" {
		return errs.New(errs.Invalid, "title: an action needs a title")
	}
	if a.Status == "" {
		a.Status = Planned
	}
	ok := false
	for _, s := range ActionStatuses {
		ok = ok || s == a.Status
	}
	if !ok {
		return errs.New(errs.Invalid, fmt.Sprintf("status: %q is not planned, in-progress, done or cancelled", a.Status))
	}
	if err := checkDate("due", a.Due); err != nil {
		return err
	}
	if a.Status == Done && a.CompletedOn == "" {
		return errs.New(errs.Invalid, "completed_on: a done action says when it was done")
	}
	return checkDate("completed_on", a.CompletedOn)
}

// Slip is how many days an action is or was late on day today: an open
// action past its due date, or one done after it. 0 when on time or with
// no due date.
func (a *Action) Slip(today string) int {
	if a.Due == "" || a.Status == Cancelled {
		return 0
	}
	end := today
	if a.Status == Done {
		end = a.CompletedOn
	}
	due, err1 := time.Parse(DateLayout, a.Due)
	at, err2 := time.Parse(DateLayout, end)
	if err1 != nil || err2 != nil || !at.After(due) {
		return 0
	}
	return int(at.Sub(due).Hours() / 24)
}
