package report

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	oscal "github.com/defenseunicorns/go-oscal/src/types/oscal-1-1-3"
	"github.com/google/uuid"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// sspNS seeds the name-based UUIDs of an exported system security plan.
var sspNS = uuid.MustParse("c4e2a9b7-1d3f-4a6e-8b5c-2f7d9e1a0c63")

const oscalPropNS = catalog.OSCALNamespace

// componentType is the OSCAL component type of an inventory asset.
func componentType(t risk.AssetType) string {
	switch t {
	case risk.Application:
		return "software"
	case risk.CloudService:
		return "service"
	case risk.Device, risk.Media:
		return "hardware"
	case risk.Facility:
		return "physical"
	}
	return "system"
}

// SSPOSCAL writes the organisation's system security plan as an OSCAL
// 1.1.3 system-security-plan in JSON, from what Safeguard holds: the
// organisation as the system (its ePHI as the information type, the
// inventory's assets as components, the security official as the
// responsible party) and, from the Security Rule assessment v (the
// newest), an implemented requirement for each applicable item, its
// status and what the organisation answered, against the controls of
// Safeguard's OSCAL catalog export. The profile it imports is the
// Security Rule as tailored for the organisation, described in back
// matter. now stamps the metadata.
func SSPOSCAL(o *org.Organization, p *org.Profile, assets []*risk.Asset, v *assessment.View, now time.Time) ([]byte, error) {
	id := func(parts ...string) string {
		return uuid.NewSHA1(sspNS, []byte(o.ID+"/"+strings.Join(parts, "/"))).String()
	}
	this := id("this-system")
	components := []oscal.SystemComponent{{UUID: this, Type: "this-system", Title: flat(o.Name),
		Description: fmt.Sprintf("%s (%s): the organisation's information systems that create, receive, maintain or transmit ePHI.", flat(o.Name), o.EntityType.Label()),
		Status:      oscal.SystemComponentStatus{State: "operational"}}}
	for _, a := range assets {
		if !a.HoldsEPHI() {
			continue
		}
		desc := flat(a.Description)
		if desc == "" {
			desc = a.Type.Label()
		}
		c := oscal.SystemComponent{UUID: id("component", a.ID), Type: componentType(a.Type), Title: flat(a.Name), Description: desc,
			Status: oscal.SystemComponentStatus{State: "operational"}, Purpose: "ePHI: " + strings.Join(a.EPHIUses(), ", ")}
		var props []oscal.Property
		for _, kv := range [][2]string{{"criticality", string(a.Criticality)}, {"owner", a.Owner}, {"location", a.Location}, {"vendor", a.Vendor}} {
			if kv[1] != "" {
				props = append(props, oscal.Property{Name: kv[0], Ns: oscalPropNS, Value: flat(kv[1])})
			}
		}
		if len(props) > 0 {
			c.Props = &props
		}
		components = append(components, c)
	}
	party := id("party", "organization")
	parties := []oscal.Party{{UUID: party, Type: "organization", Name: flat(o.Name)}}
	roles := []oscal.Role{{ID: "security-official", Title: "Security official (45 CFR 164.308(a)(2))"}}
	var responsible []oscal.ResponsibleParty
	if off := p.SecurityOfficial; off.Name != "" {
		person := id("party", "security-official")
		pp := oscal.Party{UUID: person, Type: "person", Name: flat(off.Name)}
		if off.Email != "" {
			pp.EmailAddresses = &[]string{off.Email}
		}
		parties = append(parties, pp)
		responsible = append(responsible, oscal.ResponsibleParty{RoleId: "security-official", PartyUuids: []string{person}})
	}
	var reqs []oscal.ImplementedRequirement
	for _, r := range v.Rows {
		if !r.Tailor.Applicable {
			continue
		}
		ans := r.Answer
		bc := oscal.ByComponent{UUID: id("by-component", r.Item.ID), ComponentUuid: this, Description: "Not yet answered in the Security Rule assessment."}
		if ans.Status != assessment.Unanswered {
			bc.Description = ans.Status.Label() + "."
			if ans.Notes != "" {
				bc.Description += " " + flat(ans.Notes)
			}
		}
		state := map[assessment.Status]string{assessment.Implemented: "implemented", assessment.Partial: "partial", assessment.Planned: "planned", assessment.NotApplicable: "not-applicable"}[ans.Status]
		if d := ans.Decision; d != nil && d.Kind == assessment.Alternative && state != "" {
			state = "alternative"
		}
		if state != "" {
			bc.ImplementationStatus = &oscal.ImplementationStatus{State: state}
		}
		if d := ans.Decision; d != nil && r.NeedsDecision {
			var parts []string
			parts = append(parts, "Addressable decision (45 CFR 164.306(d)(3)): "+d.Kind.Label()+".")
			if d.Reason != "" {
				parts = append(parts, "Why not reasonable and appropriate: "+flat(d.Reason))
			}
			if d.Measure != "" {
				parts = append(parts, "Equivalent alternative measure: "+flat(d.Measure))
			}
			bc.Remarks = strings.Join(parts, "\n\n")
		}
		reqs = append(reqs, oscal.ImplementedRequirement{UUID: id("requirement", r.Item.ID), ControlId: catalog.OSCALControlID(r.Item), ByComponents: &[]oscal.ByComponent{bc}})
	}
	if len(reqs) == 0 {
		return nil, errs.New(errs.Invalid, "the Security Rule assessment has no applicable item")
	}
	profile := id("profile")
	ssp := oscal.SystemSecurityPlan{
		UUID: id("ssp", now.UTC().Format(time.RFC3339)),
		Metadata: oscal.Metadata{
			Title: flat("System security plan — " + o.Name), Version: now.UTC().Format("2006-01-02"), OscalVersion: catalog.OSCALVersion,
			LastModified: now.UTC().Truncate(time.Second), Parties: &parties, Roles: &roles,
		},
		ImportProfile: oscal.ImportProfile{Href: "#" + profile},
		SystemCharacteristics: oscal.SystemCharacteristics{
			SystemIds:   []oscal.SystemId{{IdentifierType: "https://ietf.org/rfc/rfc4122", ID: id("system")}},
			SystemName:  flat(o.Name),
			Description: fmt.Sprintf("The systems of %s that create, receive, maintain or transmit electronic protected health information, as its ePHI inventory in Safeguard lists them (%d).", flat(o.Name), len(components)-1),
			SystemInformation: oscal.SystemInformation{InformationTypes: []oscal.InformationType{{UUID: id("information-type", "ephi"), Title: "Electronic protected health information (ePHI)",
				Description: "Individually identifiable health information transmitted or maintained in electronic media (45 CFR 160.103), whose confidentiality, integrity and availability the Security Rule protects (45 CFR 164.306(a)(1))."}}},
			Status:                oscal.Status{State: "operational"},
			AuthorizationBoundary: oscal.AuthorizationBoundary{Description: "Every system of the ePHI inventory, and the workforce and business associates that use them."},
		},
		SystemImplementation: oscal.SystemImplementation{
			Users:      []oscal.SystemUser{{UUID: id("user", "workforce"), Title: "Workforce members with access to ePHI", Description: "Employees, volunteers, trainees and others under the organisation's direct control (45 CFR 160.103), each with access by role (164.308(a)(4))."}},
			Components: components,
		},
		ControlImplementation: oscal.ControlImplementation{
			Description:             fmt.Sprintf("How %s meets each applicable item of %s, from its Security Rule assessment %q (%s).", flat(o.Name), v.Framework.Name, flat(v.Assessment.Title), v.Assessment.State),
			ImplementedRequirements: reqs,
		},
		BackMatter: &oscal.BackMatter{Resources: &[]oscal.Resource{{UUID: profile, Title: "The Security Rule as tailored for " + flat(o.Name),
			Description: fmt.Sprintf("%d of %d items of %s apply, by Safeguard's tailoring from the organisation's profile; controls are identified as in Safeguard's OSCAL export of the catalog (catalog %s).", v.Progress.Applicable, v.Progress.Items, v.Framework.Name, catalog.OSCALCatalogUUID(v.Framework))}}},
	}
	if len(responsible) > 0 {
		ssp.SystemCharacteristics.ResponsibleParties = &responsible
	}
	b, err := json.MarshalIndent(oscal.OscalCompleteSchema{SystemSecurityPlan: &ssp}, "", "  ")
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	return append(b, '\n'), nil
}

// flat is text on one line, as OSCAL's single-line fields want it.
func flat(s string) string { return strings.Join(strings.Fields(s), " ") }
