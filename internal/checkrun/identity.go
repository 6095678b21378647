package checkrun

import (
	"fmt"
	"slices"
	"strings"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/identity"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

// DefaultAccounts are the names vendors and operating systems give their
// built-in and default accounts (Safeguard's list).
var DefaultAccounts = []string{"administrator", "admin", "root", "guest", "test", "user", "demo", "default", "support", "sa", "sysadmin", "operator", "manager", "service", "setup", "install", "temp", "tech"}

// GenericWords mark an account named for a place or a team rather than a
// person: likely shared (Safeguard's list).
var GenericWords = []string{"frontdesk", "front desk", "reception", "nursing", "nurses", "nurse station", "station", "shared", "team", "office", "kiosk", "scheduling", "triage", "lab", "pharmacy", "clinic", "ward", "desk", "workstation", "common"}

// Identity evaluates the identity checks over a stream of accounts: call
// Add for each account, then Results. It keeps counts and the records
// behind each verdict, never the accounts.
type Identity struct {
	set    check.Settings
	roster int // people on the roster
	counts map[string]map[string]int
	recs   map[string][]check.Record
	sink   RecordSink     // when set, records go to it instead of recs
	err    error          // the sink's first error
	nrec   map[string]int // records flagged, by check
	// longest: the most days an account of a departed person stayed enabled;
	// dormantAccounts: enabled accounts with a dormant-check record.
	longest, dormantAccounts int
	// mfaKnown: enabled accounts whose export says whether they have MFA.
	mfaKnown, privKnown, loginKnown, enabled int
	mfaCritical                              int // privileged or remote accounts without MFA
}

// NewIdentity starts an evaluation; roster is the number of people on
// the roster (the unique-credentials and leavers checks need one).
func NewIdentity(set check.Settings, roster int) *Identity {
	e := &Identity{set: check.WithDefaults(set), roster: roster, counts: map[string]map[string]int{}, recs: map[string][]check.Record{}, nrec: map[string]int{}}
	for _, id := range []string{"identity.mfa", "identity.leavers", "identity.unique", "identity.separate", "identity.dormant"} {
		e.counts[id] = map[string]int{}
	}
	return e
}

// SendTo hands the records to sink as they are found instead of keeping
// them: the results then carry only their count.
func (e *Identity) SendTo(sink RecordSink) { e.sink = sink }

// Err is the sink's first error.
func (e *Identity) Err() error { return e.err }

func (e *Identity) flag(id string, a *identity.Account, weight int, reason string) {
	e.nrec[id]++
	rec := check.Record{Kind: "account", ID: a.ID, Label: a.Source + ":" + a.Login, Reason: reason, Weight: weight}
	if e.sink == nil {
		e.recs[id] = append(e.recs[id], rec)
	} else if e.err == nil {
		e.err = e.sink(id, rec)
	}
}

// isDefault reports whether an account bears a default vendor name.
func isDefault(a *identity.Account) bool {
	return slices.Contains(DefaultAccounts, identity.LocalKey(a.Login))
}

// isGeneric reports whether an account is named for a place or team, or
// the export says it is shared.
func isGeneric(a *identity.Account) bool {
	if a.Kind == "shared" {
		return true
	}
	local, name := identity.LocalKey(a.Login), " "+strings.Join(strings.Fields(strings.ToLower(a.Name)), " ")+" "
	for _, w := range GenericWords {
		// By the login always; by the display name only when no person
		// is behind the account (a person may be named Desk).
		if local == strings.ReplaceAll(w, " ", "") || a.PersonID == "" && strings.Contains(name, " "+w+" ") {
			return true
		}
	}
	return false
}

// Add counts one account.
func (e *Identity) Add(a *identity.Account) {
	if !a.Enabled {
		if a.PersonEnd != "" && a.PersonEnd < a.AsOf {
			e.counts["identity.leavers"]["revoked"]++
		}
		e.counts["identity.mfa"]["disabled"]++
		return
	}
	e.enabled++
	service := a.Kind == "service"

	// MFA, weighted by reach.
	c := e.counts["identity.mfa"]
	c["enabled"]++
	switch {
	case a.MFA == ingest.Unknown:
		c["mfa_unknown"]++
	case service:
		c["service_accounts"]++
	default:
		e.mfaKnown++
		if a.MFA == ingest.Yes {
			c["with_mfa"]++
			break
		}
		c["without_mfa"]++
		weight, why := 1, []string{"no MFA registered"}
		if a.Privileged == ingest.Yes {
			weight += 3
			why = append(why, "privileged ("+a.PrivilegedBecause+")")
			c["privileged_without_mfa"]++
		}
		if a.Remote == ingest.Yes {
			weight += 2
			why = append(why, "remote access ("+a.RemoteBecause+")")
			c["remote_without_mfa"]++
		}
		if a.Mailbox == ingest.Yes {
			weight++
			why = append(why, "has a mailbox")
		}
		if a.Privileged == ingest.Yes || a.Remote == ingest.Yes {
			e.mfaCritical++
		}
		e.flag("identity.mfa", a, weight, strings.Join(why, "; "))
	}

	// Departed people's accounts still enabled.
	if a.PersonEnd != "" && a.PersonEnd < a.AsOf {
		days := daysBetween(a.PersonEnd, a.AsOf)
		e.longest = max(e.longest, days)
		e.counts["identity.leavers"]["still_enabled"]++
		e.flag("identity.leavers", a, days, fmt.Sprintf("%s left on %s; the account was still enabled %s later (export of %s)", a.PersonName, a.PersonEnd, plural(days, "day", "days"), a.AsOf))
	}

	// Unique credentials.
	u := e.counts["identity.unique"]
	u["enabled"]++
	switch {
	case isDefault(a):
		u["default"]++
		e.flag("identity.unique", a, 3, "a default vendor account name")
	case isGeneric(a):
		u["shared"]++
		e.flag("identity.unique", a, 2, "named for a place or team, or marked shared: likely used by several people")
	case a.PersonID == "" && e.roster > 0 && !service && a.Kind != "guest":
		u["no_person"]++
		e.flag("identity.unique", a, 1, "no one on the roster is behind it: no employee id, email, user name or name matches")
	}

	// Separate user and privileged accounts.
	if a.Privileged != ingest.Unknown {
		e.privKnown++
	}
	if a.Privileged == ingest.Yes {
		s := e.counts["identity.separate"]
		s["privileged"]++
		if a.Mailbox == ingest.Yes {
			s["privileged_with_mailbox"]++
			e.flag("identity.separate", a, 1, "privileged ("+a.PrivilegedBecause+") and has a mailbox: the same account for administration and email")
		}
	}

	// Dormant and unused accounts, stale passwords.
	before := e.nrec["identity.dormant"]
	defer func() {
		if e.nrec["identity.dormant"] > before {
			e.dormantAccounts++
		}
	}()
	d := e.counts["identity.dormant"]
	if a.LoginKnown {
		e.loginKnown++
		switch {
		case a.LastLogin != "" && daysBetween(a.LastLogin, a.AsOf) > e.set.DormantDays:
			d["dormant"]++
			days := daysBetween(a.LastLogin, a.AsOf)
			e.flag("identity.dormant", a, days, fmt.Sprintf("last signed in %s (%d days before the export)", a.LastLogin, days))
		case a.LastLogin == "" && (a.Created == "" || daysBetween(a.Created, a.AsOf) > e.set.UnusedDays):
			d["never_used"]++
			reason := "never signed in"
			if a.Created != "" {
				reason += ", created " + a.Created
			}
			e.flag("identity.dormant", a, e.set.DormantDays, reason)
		}
	}
	switch {
	case a.PasswordSet != "" && daysBetween(a.PasswordSet, a.AsOf) > e.set.PasswordMaxDays:
		d["stale_password"]++
		e.flag("identity.dormant", a, 0, fmt.Sprintf("password last set %s, over %d days before the export", a.PasswordSet, e.set.PasswordMaxDays))
	case a.PasswordNoExpiry && !service:
		d["password_never_expires"]++
		e.flag("identity.dormant", a, 0, "password set never to expire")
	}
}

// Results gives the five identity checks' results.
func (e *Identity) Results() []*check.Result {
	var out []*check.Result
	for _, id := range []string{"identity.mfa", "identity.leavers", "identity.unique", "identity.separate", "identity.dormant"} {
		c, _ := check.ByID(id)
		r := &check.Result{Check: c, Counts: e.counts[id], Records: e.recs[id], RecordCount: e.nrec[id]}
		if r.Records == nil {
			r.Records = []check.Record{}
		}
		sortRecords(r.Records)
		n := r.Counts
		switch id {
		case "identity.mfa":
			switch {
			case e.mfaKnown == 0:
				r.GoalStatus, r.Detail = assessment.Unknown, "no imported export says which accounts have MFA: import Entra ID's registration details, a Google Workspace export, or an account CSV with an mfa column"
			case n["without_mfa"] == 0:
				r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("all %s with an MFA status have MFA", plural(e.mfaKnown, "enabled account", "enabled accounts"))
			default:
				share := 100 * float64(n["with_mfa"]) / float64(e.mfaKnown)
				r.GoalStatus = assessment.NotMet
				if e.mfaCritical == 0 && share >= 90 {
					r.GoalStatus = assessment.PartlyMet
				}
				r.Detail = fmt.Sprintf("%s without MFA (%d privileged, %d with remote access); %.0f%% of %d enabled accounts with an MFA status have it", plural(n["without_mfa"], "account", "accounts"), n["privileged_without_mfa"], n["remote_without_mfa"], share, e.mfaKnown)
			}
			if n["mfa_unknown"] > 0 {
				r.Detail += fmt.Sprintf("; %d enabled accounts' exports do not say", n["mfa_unknown"])
			}
		case "identity.leavers":
			switch {
			case e.roster == 0 || e.enabled == 0:
				r.GoalStatus, r.Detail = assessment.Unknown, "needs both the roster (with end dates) and an account export"
			case n["still_enabled"] == 0:
				r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("no departed person's account is enabled (%d disabled)", n["revoked"])
			default:
				r.GoalStatus, r.Detail = assessment.NotMet, fmt.Sprintf("%s of departed people still enabled, the longest %d days after the end date; %d disabled", plural(n["still_enabled"], "account", "accounts"), e.longest, n["revoked"])
			}
		case "identity.unique":
			switch {
			case e.enabled == 0:
				r.GoalStatus, r.Detail = assessment.Unknown, "no enabled accounts imported"
			case n["default"]+n["shared"] > 0:
				r.GoalStatus = assessment.NotMet
			case n["no_person"] > 0:
				r.GoalStatus = assessment.PartlyMet
			default:
				r.GoalStatus = assessment.Met
			}
			if r.GoalStatus != assessment.Unknown {
				r.Detail = fmt.Sprintf("%d default vendor, %d shared or generic, %d with no person behind them, of %d enabled accounts", n["default"], n["shared"], n["no_person"], n["enabled"])
				if e.roster == 0 {
					r.Detail += " (no roster: who is behind each account is not checked)"
				}
			}
		case "identity.separate":
			switch {
			case e.privKnown == 0:
				r.GoalStatus, r.Detail = assessment.Unknown, "no imported export says which accounts are privileged (AD's MemberOf, Entra ID's registration details, an account CSV's privileged column)"
			case n["privileged_with_mailbox"] == 0:
				r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("none of the %s has a mailbox", plural(n["privileged"], "privileged account", "privileged accounts"))
			default:
				r.GoalStatus, r.Detail = assessment.NotMet, fmt.Sprintf("%d of %s also used for email", n["privileged_with_mailbox"], plural(n["privileged"], "privileged account", "privileged accounts"))
			}
		case "identity.dormant":
			flagged := e.dormantAccounts
			switch {
			case e.loginKnown == 0 && flagged == 0:
				r.GoalStatus, r.Detail = assessment.Unknown, "no imported export gives last sign-ins"
			case flagged == 0:
				r.GoalStatus, r.Detail = assessment.Met, fmt.Sprintf("no dormant or unused account, no stale password, of %d enabled accounts", e.enabled)
			default:
				r.GoalStatus = assessment.NotMet
				if float64(flagged) <= 0.05*float64(e.enabled) {
					r.GoalStatus = assessment.PartlyMet
				}
				r.Detail = fmt.Sprintf("%d dormant (over %d days), %d never used, %d stale passwords, %d never expiring, of %d enabled accounts", n["dormant"], e.set.DormantDays, n["never_used"], n["stale_password"], n["password_never_expires"], e.enabled)
			}
		}
		r.Status = verdict(r.GoalStatus)
		out = append(out, r)
	}
	return out
}
