package dataimport

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/questionnaire"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tabular"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/vendor"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// The kinds of the organisation's own records a file may hold, imported
// in two steps: planned against the records as they stand (every bad cell
// named, nothing written), then applied in one transaction.
const (
	RecordAssets      = "assets"                // the ePHI inventory (risk.AssetColumns)
	RecordRisks       = "risks"                 // the risk register (risk.RiskColumns)
	RecordRoster      = "roster"                // an HR export, through a column mapping (workforce.Fields)
	RecordCompletions = "completions"           // a learning system's export of training completions
	RecordVendors     = "vendors"               // the vendor register (vendor.Columns)
	RecordAnswers     = "questionnaire-answers" // a vendor's filled-in answer workbook (vendor.AnswerColumns)
)

// RecordKinds lists them.
var RecordKinds = []string{RecordAssets, RecordRisks, RecordRoster, RecordCompletions, RecordVendors, RecordAnswers}

// MaxRecordBytes is the largest file of records a plan reads whole.
func MaxRecordBytes(kind string) int64 {
	switch kind {
	case RecordAssets, RecordRisks:
		return risk.MaxImportBytes
	case RecordVendors:
		return vendor.MaxImportBytes
	case RecordAnswers:
		return vendor.MaxAnswerBytes
	}
	return workforce.MaxImportBytes
}

// RecordStore is what planning and applying files of records needs of an
// organisation's records (store.Scoped implements it): the register, the
// roster and the program they are planned against, and what writes them
// (the roster and completions through the training service).
type RecordStore interface {
	training.Store
	ApplyAssetPlan(ctx context.Context, p *risk.AssetPlan) error
	ApplyRiskPlan(ctx context.Context, p *risk.RiskPlan) error
	AssetNames(ctx context.Context) (byName, byID map[string]string, err error)
	CurrentRoster(ctx context.Context) workforce.Roster
	RiskRegister(ctx context.Context, catalog *risk.Threats) (*risk.Register, error)
	RosterMapping(ctx context.Context) (workforce.Mapping, error)
	Vendors(ctx context.Context) ([]*vendor.Vendor, error)
	ApplyVendorPlan(ctx context.Context, p *vendor.Plan, after ...store.TxFunc) error
	questionnaire.Scoped
}

// Records plans and applies files of records: the pages' previews and
// applies, the API and the command line all go through it, so each kind
// is read, checked against what it changes and written the same way
// wherever it comes from.
type Records struct {
	Threats  *risk.Threats          // the register's threat catalog
	Training *training.Service      // writes the roster and completions, and refreshes the training input
	Answers  *questionnaire.Service // records vendors' answers and queues the checks
}

// A Plan is a file of records read against the records as they stand:
// what applying it would add and change. Its digest names the file, the
// records it was planned against and the mapping it was read through, so
// an apply can refuse a plan the records moved under.
type Plan struct {
	Kind        string
	File        string
	Assets      *risk.AssetPlan           // RecordAssets
	Risks       *risk.RiskPlan            // RecordRisks
	Roster      *workforce.RosterPlan     // RecordRoster
	Completions []*workforce.Completion   // RecordCompletions
	Vendors     *vendor.Plan              // RecordVendors
	Answers     *questionnaire.AnswerPlan // RecordAnswers
	Respondent  string                    // RecordAnswers: who answered at the vendor
	Digest      string
	systems     map[string]string // asset id → name, for a leaver's checklist
}

// Summary says what the plan would do, in a line.
func (p *Plan) Summary() string {
	switch {
	case p.Assets != nil:
		return fmt.Sprintf("%s: %d asset(s) to add, %d to update, %d unchanged.", p.File, len(p.Assets.Add), len(p.Assets.Update), p.Assets.Unchanged)
	case p.Risks != nil:
		return fmt.Sprintf("%s: %d risk(s) to add, %d to update, %d new vulnerabilit(ies).", p.File, len(p.Risks.Add), len(p.Risks.Update), len(p.Risks.NewVulns))
	case p.Roster != nil:
		return fmt.Sprintf("%s: %d joiner(s), %d mover(s), %d leaver(s), %d unchanged.", p.File, len(p.Roster.Joiners), len(p.Roster.Movers), len(p.Roster.Leavers), p.Roster.Unchanged)
	case p.Vendors != nil:
		return fmt.Sprintf("%s: %d vendor(s) to add, %d to update, %d unchanged.", p.File, len(p.Vendors.Add), len(p.Vendors.Update), p.Vendors.Unchanged)
	case p.Answers != nil:
		sc := p.Answers.Request.Score
		return fmt.Sprintf("%s: %s's answers, %d%% with %d exception(s).", p.File, p.Answers.Vendor, sc.Percent, len(sc.Exceptions))
	}
	return fmt.Sprintf("%s: %d completion(s).", p.File, len(p.Completions))
}

// Outcome says what applying the plan did, in a line.
func (p *Plan) Outcome() string {
	switch {
	case p.Assets != nil:
		return fmt.Sprintf("Imported %s: %d added, %d updated, %d unchanged.", p.File, len(p.Assets.Add), len(p.Assets.Update), p.Assets.Unchanged)
	case p.Risks != nil:
		return fmt.Sprintf("Imported %s: %d risk(s) added, %d updated.", p.File, len(p.Risks.Add), len(p.Risks.Update))
	case p.Roster != nil:
		return fmt.Sprintf("Imported %s: %d joined, %d moved, %d left; %d unchanged.", p.File, len(p.Roster.Joiners), len(p.Roster.Movers), len(p.Roster.Leavers), p.Roster.Unchanged)
	case p.Vendors != nil:
		return fmt.Sprintf("Imported %s: %d vendor(s) added, %d updated, %d unchanged.", p.File, len(p.Vendors.Add), len(p.Vendors.Update), p.Vendors.Unchanged)
	case p.Answers != nil:
		sc := p.Answers.Request.Score
		return fmt.Sprintf("Recorded %s's answers from %s: %d%%, %d exception(s).", p.Answers.Vendor, p.File, sc.Percent, len(sc.Exceptions))
	}
	return fmt.Sprintf("Recorded %d completion(s) from %s.", len(p.Completions), p.File)
}

// RosterMapping is the column mapping a roster file is read through
// before the user changes it: the one the last import used, or one
// guessed from the file's header; header is the file's.
func (rs *Records) RosterMapping(ctx context.Context, sc RecordStore, file string, content []byte) (header []string, m workforce.Mapping, err error) {
	t, err := tabular.Read(file, bytes.NewReader(content), workforce.MaxImportBytes)
	if err != nil {
		return nil, nil, err
	}
	if m, err = sc.RosterMapping(ctx); err != nil {
		return nil, nil, err
	}
	if m == nil {
		m = workforce.Guess(t.Header)
	}
	return t.Header, m, nil
}

// Plan reads a file of kind against the organisation's records as they
// stand on the day of now; a roster is read through m (nil: the
// remembered mapping, or one guessed from the header). Errors: Invalid
// naming every bad cell by line and column, a mapping that is not whole,
// or an unknown kind.
func (rs *Records) Plan(ctx context.Context, sc RecordStore, kind, file string, content []byte, m workforce.Mapping, now time.Time) (*Plan, error) {
	if !slices.Contains(RecordKinds, kind) {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("no import of %q records: one of %v", kind, RecordKinds))
	}
	if int64(len(content)) > MaxRecordBytes(kind) {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: larger than the %d MiB a file of %s may be", file, MaxRecordBytes(kind)>>20, kind))
	}
	today := workforce.Today(now)
	p := &Plan{Kind: kind, File: file}
	h := sha256.New()
	fmt.Fprintf(h, "%s\n", kind)
	var err error
	switch kind {
	case RecordAssets, RecordRisks:
		err = rs.planRegister(ctx, sc, p, content, h)
	case RecordRoster:
		err = rs.planRoster(ctx, sc, p, content, m, today, h)
	case RecordCompletions:
		err = planCompletions(ctx, sc, p, content, today)
	case RecordVendors:
		err = planVendors(ctx, sc, p, content, h)
	case RecordAnswers:
		if rs.Answers == nil {
			return nil, errs.New(errs.Internal, "no questionnaire service to read answers with")
		}
		if p.Answers, err = rs.Answers.PlanAnswers(ctx, sc, file, content); err == nil {
			fmt.Fprintf(h, "q %s %s\n", p.Answers.Request.ID, p.Answers.Request.State)
		}
	}
	if err != nil {
		return nil, err
	}
	h.Write(content)
	p.Digest = hex.EncodeToString(h.Sum(nil))
	return p, nil
}

func (rs *Records) planRegister(ctx context.Context, sc RecordStore, p *Plan, content []byte, h hash.Hash) error {
	g, err := sc.RiskRegister(ctx, rs.Threats)
	if err != nil {
		return err
	}
	if p.Kind == RecordAssets {
		p.Assets, err = risk.PlanAssets(p.File, bytes.NewReader(content), g.Assets)
	} else {
		p.Risks, err = risk.PlanRisks(p.File, bytes.NewReader(content), g)
	}
	for _, a := range g.Assets {
		fmt.Fprintf(h, "a %s %s\n", a.ID, a.UpdatedAt)
	}
	for _, rk := range g.Risks {
		fmt.Fprintf(h, "r %s %s\n", rk.ID, rk.UpdatedAt)
	}
	return err
}

func (rs *Records) planRoster(ctx context.Context, sc RecordStore, p *Plan, content []byte, m workforce.Mapping, today string, h hash.Hash) error {
	if m == nil {
		var err error
		if _, m, err = rs.RosterMapping(ctx, sc, p.File, content); err != nil {
			return err
		}
	}
	if err := m.Validate(); err != nil {
		return err
	}
	current, err := sc.People(ctx)
	if err != nil {
		return err
	}
	byName, byID, err := sc.AssetNames(ctx)
	if err != nil {
		return err
	}
	if p.Roster, err = workforce.PlanRoster(p.File, bytes.NewReader(content), m, current, byName, today); err != nil {
		return err
	}
	p.systems = byID
	for _, c := range current {
		fmt.Fprintf(h, "%s %s\n", c.ID, c.UpdatedAt)
	}
	for _, f := range workforce.Fields {
		fmt.Fprintf(h, "%s=%s\n", f, m[f])
	}
	return nil
}

func planVendors(ctx context.Context, sc RecordStore, p *Plan, content []byte, h hash.Hash) error {
	current, err := sc.Vendors(ctx)
	if err != nil {
		return err
	}
	byName, _, err := sc.AssetNames(ctx)
	if err != nil {
		return err
	}
	if p.Vendors, err = vendor.PlanVendors(p.File, bytes.NewReader(content), current, byName); err != nil {
		return err
	}
	for _, v := range current {
		fmt.Fprintf(h, "v %s %s\n", v.ID, v.UpdatedAt)
	}
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		fmt.Fprintf(h, "a %s %s\n", name, byName[name])
	}
	return nil
}

func planCompletions(ctx context.Context, sc RecordStore, p *Plan, content []byte, today string) error {
	people, err := sc.People(ctx)
	if err != nil {
		return err
	}
	prog, err := sc.TrainingProgram(ctx)
	if err != nil {
		return err
	}
	p.Completions, err = workforce.PlanCompletions(p.File, bytes.NewReader(content), people, prog.Modules, today)
	return err
}

// Apply writes the plan in one transaction, with its audit entry; a
// roster or completions refresh the scorecard's training input.
func (rs *Records) Apply(ctx context.Context, sc RecordStore, p *Plan) error {
	switch {
	case p.Assets != nil:
		return sc.ApplyAssetPlan(ctx, p.Assets)
	case p.Risks != nil:
		return sc.ApplyRiskPlan(ctx, p.Risks)
	case p.Roster != nil:
		return rs.Training.ApplyRoster(ctx, sc, p.Roster, p.systems)
	case p.Vendors != nil:
		return sc.ApplyVendorPlan(ctx, p.Vendors)
	case p.Answers != nil:
		return rs.Answers.ApplyAnswers(ctx, sc, p.Answers, p.Respondent)
	}
	return rs.Training.AddCompletions(ctx, sc, p.Completions, "training.import")
}

// ApplyPreviewed plans a file kept since its preview again and applies it,
// provided the plan's digest is still the preview's: neither the file,
// the records it changes nor the mapping moved. Errors: Conflict when they
// did.
func (rs *Records) ApplyPreviewed(ctx context.Context, sc RecordStore, kind, file string, content []byte, m workforce.Mapping, now time.Time, digest string) (*Plan, error) {
	return rs.applyPreviewed(ctx, sc, kind, file, content, m, now, digest, "")
}

// ApplyAnswersPreviewed is ApplyPreviewed for a vendor's answer workbook
// kept since its preview, the answers given by respondent at the vendor.
func (rs *Records) ApplyAnswersPreviewed(ctx context.Context, sc RecordStore, file string, content []byte, now time.Time, digest, respondent string) (*Plan, error) {
	return rs.applyPreviewed(ctx, sc, RecordAnswers, file, content, nil, now, digest, respondent)
}

func (rs *Records) applyPreviewed(ctx context.Context, sc RecordStore, kind, file string, content []byte, m workforce.Mapping, now time.Time, digest, respondent string) (*Plan, error) {
	p, err := rs.Plan(ctx, sc, kind, file, content, m, now)
	if err != nil {
		return nil, err
	}
	if p.Digest != digest {
		if kind == RecordRoster {
			return nil, errs.New(errs.Conflict, "the roster or the mapping changed since the preview: check the preview again before applying")
		}
		return nil, errs.New(errs.Conflict, "the register changed since the preview: upload the file again to see what it would do now")
	}
	p.Respondent = respondent
	return p, rs.Apply(ctx, sc, p)
}

// StreamRoster reads an HR export of any size a row at a time through m,
// handing each change to see as it is read: with apply, each change is
// also written as it is read, in one transaction, by the training service
// (a leaver's checklist opened, the training input refreshed once it has
// landed); without, nothing is written. The command line imports rosters
// of a million people this way; a page previews one whole (Plan). Errors:
// as Plan.
func (rs *Records) StreamRoster(ctx context.Context, sc RecordStore, file string, r io.Reader, m workforce.Mapping, now time.Time, apply bool, see workforce.RosterSink) (*workforce.RosterInfo, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	current := sc.CurrentRoster(ctx)
	byName, byID, err := sc.AssetNames(ctx)
	if err != nil {
		return nil, err
	}
	today := workforce.Today(now)
	if !apply {
		return workforce.StreamRoster(file, r, workforce.MaxImportBytes, m, current, byName, today, see)
	}
	var info *workforce.RosterInfo
	_, err = rs.Training.ImportRoster(ctx, sc, byID, func(sink workforce.RosterSink) (*workforce.RosterInfo, error) {
		info, err = workforce.StreamRoster(file, r, workforce.MaxImportBytes, m, current, byName, today, tee{sink, see})
		return info, err
	})
	return info, err
}

// tee hands each change of a roster to both sinks, the first first.
type tee struct{ first, then workforce.RosterSink }

func (t tee) Join(p *workforce.Person) error {
	if err := t.first.Join(p); err != nil {
		return err
	}
	return t.then.Join(p)
}

func (t tee) Move(mv *workforce.Move) error {
	if err := t.first.Move(mv); err != nil {
		return err
	}
	return t.then.Move(mv)
}

func (t tee) Leave(l *workforce.Leave) error {
	if err := t.first.Leave(l); err != nil {
		return err
	}
	return t.then.Leave(l)
}

func (t tee) Same() error {
	if err := t.first.Same(); err != nil {
		return err
	}
	return t.then.Same()
}
