package checkrun_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// BenchmarkOpenFindings is an organisation of 2,000 hosts scanned twice
// (100,000 findings a scan, 200,000 in all, 100,000 open) on SQLite: the
// second scan's import, the first page of the remediation order and one
// halfway down it, the KEV check's read (the open count and the KEV-listed
// open findings), and the trend between each host's two newest scans.
//
//	go test -run XXX -bench OpenFindings -benchtime 3x ./internal/checkrun
func BenchmarkOpenFindings(b *testing.B) {
	const hosts, perHost = 2000, 50
	s := storetest.SQLite(b)
	o := storetest.Clinic("riverside")
	ctx := context.Background()
	if err := s.CreateOrganization(ctx, o); err != nil {
		b.Fatal(err)
	}
	scanAt := func(day int, name string) error {
		at := time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, day)
		_, err := s.WithClock(func() time.Time { return at }).Scope(o).ImportFindings(ctx, "nessus", name, name, 1, func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
			for h := range hosts {
				for v := range perHost {
					id := fmt.Sprintf("%d", (v+day)%(perHost+10))
					if err := emit(ingest.Finding{Scanner: "nessus", Host: fmt.Sprintf("10.1.%d.%d", h/250, h%250), VulnID: "nessus:" + id, CVE: "CVE-2025-" + id,
						Severity: "high", CVSS: float64(v%10) + 0.5, Title: "Finding " + id}); err != nil {
						return nil, err
					}
				}
			}
			return &ingest.ScanInfo{SHA256: name}, nil
		})
		return err
	}
	if err := scanAt(0, "week-1"); err != nil {
		b.Fatal(err)
	}
	b.Run("import", func(b *testing.B) {
		for i := 0; b.Loop(); i++ {
			if err := scanAt(1+i, fmt.Sprintf("week-%d", i+2)); err != nil {
				b.Fatal(err)
			}
		}
	})
	sc := s.Scope(o)
	b.Run("remediation", func(b *testing.B) {
		for b.Loop() {
			if rows, total, err := sc.Remediation(ctx, store.Cursor{}, 100); err != nil || len(rows) != 100 || total != hosts*perHost {
				b.Fatalf("%d rows of %d: %v", len(rows), total, err)
			}
		}
	})
	// A page deep in the order: after the 50,000th row.
	deep := store.Cursor{}
	for deep.Rank < hosts*perHost/2 {
		rows, _, err := sc.Remediation(ctx, deep, 1000)
		if err != nil {
			b.Fatal(err)
		}
		deep = store.Cursor{ID: rows[len(rows)-1].ID, Rank: rows[len(rows)-1].Rank}
	}
	b.Run("remediation-deep", func(b *testing.B) {
		for b.Loop() {
			if rows, _, err := sc.Remediation(ctx, deep, 100); err != nil || len(rows) != 100 || rows[0].Rank != deep.Rank+1 {
				b.Fatalf("%d rows: %v", len(rows), err)
			}
		}
	})
	b.Run("trend", func(b *testing.B) {
		for b.Loop() {
			if tr, err := sc.FindingsTrend(ctx, "", 200); err != nil || len(tr.Places) != 200 || tr.Count != hosts {
				b.Fatalf("trend: %v", err)
			}
		}
	})
	b.Run("kev-check-read", func(b *testing.B) {
		for b.Loop() {
			open, err := sc.OpenFindings(ctx)
			if err != nil || open != hosts*perHost {
				b.Fatalf("%d open: %v", open, err)
			}
			if err := sc.EachKEVOpenFinding(ctx, func(*check.OpenFinding) error { return nil }); err != nil {
				b.Fatal(err)
			}
		}
	})
}
