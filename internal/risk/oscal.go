package risk

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"
	"github.com/google/uuid"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
)

const oscalNS = catalog.OSCALNamespace

// poamNS seeds the name-based UUIDs of an exported POA&M, so that the same
// risk and action export with the same identifiers.
var poamNS = uuid.MustParse("3f6b2d1c-7a4e-4c8b-b1d2-9e0a5c7f4b21")

// POAMOSCAL writes the plan of action and milestones as an OSCAL 1.1.3
// plan-of-action-and-milestones in JSON: each risk with a plan as an
// OSCAL risk (its statement, likelihood, impact and level as facets, its
// status, its deadline) whose remediation's tasks are the plan's actions
// as milestones (due date, owner, status, slippage), and a POA&M item for
// each. Safeguard keeps no OSCAL system security plan to import: the
// organisation is the system, named by its id. now stamps the metadata.
func POAMOSCAL(orgID, orgName string, ms []*Milestone, now time.Time) ([]byte, error) {
	id := func(parts ...string) string {
		return uuid.NewSHA1(poamNS, []byte(orgID+"/"+strings.Join(parts, "/"))).String()
	}
	type plan struct {
		row *Row
		ms  []*Milestone
	}
	var order []string
	byRisk := map[string]*plan{}
	for _, m := range ms {
		p := byRisk[m.Row.Risk.ID]
		if p == nil {
			p = &plan{row: m.Row}
			byRisk[m.Row.Risk.ID] = p
			order = append(order, m.Row.Risk.ID)
		}
		p.ms = append(p.ms, m)
	}
	risks := []oscal.Risk{}
	items := []oscal.PoamItem{}
	for _, rid := range order {
		p := byRisk[rid]
		r := p.row.Risk
		var tasks []oscal.Task
		var deadline *time.Time
		done, open := 0, 0
		for _, m := range p.ms {
			a := m.Action
			t := oscal.Task{UUID: id("task", a.ID), Type: "milestone", Title: clip(a.Title), Description: clip(a.Notes)}
			props := []oscal.Property{{Name: "status", Ns: oscalNS, Value: string(a.Status)}, {Name: "standing", Ns: oscalNS, Value: clip(m.State())}}
			if a.Owner != "" {
				props = append(props, oscal.Property{Name: "owner", Ns: oscalNS, Value: clip(a.Owner)})
			}
			if a.CompletedOn != "" {
				props = append(props, oscal.Property{Name: "completed-on", Ns: oscalNS, Value: a.CompletedOn})
			}
			if m.Slip > 0 {
				props = append(props, oscal.Property{Name: "days-late", Ns: oscalNS, Value: fmt.Sprint(m.Slip)})
			}
			t.Props = &props
			if due, err := time.Parse(DateLayout, a.Due); err == nil {
				t.Timing = &oscal.EventTiming{OnDate: &oscal.OnDateCondition{Date: due.UTC()}}
				if a.Open() && (deadline == nil || due.After(*deadline)) {
					d := due.UTC()
					deadline = &d
				}
			}
			if a.Open() {
				open++
			} else if a.Status == Done {
				done++
			}
			tasks = append(tasks, t)
		}
		lifecycle := "planned"
		if open == 0 && done > 0 {
			lifecycle = "completed"
		}
		status := "open"
		switch {
		case r.Status == Closed:
			status = "closed"
		case r.Response == Accept:
			status = "deviation-approved"
		case open > 0:
			status = "remediating"
		}
		facet := func(name, value string) oscal.Facet {
			return oscal.Facet{Name: name, System: oscalNS, Value: value}
		}
		facets := []oscal.Facet{facet("likelihood", fmt.Sprint(r.Likelihood)), facet("impact", fmt.Sprint(p.row.Impact))}
		if p.row.Level != "" {
			facets = append(facets, facet("risk-level", p.row.Level))
		}
		statement := fmt.Sprintf("Threat: %s. Assets: %s.", clip(p.row.Threat), strings.Join(p.row.AssetNames(), "; "))
		if len(p.row.Vulns) > 0 {
			var vs []string
			for _, v := range p.row.Vulns {
				vs = append(vs, v.Title)
			}
			statement += " Through: " + strings.Join(vs, "; ") + "."
		}
		or := oscal.Risk{
			UUID: id("risk", r.ID), Title: clip(r.Ref() + " " + r.Title), Description: clip(r.Title), Statement: statement, Status: status, Deadline: deadline,
			Characterizations: &[]oscal.Characterization{{Origin: oscal.Origin{Actors: []oscal.OriginActor{{Type: "party", ActorUuid: id("party")}}}, Facets: facets}},
			Remediations: &[]oscal.Response{{UUID: id("remediation", r.ID), Lifecycle: lifecycle, Title: "The plan for " + r.Ref(),
				Description: clip(string(r.Response.Label()) + "; target: " + orNone(p.row.Target)), Tasks: &tasks}},
		}
		if r.Response == Accept && r.AcceptedBy != "" {
			or.Props = &[]oscal.Property{{Name: "accepted-by", Ns: oscalNS, Value: clip(r.AcceptedBy)}, {Name: "accepted-until", Ns: oscalNS, Value: r.AcceptedUntil}}
		}
		risks = append(risks, or)
		items = append(items, oscal.PoamItem{UUID: id("item", r.ID), Title: clip(r.Ref() + " " + r.Title),
			Description: fmt.Sprintf("%d milestone(s), %d open.", len(p.ms), open), RelatedRisks: &[]oscal.AssociatedRisk{{RiskUuid: or.UUID}}})
	}
	doc := oscal.PlanOfActionAndMilestones{
		UUID: id("poam", now.UTC().Format(time.RFC3339)),
		Metadata: oscal.Metadata{
			Title: clip("Plan of action and milestones — " + orgName), Version: now.UTC().Format(DateLayout), OscalVersion: catalog.OSCALVersion,
			LastModified: now.UTC().Truncate(time.Second),
			Parties:      &[]oscal.Party{{UUID: id("party"), Type: "organization", Name: clip(orgName)}},
		},
		SystemId:  &oscal.SystemId{IdentifierType: "https://ietf.org/rfc/rfc4122", ID: id("system")},
		PoamItems: items,
	}
	if len(risks) > 0 {
		doc.Risks = &risks
	}
	b, err := json.MarshalIndent(oscal.OscalCompleteSchema{PlanOfActionAndMilestones: &doc}, "", "  ")
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	return append(b, '\n'), nil
}

func clip(s string) string { return strings.Join(strings.Fields(s), " ") }

func orNone(s string) string {
	if s == "" {
		return "none set"
	}
	return s
}
