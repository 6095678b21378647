// Package api is the JSON API under /api/v1: everything the pages do, for
// automation, with its OpenAPI document (openapi.json). Each route is
// registered by Routes with the token scope it needs; the server's guard
// admits the token and scopes the request to its organisation (kit.Scope)
// before a handler runs. The handlers call the same services and store
// methods as the pages.
package api

import (
	"log/slog"
	"mime/multipart"
	"net/http"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/dataimport"
	"github.com/safeguard-health/safeguard/internal/emailsec"
	"github.com/safeguard-health/safeguard/internal/evidence"
	"github.com/safeguard-health/safeguard/internal/incidents"
	"github.com/safeguard-health/safeguard/internal/questionnaire"
	"github.com/safeguard-health/safeguard/internal/riskanalysis"
	"github.com/safeguard-health/safeguard/internal/tlssec"
	"github.com/safeguard-health/safeguard/internal/training"
	"github.com/safeguard-health/safeguard/internal/vendors"
	"github.com/safeguard-health/safeguard/internal/web/kit"
)

// Deps are the services the API calls.
type Deps struct {
	Log      *slog.Logger
	Now      func() time.Time
	Catalog  *catalog.Registry
	Program  *assessment.Program
	Evidence *evidence.Service
	Risk     *riskanalysis.Service
	Training *training.Service
	Records  *dataimport.Records
	Imports  *kit.Imports
	Files    *kit.Files
	// Questionnaires sends vendors questionnaires and takes their answers.
	Questionnaires *questionnaire.Service
	// Incidents is the incident register's service.
	Incidents *incidents.Service
	// Vendors is the vendor register's service.
	Vendors *vendors.Service
	Email   *emailsec.Service
	TLS     *tlssec.Service
	Events  kit.Events // where a refused upload is audited
}

// Server holds the API's handlers.
type Server struct {
	log      *slog.Logger
	now      func() time.Time
	catalog  *catalog.Registry
	program  *assessment.Program
	evidence *evidence.Service
	risk     *riskanalysis.Service
	training *training.Service
	records  *dataimport.Records
	imports  *kit.Imports
	files    *kit.Files
	answers  *questionnaire.Service
	register *incidents.Service
	vendors  *vendors.Service
	email    *emailsec.Service
	tls      *tlssec.Service
	events   kit.Events
}

// New builds the API over d.
func New(d Deps) *Server {
	return &Server{log: d.Log, now: d.Now, catalog: d.Catalog, program: d.Program, evidence: d.Evidence, risk: d.Risk,
		training: d.Training, records: d.Records, imports: d.Imports, files: d.Files, answers: d.Questionnaires, register: d.Incidents, vendors: d.Vendors, email: d.Email, tls: d.TLS, events: d.Events}
}

// OpenAPI serves the API's OpenAPI document.
func (s *Server) OpenAPI(w http.ResponseWriter, r *http.Request) { s.openAPI(w, r) }

// Routes registers every route of the API with handle, with the scope
// its token must hold.
func (s *Server) Routes(handle func(pattern string, scope auth.Scope, h http.HandlerFunc)) {
	handle("GET /api/v1/orgs/{org}", auth.ScopeRead, s.apiOrg)
	handle("GET /api/v1/orgs/{org}/members", auth.ScopeRead, s.apiMembers)
	handle("GET /api/v1/orgs/{org}/profile", auth.ScopeRead, s.apiProfile)
	handle("PUT /api/v1/orgs/{org}/profile", auth.ScopeWrite, s.apiSaveProfile)
	handle("GET /api/v1/orgs/{org}/tailoring", auth.ScopeRead, s.apiTailoring)
	handle("PUT /api/v1/orgs/{org}/tailoring/{item...}", auth.ScopeWrite, s.apiOverride)
	handle("DELETE /api/v1/orgs/{org}/tailoring/{item...}", auth.ScopeWrite, s.apiOverride)
	handle("GET /api/v1/orgs/{org}/frameworks", auth.ScopeRead, s.apiFrameworks)
	handle("DELETE /api/v1/orgs/{org}/frameworks/{id}", auth.ScopeWrite, s.apiRemoveFramework)
	handle("GET /api/v1/orgs/{org}/proposed-rule", auth.ScopeRead, s.apiProposedRule)
	handle("PUT /api/v1/orgs/{org}/proposed-rule", auth.ScopeWrite, s.apiProposedRule)
	handle("GET /api/v1/orgs/{org}/assessments", auth.ScopeRead, s.apiAssessments)
	handle("POST /api/v1/orgs/{org}/assessments", auth.ScopeWrite, s.apiStartAssessment)
	handle("GET /api/v1/orgs/{org}/assessments/{id}", auth.ScopeRead, s.apiAssessment)
	handle("PUT /api/v1/orgs/{org}/assessments/{id}/answers", auth.ScopeWrite, s.apiSaveAnswers)
	handle("POST /api/v1/orgs/{org}/assessments/{id}/finalize", auth.ScopeWrite, s.apiFinalize)
	handle("GET /api/v1/orgs/{org}/assessments/{id}/export", auth.ScopeRead, s.apiExport)
	handle("POST /api/v1/orgs/{org}/assessments/{id}/import", auth.ScopeImport, s.apiImport)
	handle("GET /api/v1/orgs/{org}/scorecard", auth.ScopeRead, s.apiScorecard)
	handle("GET /api/v1/orgs/{org}/todo", auth.ScopeRead, s.apiTodo)
	handle("GET /api/v1/orgs/{org}/audit-package", auth.ScopeRead, s.apiAuditPackage)
	handle("GET /api/v1/orgs/{org}/evidence", auth.ScopeRead, s.apiEvidenceList)
	handle("POST /api/v1/orgs/{org}/evidence", auth.ScopeWrite, s.apiUploadEvidence)
	handle("GET /api/v1/orgs/{org}/evidence/{id}", auth.ScopeRead, s.apiEvidence)
	handle("GET /api/v1/orgs/{org}/evidence/{id}/download", auth.ScopeRead, s.apiDownload)
	handle("POST /api/v1/orgs/{org}/evidence/{id}/versions", auth.ScopeWrite, s.apiEvidenceVersion)
	handle("POST /api/v1/orgs/{org}/evidence/{id}/links", auth.ScopeWrite, s.apiLinkEvidence)
	handle("DELETE /api/v1/orgs/{org}/evidence/{id}/links/{item...}", auth.ScopeWrite, s.apiUnlinkEvidence)
	handle("GET /api/v1/orgs/{org}/risk/assets", auth.ScopeRead, s.apiAssets)
	handle("POST /api/v1/orgs/{org}/risk/assets", auth.ScopeWrite, s.apiCreateAsset)
	handle("POST /api/v1/orgs/{org}/risk/assets/import", auth.ScopeImport, s.apiImportAssets)
	handle("GET /api/v1/orgs/{org}/risk/assets/{id}", auth.ScopeRead, s.apiAsset)
	handle("PUT /api/v1/orgs/{org}/risk/assets/{id}", auth.ScopeWrite, s.apiSaveAsset)
	handle("DELETE /api/v1/orgs/{org}/risk/assets/{id}", auth.ScopeWrite, s.apiDeleteAsset)
	handle("GET /api/v1/orgs/{org}/risk/flows", auth.ScopeRead, s.apiFlows)
	handle("POST /api/v1/orgs/{org}/risk/flows", auth.ScopeWrite, s.apiAddFlow)
	handle("DELETE /api/v1/orgs/{org}/risk/flows/{id}", auth.ScopeWrite, s.apiDeleteFlow)
	handle("GET /api/v1/orgs/{org}/vendors", auth.ScopeRead, s.apiVendors)
	handle("POST /api/v1/orgs/{org}/vendors", auth.ScopeWrite, s.apiCreateVendor)
	handle("POST /api/v1/orgs/{org}/vendors/import", auth.ScopeImport, s.apiImportVendors)
	handle("GET /api/v1/orgs/{org}/vendors/export", auth.ScopeRead, s.apiExportVendors)
	handle("GET /api/v1/orgs/{org}/vendors/{id}", auth.ScopeRead, s.apiVendor)
	handle("PUT /api/v1/orgs/{org}/vendors/{id}", auth.ScopeWrite, s.apiSaveVendor)
	handle("DELETE /api/v1/orgs/{org}/vendors/{id}", auth.ScopeWrite, s.apiDeleteVendor)
	handle("GET /api/v1/orgs/{org}/vendors/{id}/reviews", auth.ScopeRead, s.apiVendorReviews)
	handle("POST /api/v1/orgs/{org}/vendors/{id}/reviews", auth.ScopeWrite, s.apiAddVendorReview)
	handle("GET /api/v1/orgs/{org}/vendors/{id}/incidents", auth.ScopeRead, s.apiVendorIncidents)
	handle("POST /api/v1/orgs/{org}/vendors/{id}/incidents", auth.ScopeWrite, s.apiAddVendorIncident)
	handle("GET /api/v1/orgs/{org}/vendors/{id}/sboms", auth.ScopeRead, s.apiVendorSBOMs)
	handle("POST /api/v1/orgs/{org}/vendors/{id}/sboms", auth.ScopeWrite, s.apiLinkVendorSBOM)
	handle("DELETE /api/v1/orgs/{org}/vendors/{id}/sboms/{import}", auth.ScopeWrite, s.apiUnlinkVendorSBOM)
	handle("GET /api/v1/orgs/{org}/vendors/{id}/questionnaires", auth.ScopeRead, s.apiQuestionnaireRequests)
	handle("POST /api/v1/orgs/{org}/vendors/{id}/questionnaires", auth.ScopeWrite, s.apiSendQuestionnaire)
	handle("GET /api/v1/orgs/{org}/vendors/{id}/questionnaires/{request}", auth.ScopeRead, s.apiQuestionnaireRequest)
	handle("DELETE /api/v1/orgs/{org}/vendors/{id}/questionnaires/{request}", auth.ScopeWrite, s.apiRevokeQuestionnaire)
	handle("GET /api/v1/orgs/{org}/vendors/{id}/questionnaires/{request}/workbook", auth.ScopeRead, s.apiQuestionnaireWorkbook)
	handle("POST /api/v1/orgs/{org}/vendors/{id}/answers", auth.ScopeImport, s.apiImportAnswers)
	handle("GET /api/v1/orgs/{org}/incidents", auth.ScopeRead, s.apiIncidents)
	handle("POST /api/v1/orgs/{org}/incidents", auth.ScopeWrite, s.apiSaveIncident)
	handle("GET /api/v1/orgs/{org}/incidents/log", auth.ScopeRead, s.apiBreachLog)
	handle("GET /api/v1/orgs/{org}/contingency", auth.ScopeRead, s.apiContingency)
	handle("PUT /api/v1/orgs/{org}/contingency", auth.ScopeWrite, s.apiSaveProcedures)
	handle("PUT /api/v1/orgs/{org}/contingency/systems/{asset}", auth.ScopeWrite, s.apiSaveSystem)
	handle("POST /api/v1/orgs/{org}/contingency/systems/{asset}/tests", auth.ScopeWrite, s.apiAddRestoreTest)
	handle("GET /api/v1/orgs/{org}/incidents/exercises", auth.ScopeRead, s.apiExercises)
	handle("POST /api/v1/orgs/{org}/incidents/exercises", auth.ScopeWrite, s.apiSaveExercise)
	handle("GET /api/v1/orgs/{org}/incidents/exercises/{id}", auth.ScopeRead, s.apiExercise)
	handle("PUT /api/v1/orgs/{org}/incidents/exercises/{id}", auth.ScopeWrite, s.apiSaveExercise)
	handle("POST /api/v1/orgs/{org}/incidents/exercises/{id}/findings/{finding}/track", auth.ScopeWrite, s.apiTrackFinding)
	handle("GET /api/v1/orgs/{org}/incidents/plan", auth.ScopeRead, s.apiIncidentPlan)
	handle("POST /api/v1/orgs/{org}/incidents/plan", auth.ScopeWrite, s.apiSaveIncidentPlan)
	handle("POST /api/v1/orgs/{org}/incidents/plan/{version}/approve", auth.ScopeWrite, s.apiApproveIncidentPlan)
	handle("GET /api/v1/orgs/{org}/incidents/plan/{version}/pdf", auth.ScopeRead, s.apiIncidentPlanPDF)
	handle("GET /api/v1/orgs/{org}/incidents/{id}", auth.ScopeRead, s.apiIncident)
	handle("PUT /api/v1/orgs/{org}/incidents/{id}", auth.ScopeWrite, s.apiSaveIncident)
	handle("GET /api/v1/orgs/{org}/questionnaires", auth.ScopeRead, s.apiQuestionnaires)
	handle("POST /api/v1/orgs/{org}/questionnaires", auth.ScopeWrite, s.apiDefineQuestionnaire)
	handle("GET /api/v1/orgs/{org}/vendors/{id}/agreements", auth.ScopeRead, s.apiAgreements)
	handle("POST /api/v1/orgs/{org}/vendors/{id}/agreements", auth.ScopeWrite, s.apiSaveAgreement)
	handle("PUT /api/v1/orgs/{org}/vendors/{id}/agreements/{agreement}", auth.ScopeWrite, s.apiSaveAgreement)
	handle("DELETE /api/v1/orgs/{org}/vendors/{id}/agreements/{agreement}", auth.ScopeWrite, s.apiDeleteAgreement)
	handle("GET /api/v1/orgs/{org}/risk/threats", auth.ScopeRead, s.apiThreats)
	handle("GET /api/v1/orgs/{org}/risk/vulnerabilities", auth.ScopeRead, s.apiVulnerabilities)
	handle("POST /api/v1/orgs/{org}/risk/vulnerabilities", auth.ScopeWrite, s.apiAddVulnerability)
	handle("POST /api/v1/orgs/{org}/risk/vulnerabilities/propose", auth.ScopeWrite, s.apiProposeVulnerabilities)
	handle("PUT /api/v1/orgs/{org}/risk/vulnerabilities/{id}/status", auth.ScopeWrite, s.apiVulnerabilityStatus)
	handle("GET /api/v1/orgs/{org}/risk/risks", auth.ScopeRead, s.apiRisks)
	handle("POST /api/v1/orgs/{org}/risk/risks", auth.ScopeWrite, s.apiCreateRisk)
	handle("POST /api/v1/orgs/{org}/risk/risks/import", auth.ScopeImport, s.apiImportRisks)
	handle("GET /api/v1/orgs/{org}/risk/risks/{id}", auth.ScopeRead, s.apiRisk)
	handle("PUT /api/v1/orgs/{org}/risk/risks/{id}", auth.ScopeWrite, s.apiSaveRisk)
	handle("POST /api/v1/orgs/{org}/risk/risks/{id}/actions", auth.ScopeWrite, s.apiSaveAction)
	handle("PUT /api/v1/orgs/{org}/risk/risks/{id}/actions/{action}", auth.ScopeWrite, s.apiSaveAction)
	handle("GET /api/v1/orgs/{org}/risk/poam", auth.ScopeRead, s.apiPOAM)
	handle("GET /api/v1/orgs/{org}/risk/scales", auth.ScopeRead, s.apiScales)
	handle("PUT /api/v1/orgs/{org}/risk/scales", auth.ScopeWrite, s.apiSaveScales)
	handle("GET /api/v1/orgs/{org}/risk/analyses", auth.ScopeRead, s.apiAnalyses)
	handle("POST /api/v1/orgs/{org}/risk/analyses", auth.ScopeWrite, s.apiStartAnalysis)
	handle("GET /api/v1/orgs/{org}/risk/analyses/{id}", auth.ScopeRead, s.apiAnalysis)
	handle("POST /api/v1/orgs/{org}/risk/analyses/{id}/finalize", auth.ScopeWrite, s.apiFinalizeAnalysis)
	handle("GET /api/v1/orgs/{org}/risk/analyses/{id}/report", auth.ScopeRead, s.apiAnalysisReport)
	handle("GET /api/v1/orgs/{org}/workforce/people", auth.ScopeRead, s.apiPeople)
	handle("GET /api/v1/orgs/{org}/workforce/people/{id}", auth.ScopeRead, s.apiPerson)
	handle("POST /api/v1/orgs/{org}/workforce/people/{id}/completions", auth.ScopeWrite, s.apiRecordCompletion)
	handle("POST /api/v1/orgs/{org}/workforce/people/{id}/sanctions", auth.ScopeWrite, s.apiAddSanction)
	handle("POST /api/v1/orgs/{org}/workforce/import", auth.ScopeImport, s.apiImportRoster)
	handle("GET /api/v1/orgs/{org}/training/status", auth.ScopeRead, s.apiTrainingStatus)
	handle("GET /api/v1/orgs/{org}/training/program", auth.ScopeRead, s.apiTrainingProgram)
	handle("POST /api/v1/orgs/{org}/training/modules", auth.ScopeWrite, s.apiAddModule)
	handle("POST /api/v1/orgs/{org}/training/rules", auth.ScopeWrite, s.apiAddTrainingRule)
	handle("POST /api/v1/orgs/{org}/training/completions/import", auth.ScopeImport, s.apiImportCompletions)
	handle("GET /api/v1/orgs/{org}/training/reminders", auth.ScopeRead, s.apiReminders)
	handle("POST /api/v1/orgs/{org}/training/reminders", auth.ScopeWrite, s.apiScheduleReminder)
	handle("GET /api/v1/orgs/{org}/imports", auth.ScopeRead, s.apiImports)
	handle("POST /api/v1/orgs/{org}/imports", auth.ScopeImport, s.apiUploadImport)
	handle("GET /api/v1/orgs/{org}/imports/{id}", auth.ScopeRead, s.apiImportJob)
	handle("POST /api/v1/orgs/{org}/imports/{id}/apply", auth.ScopeImport, s.apiApplyImportJob)
	handle("POST /api/v1/orgs/{org}/imports/{id}/discard", auth.ScopeImport, s.apiDiscardImportJob)
	handle("GET /api/v1/orgs/{org}/accounts", auth.ScopeRead, s.apiAccounts)
	handle("GET /api/v1/orgs/{org}/checks", auth.ScopeRead, s.apiChecks)
	handle("POST /api/v1/orgs/{org}/checks/run", auth.ScopeWrite, s.apiRunChecks)
	handle("GET /api/v1/orgs/{org}/checks/{id}", auth.ScopeRead, s.apiCheck)
	handle("GET /api/v1/orgs/{org}/email", auth.ScopeRead, s.apiEmail)
	handle("POST /api/v1/orgs/{org}/email/probe", auth.ScopeWrite, s.apiProbeEmail)
	handle("GET /api/v1/orgs/{org}/email/reports", auth.ScopeRead, s.apiEmailReports)
	handle("GET /api/v1/orgs/{org}/tls", auth.ScopeRead, s.apiTLS)
	handle("GET /api/v1/orgs/{org}/devices", auth.ScopeRead, s.apiDevices)
	handle("GET /api/v1/orgs/{org}/inventory/reconciliation", auth.ScopeRead, s.apiReconciliation)
	handle("POST /api/v1/orgs/{org}/inventory/reconciliation/add", auth.ScopeWrite, s.apiReconcileAdd)
	handle("POST /api/v1/orgs/{org}/tls/probe", auth.ScopeWrite, s.apiProbeTLS)
	handle("GET /api/v1/orgs/{org}/findings/remediation", auth.ScopeRead, s.apiRemediation)
	handle("GET /api/v1/orgs/{org}/findings/trend", auth.ScopeRead, s.apiTrend)
}

func (s *Server) apiError(w http.ResponseWriter, r *http.Request, err error) {
	kit.APIError(s.log, w, r, err)
}

// readUpload reads a form's file of at most max bytes (see kit.ReadUpload).
func (s *Server) readUpload(w http.ResponseWriter, r *http.Request, max int64, what string) (multipart.File, *multipart.FileHeader, error) {
	return kit.ReadUpload(s.events, w, r, max, what)
}
