package auth

// Permission is something a role may do within its organisation.
type Permission string

const (
	// ViewOrg: see the organisation's overview. Every role.
	ViewOrg Permission = "org.view"
	// ViewMembers: see who the members are and their roles.
	ViewMembers Permission = "members.view"
	// ManageMembers: add members, change roles, remove members (privileged).
	ManageMembers Permission = "members.manage"
	// ViewAudit: read and export the organisation's audit log.
	ViewAudit Permission = "audit.view"
	// ManageSettings: organisation settings such as requiring MFA (privileged).
	ManageSettings Permission = "org.settings"
	// ManageTokens: create, list and revoke API tokens (privileged).
	ManageTokens Permission = "tokens.manage"
	// ViewProgram: see the profile, tailoring, assessments, evidence, the
	// scorecard and the risk register and analyses, and export them.
	ViewProgram Permission = "program.view"
	// EditProfile: edit the organisation profile and override tailoring.
	EditProfile Permission = "profile.edit"
	// ManageAssessments: start and finalise assessments and risk analyses,
	// and set the risk rating scales.
	ManageAssessments Permission = "assessment.manage"
	// Answer: answer items, record decisions, import answers.
	Answer Permission = "assessment.answer"
	// UploadEvidence: upload evidence and link it to items.
	UploadEvidence Permission = "evidence.upload"
	// EditRisks: edit the ePHI inventory, vulnerabilities, risks and their
	// plans.
	EditRisks Permission = "risk.edit"
	// ViewWorkforce: see the roster, everyone's training and the workforce
	// security records.
	ViewWorkforce Permission = "workforce.view"
	// ManageWorkforce: import the roster, edit people's records, set the
	// training program, record completions, sanctions and checklists.
	ManageWorkforce Permission = "workforce.manage"
	// OwnTraining: see one's own training assignments and attest completing
	// them.
	OwnTraining Permission = "training.own"
	// ImportData: upload scanner output and account exports, and run the
	// checks over them.
	ImportData Permission = "data.import"
	// ManageIncidents: record security incidents, their timelines, breach
	// assessments and notifications.
	ManageIncidents Permission = "incident.manage"
)

// grants is the role × permission table, the one place it is decided.
var grants = map[Role]map[Permission]bool{
	Owner: {ViewOrg: true, ViewMembers: true, ManageMembers: true, ViewAudit: true, ManageSettings: true, ManageTokens: true,
		ViewProgram: true, EditProfile: true, ManageAssessments: true, Answer: true, UploadEvidence: true, EditRisks: true,
		ViewWorkforce: true, ManageWorkforce: true, OwnTraining: true, ImportData: true, ManageIncidents: true},
	SecurityOfficer: {ViewOrg: true, ViewMembers: true, ViewProgram: true, EditProfile: true, ManageAssessments: true, Answer: true, UploadEvidence: true, EditRisks: true,
		ViewWorkforce: true, ManageWorkforce: true, OwnTraining: true, ImportData: true, ManageIncidents: true},
	Contributor: {ViewOrg: true, ViewProgram: true, Answer: true, UploadEvidence: true, EditRisks: true, OwnTraining: true, ImportData: true},
	Auditor:     {ViewOrg: true, ViewMembers: true, ViewAudit: true, ViewProgram: true, ViewWorkforce: true, OwnTraining: true},
	Workforce:   {ViewOrg: true, OwnTraining: true},
}

// Can reports whether the role grants the permission.
func (r Role) Can(p Permission) bool { return grants[r][p] }

// Privileged reports whether a permission changes who can do what: such
// actions are the owner's, and need a recent re-authentication.
func (p Permission) Privileged() bool {
	return p == ManageMembers || p == ManageSettings || p == ManageTokens
}
