// Package identity is what Safeguard knows of accounts: the accounts of
// identity systems imported from their exports, and how each is matched to
// a person of the workforce roster, with the rule and its confidence.
package identity

import (
	"strings"

	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
)

// Account is an imported account with the person it was matched to.
type Account = store.Account

// The rules an account is matched to a person by, strongest first.
const (
	RuleEmployeeID = "employee_id" // the account carries the roster's employee id
	RuleEmail      = "email"       // its mailbox is the person's work email
	RuleLogin      = "login"       // it signs in with the person's work email (UPN, Okta login)
	RuleUsername   = "username"    // its user name is the work email's local part
	RuleAdmin      = "admin"       // an administrative account named after a matched account (adm-jdoe)
	RuleName       = "name"        // its display name is the only person's of that name
)

// Rules lists them in the order they are tried.
var Rules = []string{RuleEmployeeID, RuleEmail, RuleLogin, RuleUsername, RuleAdmin, RuleName}

// Passes are the matching, in the order it runs: the store runs each as
// one statement over every account of an import, so a million accounts
// need no memory.
var Passes = []store.MatchPass{
	{Rule: RuleEmployeeID, Key: store.KeyEmployeeID, Against: store.PersonEmployeeID},
	{Rule: RuleEmail, Key: store.KeyEmail, Against: store.PersonEmail},
	{Rule: RuleLogin, Key: store.KeyLogin, Against: store.PersonEmail},
	{Rule: RuleLogin, Key: store.KeyAltLogin, Against: store.PersonEmail},
	{Rule: RuleUsername, Key: store.KeyLocal, Against: store.PersonEmailLocal, Unique: true},
	{Rule: RuleAdmin, Key: store.KeyBase, Against: store.MatchedAccount, Unique: true},
	{Rule: RuleName, Key: store.KeyName, Against: store.PersonName, Unique: true},
}

// Matching is what the store is opened with to match accounts to the
// roster: the passes, and each rule's explanation.
var Matching = store.Matching{Passes: Passes, Explain: Explain}

// Keyed is an account read from an export with the keys the passes look
// it up by.
type Keyed = store.KeyedAccount

// Key computes an account's keys.
func Key(a *ingest.Account) *Keyed {
	local := LocalKey(a.Login)
	return &Keyed{Account: a, LoginKey: strings.ToLower(a.Login), AltKey: strings.ToLower(a.AltLogin), LocalKey: local, BaseKey: BaseKey(local),
		EmailKey: strings.ToLower(a.Email), NameKey: NameKey(a.Name), EmployeeKey: strings.ToLower(a.EmployeeID)}
}

// Explain says how a rule matched and how far to trust it: high, medium
// or low confidence.
func Explain(rule string) (why, confidence string) {
	switch rule {
	case RuleEmployeeID:
		return "the account carries the person's employee id", "high"
	case RuleEmail:
		return "the account's email is the person's work email", "high"
	case RuleLogin:
		return "the account signs in with the person's work email", "high"
	case RuleUsername:
		return "the account's user name is the local part of the person's work email", "medium"
	case RuleAdmin:
		return "an administrative account named after the person's own account (an adm- or -admin prefix or suffix)", "medium"
	case RuleName:
		return "the account's display name is the person's name, and no one else on the roster has it", "low"
	case "":
		return "no one on the roster matches the account's employee id, email, user name or name", ""
	}
	return rule, ""
}

// LocalKey is the part of a login before its @, lower case; a login
// without @ (AD's sAMAccountName) whole. A DOMAIN\user login gives user.
func LocalKey(login string) string {
	l := strings.ToLower(strings.TrimSpace(login))
	if i := strings.LastIndexByte(l, '\\'); i >= 0 {
		l = l[i+1:]
	}
	if i := strings.IndexByte(l, '@'); i >= 0 {
		l = l[:i]
	}
	return l
}

// adminAffixes are the ways administrators' second accounts are named
// after their everyday ones.
var (
	adminPrefixes = []string{"adm-", "adm_", "adm.", "admin-", "admin_", "admin.", "a-", "da-"}
	adminSuffixes = []string{"-adm", "_adm", ".adm", "-admin", "_admin", ".admin", "-a", "-da"}
)

// BaseKey is the everyday user name an administrative account's local key
// is named after ("adm-jdoe", "jdoe.admin" → "jdoe"), or "" when it is
// not so named.
func BaseKey(local string) string {
	for _, p := range adminPrefixes {
		if b, ok := strings.CutPrefix(local, p); ok && b != "" {
			return b
		}
	}
	for _, s := range adminSuffixes {
		if b, ok := strings.CutSuffix(local, s); ok && b != "" {
			return b
		}
	}
	return ""
}

// NameKey is a display name compared: lower case, single spaces, without
// a parenthesised note such as "(admin)".
func NameKey(name string) string {
	if i := strings.IndexByte(name, '('); i >= 0 {
		name = name[:i]
	}
	return strings.Join(strings.Fields(strings.ToLower(name)), " ")
}
