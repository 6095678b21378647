package store

import "github.com/safeguard-health/safeguard/internal/ingest"

// Account is a stored account with the person it was matched to.
type Account struct {
	ingest.Account
	ID         string `json:"id"`
	ImportID   string `json:"import"`
	System     string `json:"system"` // the system it signs in to, as its import named it
	AsOf       string `json:"as_of"`  // the day its export was imported
	PersonID   string `json:"person,omitempty"`
	PersonName string `json:"person_name,omitempty"`
	PersonEnd  string `json:"person_end_date,omitempty"`
	MatchRule  string `json:"match_rule,omitempty"`
	MatchWhy   string `json:"match_explanation"`
	Confidence string `json:"match_confidence,omitempty"`
}

// KeyedAccount is an account read from an export with the keys the
// matching looks it up by, each compared lower case (identity.Key
// computes them).
type KeyedAccount struct {
	*ingest.Account
	LoginKey, AltKey, LocalKey, BaseKey, EmailKey, NameKey, EmployeeKey string
}

// The keys of an account a pass may look it up by.
const (
	KeyEmployeeID = "employee_id"
	KeyEmail      = "email"
	KeyLogin      = "login"
	KeyAltLogin   = "alt_login"
	KeyLocal      = "local"
	KeyBase       = "base"
	KeyName       = "name"
)

// What a pass may compare an account's key with.
const (
	PersonEmployeeID = "person.employee_id" // the roster's employee id
	PersonEmail      = "person.email"       // the person's work email
	PersonEmailLocal = "person.email_local" // the work email's part before the @ (people with an email only)
	PersonName       = "person.name"        // the person's name
	MatchedAccount   = "account.local"      // the user name of an account another pass matched
)

// A MatchPass is one step of the matching: accounts no earlier pass
// matched are looked up by one of their keys against one field of the
// roster (or of the accounts already matched). A unique pass picks no one
// when several share the key.
type MatchPass struct {
	Rule    string
	Key     string // one of the Key constants
	Against string // one of the Person constants, or MatchedAccount
	Unique  bool
}

// Matching is how accounts are matched to the roster, given to Open by
// the identity rules (identity.Matching): the passes in the order they
// run, and what each rule means and how far to trust it. The store runs
// the passes as SQL and knows no rule of its own; with none, accounts
// stay unmatched.
type Matching struct {
	Passes  []MatchPass
	Explain func(rule string) (why, confidence string)
}
