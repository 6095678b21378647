package store_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// rosterCSV is an HR export of n people in a hospital's shape: positions
// and departments of several kinds, access levels, hire dates.
func rosterCSV(n int) []byte {
	var b bytes.Buffer
	b.WriteString("Employee Number,First Name,Last Name,Work Email,Job Title,Department,Manager ID,Worker Type,Hire Date,Termination Date,ePHI Access\n")
	positions := []string{"Registered nurse", "Physician", "Medical assistant", "Billing specialist", "Systems administrator", "Front desk", "Pharmacist", "Lab technician"}
	departments := []string{"Clinical", "Clinical", "Clinical", "Billing", "IT", "Front office", "Pharmacy", "Laboratory"}
	access := []string{"modify", "modify", "modify", "modify", "administer", "view", "modify", "view"}
	types := []string{"Employee", "Employee", "Employee", "Contractor", "Employee", "Employee", "Employee", "Trainee"}
	for i := range n {
		k := i % len(positions)
		fmt.Fprintf(&b, "E%07d,First%d,Last%d,e%d@hospital.example,%s,%s,E%07d,%s,20%02d-%02d-15,,%s\n", i, i, i, i, positions[k], departments[k], i/50, types[k], 10+i%15, 1+i%12, access[k])
	}
	return b.Bytes()
}

var rosterMapping = workforce.Mapping{"employee_id": "Employee Number", "first_name": "First Name", "last_name": "Last Name", "email": "Work Email",
	"position": "Job Title", "department": "Department", "manager": "Manager ID", "type": "Worker Type", "start_date": "Hire Date", "end_date": "Termination Date", "access": "ePHI Access"}

// BenchmarkRosterImport imports a roster of 100,000 people into an empty
// SQLite database in one transaction and re-evaluates every assignment of
// the starter program from what the store holds.
func BenchmarkRosterImport(b *testing.B) {
	data := rosterCSV(100000)
	reg, err := catalog.Load()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		s := storetest.SQLite(b)
		sc := newBenchOrg(b, s)
		starter, _, _ := workforce.Starter(reg)
		if err := sc.InstallProgram(context.Background(), starter); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		ctx := context.Background()
		p, err := workforce.PlanRoster("roster.csv", bytes.NewReader(data), rosterMapping, nil, nil, "2026-11-23")
		if err != nil {
			b.Fatal(err)
		}
		if err := sc.ApplyRoster(ctx, p, nil); err != nil {
			b.Fatal(err)
		}
		people, err := sc.People(ctx)
		if err != nil {
			b.Fatal(err)
		}
		prog, _ := sc.TrainingProgram(ctx)
		done, _ := sc.Completions(ctx, "")
		if as := training.Evaluate(prog, people, done, "2026-11-23"); len(as) < 300000 {
			b.Fatalf("%d assignments", len(as))
		}
	}
}

// BenchmarkRosterPlan only reads and checks the same export: the floor the
// import is compared with.
func BenchmarkRosterPlan(b *testing.B) {
	data := rosterCSV(100000)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := workforce.PlanRoster("roster.csv", bytes.NewReader(data), rosterMapping, nil, nil, "2026-11-23"); err != nil {
			b.Fatal(err)
		}
	}
}
