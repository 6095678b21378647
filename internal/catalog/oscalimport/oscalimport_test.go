package oscalimport_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/catalog/oscalimport"
	"github.com/safeguard-health/safeguard/internal/errs"
)

func read(t *testing.T, name string) *oscalimport.Document {
	t.Helper()
	return readFrom(t, "testdata", name)
}

// readFrom reads and validates the OSCAL document dir/name.
func readFrom(t *testing.T, dir, name string) *oscalimport.Document {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := oscalimport.Read(name, f)
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

func items(fw *catalog.Framework) map[string]*catalog.Item {
	out := map[string]*catalog.Item{}
	for _, it := range fw.Items {
		out[it.ID] = it
	}
	return out
}

func TestCatalogBecomesAFramework(t *testing.T) {
	doc := read(t, "catalog.json")
	if doc.Model != oscalimport.ModelCatalog || doc.Title != "Clinic Controls Catalog" || doc.Version != "2.1" || doc.Publisher != "Riverside Health IT Security" {
		t.Fatalf("document = %+v", doc)
	}
	fw, err := oscalimport.Framework(doc, doc.Catalog, oscalimport.Slug(doc.Title), "imported for the test")
	if err != nil {
		t.Fatal(err)
	}
	if fw.ID != "clinic-controls-catalog" || fw.Basis != catalog.BasisGuidance || fw.Source.Note != "imported for the test" {
		t.Fatalf("framework = %+v", fw)
	}
	var got []string
	for _, it := range fw.Items {
		got = append(got, it.Citation+"|"+it.Kind+"|"+strings.TrimPrefix(it.Parent, fw.Prefix+"/"))
	}
	want := []string{"AC|section|", "AC-1|control|ac", "AC-2|control|ac", "AC-2(1)|control|ac-2", "IA|section|", "IA-2|control|ia", "IA-2(1)|control|ia-2", "IA-2(2)|control|ia-2"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("items:\n got %v\nwant %v (the withdrawn AC-3 left out)", got, want)
	}
	byID := items(fw)
	ac1 := byID["clinic-controls-catalog/ac-1"]
	wantText := "a. Develop, document, and disseminate to [Assignment: organization-defined personnel or roles]:\n" +
		"  1. [Selection (one or more): organization-level; mission/business process-level; system-level] access control policy; and\n" +
		"b. Review and update the current access control policy [Assignment: organization-defined frequency]."
	if ac1.Text != wantText {
		t.Fatalf("AC-1 text:\n%s\nwant:\n%s", ac1.Text, wantText)
	}
	if ac1.Discussion != "Access control policy and procedures address the controls in the AC family." {
		t.Fatalf("AC-1 discussion = %q", ac1.Discussion)
	}
	if got := byID["clinic-controls-catalog/ac-2.1"].Text; got != "Support the management of system accounts using [Assignment: organization-defined automated mechanisms]." {
		t.Fatalf("AC-2(1) text = %q", got)
	}
	// Related controls as the catalog links them, within the framework:
	// the withdrawn AC-3 and the absent AU-2 are dropped, IA-2 kept once.
	if m := byID["clinic-controls-catalog/ac-2"].Mappings; len(m) != 1 || m[0].To != "clinic-controls-catalog/ia-2" || m[0].Basis != "publisher" {
		t.Fatalf("AC-2's mappings: %+v", m)
	}
	if !strings.Contains(strings.Join(fw.Notes, " "), "6 controls to assess") || !strings.Contains(strings.Join(fw.Notes, " "), "1 withdrawn") {
		t.Fatalf("notes = %v", fw.Notes)
	}

	base, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	reg, err := base.With(fw)
	if err != nil {
		t.Fatal(err)
	}
	got2, err := reg.Framework("clinic-controls-catalog")
	if err != nil || got2 != fw {
		t.Fatalf("framework lookup: %v", err)
	}
	it, err := reg.FindItem(fw, "AC-2(1)")
	if err != nil || it.ID != "clinic-controls-catalog/ac-2.1" {
		t.Fatalf("FindItem(AC-2(1)) = %v, %v", it, err)
	}
	if kids := reg.Children("clinic-controls-catalog/ia-2"); len(kids) != 2 {
		t.Fatalf("IA-2 has %d enhancements, want 2", len(kids))
	}
	if rel := reg.Related("clinic-controls-catalog/ia-2"); len(rel) != 1 || rel[0].Item.Citation != "AC-2" || rel[0].Outgoing {
		t.Fatalf("IA-2's relations: %+v", rel)
	}
	if _, err := base.Framework("clinic-controls-catalog"); err == nil {
		t.Fatal("With changed the registry it was called on")
	}
	// A framework of the same id as a built-in one is refused.
	clash, _ := oscalimport.Framework(doc, doc.Catalog, catalog.HPHCPG, "")
	if _, err := base.With(clash); err == nil || !strings.Contains(err.Error(), "used twice") {
		t.Fatalf("a clashing id: %v", err)
	}
}

func TestProfileResolvesAgainstItsCatalog(t *testing.T) {
	cat := read(t, "catalog.json")
	prof := read(t, "baseline_profile.json")
	if prof.Model != oscalimport.ModelProfile {
		t.Fatalf("model = %s", prof.Model)
	}
	var asked []string
	lookup := func(names []string) (*oscal.Catalog, error) {
		asked = names
		for _, n := range names {
			if n == "catalog" {
				return cat.Catalog, nil
			}
		}
		return nil, errs.New(errs.NotFound, "no catalog")
	}
	resolved, err := oscalimport.Resolve(prof.Profile, lookup)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(asked, ",") != "catalog" {
		t.Fatalf("the back-matter resource's links gave %v, want [catalog]", asked)
	}
	fw, err := oscalimport.Framework(prof, resolved, "clinic-low", "")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, it := range fw.Items {
		if it.Kind == catalog.KindControl {
			got = append(got, it.Citation)
		}
	}
	if strings.Join(got, " ") != "AC-1 AC-2 IA-2 IA-2(1)" {
		t.Fatalf("controls = %v: want AC-1, AC-2, IA-2 with its child IA-2(1), less the excluded IA-2(2)", got)
	}
	byID := items(fw)
	if !strings.Contains(byID["clinic-low/ac-1"].Text, "policy at least every 12 months.") {
		t.Fatalf("the profile's parameter value is not in AC-1: %q", byID["clinic-low/ac-1"].Text)
	}
	if !strings.HasSuffix(byID["clinic-low/ac-2"].Text, "\nc. Disable accounts of departing workforce members within one business day.") {
		t.Fatalf("the profile's added statement item is not in AC-2: %q", byID["clinic-low/ac-2"].Text)
	}
	// The catalog the lookup keeps is not changed by the profile.
	fwCat, _ := oscalimport.Framework(cat, cat.Catalog, "clinic", "")
	if strings.Contains(items(fwCat)["clinic/ac-1"].Text, "12 months") || strings.Contains(items(fwCat)["clinic/ac-2"].Text, "Disable") {
		t.Fatal("resolving the profile changed the catalog it was resolved against")
	}
}

func TestProfileErrorsNameWhatIsMissing(t *testing.T) {
	cat := read(t, "catalog.json")
	found := func([]string) (*oscal.Catalog, error) { return cat.Catalog, nil }
	data, err := os.ReadFile(filepath.Join("testdata", "baseline_profile.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, from, to, want string }{
		{"unknown control", `"ac-1", "ac-2"`, `"ac-1", "ac-99"`, "control ac-99, which the catalog does not have"},
		{"unknown parameter", `"param-id": "ac-01_odp.03"`, `"param-id": "zz-01_odp.09"`, "parameter zz-01_odp.09"},
		{"alter of a control not selected", `"control-id": "ac-2"`, `"control-id": "ia-2.2"`, "alters control ia-2.2, which it does not select"},
		{"add by an unknown id", `"by-id": "ac-2_smt"`, `"by-id": "ac-2_smt.z"`, "by id ac-2_smt.z"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := oscalimport.Read("p.json", bytes.NewReader(bytes.Replace(data, []byte(tc.from), []byte(tc.to), 1)))
			if err != nil {
				t.Fatal(err)
			}
			_, err = oscalimport.Resolve(doc.Profile, found)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errs.Is(err, errs.Invalid) {
				t.Fatalf("err = %v, want Invalid naming %q", err, tc.want)
			}
		})
	}
	prof := read(t, "baseline_profile.json")
	missing := errs.New(errs.NotFound, "no catalog named catalog has been imported")
	if _, err := oscalimport.Resolve(prof.Profile, func([]string) (*oscal.Catalog, error) { return nil, missing }); !errors.Is(err, missing) {
		t.Fatalf("a missing catalog: %v", err)
	}
}

func TestReadRefusesWhatIsNotACatalogOrProfile(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "catalog.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ name, in, want string }{
		{"XML", `<?xml version="1.0"?><catalog xmlns="http://csrc.nist.gov/ns/oscal/1.0"/>`, "convert an XML or YAML document to JSON"},
		{"broken JSON", `{"catalog": {`, "x.json is not valid JSON"},
		{"another model", `{"system-security-plan": {}}`, "not an OSCAL catalog or profile (its top-level key is system-security-plan)"},
		{"schema violation", strings.Replace(string(data), `"title": "Clinic Controls Catalog",`, ``, 1), "x.json does not conform to the OSCAL schema: /catalog/metadata"},
		{"bad uuid", strings.Replace(string(data), `6f1d3a4e-2b7c-4d8e-9f10-1a2b3c4d5e6f`, `not-a-uuid`, 1), "/catalog/uuid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := oscalimport.Read("x.json", strings.NewReader(tc.in))
			if err == nil || !strings.Contains(err.Error(), tc.want) || !errs.Is(err, errs.Invalid) {
				t.Fatalf("err = %v, want Invalid containing %q", err, tc.want)
			}
		})
	}
	if _, err := oscalimport.Framework(read(t, "catalog.json"), read(t, "catalog.json").Catalog, "Not An ID", ""); err == nil || !strings.Contains(err.Error(), "is not a framework id") {
		t.Fatalf("a bad id: %v", err)
	}
}

func TestSlugAndStem(t *testing.T) {
	for in, want := range map[string]string{
		"NIST Special Publication 800-53 Revision 5.1.1 MODERATE IMPACT BASELINE": "nist-special-publication-800-53-revision-5.1.1-moderate",
		"Clinic Controls Catalog": "clinic-controls-catalog",
	} {
		if got := oscalimport.Slug(in); got != want {
			t.Errorf("Slug(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"../../../../nist.gov/SP800-53/rev5/json/NIST_SP-800-53_rev5_catalog.json": "nist_sp-800-53_rev5_catalog",
		"https://example.org/x/catalog.XML?v=2":                                    "catalog",
		"C:\\oscal\\catalog.yaml":                                                  "catalog",
	} {
		if got := oscalimport.Stem(in); got != want {
			t.Errorf("Stem(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestNISTBaselines resolves NIST's own SP 800-53 Rev. 5 baseline profiles
// and compares each with the resolved catalog NIST publishes beside it:
// the same controls in the same order, the same statements. It reads the
// json folder of NIST's oscal-content (nist.gov/SP800-53/rev5/json) named
// by SAFEGUARD_TEST_OSCAL_CONTENT, and is skipped without it. The profiles
// import the full catalog; where only the resolved HIGH baseline is at
// hand, it stands in (every LOW and MODERATE control is a HIGH one).
func TestNISTBaselines(t *testing.T) {
	dir := os.Getenv("SAFEGUARD_TEST_OSCAL_CONTENT")
	if dir == "" {
		t.Skip("SAFEGUARD_TEST_OSCAL_CONTENT names no folder of NIST's SP 800-53 Rev. 5 OSCAL JSON")
	}
	// NIST publishes each file also minified (-min.json): either will do.
	find := func(name string) string {
		min := strings.TrimSuffix(name, ".json") + "-min.json"
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			if _, err := os.Stat(filepath.Join(dir, min)); err == nil {
				return min
			}
		}
		return name
	}
	open := func(name string) *oscalimport.Document {
		t.Helper()
		return readFrom(t, dir, find(name))
	}
	full := "NIST_SP-800-53_rev5_catalog.json"
	if _, err := os.Stat(filepath.Join(dir, find(full))); err != nil {
		full = "NIST_SP-800-53_rev5_HIGH-baseline-resolved-profile_catalog.json"
	}
	cat := open(full)
	fwCat, err := oscalimport.Framework(cat, cat.Catalog, "sp800-53r5", "")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s: %s", full, fwCat.Notes[0])
	base, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, level := range []string{"LOW", "MODERATE", "HIGH"} {
		prof := open("NIST_SP-800-53_rev5_" + level + "-baseline_profile.json")
		resolved, err := oscalimport.Resolve(prof.Profile, func(names []string) (*oscal.Catalog, error) {
			for _, n := range names {
				if n == "nist_sp-800-53_rev5_catalog" {
					return cat.Catalog, nil
				}
			}
			return nil, errs.New(errs.NotFound, "not the catalog")
		})
		if err != nil {
			t.Fatal(err)
		}
		ours, err := oscalimport.Framework(prof, resolved, "sp800-53r5-"+strings.ToLower(level), "")
		if err != nil {
			t.Fatal(err)
		}
		nist := open("NIST_SP-800-53_rev5_" + level + "-baseline-resolved-profile_catalog.json")
		theirs, err := oscalimport.Framework(nist, nist.Catalog, "nist-"+strings.ToLower(level), "")
		if err != nil {
			t.Fatal(err)
		}
		var a, b []string
		for _, it := range ours.Items {
			a = append(a, it.LocalID()+"\n"+it.Citation+"\n"+it.Text)
		}
		for _, it := range theirs.Items {
			b = append(b, it.LocalID()+"\n"+it.Citation+"\n"+it.Text)
		}
		if len(a) != len(b) {
			t.Fatalf("%s: %d items resolved, NIST's resolved catalog has %d", level, len(a), len(b))
		}
		for i := range a {
			if a[i] != b[i] {
				t.Fatalf("%s: item %d differs:\n ours %q\nNIST's %q", level, i, a[i], b[i])
			}
		}
		if _, err := base.With(fwCat, ours); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s baseline: %s, as NIST resolved it", level, ours.Notes[0])
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"catalog.json", "baseline_profile.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"profile": {"imports": [{"href": "#x"}]}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := oscalimport.Read("fuzz.json", bytes.NewReader(data))
		if err != nil {
			if !errs.Is(err, errs.Invalid) {
				t.Fatalf("not Invalid: %v", err)
			}
			return
		}
		lookup := func([]string) (*oscal.Catalog, error) { return nil, errs.New(errs.NotFound, "none") }
		cat := doc.Catalog
		if doc.Profile != nil {
			if cat, err = oscalimport.Resolve(doc.Profile, lookup); err != nil {
				return
			}
		}
		_, _ = oscalimport.Framework(doc, cat, "fuzz", "")
	})
}
