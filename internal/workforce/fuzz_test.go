package workforce_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

func fuzzSeeds(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.csv"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// No byte sequence makes the roster or completions import panic; they
// plan, or refuse with the user's error.
func FuzzPlanRoster(f *testing.F) {
	fuzzSeeds(f)
	m := workforce.Mapping{"employee_id": "Employee Number", "first_name": "Legal First Name", "last_name": "Legal Last Name", "start_date": "Hire Date", "end_date": "Termination Date", "access": "ePHI Access"}
	current := []*workforce.Person{{ID: "x", EmployeeID: "1001", Name: "Olivia Owens"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := workforce.PlanRoster("fuzz.csv", bytes.NewReader(data), m, current, nil, "2026-11-23")
		if err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
			return
		}
		for _, j := range p.Joiners {
			if err := j.Validate(); err != nil {
				t.Fatalf("planned an invalid joiner: %v", err)
			}
		}
	})
}

func FuzzPlanCompletions(f *testing.F) {
	fuzzSeeds(f)
	people := []*workforce.Person{{ID: "p1", EmployeeID: "1001", Email: "a@b.example"}}
	modules := []*workforce.Module{{Code: "awareness", Title: "Security awareness"}}
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, err := workforce.PlanCompletions("fuzz.csv", bytes.NewReader(data), people, modules, "2026-11-23"); err != nil {
			if k := errs.KindOf(err); k != errs.Invalid && k != errs.TooLarge {
				t.Fatalf("error of kind %s: %v", k, err)
			}
		}
	})
}
