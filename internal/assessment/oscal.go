package assessment

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"
	"github.com/google/uuid"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
)

const oscalNS = catalog.OSCALNamespace

// resultsNS seeds the name-based UUIDs of an exported assessment, so that
// the same assessment exports with the same identifiers.
var resultsNS = uuid.MustParse("8d0f6a3e-2b7c-4e1a-9c55-6f1b2e4d7a90")

// ExportOSCAL writes the assessment as OSCAL 1.1.3 assessment-results in
// JSON: one result over the framework's catalog as Safeguard exports it
// (catalog export --format oscal), the applicable items as the reviewed
// controls and the rest excluded with the tailoring's reason; a finding
// for each applicable item — satisfied when implemented, not satisfied
// otherwise, with its implementation status, owner, target date and
// addressable decision — and an observation of what the organisation
// answered and the evidence linked. Safeguard keeps no separate
// assessment plan: import-ap points to a back-matter resource describing
// the scope as tailored. org names the organisation; now stamps the
// metadata.
func (v *View) ExportOSCAL(org string, now time.Time) ([]byte, error) {
	a := v.Assessment
	id := func(parts ...string) string {
		return uuid.NewSHA1(resultsNS, []byte(a.ID+"/"+strings.Join(parts, "/"))).String()
	}
	scope := id("scope")
	state := "draft"
	if a.Final() {
		state = "final"
	}
	props := []oscal.Property{
		{Name: "framework", Ns: oscalNS, Value: v.Framework.ID},
		{Name: "state", Ns: oscalNS, Value: state},
		{Name: "organization", Ns: oscalNS, Value: clip(org)},
	}
	if a.SnapshotSHA256 != "" {
		props = append(props, oscal.Property{Name: "snapshot-sha256", Ns: oscalNS, Value: a.SnapshotSHA256})
	}
	res := oscal.Result{
		UUID:        id("result"),
		Title:       clip(a.Title),
		Description: fmt.Sprintf("%s of %s against %s (%s), as recorded in Safeguard.", clip(a.Title), clip(org), v.Framework.Name, a.FrameworkVersion),
		Start:       a.CreatedAt.UTC().Truncate(time.Second),
	}
	if a.Final() {
		end := a.FinalizedAt.UTC().Truncate(time.Second)
		res.End = &end
	}
	var include, exclude []oscal.AssessedControlsSelectControlById
	var findings []oscal.Finding
	var observations []oscal.Observation
	for _, r := range v.Rows {
		cid := catalog.OSCALControlID(r.Item)
		if !r.Tailor.Applicable {
			exclude = append(exclude, oscal.AssessedControlsSelectControlById{ControlId: cid})
			continue
		}
		include = append(include, oscal.AssessedControlsSelectControlById{ControlId: cid})
		ans := r.Answer
		f := oscal.Finding{
			UUID:        id("finding", r.Item.ID),
			Title:       clip(r.Item.Citation + " " + r.Item.Title),
			Description: "Not answered yet.",
			Target: oscal.FindingTarget{Type: "objective-id", TargetId: cid,
				Status: oscal.ObjectiveStatus{State: "not-satisfied", Reason: "other"}},
		}
		if ans.Status != Unanswered {
			f.Description = ans.Status.Label() + "."
			if ans.Notes != "" {
				f.Description += " " + ans.Notes
			}
		}
		switch ans.Status {
		case Implemented:
			f.Target.Status = oscal.ObjectiveStatus{State: "satisfied", Reason: "pass"}
			f.Target.ImplementationStatus = &oscal.ImplementationStatus{State: "implemented"}
		case Partial:
			f.Target.Status.Reason = "fail"
			f.Target.ImplementationStatus = &oscal.ImplementationStatus{State: "partial"}
		case Planned:
			f.Target.Status.Reason = "fail"
			f.Target.ImplementationStatus = &oscal.ImplementationStatus{State: "planned"}
		case NotImplemented:
			f.Target.Status.Reason = "fail"
		case NotApplicable:
			f.Target.Status = oscal.ObjectiveStatus{State: "satisfied", Reason: "other", Remarks: "Answered not applicable."}
			f.Target.ImplementationStatus = &oscal.ImplementationStatus{State: "not-applicable"}
		}
		var fp []oscal.Property
		if ans.Owner != "" {
			fp = append(fp, oscal.Property{Name: "owner", Ns: oscalNS, Value: clip(ans.Owner)})
		}
		if ans.TargetDate != "" {
			fp = append(fp, oscal.Property{Name: "target-date", Ns: oscalNS, Value: ans.TargetDate})
		}
		if r.NeedsDecision {
			d := ans.Decision
			if d == nil {
				fp = append(fp, oscal.Property{Name: "addressable-decision", Ns: oscalNS, Value: "missing"})
			} else {
				fp = append(fp, oscal.Property{Name: "addressable-decision", Ns: oscalNS, Value: string(d.Kind)})
				var parts []string
				if d.Reason != "" {
					parts = append(parts, "Why not reasonable and appropriate (45 CFR 164.306(d)(3)(ii)(B)(1)): "+d.Reason)
				}
				if d.Measure != "" {
					parts = append(parts, "Equivalent alternative measure ((B)(2)): "+d.Measure)
				}
				f.Remarks = strings.Join(parts, "\n\n")
				if d.Kind == Alternative && f.Target.ImplementationStatus != nil {
					f.Target.ImplementationStatus.State = "alternative"
				}
			}
		}
		if len(fp) > 0 {
			f.Props = &fp
		}
		if ans.Status != Unanswered || len(r.Evidence) > 0 || len(ans.Questions) > 0 {
			o := oscal.Observation{UUID: id("observation", r.Item.ID), Title: clip(r.Item.Citation), Methods: []string{"INTERVIEW"},
				Collected: collected(ans, r, a), Description: "What the organisation answered for " + clip(r.Item.Citation) + "."}
			var rem []string
			if ans.Notes != "" {
				rem = append(rem, ans.Notes)
			}
			for _, q := range slices.Sorted(maps.Keys(ans.Questions)) {
				rem = append(rem, q+": "+ans.Questions[q])
			}
			o.Remarks = strings.Join(rem, "\n\n")
			if len(r.Evidence) > 0 {
				o.Methods = append(o.Methods, "EXAMINE")
				var ev []oscal.RelevantEvidence
				for _, e := range r.Evidence {
					ev = append(ev, oscal.RelevantEvidence{Description: fmt.Sprintf("%s, version %d (%s), SHA-256 %s", clip(e.Title), e.Version, clip(e.Filename), e.SHA256)})
				}
				o.RelevantEvidence = &ev
			}
			observations = append(observations, o)
			f.RelatedObservations = &[]oscal.RelatedObservation{{ObservationUuid: o.UUID}}
		}
		findings = append(findings, f)
	}
	sel := oscal.AssessedControls{Description: "The items of " + v.Framework.Name + " that apply to the organisation, as Safeguard tailored them; the rest are excluded."}
	if len(include) > 0 {
		sel.IncludeControls = &include
	}
	if len(exclude) > 0 {
		sel.ExcludeControls = &exclude
	}
	res.ReviewedControls = oscal.ReviewedControls{ControlSelections: []oscal.AssessedControls{sel}}
	if len(findings) > 0 {
		res.Findings = &findings
	}
	if len(observations) > 0 {
		res.Observations = &observations
	}
	ar := oscal.AssessmentResults{
		UUID: id("assessment-results", now.UTC().Format(time.RFC3339)),
		Metadata: oscal.Metadata{
			Title:        clip(a.Title + " — " + org),
			Version:      state,
			OscalVersion: catalog.OSCALVersion,
			LastModified: now.UTC().Truncate(time.Second),
			Props:        &props,
		},
		ImportAp: oscal.ImportAp{Href: "#" + scope, Remarks: "Safeguard keeps no separate assessment plan; the resource describes the assessment's scope as tailored."},
		Results:  []oscal.Result{res},
		BackMatter: &oscal.BackMatter{Resources: &[]oscal.Resource{{
			UUID:        scope,
			Title:       "The scope of " + clip(a.Title),
			Description: fmt.Sprintf("%d of %d items of %s apply to %s, by Safeguard's tailoring from the organisation's profile (each decision, its reason and its source on the tailoring page); controls are identified as in Safeguard's OSCAL export of the catalog (catalog %s).", v.Progress.Applicable, v.Progress.Items, v.Framework.Name, clip(org), catalog.OSCALCatalogUUID(v.Framework)),
		}}},
	}
	b, err := json.MarshalIndent(oscal.OscalCompleteSchema{AssessmentResults: &ar}, "", "  ")
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	return append(b, '\n'), nil
}

// collected is when an item's answer was recorded, or the assessment
// began when it carries no time.
func collected(ans *Answer, r Row, a *Assessment) time.Time {
	t := ans.UpdatedAt
	for _, e := range r.Evidence {
		if e.At.After(t) {
			t = e.At
		}
	}
	if t.IsZero() {
		t = a.CreatedAt
	}
	return t.UTC().Truncate(time.Second)
}

func clip(s string) string { return strings.Join(strings.Fields(s), " ") }
