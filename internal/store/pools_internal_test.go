package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/org"
)

// The reads over many rows have a pool of their own: while they hold all
// of its connections, a light read still gets one at once, and a heavy
// read (a whole register, every account, the open findings, the trend)
// waits for its own pool rather than taking the light reads'.
func TestHeavyReadsLeaveLightOnesAConnection(t *testing.T) {
	s := openForTest(t, t.TempDir()+"/pools.db")
	ctx := context.Background()
	o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
	if err := s.CreateOrganization(ctx, o); err != nil {
		t.Fatal(err)
	}
	sc := s.Scope(o)
	// Every connection of the heavy pool busy, as long reads keep them.
	var held []*sql.Rows
	for range heavyConns {
		rows, err := s.reader(heavy(ctx)).QueryContext(ctx, `SELECT 1`)
		if err != nil {
			t.Fatal(err)
		}
		held = append(held, rows)
	}
	defer func() {
		for _, r := range held {
			r.Close()
		}
	}()
	light, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := s.OrganizationBySlug(light, "riverside"); err != nil {
		t.Fatalf("a light read while the heavy pool is busy: %v", err)
	}
	if _, err := sc.Assets(light); err != nil {
		t.Fatalf("a light read of the assets: %v", err)
	}
	// A page of the order to fix, or of the trend, is a range of an index:
	// a light read.
	if _, _, err := sc.Remediation(light, Cursor{}, 100); err != nil {
		t.Fatalf("a page of the remediation order: %v", err)
	}
	if _, err := sc.FindingsTrend(light, "", 200); err != nil {
		t.Fatalf("a page of the trend: %v", err)
	}
	for name, read := range map[string]func(context.Context) error{
		"the register":  func(ctx context.Context) error { _, err := sc.RiskRegister(ctx, nil); return err },
		"every account": func(ctx context.Context) error { return sc.EachAccount(ctx, func(*Account) error { return nil }) },
		"the KEV-listed": func(ctx context.Context) error {
			return sc.EachKEVOpenFinding(ctx, func(*OpenFinding) error { return nil })
		},
		"the people slices": func(ctx context.Context) error { return sc.EachPeopleSlice(ctx, nil) },
	} {
		waiting, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
		err := read(waiting)
		cancel()
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("%s did not wait for the heavy pool: %v", name, err)
		}
	}
}
