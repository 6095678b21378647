package catalog_test

import (
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
)

func mustLoad(tb testing.TB) *catalog.Registry {
	tb.Helper()
	r, err := catalog.Load()
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

func mustFramework(tb testing.TB, r *catalog.Registry, name string) *catalog.Framework {
	tb.Helper()
	fw, err := r.Framework(name)
	if err != nil {
		tb.Fatal(err)
	}
	return fw
}

// The Addressable implementation specifications, as 45 CFR 164.308–164.312
// mark them. Every other implementation specification is Required.
var addressable = []string{
	"164.308(a)(3)(ii)(A)", "164.308(a)(3)(ii)(B)", "164.308(a)(3)(ii)(C)",
	"164.308(a)(4)(ii)(B)", "164.308(a)(4)(ii)(C)",
	"164.308(a)(5)(ii)(A)", "164.308(a)(5)(ii)(B)", "164.308(a)(5)(ii)(C)", "164.308(a)(5)(ii)(D)",
	"164.308(a)(7)(ii)(D)", "164.308(a)(7)(ii)(E)",
	"164.310(a)(2)(i)", "164.310(a)(2)(ii)", "164.310(a)(2)(iii)", "164.310(a)(2)(iv)",
	"164.310(d)(2)(iii)", "164.310(d)(2)(iv)",
	"164.312(a)(2)(iii)", "164.312(a)(2)(iv)", "164.312(c)(2)", "164.312(e)(2)(i)", "164.312(e)(2)(ii)",
}

func TestSecurityRule(t *testing.T) {
	r := mustLoad(t)
	fw := mustFramework(t, r, catalog.HIPAASecurityRule)
	n := r.Count(fw)
	if n[catalog.KindStandard] != 22 {
		t.Errorf("standards = %d, want 22", n[catalog.KindStandard])
	}
	if n[catalog.KindImplSpec] != 46 {
		t.Errorf("implementation specifications = %d, want 46", n[catalog.KindImplSpec])
	}
	// 164.306's general requirements, flexibility of approach and
	// maintenance are answered for on their own, word for word.
	if n[catalog.KindGeneral] != 3 {
		t.Errorf("general requirements = %d, want 3", n[catalog.KindGeneral])
	}
	for cit, want := range map[string]string{
		"164.306(a)": "(4) Ensure compliance with this subpart by its workforce.",
		"164.306(b)": "(iv) The probability and criticality of potential risks to electronic protected health information.",
		"164.306(e)": "must review and modify the security measures implemented under this subpart as needed to continue provision of reasonable and appropriate protection of electronic protected health information, and update documentation of such security measures in accordance with § 164.316(b)(2)(iii).",
	} {
		it, ok := r.Item("hipaa-sr/" + cit)
		if !ok || it.Kind != catalog.KindGeneral || !strings.Contains(it.Text, want) || it.Parent != "hipaa-sr/164.306" || it.Source.Citation != "45 CFR "+cit || !strings.Contains(it.Source.Note, "SP 800-66 Rev. 2") {
			t.Errorf("%s: %+v", cit, it)
		}
	}
	isAddr := map[string]bool{}
	for _, c := range addressable {
		isAddr[c] = true
	}
	var kas, sqs int
	for _, it := range fw.Items {
		if it.Kind == catalog.KindImplSpec {
			req, ok := it.IsRequired()
			if !ok || req == isAddr[it.Citation] {
				t.Errorf("%s: required = %v, want %v", it.Citation, req, !isAddr[it.Citation])
			}
			delete(isAddr, it.Citation)
			if p, _ := r.Item(it.Parent); p == nil || p.Kind != catalog.KindStandard {
				t.Errorf("%s: parent %s is not a standard", it.Citation, it.Parent)
			}
		}
		if it.Kind == catalog.KindStandard {
			if it.Guidance == nil || len(it.Guidance.KeyActivities) == 0 {
				t.Errorf("%s: no SP 800-66r2 key activities", it.Citation)
				continue
			}
			for _, ka := range it.Guidance.KeyActivities {
				kas++
				for _, q := range ka.SampleQuestions {
					sqs += 1 + len(q.Sub)
				}
			}
		}
	}
	if len(isAddr) > 0 {
		t.Errorf("addressable specifications missing from the catalog: %v", isAddr)
	}
	if kas != 104 || sqs != 501 {
		t.Errorf("key activities = %d, sample questions = %d; want 104 and 501", kas, sqs)
	}
	// The regulation's citation wins over NIST's numbering, which stays findable.
	wc, err := r.FindItem(fw, "164.308(b)(4)")
	if err != nil || wc.Citation != "164.308(b)(3)" || wc.Title != "Written contract or other arrangement" {
		t.Errorf("164.308(b)(4) resolves to %+v, %v; want 164.308(b)(3)", wc, err)
	}
	risk, _ := r.Item("hipaa-sr/164.308(a)(1)(ii)(A)")
	if risk == nil || !strings.HasPrefix(risk.Text, "Conduct an accurate and thorough assessment") || risk.Source.Citation != "45 CFR 164.308(a)(1)(ii)(A)" {
		t.Errorf("risk analysis = %+v", risk)
	}
}

func TestCPGs(t *testing.T) {
	r := mustLoad(t)
	fw := mustFramework(t, r, catalog.HPHCPG)
	tiers := map[string]int{}
	for _, it := range fw.Items {
		if it.Kind != catalog.KindGoal {
			t.Errorf("%s: kind %s", it.ID, it.Kind)
		}
		tiers[it.Tier]++
		if it.Source.URL == "" || it.Source.Wording == "" {
			t.Errorf("%s: source must say where it comes from and whose wording it is", it.ID)
		}
	}
	if tiers[catalog.TierEssential] != 10 || tiers[catalog.TierEnhanced] != 10 {
		t.Errorf("tiers = %v, want 10 essential and 10 enhanced", tiers)
	}
	mfa, _ := r.Item("hph-cpg/essential-3")
	if mfa == nil || mfa.Title != "Multifactor Authentication" {
		t.Fatalf("essential-3 = %+v", mfa)
	}
	if fw.Basis != catalog.BasisGuidance {
		t.Errorf("the CPGs' basis is %q: HHS's goals are voluntary guidance", fw.Basis)
	}
	// Mappings a review against the provisions' text found wrong are gone;
	// what each goal keeps says why in its rationale.
	for goal, wrong := range map[string]string{
		"essential-2": "hipaa-sr/164.312(e)(1)", "essential-3": "hipaa-sr/164.308(a)(5)(ii)(D)", "essential-4": "csf2/PR.AT-02",
		"enhanced-2": "hipaa-sr/164.314(a)(2)(i)", "enhanced-4": "hipaa-sr/164.308(a)(7)(ii)(D)", "enhanced-10": "hipaa-sr/164.312(c)(1)",
	} {
		it, _ := r.Item("hph-cpg/" + goal)
		for _, m := range it.Mappings {
			if m.To == wrong {
				t.Errorf("%s still maps to %s", goal, wrong)
			}
			if m.Rationale == "" || m.Basis != "safeguard" {
				t.Errorf("%s → %s: basis %q, rationale %q", goal, m.To, m.Basis, m.Rationale)
			}
		}
	}
	if it, _ := r.Item("hph-cpg/essential-2"); slices.ContainsFunc(it.Mappings, func(m catalog.Mapping) bool { return m.To == "csf2/PR.PS-01" }) {
		t.Error("essential-2 still maps to PR.PS-01")
	}
}

func TestCSF(t *testing.T) {
	r := mustLoad(t)
	fw := mustFramework(t, r, catalog.NISTCSF2)
	active := map[string]int{}
	for _, it := range fw.Items {
		if !it.Withdrawn {
			active[it.Kind]++
		}
	}
	if active[catalog.KindFunction] != 6 || active[catalog.KindCategory] != 22 || active[catalog.KindSubcategory] != 106 {
		t.Errorf("active CSF 2.0 elements = %v, want 6 functions, 22 categories, 106 subcategories", active)
	}
	aa, err := r.FindItem(fw, "pr.aa-03")
	if err != nil || aa.Parent != "csf2/PR.AA" {
		t.Errorf("PR.AA-03 = %+v, %v", aa, err)
	}
}

func TestMappingsBothWays(t *testing.T) {
	r := mustLoad(t)
	has := func(id, other string) bool {
		for _, x := range r.MappingIDs(id) {
			if x == other {
				return true
			}
		}
		return false
	}
	if !has("hph-cpg/essential-3", "hipaa-sr/164.312(d)") {
		t.Error("essential-3 does not map to 164.312(d)")
	}
	if !has("hipaa-sr/164.312(d)", "hph-cpg/essential-3") {
		t.Error("164.312(d) does not show the CPG that maps to it")
	}
	for _, rel := range r.Related("hipaa-sr/164.312(d)") {
		if rel.Outgoing {
			t.Errorf("164.312(d) declares no mappings of its own, got outgoing %s", rel.Item.ID)
		}
	}
}

func TestFindItem(t *testing.T) {
	r := mustLoad(t)
	fw := mustFramework(t, r, "hipaa-sr") // the prefix works as a name too
	for ref, want := range map[string]string{
		"164.312(d)":          "hipaa-sr/164.312(d)",
		"§ 164.312(d)":        "hipaa-sr/164.312(d)",
		"45 CFR 164.312 (d)":  "hipaa-sr/164.312(d)",
		"hipaa-sr/164.312(d)": "hipaa-sr/164.312(d)",
		"164.310(a)":          "hipaa-sr/164.310(a)(1)", // NIST's numbering
		"164.308":             "hipaa-sr/164.308",
	} {
		it, err := r.FindItem(fw, ref)
		if err != nil || it.ID != want {
			t.Errorf("FindItem(%q) = %v, %v; want %s", ref, it, err, want)
		}
	}
	if _, err := r.FindItem(fw, "164.399(z)"); !errs.Is(err, errs.NotFound) {
		t.Errorf("unknown item: err = %v, want not found", err)
	}
	if _, err := r.Framework("pci-dss"); !errs.Is(err, errs.NotFound) || !strings.Contains(err.Error(), "hipaa-security-rule") {
		t.Errorf("unknown framework: err = %v", err)
	}
}

func TestSearch(t *testing.T) {
	r := mustLoad(t)
	hits := r.Search("164.312(d)", 10)
	if len(hits) == 0 || hits[0].Item.ID != "hipaa-sr/164.312(d)" || hits[0].Where != "citation" {
		t.Fatalf("search 164.312(d): %+v", hits)
	}
	hits = r.Search("authentication", 0)
	var sawCPG, sawGuidance bool
	for _, h := range hits {
		sawCPG = sawCPG || h.Item.ID == "hph-cpg/essential-3"
		sawGuidance = sawGuidance || h.Where == "guidance"
	}
	if !sawCPG || !sawGuidance {
		t.Errorf("search authentication: CPG %v, guidance %v in %d hits", sawCPG, sawGuidance, len(hits))
	}
	if got := r.Search("   ", 0); got != nil {
		t.Errorf("blank search = %v", got)
	}
	if got := r.Search("zzzz-no-such-words", 0); len(got) != 0 {
		t.Errorf("nonsense search = %v", got)
	}
}

// A broken data file fails loading with every problem named.
func TestLoadRejectsBrokenData(t *testing.T) {
	const broken = `{"id":"x","prefix":"x","name":"X","short_name":"X","version":"1","publisher":"p","source":{"document":"d"},
	"items":[
	 {"id":"x/a","citation":"a","title":"A","kind":"standard","text":"t","source":{"document":"d"}},
	 {"id":"x/a","citation":"a2","title":"dup","kind":"standard","text":"t","source":{"document":"d"}},
	 {"id":"x/b","citation":"b","title":"B","kind":"implementation_specification","parent":"x/a","text":"t","source":{"document":"d"}},
	 {"id":"x/c","citation":"c","title":"","kind":"goal","tier":"middling","text":"t","source":{"document":""},
	  "mappings":[{"to":"x/nowhere","basis":"safeguard"}]},
	 {"id":"y/d","citation":"d","title":"D","kind":"standard","text":"t","parent":"x/zz","source":{"document":"d"}}
	]}`
	_, err := catalog.LoadFS(fstest.MapFS{"x.json": {Data: []byte(broken)}})
	if err == nil {
		t.Fatal("broken catalog loaded")
	}
	for _, want := range []string{
		"x/a: duplicate id",
		"x/b: an implementation specification must say Required or Addressable",
		"x/c: citation, title and kind are required",
		"x/c: tier must be essential or enhanced",
		"x/c: source document is required",
		"x/c: mapping to unknown item x/nowhere",
		`y/d: id must start with "x/"`,
		"y/d: parent x/zz is not an earlier item",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not say %q:\n%v", want, err)
		}
	}
	_, err = catalog.LoadFS(fstest.MapFS{"x.json": {Data: []byte(`{"id":"x","unknown_field":1}`)}})
	if err == nil || !strings.Contains(err.Error(), "x.json") {
		t.Errorf("unknown field: %v", err)
	}
}

// No byte sequence in a data file makes the loader panic; it loads or says
// why not.
func FuzzLoadFS(f *testing.F) {
	f.Add([]byte(`{"id":"x","prefix":"x","name":"X","version":"1","source":{"document":"d"},"items":[]}`))
	f.Add([]byte(`{"id":"x","items":[{"id":"x/a","parent":"x/a","mappings":[{"to":"x/a"}]}]}`))
	f.Add([]byte(`{"id":"x","items":[null]}`))
	f.Add([]byte("\x00\xff{"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := catalog.LoadFS(fstest.MapFS{"x.json": {Data: data}})
		if err == nil && r == nil {
			t.Fatal("nil registry without an error")
		}
	})
}

// No query makes search panic.
func FuzzSearch(f *testing.F) {
	r := mustLoad(f)
	for _, s := range []string{"164.312(d)", "§", "((((", "PR.AA-", "\xff\xfe", "a b c d"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, h := range r.Search(q, 5) {
			if h.Item == nil {
				t.Fatal("hit without an item")
			}
		}
	})
}

// The catalog is loaded and validated at every start.
func BenchmarkLoad(b *testing.B) {
	for b.Loop() {
		if _, err := catalog.Load(); err != nil {
			b.Fatal(err)
		}
	}
}

// Search runs on every /catalog?q= request.
func BenchmarkSearch(b *testing.B) {
	r := mustLoad(b)
	for _, q := range []string{"164.312(d)", "encryption", "risk analysis workforce"} {
		b.Run(q, func(b *testing.B) {
			for b.Loop() {
				r.Search(q, 200)
			}
		})
	}
}
