package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/incident"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// The incident register on both engines: numbered in each organisation,
// its timeline, links, assessment and breach read back as saved, kept
// from another organisation's assets and incidents, each change audited.
func TestIncidentRegister(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
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
		phone := &risk.Asset{Name: "Clinic phones", Type: risk.Device}
		theirs := &risk.Asset{Name: "Their EHR", Type: risk.Application}
		if err := sc.CreateAsset(ctx, phone); err != nil {
			t.Fatal(err)
		}
		if err := other.CreateAsset(ctx, theirs); err != nil {
			t.Fatal(err)
		}
		detected := time.Now().UTC().Add(-72 * time.Hour).Truncate(time.Second)
		i := &incident.Incident{Title: "Clinic phone lost", ThreatID: "lost-stolen-device", DetectedAt: detected, PHI: true, Records: 40, Assets: []string{phone.ID}}
		if err := sc.SaveIncident(ctx, i); err != nil {
			t.Fatal(err)
		}
		if i.Ref != "INC-001" || i.ID == "" {
			t.Errorf("the new incident: %+v", i)
		}
		if err := sc.SaveIncident(ctx, &incident.Incident{Title: "Theirs", DetectedAt: detected, Assets: []string{theirs.ID}}); errs.KindOf(err) != errs.Invalid || !strings.Contains(err.Error(), "assets: 1 of the 1 are not the organisation's") {
			t.Errorf("another organisation's asset: %v", err)
		}
		second := &incident.Incident{Title: "Phishing email clicked", DetectedAt: detected.Add(time.Hour)}
		if err := sc.SaveIncident(ctx, second); err != nil || second.Ref != "INC-002" {
			t.Fatalf("the second: %v %s", err, second.Ref)
		}
		if first := (&incident.Incident{Title: "Theirs", DetectedAt: detected}); other.SaveIncident(ctx, first) != nil || first.Ref != "INC-001" {
			t.Errorf("another organisation numbers its own from 1: %s", first.Ref)
		}

		contained, recovered := detected.Add(2*time.Hour), detected.Add(5*time.Hour)
		i.ContainedAt, i.RecoveredAt, i.ClosedOn = &contained, &recovered, time.Now().UTC().Format(time.DateOnly)
		i.Assessment = &incident.Assessment{Conclusion: incident.LowProbability, By: "Dana Reyes, Privacy Officer", On: time.Now().UTC().Format(time.DateOnly),
			Reasoning: "Encrypted and wiped remotely.", Factors: [4]string{"Schedules", "Unknown finder", "Locked; no access", "Wiped in 40 minutes"}}
		if err := sc.SaveIncident(ctx, i); err != nil {
			t.Fatal(err)
		}
		got, err := sc.Incident(ctx, i.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Ref != "INC-001" || !got.DetectedAt.Equal(detected) || got.RecoveredAt == nil || !got.RecoveredAt.Equal(recovered) || got.EradicatedAt != nil ||
			got.Assessment == nil || got.Assessment.Factors[3] != "Wiped in 40 minutes" || len(got.Assets) != 1 || got.Assets[0] != phone.ID || got.Phase() != "closed" || got.ThreatID != "lost-stolen-device" {
			t.Errorf("read back: %+v", got)
		}
		// A breach with its clock, read back whole.
		second.Assessment = &incident.Assessment{Conclusion: incident.IsBreach, By: "Dana Reyes", On: time.Now().UTC().Format(time.DateOnly), Reasoning: "Credentials used to read 12 charts."}
		second.Breach = &incident.Breach{DiscoveredOn: detected.Format(time.DateOnly), Role: incident.RoleCoveredEntity, Individuals: 12, MostInOneState: 12,
			Notices: []incident.Notice{{To: incident.ToIndividuals, SentOn: time.Now().UTC().Format(time.DateOnly), How: "letter"}}}
		if err := sc.SaveIncident(ctx, second); err != nil {
			t.Fatal(err)
		}
		all, err := sc.Incidents(ctx)
		if err != nil || len(all) != 2 || all[0].Ref != "INC-002" || all[0].Breach == nil || all[0].Breach.Notices[0].How != "letter" || all[0].Breach.LogYear() != detected.Year() {
			t.Fatalf("the register: %v %+v", err, all)
		}
		if _, err := other.Incident(ctx, i.ID); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another organisation reads it: %v", err)
		}
		theirCopy := *got
		theirCopy.Assets, theirCopy.Title = nil, "Overwritten"
		if err := other.SaveIncident(ctx, &theirCopy); errs.KindOf(err) != errs.NotFound {
			t.Errorf("another organisation saves it: %v", err)
		}
		if got, _ := sc.Incident(ctx, i.ID); got.Title != "Clinic phone lost" {
			t.Errorf("changed by another organisation: %+v", got)
		}
		entries, err := s.AuditLog(ctx, store.AuditFilter{OrgID: sc.Org().ID, Limit: 20})
		if err != nil {
			t.Fatal(err)
		}
		actions := map[string]int{}
		for _, e := range entries {
			actions[e.Action]++
		}
		if actions["incident.create"] != 2 || actions["incident.update"] != 2 {
			t.Errorf("audit: %v", actions)
		}
	})
}
