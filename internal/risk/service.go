package risk

import (
	"context"
	"strconv"
	"time"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// Store is what the risk service needs of an organisation's records
// (store.Scoped implements it).
type Store interface {
	RiskRegister(ctx context.Context, catalog *Threats) (*Register, error)
	RiskSettings(ctx context.Context) (Scales, int, error)
	Analyses(ctx context.Context) ([]*Analysis, error)
	Analysis(ctx context.Context, id string) (*Analysis, error)
	AnalysisSnapshot(ctx context.Context, id string) ([]byte, error)
	FinalizeAnalysis(ctx context.Context, id, approver, reviewBy string, at time.Time, build func(a Analysis) (*Document, error)) (*Analysis, error)
}

// Service is the risk analysis as the web, the API and the command line
// use it: the threat catalog, and documents made from the live register
// or a frozen record.
type Service struct {
	Threats *Threats
	Catalog *catalog.Registry
}

// NewService loads the threat catalog, checked against reg.
func NewService(reg *catalog.Registry) (*Service, error) {
	t, err := LoadThreats(reg)
	if err != nil {
		return nil, err
	}
	return &Service{Threats: t, Catalog: reg}, nil
}

// Resolve finds an analysis by id, by version number, or "latest" (also
// ""): the newest. Errors: NotFound.
func (s *Service) Resolve(ctx context.Context, st Store, ref string) (*Analysis, error) {
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
func (s *Service) Document(ctx context.Context, st Store, orgName string, a *Analysis, now time.Time) (*Document, error) {
	if a.Status == Final {
		raw, err := st.AnalysisSnapshot(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		doc, err := ParseDocument(raw)
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
	return NewDocument(orgName, *a, g, now), nil
}

// Live is a document of the register as it stands, outside any analysis:
// what the register's exports are made from.
func (s *Service) Live(ctx context.Context, st Store, orgName string, now time.Time) (*Document, error) {
	g, err := st.RiskRegister(ctx, s.Threats)
	if err != nil {
		return nil, err
	}
	a := Analysis{Title: "Risk register", Scope: "The organisation's whole risk register as it stands", Method: DefaultMethod, Status: Draft}
	return NewDocument(orgName, a, g, now), nil
}

// Finalize freezes a draft analysis with the register as it stands,
// signed off by approver, its periodic review due after the organisation's
// review interval.
func (s *Service) Finalize(ctx context.Context, st Store, orgName, id, approver string, now time.Time) (*Analysis, error) {
	_, months, err := st.RiskSettings(ctx)
	if err != nil {
		return nil, err
	}
	reviewBy := now.UTC().AddDate(0, months, 0).Format(DateLayout)
	return st.FinalizeAnalysis(ctx, id, approver, reviewBy, now, func(a Analysis) (*Document, error) {
		g, err := st.RiskRegister(ctx, s.Threats)
		if err != nil {
			return nil, err
		}
		a.SHA256 = ""
		return NewDocument(orgName, a, g, *a.FinalizedAt), nil
	})
}

// Changes compares an analysis with the final one before it: what changed
// since the last analysis. prev is nil when there is none.
func (s *Service) Changes(ctx context.Context, st Store, orgName string, a *Analysis, now time.Time) (prev, cur *Document, changes []Change, err error) {
	cur, err = s.Document(ctx, st, orgName, a, now)
	if err != nil {
		return nil, nil, nil, err
	}
	all, err := st.Analyses(ctx)
	if err != nil {
		return nil, nil, nil, err
	}
	for _, p := range all {
		if p.Status == Final && p.Version < a.Version {
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
	g, err := st.RiskRegister(ctx, s.Threats)
	if err != nil {
		return nil, err
	}
	return Reminders(Today(now), all, g), nil
}
