package kit

import (
	"context"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auditpack"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/findings"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/inventory"
	"github.com/safeguard-health/safeguard/internal/jobs"
	"github.com/safeguard-health/safeguard/internal/members"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/proposedrule"
	"github.com/safeguard-health/safeguard/internal/questionnaire"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/sso"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tailoring"
	"github.com/safeguard-health/safeguard/internal/tlssec"
	"github.com/safeguard-health/safeguard/internal/todo"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// Scope is the organisation a request was admitted to, and the viewer's
// role there ("" for an API token). Handlers reach its records through
// one small interface per part of the program (Risk, Workforce, …), each
// what the pages and the API of that part read and change directly plus
// what its service needs; never the whole store.
type Scope struct {
	Role  auth.Role
	store *store.Scoped
}

// NewScope scopes a request to one organisation's records.
func NewScope(sc *store.Scoped, role auth.Role) *Scope { return &Scope{Role: role, store: sc} }

// Org is the organisation.
func (sc *Scope) Org() *org.Organization { return sc.store.Org() }

// Admin is its members, settings, API tokens, single sign-on and audit log.
func (sc *Scope) Admin() AdminRecords { return sc.store }

// Program is its profile, tailoring, assessments and scorecard.
func (sc *Scope) Program() ProgramRecords { return sc.store }

// Evidence is its evidence vault's records.
func (sc *Scope) Evidence() EvidenceRecords { return sc.store }

// ProposedRule is what the proposed rule's delta reads of it: the
// program, the checks' newest results, the profile's switch.
func (sc *Scope) ProposedRule() proposedrule.Store { return sc.store }

// Risk is its risk register and analyses.
func (sc *Scope) Risk() RiskRecords { return sc.store }

// Workforce is its roster, training and security reminders.
func (sc *Scope) Workforce() WorkforceRecords { return sc.store }

// Verify is its accounts, checks and findings.
func (sc *Scope) Verify() VerifyRecords { return sc.store }

// Email is its email domains' probes.
func (sc *Scope) Email() EmailRecords { return sc.store }

// Inventory is its inventory and what its data shows, for reconciling
// them.
func (sc *Scope) Inventory() inventory.Store { return sc.store }

// TLS is its TLS endpoints and what their probes and imported reports
// found.
func (sc *Scope) TLS() TLSRecords { return sc.store }

// Imports is its import jobs and the record of files imported.
func (sc *Scope) Imports() ImportRecords { return sc.store }

// Vendors is the vendor register.
func (sc *Scope) Vendors() VendorRecords { return sc.store }

// Incidents is its incident register.
func (sc *Scope) Incidents() incidents.Records { return sc.store }

// Questionnaires is its own questionnaires and those sent to its vendors.
func (sc *Scope) Questionnaires() questionnaire.Scoped { return sc.store }

// Records is what files of its records are planned against and applied to.
func (sc *Scope) Records() dataimport.RecordStore { return sc.store }

// Package is what the audit package reads: the whole program.
func (sc *Scope) Package() auditpack.Records { return sc.store }

// Todo is what the do-next list reads.
func (sc *Scope) Todo() todo.Records { return sc.store }

// AdminRecords are an organisation's members, settings, API tokens, single sign-on and audit log.
type AdminRecords interface {
	sso.ConfigStore
	members.Scoped
	AuditLog(ctx context.Context, f store.AuditFilter) ([]audit.Entry, error)
	Members(ctx context.Context) ([]auth.Member, error)
	SetIdleTimeout(ctx context.Context, d time.Duration) error
	SetRequireMFA(ctx context.Context, on bool) error
	RemoveSSO(ctx context.Context) error
	APITokens(ctx context.Context) ([]*auth.APIToken, error)
	CreateAPIToken(ctx context.Context, t *auth.APIToken) error
	RevokeAPIToken(ctx context.Context, id string) error
}

// ProgramRecords are an organisation's profile, tailoring, assessments and scorecard inputs (what assessment.Program needs, and more).
type ProgramRecords interface {
	assessment.Store
	assessment.Imported
	FrameworkStamps(ctx context.Context) ([]*store.ImportedFramework, error)
	RemoveFramework(ctx context.Context, id string) error
	Answers(ctx context.Context, assessmentID string) (map[string]*assessment.Answer, error)
	ApplyImport(ctx context.Context, assessmentID, importID string, answers []*assessment.Answer) error
	Assessments(ctx context.Context) ([]*assessment.Assessment, error)
	PendingImport(ctx context.Context, assessmentID, importID string) ([]byte, error)
	SavePendingImport(ctx context.Context, assessmentID, filename, sha string, preview []byte) (string, error)
	ClearTailoringOverride(ctx context.Context, itemID string) error
	Profile(ctx context.Context) (*org.Profile, error)
	SaveProfile(ctx context.Context, o *org.Organization, p *org.Profile) error
	SetTailoringOverride(ctx context.Context, o *tailoring.Override) error
	TailoringOverrides(ctx context.Context) (map[string]tailoring.Override, error)
	ScorecardInputs(ctx context.Context) ([]assessment.Input, error)
}

// EvidenceRecords are an organisation's evidence (what evidence.Service needs, and more).
type EvidenceRecords interface {
	evidence.Store
	Evidence(ctx context.Context, id string) (*evidence.Evidence, error)
	EvidenceList(ctx context.Context) ([]*evidence.Evidence, error)
	LinkEvidence(ctx context.Context, evidenceID string, itemIDs []string) error
	UnlinkEvidence(ctx context.Context, evidenceID, itemID string) error
	UpdateEvidence(ctx context.Context, e *evidence.Evidence) error
}

// RiskRecords are an organisation's risk register and analyses (what riskanalysis.Service needs, and more).
type RiskRecords interface {
	riskanalysis.Store
	riskanalysis.ProposalStore
	AddFlow(ctx context.Context, f *risk.Flow) error
	AddVulnerabilities(ctx context.Context, vs []*risk.Vulnerability) error
	Analyses(ctx context.Context) ([]*risk.Analysis, error)
	Analysis(ctx context.Context, id string) (*risk.Analysis, error)
	Asset(ctx context.Context, id string) (*risk.Asset, error)
	AssetByName(ctx context.Context, name string) (*risk.Asset, error)
	AssetPage(ctx context.Context, f store.AssetFilter, offset, limit int) (list []*risk.Asset, shown, total int, err error)
	RiskCounts(ctx context.Context, ids []string) (map[string]int, error)
	AssetNames(ctx context.Context) (byName, byID map[string]string, err error)
	Assets(ctx context.Context) ([]*risk.Asset, error)
	BulkEditAssets(ctx context.Context, ids []string, e store.AssetEdit) (int, error)
	CreateAnalysis(ctx context.Context, a *risk.Analysis) error
	CreateAsset(ctx context.Context, a *risk.Asset) error
	CreateRisk(ctx context.Context, r *risk.Risk) error
	DeleteAsset(ctx context.Context, id string) error
	DeleteFlow(ctx context.Context, id string) error
	DropUpload(ctx context.Context, id string) error
	Flows(ctx context.Context) ([]*risk.Flow, error)
	FlowsOf(ctx context.Context, assetID string) ([]*risk.Flow, error)
	ThreatCounts(ctx context.Context) (map[string]int, error)
	VulnerabilityUse(ctx context.Context) (map[string]int, error)
	Risk(ctx context.Context, id string) (*risk.Risk, error)
	RiskSettings(ctx context.Context) (risk.Scales, int, error)
	SaveAction(ctx context.Context, a *risk.Action) error
	SaveRiskSettings(ctx context.Context, scales risk.Scales, months int) error
	SaveUpload(ctx context.Context, kind, filename, sha string, content []byte) (string, error)
	SetVulnerabilityStatus(ctx context.Context, id string, status risk.VulnerabilityStatus) error
	UpdateAnalysis(ctx context.Context, a *risk.Analysis) error
	UpdateAsset(ctx context.Context, a *risk.Asset) error
	UpdateRisk(ctx context.Context, r *risk.Risk) error
	Upload(ctx context.Context, kind, id string) (filename string, content []byte, err error)
	Vulnerabilities(ctx context.Context) ([]*risk.Vulnerability, error)
	VulnerabilityChoices(ctx context.Context, ids []string, limit int) ([]*risk.Vulnerability, int, error)
	VulnerabilityByTitle(ctx context.Context, title string) (*risk.Vulnerability, error)
}

// WorkforceRecords are an organisation's roster, training and security reminders (what training.Service needs, and more).
type WorkforceRecords interface {
	training.Store
	AddSanction(ctx context.Context, x *workforce.Sanction) error
	Checklists(ctx context.Context, personID string) ([]*workforce.ChecklistItem, error)
	People(ctx context.Context) ([]*workforce.Person, error)
	Person(ctx context.Context, id string) (*workforce.Person, error)
	PersonByEmail(ctx context.Context, email string) (*workforce.Person, error)
	Sanctions(ctx context.Context, personID string) ([]*workforce.Sanction, error)
	SetChecklistItem(ctx context.Context, id string, done bool) error
	Completions(ctx context.Context, personID string) ([]*workforce.Completion, error)
	TrainingProgram(ctx context.Context) (*workforce.Program, error)
	CreateReminder(ctx context.Context, r *workforce.Reminder) error
	Deliveries(ctx context.Context, reminderID string) ([]*workforce.Delivery, error)
	Reminders(ctx context.Context, dueOn string) ([]*workforce.Reminder, error)
	AssetNames(ctx context.Context) (byName, byID map[string]string, err error)
}

// VerifyRecords are an organisation's imported accounts, check results and findings (what a check run and the findings service need, and more).
type VerifyRecords interface {
	checkrun.Store
	findings.Source
	FindingsTrend(ctx context.Context, after string, limit int) (*check.Trend, error)
	CheckResult(ctx context.Context, id string, offset, limit int) (*check.Result, error)
	CheckResults(ctx context.Context) ([]*check.Result, error)
	Devices(ctx context.Context, f store.DeviceFilter) ([]*store.Device, int, error)
	Accounts(ctx context.Context, f store.AccountFilter) ([]*store.Account, error)
	AccountCount(ctx context.Context, source string) (int, error)
	Vulnerabilities(ctx context.Context) ([]*risk.Vulnerability, error)
}

// EmailRecords are an organisation's email domains and what their probes
// found (what emailsec.Service needs).
type EmailRecords interface {
	emailsec.Store
	emailsec.ReportRecords
}

// TLSRecords are an organisation's TLS endpoints and what their probes
// and imported reports found (what tlssec.Service needs).
type TLSRecords interface {
	tlssec.Store
	tlssec.Records
}

// ImportRecords are an organisation's import jobs and the record of files imported.
type ImportRecords interface {
	jobs.JobStore
	ImportJob(ctx context.Context, id string) (*store.ImportJob, error)
	ImportJobs(ctx context.Context, limit int) ([]*store.ImportJob, error)
	DataImports(ctx context.Context, limit int) ([]*store.DataImport, error)
}
