package ingest

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// The account exports Safeguard reads.
const (
	// FormatEntraUsers is Microsoft Entra ID's "Download users" CSV
	// (Users > All users > Download users), or the same properties
	// exported with Microsoft Graph PowerShell.
	FormatEntraUsers = "entra-users"
	// FormatEntraMFA is Entra ID's user registration details report
	// (Authentication methods > User registration details), the
	// properties of Graph's userRegistrationDetails.
	FormatEntraMFA = "entra-mfa"
	// FormatAD is Active Directory's Get-ADUser … | Export-Csv.
	FormatAD = "ad-users"
	// FormatOkta is an Okta users export: the user object's properties
	// (id, status, created, lastLogin, passwordChanged) and its profile
	// (login, email, firstName, lastName, employeeNumber, …).
	FormatOkta = "okta-users"
	// FormatGoogle is Google Workspace's "Download users" CSV from the
	// Admin console.
	FormatGoogle = "google-users"
	// FormatAccounts is Safeguard's generic account CSV, for any other
	// system (an EHR's user list, a VPN appliance), documented in the README.
	FormatAccounts = "accounts"
)

// AccountFormats lists the account exports, in the order people look for them.
var AccountFormats = []string{FormatEntraUsers, FormatEntraMFA, FormatAD, FormatOkta, FormatGoogle, FormatAccounts}

// Limits of an account export.
const (
	// MaxAccountBytes bounds an account export (a million Entra users
	// export to about 400 MB).
	MaxAccountBytes = 4 << 30
)

// Tri is a yes/no fact an export may not carry: "yes", "no", or "" for
// not said.
type Tri string

// The values of a Tri.
const (
	Yes     Tri = "yes"
	No      Tri = "no"
	Unknown Tri = ""
)

// TriOf makes a Tri of a bool.
func TriOf(b bool) Tri {
	if b {
		return Yes
	}
	return No
}

// An Account is one account of an identity system, in the form every
// export is normalised to. Dates are calendar days (YYYY-MM-DD), "" when
// the export does not say (a last sign-in of "" on an export that has the
// column means never).
type Account struct {
	Source     string `json:"source"`          // the export's format
	Line       int    `json:"-"`               // where in the file
	ExternalID string `json:"external_id"`     // the directory's own id: objectId, ObjectGUID, Okta id
	Login      string `json:"login"`           // UPN, sAMAccountName, Okta login, Google address
	Email      string `json:"email,omitempty"` // the mailbox, when the account has one
	AltLogin   string `json:"alt_login"`       // another name the account signs in with (AD's UPN)
	Name       string `json:"name,omitempty"`  // display name
	EmployeeID string `json:"employee_id"`     // the HR id, when the directory carries it
	Department string `json:"department"`
	Title      string `json:"title"`
	Enabled    bool   `json:"enabled"`
	Status     string `json:"status,omitempty"` // what the export says of it: Active, Suspended, DEPROVISIONED…
	Kind       string `json:"kind,omitempty"`   // member, guest, service, shared: what the export says
	Created    string `json:"created,omitempty"`
	LastLogin  string `json:"last_login,omitempty"`
	// LoginKnown says the export has a last sign-in column, so an empty
	// LastLogin means never.
	LoginKnown        bool     `json:"-"`
	PasswordSet       string   `json:"password_set,omitempty"`
	PasswordNoExpiry  bool     `json:"password_never_expires,omitempty"`
	MFA               Tri      `json:"mfa"`
	MFAMethods        string   `json:"mfa_methods,omitempty"`
	Privileged        Tri      `json:"privileged"`
	PrivilegedBecause string   `json:"privileged_because,omitempty"` // the group or role that makes it so
	Mailbox           Tri      `json:"mailbox"`
	Remote            Tri      `json:"remote_access"`
	RemoteBecause     string   `json:"remote_because,omitempty"`
	Groups            []string `json:"groups,omitempty"`
}

// An MFARegistration is one row of Entra ID's user registration details:
// whether the user has registered a strong method for multifactor
// authentication.
type MFARegistration struct {
	Line       int
	Login      string // the user principal name
	Registered bool   // isMfaRegistered
	Capable    Tri    // isMfaCapable
	Admin      Tri    // isAdmin: holds an admin role in the tenant
	Methods    string // methodsRegistered
}

// AccountsInfo is what an account export says of itself once read.
type AccountsInfo struct {
	Format  string
	Records int
	File    string
	SHA256  string
	Size    int64
	Unused  []string // columns Safeguard does not read
}

// column is a field an export's header may carry, under any of names
// (compared normalised: lower case, letters and digits only, without a
// bracketed note such as Google's "[READ ONLY]" or Okta's "profile.").
type column struct {
	field    string
	names    []string
	required bool
}

var accountColumns = map[string][]column{
	FormatEntraUsers: {
		{field: "login", names: []string{"userPrincipalName"}, required: true},
		{field: "enabled", names: []string{"accountEnabled"}, required: true},
		{field: "id", names: []string{"objectId", "id"}},
		{field: "name", names: []string{"displayName"}},
		{field: "given", names: []string{"givenName"}},
		{field: "surname", names: []string{"surname"}},
		{field: "email", names: []string{"mail"}},
		{field: "employee", names: []string{"employeeId"}},
		{field: "department", names: []string{"department"}},
		{field: "title", names: []string{"jobTitle"}},
		{field: "kind", names: []string{"userType"}},
		{field: "created", names: []string{"createdDateTime"}},
		{field: "lastlogin", names: []string{"lastSignInDateTime", "signInActivity.lastSignInDateTime", "Last Sign In"}},
		{field: "passwordset", names: []string{"lastPasswordChangeDateTime"}},
	},
	FormatEntraMFA: {
		{field: "login", names: []string{"userPrincipalName"}, required: true},
		{field: "registered", names: []string{"isMfaRegistered", "MFA registered"}, required: true},
		{field: "capable", names: []string{"isMfaCapable", "MFA capable"}},
		{field: "admin", names: []string{"isAdmin", "Admin"}},
		{field: "methods", names: []string{"methodsRegistered"}},
	},
	FormatAD: {
		{field: "login", names: []string{"SamAccountName"}, required: true},
		{field: "enabled", names: []string{"Enabled"}, required: true},
		{field: "altlogin", names: []string{"userPrincipalName"}},
		{field: "id", names: []string{"ObjectGUID", "SID"}},
		{field: "name", names: []string{"DisplayName", "Name"}},
		{field: "given", names: []string{"GivenName"}},
		{field: "surname", names: []string{"Surname", "sn"}},
		{field: "email", names: []string{"EmailAddress", "mail"}},
		{field: "employee", names: []string{"EmployeeID", "EmployeeNumber"}},
		{field: "department", names: []string{"Department"}},
		{field: "title", names: []string{"Title"}},
		{field: "created", names: []string{"whenCreated", "Created"}},
		{field: "lastlogin", names: []string{"LastLogonDate"}},
		{field: "passwordset", names: []string{"PasswordLastSet"}},
		{field: "noexpiry", names: []string{"PasswordNeverExpires"}},
		{field: "groups", names: []string{"MemberOf"}},
		{field: "admincount", names: []string{"adminCount"}},
		{field: "kind", names: []string{"ObjectClass"}},
	},
	FormatOkta: {
		{field: "login", names: []string{"login", "Username"}, required: true},
		{field: "status", names: []string{"status"}, required: true},
		{field: "id", names: []string{"id", "User ID"}},
		{field: "email", names: []string{"email", "Primary email"}},
		{field: "name", names: []string{"displayName"}},
		{field: "given", names: []string{"firstName"}},
		{field: "surname", names: []string{"lastName"}},
		{field: "employee", names: []string{"employeeNumber"}},
		{field: "department", names: []string{"department"}},
		{field: "title", names: []string{"title"}},
		{field: "kind", names: []string{"userType"}},
		{field: "created", names: []string{"created"}},
		{field: "lastlogin", names: []string{"lastLogin"}},
		{field: "passwordset", names: []string{"passwordChanged"}},
	},
	FormatGoogle: {
		{field: "login", names: []string{"Email Address"}, required: true},
		{field: "status", names: []string{"Status"}, required: true},
		{field: "given", names: []string{"First Name"}},
		{field: "surname", names: []string{"Last Name"}},
		{field: "employee", names: []string{"Employee ID"}},
		{field: "department", names: []string{"Department"}},
		{field: "title", names: []string{"Employee Title"}},
		{field: "kind", names: []string{"Employee Type"}},
		{field: "lastlogin", names: []string{"Last Sign In"}},
		{field: "mfa", names: []string{"2sv Enrolled"}},
	},
	FormatAccounts: {
		{field: "login", names: []string{"account"}, required: true},
		{field: "enabled", names: []string{"enabled"}, required: true},
		{field: "id", names: []string{"account_id"}},
		{field: "email", names: []string{"email"}},
		{field: "name", names: []string{"name"}},
		{field: "employee", names: []string{"employee_id"}},
		{field: "department", names: []string{"department"}},
		{field: "title", names: []string{"title"}},
		{field: "kind", names: []string{"kind"}},
		{field: "created", names: []string{"created"}},
		{field: "lastlogin", names: []string{"last_login"}},
		{field: "passwordset", names: []string{"password_last_set"}},
		{field: "noexpiry", names: []string{"password_never_expires"}},
		{field: "mfa", names: []string{"mfa"}},
		{field: "methods", names: []string{"mfa_methods"}},
		{field: "privileged", names: []string{"privileged"}},
		{field: "mailbox", names: []string{"mailbox"}},
		{field: "remote", names: []string{"remote_access"}},
		{field: "groups", names: []string{"groups"}},
	},
}

// ADPrivilegedGroups are Active Directory's built-in groups whose members
// administer the domain or its servers: the groups AD itself protects
// (AdminSDHolder) that grant administration.
var ADPrivilegedGroups = []string{"Domain Admins", "Enterprise Admins", "Schema Admins", "Administrators", "Account Operators", "Backup Operators", "Server Operators", "Print Operators", "Group Policy Creator Owners", "Key Admins", "Enterprise Key Admins"}

// normHeader is a column name compared: lower case, letters and digits,
// without a bracketed note or a "profile." prefix.
func normHeader(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "\ufeff")
	if i := strings.IndexByte(s, '['); i > 0 {
		s = s[:i]
	}
	s = strings.TrimPrefix(strings.ToLower(s), "profile.")
	var b strings.Builder
	for _, r := range s {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// csvHeader reads the header of an account export: the first line, after
// the "#TYPE …" line Windows PowerShell's Export-Csv writes unless told
// not to.
func csvHeader(head []byte) []string {
	h := bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	if bytes.HasPrefix(h, []byte("#TYPE")) {
		if i := bytes.IndexByte(h, '\n'); i >= 0 {
			h = h[i+1:]
		}
	}
	if i := bytes.IndexByte(h, '\n'); i >= 0 {
		h = h[:i]
	}
	rec, err := csv.NewReader(bytes.NewReader(h)).Read()
	if err != nil {
		return nil
	}
	return rec
}

// detectAccounts names an account export's format from its header.
func detectAccounts(head []byte) string {
	if bytes.HasPrefix(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), []byte("#TYPE")) {
		return FormatAD
	}
	has := map[string]bool{}
	for _, h := range csvHeader(head) {
		has[normHeader(h)] = true
	}
	switch {
	case has["userprincipalname"] && has["ismfaregistered"]:
		return FormatEntraMFA
	case has["userprincipalname"] && has["accountenabled"]:
		return FormatEntraUsers
	case has["samaccountname"] && has["enabled"]:
		return FormatAD
	case has["emailaddress"] && has["status"] && has["2svenrolled"]:
		return FormatGoogle
	case has["login"] && has["status"] && (has["lastlogin"] || has["passwordchanged"] || has["activated"]):
		return FormatOkta
	case has["account"] && has["enabled"]:
		return FormatAccounts
	}
	return ""
}

// parseBool reads the booleans exports write.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "enabled", "on":
		return true, true
	case "false", "no", "n", "0", "disabled", "off":
		return false, true
	}
	return false, false
}

// dateLayouts are the ways exports write dates: ISO 8601 (Graph, Okta,
// Safeguard's CSV), Google's "2006/01/02 15:04:05", and Windows
// PowerShell's en-US rendering of a DateTime ("11/23/2026 8:15:02 AM").
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02 15:04", "2006-01-02", "2006/01/02 15:04:05", "2006/01/02", "1/2/2006 3:04:05 PM", "1/2/2006 3:04 PM", "1/2/2006 15:04:05", "1/2/2006 15:04", "1/2/2006"}

// parseDay reads a date an export writes, as a calendar day; "" for the
// ways exports say "never".
func parseDay(s string) (string, bool) {
	s = strings.TrimSpace(s)
	switch strings.ToLower(s) {
	case "", "never", "never logged in", "null", "none", "n/a", "-":
		return "", true
	}
	for _, l := range dateLayouts {
		if t, err := time.Parse(l, s); err == nil {
			if t.Year() <= 1601 { // AD's "never" epoch
				return "", true
			}
			return t.UTC().Format(time.DateOnly), true
		}
	}
	return "", false
}

// groupName is a group's name from its distinguished name
// ("CN=Domain Admins,CN=Users,DC=…" → "Domain Admins") or as given.
func groupName(g string) string {
	g = strings.TrimSpace(g)
	if len(g) > 3 && strings.EqualFold(g[:3], "cn=") {
		g = g[3:]
		for i := 0; i < len(g); i++ {
			if g[i] == '\\' {
				i++
				continue
			}
			if g[i] == ',' {
				return strings.ReplaceAll(g[:i], `\`, "")
			}
		}
	}
	return g
}

// splitGroups reads a list of groups: AD's MemberOf joined with ";" or
// "|", or Safeguard's CSV's ";". Distinguished names contain commas, so
// commas do not split.
func splitGroups(s string) []string {
	var out []string
	for _, g := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == '|' || r == '\n' }) {
		if g = groupName(g); g != "" {
			out = append(out, g)
		}
	}
	return out
}

// remoteGroup reports whether a group grants remote access: Windows'
// built-in Remote Desktop Users, or a group named for VPN access.
func remoteGroup(g string) bool {
	return strings.EqualFold(g, "Remote Desktop Users") || strings.Contains(strings.ToUpper(g), "VPN")
}

// ReadAccounts streams an account export of format, calling emit for each
// account. Every bad row is named by line and column; any problem fails
// the whole read (after reading on, to name them all, up to twenty), so a
// caller writing in one transaction lands all of the file or none of it.
// The same login twice is refused, naming both lines.
func ReadAccounts(file string, r io.Reader, format string, emit func(*Account) error) (*AccountsInfo, error) {
	if format == FormatEntraMFA {
		return nil, errs.New(errs.Invalid, file+" is a registration details report: read it with ReadMFARegistrations")
	}
	if _, ok := accountColumns[format]; !ok {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s: %q is not an account export format", file, format))
	}
	t, err := openCSV(file, r, accountColumns[format], FormatLabel(format)+" export", MaxAccountBytes, 0)
	if err != nil {
		return nil, err
	}
	info := &AccountsInfo{Format: format, File: file, Unused: t.unused()}
	info.Records, err = t.each("the account has no name", func(rec []string, login string) (bool, error) {
		a := &Account{Source: format, Line: t.line, Login: login, ExternalID: t.get(rec, "id"),
			Email: t.get(rec, "email"), AltLogin: t.get(rec, "altlogin"), Name: t.get(rec, "name"), EmployeeID: t.get(rec, "employee"),
			Department: t.get(rec, "department"), Title: t.get(rec, "title"), Kind: strings.ToLower(t.get(rec, "kind")),
			MFAMethods: t.get(rec, "methods"), LoginKnown: t.has("lastlogin")}
		if a.Name == "" {
			a.Name = strings.TrimSpace(t.get(rec, "given") + " " + t.get(rec, "surname"))
		}
		readAccount(t, rec, format, a)
		if len(t.problems) > 0 {
			return false, nil // read on to name every problem; nothing more is written
		}
		return true, emit(a)
	})
	if err != nil {
		return nil, err
	}
	if err := t.err(); err != nil {
		return nil, err
	}
	if info.Records == 0 {
		return nil, errs.New(errs.Invalid, file+" has no accounts")
	}
	info.SHA256, info.Size = t.in.sum(), t.in.n
	return info, nil
}

// readAccount fills the fields whose reading depends on the format.
func readAccount(t *csvTable, rec []string, format string, a *Account) {
	day := func(field string) string {
		v := t.get(rec, field)
		d, ok := parseDay(v)
		if !ok {
			t.fail(field, fmt.Sprintf("%q is not a date (write 2026-11-23, or the date as the export wrote it)", v))
		}
		return d
	}
	flag := func(field string) (bool, bool) {
		v := t.get(rec, field)
		if v == "" {
			return false, false
		}
		b, ok := parseBool(v)
		if !ok {
			t.fail(field, fmt.Sprintf("%q is not true or false", v))
		}
		return b, ok
	}
	a.Created, a.LastLogin, a.PasswordSet = day("created"), day("lastlogin"), day("passwordset")
	a.PasswordNoExpiry, _ = flag("noexpiry")
	switch format {
	case FormatOkta:
		a.Status = strings.ToUpper(t.get(rec, "status"))
		switch a.Status {
		case "ACTIVE", "PROVISIONED", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED":
			a.Enabled = true
		case "STAGED", "SUSPENDED", "DEPROVISIONED":
		default:
			t.fail("status", fmt.Sprintf("%q is not an Okta user status (ACTIVE, STAGED, PROVISIONED, RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED, SUSPENDED, DEPROVISIONED)", a.Status))
		}
	case FormatGoogle:
		a.Status = t.get(rec, "status")
		switch strings.ToLower(a.Status) {
		case "active":
			a.Enabled = true
		case "suspended", "archived":
		default:
			t.fail("status", fmt.Sprintf("%q is not a Google Workspace user status (Active, Suspended, Archived)", a.Status))
		}
		a.Email, a.Mailbox = a.Login, Yes
		if b, ok := flag("mfa"); ok {
			a.MFA = TriOf(b)
		}
	default:
		v := t.get(rec, "enabled")
		b, ok := parseBool(v)
		if !ok {
			t.fail("enabled", fmt.Sprintf("%q is not true or false", v))
		}
		a.Enabled = b
	}
	switch format {
	case FormatEntraUsers:
		a.Mailbox = TriOf(a.Email != "")
		if a.Kind == "" {
			a.Kind = "member"
		}
	case FormatAD:
		a.Mailbox = TriOf(a.Email != "")
		a.Kind = ""
		raw := t.get(rec, "groups")
		if strings.Contains(raw, "ADPropertyValueCollection") {
			t.fail("groups", "MemberOf holds the type name, not the groups: export it joined, with @{n='MemberOf';e={$_.MemberOf -join ';'}}")
		}
		a.Groups = splitGroups(raw)
		if t.has("groups") || t.has("admincount") {
			a.Privileged, a.Remote = No, No
		}
		for _, g := range a.Groups {
			if slices.ContainsFunc(ADPrivilegedGroups, func(p string) bool { return strings.EqualFold(p, g) }) && a.PrivilegedBecause == "" {
				a.Privileged, a.PrivilegedBecause = Yes, g
			}
			if remoteGroup(g) && a.RemoteBecause == "" {
				a.Remote, a.RemoteBecause = Yes, g
			}
		}
		if t.get(rec, "admincount") == "1" && a.Privileged != Yes {
			a.Privileged, a.PrivilegedBecause = Yes, "adminCount 1 (a protected group's member, now or before)"
		}
	case FormatAccounts:
		a.Groups = splitGroups(t.get(rec, "groups"))
		for field, dst := range map[string]*Tri{"mfa": &a.MFA, "privileged": &a.Privileged, "mailbox": &a.Mailbox, "remote": &a.Remote} {
			if b, ok := flag(field); ok {
				*dst = TriOf(b)
			}
		}
		if a.Privileged == Yes {
			a.PrivilegedBecause = "marked privileged in the export"
		}
		if a.Remote == Yes {
			a.RemoteBecause = "marked for remote access in the export"
		}
		if a.Mailbox == Unknown && t.has("email") {
			a.Mailbox = TriOf(a.Email != "")
		}
		switch a.Kind {
		case "", "user", "member", "person", "guest", "service", "shared", "vendor":
		default:
			t.fail("kind", fmt.Sprintf("%q is not a kind of account (user, guest, service, shared, vendor)", a.Kind))
		}
	}
}

// ReadMFARegistrations streams Entra ID's user registration details (the
// report's CSV download, or Get-MgReportAuthenticationMethodUserRegistrationDetail
// | Export-Csv), calling emit for each user. Problems are named by line
// and column and fail the whole read.
func ReadMFARegistrations(file string, r io.Reader, emit func(*MFARegistration) error) (*AccountsInfo, error) {
	t, err := openCSV(file, r, accountColumns[FormatEntraMFA], FormatLabel(FormatEntraMFA), MaxAccountBytes, 0)
	if err != nil {
		return nil, err
	}
	info := &AccountsInfo{Format: FormatEntraMFA, File: file, Unused: t.unused()}
	info.Records, err = t.each("the row has no user principal name", func(rec []string, login string) (bool, error) {
		m := &MFARegistration{Line: t.line, Login: login, Methods: t.get(rec, "methods")}
		v := t.get(rec, "registered")
		b, ok := parseBool(v)
		if !ok {
			t.fail("registered", fmt.Sprintf("%q is not true or false", v))
		}
		m.Registered = b
		for field, dst := range map[string]*Tri{"capable": &m.Capable, "admin": &m.Admin} {
			if v := t.get(rec, field); v != "" {
				b, ok := parseBool(v)
				if !ok {
					t.fail(field, fmt.Sprintf("%q is not true or false", v))
				}
				*dst = TriOf(b)
			}
		}
		if len(t.problems) > 0 {
			return false, nil
		}
		return true, emit(m)
	})
	if err != nil {
		return nil, err
	}
	if err := t.err(); err != nil {
		return nil, err
	}
	if info.Records == 0 {
		return nil, errs.New(errs.Invalid, file+" has no users")
	}
	info.SHA256, info.Size = t.in.sum(), t.in.n
	return info, nil
}
