package risk

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// AnalysisStatus is draft until finalised.
type AnalysisStatus string

// The statuses.
const (
	Draft AnalysisStatus = "draft"
	Final AnalysisStatus = "final"
)

// DefaultReviewMonths is how long a finalised analysis stands before the
// periodic review is due: Safeguard's default of a year. The Security Rule
// sets no interval; 164.316(b)(2)(iii) asks for periodic review and update
// "as needed, in response to environmental or operational changes".
const DefaultReviewMonths = 12

// DefaultMethod describes how the analysis is done, for the report.
const DefaultMethod = "Following NIST SP 800-66 Rev. 2, section 3 (the risk assessment steps: prepare; identify where ePHI is created, received, maintained, processed or transmitted; identify realistic threats; identify potential vulnerabilities and predisposing conditions; assess current security measures; determine the likelihood of a threat exploiting a vulnerability; determine the impact; determine the level of risk; document the results), and 45 CFR 164.308(a)(1)(ii)(A) and (B). Each risk is a threat acting on one or more inventoried assets through a vulnerability or predisposing condition, rated for likelihood and for impact on confidentiality, integrity and availability on the scales below; the risk level is read from the matrix, taking the highest of the three impacts. Each risk has a response and, where mitigated, a plan of actions with owners and due dates and a target residual rating."

// An Analysis is a dated, versioned risk analysis document with its scope.
// Finalising freezes the register into it.
type Analysis struct {
	ID          string         `json:"id"`
	Version     int            `json:"version"`
	Title       string         `json:"title"`
	Scope       string         `json:"scope"`
	Method      string         `json:"method"`
	Status      AnalysisStatus `json:"status"`
	PreviousID  string         `json:"previous,omitempty"`
	CreatedAt   time.Time      `json:"created_at"`
	CreatedBy   string         `json:"created_by"`
	FinalizedAt *time.Time     `json:"finalized_at,omitempty"`
	FinalizedBy string         `json:"finalized_by,omitempty"`
	Approver    string         `json:"approver,omitempty"`
	ReviewBy    string         `json:"review_by,omitempty"`
	SHA256      string         `json:"sha256,omitempty"`
}

// Validate checks an analysis's fields.
func (a *Analysis) Validate() error {
	a.Title = strings.TrimSpace(a.Title)
	if a.Title == "" {
		return errs.New(errs.Invalid, "title: a risk analysis needs a title")
	}
	if strings.TrimSpace(a.Scope) == "" {
		return errs.New(errs.Invalid, "scope: say what the analysis covers (SP 800-66r2 3: the scope includes all ePHI the organisation creates, receives, maintains or transmits)")
	}
	return checkDate("review_by", a.ReviewBy)
}

// DocumentFormat names the frozen document's format.
const DocumentFormat = "safeguard.risk-analysis/v1"

// A Document is a risk analysis as a report shows it: the analysis, the
// organisation, the threats considered and the register at one moment.
// A final analysis's document is frozen and hashed.
type Document struct {
	Format       string    `json:"format"`
	Organization string    `json:"organization"`
	Analysis     Analysis  `json:"analysis"`
	AsOf         time.Time `json:"as_of"`
	Threats      []*Threat `json:"threats"`
	// Vendors are the vendor register as it stood, each vendor with where
	// its business associate agreement stands (as the HHS SRA Tool lists
	// business associates); absent from documents made before the
	// register was kept.
	Vendors []VendorLine `json:"vendors,omitempty"`
	// What OCR's risk analysis guidance and audit protocol ask a risk
	// analysis to show beside the register; each absent from documents
	// made before Safeguard recorded it.
	//
	// Gathering is how the data was gathered and who took part.
	Gathering *Gathering `json:"gathering,omitempty"`
	// Prior are the organisation's other analyses, newest first.
	Prior []PriorLine `json:"prior,omitempty"`
	// Triggers are what calls for the analysis to be reviewed: the
	// interval and the changes open as it stood.
	Triggers []string `json:"triggers,omitempty"`
	// Measures are the current security measures as Safeguard's checks
	// found them configured and used in the organisation's data.
	Measures []MeasureLine `json:"measures,omitempty"`
	// Decisions are the addressable decisions (164.306(d)(3)) of the
	// newest Security Rule assessment.
	Decisions []DecisionLine `json:"decisions,omitempty"`
	// Provisions are the Security Rule provisions each risk (by id)
	// concerns: those of the vulnerabilities it acts through.
	Provisions map[string][]string `json:"provisions,omitempty"`
	Register
}

// Gathering says how a risk analysis's data was gathered: the people who
// recorded it (from the audit trail) and the data imported from the
// organisation's systems.
type Gathering struct {
	Participants []string `json:"participants"`
	Imports      []string `json:"imports"`
}

// A PriorLine is another analysis of the organisation.
type PriorLine struct {
	Version   int    `json:"version"`
	Title     string `json:"title"`
	Status    string `json:"status"`
	Finalized string `json:"finalized,omitempty"` // YYYY-MM-DD
	Approver  string `json:"approver,omitempty"`
	ReviewBy  string `json:"review_by,omitempty"`
}

// A MeasureLine is one security measure as a check found it.
type MeasureLine struct {
	Check      string `json:"check"`
	Provisions string `json:"provisions"`
	Verdict    string `json:"verdict"`
	Detail     string `json:"detail"`
	RanAt      string `json:"ran_at"`
}

// A DecisionLine is one addressable specification's documented decision.
type DecisionLine struct {
	Citation string `json:"citation"`
	Title    string `json:"title"`
	Decision string `json:"decision"`
	Reason   string `json:"reason,omitempty"`
	Measure  string `json:"measure,omitempty"`
}

// A VendorLine is a vendor as a risk analysis records it.
type VendorLine struct {
	Name         string `json:"name"`
	Services     string `json:"services,omitempty"`
	Status       string `json:"status"` // business associate, subcontractor of one, …
	EPHI         string `json:"ephi,omitempty"`
	Records      int64  `json:"records"`
	Tier         int    `json:"tier"`
	Agreement    string `json:"agreement"` // current, expired, missing, …
	AgreementWhy string `json:"agreement_why"`
	Review       string `json:"review"`
	NextReview   string `json:"next_review"`
}

// NewDocument assembles the document of an analysis from the register as
// it stands at asOf.
func NewDocument(orgName string, a Analysis, g *Register, asOf time.Time) *Document {
	return &Document{Format: DocumentFormat, Organization: orgName, Analysis: a, AsOf: asOf.UTC(), Threats: g.Catalog.Threats, Register: *g}
}

// Seal returns the document's canonical JSON and its SHA-256.
func (d *Document) Seal() ([]byte, string, error) {
	b, err := json.Marshal(d)
	if err != nil {
		return nil, "", errs.Wrap(errs.Internal, "", err)
	}
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:]), nil
}

// ParseDocument reads a frozen document, reattaching the threat catalog it
// carries.
func ParseDocument(b []byte) (*Document, error) {
	var d Document
	if err := json.Unmarshal(b, &d); err != nil {
		return nil, errs.Wrap(errs.Internal, "risk analysis snapshot", err)
	}
	if d.Format != DocumentFormat {
		return nil, errs.New(errs.Internal, fmt.Sprintf("risk analysis snapshot: format %q is not %q", d.Format, DocumentFormat))
	}
	d.Catalog = &Threats{Threats: d.Threats, byID: map[string]*Threat{}}
	for _, t := range d.Threats {
		d.Catalog.byID[t.ID] = t
	}
	return &d, nil
}

// Today is the day of t as the register compares dates.
func Today(t time.Time) string { return t.UTC().Format(DateLayout) }
