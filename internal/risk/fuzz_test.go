package risk_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// seeds adds every file of testdata and a small XLSX to the corpus.
func seeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	x := excelize.NewFile()
	x.SetSheetRow("Sheet1", "A1", &[]any{"name", "type", "records", "title", "threat", "assets", "likelihood"})
	x.SetSheetRow("Sheet1", "A2", &[]any{"EHR", "application", 12000, "Ransomware", "ransomware", "EHR", 4})
	var buf bytes.Buffer
	x.Write(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte("name,type\n\"unterminated,device\n"))
	f.Add([]byte("\ufeffName,Type\r\nFax,device\r\n"))
}

// No byte sequence makes the inventory import panic; it plans, or it
// refuses with an error of the user's to fix.
func FuzzPlanAssets(f *testing.F) {
	seeds(f)
	current := []*risk.Asset{{ID: "a", Name: "EHR", Type: risk.Application, Criticality: risk.CriticalityHigh}}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := risk.PlanAssets("fuzz.csv", bytes.NewReader(data), current)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		for _, a := range p.Add {
			if err := a.Validate(); err != nil {
				t.Fatalf("planned an invalid asset: %v", err)
			}
		}
	})
}

// Nor the register import.
func FuzzPlanRisks(f *testing.F) {
	seeds(f)
	_, c := threats(f)
	g := &risk.Register{Scales: risk.Default(), Catalog: c, Assets: []*risk.Asset{{ID: "a", Name: "EHR"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := risk.PlanRisks("fuzz.csv", bytes.NewReader(data), g)
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		for _, r := range p.Add {
			if err := r.Validate(&g.Scales); err != nil {
				t.Fatalf("planned an invalid risk: %v", err)
			}
		}
	})
}
