package storetest

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"testing"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/findings"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
)

// Clinic is a small provider of five people at one site, by slug.
func Clinic(slug string) *org.Organization {
	return &org.Organization{Slug: slug, Name: "Riverside Family Clinic", EntityType: org.Provider, WorkforceSize: 5, Sites: 1}
}

// Riverside creates the organisation riverside and returns its store.
func Riverside(t testing.TB, s *store.Store) *store.Scoped {
	t.Helper()
	o := Clinic("riverside")
	if err := s.CreateOrganization(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return s.Scope(o)
}

// ImportScan imports findings as one Nessus scan named name.
func ImportScan(t testing.TB, ctx context.Context, sc *store.Scoped, name string, fs ...ingest.Finding) {
	t.Helper()
	sha := fmt.Sprintf("%064x", len(name)*7919+len(fs))
	if _, err := sc.ImportFindings(ctx, "nessus", name, sha, 1, func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
		for _, f := range fs {
			f.Scanner = "nessus"
			if err := emit(f); err != nil {
				return nil, err
			}
		}
		return &ingest.ScanInfo{Scanner: "nessus", Findings: len(fs), SHA256: sha}, nil
	}); err != nil {
		t.Fatal(err)
	}
}

// EveryOpen walks the whole order to fix a few rows a page, as a reader
// of the findings page does (following next), checks that the ranks
// follow on, that walking back from the last page (following prev) meets
// the same rows, and that the total is the number of rows.
func EveryOpen(t testing.TB, ctx context.Context, sc *store.Scoped) []*check.Priority {
	t.Helper()
	const size = 2
	var rows []*check.Priority
	var pages []*findings.Page
	after := ""
	for {
		p, err := findings.Remediation(ctx, sc, after, "", size)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range p.Rows {
			if r.Rank != len(rows)+1 {
				t.Fatalf("rank %d after %d rows", r.Rank, len(rows))
			}
			rows = append(rows, r)
		}
		if p.Total != len(rows) && p.Next == "" || p.Total < len(rows) {
			t.Fatalf("total %d, %d rows", p.Total, len(rows))
		}
		pages = append(pages, p)
		if p.Next == "" {
			break
		}
		after = p.Next
	}
	for i := len(pages) - 1; i > 0; i-- {
		back, err := findings.Remediation(ctx, sc, "", pages[i].Prev, size)
		if err != nil {
			t.Fatal(err)
		}
		want := pages[i-1]
		if len(back.Rows) != len(want.Rows) || back.Prev != want.Prev || back.Next != want.Next {
			t.Fatalf("page %d read back: prev %q next %q, want %q %q", i, back.Prev, back.Next, want.Prev, want.Next)
		}
		for j, r := range back.Rows {
			if r.ID != want.Rows[j].ID || r.Rank != want.Rows[j].Rank || r.Why != want.Rows[j].Why {
				t.Fatalf("page %d read back, row %d: %d %s\n%s\nwant %d %s\n%s", i, j, r.Rank, r.ID, r.Why, want.Rows[j].Rank, want.Rows[j].ID, want.Rows[j].Why)
			}
		}
	}
	return rows
}

// Open opens a file for reading until the test ends.
func Open(t testing.TB, path string) *os.File {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// ImportFile imports a scanner file (Trivy or Nessus JSON/XML, detected
// from its content) into sc.
func ImportFile(t testing.TB, ctx context.Context, sc *store.Scoped, name string, data []byte) {
	t.Helper()
	sum := sha256.Sum256(data)
	kind := ingest.Detect(data)
	reader := map[string]func(string, *bytes.Reader, func(ingest.Finding) error) (*ingest.ScanInfo, error){
		ingest.FormatTrivy: func(f string, r *bytes.Reader, e func(ingest.Finding) error) (*ingest.ScanInfo, error) {
			return ingest.ReadTrivy(f, r, e)
		},
		ingest.FormatNessus: func(f string, r *bytes.Reader, e func(ingest.Finding) error) (*ingest.ScanInfo, error) {
			return ingest.ReadNessus(f, r, e)
		},
	}[kind]
	if _, err := sc.ImportFindings(ctx, kind, name, hex.EncodeToString(sum[:]), int64(len(data)), func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
		return reader(name, bytes.NewReader(data), emit)
	}); err != nil {
		t.Fatal(err)
	}
}
