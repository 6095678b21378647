package assessment_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

func answer(t *testing.T, p *assessment.Program, sc *store.Scoped, id string, answers ...*assessment.Answer) {
	t.Helper()
	if err := p.Save(context.Background(), sc, id, "assessment.answer", answers); err != nil {
		t.Fatal(err)
	}
}

func goal(sc *assessment.Scorecard, id string) assessment.Goal {
	for _, g := range sc.Goals {
		if g.ID == id {
			return g
		}
	}
	return assessment.Goal{}
}

func TestScorecard(t *testing.T) {
	p := program(t)
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := newOrg(t, s, "riverside")
		empty, err := p.Scorecard(ctx, sc, now)
		if err != nil {
			t.Fatal(err)
		}
		if len(empty.Goals) != 20 || empty.Essential.Unknown != 10 || empty.Enhanced.OutOfScope != 10 || empty.Assessment != nil {
			t.Errorf("scorecard before any assessment: essential %+v, enhanced %+v", empty.Essential, empty.Enhanced)
		}
		if g := goal(empty, "hph-cpg/essential-3"); g.Status != assessment.Unknown || !strings.Contains(strings.Join(g.Missing, " "), "No HPH CPG assessment yet") {
			t.Errorf("unanswered goal: %+v", g)
		}

		first, err := p.Start(ctx, sc, catalog.HPHCPG, "CPG baseline", "", now.AddDate(-1, 0, 0))
		if err != nil {
			t.Fatal(err)
		}
		answer(t, p, sc, first.ID,
			&assessment.Answer{ItemID: "essential-3", Status: assessment.Implemented},
			&assessment.Answer{ItemID: "essential-1", Status: assessment.Partial, Owner: "IT vendor", TargetDate: "2027-01-31", Notes: "Patching is monthly. Servers lag."},
			&assessment.Answer{ItemID: "essential-4", Status: assessment.NotImplemented})
		if _, err := p.Finalize(ctx, sc, first.ID, now); err != nil {
			t.Fatal(err)
		}
		card, _ := p.Scorecard(ctx, sc, now)
		if e := card.Essential; e.Met != 1 || e.Partial != 1 || e.NotMet != 1 || e.Unknown != 7 || e.InScope != 10 {
			t.Errorf("essential tally: %+v", e)
		}
		g := goal(card, "hph-cpg/essential-1")
		if g.Status != assessment.PartlyMet || len(g.Inputs) != 1 || g.Inputs[0].Source != "assessment" || g.Inputs[0].Ref != first.ID || g.Inputs[0].Date.IsZero() {
			t.Errorf("goal 1: %+v", g)
		}
		if m := strings.Join(g.Missing, " "); !strings.Contains(m, "owner IT vendor, target 2027-01-31: Patching is monthly") || !strings.Contains(m, "No evidence linked") {
			t.Errorf("goal 1 missing: %q", m)
		}

		// The next assessment changes the picture; the trend keeps both.
		second, err := p.Start(ctx, sc, catalog.HPHCPG, "CPG 2026", first.ID, now)
		if err != nil {
			t.Fatal(err)
		}
		answer(t, p, sc, second.ID, &assessment.Answer{ItemID: "essential-4", Status: assessment.Implemented})
		card, _ = p.Scorecard(ctx, sc, now)
		if card.Essential.Met != 2 || card.Assessment.ID != second.ID {
			t.Errorf("after the second assessment: %+v from %v", card.Essential, card.Assessment)
		}
		if len(card.Trend) != 2 || card.Trend[0].Essential.Met != 1 || card.Trend[1].Essential.Met != 2 || !card.Trend[0].Final || card.Trend[1].Final {
			t.Errorf("trend: %+v", card.Trend)
		}

		// A failing check outweighs a manual "implemented"; its source and date show.
		in := &assessment.Input{Goal: "hph-cpg/essential-3", Source: "check:mfa", Label: "MFA check on the Entra ID export", Date: now, Status: assessment.NotMet, Detail: "37 accounts without MFA", Ref: "result-1"}
		if err := sc.RecordScorecardInput(ctx, in); err != nil {
			t.Fatal(err)
		}
		if err := sc.RecordScorecardInput(ctx, &assessment.Input{Goal: "hph-cpg/essential-3", Source: "assessment", Date: now, Status: assessment.Met}); err == nil {
			t.Error("an automated input may not pose as the assessment")
		}
		card, _ = p.Scorecard(ctx, sc, now)
		g = goal(card, "hph-cpg/essential-3")
		if g.Status != assessment.NotMet || len(g.Inputs) != 2 || !strings.Contains(strings.Join(g.Missing, " "), "37 accounts without MFA") {
			t.Errorf("goal 3 with a failing check: %+v", g)
		}
		// The trend's newest point is the headline, checks included; the
		// earlier one stays as its answers left it.
		if last := card.Trend[len(card.Trend)-1]; last.Essential != card.Essential || !last.Verified || card.Essential.Met != 1 || card.Trend[0].Verified {
			t.Errorf("the trend's newest point %+v, the headline %+v", last, card.Essential)
		}
		// Each gap links to where to act: the goal's answer, the check.
		links := map[string]string{}
		for _, gap := range g.Gaps {
			links[gap.Text] = gap.Link
		}
		if len(g.Gaps) != 2 || g.Gaps[0].Link != "/orgs/riverside/assessments/"+second.ID+"/items/essential-3" || g.Gaps[1].Link != "/orgs/riverside/checks/result-1" ||
			g.Gaps[1].Text != g.Missing[1] {
			t.Errorf("goal 3's gaps: %+v", g.Gaps)
		}
		// A newer observation from the same source replaces it.
		in.Date, in.Status, in.Detail = now.Add(time.Hour), assessment.Met, "every account has MFA"
		if err := sc.RecordScorecardInput(ctx, in); err != nil {
			t.Fatal(err)
		}
		card, _ = p.Scorecard(ctx, sc, now)
		if g := goal(card, "hph-cpg/essential-3"); g.Status != assessment.Met || len(g.Inputs) != 2 {
			t.Errorf("goal 3 after the check passes: %+v", g)
		}

		// One answer, many frameworks: a HIPAA gap mapped to a goal shows as missing.
		h, err := p.Start(ctx, sc, catalog.HIPAASecurityRule, "", "", now)
		if err != nil {
			t.Fatal(err)
		}
		answer(t, p, sc, h.ID, &assessment.Answer{ItemID: "164.308(a)(5)", Status: assessment.Partial})
		card, _ = p.Scorecard(ctx, sc, now)
		if m := strings.Join(goal(card, "hph-cpg/essential-4").Missing, " "); !strings.Contains(m, "164.308(a)(5) Security awareness and training is partially implemented") {
			t.Errorf("goal 4 missing: %q", m)
		}
	})
}

func TestCombine(t *testing.T) {
	in := func(s assessment.GoalStatus) assessment.Input { return assessment.Input{Status: s} }
	for _, tc := range []struct {
		inputs []assessment.Input
		want   assessment.GoalStatus
	}{
		{nil, assessment.Unknown},
		{[]assessment.Input{in(assessment.Unknown)}, assessment.Unknown},
		{[]assessment.Input{in(assessment.Met)}, assessment.Met},
		{[]assessment.Input{in(assessment.Met), in(assessment.PartlyMet)}, assessment.PartlyMet},
		{[]assessment.Input{in(assessment.Unknown), in(assessment.Met), in(assessment.NotMet)}, assessment.NotMet},
	} {
		if got := assessment.Combine(tc.inputs); got != tc.want {
			t.Errorf("Combine(%v) = %s, want %s", tc.inputs, got, tc.want)
		}
	}
}

// The scorecard of an organisation with a finalised CPG assessment, a draft
// one and a Security Rule assessment, as every scorecard page computes it:
// go test -run XXX -bench Scorecard ./internal/assessment
func BenchmarkScorecard(b *testing.B) {
	p := program(b)
	s := storetest.SQLite(b)
	ctx := context.Background()
	sc := newOrg(b, s, "riverside")
	first, err := p.Start(ctx, sc, catalog.HPHCPG, "baseline", "", now)
	if err != nil {
		b.Fatal(err)
	}
	var answers []*assessment.Answer
	for i := 1; i <= 10; i++ {
		answers = append(answers, &assessment.Answer{ItemID: "essential-" + strconv.Itoa(i), Status: assessment.Partial})
	}
	if err := p.Save(ctx, sc, first.ID, "assessment.answer", answers); err != nil {
		b.Fatal(err)
	}
	if _, err := p.Finalize(ctx, sc, first.ID, now); err != nil {
		b.Fatal(err)
	}
	if _, err := p.Start(ctx, sc, catalog.HPHCPG, "now", first.ID, now); err != nil {
		b.Fatal(err)
	}
	if _, err := p.Start(ctx, sc, catalog.HIPAASecurityRule, "", "", now); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := p.Scorecard(ctx, sc, now); err != nil {
			b.Fatal(err)
		}
	}
}
