// Package riskanalysis is the risk analysis service: the web pages, the
// API and the command line resolve, document, finalise and compare
// analyses through it, get its reminders, and have the assessments'
// shortfalls proposed as vulnerabilities. The register's records and
// their rules of validity are internal/risk's; the store keeps them.
package riskanalysis

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/vendor"
)

// Store is what the risk service needs of an organisation's records
// (store.Scoped implements it).
type Store interface {
	RiskRegister(ctx context.Context, catalog *risk.Threats) (*risk.Register, error)
	RiskRecords(ctx context.Context, catalog *risk.Threats) (*risk.Register, error)
	RiskSummary(ctx context.Context, today string) (*risk.Summary, error)
	RiskPage(ctx context.Context, q store.RiskQuery) (*store.RiskSlice, error)
	RiskOwners(ctx context.Context) ([]string, error)
	AssetsByID(ctx context.Context, ids []string) ([]*risk.Asset, error)
	InventoryCounts(ctx context.Context) (assets, ephi int, err error)
	EPHIAssetsSince(ctx context.Context, t time.Time, limit int) ([]string, int, error)
	RiskSettings(ctx context.Context) (risk.Scales, int, error)
	Analyses(ctx context.Context) ([]*risk.Analysis, error)
	Analysis(ctx context.Context, id string) (*risk.Analysis, error)
	AnalysisSnapshot(ctx context.Context, id string) ([]byte, error)
	FinalizeAnalysis(ctx context.Context, id, approver, reviewBy string, at time.Time, build func(a risk.Analysis) (*risk.Document, error), inputs ...func(a risk.Analysis) *assessment.Input) (*risk.Analysis, error)
	Vendors(ctx context.Context) ([]*vendor.Vendor, error)
	Agreements(ctx context.Context, vendorID string) ([]*vendor.Agreement, error)
	VendorReviews(ctx context.Context, vendorID string) ([]*vendor.Review, error)
	AuditActors(ctx context.Context, prefixes []string, before time.Time) ([]string, error)
	DataImportsBefore(ctx context.Context, before time.Time, limit int) ([]*store.DataImport, error)
	CheckResults(ctx context.Context) ([]*store.CheckResult, error)
	// The assessments, for the addressable decisions.
	assessment.Store
}

// withVendors adds the vendor register as it stands on at to a document.
func withVendors(ctx context.Context, st Store, doc *risk.Document, at time.Time) (*risk.Document, error) {
	vs, err := st.Vendors(ctx)
	if err != nil {
		return nil, err
	}
	as, err := st.Agreements(ctx, "")
	if err != nil {
		return nil, err
	}
	rs, err := st.VendorReviews(ctx, "")
	if err != nil {
		return nil, err
	}
	for _, v := range vendor.Views(vs, nil, as, rs, at.UTC().Format(time.DateOnly)) {
		status := v.StatusLabel
		if v.SubcontractorName != "" {
			status += " (of " + v.SubcontractorName + ")"
		}
		doc.Vendors = append(doc.Vendors, risk.VendorLine{Name: v.Name, Services: v.Services, Status: status, EPHI: strings.Join(v.EPHI, ", "), Records: v.Records,
			Tier: v.Tier, Agreement: string(v.Agreement), AgreementWhy: v.AgreementWhy, Review: string(v.Review), NextReview: v.NextReview})
	}
	return doc, nil
}

// Service is the risk analysis as the web, the API and the command line
// use it: the threat catalog, and documents made from the live register
// or a frozen record.
type Service struct {
	Threats *risk.Threats
	Catalog *catalog.Registry
	Program *assessment.Program // the assessments' tailoring, for the addressable decisions
}

// NewService loads the threat catalog, checked against reg.
func NewService(reg *catalog.Registry) (*Service, error) {
	t, err := risk.LoadThreats(reg)
	if err != nil {
		return nil, err
	}
	p, err := assessment.NewProgram(reg)
	if err != nil {
		return nil, err
	}
	return &Service{Threats: t, Catalog: reg, Program: p}, nil
}

// Resolve finds an analysis by id, by version number, or "latest" (also
// ""): the newest. Errors: NotFound.
func (s *Service) Resolve(ctx context.Context, st Store, ref string) (*risk.Analysis, error) {
	all, err := st.Analyses(ctx)
	if err != nil {
		return nil, err
	}
	for _, a := range all {
		if ref == "" || ref == "latest" || a.ID == ref || strconv.Itoa(a.Version) == ref {
			return a, nil
		}
	}
	if len(all) == 0 {
		return nil, errs.New(errs.NotFound, "no risk analysis yet: start one")
	}
	return nil, errs.New(errs.NotFound, "no risk analysis "+strconv.Quote(ref)+": give its id or version number, or \"latest\"")
}

// Document is the analysis as a report shows it: a final one's frozen
// record, or a draft over the register as it stands at now.
func (s *Service) Document(ctx context.Context, st Store, orgName string, a *risk.Analysis, now time.Time) (*risk.Document, error) {
	if a.Status == risk.Final {
		raw, err := st.AnalysisSnapshot(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		doc, err := risk.ParseDocument(raw)
		if err != nil {
			return nil, err
		}
		doc.Analysis = *a // the row carries the hash the record cannot hold
		return doc, nil
	}
	g, err := st.RiskRegister(ctx, s.Threats)
	if err != nil {
		return nil, err
	}
	return s.complete(ctx, st, risk.NewDocument(orgName, *a, g, now), now)
}

// Live is a document of the register as it stands, outside any analysis:
// what the register's exports are made from.
func (s *Service) Live(ctx context.Context, st Store, orgName string, now time.Time) (*risk.Document, error) {
	g, err := st.RiskRegister(ctx, s.Threats)
	if err != nil {
		return nil, err
	}
	a := risk.Analysis{Title: "Risk register", Scope: "The organisation's whole risk register as it stands", Method: risk.DefaultMethod, Status: risk.Draft}
	return s.complete(ctx, st, risk.NewDocument(orgName, a, g, now), now)
}

// Finalize freezes a draft analysis with the register as it stands,
// signed off by approver, its periodic review due after the organisation's
// review interval.
func (s *Service) Finalize(ctx context.Context, st Store, orgName, id, approver string, now time.Time) (*risk.Analysis, error) {
	_, months, err := st.RiskSettings(ctx)
	if err != nil {
		return nil, err
	}
	reviewBy := now.UTC().AddDate(0, months, 0).Format(risk.DateLayout)
	return st.FinalizeAnalysis(ctx, id, approver, reviewBy, now, func(a risk.Analysis) (*risk.Document, error) {
		g, err := st.RiskRegister(ctx, s.Threats)
		if err != nil {
			return nil, err
		}
		a.SHA256 = ""
		return s.complete(ctx, st, risk.NewDocument(orgName, a, g, *a.FinalizedAt), *a.FinalizedAt)
	}, AnalysisInput)
}

// RiskAnalysisItem is the Security Rule's risk analysis specification,
// which a final analysis in Safeguard evidences.
const RiskAnalysisItem = "hipaa-sr/164.308(a)(1)(ii)(A)"

// AnalysisInput is what a final analysis records for the risk analysis
// item: Safeguard's own record, verified, beside the answer.
func AnalysisInput(a risk.Analysis) *assessment.Input {
	return &assessment.Input{Goal: RiskAnalysisItem, Source: "risk-analysis", Label: fmt.Sprintf("Risk analysis %q, version %d, in Safeguard", a.Title, a.Version),
		Date: *a.FinalizedAt, Status: assessment.Met, Ref: a.ID,
		Detail: fmt.Sprintf("final, signed off by %s, SHA-256 %s; periodic review by %s", a.Approver, a.SHA256, a.ReviewBy)}
}

// Changes compares an analysis with the final one before it: what changed
// since the last analysis. prev is nil when there is none.
func (s *Service) Changes(ctx context.Context, st Store, orgName string, a *risk.Analysis, now time.Time) (prev, cur *risk.Document, changes []Change, err error) {
	cur, err = s.Document(ctx, st, orgName, a, now)
	if err != nil {
		return nil, nil, nil, err
	}
	all, err := st.Analyses(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, p := range all {
		if p.Status == risk.Final && p.Version < a.Version {
			if prev, err = s.Document(ctx, st, orgName, p, now); err != nil {
				return nil, nil, nil, err
			}
			return prev, cur, Changes(prev, cur), nil
		}
	}
	return nil, cur, nil, nil
}

// Reminders lists what calls for the analysis to be reviewed or updated.
func (s *Service) Reminders(ctx context.Context, st Store, now time.Time) ([]Reminder, error) {
	all, err := st.Analyses(ctx)
	if err != nil {
		return nil, err
	}
	today := risk.Today(now)
	sum, err := st.RiskSummary(ctx, today)
	if err != nil {
		return nil, err
	}
	return Reminders(today, all, sum, addedTo(ctx, st))
}

// addedTo is NewEPHI over the store's inventory.
func addedTo(ctx context.Context, st Store) NewEPHI {
	return func(since time.Time) ([]string, int, error) { return st.EPHIAssetsSince(ctx, since, 10) }
}

// An Overview is the risk analysis at a glance: the scales, the open
// register summed, the analyses, what calls for attention, and how many
// assets the inventory holds (and of them, hold ePHI).
type Overview struct {
	Scales    risk.Scales
	Summary   *risk.Summary
	Analyses  []*risk.Analysis
	Reminders []Reminder
	Assets    int
	EPHI      int
}

// Overview reads the risk analysis at a glance from sums and counts in
// the database: neither the risks nor the inventory are read.
func (s *Service) Overview(ctx context.Context, st Store, now time.Time) (*Overview, error) {
	o := &Overview{}
	var err error
	if o.Analyses, err = st.Analyses(ctx); err != nil {
		return nil, err
	}
	if o.Scales, _, err = st.RiskSettings(ctx); err != nil {
		return nil, err
	}
	today := risk.Today(now)
	if o.Summary, err = st.RiskSummary(ctx, today); err != nil {
		return nil, err
	}
	if o.Assets, o.EPHI, err = st.InventoryCounts(ctx); err != nil {
		return nil, err
	}
	o.Reminders, err = Reminders(today, o.Analyses, o.Summary, addedTo(ctx, st))
	return o, err
}

// A RegisterQuery is what a page of the register or the API asks for: a
// filter, a sort (one of risk.SortKeys; "" is number order) and a window.
type RegisterQuery struct {
	Filter risk.Filter
	ID     string // only this risk
	Sort   string
	Offset int
	Limit  int
	// Bare leaves the rows without their assets (Row.Assets), for a
	// reader that needs only the ids each risk names.
	Bare bool
}

// A RegisterPage is a stretch of the register as the pages and the API
// show it.
type RegisterPage struct {
	// Register holds the scales, the threat catalog, and the risks shown
	// with their plans and assets; not the whole register.
	Register *risk.Register
	Rows     []*risk.Row // the stretch, in the query's order
	Total    int         // how many risks the filter keeps
	Heat     [][]int     // the kept risks per cell of the scales (Register.Heat)
}

// Page reads the stretch of the register q asks for on day today, with
// how many risks its filter keeps and their heat map, through sums and
// an index in the database: the rows are those shown, and only their
// assets are read.
func (s *Service) Page(ctx context.Context, st Store, q RegisterQuery, today string) (*RegisterPage, error) {
	scales, _, err := st.RiskSettings(ctx)
	if err != nil {
		return nil, err
	}
	f := q.Filter
	sq := store.RiskQuery{ID: q.ID, Status: f.Status, Owner: f.Owner, Asset: f.Asset, Threat: f.Threat, Response: f.Response, Words: f.Query,
		Likelihood: f.Likelihood, Impact: f.Impact, Sort: q.Sort, Offset: q.Offset, Limit: q.Limit}
	if f.Level != "" {
		sq.ByLevel = true
		for i, b := range scales.Bands {
			if strings.EqualFold(b.Name, f.Level) {
				sq.Bands = append(sq.Bands, i)
			}
		}
	}
	if q.Sort == "threat" {
		byName := slices.Clone(s.Threats.Threats)
		slices.SortStableFunc(byName, func(a, b *risk.Threat) int { return strings.Compare(a.Name, b.Name) })
		for _, t := range byName {
			sq.Threats = append(sq.Threats, t.ID)
		}
	}
	slice, err := st.RiskPage(ctx, sq)
	if err != nil {
		return nil, err
	}
	g := &risk.Register{Scales: scales, Catalog: s.Threats, Risks: slice.Risks, Actions: slice.Actions}
	if !q.Bare {
		var ids []string
		for _, r := range slice.Risks {
			ids = append(ids, r.Assets...)
		}
		if g.Assets, err = st.AssetsByID(ctx, ids); err != nil {
			return nil, err
		}
	}
	// Rows resolves in number order; the page keeps the query's.
	at := make(map[string]int, len(slice.Risks))
	for i, r := range slice.Risks {
		at[r.ID] = i
	}
	rows := g.Rows(today)
	slices.SortFunc(rows, func(a, b *risk.Row) int { return cmp.Compare(at[a.Risk.ID], at[b.Risk.ID]) })
	sum := &risk.Summary{Cells: slice.Cells}
	return &RegisterPage{Register: g, Rows: rows, Total: slice.Total, Heat: sum.Heat(&scales, false)}, nil
}

// POAM is the plan of action and milestones on day today (risk.POAM):
// the actions of the open risks (of every risk, and done and cancelled
// ones too, if all), most overdue first, with how many open ones are
// overdue. It reads the risks and their plans, not the inventory.
func (s *Service) POAM(ctx context.Context, st Store, today string, all bool) (milestones []*risk.Milestone, overdue int, err error) {
	g, err := st.RiskRecords(ctx, s.Threats)
	if err != nil {
		return nil, 0, err
	}
	milestones = risk.POAM(g.Rows(today), today, all)
	for _, m := range milestones {
		if m.Action.Open() && m.Slip > 0 {
			overdue++
		}
	}
	return milestones, overdue, nil
}

// Owners lists the owners the register's risks name, for its filter.
func (s *Service) Owners(ctx context.Context, st Store) ([]string, error) {
	return st.RiskOwners(ctx)
}

// ProposalStore is what proposing vulnerabilities from the assessments
// reads and writes (store.Scoped implements it).
type ProposalStore interface {
	Assessments(ctx context.Context) ([]*assessment.Assessment, error)
	Answers(ctx context.Context, assessmentID string) (map[string]*assessment.Answer, error)
	Vulnerabilities(ctx context.Context) ([]*risk.Vulnerability, error)
	AddVulnerabilities(ctx context.Context, vs []*risk.Vulnerability) error
}

// Propose adds to the register, as proposed vulnerabilities, the
// shortfalls of the newest assessment of each framework (frameworks, by
// id) that no vulnerability covers yet, and says how many it added.
func (s *Service) Propose(ctx context.Context, st ProposalStore, frameworks []string) (int, error) {
	all, err := st.Assessments(ctx)
	if err != nil {
		return 0, err
	}
	existing, err := st.Vulnerabilities(ctx)
	if err != nil {
		return 0, err
	}
	var proposed []*risk.Vulnerability
	for _, fw := range frameworks {
		a := assessment.Current(all, fw)
		if a == nil {
			continue
		}
		answers, err := st.Answers(ctx, a.ID)
		if err != nil {
			return 0, err
		}
		proposed = append(proposed, Proposals(s.Catalog, a, answers, slices.Concat(existing, proposed))...)
	}
	return len(proposed), st.AddVulnerabilities(ctx, proposed)
}

// Register is the organisation's whole register with its scales, read
// against the threat catalog.
func (s *Service) Register(ctx context.Context, st Store) (*risk.Register, error) {
	return st.RiskRegister(ctx, s.Threats)
}
