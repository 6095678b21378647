package checkrun_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/identity"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/workforce"
)

// riversideRoster is the roster of the ingest testdata's account exports:
// Jordan (1005) and Ana (1006) have left.
func riversideRoster(t *testing.T, ctx context.Context, sc *store.Scoped) map[string]*workforce.Person {
	t.Helper()
	out := map[string]*workforce.Person{}
	for _, p := range []*workforce.Person{
		{EmployeeID: "1001", Name: "Olivia Owens", Email: "owner@riverside.example", Access: workforce.Administer},
		{EmployeeID: "1002", Name: "Sam Patel", Email: "sam@riverside.example", Access: workforce.Administer},
		{EmployeeID: "1003", Name: "Chris Lee", Email: "chris@riverside.example", Access: workforce.Modify},
		{EmployeeID: "1004", Name: "Maria Gomez", Email: "maria@riverside.example", Access: workforce.Modify},
		{EmployeeID: "1005", Name: "Jordan Blake", Email: "jordan@riverside.example", Access: workforce.View, End: "2026-04-30"},
		{EmployeeID: "1006", Name: "Ana Silva", Email: "ana@riverside.example", Access: workforce.Modify, End: "2026-06-30", Type: workforce.Contractor},
		{EmployeeID: "1007", Name: "Raj Kumar", Email: "raj@riverside.example", Access: workforce.Modify},
	} {
		if p.Type == "" {
			p.Type = workforce.Employee
		}
		if err := sc.SavePerson(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		out[p.EmployeeID] = p
	}
	return out
}

// importAccountFile imports a testdata export of the ingest package.
func importAccountFile(t *testing.T, ctx context.Context, sc *store.Scoped, name string) (*store.AccountsImport, error) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return importAccountBytes(ctx, sc, name, data)
}

func importAccountBytes(ctx context.Context, sc *store.Scoped, name string, data []byte) (*store.AccountsImport, error) {
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	format := ingest.Detect(data)
	if format == ingest.FormatEntraMFA {
		return sc.ImportMFARegistrations(ctx, name, sha, int64(len(data)), func(emit func(*ingest.MFARegistration) error) (*ingest.AccountsInfo, error) {
			return ingest.ReadMFARegistrations(name, bytes.NewReader(data), emit)
		})
	}
	f, _ := ingest.FormatByID(format)
	return importAccountsOf(ctx, sc, f.System, name, data)
}

// importAccountsOf imports account export data as the accounts of system.
func importAccountsOf(ctx context.Context, sc *store.Scoped, system, name string, data []byte) (*store.AccountsImport, error) {
	sum := sha256.Sum256(data)
	format := ingest.Detect(data)
	return sc.ImportAccounts(ctx, format, system, name, hex.EncodeToString(sum[:]), int64(len(data)), readAccounts(name, format, data))
}

func readAccounts(name, format string, data []byte) func(emit func(*identity.Keyed) error) (*ingest.AccountsInfo, error) {
	return func(emit func(*identity.Keyed) error) (*ingest.AccountsInfo, error) {
		return ingest.ReadAccounts(name, bytes.NewReader(data), format, func(a *ingest.Account) error { return emit(identity.Key(a)) })
	}
}

// Two exports in one format, of two systems (an EHR's users and a VPN's),
// are both kept: an import replaces its own system's accounts only, and
// its preview says what it would add, change and remove, writing nothing.
func TestAccountImportsPerSystem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		ehr := []byte("account,name,enabled,mfa\nOOWENS,Olivia Owens,yes,yes\nSPATEL,Sam Patel,yes,no\nASILVA,Ana Silva,yes,no\n")
		vpn := []byte("account,name,enabled,mfa\noowens,Olivia Owens,yes,yes\nkchen,Kim Chen,yes,yes\n")
		if _, err := importAccountsOf(ctx, sc, "Epic EHR", "ehr.csv", ehr); err != nil {
			t.Fatal(err)
		}
		if _, err := importAccountsOf(ctx, sc, "VPN", "vpn.csv", vpn); err != nil {
			t.Fatal(err)
		}
		all, err := sc.Accounts(ctx, store.AccountFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 5 {
			t.Fatalf("%d accounts after the EHR's and the VPN's exports, want 5 (the second replaced the first?)", len(all))
		}
		// The EHR's next export: Sam's MFA on, Ana gone, Dee new.
		next := []byte("account,name,enabled,mfa\nOOWENS,Olivia Owens,yes,yes\nSPATEL,Sam Patel,yes,yes\nDREYES,Dee Reyes,yes,yes\n")
		sum := sha256.Sum256(next)
		plan, err := sc.PlanAccounts(ctx, ingest.FormatAccounts, "Epic EHR", "ehr-2.csv", hex.EncodeToString(sum[:]), int64(len(next)), readAccounts("ehr-2.csv", ingest.FormatAccounts, next))
		if err != nil {
			t.Fatal(err)
		}
		if plan.Added != 1 || plan.Changed != 1 || plan.Removed != 1 || plan.Unchanged != 1 || plan.Accounts != 3 ||
			!slices.Equal(plan.Examples["added"], []string{"DREYES"}) || !slices.Equal(plan.Examples["changed"], []string{"SPATEL"}) || !slices.Equal(plan.Examples["removed"], []string{"ASILVA"}) {
			t.Errorf("plan %+v", plan)
		}
		if again, _ := sc.Accounts(ctx, store.AccountFilter{Limit: 100}); len(again) != 5 {
			t.Errorf("the preview wrote: %d accounts", len(again))
		}
		res, err := importAccountsOf(ctx, sc, "Epic EHR", "ehr-2.csv", next)
		if err != nil || res.Replaced != 3 || res.System != "Epic EHR" {
			t.Fatalf("the EHR's next export: %+v, %v", res, err)
		}
		logins := map[string]string{}
		all, _ = sc.Accounts(ctx, store.AccountFilter{Limit: 100})
		for _, a := range all {
			logins[a.Login] = a.System
		}
		want := map[string]string{"OOWENS": "Epic EHR", "SPATEL": "Epic EHR", "DREYES": "Epic EHR", "oowens": "VPN", "kchen": "VPN"}
		if !maps.Equal(logins, want) {
			t.Errorf("accounts by system %v, want %v", logins, want)
		}
		// The same file again: the plan says nothing changes.
		plan, err = sc.PlanAccounts(ctx, ingest.FormatAccounts, "Epic EHR", "ehr-2.csv", hex.EncodeToString(sum[:]), int64(len(next)), readAccounts("ehr-2.csv", ingest.FormatAccounts, next))
		if err != nil || !plan.Again {
			t.Errorf("plan of a file imported before: %+v, %v", plan, err)
		}
		if _, err := importAccountsOf(ctx, sc, " ", "x.csv", vpn); !errs.Is(err, errs.Invalid) {
			t.Errorf("no system: %v", err)
		}
	})
}

func accountsByLogin(t *testing.T, ctx context.Context, sc *store.Scoped, source string) map[string]*store.Account {
	t.Helper()
	as, err := sc.Accounts(ctx, store.AccountFilter{Source: source})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*store.Account{}
	for _, a := range as {
		out[strings.ToLower(a.Login)] = a
	}
	return out
}

func TestImportAccountsMatchesThemToTheRoster(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		people := riversideRoster(t, ctx, sc)

		// The registration report first: the users export picks it up.
		mfa, err := importAccountFile(t, ctx, sc, "entra-mfa.csv")
		if err != nil || mfa.Accounts != 9 {
			t.Fatalf("registration details: %+v %v", mfa, err)
		}
		res, err := importAccountFile(t, ctx, sc, "entra-users.csv")
		if err != nil {
			t.Fatal(err)
		}
		// 7 by their mailbox (the work email), the admin account by its
		// name after Sam's, and 2 with no one behind them (the front desk
		// and the guest).
		if !res.Fresh || res.Accounts != 10 || res.Matched != 8 || res.ByRule["email"] != 7 || res.ByRule["admin"] != 1 || res.Record.Records != 10 {
			t.Errorf("entra import: %+v", res)
		}
		entra := accountsByLogin(t, ctx, sc, ingest.FormatEntraUsers)
		if a := entra["adm-sam@riverside.example"]; a.PersonID != people["1002"].ID || a.MatchRule != "admin" || a.Confidence != "medium" || a.Privileged != ingest.Yes || a.MFA != ingest.Yes || a.MFAMethods != "fido2" {
			t.Errorf("admin account: %+v", a)
		}
		if a := entra["owner@riverside.example"]; a.MFA != ingest.No || a.Privileged != ingest.Yes || a.PrivilegedBecause != "an admin role in Entra ID" || a.Confidence != "high" {
			t.Errorf("owner: %+v", a)
		}
		if a := entra["ana@riverside.example"]; a.PersonName != "Ana Silva" || a.PersonEnd != "2026-06-30" || !a.Enabled {
			t.Errorf("ana: %+v", a)
		}
		if a := entra["frontdesk@riverside.example"]; a.PersonID != "" || a.Confidence != "" || !strings.Contains(a.MatchWhy, "no one on the roster") {
			t.Errorf("front desk: %+v", a)
		}

		// AD: employee ids, the admin account by its name after spatel's,
		// and the built-in and service accounts with no one behind them.
		ad, err := importAccountFile(t, ctx, sc, "ad-users.csv")
		if err != nil {
			t.Fatal(err)
		}
		if ad.ByRule["employee_id"] != 6 || ad.ByRule["admin"] != 1 || ad.Matched != 7 {
			t.Errorf("ad import: %+v", ad)
		}
		adAccounts := accountsByLogin(t, ctx, sc, ingest.FormatAD)
		if a := adAccounts["rkumar"]; a.MatchRule != "employee_id" || a.PersonID != people["1007"].ID {
			t.Errorf("rkumar: %+v", a)
		}
		if a := adAccounts["adm-spatel"]; a.PersonID != people["1002"].ID || a.PrivilegedBecause != "Domain Admins" {
			t.Errorf("adm-spatel: %+v", a)
		}

		// The same file again changes nothing; a new export replaces the old.
		again, err := importAccountFile(t, ctx, sc, "entra-users.csv")
		if err != nil || again.Fresh || again.Record.ID != res.Record.ID {
			t.Errorf("re-import: %+v %v", again, err)
		}
		data, _ := os.ReadFile(filepath.Join("..", "ingest", "testdata", "entra-users.csv"))
		lines := bytes.Split(data, []byte("\r\n"))
		smaller := bytes.Join(append(lines[:3:3], lines[len(lines)-1]), []byte("\r\n")) // header and two users
		next, err := importAccountBytes(ctx, sc, "entra-users-2.csv", smaller)
		if err != nil || !next.Fresh || next.Accounts != 2 || next.Replaced != 10 {
			t.Fatalf("newer export: %+v %v", next, err)
		}
		if n := len(accountsByLogin(t, ctx, sc, ingest.FormatEntraUsers)); n != 2 {
			t.Errorf("%d Entra accounts after the newer export", n)
		}

		// A bad file lands nothing: the accounts before stay, no record is
		// added, and the attempt is audited.
		before := len(accountsByLogin(t, ctx, sc, ""))
		if _, err := importAccountFile(t, ctx, sc, "accounts-bad.csv"); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "line 6") {
			t.Errorf("bad file: %v", err)
		}
		if n := len(accountsByLogin(t, ctx, sc, "")); n != before {
			t.Errorf("%d accounts after a failed import, %d before", n, before)
		}
		entries, _ := s.AuditLog(ctx, store.AuditFilter{OrgID: sc.Org().ID, Limit: 1})
		if len(entries) != 1 || entries[0].Action != "accounts.import_failed" {
			t.Errorf("audit: %+v", entries)
		}

		// A roster import matches the accounts again: a joiner behind the
		// front desk account (by name) is found.
		plan := &workforce.RosterPlan{Joiners: []*workforce.Person{{EmployeeID: "1010", Name: "Front Desk", Type: workforce.Employee, Access: workforce.View}}}
		if err := sc.ApplyRoster(ctx, plan, nil); err != nil {
			t.Fatal(err)
		}
		if a := accountsByLogin(t, ctx, sc, ingest.FormatAD)["frontdesk"]; a.MatchRule != "name" || a.Confidence != "low" {
			t.Errorf("after the roster import: %+v", a)
		}
	})
}

// An employee id matches whatever the case of its letters on either side,
// letters outside ASCII too: both sides' keys are lower-cased in Go as
// their rows are written (SQLite's lower() folds ASCII letters only).
func TestEmployeeIDsMatchInAnyCase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		sc := storetest.Riverside(t, s)
		p := &workforce.Person{EmployeeID: "øs-12", Name: "Øystein Sæther", Email: "oystein@riverside.example", Type: workforce.Employee, Access: workforce.Modify, Start: "2024-01-08"}
		if err := sc.SavePerson(ctx, p, nil); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join("..", "ingest", "testdata", "ad-users.csv"))
		if err != nil {
			t.Fatal(err)
		}
		lines := bytes.Split(data, []byte("\r\n"))
		if len(lines) < 3 {
			lines = bytes.Split(data, []byte("\n"))
		}
		row := `"osaether","osaether@riverside.local","Ø. S.","Ø. S.","Øystein","Sæther","","ØS-12","Nurse","Clinical","True","11/18/2026 7:55:10 AM","3/1/2015 9:00:00 AM","2/2/2026 10:00:00 AM","False","","","CN=Ø S,OU=Staff,DC=riverside,DC=local","00000000-0000-0000-0000-000000009000"`
		file := bytes.Join([][]byte{lines[0], lines[1], []byte(row), nil}, []byte("\r\n"))
		res, err := importAccountBytes(ctx, sc, "ad-nordic.csv", file)
		if err != nil {
			t.Fatal(err)
		}
		if res.Accounts != 1 || res.ByRule["employee_id"] != 1 {
			t.Errorf("import: %+v", res)
		}
		if a := accountsByLogin(t, ctx, sc, ingest.FormatAD)["osaether"]; a == nil || a.PersonID != p.ID || a.MatchRule != "employee_id" {
			t.Errorf("the account of øs-12 exported as ØS-12: %+v", a)
		}
	})
}
