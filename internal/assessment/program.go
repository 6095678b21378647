package assessment

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/tailoring"
)

// Store is what the program needs of the database, seen from inside one
// organisation (store.Scoped implements it).
type Store interface {
	Org() *org.Organization
	Profile(ctx context.Context) (*org.Profile, error)
	TailoringOverrides(ctx context.Context) (map[string]tailoring.Override, error)
	// CreateAssessment stores a new assessment with its first answers,
	// setting its id, creator and time. Conflict when a draft of the same
	// framework exists.
	CreateAssessment(ctx context.Context, a *Assessment, answers []*Answer) error
	// Assessments lists the organisation's assessments, newest first.
	Assessments(ctx context.Context) ([]*Assessment, error)
	// Assessment returns one. NotFound.
	Assessment(ctx context.Context, id string) (*Assessment, error)
	// Answers returns an assessment's answers by item id.
	Answers(ctx context.Context, assessmentID string) (map[string]*Answer, error)
	// SaveAnswers writes answers in one transaction with one audit entry
	// (action names it). Conflict when the assessment is final.
	SaveAnswers(ctx context.Context, assessmentID, action string, answers []*Answer) error
	// FinalizeAssessment freezes a draft, finalised at at by the actor of
	// ctx, with its snapshot and hash. Conflict when it is already final.
	FinalizeAssessment(ctx context.Context, id string, at time.Time, snapshot []byte, sha string) error
	// AssessmentSnapshot returns a final assessment's frozen record.
	AssessmentSnapshot(ctx context.Context, id string) ([]byte, error)
}

// Imported is what the program needs of the organisation's imported
// frameworks (OSCAL catalogs and profiles; store.Scoped implements it). A
// store without it has none.
type Imported interface {
	// FrameworkVersions gives each imported framework's id and the
	// SHA-256 of the file it was made of: cheap, asked on every call.
	FrameworkVersions(ctx context.Context) (map[string]string, error)
	// Frameworks returns the frameworks themselves.
	Frameworks(ctx context.Context) ([]*catalog.Framework, error)
}

// Program runs assessments over the catalog with the tailoring rules.
type Program struct {
	Catalog *catalog.Registry
	Rules   *tailoring.Rules
	// imported keeps, per organisation, the built-in catalog with its
	// imported frameworks, made again when they change: the database
	// holds them, this is only a copy.
	imported registries
}

type registries struct {
	mu    sync.Mutex
	byOrg map[string]keptRegistry
}

type keptRegistry struct {
	key string
	reg *catalog.Registry
}

// NewProgram loads the tailoring rules against the catalog.
func NewProgram(reg *catalog.Registry) (*Program, error) {
	rs, err := tailoring.Load(reg)
	if err != nil {
		return nil, err
	}
	return &Program{Catalog: reg, Rules: rs}, nil
}

// Registry is the catalog as the organisation of st sees it: the built-in
// frameworks and those it imported.
func (p *Program) Registry(ctx context.Context, st Store) (*catalog.Registry, error) {
	im, ok := st.(Imported)
	if !ok {
		return p.Catalog, nil
	}
	versions, err := im.FrameworkVersions(ctx)
	if err != nil || len(versions) == 0 {
		return p.Catalog, err
	}
	ids := make([]string, 0, len(versions))
	for id, sha := range versions {
		ids = append(ids, id+"="+sha)
	}
	slices.Sort(ids)
	key, orgID := strings.Join(ids, ","), st.Org().ID
	p.imported.mu.Lock()
	kept, ok := p.imported.byOrg[orgID]
	p.imported.mu.Unlock()
	if ok && kept.key == key {
		return kept.reg, nil
	}
	fws, err := im.Frameworks(ctx)
	if err != nil {
		return nil, err
	}
	reg, err := p.Catalog.With(fws...)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "the organisation's imported frameworks", err)
	}
	p.imported.mu.Lock()
	if p.imported.byOrg == nil {
		p.imported.byOrg = map[string]keptRegistry{}
	}
	p.imported.byOrg[orgID] = keptRegistry{key: key, reg: reg}
	p.imported.mu.Unlock()
	return reg, nil
}

// FrameworksFor are the frameworks the organisation of st can assess, in
// display order: the built-in ones, the proposed Security Rule when the
// organisation switched it on, then those it imported.
func (p *Program) FrameworksFor(ctx context.Context, st Store) ([]*catalog.Framework, error) {
	reg, err := p.Registry(ctx, st)
	if err != nil {
		return nil, err
	}
	out := p.Frameworks()
	prof, err := st.Profile(ctx)
	if err != nil {
		return nil, err
	}
	if fw, err := reg.Framework(catalog.HIPAANPRM2025); err == nil && prof.ProposedRule {
		out = append(out, fw)
	}
	for _, fw := range reg.Frameworks() {
		if p.isImported(fw) {
			out = append(out, fw)
		}
	}
	return out, nil
}

// isImported reports whether fw is one an organisation imported.
func (p *Program) isImported(fw *catalog.Framework) bool {
	_, err := p.Catalog.Framework(fw.ID)
	return err != nil
}

// Frameworks are the built-in frameworks an assessment can run over, in
// display order.
func (p *Program) Frameworks() []*catalog.Framework {
	var out []*catalog.Framework
	for _, fw := range p.Catalog.Frameworks() {
		if fw.ID == catalog.HIPAASecurityRule || fw.ID == catalog.HPHCPG {
			out = append(out, fw)
		}
	}
	return out
}

// FrameworkIDs are the ids of Frameworks.
func (p *Program) FrameworkIDs() []string {
	var out []string
	for _, fw := range p.Frameworks() {
		out = append(out, fw.ID)
	}
	return out
}

// Tailor returns the organisation's tailoring of a framework.
func (p *Program) Tailor(ctx context.Context, st Store, framework string) ([]tailoring.Decision, error) {
	prof, err := st.Profile(ctx)
	if err != nil {
		return nil, err
	}
	ov, err := st.TailoringOverrides(ctx)
	if err != nil {
		return nil, err
	}
	reg, err := p.Registry(ctx, st)
	if err != nil {
		return nil, err
	}
	return p.Rules.Tailor(reg, framework, tailoring.Facts{Org: st.Org(), Profile: prof}, ov)
}

// Start begins an assessment of a framework. With from set, it starts from
// that assessment's answers (of the same framework), each marked carried
// forward until a person reviews it. Errors: NotFound for an unknown
// framework or from; Invalid when from is of another framework; Conflict
// when a draft of the framework is open.
func (p *Program) Start(ctx context.Context, st Store, framework, title, from string, now time.Time) (*Assessment, error) {
	reg, err := p.Registry(ctx, st)
	if err != nil {
		return nil, err
	}
	fw, err := reg.Framework(framework)
	if err != nil {
		return nil, err
	}
	switch {
	case fw.ID == catalog.HIPAANPRM2025:
		prof, err := st.Profile(ctx)
		if err != nil {
			return nil, err
		}
		if !prof.ProposedRule {
			return nil, errs.New(errs.Invalid, "the proposed Security Rule (90 FR 898) is off for this organisation: it is a proposal, not law; switch it on on the Proposed rule page to assess against it")
		}
	case !p.assessable(fw):
		return nil, errs.New(errs.Invalid, fw.ShortName+" cannot be assessed yet: choose the HIPAA Security Rule, the HPH CPGs or a framework the organisation imported")
	}
	title = strings.TrimSpace(title)
	if title == "" {
		title = fmt.Sprintf("%s assessment %s", fw.ShortName, now.Format("2006-01-02"))
	}
	if len(title) > 200 {
		return nil, errs.New(errs.Invalid, "the title is longer than 200 characters")
	}
	a := &Assessment{Framework: fw.ID, FrameworkVersion: fw.Version, Title: title, State: Draft}
	var seed []*Answer
	if from != "" {
		prev, err := st.Assessment(ctx, from)
		if err != nil {
			return nil, err
		}
		if prev.Framework != fw.ID {
			return nil, errs.New(errs.Invalid, "a "+fw.ShortName+" assessment can only start from another "+fw.ShortName+" assessment")
		}
		answers, err := st.Answers(ctx, prev.ID)
		if err != nil {
			return nil, err
		}
		for _, it := range fw.Items {
			if ans, ok := answers[it.ID]; ok {
				c := *ans
				c.CarriedForward = true
				seed = append(seed, &c)
			}
		}
		a.BasedOn = prev.ID
	}
	if err := st.CreateAssessment(ctx, a, seed); err != nil {
		return nil, err
	}
	return a, nil
}

func (p *Program) assessable(fw *catalog.Framework) bool {
	if p.isImported(fw) {
		return true
	}
	for _, x := range p.Frameworks() {
		if x == fw {
			return true
		}
	}
	return false
}

// Row is one assessable item of an assessment with its tailoring and answer.
type Row struct {
	Item     *catalog.Item
	Depth    int // 0 for a standard or goal, 1 for an implementation specification
	Tailor   tailoring.Decision
	Answer   *Answer // never nil: an empty answer when unanswered
	Evidence []EvidenceRef
	// NeedsDecision: an applicable addressable specification, which must
	// carry a documented decision before the assessment is finalised.
	NeedsDecision bool
}

// Missing reports whether an applicable row lacks its answer or decision.
func (r Row) Missing() bool {
	return r.Tailor.Applicable && (r.Answer.Status == Unanswered || (r.NeedsDecision && r.Answer.Decision.Gap() != ""))
}

// EvidenceRef is a piece of evidence linked to an item, as an assessment
// shows and freezes it.
type EvidenceRef struct {
	ID       string    `json:"id"`
	Title    string    `json:"title"`
	Version  int       `json:"version"`
	SHA256   string    `json:"sha256"`
	Filename string    `json:"filename"`
	ReviewBy string    `json:"review_by,omitempty"`
	Overdue  bool      `json:"review_overdue,omitempty"`
	At       time.Time `json:"uploaded_at"`
}

// Progress is how complete an assessment is.
type Progress struct {
	Items           int            `json:"items"`
	Applicable      int            `json:"applicable"`
	Answered        int            `json:"answered"`
	DecisionsNeeded int            `json:"decisions_needed"`
	DecisionsMade   int            `json:"decisions_made"`
	CarriedForward  int            `json:"carried_forward"`
	ByStatus        map[Status]int `json:"by_status"`
}

// Percent is the share of the work done: answers to applicable items and
// decisions on applicable addressable specifications.
func (p Progress) Percent() int {
	total := p.Applicable + p.DecisionsNeeded
	if total == 0 {
		return 100
	}
	return (p.Answered + p.DecisionsMade) * 100 / total
}

// DecisionsMissing is how many decisions are still to be documented.
func (p Progress) DecisionsMissing() int { return p.DecisionsNeeded - p.DecisionsMade }

// View is an assessment with every row and its progress.
type View struct {
	Assessment *Assessment
	Framework  *catalog.Framework
	Rows       []Row
	Progress   Progress
}

// Row returns the row of an item, or false.
func (v *View) Row(itemID string) (Row, bool) {
	for _, r := range v.Rows {
		if r.Item.ID == itemID {
			return r, true
		}
	}
	return Row{}, false
}

// Document is the assessment as the API and the JSON export give it: the
// assessment, its progress, and every item with its tailoring, answer and
// evidence.
func (v *View) Document() map[string]any {
	items := make([]map[string]any, 0, len(v.Rows))
	for _, r := range v.Rows {
		ev := r.Evidence
		if ev == nil {
			ev = []EvidenceRef{}
		}
		item := map[string]any{"id": r.Item.ID, "citation": r.Item.Citation, "title": r.Item.Title, "kind": r.Item.Kind,
			"applicable": r.Tailor.Applicable, "tailoring": r.Tailor, "answer": r.Answer, "needs_decision": r.NeedsDecision, "evidence": ev}
		if req, ok := r.Item.IsRequired(); ok {
			item["required"] = req
		}
		if r.Item.Tier != "" {
			item["tier"] = r.Item.Tier
		}
		items = append(items, item)
	}
	return map[string]any{"assessment": v.Assessment, "framework": map[string]string{"id": v.Framework.ID, "version": v.Framework.Version},
		"progress": v.Progress, "percent": v.Progress.Percent(), "items": items}
}

// MissingDecisions lists the applicable addressable specifications without
// a documented decision, or with one that lacks what 164.306(d)(3) asks
// (Decision.Gap).
func (v *View) MissingDecisions() []Row {
	var out []Row
	for _, r := range v.Rows {
		if r.NeedsDecision && r.Answer.Decision.Gap() != "" {
			out = append(out, r)
		}
	}
	return out
}

// EvidenceSource is what a view needs to show evidence; nil shows none.
type EvidenceSource interface {
	EvidenceByItem(ctx context.Context, now time.Time) (map[string][]EvidenceRef, error)
}

// View loads an assessment with its rows in catalog order and its progress.
// A final assessment shows the tailoring it was frozen with, not today's.
func (p *Program) View(ctx context.Context, st Store, id string, now time.Time) (*View, error) {
	a, err := st.Assessment(ctx, id)
	if err != nil {
		return nil, err
	}
	reg, err := p.Registry(ctx, st)
	if err != nil {
		return nil, err
	}
	fw, err := reg.Framework(a.Framework)
	if err != nil {
		return nil, err
	}
	frozen, err := p.rows(ctx, st, a, fw, now)
	if err != nil {
		return nil, err
	}
	v := &View{Assessment: a, Framework: fw, Progress: Progress{ByStatus: map[Status]int{}}}
	for _, f := range frozen {
		it, ok := reg.Item(f.ItemID)
		if !ok {
			continue // an item a later catalog no longer has stays in the snapshot
		}
		d, ans := f.Tailor, f.Answer
		if ans == nil {
			ans = &Answer{ItemID: it.ID}
		}
		row := Row{Item: it, Tailor: d, Answer: ans, Evidence: f.Evidence, NeedsDecision: d.Applicable && Addressable(it)}
		if it.Kind == catalog.KindImplSpec {
			row.Depth = 1
		}
		if it.Kind == catalog.KindControl {
			if parent, ok := reg.Item(it.Parent); ok && parent.Kind == catalog.KindControl {
				row.Depth = 1 // a control's enhancement
			}
		}
		v.Rows = append(v.Rows, row)
		pr := &v.Progress
		pr.Items++
		if !d.Applicable {
			continue
		}
		pr.Applicable++
		pr.ByStatus[ans.Status]++
		if ans.Status != Unanswered {
			pr.Answered++
		}
		if ans.CarriedForward {
			pr.CarriedForward++
		}
		if row.NeedsDecision {
			pr.DecisionsNeeded++
			if ans.Decision.Gap() == "" {
				pr.DecisionsMade++
			}
		}
	}
	return v, nil
}

// rows returns what an assessment's rows are made of: for a final one, its
// snapshot; for a draft, today's tailoring, answers and evidence.
func (p *Program) rows(ctx context.Context, st Store, a *Assessment, fw *catalog.Framework, now time.Time) ([]SnapshotItem, error) {
	if a.Final() {
		raw, err := st.AssessmentSnapshot(ctx, a.ID)
		if err != nil {
			return nil, err
		}
		var snap Snapshot
		if err := json.Unmarshal(raw, &snap); err != nil {
			return nil, errs.Wrap(errs.Internal, "the frozen record of assessment "+a.ID+" is unreadable", err)
		}
		return snap.Items, nil
	}
	answers, err := st.Answers(ctx, a.ID)
	if err != nil {
		return nil, err
	}
	decisions, err := p.Tailor(ctx, st, fw.ID)
	if err != nil {
		return nil, err
	}
	var evidence map[string][]EvidenceRef
	if es, ok := st.(EvidenceSource); ok {
		if evidence, err = es.EvidenceByItem(ctx, now); err != nil {
			return nil, err
		}
	}
	reg, err := p.Registry(ctx, st)
	if err != nil {
		return nil, err
	}
	out := make([]SnapshotItem, 0, len(decisions))
	for _, d := range decisions {
		it, _ := reg.Item(d.ItemID)
		out = append(out, SnapshotItem{ItemID: it.ID, Citation: it.Citation, Title: it.Title, Tailor: d, Answer: answers[it.ID], Evidence: evidence[it.ID]})
	}
	return out, nil
}

// Validate checks answers against the items of an assessment's framework
// and normalises them; a validated answer is no longer "carried forward".
// Errors: Invalid naming the item and field, NotFound, Conflict when final.
func (p *Program) Validate(ctx context.Context, st Store, id string, answers []*Answer) error {
	a, err := st.Assessment(ctx, id)
	if err != nil {
		return err
	}
	if a.Final() {
		return errs.New(errs.Conflict, "this assessment is final and read-only: start a new one from it to make changes")
	}
	reg, err := p.Registry(ctx, st)
	if err != nil {
		return err
	}
	fw, err := reg.Framework(a.Framework)
	if err != nil {
		return err
	}
	for _, ans := range answers {
		it, err := reg.FindItem(fw, ans.ItemID)
		if err != nil || !tailoring.Assessable(it) {
			return errs.New(errs.Invalid, fmt.Sprintf("%q is not an item of this %s assessment", ans.ItemID, fw.ShortName))
		}
		if ans.Questions == nil {
			ans.Questions = map[string]string{}
		}
		if err := ans.Normalize(reg, it); err != nil {
			return err
		}
		ans.CarriedForward = false
	}
	return nil
}

// Save validates answers and writes them in one transaction. Errors: as
// Validate.
func (p *Program) Save(ctx context.Context, st Store, id, action string, answers []*Answer) error {
	if err := p.Validate(ctx, st, id, answers); err != nil {
		return err
	}
	return st.SaveAnswers(ctx, id, action, answers)
}

// Snapshot is the frozen record of a finalised assessment: what it
// assessed, for whom, under which tailoring, with which answers and which
// versions of which evidence.
type Snapshot struct {
	Assessment   *Assessment       `json:"assessment"`
	Organization *org.Organization `json:"organization"`
	Profile      *org.Profile      `json:"profile"`
	Items        []SnapshotItem    `json:"items"`
	Progress     Progress          `json:"progress"`
	Tailoring    string            `json:"tailoring_rules_version"`
	Catalog      map[string]string `json:"catalog_versions"`
}

// SnapshotItem is one row as frozen.
type SnapshotItem struct {
	ItemID   string             `json:"item_id"`
	Citation string             `json:"citation"`
	Title    string             `json:"title"`
	Tailor   tailoring.Decision `json:"tailoring"`
	Answer   *Answer            `json:"answer"`
	Evidence []EvidenceRef      `json:"evidence,omitempty"`
}

// Finalize freezes an assessment: it refuses while any applicable
// addressable specification lacks its documented decision, naming each;
// otherwise it records a dated, read-only snapshot and its SHA-256.
// Errors: Invalid (missing decisions), Conflict (already final), NotFound.
func (p *Program) Finalize(ctx context.Context, st Store, id string, now time.Time) (*View, error) {
	v, err := p.View(ctx, st, id, now)
	if err != nil {
		return nil, err
	}
	if v.Assessment.Final() {
		return nil, errs.New(errs.Conflict, "this assessment is already final")
	}
	if missing := v.MissingDecisions(); len(missing) > 0 {
		names := make([]string, 0, len(missing))
		for _, r := range missing {
			names = append(names, r.Item.Citation+" "+r.Item.Title)
		}
		return nil, errs.New(errs.Invalid, fmt.Sprintf("cannot finalise: %d addressable implementation specification%s lack%s the decision %s requires: %s",
			len(missing), plural(len(missing)), map[bool]string{true: "s", false: ""}[len(missing) == 1], DecisionSource, strings.Join(names, "; ")))
	}
	prof, err := st.Profile(ctx)
	if err != nil {
		return nil, err
	}
	// The record says what it is: final, when and by whom, the same time the
	// assessment's row is given.
	final := *v.Assessment
	final.State, final.FinalizedAt, final.FinalizedBy = Final, now.UTC().Truncate(time.Microsecond), audit.ActorFrom(ctx).Label
	snap := Snapshot{Assessment: &final, Organization: st.Org(), Profile: prof, Progress: v.Progress,
		Tailoring: p.Rules.Version, Catalog: map[string]string{}}
	snap.Catalog[v.Framework.ID] = v.Framework.Version
	for _, fw := range p.Catalog.Frameworks() {
		snap.Catalog[fw.ID] = fw.Version
	}
	for _, r := range v.Rows {
		snap.Items = append(snap.Items, SnapshotItem{ItemID: r.Item.ID, Citation: r.Item.Citation, Title: r.Item.Title, Tailor: r.Tailor, Answer: r.Answer, Evidence: r.Evidence})
	}
	raw, err := json.Marshal(snap)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "", err)
	}
	sum := sha256.Sum256(raw)
	if err := st.FinalizeAssessment(ctx, id, final.FinalizedAt, raw, hex.EncodeToString(sum[:])); err != nil {
		return nil, err
	}
	return p.View(ctx, st, id, now)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// Current returns the newest assessment of a framework (a draft if one is
// open), or nil.
func Current(all []*Assessment, framework string) *Assessment {
	for _, a := range all {
		if a.Framework == framework {
			return a
		}
	}
	return nil
}
