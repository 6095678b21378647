// Package catalog holds the regulatory frameworks Safeguard knows: the HIPAA
// Security Rule with the NIST SP 800-66 Rev. 2 guidance attached to it, the
// HHS Healthcare and Public Health Cybersecurity Performance Goals and NIST
// CSF 2.0. They ship inside the binary as JSON data files (see data/), each
// item citing its primary source, and are loaded into an immutable Registry
// that is validated before anything else runs.
package catalog

import "strings"

// Framework names accepted on the command line and in URLs.
const (
	HIPAASecurityRule = "hipaa-security-rule"
	HPHCPG            = "hph-cpg"
	NISTCSF2          = "nist-csf-2.0"
	// HIPAANPRM2025 is the proposed modification of the Security Rule
	// (90 FR 898, 6 January 2025): a proposal, not law.
	HIPAANPRM2025 = "hipaa-security-rule-nprm-2025"
)

// Item kinds.
const (
	KindSection  = "section"
	KindStandard = "standard"
	KindImplSpec = "implementation_specification"
	// KindGeneral is a paragraph of 164.306, the Security Rule's general
	// rules, that states a duty answered for on its own: general
	// requirements, flexibility of approach, maintenance.
	KindGeneral     = "general_requirement"
	KindGoal        = "goal"
	KindFunction    = "function"
	KindCategory    = "category"
	KindSubcategory = "subcategory"
	// KindControl is a control of a catalog an organisation imported in
	// OSCAL (NIST SP 800-53 Rev. 5, one of its baselines), with its
	// enhancements as controls under it.
	KindControl = "control"
	// KindProposal is a requirement a proposed rule would add or change,
	// as the proposal states it.
	KindProposal = "proposal"
)

// What a framework is in law.
const (
	BasisRegulation = "regulation"
	BasisGuidance   = "guidance"
	// BasisProposed is a rule proposed and not (yet) adopted: it binds no
	// one.
	BasisProposed = "proposed"
)

// CPG tiers.
const (
	TierEssential = "essential"
	TierEnhanced  = "enhanced"
)

// Framework is one body of rules or guidance, as published, with its items in
// document order.
type Framework struct {
	ID        string `json:"id"`     // "hipaa-security-rule"
	Prefix    string `json:"prefix"` // item id prefix: "hipaa-sr"
	Name      string `json:"name"`
	ShortName string `json:"short_name"`
	Version   string `json:"version"`
	Publisher string `json:"publisher"`
	// Basis is what the framework is in law: BasisRegulation (it binds
	// those it applies to), BasisGuidance (voluntary) or BasisProposed (a
	// proposed rule, binding no one).
	Basis  string   `json:"basis"`
	Source Source   `json:"source"`
	Notes  []string `json:"notes,omitempty"` // what the data does and does not hold, and why
	Items  []*Item  `json:"items"`
}

// Source says where a fact comes from. Wording says whether Text is the
// publisher's own words ("verbatim") or a summary written for Safeguard
// because the publisher's wording could not be reached ("summary").
type Source struct {
	Document string `json:"document"`
	Citation string `json:"citation,omitempty"`
	URL      string `json:"url,omitempty"`
	Wording  string `json:"wording,omitempty"`
	Note     string `json:"note,omitempty"`
}

// Item is one requirement, goal or outcome.
type Item struct {
	ID       string `json:"id"`       // "hipaa-sr/164.312(d)"
	Citation string `json:"citation"` // "164.312(d)", "PR.AA-03", "Essential goal 3"
	Title    string `json:"title"`
	Kind     string `json:"kind"`
	// Required is set for implementation specifications only: true for
	// Required, false for Addressable.
	Required *bool  `json:"required,omitempty"`
	Tier     string `json:"tier,omitempty"`
	Parent   string `json:"parent,omitempty"`
	// LeadIn is the wording of an enclosing paragraph that the item's own text
	// completes ("Implement:", "The plan documents ... must ... require the
	// plan sponsor to—").
	LeadIn  string `json:"lead_in,omitempty"`
	Text    string `json:"text"`
	Outcome string `json:"outcome,omitempty"` // CPG desired outcome
	// Discussion is an imported control's guidance, as its catalog gives it.
	Discussion string   `json:"discussion,omitempty"`
	Aliases    []string `json:"aliases,omitempty"` // other citations for the same item (e.g. NIST's numbering)
	// Withdrawn marks CSF identifiers NIST keeps only to say where they went.
	Withdrawn bool      `json:"withdrawn,omitempty"`
	Source    Source    `json:"source"`
	Mappings  []Mapping `json:"mappings,omitempty"`
	// References are related items of frameworks Safeguard does not carry
	// (CISA cross-sector CPGs, 405(d) HICP practices).
	References []Reference `json:"references,omitempty"`
	Guidance   *Guidance   `json:"guidance,omitempty"`
}

// Mapping relates an item to another item of the catalog. Basis says who
// drew the line: the publisher of one side, or Safeguard itself.
type Mapping struct {
	To        string `json:"to"`
	Basis     string `json:"basis"`
	Rationale string `json:"rationale,omitempty"`
}

// Reference names an item of a framework Safeguard does not carry.
type Reference struct {
	Framework string `json:"framework"`
	ID        string `json:"id"`
	Title     string `json:"title,omitempty"`
	Basis     string `json:"basis"`
}

// Guidance is NIST SP 800-66r2's section 5 material for one standard.
type Guidance struct {
	Source        Source        `json:"source"`
	KeyActivities []KeyActivity `json:"key_activities"`
	Publications  []Publication `json:"publications,omitempty"`
}

// KeyActivity is one of SP 800-66r2's key activities with its description
// and sample questions.
type KeyActivity struct {
	ID    string `json:"id"` // NIST's identifier, "KA_164.308(a)(1).1"
	Title string `json:"title"`
	// Specs lists the implementation specifications the activity carries out.
	Specs           []string    `json:"specs,omitempty"`
	Description     []Paragraph `json:"description"`
	SampleQuestions []Question  `json:"sample_questions"`
}

// Paragraph is a description paragraph with its sub-points.
type Paragraph struct {
	Text string   `json:"text"`
	Sub  []string `json:"sub,omitempty"`
}

// Question is a sample question, with the sub-questions NIST lists under it.
type Question struct {
	ID   string     `json:"id"`
	Text string     `json:"text"`
	Sub  []Question `json:"sub,omitempty"`
}

// Publication is a related NIST publication SP 800-66r2 points to.
type Publication struct {
	Title string `json:"title"`
	URL   string `json:"url"`
}

// IsRequired reports Required/Addressable for implementation specifications.
func (it *Item) IsRequired() (required, ok bool) {
	if it.Required == nil {
		return false, false
	}
	return *it.Required, true
}

// LocalID is the item id without its framework prefix: "164.312(d)".
func (it *Item) LocalID() string {
	if _, local, ok := strings.Cut(it.ID, "/"); ok {
		return local
	}
	return it.ID
}
