package riskanalysis

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// gatheringActions are the audit trail's actions of recording the data a
// risk analysis rests on: the inventory, the register, the assessments.
var gatheringActions = []string{"asset.", "flow.", "risk.", "risk_analysis.", "vulnerability.", "assessment.", "vendor.", "org.profile_update"}

// maxImportsListed bounds the files a document lists as imported from
// the organisation's systems, newest first.
const maxImportsListed = 1000

// complete adds to a document what OCR's risk analysis guidance asks to
// see beside the register: the vendor register with each agreement, how
// the data was gathered and who took part, the other analyses, the review
// triggers, the measures as checks found them, the addressable decisions
// and the provisions each risk concerns.
func (s *Service) complete(ctx context.Context, st Store, doc *risk.Document, at time.Time) (*risk.Document, error) {
	doc, err := withVendors(ctx, st, doc, at)
	if err != nil {
		return nil, err
	}
	// Who took part: everyone who recorded the inventory, the register
	// and the assessments before the document's time, most recently
	// active first.
	people, err := st.AuditActors(ctx, gatheringActions, at.Add(time.Second))
	if err != nil {
		return nil, err
	}
	g := &risk.Gathering{Participants: append([]string{}, people...), Imports: []string{}} // [] in JSON when none
	imports, err := st.DataImportsBefore(ctx, at.Add(time.Second), maxImportsListed)
	if err != nil {
		return nil, err
	}
	for _, d := range imports {
		g.Imports = append(g.Imports, fmt.Sprintf("%s: %s, %d records, imported %s by %s", d.Kind, d.Filename, d.Records, d.ImportedAt.UTC().Format(time.DateOnly), d.ImportedBy))
	}
	doc.Gathering = g

	// The other analyses, and what calls for a review.
	all, err := st.Analyses(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if a.ID == doc.Analysis.ID {
			continue
		}
		p := risk.PriorLine{Version: a.Version, Title: a.Title, Status: string(a.Status), Approver: a.Approver, ReviewBy: a.ReviewBy}
		if a.FinalizedAt != nil {
			p.Finalized = a.FinalizedAt.UTC().Format(time.DateOnly)
		}
		doc.Prior = append(doc.Prior, p)
	}
	_, months, err := st.RiskSettings(ctx)
	if err != nil {
		return nil, err
	}
	doc.Triggers = append(doc.Triggers, fmt.Sprintf("Every %d months: the organisation's review interval (45 CFR 164.316(b)(2)(iii): review documentation periodically, and update it as needed).", months),
		"Environmental or operational changes that affect the security of ePHI (45 CFR 164.316(b)(2)(iii); 164.306(e)): new systems holding ePHI, new vendors, security incidents, new threats, changes in the organisation.")
	reminders, err := s.Reminders(ctx, st, at)
	if err != nil {
		return nil, err
	}
	for _, r := range reminders {
		if r.Kind != "none" {
			doc.Triggers = append(doc.Triggers, "Open on "+at.UTC().Format(time.DateOnly)+": "+r.Message)
		}
	}

	// The measures as the checks found them in the organisation's data.
	results, err := st.CheckResults(ctx)
	if err != nil {
		return nil, err
	}
	for _, r := range results {
		if r.At.After(at) {
			continue
		}
		var cites []string
		for _, id := range r.Check.Items {
			if it, ok := s.Catalog.Item(id); ok {
				cites = append(cites, it.Citation)
			}
		}
		doc.Measures = append(doc.Measures, risk.MeasureLine{Check: r.Check.Title, Provisions: strings.Join(cites, ", "), Verdict: string(r.GoalStatus),
			Detail: r.Detail, RanAt: r.At.UTC().Format(time.DateOnly)})
	}

	// The addressable decisions of the newest Security Rule assessment.
	if s.Program != nil {
		as, err := st.Assessments(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range as {
			if a.Framework != catalog.HIPAASecurityRule {
				continue
			}
			v, err := s.Program.View(ctx, st, a.ID, at)
			if err != nil {
				return nil, err
			}
			for _, r := range v.Rows {
				if !r.NeedsDecision {
					continue
				}
				line := risk.DecisionLine{Citation: r.Item.Citation, Title: r.Item.Title, Decision: "No decision documented"}
				if d := r.Answer.Decision; d != nil {
					line.Decision, line.Reason, line.Measure = d.Kind.Label(), d.Reason, d.Measure
					if gap := d.Gap(); gap != "" {
						line.Decision += "; not documented: " + gap
					}
				}
				doc.Decisions = append(doc.Decisions, line)
			}
			break // the newest
		}
	}

	// The provisions each risk concerns: those of its vulnerabilities'
	// assessment items (a CPG goal by its mappings to the Security Rule)
	// and of the checks that proposed them.
	vulns := map[string]*risk.Vulnerability{}
	for _, v := range doc.Vulnerabilities {
		vulns[v.ID] = v
	}
	doc.Provisions = map[string][]string{}
	for _, rk := range doc.Risks {
		var cites []string
		add := func(id string) {
			it, ok := s.Catalog.Item(id)
			if !ok || !strings.HasPrefix(id, "hipaa-sr/") {
				return
			}
			if !slices.Contains(cites, it.Citation) {
				cites = append(cites, it.Citation)
			}
		}
		for _, vid := range rk.Vulnerabilities {
			v := vulns[vid]
			if v == nil {
				continue
			}
			if v.ItemID != "" {
				add(v.ItemID)
				for _, rel := range s.Catalog.Related(v.ItemID) {
					add(rel.Item.ID)
				}
			}
			if c, ok := check.ByID(v.CheckID); ok {
				for _, id := range c.Items {
					add(id)
				}
			}
		}
		if len(cites) > 0 {
			slices.Sort(cites)
			doc.Provisions[rk.ID] = cites
		}
	}
	return doc, nil
}
