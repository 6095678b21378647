package checkrun

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// VendorSource is what the vendor checks read: the register, every
// vendor's agreements and the questionnaires sent to them.
type VendorSource interface {
	Vendors(ctx context.Context) ([]*vendor.Vendor, error)
	Agreements(ctx context.Context, vendorID string) ([]*vendor.Agreement, error)
	QuestionnaireRequests(ctx context.Context, vendorID string) ([]*vendor.Request, error)
}

// cyberTerms are the terms vendor.requirements looks for.
var cyberTerms = []string{"mfa", "encryption", "incident-notice-time", "vulnerability-disclosure"}

// VendorResults judges the vendor checks (vendor.baa,
// vendor.requirements, vendor.disclosure, vendor.incident-reporting) on
// now from the register, the agreements and the vendors' answers to
// questionnaires.
func VendorResults(ctx context.Context, src VendorSource, now time.Time, sink RecordSink) ([]*check.Result, error) {
	vs, err := src.Vendors(ctx)
	if err != nil {
		return nil, err
	}
	as, err := src.Agreements(ctx, "")
	if err != nil {
		return nil, err
	}
	rs, err := src.QuestionnaireRequests(ctx, "")
	if err != nil {
		return nil, err
	}
	day := now.UTC().Format(time.DateOnly)
	byVendor := map[string][]*vendor.Agreement{}
	for _, a := range as {
		byVendor[a.VendorID] = append(byVendor[a.VendorID], a)
	}
	qs := questionnaires(rs, now)
	var out []*check.Result
	for _, judge := range []func([]*vendor.Vendor, map[string][]*vendor.Agreement, string) *check.Result{baaResult, requirementsResult, disclosureResult, incidentResult} {
		r := judge(vs, byVendor, day)
		if r.Check.ID != "vendor.baa" && r.GoalStatus != assessment.Unknown {
			qs.judge(r, vs)
		}
		r.Status = verdict(r.GoalStatus)
		if err := finish(r, sink); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
}

func vendorRecord(v *vendor.Vendor, reason string, weight int) check.Record {
	return check.Record{Kind: "vendor", ID: v.ID, Label: v.Name, Reason: reason, Weight: weight}
}

// baaResult judges vendor.baa.
func baaResult(vs []*vendor.Vendor, byVendor map[string][]*vendor.Agreement, day string) *check.Result {
	c, _ := check.ByID("vendor.baa")
	r := &check.Result{Check: c, Counts: map[string]int{"vendors": len(vs)}, Records: []check.Record{}}
	if len(vs) == 0 {
		r.GoalStatus, r.Detail = assessment.Unknown, "the vendor register is empty: list the organisation's vendors and which of them are business associates"
		return r
	}
	var failing, warned, undetermined []string
	for _, v := range vs {
		if v.Status == vendor.Undetermined {
			r.Counts["undetermined"]++
			undetermined = append(undetermined, v.Name)
			r.Records = append(r.Records, vendorRecord(v, "not yet determined whether it is a business associate", 1))
			continue
		}
		status, why, _ := vendor.Standing(v, byVendor[v.ID], day)
		if status == vendor.AgreementNotNeeded {
			continue
		}
		r.Counts["business_associates"]++
		r.Counts[string(status)]++
		switch status {
		case vendor.AgreementCurrent:
		case vendor.AgreementReviewDue:
			warned = append(warned, v.Name)
			r.Records = append(r.Records, vendorRecord(v, why, 1))
		default:
			failing = append(failing, v.Name+" ("+string(status)+")")
			r.Records = append(r.Records, vendorRecord(v, why, 3))
		}
	}
	switch {
	case len(failing) > 0:
		r.GoalStatus = assessment.NotMet
		r.Detail = fmt.Sprintf("%s of %d without a current agreement: %s", plural(len(failing), "business associate", "business associates"), r.Counts["business_associates"], strings.Join(clipNames(failing, 5), ", "))
	case len(warned)+len(undetermined) > 0:
		r.GoalStatus = assessment.PartlyMet
		var parts []string
		if len(warned) > 0 {
			parts = append(parts, "agreements due for review: "+strings.Join(clipNames(warned, 5), ", "))
		}
		if len(undetermined) > 0 {
			parts = append(parts, "not yet determined: "+strings.Join(clipNames(undetermined, 5), ", "))
		}
		r.Detail = strings.Join(parts, "; ")
	case r.Counts["business_associates"] == 0:
		r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("none of the %s is a business associate", plural(len(vs), "vendor", "vendors"))
	default:
		r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("every one of %s under a current agreement", plural(r.Counts["business_associates"], "business associate", "business associates"))
	}
	return r
}

// inForce is what the agreements a vendor has in force (signed, not ended
// on day, any kind) say: the terms, and the shortest notice promised.
func inForce(as []*vendor.Agreement, day string) (terms map[string]bool, hours int, any bool) {
	terms = map[string]bool{}
	for _, a := range as {
		if !a.InForce(day) {
			continue
		}
		any = true
		for id, m := range a.Terms {
			if m.Present {
				terms[id] = true
			}
		}
	}
	return terms, vendor.PromisedHours(as, day), any
}

// contracted are the vendors the goals' vendor checks look at: tier 1 or
// 2, and the organisation's own (not its business associates'
// subcontractors).
func contracted(vs []*vendor.Vendor) []*vendor.Vendor {
	var out []*vendor.Vendor
	for _, v := range vs {
		if v.Status != vendor.Subcontractor && v.Tier() <= 2 {
			out = append(out, v)
		}
	}
	return out
}

// tiered judges a goal's vendor check: each vendor's verdict by its tier
// (a tier 1 vendor failing fails the check; a tier 2 vendor failing, or
// any vendor only partly there, makes it partly met).
type tiered struct {
	r                *check.Result
	failing, partial []string
}

func (t *tiered) fail(v *vendor.Vendor, why string) {
	t.r.Records = append(t.r.Records, vendorRecord(v, why, 4-v.Tier()))
	if v.Tier() == 1 {
		t.r.Counts["failing"]++
		t.failing = append(t.failing, v.Name)
		return
	}
	t.r.Counts["partial"]++
	t.partial = append(t.partial, v.Name)
}

func (t *tiered) part(v *vendor.Vendor, why string) {
	t.r.Counts["partial"]++
	t.partial = append(t.partial, v.Name)
	t.r.Records = append(t.r.Records, vendorRecord(v, why, 1))
}

func (t *tiered) judge(checked int, what string) {
	r := t.r
	r.Counts["vendors"] = checked
	switch {
	case checked == 0:
		r.GoalStatus, r.Detail = assessment.Unknown, "no vendor of the register is in tier 1 or 2: list the vendors that handle ePHI or reach the organisation's systems"
	case len(t.failing) > 0:
		r.GoalStatus = assessment.NotMet
		r.Detail = fmt.Sprintf("%s in tier 1 without %s: %s", plural(len(t.failing), "vendor", "vendors"), what, strings.Join(clipNames(t.failing, 5), ", "))
		if len(t.partial) > 0 {
			r.Detail += fmt.Sprintf("; %d more only partly", len(t.partial))
		}
	case len(t.partial) > 0:
		r.GoalStatus = assessment.PartlyMet
		r.Detail = fmt.Sprintf("%s only partly: %s", what, strings.Join(clipNames(t.partial, 5), ", "))
	default:
		r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("every one of %s in tiers 1 and 2 bound to %s", plural(checked, "vendor", "vendors"), what)
	}
}

func requirementsResult(vs []*vendor.Vendor, byVendor map[string][]*vendor.Agreement, day string) *check.Result {
	c, _ := check.ByID("vendor.requirements")
	t := &tiered{r: &check.Result{Check: c, Counts: map[string]int{}, Records: []check.Record{}}}
	checked := contracted(vs)
	for _, v := range checked {
		terms, _, any := inForce(byVendor[v.ID], day)
		var missing []string
		for _, id := range cyberTerms {
			if !terms[id] {
				term, _ := vendor.TermByID(id)
				missing = append(missing, strings.ToLower(term.Title))
			}
		}
		switch {
		case !any:
			t.fail(v, "no agreement in force")
		case len(missing) == len(cyberTerms):
			t.fail(v, "its agreements state none of the cybersecurity requirements")
		case len(missing) > 0:
			t.part(v, "its agreements do not say it: "+strings.Join(missing, "; "))
		}
	}
	t.judge(len(checked), "cybersecurity requirements in their agreements")
	return t.r
}

func disclosureResult(vs []*vendor.Vendor, byVendor map[string][]*vendor.Agreement, day string) *check.Result {
	c, _ := check.ByID("vendor.disclosure")
	t := &tiered{r: &check.Result{Check: c, Counts: map[string]int{}, Records: []check.Record{}}}
	checked := contracted(vs)
	for _, v := range checked {
		terms, _, any := inForce(byVendor[v.ID], day)
		switch {
		case !any:
			t.fail(v, "no agreement in force")
		case !terms["vulnerability-disclosure"]:
			t.fail(v, "its agreements do not require it to disclose vulnerabilities")
		}
	}
	t.judge(len(checked), "vulnerability disclosure")
	return t.r
}

func incidentResult(vs []*vendor.Vendor, byVendor map[string][]*vendor.Agreement, day string) *check.Result {
	c, _ := check.ByID("vendor.incident-reporting")
	t := &tiered{r: &check.Result{Check: c, Counts: map[string]int{}, Records: []check.Record{}}}
	checked := contracted(vs)
	for _, v := range checked {
		terms, hours, any := inForce(byVendor[v.ID], day)
		switch {
		case !any:
			t.fail(v, "no agreement in force")
		case !terms["report-incidents"] && !terms["incident-notice-time"]:
			t.fail(v, "its agreements do not require it to report incidents")
		case hours == 0:
			t.part(v, "its agreements require incident reports but state no time")
		default:
			t.r.Counts["stated_time"]++
		}
	}
	t.judge(len(checked), "incident reporting in a stated time")
	return t.r
}

// vendorAnswers are what the vendors' questionnaires say: each vendor's
// newest answers, and the vendors whose newest questionnaire went
// unanswered past its date.
type vendorAnswers struct {
	newest  map[string]*vendor.Request
	overdue map[string]*vendor.Request
}

func questionnaires(rs []*vendor.Request, now time.Time) vendorAnswers {
	q := vendorAnswers{newest: vendor.Newest(rs), overdue: map[string]*vendor.Request{}}
	for _, r := range rs { // newest first
		if _, seen := q.overdue[r.VendorID]; seen || r.Standing(now) != vendor.Overdue {
			continue
		}
		if a := q.newest[r.VendorID]; a == nil || a.AnsweredAt.Before(r.SentAt) {
			q.overdue[r.VendorID] = r
		}
	}
	return q
}

// goalOf is the goal a vendor check verifies.
func goalOf(r *check.Result) string { return r.Check.Goal }

// judge adds to a vendor check what the questionnaires say of the vendors
// in tiers 1 and 2: each answer of no to a question bearing on the
// check's goal is an exception recorded against the vendor (every
// question bears on essential goal 10, vendor cybersecurity
// requirements), and a questionnaire unanswered past its date is
// recorded too. Either makes a check otherwise met only partly met.
func (q vendorAnswers) judge(r *check.Result, vs []*vendor.Vendor) {
	var named []string
	for _, v := range contracted(vs) {
		hit := false
		if req := q.newest[v.ID]; req != nil && req.Score != nil {
			for _, e := range req.Score.Exceptions {
				if goalOf(r) != "hph-cpg/essential-10" && !slices.Contains(e.Question.Goals(), goalOf(r)) {
					continue
				}
				hit = true
				r.Counts["questionnaire_exceptions"]++
				why := fmt.Sprintf("questionnaire exception (%s %s, answered %s): %s", req.Questionnaire.Title, req.Questionnaire.Version,
					req.AnsweredAt.UTC().Format(time.DateOnly), e.Question.Text)
				if e.Comment != "" {
					why += " The vendor: " + clipText(e.Comment, 200)
				}
				r.Records = append(r.Records, vendorRecord(v, why, e.Question.Weight))
			}
		}
		if req := q.overdue[v.ID]; req != nil && goalOf(r) == "hph-cpg/essential-10" {
			hit = true
			r.Counts["questionnaires_overdue"]++
			r.Records = append(r.Records, vendorRecord(v, fmt.Sprintf("questionnaire sent %s not answered by %s", req.SentAt.UTC().Format(time.DateOnly), req.ExpiresAt.UTC().Format(time.DateOnly)), 1))
		}
		if hit {
			named = append(named, v.Name)
		}
	}
	if len(named) == 0 {
		return
	}
	if r.GoalStatus == assessment.Met {
		r.GoalStatus = assessment.PartlyMet
		r.Detail = "agreements hold, but the questionnaires say otherwise: " + strings.Join(clipNames(named, 5), ", ")
		return
	}
	r.Detail += fmt.Sprintf("; questionnaires with exceptions or overdue: %s", strings.Join(clipNames(named, 5), ", "))
}
