package tailoring_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/tailoring"
)

func load(t *testing.T) (*catalog.Registry, *tailoring.Rules) {
	t.Helper()
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	rs, err := tailoring.Load(reg)
	if err != nil {
		t.Fatal(err)
	}
	return reg, rs
}

// applicable returns the applicable item ids of a framework for an
// organisation, and the decisions by id.
func applicable(t *testing.T, reg *catalog.Registry, rs *tailoring.Rules, fw string, o *org.Organization, p *org.Profile, ov map[string]tailoring.Override) ([]string, map[string]tailoring.Decision) {
	t.Helper()
	ds, err := rs.Tailor(reg, fw, tailoring.Facts{Org: o, Profile: p}, ov)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	by := map[string]tailoring.Decision{}
	for _, d := range ds {
		by[d.ItemID] = d
		if d.Reason == "" || d.Source.Citation == "" {
			t.Errorf("%s: decision without a reason or source: %+v", d.ItemID, d)
		}
		if d.Applicable {
			ids = append(ids, d.ItemID)
		}
	}
	return ids, by
}

// Tailoring gives different applicable sets for a provider, a
// clearinghouse within a larger organisation, a business associate and a
// plan sponsor, each for the reason its provision gives.
func TestEntityTypesGetDifferentApplicableSets(t *testing.T) {
	reg, rs := load(t)
	const (
		isolate     = "hipaa-sr/164.308(a)(4)(ii)(A)"
		subcontract = "hipaa-sr/164.314(a)(2)(iii)"
		ghp         = "hipaa-sr/164.314(b)(1)"
		ghpSpec     = "hipaa-sr/164.314(b)(2)(iv)"
		baContract  = "hipaa-sr/164.314(a)(2)(i)"
		riskAnal    = "hipaa-sr/164.308(a)(1)(ii)(A)"
	)
	cases := []struct {
		name     string
		org      *org.Organization
		profile  *org.Profile
		in, out  []string
		reasonOf map[string]string // item -> a phrase its reason holds
	}{
		{"provider", &org.Organization{EntityType: org.Provider, WorkforceSize: 8}, &org.Profile{},
			[]string{riskAnal, baContract}, []string{isolate, subcontract, ghp, ghpSpec},
			map[string]string{isolate: "No health care clearinghouse", ghp: "neither a group health plan"}},
		{"clearinghouse within a larger organisation", &org.Organization{EntityType: org.Clearinghouse, WorkforceSize: 300}, &org.Profile{ClearinghouseInLargerOrg: true},
			[]string{riskAnal, isolate, baContract}, []string{subcontract, ghp},
			map[string]string{isolate: "part of this organisation"}},
		{"business associate with subcontractors", &org.Organization{EntityType: org.BusinessAssociate, WorkforceSize: 40}, &org.Profile{Subcontractors: true},
			[]string{riskAnal, subcontract, baContract}, []string{isolate, ghp},
			map[string]string{subcontract: "answers for its subcontractors"}},
		// A plan sponsor's duty comes through the plan documents
		// (164.314(b)(2)), not as a covered entity or business associate.
		{"plan sponsor", &org.Organization{EntityType: org.PlanSponsor, WorkforceSize: 900}, &org.Profile{},
			[]string{riskAnal, ghp, ghpSpec}, []string{isolate, subcontract, baContract},
			map[string]string{baContract: "164.314(b)(2)(iii)", riskAnal: "its duty comes through the group health plan's plan documents"}},
		// 164.314(b)(1)'s exceptions: a sponsor given only summary health
		// information or enrolment data has no Security Rule duty.
		{"plan sponsor receiving only summary health information", &org.Organization{EntityType: org.PlanSponsor, WorkforceSize: 900}, &org.Profile{SponsorReceives: org.SponsorSummary},
			nil, []string{riskAnal, ghp, ghpSpec, isolate, subcontract, baContract},
			map[string]string{riskAnal: "164.314(b)(1) excepts those disclosures", ghp: "164.314(b)(1) excepts those disclosures"}},
	}
	sets := map[string]string{}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ids, by := applicable(t, reg, rs, catalog.HIPAASecurityRule, tc.org, tc.profile, nil)
			for _, id := range tc.in {
				if !slices.Contains(ids, id) {
					t.Errorf("%s should apply: %s", id, by[id].Reason)
				}
			}
			for _, id := range tc.out {
				if slices.Contains(ids, id) {
					t.Errorf("%s should not apply: %s", id, by[id].Reason)
				}
			}
			for id, phrase := range tc.reasonOf {
				if !strings.Contains(by[id].Reason, phrase) && !strings.Contains(by[id].Source.Citation+by[id].Source.Quote, phrase) {
					t.Errorf("%s: reason %q does not say %q", id, by[id].Reason, phrase)
				}
			}
			sets[tc.name] = strings.Join(ids, ",")
		})
	}
	distinct := map[string]bool{}
	for _, s := range sets {
		distinct[s] = true
	}
	if len(distinct) != len(cases) {
		t.Errorf("%d entity types gave only %d distinct applicable sets", len(cases), len(distinct))
	}
}

// HHS's performance goals are voluntary guidance, labelled so; the
// Security Rule's default is the regulation's, and a plan sponsor's is
// Safeguard's reading of 164.314(b)(2)(i), said so.
func TestBasisLabels(t *testing.T) {
	reg, rs := load(t)
	provider := &org.Organization{EntityType: org.Provider, WorkforceSize: 8}
	_, by := applicable(t, reg, rs, catalog.HPHCPG, provider, &org.Profile{}, nil)
	if d := by["hph-cpg/essential-1"]; d.Source.Basis != tailoring.BasisGuidance || !strings.Contains(d.Reason, "guidance, not a regulation") {
		t.Errorf("a CPG goal: %+v", d)
	}
	_, by = applicable(t, reg, rs, catalog.HIPAASecurityRule, provider, &org.Profile{}, nil)
	if d := by["hipaa-sr/164.312(d)"]; d.Source.Basis != tailoring.BasisRegulation || d.Source.Citation != "45 CFR 164.302" {
		t.Errorf("a provider's Security Rule item: %+v", d)
	}
	_, by = applicable(t, reg, rs, catalog.HIPAASecurityRule, &org.Organization{EntityType: org.PlanSponsor}, &org.Profile{}, nil)
	if d := by["hipaa-sr/164.312(d)"]; d.Source.Basis != tailoring.BasisSafeguard || d.Source.Citation != "45 CFR 164.314(b)(2)(i)" || !strings.Contains(d.Source.Note, "Safeguard's reading") {
		t.Errorf("a plan sponsor's Security Rule item: %+v", d)
	}
	if _, err := tailoring.Parse([]byte(`{"defaults":[{"framework":"hph-cpg","reason":"r","source":{"citation":"c","basis":"law"}}]}`), reg); err == nil || !strings.Contains(err.Error(), "regulation, guidance or safeguard") {
		t.Errorf("an unknown basis: %v", err)
	}
}

func TestEnhancedGoalsFollowScale(t *testing.T) {
	reg, rs := load(t)
	small := &org.Organization{EntityType: org.Provider, WorkforceSize: 5}
	hospital := &org.Organization{EntityType: org.Provider, WorkforceSize: 20}
	ids, by := applicable(t, reg, rs, catalog.HPHCPG, small, &org.Profile{}, nil)
	if len(ids) != 10 || slices.ContainsFunc(ids, func(id string) bool { return strings.Contains(id, "enhanced") }) {
		t.Errorf("small practice: %d goals apply (%v), want the 10 essential", len(ids), ids)
	}
	if d := by["hph-cpg/enhanced-1"]; d.Source.Basis != "safeguard" || !strings.Contains(d.Reason, "deferred") {
		t.Errorf("a deferred enhanced goal says why, as Safeguard's policy: %+v", d)
	}
	if ids, _ := applicable(t, reg, rs, catalog.HPHCPG, hospital, &org.Profile{Beds: 25}, nil); len(ids) != 20 {
		t.Errorf("hospital: %d goals apply, want 20", len(ids))
	}
	// The scaled-guidance note reaches a small practice's Security Rule items only.
	_, by = applicable(t, reg, rs, catalog.HIPAASecurityRule, small, &org.Profile{}, nil)
	if d := by["hipaa-sr/164.312(d)"]; len(d.Notes) != 1 || d.Notes[0].Source.Citation != "45 CFR 164.306(b)(2)" {
		t.Errorf("small practice notes: %+v", d.Notes)
	}
	_, by = applicable(t, reg, rs, catalog.HIPAASecurityRule, hospital, &org.Profile{Beds: 25}, nil)
	if d := by["hipaa-sr/164.312(d)"]; len(d.Notes) != 0 {
		t.Errorf("hospital notes: %+v", d.Notes)
	}
}

func TestOverrideWinsAndKeepsSafeguardsDecision(t *testing.T) {
	reg, rs := load(t)
	o := &org.Organization{EntityType: org.Provider, WorkforceSize: 5}
	ov := map[string]tailoring.Override{"hph-cpg/enhanced-1": {ItemID: "hph-cpg/enhanced-1", Applicable: true, Justification: "our insurer asks for an asset inventory"}}
	ids, by := applicable(t, reg, rs, catalog.HPHCPG, o, &org.Profile{}, ov)
	if len(ids) != 11 {
		t.Errorf("with one override: %d goals apply, want 11", len(ids))
	}
	d := by["hph-cpg/enhanced-1"]
	if !d.Applicable || d.Safeguard || d.Override == nil || d.Override.Justification == "" {
		t.Errorf("override: %+v", d)
	}
	if err := (&tailoring.Override{Justification: "  "}).Validate(); err == nil {
		t.Error("an override without a justification was accepted")
	}
}

// Every assessable item of every framework gets a decision, and the rules
// file itself is checked at load.
func TestRulesAreValidated(t *testing.T) {
	reg, rs := load(t)
	for _, fw := range reg.Frameworks() {
		ds, err := rs.Tailor(reg, fw.ID, tailoring.Facts{Org: &org.Organization{EntityType: org.Provider}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, it := range fw.Items {
			if tailoring.Assessable(it) {
				n++
			}
		}
		if len(ds) != n || n == 0 {
			t.Errorf("%s: %d decisions for %d assessable items", fw.ID, len(ds), n)
		}
	}
	for _, bad := range []struct{ name, json, want string }{
		{"unknown condition", `{"rules":[{"id":"x","items":["hipaa-sr/164.312(d)"],"when":"moon_is_full","applies":"a","not_applies":"b","source":{"citation":"c","basis":"regulation"}}]}`, "unknown condition"},
		{"unknown item", `{"rules":[{"id":"x","items":["hipaa-sr/999"],"when":"small","applies":"a","not_applies":"b","source":{"citation":"c","basis":"regulation"}}]}`, "not an assessable item"},
		{"section is not assessable", `{"rules":[{"id":"x","items":["hipaa-sr/164.308"],"when":"small","applies":"a","not_applies":"b","source":{"citation":"c","basis":"regulation"}}]}`, "not an assessable item"},
		{"no source", `{"rules":[{"id":"x","items":["hipaa-sr/164.312(d)"],"when":"small","applies":"a","not_applies":"b","source":{}}]}`, "citation"},
		{"unknown field", `{"rulez":[]}`, "unknown field"},
	} {
		_, err := tailoring.Parse([]byte(bad.json), reg)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%s: err = %v, want %q", bad.name, err, bad.want)
		}
	}
}
