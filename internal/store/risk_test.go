package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/risk/risktest"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

func riskCatalog(t *testing.T) *risk.Threats {
	_, c := risktest.Threats(t)
	return c
}

func TestRiskRegister(t *testing.T) {
	threats := riskCatalog(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := storetest.Clinic("riverside")
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		other := storetest.Clinic("elsewhere")
		if err := s.CreateOrganization(ctx, other); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		ehr := &risk.Asset{Name: "EHR", Type: risk.Application, Maintains: true, Records: 12000, Criticality: risk.CriticalityCritical}
		pc := &risk.Asset{Name: "Front desk PC", Type: risk.Device, Creates: true}
		for _, a := range []*risk.Asset{ehr, pc} {
			if err := sc.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		if err := sc.CreateAsset(ctx, &risk.Asset{Name: "ehr", Type: risk.System}); !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), `already has an asset named "ehr"`) {
			t.Errorf("duplicate name: %v", err)
		}
		// The other organisation may use the name; it never sees these assets.
		if err := s.Scope(other).CreateAsset(ctx, &risk.Asset{Name: "EHR", Type: risk.Application}); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Scope(other).Asset(ctx, ehr.ID); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organisation reads the asset: %v", err)
		}
		if err := sc.AddFlow(ctx, &risk.Flow{From: pc.ID, To: ehr.ID, Description: "registration", Encrypted: true}); err != nil {
			t.Fatal(err)
		}
		vs := []*risk.Vulnerability{{Title: "Backups on the same network"}}
		if err := sc.AddVulnerabilities(ctx, vs); err != nil {
			t.Fatal(err)
		}
		r := &risk.Risk{Title: "Ransomware stops the EHR", ThreatID: "ransomware", Assets: []string{ehr.ID, pc.ID}, Vulnerabilities: []string{vs[0].ID},
			Likelihood: 4, ImpactC: 4, ImpactI: 3, ImpactA: 5, Owner: "Dana"}
		if err := sc.CreateRisk(ctx, r); err != nil {
			t.Fatal(err)
		}
		r2 := &risk.Risk{Title: "Stolen PC", ThreatID: "lost-stolen-device", Assets: []string{pc.ID}, Likelihood: 2, ImpactC: 3}
		if err := sc.CreateRisk(ctx, r2); err != nil {
			t.Fatal(err)
		}
		if r.Number != 1 || r2.Number != 2 {
			t.Errorf("numbers %d, %d", r.Number, r2.Number)
		}
		// A risk cannot name another organisation's asset.
		otherAssets, _ := s.Scope(other).Assets(ctx)
		bad := &risk.Risk{Title: "x", ThreatID: "ransomware", Assets: []string{otherAssets[0].ID}}
		if err := sc.CreateRisk(ctx, bad); !errs.Is(err, errs.Invalid) {
			t.Errorf("foreign asset: %v", err)
		}
		if err := sc.CreateRisk(ctx, &risk.Risk{Title: "x", ThreatID: "ransomware", Assets: []string{ehr.ID}, Likelihood: 9}); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "likelihood: 9 is off the scale") {
			t.Errorf("off scale: %v", err)
		}
		r.Response, r.TargetLikelihood, r.TargetImpact, r.Items = risk.Mitigate, 2, 3, []string{"hph-cpg/essential-7"}
		if err := sc.UpdateRisk(ctx, r); err != nil {
			t.Fatal(err)
		}
		if err := sc.SaveAction(ctx, &risk.Action{RiskID: r.ID, Title: "Offline backups", Due: "2026-10-01", Owner: "IT"}); err != nil {
			t.Fatal(err)
		}
		if err := s.Scope(other).SaveAction(ctx, &risk.Action{RiskID: r.ID, Title: "x"}); !errs.Is(err, errs.NotFound) {
			t.Errorf("another organisation plans an action: %v", err)
		}
		if err := sc.DeleteAsset(ctx, pc.ID); !errs.Is(err, errs.Conflict) || !strings.Contains(err.Error(), "R-001, R-002") {
			t.Errorf("deleting a used asset: %v", err)
		}
		g, err := sc.RiskRegister(ctx, threats)
		if err != nil {
			t.Fatal(err)
		}
		if len(g.Assets) != 2 || len(g.Flows) != 1 || len(g.Risks) != 2 || len(g.Actions) != 1 || len(g.Vulnerabilities) != 1 {
			t.Fatalf("register: %d assets %d flows %d risks %d actions %d vulns", len(g.Assets), len(g.Flows), len(g.Risks), len(g.Actions), len(g.Vulnerabilities))
		}
		rows := g.Rows("2026-11-23")
		if rows[0].Level != "Very High" || rows[0].Target != "Low" || rows[0].Overdue != 1 || len(rows[0].Assets) != 2 || rows[0].Threat != "Ransomware" || rows[0].Risk.Items[0] != "hph-cpg/essential-7" {
			t.Errorf("row: %+v", rows[0])
		}
		// Bulk edit: all or nothing.
		owner := "Practice manager"
		if _, err := sc.BulkEditAssets(ctx, []string{ehr.ID, "nope"}, store.AssetEdit{Owner: &owner}); !errs.Is(err, errs.NotFound) {
			t.Errorf("bulk edit with an unknown id: %v", err)
		}
		if a, _ := sc.Asset(ctx, ehr.ID); a.Owner != "" {
			t.Errorf("a refused bulk edit changed %q", a.Owner)
		}
		if n, err := sc.BulkEditAssets(ctx, []string{ehr.ID, pc.ID}, store.AssetEdit{Owner: &owner}); err != nil || n != 2 {
			t.Fatalf("bulk edit: %d, %v", n, err)
		}
		// The scales cannot shrink below the ratings in use.
		small := risk.Default()
		small.Likelihood, small.Matrix = small.Likelihood[:3], small.Matrix[:3]
		if err := sc.SaveRiskSettings(ctx, small, 12); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "rated up to likelihood 4") {
			t.Errorf("shrinking scales: %v", err)
		}
	})
}

func TestAssetImportIsAllOrNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		p, err := risk.PlanAssets("a.csv", strings.NewReader("name,type\nEHR,application\nFax,device\n"), nil)
		if err != nil {
			t.Fatal(err)
		}
		// Another writer takes a name after the preview: the import fails whole.
		if err := sc.CreateAsset(ctx, &risk.Asset{Name: "fax", Type: risk.Device}); err != nil {
			t.Fatal(err)
		}
		if err := sc.ApplyAssetPlan(ctx, p); !errs.Is(err, errs.Conflict) {
			t.Fatalf("apply over a taken name: %v", err)
		}
		if got, _ := sc.Assets(ctx); len(got) != 1 {
			t.Errorf("a failed import left %d assets", len(got))
		}
	})
}

func TestRiskAnalysisLifecycle(t *testing.T) {
	threats := riskCatalog(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		a := &risk.Analysis{Title: "2026 risk analysis", Scope: "All ePHI of Riverside Family Clinic"}
		if err := sc.CreateAnalysis(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := sc.CreateAnalysis(ctx, &risk.Analysis{Title: "x", Scope: "y"}); !errs.Is(err, errs.Conflict) {
			t.Errorf("second draft: %v", err)
		}
		build := func(an risk.Analysis) (*risk.Document, error) {
			g, err := sc.RiskRegister(ctx, threats)
			if err != nil {
				return nil, err
			}
			return risk.NewDocument(sc.Org().Name, an, g, an.FinalizedAt.Add(0)), nil
		}
		if _, err := sc.FinalizeAnalysis(ctx, a.ID, "", "2027-11-23", time.Now(), build); !errs.Is(err, errs.Invalid) {
			t.Errorf("finalise without approver: %v", err)
		}
		at := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
		// A failing build leaves the draft a draft, and records nothing.
		if _, err := sc.FinalizeAnalysis(ctx, a.ID, "Dr Ana Reyes, owner", "2027-11-23", at, func(risk.Analysis) (*risk.Document, error) {
			return nil, errs.New(errs.Internal, "no document")
		}, riskanalysis.AnalysisInput); err == nil {
			t.Error("a failing build finalised the analysis")
		}
		if ins, _ := sc.ScorecardInputs(ctx); len(ins) != 0 {
			t.Errorf("a failed finalisation recorded %+v", ins)
		}
		fin, err := sc.FinalizeAnalysis(ctx, a.ID, "Dr Ana Reyes, owner", "2027-11-23", at, build, riskanalysis.AnalysisInput)
		if err != nil {
			t.Fatal(err)
		}
		if fin.Status != risk.Final || fin.SHA256 == "" || !fin.FinalizedAt.Equal(at) {
			t.Errorf("final: %+v", fin)
		}
		// The final analysis is Safeguard's own evidence of the risk
		// analysis specification, recorded with it.
		ins, err := sc.ScorecardInputs(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(ins) != 1 || ins[0].Goal != riskanalysis.RiskAnalysisItem || ins[0].Ref != a.ID || ins[0].Status != assessment.Met || !strings.Contains(ins[0].Detail, fin.SHA256) {
			t.Errorf("the analysis's input: %+v", ins)
		}
		raw, err := sc.AnalysisSnapshot(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := risk.ParseDocument(raw)
		if err != nil || doc.Analysis.Approver != "Dr Ana Reyes, owner" || doc.Analysis.SHA256 != "" {
			t.Errorf("document: %+v %v", doc.Analysis, err)
		}
		if _, sha, _ := doc.Seal(); sha != fin.SHA256 {
			t.Errorf("the stored document does not hash to %s", fin.SHA256)
		}
		if _, err := sc.FinalizeAnalysis(ctx, a.ID, "x", "", at, build); !errs.Is(err, errs.Conflict) {
			t.Errorf("finalise twice: %v", err)
		}
		if err := sc.UpdateAnalysis(ctx, &risk.Analysis{ID: a.ID, Title: "t", Scope: "s"}); !errs.Is(err, errs.Conflict) {
			t.Errorf("edit a final analysis: %v", err)
		}
		next := &risk.Analysis{Title: "2027 risk analysis", Scope: "All ePHI"}
		if err := sc.CreateAnalysis(ctx, next); err != nil {
			t.Fatal(err)
		}
		if next.Version != 2 || next.PreviousID != a.ID {
			t.Errorf("next: version %d previous %q", next.Version, next.PreviousID)
		}
		list, _ := sc.Analyses(ctx)
		if len(list) != 2 || list[0].ID != next.ID {
			t.Errorf("analyses newest first: %+v", list)
		}
	})
}
