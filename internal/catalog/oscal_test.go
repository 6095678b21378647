package catalog_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/catalog/oscaltest"
)

func TestOSCALExportValidates(t *testing.T) {
	r := mustLoad(t)
	for _, fw := range r.Frameworks() {
		t.Run(fw.ID, func(t *testing.T) {
			data, err := r.ExportOSCAL(fw, time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC))
			if err != nil {
				t.Fatal(err)
			}
			oscaltest.Validate(t, data)
			// Every item that is a control in Safeguard is a control in OSCAL,
			// under its own citation.
			labels := controlLabels(t, data)
			for _, it := range fw.Items {
				if it.Kind == catalog.KindSection || it.Kind == catalog.KindFunction || it.Kind == catalog.KindCategory {
					continue
				}
				if labels[it.Citation] == "" {
					t.Errorf("%s is not a control in the export", it.Citation)
				}
			}
			if fw.ID == catalog.HIPAASecurityRule {
				if got := labels["164.312(a)(2)(iv)"]; got != "addressable" {
					t.Errorf("164.312(a)(2)(iv) exported as %q, want addressable", got)
				}
				if got := labels["164.308(a)(1)(ii)(A)"]; got != "required" {
					t.Errorf("164.308(a)(1)(ii)(A) exported as %q, want required", got)
				}
			}
		})
	}
}

// controlLabels walks the exported catalog and returns each control's label
// with its Required/Addressable prop ("-" where it has none).
func controlLabels(t *testing.T, data []byte) map[string]string {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	var walk func(node map[string]any)
	walk = func(node map[string]any) {
		for _, key := range []string{"groups", "controls"} {
			list, _ := node[key].([]any)
			for _, x := range list {
				child := x.(map[string]any)
				if key == "controls" {
					label, status := "", "-"
					props, _ := child["props"].([]any)
					for _, p := range props {
						pm := p.(map[string]any)
						switch pm["name"] {
						case "label":
							label = pm["value"].(string)
						case "implementation-specification":
							status = pm["value"].(string)
						}
					}
					if label == "" || strings.ContainsAny(child["id"].(string), "()/") {
						t.Errorf("control %v has no label or an id that is not a token", child["id"])
					}
					out[label] = status
				}
				walk(child)
			}
		}
	}
	walk(doc["catalog"].(map[string]any))
	return out
}

// The validation above can fail: an id that is not an OSCAL token is caught.
func TestOSCALValidationCatchesBadIDs(t *testing.T) {
	r := mustLoad(t)
	fw, _ := r.Framework(catalog.HIPAASecurityRule)
	data, err := r.ExportOSCAL(fw, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	bad := strings.Replace(string(data), `"id": "hipaa-sr-164.312-d"`, `"id": "164.312(d)"`, 1)
	if bad == string(data) {
		t.Fatal("control hipaa-sr-164.312-d not found in export")
	}
	oscaltest.Refused(t, []byte(bad))
}
