package incidents_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/contingency"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/report"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// Safeguard's starting plan has a playbook for each of HICP's five
// threats, each a threat of the risk catalog, each saying its steps are
// Safeguard's own.
func TestStarterPlaybooks(t *testing.T) {
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	threats, err := risk.LoadThreats(reg)
	if err != nil {
		t.Fatal(err)
	}
	p := incident.Starter()
	if len(p.Playbooks) != 5 {
		t.Fatalf("%d playbooks", len(p.Playbooks))
	}
	for _, b := range p.Playbooks {
		th, ok := threats.Lookup(b.Threat)
		if !ok {
			t.Errorf("%s: %q is not a threat of the catalog", b.Title, b.Threat)
			continue
		}
		hicp := false
		for _, src := range th.Sources {
			if strings.HasPrefix(src.Document, "HICP") && strings.Contains(b.Source, src.Reference) {
				hicp = true
			}
		}
		if !hicp || !strings.Contains(b.Source, "Safeguard's own") {
			t.Errorf("%s does not cite its HICP threat or say whose steps they are: %q", b.Title, b.Source)
		}
	}
	if err := p.Validate(); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "roles") {
		t.Errorf("a plan without roles: %v", err)
	}
}

// The plan's versions on both engines: saved as drafts, one approved (and
// never again), read as the plan in force with its review date; the
// check incident.plan not met without an approved plan, met with one,
// partly met once its review date passes; a version printed as PDF and
// read back.
func TestPlanVersionsAndCheck(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	storetest.EachAt(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := &org.Organization{Slug: "riverside", Name: "Riverside Family Clinic", EntityType: org.Provider}
		if err := s.CreateOrganization(ctx, o); err != nil {
			t.Fatal(err)
		}
		sc := s.Scope(o)
		svc := &incidents.Service{Now: clock}
		judge := func() (assessment.GoalStatus, string) {
			t.Helper()
			r, err := checkrun.PlanResult(ctx, sc, now, nil)
			if err != nil {
				t.Fatal(err)
			}
			return r.GoalStatus, r.Detail
		}
		if st, why := judge(); st != assessment.Unknown || !strings.Contains(why, "no incident response plan is recorded") {
			t.Errorf("no plan: %s %q", st, why)
		}
		p := incident.Starter()
		p.Roles = []incident.Role{{Role: "Incident lead", Name: "Sam Patel", Phone: "+1 555 0101"}}
		p.Contacts = []incident.Contact{{Kind: "insurer", Name: "Breach hotline", Organisation: "Harbor Mutual", Phone: "+1 800 555 0199"}}
		if err := svc.SavePlan(ctx, sc, o.ID, p); err != nil || p.Version != 1 {
			t.Fatalf("save: %v %d", err, p.Version)
		}
		if st, why := judge(); st != assessment.NotMet || !strings.Contains(why, "version 1 is a draft") {
			t.Errorf("a draft: %s %q", st, why)
		}
		if err := svc.ApprovePlan(ctx, sc, o.ID, 1, "", "2025-11-20"); errs.KindOf(err) != errs.Invalid {
			t.Errorf("approved by nobody: %v", err)
		}
		if err := svc.ApprovePlan(ctx, sc, o.ID, 2, "Olivia Owens, owner", "2025-11-20"); errs.KindOf(err) != errs.NotFound {
			t.Errorf("approving a version that does not exist: %v", err)
		}
		if err := svc.ApprovePlan(ctx, sc, o.ID, 1, "Olivia Owens, owner", "2025-11-20"); err != nil {
			t.Fatal(err)
		}
		if err := svc.ApprovePlan(ctx, sc, o.ID, 1, "Someone else", "2025-11-21"); errs.KindOf(err) != errs.Conflict {
			t.Errorf("approved twice: %v", err)
		}
		// Approved a year and a half week ago: its review was due 2026-11-20.
		st, err := svc.Plan(ctx, sc)
		if err != nil || st.Approved == nil || st.Approved.Version != 1 || st.Draft != nil || st.Standing != incident.PlanOverdue || st.NextReview != "2026-11-20" {
			t.Fatalf("the plan: %+v %v", st, err)
		}
		if g, why := judge(); g != assessment.PartlyMet || !strings.Contains(why, "was due for review on 2026-11-20") {
			t.Errorf("overdue: %s %q", g, why)
		}
		// A reviewed version 2, a draft until approved, then in force.
		p.Contacts = append(p.Contacts, incident.Contact{Kind: "hhs-hc3", Name: "HC3", Email: "HC3@hhs.gov"})
		if err := svc.SavePlan(ctx, sc, o.ID, p); err != nil || p.Version != 2 {
			t.Fatalf("version 2: %v %d", err, p.Version)
		}
		if st, _ := svc.Plan(ctx, sc); st.Draft == nil || st.Draft.Version != 2 || st.Approved.Version != 1 {
			t.Errorf("a draft over an approved version: %+v", st)
		}
		if err := svc.ApprovePlan(ctx, sc, o.ID, 2, "Olivia Owens, owner", "2026-12-05"); err != nil {
			t.Fatal(err)
		}
		if g, why := judge(); g != assessment.Met || !strings.Contains(why, "next review by 2027-12-05") {
			t.Errorf("reviewed: %s %q", g, why)
		}
		if other := s.Scope(&org.Organization{ID: "nobody", Slug: "x"}); true {
			if vs, _ := other.IncidentPlans(ctx); len(vs) != 0 {
				t.Errorf("another organisation reads %d versions", len(vs))
			}
		}

		// The PDF of version 2, read back.
		v2, err := svc.Version(ctx, sc, 2)
		if err != nil {
			t.Fatal(err)
		}
		b, err := report.IncidentPlanPDF(v2, o.Name, now)
		if err != nil {
			t.Fatal(err)
		}
		r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		plainR, err := r.GetPlainText()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		io.Copy(&buf, plainR)
		plain := strings.Join(strings.Fields(buf.String()), " ")
		for _, want := range []string{"Riverside Family Clinic", "version 2", "Approved by Olivia Owens, owner on 2026-12-05", "Sam Patel", "+1 555 0101", "Harbor Mutual",
			"Ransomware", "Disconnect affected machines", "Attack against network-connected medical devices", "45 CFR 164.404(b)", "60 calendar days after discovery"} {
			if !strings.Contains(plain, want) {
				t.Errorf("the plan's PDF lacks %q", want)
			}
		}
	})
}

// Exercises on both engines: none held fails incident.exercise; one held
// with a finding not yet a plan action is partly met; each finding turned
// into a plan action on a risk (in one transaction, once) meets it, until
// an action is past its due date; another organisation's risk refused;
// an exercise over a year old fails it again.
func TestExercisesAndCheck(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	storetest.EachAt(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var scs []*store.Scoped
		for _, slug := range []string{"riverside", "lakeside"} {
			o := &org.Organization{Slug: slug, Name: slug, EntityType: org.Provider}
			if err := s.CreateOrganization(ctx, o); err != nil {
				t.Fatal(err)
			}
			scs = append(scs, s.Scope(o))
		}
		sc, other := scs[0], scs[1]
		svc := &incidents.Service{Now: clock}
		judge := func() (assessment.GoalStatus, string) {
			t.Helper()
			r, err := checkrun.ExerciseResult(ctx, sc, now, nil)
			if err != nil {
				t.Fatal(err)
			}
			return r.GoalStatus, r.Detail
		}
		if g, why := judge(); g != assessment.Unknown || !strings.Contains(why, "no tabletop exercise is recorded") {
			t.Errorf("none: %s %q", g, why)
		}
		planned := &incident.Exercise{Title: "Spring tabletop", Scenario: "lost-laptop", PlannedOn: "2027-03-10"}
		if err := svc.SaveExercise(ctx, sc, sc.Org().ID, planned); err != nil {
			t.Fatal(err)
		}
		if g, why := judge(); g != assessment.NotMet || !strings.Contains(why, `"Spring tabletop" is planned for 2027-03-10`) {
			t.Errorf("only planned: %s %q", g, why)
		}
		if err := svc.SaveExercise(ctx, sc, sc.Org().ID, &incident.Exercise{Title: "Bad", Scenario: "alien-invasion", PlannedOn: "2027-01-01"}); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "scenario") {
			t.Errorf("an unknown scenario: %v", err)
		}
		if err := svc.SaveExercise(ctx, sc, sc.Org().ID, &incident.Exercise{Title: "Held", HeldOn: "2026-11-02"}); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "participants") {
			t.Errorf("held without participants: %v", err)
		}
		held := &incident.Exercise{Title: "Ransomware tabletop", Scenario: "ransomware-friday", HeldOn: "2026-11-02", Facilitator: "Jo Marsh",
			Participants: []string{"Sam Patel", "Olivia Owens", " "}, Findings: []incident.Finding{{Text: "Nobody knew where the printed plan was."}, {Text: "Restores have never been timed."}}}
		if err := svc.SaveExercise(ctx, sc, sc.Org().ID, held); err != nil {
			t.Fatal(err)
		}
		if len(held.Participants) != 2 {
			t.Errorf("participants: %q", held.Participants)
		}
		if g, why := judge(); g != assessment.PartlyMet || !strings.Contains(why, "2 of its 2 findings untracked or late") {
			t.Errorf("untracked: %s %q", g, why)
		}
		var risks []*risk.Risk
		for _, x := range []*store.Scoped{sc, other} {
			a := &risk.Asset{Name: "File server", Type: risk.DataStore}
			if err := x.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
			rk := &risk.Risk{Title: "Ransomware", ThreatID: "ransomware", Assets: []string{a.ID}, Likelihood: 3, ImpactA: 4}
			if err := x.CreateRisk(ctx, rk); err != nil {
				t.Fatal(err)
			}
			risks = append(risks, rk)
		}
		rk, theirs := risks[0], risks[1]
		if err := svc.TrackFinding(ctx, sc, sc.Org().ID, held.ID, 0, &risk.Action{RiskID: theirs.ID, Title: "Print the plan"}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another organisation's risk: %v", err)
		}
		if err := svc.TrackFinding(ctx, sc, sc.Org().ID, held.ID, 5, &risk.Action{RiskID: rk.ID, Title: "x"}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("a finding that does not exist: %v", err)
		}
		for k, due := range []string{"2026-12-20", "2027-01-31"} {
			if err := svc.TrackFinding(ctx, sc, sc.Org().ID, held.ID, k, &risk.Action{RiskID: rk.ID, Title: held.Findings[k].Text, Due: due}); err != nil {
				t.Fatal(err)
			}
		}
		if err := svc.TrackFinding(ctx, sc, sc.Org().ID, held.ID, 0, &risk.Action{RiskID: rk.ID, Title: "again"}); errs.KindOf(err) != errs.Invalid {
			t.Errorf("tracked twice: %v", err)
		}
		if g, why := judge(); g != assessment.Met || !strings.Contains(why, "each of its 2 findings tracked") {
			t.Errorf("tracked: %s %q", g, why)
		}
		views, err := svc.Exercises(ctx, sc)
		if err != nil || len(views) != 2 || views[0].ID != held.ID || views[0].Actions[1] == nil || views[0].Actions[1].Due != "2027-01-31" || views[0].Actions[1].RiskID != rk.ID {
			t.Fatalf("the exercises: %v %+v", err, views)
		}
		if actions, _ := sc.Actions(ctx); len(actions) != 2 || !strings.Contains(actions[0].Notes+actions[1].Notes, "") {
			t.Errorf("the plan actions: %d", len(actions))
		}
		if es, _ := other.Exercises(ctx); len(es) != 0 {
			t.Errorf("another organisation sees %d exercises", len(es))
		}
		// A month on, the first action is late; a year on, the exercise is old.
		now = time.Date(2027, 1, 6, 10, 0, 0, 0, time.UTC)
		if g, why := judge(); g != assessment.PartlyMet || !strings.Contains(why, "1 of its 2 findings untracked or late") {
			t.Errorf("late: %s %q", g, why)
		}
		now = time.Date(2027, 11, 3, 10, 0, 0, 0, time.UTC)
		if g, why := judge(); g != assessment.NotMet || !strings.Contains(why, "more than 12 months ago") {
			t.Errorf("a year on: %s %q", g, why)
		}
		now = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	})
}

// The contingency plan on both engines: the criticality analysis and
// backups of the inventory's ePHI systems, restore tests against their
// objectives, and the checks contingency.backup and
// contingency.restore-test moving with them; another organisation's asset
// refused.
func TestContingencyAndChecks(t *testing.T) {
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	storetest.EachAt(t, clock, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var scs []*store.Scoped
		for _, slug := range []string{"riverside", "lakeside"} {
			o := &org.Organization{Slug: slug, Name: slug, EntityType: org.Provider}
			if err := s.CreateOrganization(ctx, o); err != nil {
				t.Fatal(err)
			}
			scs = append(scs, s.Scope(o))
		}
		sc, other := scs[0], scs[1]
		svc := &incidents.Service{Now: clock}
		results := func() map[string]*check.Result {
			t.Helper()
			rs, err := checkrun.ContingencyResults(ctx, sc, now, nil)
			if err != nil {
				t.Fatal(err)
			}
			return map[string]*check.Result{rs[0].Check.ID: rs[0], rs[1].Check.ID: rs[1]}
		}
		if r := results()["contingency.backup"]; r.GoalStatus != assessment.Unknown {
			t.Errorf("no systems: %s", r.GoalStatus)
		}
		nas := &risk.Asset{Name: "File server and backup NAS", Type: risk.DataStore, Maintains: true, Criticality: risk.CriticalityCritical}
		ehr := &risk.Asset{Name: "Cloud EHR", Type: risk.CloudService, Maintains: true, Criticality: risk.CriticalityCritical}
		fax := &risk.Asset{Name: "E-fax", Type: risk.CloudService, Transmits: true, Criticality: risk.CriticalityModerate}
		for _, a := range []*risk.Asset{nas, ehr, fax} {
			if err := sc.CreateAsset(ctx, a); err != nil {
				t.Fatal(err)
			}
		}
		theirs := &risk.Asset{Name: "Theirs", Type: risk.DataStore, Maintains: true}
		if err := other.CreateAsset(ctx, theirs); err != nil {
			t.Fatal(err)
		}
		rs := results()
		if r := rs["contingency.backup"]; r.GoalStatus != assessment.Unknown || !strings.Contains(r.Detail, "no contingency plan is recorded") {
			t.Errorf("nothing recorded: %s %q", r.GoalStatus, r.Detail)
		}
		// One system recorded, without its backup: the other critical
		// system has none either.
		if err := svc.SaveSystem(ctx, sc, sc.Org().ID, &contingency.System{AssetID: fax.ID, RTOHours: 48}); err != nil {
			t.Fatal(err)
		}
		rs = results()
		if r := rs["contingency.backup"]; r.GoalStatus != assessment.NotMet || r.Counts["systems"] != 2 || !strings.Contains(r.Detail, "2 systems without a working backup") {
			t.Errorf("no backups: %s %v %q", r.GoalStatus, r.Counts, r.Detail)
		}
		if r := rs["contingency.restore-test"]; r.GoalStatus != assessment.NotMet {
			t.Errorf("no tests: %s %q", r.GoalStatus, r.Detail)
		}
		if err := svc.SaveSystem(ctx, sc, sc.Org().ID, &contingency.System{AssetID: theirs.ID, RTOHours: 4}); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "not the organisation's") {
			t.Errorf("another organisation's asset: %v", err)
		}
		if err := svc.SaveSystem(ctx, sc, sc.Org().ID, &contingency.System{AssetID: nas.ID, RTOHours: 24, RPOHours: 24,
			Backup: contingency.Backup{What: "Shares and the scanned records", Where: "Backblaze B2", Frequency: "nightly"}}); err != nil {
			t.Fatal(err)
		}
		if err := svc.SaveSystem(ctx, sc, sc.Org().ID, &contingency.System{AssetID: ehr.ID, RTOHours: 8,
			Backup: contingency.Backup{None: "Hosted by Cedar Health, which backs it up under its agreement"}}); err != nil {
			t.Fatal(err)
		}
		rs = results()
		if r := rs["contingency.backup"]; r.GoalStatus != assessment.PartlyMet || !strings.Contains(r.Detail, "File server and backup NAS") {
			t.Errorf("no offline copy: %s %q", r.GoalStatus, r.Detail)
		}
		if err := svc.AddRestoreTest(ctx, sc, sc.Org().ID, &contingency.Test{AssetID: theirs.ID, TestedOn: "2026-11-01", Hours: 2, Succeeded: true, By: "x"}); errs.KindOf(err) != errs.NotFound {
			t.Errorf("a test of another organisation's asset: %v", err)
		}
		if err := svc.AddRestoreTest(ctx, sc, sc.Org().ID, &contingency.Test{AssetID: nas.ID, TestedOn: "2026-12-07", Hours: 2, Succeeded: true, By: "x"}); errs.KindOf(err) != errs.Invalid {
			t.Errorf("a test tomorrow: %v", err)
		}
		// Restored in 80 hours against an objective of 24: over it, and over
		// the proposed rule's 72 hours too.
		if err := svc.AddRestoreTest(ctx, sc, sc.Org().ID, &contingency.Test{AssetID: nas.ID, TestedOn: "2026-10-15", Hours: 80, LostHours: 20, Succeeded: true, By: "Jo Marsh"}); err != nil {
			t.Fatal(err)
		}
		c, err := svc.Contingency(ctx, sc)
		if err != nil || len(c.Lines) != 3 || !c.Lines[0].Critical || c.Lines[2].Asset.Name != "E-fax" || !strings.Contains(c.Proposed, "Proposed, not in force") {
			t.Fatalf("the plan: %v %+v", err, c)
		}
		var nasLine *contingency.Line
		for _, l := range c.Lines {
			if l.Asset.ID == nas.ID {
				nasLine = l
			}
		}
		if nasLine.Restore != "over-objective" || !nasLine.OverProposed || !strings.Contains(nasLine.Why, "took 80 hours, over its objective of 24 hours") {
			t.Errorf("the NAS: %+v", nasLine)
		}
		if r := results()["contingency.restore-test"]; r.GoalStatus != assessment.PartlyMet || !strings.Contains(r.Records[0].Reason, "proposed rule") {
			t.Errorf("over its objective: %s %q %+v", r.GoalStatus, r.Detail, r.Records)
		}
		// Offline copies, a restore within the objective: both met.
		if err := svc.SaveSystem(ctx, sc, sc.Org().ID, &contingency.System{AssetID: nas.ID, RTOHours: 24, RPOHours: 24,
			Backup: contingency.Backup{What: "Shares and the scanned records", Where: "Backblaze B2 with object lock", Frequency: "nightly", Offline: true}}); err != nil {
			t.Fatal(err)
		}
		if err := svc.AddRestoreTest(ctx, sc, sc.Org().ID, &contingency.Test{AssetID: nas.ID, TestedOn: "2026-12-01", Hours: 6, Succeeded: true, By: "Jo Marsh"}); err != nil {
			t.Fatal(err)
		}
		rs = results()
		if rs["contingency.backup"].GoalStatus != assessment.Met || rs["contingency.restore-test"].GoalStatus != assessment.Met {
			t.Errorf("met: %s %q; %s %q", rs["contingency.backup"].GoalStatus, rs["contingency.backup"].Detail, rs["contingency.restore-test"].GoalStatus, rs["contingency.restore-test"].Detail)
		}
		if err := svc.SaveProcedures(ctx, sc, sc.Org().ID, "Restore in the order of the criticality analysis.", "Paper downtime forms at the front desk.", 6); err != nil {
			t.Fatal(err)
		}
		p, _ := sc.ContingencyPlan(ctx)
		if p.TestMonths != 6 || p.EmergencyMode != "Paper downtime forms at the front desk." || len(p.Systems) != 3 || p.Systems[nas.ID].Backup.Where != "Backblaze B2 with object lock" {
			t.Errorf("read back: %+v", p)
		}
		// Six months on, the NAS's test is stale under the six-month cadence.
		now = time.Date(2027, 6, 5, 10, 0, 0, 0, time.UTC)
		if r := results()["contingency.restore-test"]; r.GoalStatus != assessment.PartlyMet || !strings.Contains(r.Detail, "File server and backup NAS") {
			t.Errorf("stale: %s %q", r.GoalStatus, r.Detail)
		}
		now = time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
		if p, _ := other.ContingencyPlan(ctx); len(p.Systems) != 0 {
			t.Errorf("another organisation reads the plan")
		}
	})
}
