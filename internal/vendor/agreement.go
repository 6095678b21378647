package vendor

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// A Term is something an agreement with a vendor should say, with where
// the requirement comes from.
type Term struct {
	ID       string `json:"id"`
	Title    string `json:"title"`
	Text     string `json:"text"`
	Citation string `json:"citation"`
	// Basis is regulation (the HIPAA Rules), hph-cpg (HHS's performance
	// goals as Safeguard reads them) or safeguard (Safeguard's own).
	Basis string `json:"basis"`
	// Required terms are what every business associate agreement must
	// say; the others are what the goals ask of vendors.
	Required bool   `json:"required,omitempty"`
	Goal     string `json:"goal,omitempty"`
	Note     string `json:"note,omitempty"`
}

//go:embed terms.json
var termsJSON []byte

// Terms are the terms Safeguard checks agreements for, the required
// first.
var Terms = func() []Term {
	var doc struct {
		Terms []Term `json:"terms"`
	}
	if err := json.Unmarshal(termsJSON, &doc); err != nil {
		panic("vendor: terms.json: " + err.Error())
	}
	for _, t := range doc.Terms {
		if t.ID == "" || t.Title == "" || t.Text == "" || t.Citation == "" || !slices.Contains([]string{"regulation", "hph-cpg", "safeguard"}, t.Basis) {
			panic("vendor: terms.json: an incomplete term " + t.ID)
		}
	}
	return doc.Terms
}()

// TermByID finds a term.
func TermByID(id string) (Term, bool) {
	i := slices.IndexFunc(Terms, func(t Term) bool { return t.ID == id })
	if i < 0 {
		return Term{}, false
	}
	return Terms[i], true
}

// AgreementKind is what an agreement is.
type AgreementKind string

// The kinds of agreement.
const (
	// BAA is a business associate agreement (164.314(a)(2)(i)).
	BAA AgreementKind = "baa"
	// OtherArrangement is the other arrangement 164.314(a)(2)(ii) allows
	// (164.504(e)(3): between government entities, for instance).
	OtherArrangement AgreementKind = "other-arrangement"
	// Contract is any other contract with the vendor (a master services
	// agreement, a security addendum).
	Contract AgreementKind = "contract"
)

// AgreementKinds lists the kinds.
var AgreementKinds = []AgreementKind{BAA, OtherArrangement, Contract}

// Label names a kind in words.
func (k AgreementKind) Label() string {
	switch k {
	case BAA:
		return "business associate agreement"
	case OtherArrangement:
		return "other arrangement (164.314(a)(2)(ii))"
	}
	return "contract"
}

// A TermMark says whether an agreement has a term, and where.
type TermMark struct {
	Present bool   `json:"present"`
	Where   string `json:"where,omitempty"` // the section, clause or page
}

// An Agreement is a signed (or awaited) agreement with a vendor.
type Agreement struct {
	ID          string        `json:"id"`
	VendorID    string        `json:"vendor_id"`
	Kind        AgreementKind `json:"kind"`
	Title       string        `json:"title"`
	SignedOn    string        `json:"signed_on,omitempty"`    // YYYY-MM-DD; "" while unsigned
	EffectiveOn string        `json:"effective_on,omitempty"` // YYYY-MM-DD
	ExpiresOn   string        `json:"expires_on,omitempty"`   // YYYY-MM-DD; "" for no end
	ReviewBy    string        `json:"review_by,omitempty"`    // YYYY-MM-DD: when it is next to be reviewed
	ReviewedOn  string        `json:"reviewed_on,omitempty"`  // YYYY-MM-DD: when it was last
	// EvidenceID is the agreement's document in the evidence vault.
	EvidenceID string `json:"evidence_id,omitempty"`
	// NoticeHours is the time within which the vendor promises to notify
	// the organisation of an incident; 0 when the agreement states none.
	NoticeHours int                 `json:"notice_hours,omitempty"`
	Terms       map[string]TermMark `json:"terms"`
	Notes       string              `json:"notes,omitempty"`
	CreatedAt   time.Time           `json:"created_at"`
	UpdatedAt   time.Time           `json:"updated_at"`
}

func validDate(field, s string) error {
	if s == "" {
		return nil
	}
	if _, err := time.Parse(time.DateOnly, s); err != nil {
		return errs.New(errs.Invalid, fmt.Sprintf("%s: %q is not a date (YYYY-MM-DD)", field, s))
	}
	return nil
}

// Validate checks and tidies an agreement's fields, naming the first that
// is wrong.
func (a *Agreement) Validate() error {
	a.Title = strings.TrimSpace(a.Title)
	if a.Kind == "" {
		a.Kind = BAA
	}
	if !slices.Contains(AgreementKinds, a.Kind) {
		return errs.New(errs.Invalid, fmt.Sprintf("kind: %q is not baa, other-arrangement or contract", a.Kind))
	}
	if a.Title == "" {
		a.Title = a.Kind.Label()
	}
	if utf8.RuneCountInString(a.Title) > 200 {
		return errs.New(errs.Invalid, "title: at most 200 characters")
	}
	if err := errs.Longest(errs.Field{Name: "notes", Value: a.Notes, Max: 4000}); err != nil {
		return err
	}
	for _, d := range []struct{ field, value string }{{"signed_on", a.SignedOn}, {"effective_on", a.EffectiveOn}, {"expires_on", a.ExpiresOn}, {"review_by", a.ReviewBy}, {"reviewed_on", a.ReviewedOn}} {
		if err := validDate(d.field, d.value); err != nil {
			return err
		}
	}
	if a.EffectiveOn == "" {
		a.EffectiveOn = a.SignedOn
	}
	if a.ExpiresOn != "" && a.EffectiveOn != "" && a.ExpiresOn < a.EffectiveOn {
		return errs.New(errs.Invalid, fmt.Sprintf("expires_on: %s is before the agreement takes effect (%s)", a.ExpiresOn, a.EffectiveOn))
	}
	if a.NoticeHours < 0 || a.NoticeHours > 24*365 {
		return errs.New(errs.Invalid, fmt.Sprintf("notice_hours: %d is not a number of hours within a year", a.NoticeHours))
	}
	terms := map[string]TermMark{}
	for id, m := range a.Terms {
		if _, ok := TermByID(id); !ok {
			return errs.New(errs.Invalid, fmt.Sprintf("terms: %q is not a term Safeguard knows", id))
		}
		m.Where = strings.TrimSpace(m.Where)
		if err := errs.Longest(errs.Field{Name: "terms." + id + ".where", Value: m.Where, Max: 200}); err != nil {
			return err
		}
		if m.Present || m.Where != "" {
			m.Present = true
			terms[id] = m
		}
	}
	if a.NoticeHours > 0 {
		if _, ok := terms["incident-notice-time"]; !ok {
			terms["incident-notice-time"] = TermMark{Present: true}
		}
	}
	a.Terms = terms
	return nil
}

// Missing lists the required terms the agreement lacks (a business
// associate agreement's; a contract's are not judged).
func (a *Agreement) Missing() []Term {
	var out []Term
	for _, t := range Terms {
		if t.Required && !a.Terms[t.ID].Present {
			out = append(out, t)
		}
	}
	return out
}

// InForce reports whether the agreement binds on day: signed, begun and
// not ended.
func (a *Agreement) InForce(day string) bool {
	return a.SignedOn != "" && (a.ExpiresOn == "" || a.ExpiresOn >= day) && (a.EffectiveOn == "" || a.EffectiveOn <= day)
}

// Covers reports whether the agreement is a business associate agreement
// or the other arrangement the Security Rule allows in its place.
func (a *Agreement) Covers() bool { return a.Kind == BAA || a.Kind == OtherArrangement }

// AgreementStatus is where a vendor's agreements stand.
type AgreementStatus string

// The statuses, worst first.
const (
	AgreementMissing    AgreementStatus = "missing"        // a business associate without an agreement
	AgreementExpired    AgreementStatus = "expired"        // its newest agreement has ended
	AgreementUnsigned   AgreementStatus = "unsigned"       // awaited, not yet signed
	AgreementIncomplete AgreementStatus = "incomplete"     // lacks terms the rules require
	AgreementReviewDue  AgreementStatus = "review-overdue" // its review date has passed
	AgreementCurrent    AgreementStatus = "current"
	AgreementNotNeeded  AgreementStatus = "not-needed" // not a business associate
)

// Standing says where a vendor's business associate agreements stand on
// day (YYYY-MM-DD), judging the one in force (signed, effective, latest
// to end), with why: a business associate needs one (164.308(b)(1),
// (b)(3)); it must not have ended, must say what 164.314(a)(2)(i) and
// 164.504(e)(2)(ii)(J) require, and is reviewed by its date.
func Standing(v *Vendor, as []*Agreement, day string) (AgreementStatus, string, *Agreement) {
	if v.Status != BusinessAssociate {
		return AgreementNotNeeded, "not a business associate: no agreement is required (" + v.Status.Label() + ")", nil
	}
	var best *Agreement
	for _, a := range as {
		if !a.Covers() || a.VendorID != v.ID {
			continue
		}
		if best == nil || better(a, best) {
			best = a
		}
	}
	switch {
	case best == nil:
		return AgreementMissing, "no business associate agreement is recorded (164.308(b)(1), (b)(3))", nil
	case best.SignedOn == "":
		return AgreementUnsigned, best.Title + " is not signed yet", best
	case best.ExpiresOn != "" && best.ExpiresOn < day:
		return AgreementExpired, fmt.Sprintf("%s ended on %s", best.Title, best.ExpiresOn), best
	}
	if missing := best.Missing(); len(missing) > 0 {
		var names []string
		for _, t := range missing {
			names = append(names, t.Title+" ("+t.Citation+")")
		}
		return AgreementIncomplete, best.Title + " does not say: " + strings.Join(names, "; "), best
	}
	if best.ReviewBy != "" && best.ReviewBy < day {
		return AgreementReviewDue, fmt.Sprintf("%s was to be reviewed by %s", best.Title, best.ReviewBy), best
	}
	return AgreementCurrent, fmt.Sprintf("%s, signed %s", best.Title, best.SignedOn), best
}

// better reports whether a stands before b as the agreement in force:
// signed before unsigned, then the one ending last (no end last of all),
// then the latest to take effect.
func better(a, b *Agreement) bool {
	if (a.SignedOn != "") != (b.SignedOn != "") {
		return a.SignedOn != ""
	}
	ea, eb := a.ExpiresOn, b.ExpiresOn
	if ea == "" {
		ea = "9999-12-31"
	}
	if eb == "" {
		eb = "9999-12-31"
	}
	if ea != eb {
		return ea > eb
	}
	return a.EffectiveOn > b.EffectiveOn
}
