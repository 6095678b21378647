package assessment_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/tailoring"
)

func program(t testing.TB) *assessment.Program {
	t.Helper()
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	p, err := assessment.NewProgram(reg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newOrg(t testing.TB, s *store.Store, slug string) *store.Scoped {
	t.Helper()
	o := &org.Organization{Slug: slug, Name: "Riverside Family Clinic", EntityType: org.Provider, WorkforceSize: 6, Sites: 1}
	if err := s.CreateOrganization(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return s.Scope(o)
}

var now = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func TestAssessmentLifecycle(t *testing.T) {
	p := program(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := newOrg(t, s, "riverside")
		a, err := p.Start(ctx, sc, catalog.HIPAASecurityRule, "", "", now)
		if err != nil {
			t.Fatal(err)
		}
		if a.State != assessment.Draft || a.FrameworkVersion == "" || !strings.Contains(a.Title, "2026-11-23") {
			t.Errorf("new assessment: %+v", a)
		}
		if _, err := p.Start(ctx, sc, catalog.HIPAASecurityRule, "", "", now); !errs.Is(err, errs.Conflict) {
			t.Errorf("a second draft of one framework: %v", err)
		}
		if _, err := p.Start(ctx, sc, catalog.NISTCSF2, "", "", now); !errs.Is(err, errs.Invalid) {
			t.Errorf("CSF assessment: %v", err)
		}
		v, err := p.View(ctx, sc, a.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		pr := v.Progress
		// 22 standards + 46 specifications; a small provider's tailoring takes out
		// clearinghouse isolation, subcontractor contracts and the five group health plan items.
		if pr.Items != 71 || pr.Applicable != 64 || pr.Answered != 0 || pr.Percent() != 0 {
			t.Errorf("progress of a new assessment: %+v", pr)
		}
		if pr.DecisionsNeeded != 22 {
			t.Errorf("addressable decisions needed: %d, want 22", pr.DecisionsNeeded)
		}

		// Bad answers are named and nothing is written.
		for _, bad := range []struct {
			ans  assessment.Answer
			want string
		}{
			{assessment.Answer{ItemID: "164.312(d)", Status: "done"}, "not a status"},
			{assessment.Answer{ItemID: "164.312(a)(2)(i)", Status: assessment.Implemented, Decision: &assessment.Decision{Kind: assessment.AsSpecified}}, "only an addressable"},
			{assessment.Answer{ItemID: "164.312(a)(2)(iv)", Status: assessment.Implemented, Decision: &assessment.Decision{Kind: assessment.Alternative}}, "which measure"},
			{assessment.Answer{ItemID: "164.312(a)(2)(iv)", Status: assessment.NotImplemented, Decision: &assessment.Decision{Kind: assessment.NotReasonable, Measure: "paper records"}}, "document why it would not be reasonable and appropriate to implement the specification (45 CFR 164.306(d)(3)(ii)(B)(1))"},
			// 164.306(d)(3)(ii)(B)(1): an alternative also documents why the
			// specification itself is not reasonable and appropriate.
			{assessment.Answer{ItemID: "164.312(a)(2)(iv)", Status: assessment.Implemented, Decision: &assessment.Decision{Kind: assessment.Alternative, Measure: "Full-disk encryption"}}, "document why it would not be reasonable and appropriate to implement the specification itself (45 CFR 164.306(d)(3)(ii)(B)(1))"},
			{assessment.Answer{ItemID: "164.312(d)", Status: assessment.Implemented, Questions: map[string]string{"SQ_164.308(a)(1).1.01": "yes"}}, "not one of this item's sample questions"},
			{assessment.Answer{ItemID: "164.312(d)", Status: assessment.Planned, TargetDate: "next week"}, "not a date"},
			{assessment.Answer{ItemID: "hph-cpg/essential-3", Status: assessment.Implemented}, "not an item of this"},
		} {
			err := p.Save(ctx, sc, a.ID, "assessment.answer", []*assessment.Answer{&bad.ans})
			if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), bad.want) {
				t.Errorf("%+v: err = %v, want %q", bad.ans, err, bad.want)
			}
		}
		if ans, _ := sc.Answers(ctx, a.ID); len(ans) != 0 {
			t.Errorf("refused answers wrote %d rows", len(ans))
		}

		mfa := &assessment.Answer{ItemID: "164.312(d)", Status: assessment.Partial, Owner: "Dana Reyes", TargetDate: "2027-03-31",
			Notes: "MFA on the EHR; not yet on email.", Questions: map[string]string{"SQ_164.312(d).1.01": "Yes, for remote EHR access"}}
		if err := p.Save(ctx, sc, a.ID, "assessment.answer", []*assessment.Answer{mfa}); err != nil {
			t.Fatal(err)
		}
		enc := &assessment.Answer{ItemID: "hipaa-sr/164.312(a)(2)(iv)", Status: assessment.Implemented,
			Decision: &assessment.Decision{Kind: assessment.Alternative, Measure: "Full-disk encryption on every laptop; the EHR vendor encrypts at rest",
				Reason: "Encrypting each file as the specification reads is beyond the EHR's and the workstations' software; whole-disk and vendor encryption protect the same data."}}
		if err := p.Save(ctx, sc, a.ID, "assessment.answer", []*assessment.Answer{enc}); err != nil {
			t.Fatal(err)
		}
		// 164.306(d)(3)(ii)(B)(2): an alternative only "if reasonable and
		// appropriate": a decision of not reasonable and appropriate may
		// name none.
		none := &assessment.Answer{ItemID: "164.310(a)(2)(iv)", Status: assessment.NotImplemented,
			Decision: &assessment.Decision{Kind: assessment.NotReasonable, Reason: "The landlord keeps the suite's doors and locks; no measure of ours would be reasonable."}}
		if err := p.Save(ctx, sc, a.ID, "assessment.answer", []*assessment.Answer{none}); err != nil {
			t.Errorf("not reasonable and appropriate, without an alternative: %v", err)
		}
		v, _ = p.View(ctx, sc, a.ID, now)
		row, _ := v.Row("hipaa-sr/164.312(d)")
		if row.Answer.Status != assessment.Partial || row.Answer.Questions["SQ_164.312(d).1.01"] == "" || row.Answer.UpdatedBy == "" {
			t.Errorf("saved answer: %+v", row.Answer)
		}
		if v.Progress.Answered != 3 || v.Progress.DecisionsMade != 2 || len(v.MissingDecisions()) != 20 {
			t.Errorf("progress after three answers: %+v", v.Progress)
		}

		// Finalising refuses while decisions are missing, naming them.
		if _, err := p.Finalize(ctx, sc, a.ID, now); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "20 addressable") || !strings.Contains(errs.Message(err), "164.308(a)(3)(ii)(A) Authorization and/or supervision") {
			t.Errorf("finalise with missing decisions: %v", err)
		}
		var rest []*assessment.Answer
		for _, r := range v.MissingDecisions() {
			rest = append(rest, &assessment.Answer{ItemID: r.Item.ID, Status: assessment.Implemented, Decision: &assessment.Decision{Kind: assessment.AsSpecified}})
		}
		if err := p.Save(ctx, sc, a.ID, "assessment.answer", rest); err != nil {
			t.Fatal(err)
		}
		fv, err := p.Finalize(ctx, sc, a.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		if !fv.Assessment.Final() || len(fv.Assessment.SnapshotSHA256) != 64 || fv.Assessment.FinalizedBy == "" || fv.Assessment.FinalizedAt.IsZero() {
			t.Errorf("final: %+v", fv.Assessment)
		}
		// The frozen record says what it is, as the row does, and its hash is the record's.
		raw, err := sc.AssessmentSnapshot(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		var snap assessment.Snapshot
		if err := json.Unmarshal(raw, &snap); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(raw)
		if snap.Assessment.State != assessment.Final || !snap.Assessment.FinalizedAt.Equal(fv.Assessment.FinalizedAt) || snap.Assessment.FinalizedBy != fv.Assessment.FinalizedBy || hex.EncodeToString(sum[:]) != fv.Assessment.SnapshotSHA256 {
			t.Errorf("snapshot says %+v; the row %+v", snap.Assessment, fv.Assessment)
		}
		// Read-only, and frozen: a later override does not change what it shows.
		if err := p.Save(ctx, sc, a.ID, "assessment.answer", []*assessment.Answer{mfa}); !errs.Is(err, errs.Conflict) {
			t.Errorf("answer on a final assessment: %v", err)
		}
		if err := sc.SaveAnswers(ctx, a.ID, "assessment.answer", []*assessment.Answer{mfa}); !errs.Is(err, errs.Conflict) {
			t.Errorf("store write to a final assessment: %v", err)
		}
		if _, err := p.Finalize(ctx, sc, a.ID, now); !errs.Is(err, errs.Conflict) {
			t.Errorf("finalise twice: %v", err)
		}
		if err := sc.SetTailoringOverride(ctx, &tailoring.Override{ItemID: "hipaa-sr/164.312(d)", Applicable: false, Justification: "test"}); err != nil {
			t.Fatal(err)
		}
		again, _ := p.View(ctx, sc, a.ID, now)
		if r, _ := again.Row("hipaa-sr/164.312(d)"); !r.Tailor.Applicable || again.Progress.Applicable != fv.Progress.Applicable {
			t.Errorf("a final assessment's tailoring changed after an override: %+v", r.Tailor)
		}

		// The next assessment starts from this one's answers, marked for review.
		next, err := p.Start(ctx, sc, catalog.HIPAASecurityRule, "FY2027 assessment", a.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		nv, _ := p.View(ctx, sc, next.ID, now)
		// 23 answers were given; the override above took 164.312(d) out of scope.
		if next.BasedOn != a.ID || nv.Progress.CarriedForward != 22 {
			t.Errorf("carried forward: based on %q, %d answers", next.BasedOn, nv.Progress.CarriedForward)
		}
		if r, _ := nv.Row("hipaa-sr/164.312(a)(2)(iv)"); !r.Answer.CarriedForward || r.Answer.Decision == nil || r.Answer.Decision.Kind != assessment.Alternative {
			t.Errorf("carried-forward decision: %+v", r.Answer)
		}

		// Another organisation sees none of it.
		other := newOrg(t, s, "northside")
		if _, err := other.Assessment(ctx, a.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organisation's assessment: %v", err)
		}
		if err := other.SaveAnswers(ctx, next.ID, "assessment.answer", []*assessment.Answer{mfa}); !errs.Is(err, errs.NotFound) {
			t.Errorf("write to another organisation's assessment: %v", err)
		}
		if list, _ := other.Assessments(ctx); len(list) != 0 {
			t.Errorf("another organisation lists %d assessments", len(list))
		}
	})
}

// A spreadsheet user writes statuses and decisions as they read them.
func TestParseStatusAndDecision(t *testing.T) {
	for in, want := range map[string]assessment.Status{
		"Implemented": assessment.Implemented, "partially implemented": assessment.Partial, "Partial": assessment.Partial,
		"not-implemented": assessment.NotImplemented, "NOT APPLICABLE": assessment.NotApplicable, "": assessment.Unanswered,
		"Not answered": assessment.Unanswered, " planned ": assessment.Planned,
	} {
		if got, err := assessment.ParseStatus(in); err != nil || got != want {
			t.Errorf("ParseStatus(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := assessment.ParseStatus("done"); !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), "partially implemented") {
		t.Errorf("ParseStatus(done): %v", err)
	}
	for in, want := range map[string]assessment.DecisionKind{
		"Implemented as specified": assessment.AsSpecified, "alternative": assessment.Alternative,
		"not reasonable and appropriate": assessment.NotReasonable, "": "",
	} {
		if got, err := assessment.ParseDecisionKind(in); err != nil || got != want {
			t.Errorf("ParseDecisionKind(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := assessment.ParseDecisionKind("maybe"); !errs.Is(err, errs.Invalid) {
		t.Errorf("ParseDecisionKind(maybe): %v", err)
	}
}
