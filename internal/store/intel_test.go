package store_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

func TestKEVAndEPSSImports(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		read := func(name string) *os.File {
			f, err := os.Open(filepath.Join("..", "ingest", "testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { f.Close() })
			return f
		}
		c, err := ingest.ReadKEV("kev-small.json", read("kev-small.json"))
		if err != nil {
			t.Fatal(err)
		}
		rec, fresh, err := s.ImportKEV(ctx, c)
		if err != nil || !fresh || rec.Records != 3 || rec.Version != "2026.11.20" {
			t.Fatalf("import: %+v %v %v", rec, fresh, err)
		}
		// The same file again is recognised, and changes nothing.
		again, fresh, err := s.ImportKEV(ctx, c)
		if err != nil || fresh || again.ID != rec.ID {
			t.Errorf("re-import: %+v %v %v", again, fresh, err)
		}
		e, err := s.KEVEntry(ctx, "CVE-2023-4966")
		if err != nil || e.Name != "Citrix Bleed" || e.Ransomware != "Known" || e.CWEs[0] != "CWE-119" {
			t.Errorf("entry: %+v %v", e, err)
		}
		if _, err := s.KEVEntry(ctx, "CVE-1999-0001"); !errs.Is(err, errs.NotFound) {
			t.Errorf("absent: %v", err)
		}
		// A newer catalog replaces the old one whole.
		real := filepath.Join("..", "..", "..", "shared", "data", "samples", "kev", "known_exploited_vulnerabilities.json")
		if f, err := os.Open(real); err == nil {
			defer f.Close()
			big, err := ingest.ReadKEV("known_exploited_vulnerabilities.json", f)
			if err != nil {
				t.Fatal(err)
			}
			if rec, fresh, err := s.ImportKEV(ctx, big); err != nil || !fresh || rec.Records != 1404 {
				t.Fatalf("the real catalog: %+v %v", rec, err)
			}
			if _, err := s.KEVEntry(ctx, "CVE-2025-48384"); err != nil {
				t.Error(err)
			}
			if latest, _ := s.LatestImport(ctx, "", "kev"); latest.Version != "2025.08.25" {
				t.Errorf("latest: %+v", latest)
			}
		}
		f, err := ingest.ReadEPSS("epss-small.csv", read("epss-small.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if rec, fresh, err := s.ImportEPSS(ctx, f); err != nil || !fresh || rec.Records != 3 {
			t.Fatalf("epss: %+v %v", rec, err)
		}
		if sc, err := s.EPSS(ctx, "CVE-2024-3400"); err != nil || sc.EPSS != 0.94387 || sc.Percentile != 0.99941 {
			t.Errorf("score: %+v %v", sc, err)
		}
		entries, _ := s.AuditLog(ctx, store.AuditFilter{Limit: 10})
		var actions []string
		for _, e := range entries {
			actions = append(actions, e.Action)
		}
		if got := strings.Join(actions, ","); !strings.Contains(got, "kev.import_again") || !strings.Contains(got, "epss.import") {
			t.Errorf("audit: %s", got)
		}
	})
}
