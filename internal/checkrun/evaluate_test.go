package checkrun_test

import (
	"testing"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
	"github.com/safeguard-health/safeguard/internal/identity"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

func account(login string, mfa ingest.Tri, mod func(*identity.Account)) *identity.Account {
	a := &identity.Account{ID: login, AsOf: "2026-11-21", PersonID: "p-" + login}
	a.Login, a.Source, a.Enabled, a.MFA = login, ingest.FormatAccounts, true, mfa
	if mod != nil {
		mod(a)
	}
	return a
}

func results(e *checkrun.Identity) map[string]*check.Result {
	out := map[string]*check.Result{}
	for _, r := range e.Results() {
		out[r.Check.ID] = r
	}
	return out
}

// The MFA check: partly met when only ordinary accounts lack MFA and at
// least 90% have it; not met once a privileged account lacks it.
func TestMFAThresholds(t *testing.T) {
	e := checkrun.NewIdentity(check.Settings{}, 20)
	for i := range 19 {
		e.Add(account(string(rune('a'+i)), ingest.Yes, nil))
	}
	e.Add(account("zed", ingest.No, nil))
	if r := results(e)["identity.mfa"]; r.GoalStatus != assessment.PartlyMet || r.Status != check.Fail || r.Counts["without_mfa"] != 1 {
		t.Errorf("1 of 20 without MFA: %+v", r)
	}
	e.Add(account("root-ish", ingest.No, func(a *identity.Account) { a.Privileged, a.PrivilegedBecause = ingest.Yes, "Domain Admins" }))
	r := results(e)["identity.mfa"]
	if r.GoalStatus != assessment.NotMet || r.Records[0].ID != "root-ish" || r.Records[0].Weight != 4 {
		t.Errorf("a privileged account without MFA: %+v", r)
	}

	all := checkrun.NewIdentity(check.Settings{}, 1)
	all.Add(account("ok", ingest.Yes, nil))
	all.Add(account("old", ingest.No, func(a *identity.Account) { a.Enabled = false }))
	all.Add(account("svc", ingest.No, func(a *identity.Account) { a.Kind = "service" }))
	if r := results(all)["identity.mfa"]; r.GoalStatus != assessment.Met || r.Status != check.Pass {
		t.Errorf("disabled and service accounts do not count: %+v", r)
	}
}

func TestDormantThresholdsAreSettable(t *testing.T) {
	a := account("nurse", ingest.Yes, func(a *identity.Account) { a.LoginKnown, a.LastLogin = true, "2026-09-01" })
	def := checkrun.NewIdentity(check.Settings{}, 1)
	def.Add(a)
	if r := results(def)["identity.dormant"]; r.GoalStatus != assessment.Met {
		t.Errorf("81 days with the 90-day default: %+v", r)
	}
	strict := checkrun.NewIdentity(check.Settings{DormantDays: 60}, 1)
	strict.Add(a)
	if r := results(strict)["identity.dormant"]; r.GoalStatus != assessment.NotMet || r.Counts["dormant"] != 1 {
		t.Errorf("81 days with a 60-day window: %+v", r)
	}
}

func TestKEVWindowFromTheCatalog(t *testing.T) {
	f := &check.OpenFinding{ID: "f1", CVE: "CVE-2024-3400", AssetID: "a1", AssetName: "Firewall", Internet: true, FirstSeen: "2026-11-01", AsOf: "2026-11-10", KEVAdded: "2024-04-12", KEVDue: "2024-04-19"}
	v := checkrun.NewVuln(check.Settings{}, true, 1)
	v.Add(f)
	if r := v.Result(); r.GoalStatus != assessment.NotMet || r.Counts["kev_overdue"] != 1 {
		t.Errorf("9 days open against the entry's 7-day window: %+v", r)
	}
	v = checkrun.NewVuln(check.Settings{KEVWindowDays: 14}, true, 2)
	v.Add(f)
	v.Add(&check.OpenFinding{ID: "f2", CVE: "CVE-2020-0001", AsOf: "2026-11-10"}) // not KEV-listed
	if r := v.Result(); r.GoalStatus != assessment.PartlyMet || r.Counts["open"] != 2 {
		t.Errorf("within a 14-day window: %+v", r)
	}
	if r := checkrun.NewVuln(check.Settings{}, false, 0).Result(); r.Status != check.Unknown {
		t.Errorf("no catalog: %+v", r)
	}
}
