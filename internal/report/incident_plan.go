package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/incident"
)

// IncidentPlanPDF renders one version of the incident response plan for
// the binder that must be at hand when the network is down: its approval
// and next review, the roles and the contacts with their numbers, the
// escalation and communication rules, each playbook's steps by phase, and
// the breach notification deadlines with the rule's text.
func IncidentPlanPDF(p *incident.Plan, org string, at time.Time) ([]byte, error) {
	title := fmt.Sprintf("%s — %s, version %d", p.Title, org, p.Version)
	d, err := newPDF(fmt.Sprintf("%s · incident response plan, version %d", org, p.Version), title, "45 CFR 164.308(a)(6)", at)
	if err != nil {
		return nil, err
	}
	d.heading(p.Title+": "+org, 18)
	state := "Draft: not approved"
	if p.Approved() {
		state = fmt.Sprintf("Approved by %s on %s; next review by %s", p.ApprovedBy, p.ApprovedOn, p.NextReview())
	}
	d.para(fmt.Sprintf("Version %d, saved %s by %s. %s. Printed %s.", p.Version, p.CreatedAt.UTC().Format("2 January 2006"), p.CreatedBy, state, at.UTC().Format("2 January 2006 15:04 UTC")), 9.5)
	if p.Scope != "" {
		d.para("Scope: "+p.Scope, 9)
	}
	d.heading("1. Roles", 13)
	var roles [][]string
	for _, r := range p.Roles {
		roles = append(roles, []string{r.Role, r.Name, orDash(r.Phone), orDash(r.Email), orDash(r.Backup)})
	}
	d.table([]pdfCol{{"Role", 0.22}, {"Who", 0.2}, {"Phone", 0.17}, {"Email", 0.23}, {"Stands in", 0.18}}, roles, 8.5)
	d.heading("2. Contacts outside the organisation", 13)
	if len(p.Contacts) == 0 {
		d.para("None recorded.", 9)
	} else {
		var cs [][]string
		for _, c := range p.Contacts {
			cs = append(cs, []string{c.Kind, strings.TrimSpace(c.Name + " " + orEmpty(c.Organisation)), orDash(c.Phone), orDash(c.Email), orDash(c.Notes)})
		}
		d.table([]pdfCol{{"Kind", 0.14}, {"Who", 0.26}, {"Phone", 0.16}, {"Email", 0.22}, {"Notes", 0.22}}, cs, 8.5)
	}
	d.heading("3. Escalation", 13)
	d.para(orDash(p.Escalation), 9)
	d.heading("4. Communication", 13)
	d.para(orDash(p.Communication), 9)
	d.heading("5. Playbooks", 13)
	for _, b := range p.Playbooks {
		d.heading(b.Title, 11)
		if b.Source != "" {
			d.para(b.Source, 7.5)
		}
		var steps [][]string
		for k, s := range b.Steps {
			steps = append(steps, []string{fmt.Sprint(k + 1), s.Phase, s.Text, "[ ]"})
		}
		d.table([]pdfCol{{"#", 0.05}, {"Phase", 0.12}, {"Step", 0.73}, {"Done", 0.1}}, steps, 8.5)
	}
	d.heading("6. Breach notification deadlines", 13)
	d.para("When the breach assessment of 45 CFR 164.402 concludes a breach of unsecured PHI, each notice is due by the day below; the 60 days are an outer limit, the rule asks for notice without unreasonable delay. "+incident.RuleDiscovery.Cite+": "+incident.RuleDiscovery.Quote, 8.5)
	var rules [][]string
	for _, r := range []incident.Rule{incident.RuleIndividuals, incident.RuleMedia, incident.RuleSecretary, incident.RuleSecretaryLog, incident.RuleCoveredEntity, incident.RuleDelay} {
		rules = append(rules, []string{r.Cite, orDash(r.When), r.Quote})
	}
	d.table([]pdfCol{{"Rule", 0.16}, {"When", 0.2}, {"Text", 0.64}}, rules, 7.5)
	return d.bytes()
}

func orEmpty(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}
