package dataimport_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/catalog/oscaltest"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

func oscalFile(name string) string {
	return filepath.Join("..", "catalog", "oscalimport", "testdata", name)
}

// An OSCAL catalog, then a profile of it, import through the pipeline as
// frameworks of the organisation's, on either engine: the profile resolved
// against the catalog imported before it, the same file again changing
// nothing, a clash with a built-in framework refused; the organisation
// assesses the profile's controls from start to final and exports the
// result as OSCAL; another organisation sees none of it; a framework with
// an assessment cannot be removed.
func TestOSCALFrameworksImportAndAreAssessed(t *testing.T) {
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc, scope := riverside(t, s)
		after := 0
		imp := func(file, id string) (*dataimport.Outcome, error) {
			return dataimport.File(ctx, dataimport.Request{Path: oscalFile(file), Name: file, Scope: scope, Framework: id, Catalog: reg,
				After: []store.TxFunc{func(context.Context, *sql.Tx) error { after++; return nil }}})
		}

		// A profile before its catalog: refused, naming what it needs.
		if _, err := imp("baseline_profile.json", "clinic-low"); !errs.Is(err, errs.NotFound) || !strings.Contains(err.Error(), "no catalog imported from a file named catalog") {
			t.Fatalf("a profile before its catalog: %v", err)
		}
		out, err := imp("catalog.json", "")
		if err != nil {
			t.Fatal(err)
		}
		if out.Format != ingest.FormatOSCALCatalog || !out.Fresh || out.Records != 6 || out.Import != "clinic-controls-catalog" ||
			!strings.Contains(out.Summary[0], `the OSCAL catalog "Clinic Controls Catalog", version 2.1: 6 controls to assess, as the framework clinic-controls-catalog`) {
			t.Fatalf("catalog: %+v", out)
		}
		if after != 0 {
			t.Errorf("a framework's import ran the request's After %d times: no check reads a framework", after)
		}
		if again, err := imp("catalog.json", ""); err != nil || again.Fresh {
			t.Fatalf("the same catalog again: %+v, %v", again, err)
		}
		if _, err := imp("catalog.json", catalog.HPHCPG); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "used twice") {
			t.Fatalf("a built-in framework's id: %v", err)
		}
		out, err = imp("baseline_profile.json", "clinic-low")
		if err != nil {
			t.Fatal(err)
		}
		if out.Format != ingest.FormatOSCALProfile || out.Records != 4 || !strings.Contains(strings.Join(out.Summary, " "), "resolved against Clinic Controls Catalog (clinic-controls-catalog, version 2.1)") {
			t.Fatalf("profile: %+v", out)
		}

		prog, err := assessment.NewProgram(reg)
		if err != nil {
			t.Fatal(err)
		}
		fws, err := prog.FrameworksFor(ctx, sc)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, fw := range fws {
			ids = append(ids, fw.ID)
		}
		if strings.Join(ids, " ") != "hipaa-security-rule hph-cpg clinic-controls-catalog clinic-low" {
			t.Fatalf("frameworks = %v", ids)
		}
		now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
		a, err := prog.Start(ctx, sc, "clinic-low", "", "", now)
		if err != nil {
			t.Fatal(err)
		}
		if err := prog.Save(ctx, sc, a.ID, "assessment.answer", []*assessment.Answer{{ItemID: "IA-2(1)", Status: assessment.Implemented}}); err != nil {
			t.Fatal(err)
		}
		if err := prog.Save(ctx, sc, a.ID, "assessment.answer", []*assessment.Answer{{ItemID: "IA-2(2)", Status: assessment.Implemented}}); !errs.Is(err, errs.Invalid) {
			t.Fatalf("a control the baseline leaves out: %v", err)
		}
		v, err := prog.Finalize(ctx, sc, a.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		var rows []string
		for _, r := range v.Rows {
			rows = append(rows, strings.Repeat(">", r.Depth)+r.Item.Citation+"="+string(r.Answer.Status))
		}
		if got := strings.Join(rows, " "); got != "AC-1= AC-2= IA-2= >IA-2(1)=implemented" || v.Progress.Applicable != 4 || v.Progress.Answered != 1 {
			t.Fatalf("rows = %s, progress %+v", got, v.Progress)
		}
		raw, err := v.ExportOSCAL("Riverside", now)
		if err != nil {
			t.Fatal(err)
		}
		oscaltest.Validate(t, raw)

		// Another organisation has none of them.
		lakeside := storetest.Clinic("lakeside")
		if err := s.CreateOrganization(ctx, lakeside); err != nil {
			t.Fatal(err)
		}
		other := s.Scope(lakeside)
		if fws, err := prog.FrameworksFor(ctx, other); err != nil || len(fws) != 2 {
			t.Fatalf("another organisation's frameworks: %d, %v", len(fws), err)
		}
		if _, err := prog.Start(ctx, other, "clinic-low", "", "", now); !errs.Is(err, errs.NotFound) {
			t.Fatalf("another organisation starts one: %v", err)
		}

		if err := sc.RemoveFramework(ctx, "clinic-low"); !errs.Is(err, errs.Conflict) {
			t.Fatalf("removing a framework with an assessment: %v", err)
		}
		if err := sc.RemoveFramework(ctx, "clinic-controls-catalog"); err != nil {
			t.Fatal(err)
		}
		stamps, err := sc.FrameworkStamps(ctx)
		if err != nil || len(stamps) != 1 || stamps[0].ID != "clinic-low" || stamps[0].Controls != 4 || stamps[0].Model != "profile" {
			t.Fatalf("left: %+v, %v", stamps, err)
		}
		log, err := s.AuditLog(ctx, store.AuditFilter{OrgID: sc.Org().ID})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log {
			if strings.HasPrefix(e.Action, "framework.") {
				actions = append(actions, e.Action+" "+e.Target)
			}
		}
		if got := strings.Join(actions, ", "); got != "framework.remove clinic-controls-catalog, framework.import clinic-low, framework.import clinic-controls-catalog" {
			t.Fatalf("audit: %s", got)
		}
	})
}
