package checkrun

import (
	"context"
	"time"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/identity"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/inventory"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/tlssec"
)

// Source is where the checks read their data: the store, scoped to one
// organisation.
type Source interface {
	CheckSettings(ctx context.Context) (check.Settings, error)
	PeopleCount(ctx context.Context) (int, error)
	EachAccount(ctx context.Context, fn func(*identity.Account) error) error
	KEVLoaded(ctx context.Context) (bool, error)
	OpenFindings(ctx context.Context) (int, error)
	EachKEVOpenFinding(ctx context.Context, fn func(*check.OpenFinding) error) error
	ConfigControls(ctx context.Context, source string) ([]*check.Control, error)
	Profile(ctx context.Context) (*org.Profile, error)
	EmailProbes(ctx context.Context) ([]*check.EmailProbe, error)
	DMARCSources(ctx context.Context, from, to string) ([]*check.DMARCSource, error)
	InternetFacingAssets(ctx context.Context) ([]*risk.Asset, error)
	TLSResults(ctx context.Context) ([]*check.TLSResult, error)
	DeviceSource
	VendorSource
	IncidentSource
	ContingencySource
	Flows(ctx context.Context) ([]*risk.Flow, error)
	inventory.Records
}

// A RecordSink takes the records behind a check's verdict as they are
// found, so that a run over millions of accounts or findings need not hold
// them (the store writes them as they come).
type RecordSink func(checkID string, rec check.Record) error

// Evaluate runs every check of the catalog over the organisation's data, in
// one pass over the accounts and one over the KEV-listed open findings
// (the rest are counted when imports land), and a read of its ScubaGear
// controls and of the newest probes of its email domains, and returns
// the results dated now, in the catalog's order, each with its records
// heaviest first.
func Evaluate(ctx context.Context, src Source, now time.Time) ([]*check.Result, error) {
	return EvaluateTo(ctx, src, now, nil)
}

// EvaluateTo is Evaluate handing the records to sink, in the order they are found,
// rather than keeping them; each result has their count. A nil sink keeps
// them, as Evaluate.
func EvaluateTo(ctx context.Context, src Source, now time.Time, sink RecordSink) ([]*check.Result, error) {
	set, err := src.CheckSettings(ctx)
	if err != nil {
		return nil, err
	}
	people, err := src.PeopleCount(ctx)
	if err != nil {
		return nil, err
	}
	id := NewIdentity(set, people)
	if sink != nil {
		id.SendTo(sink)
	}
	if err := src.EachAccount(ctx, func(a *identity.Account) error { id.Add(a); return id.Err() }); err != nil {
		return nil, err
	}
	kev, err := src.KEVLoaded(ctx)
	if err != nil {
		return nil, err
	}
	open, err := src.OpenFindings(ctx)
	if err != nil {
		return nil, err
	}
	v := NewVuln(check.WithDefaults(set), kev, open)
	if sink != nil {
		v.SendTo(sink)
	}
	if err := src.EachKEVOpenFinding(ctx, func(f *check.OpenFinding) error { v.Add(f); return v.Err() }); err != nil {
		return nil, err
	}
	controls, err := src.ConfigControls(ctx, ingest.FormatScubaGear)
	if err != nil {
		return nil, err
	}
	m365, err := NewBaseline(controls).Results(sink)
	if err != nil {
		return nil, err
	}
	profile, err := src.Profile(ctx)
	if err != nil {
		return nil, err
	}
	probes, err := src.EmailProbes(ctx)
	if err != nil {
		return nil, err
	}
	var domains []string
	for _, d := range profile.EmailDomains {
		domains = append(domains, d.Domain)
	}
	email, err := EmailResults(domains, probes, sink)
	if err != nil {
		return nil, err
	}
	day := now.UTC()
	sources, err := src.DMARCSources(ctx, day.AddDate(0, 0, -emailsec.Window).Format(time.DateOnly), day.Format(time.DateOnly))
	if err != nil {
		return nil, err
	}
	alignment, err := AlignmentResult(domains, sources, sink)
	if err != nil {
		return nil, err
	}
	email = append(email, alignment)
	assets, err := src.InternetFacingAssets(ctx)
	if err != nil {
		return nil, err
	}
	stored, err := src.TLSResults(ctx)
	if err != nil {
		return nil, err
	}
	tls, err := TLSCheckResult(tlssec.Targets(profile, assets), stored, sink)
	if err != nil {
		return nil, err
	}
	devices, err := DeviceResults(ctx, src, now, sink)
	if err != nil {
		return nil, err
	}
	rec, err := inventory.Reconcile(ctx, src, now, 0)
	if err != nil {
		return nil, err
	}
	inv, err := InventoryResult(rec, sink)
	if err != nil {
		return nil, err
	}
	flows, err := FlowsResult(ctx, src, sink)
	if err != nil {
		return nil, err
	}
	vendors, err := VendorResults(ctx, src, now, sink)
	if err != nil {
		return nil, err
	}
	plan, err := PlanResult(ctx, src, now, sink)
	if err != nil {
		return nil, err
	}
	exercise, err := ExerciseResult(ctx, src, now, sink)
	if err != nil {
		return nil, err
	}
	contingencies, err := ContingencyResults(ctx, src, now, sink)
	if err != nil {
		return nil, err
	}
	out := append(append(append(id.Results(), m365...), email...), tls, flows)
	out = append(append(append(out, devices...), inv), vendors...)
	out = append(append(out, plan, exercise), contingencies...)
	out = append(out, v.Result())
	for _, r := range out {
		r.At = now.UTC().Truncate(time.Second)
	}
	return out, nil
}
