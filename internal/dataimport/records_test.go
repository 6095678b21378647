package dataimport_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// clinic is an organisation of s, and the catalog.
func clinic(t *testing.T, s *store.Store) (*store.Scoped, *catalog.Registry) {
	t.Helper()
	o := &org.Organization{Slug: "riverside", Name: "Riverside", EntityType: org.Provider}
	if err := s.CreateOrganization(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	return s.Scope(o), reg
}

// trainingClinic is a clinic with the starter training program, and the
// records service over it.
func trainingClinic(t *testing.T, s *store.Store) (*store.Scoped, *dataimport.Records) {
	t.Helper()
	sc, reg := clinic(t, s)
	prog, _, err := workforce.Starter(reg)
	if err != nil {
		t.Fatal(err)
	}
	svc := &training.Service{}
	if err := svc.InstallProgram(context.Background(), sc, prog); err != nil {
		t.Fatal(err)
	}
	return sc, &dataimport.Records{Training: svc}
}

// An inventory file is planned against the register, applied once the
// preview's digest still holds, and refused when the register moved
// between the preview and the apply; a bad file names its cell and
// writes nothing; an unknown kind is refused.
func TestPlanRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc, reg := clinic(t, s)
		threats, err := risk.LoadThreats(reg)
		if err != nil {
			t.Fatal(err)
		}
		rs := &dataimport.Records{Threats: threats, Training: &training.Service{}}
		now := time.Now()
		content, err := os.ReadFile(filepath.Join("..", "risk", "testdata", "inventory.csv"))
		if err != nil {
			t.Fatal(err)
		}
		preview, err := rs.Plan(ctx, sc, dataimport.RecordAssets, "inventory.csv", content, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		if n := len(preview.Assets.Add); n == 0 || !strings.HasPrefix(preview.Summary(), "inventory.csv: ") {
			t.Fatalf("plan: %d to add; %s", n, preview.Summary())
		}
		// Someone adds an asset between the preview and the apply.
		if err := sc.CreateAsset(ctx, &risk.Asset{Name: "Fax server", Type: risk.AssetTypes[0]}); err != nil {
			t.Fatal(err)
		}
		if _, err := rs.ApplyPreviewed(ctx, sc, dataimport.RecordAssets, "inventory.csv", content, nil, now, preview.Digest); !errs.Is(err, errs.Conflict) {
			t.Fatalf("apply after the register moved: %v", err)
		}
		if as, _ := sc.Assets(ctx); len(as) != 1 {
			t.Fatalf("a refused apply wrote %d assets", len(as))
		}
		again, err := rs.Plan(ctx, sc, dataimport.RecordAssets, "inventory.csv", content, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		done, err := rs.ApplyPreviewed(ctx, sc, dataimport.RecordAssets, "inventory.csv", content, nil, now, again.Digest)
		if err != nil {
			t.Fatal(err)
		}
		if as, _ := sc.Assets(ctx); len(as) != 1+len(done.Assets.Add) || !strings.HasPrefix(done.Outcome(), "Imported inventory.csv: ") {
			t.Errorf("applied: %d assets; %s", len(as), done.Outcome())
		}
		bad := []byte("name,type\nEHR,spaceship\n")
		if _, err := rs.Plan(ctx, sc, dataimport.RecordAssets, "bad.csv", bad, nil, now); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("bad type: %v", err)
		}
		if _, err := rs.Plan(ctx, sc, "vendors", "v.csv", content, nil, now); !errs.Is(err, errs.Invalid) {
			t.Errorf("unknown kind: %v", err)
		}
	})
}

// A roster is planned through the remembered or guessed mapping and
// applied (with the training input refreshed); a mapping changed after
// the preview is refused; completions are planned against the roster and
// the program, a bad row naming its line.
func TestPlanRosterAndCompletions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc, rs := trainingClinic(t, s)
		now := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
		content, err := os.ReadFile(filepath.Join("..", "workforce", "testdata", "roster-2026-01.csv"))
		if err != nil {
			t.Fatal(err)
		}
		header, m, err := rs.RosterMapping(ctx, sc, "hr.csv", content)
		if err != nil || header[0] != "Employee Number" || m["employee_id"] != "Employee Number" {
			t.Fatalf("mapping: %v %v %v", header, m, err)
		}
		preview, err := rs.Plan(ctx, sc, dataimport.RecordRoster, "hr.csv", content, m, now)
		if err != nil {
			t.Fatal(err)
		}
		joiners := len(preview.Roster.Joiners)
		if joiners == 0 || !strings.Contains(preview.Summary(), "joiner(s)") {
			t.Fatalf("roster plan: %s", preview.Summary())
		}
		other := workforce.Mapping{}
		for k, v := range m {
			other[k] = v
		}
		delete(other, "department")
		if _, err := rs.ApplyPreviewed(ctx, sc, dataimport.RecordRoster, "hr.csv", content, other, now, preview.Digest); !errs.Is(err, errs.Conflict) {
			t.Fatalf("apply through another mapping: %v", err)
		}
		if _, err := rs.ApplyPreviewed(ctx, sc, dataimport.RecordRoster, "hr.csv", content, m, now, preview.Digest); err != nil {
			t.Fatal(err)
		}
		if people, _ := sc.People(ctx); len(people) != joiners {
			t.Errorf("%d people after %d joiners", len(people), joiners)
		}
		done, err := os.ReadFile(filepath.Join("..", "workforce", "testdata", "completions.csv"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := rs.Plan(ctx, sc, dataimport.RecordCompletions, "lms.csv", done, nil, now); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "line 5") {
			t.Errorf("completions naming an unknown person: %v", err)
		}
		good := []byte("employee_id,module,completed_on\n1001,awareness,2026-01-20\n")
		p, err := rs.Plan(ctx, sc, dataimport.RecordCompletions, "lms.csv", good, nil, now)
		if err != nil {
			t.Fatal(err)
		}
		if err := rs.Apply(ctx, sc, p); err != nil {
			t.Fatal(err)
		}
		if cs, _ := sc.Completions(ctx, ""); len(cs) != 1 || p.Outcome() != "Recorded 1 completion(s) from lms.csv." {
			t.Errorf("completions: %d; %s", len(cs), p.Outcome())
		}
	})
}

// counting is a roster sink that counts what it is handed.
type counting struct{ joined, moved, left, same int }

func (c *counting) Join(*workforce.Person) error { c.joined++; return nil }
func (c *counting) Move(*workforce.Move) error   { c.moved++; return nil }
func (c *counting) Leave(*workforce.Leave) error { c.left++; return nil }
func (c *counting) Same() error                  { c.same++; return nil }

// A streamed roster hands every change to the caller; only with apply is
// it written, and a second export is read against what the first wrote.
func TestStreamRoster(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc, rs := trainingClinic(t, s)
		jan, err := os.ReadFile(filepath.Join("..", "workforce", "testdata", "roster-2026-01.csv"))
		if err != nil {
			t.Fatal(err)
		}
		_, m, err := rs.RosterMapping(ctx, sc, "jan.csv", jan)
		if err != nil {
			t.Fatal(err)
		}
		now := time.Date(2026, 2, 1, 9, 0, 0, 0, time.UTC)
		var dry counting
		if _, err := rs.StreamRoster(ctx, sc, "jan.csv", bytes.NewReader(jan), m, now, false, &dry); err != nil {
			t.Fatal(err)
		}
		if people, _ := sc.People(ctx); dry.joined == 0 || len(people) != 0 {
			t.Fatalf("a preview handed %d joiners and wrote %d people", dry.joined, len(people))
		}
		var wet counting
		if _, err := rs.StreamRoster(ctx, sc, "jan.csv", bytes.NewReader(jan), m, now, true, &wet); err != nil {
			t.Fatal(err)
		}
		if people, _ := sc.People(ctx); wet != dry || len(people) != dry.joined {
			t.Fatalf("applied: handed %+v (preview %+v), wrote %d people", wet, dry, len(people))
		}
		jul, err := os.ReadFile(filepath.Join("..", "workforce", "testdata", "roster-2026-07.csv"))
		if err != nil {
			t.Fatal(err)
		}
		var later counting
		if _, err := rs.StreamRoster(ctx, sc, "jul.csv", bytes.NewReader(jul), m, now.AddDate(0, 5, 10), false, &later); err != nil {
			t.Fatal(err)
		}
		if later.same == 0 || later.moved+later.left+later.joined == 0 {
			t.Errorf("the second export against the first: %+v", later)
		}
	})
}
