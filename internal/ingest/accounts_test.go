package ingest_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
)

// readAccounts reads a testdata export, detecting its format as the import does.
func readAccounts(t *testing.T, name string) (map[string]*ingest.Account, *ingest.AccountsInfo) {
	t.Helper()
	head, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	format := ingest.Detect(head)
	got := map[string]*ingest.Account{}
	info, err := ingest.ReadAccounts(name, testdata(t, name), format, func(a *ingest.Account) error {
		got[strings.ToLower(a.Login)] = a
		return nil
	})
	if err != nil {
		t.Fatalf("%s (%s): %v", name, format, err)
	}
	if info.Records != len(got) || len(info.SHA256) != 64 || info.Size != int64(len(head)) {
		t.Errorf("%s: info %+v for %d accounts", name, info, len(got))
	}
	return got, info
}

func TestDetectAccountExports(t *testing.T) {
	for name, want := range map[string]string{
		"entra-users.csv":          ingest.FormatEntraUsers,
		"entra-mfa.csv":            ingest.FormatEntraMFA,
		"ad-users.csv":             ingest.FormatAD,
		"okta-users.csv":           ingest.FormatOkta,
		"google-users.csv":         ingest.FormatGoogle,
		"accounts.csv":             ingest.FormatAccounts,
		"accounts-bad.csv":         ingest.FormatAccounts,
		"nessus-small.nessus":      ingest.FormatNessus,
		"epss-small.csv":           ingest.FormatEPSS,
		"ad-memberof-unjoined.csv": ingest.FormatAD,
	} {
		head, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		if got := ingest.Detect(head); got != want {
			t.Errorf("%s: detected %q, want %q", name, got, want)
		}
	}
}

func TestReadEntraUsers(t *testing.T) {
	got, info := readAccounts(t, "entra-users.csv") // a BOM and CRLF line ends, as the download has
	if len(got) != 10 {
		t.Fatalf("%d accounts", len(got))
	}
	owner := got["owner@riverside.example"]
	if owner.Name != "Olivia Owens" || owner.Email != "owner@riverside.example" || !owner.Enabled || owner.Mailbox != ingest.Yes || owner.MFA != ingest.Unknown || owner.ExternalID == "" || owner.Line != 2 {
		t.Errorf("owner: %+v", owner)
	}
	if adm := got["adm-sam@riverside.example"]; adm.Mailbox != ingest.No || adm.Email != "" {
		t.Errorf("admin account: %+v", adm)
	}
	if j := got["jordan@riverside.example"]; j.Enabled {
		t.Errorf("jordan is disabled in the export: %+v", j)
	}
	if g := got["support_partner.example#ext#@riverside.onmicrosoft.com"]; g == nil || g.Kind != "guest" {
		t.Errorf("guest: %+v", g)
	}
	if len(info.Unused) == 0 || info.Unused[0] != "usageLocation" {
		t.Errorf("unused columns: %v", info.Unused)
	}
}

func TestReadEntraRegistrationDetails(t *testing.T) {
	got := map[string]*ingest.MFARegistration{}
	info, err := ingest.ReadMFARegistrations("entra-mfa.csv", testdata(t, "entra-mfa.csv"), func(m *ingest.MFARegistration) error {
		got[m.Login] = m
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if info.Records != 9 {
		t.Errorf("%d rows", info.Records)
	}
	if o := got["owner@riverside.example"]; o.Registered || o.Admin != ingest.Yes {
		t.Errorf("owner: %+v", o)
	}
	if s := got["adm-sam@riverside.example"]; !s.Registered || s.Admin != ingest.Yes || s.Methods != "fido2" {
		t.Errorf("admin: %+v", s)
	}
	// A users export is not a registration report.
	if _, err := ingest.ReadMFARegistrations("entra-users.csv", testdata(t, "entra-users.csv"), func(*ingest.MFARegistration) error { return nil }); err == nil || !strings.Contains(err.Error(), `no column "isMfaRegistered"`) {
		t.Errorf("users export read as a registration report: %v", err)
	}
}

func TestReadActiveDirectoryExport(t *testing.T) {
	got, _ := readAccounts(t, "ad-users.csv")
	if len(got) != 11 {
		t.Fatalf("%d accounts", len(got))
	}
	sam := got["spatel"]
	if sam.AltLogin != "sam@riverside.example" || sam.EmployeeID != "1002" || sam.LastLogin != "2026-11-20" || sam.Created != "2019-06-15" || sam.PasswordSet != "2026-09-01" ||
		sam.Privileged != ingest.No || sam.Remote != ingest.Yes || sam.RemoteBecause != "VPN Users" || sam.MFA != ingest.Unknown {
		t.Errorf("spatel: %+v", sam)
	}
	if a := got["adm-spatel"]; a.Privileged != ingest.Yes || a.PrivilegedBecause != "Domain Admins" || a.Mailbox != ingest.No {
		t.Errorf("adm-spatel: %+v", a)
	}
	if a := got["svc-backup"]; a.Privileged != ingest.Yes || a.PrivilegedBecause != "Backup Operators" || !a.PasswordNoExpiry {
		t.Errorf("svc-backup: %+v", a)
	}
	if a := got["mgomez"]; a.Remote != ingest.Yes || a.RemoteBecause != "Remote Desktop Users" || a.LastLogin != "2026-07-02" {
		t.Errorf("mgomez: %+v", a)
	}
	if a := got["rkumar"]; a.LastLogin != "" || !a.LoginKnown || a.PasswordSet != "" {
		t.Errorf("rkumar never signed in: %+v", a)
	}
	if a := got["guest"]; a.Enabled {
		t.Errorf("Guest: %+v", a)
	}

	_, err := ingest.ReadAccounts("ad-memberof-unjoined.csv", testdata(t, "ad-memberof-unjoined.csv"), ingest.FormatAD, func(*ingest.Account) error { return nil })
	if err == nil || !strings.Contains(err.Error(), `line 3, column "MemberOf"`) || !strings.Contains(err.Error(), "-join ';'") {
		t.Errorf("MemberOf exported as its type name: %v", err)
	}
}

func TestReadOktaAndGoogleExports(t *testing.T) {
	okta, _ := readAccounts(t, "okta-users.csv")
	if j := okta["jordan@riverside.example"]; j.Enabled || j.Status != "SUSPENDED" || j.EmployeeID != "1005" || j.Name != "Jordan Blake" {
		t.Errorf("okta jordan: %+v", j)
	}
	if r := okta["raj@riverside.example"]; !r.Enabled || r.LastLogin != "" || !r.LoginKnown {
		t.Errorf("okta raj (provisioned, never signed in): %+v", r)
	}
	if s := okta["sam@riverside.example"]; s.LastLogin != "2026-11-20" || s.PasswordSet != "2026-09-01" || s.ExternalID != "00u1a2b3c4d5e6f7g8h9" {
		t.Errorf("okta sam: %+v", s)
	}

	google, _ := readAccounts(t, "google-users.csv")
	if o := google["owner@riverside.example"]; o.MFA != ingest.Yes || o.Name != "Olivia Owens" || o.Mailbox != ingest.Yes || o.LastLogin != "2026-11-18" || o.EmployeeID != "1001" {
		t.Errorf("google owner: %+v", o)
	}
	if f := google["frontdesk@riverside.example"]; f.LastLogin != "" || f.MFA != ingest.No || !f.Enabled {
		t.Errorf("google front desk (never logged in): %+v", f)
	}
	if j := google["jordan@riverside.example"]; j.Enabled {
		t.Errorf("google jordan is suspended: %+v", j)
	}
}

func TestReadGenericAccounts(t *testing.T) {
	got, _ := readAccounts(t, "accounts.csv")
	if o := got["oowens"]; o.Privileged != ingest.Yes || o.MFA != ingest.Yes || o.Mailbox != ingest.No || len(o.Groups) != 2 || o.Groups[1] != "EHR Administrators" {
		t.Errorf("OOWENS: %+v", o)
	}
	if v := got["ehrvendor"]; v.Kind != "vendor" || v.Remote != ingest.Yes || v.MFA != ingest.No {
		t.Errorf("EHRVENDOR: %+v", v)
	}
	if h := got["hl7svc"]; h.Kind != "service" || h.MFA != ingest.Unknown {
		t.Errorf("HL7SVC: %+v", h)
	}
}

func TestReadAccountsBadInput(t *testing.T) {
	emitted := 0
	count := func(*ingest.Account) error { emitted++; return nil }
	info, err := ingest.ReadAccounts("accounts-bad.csv", testdata(t, "accounts-bad.csv"), ingest.FormatAccounts, count)
	if err == nil || info != nil || !errs.Is(err, errs.Invalid) {
		t.Fatalf("bad file read: %v %+v", err, info)
	}
	for _, want := range []string{
		`line 2, column "last_login": "2026-13-40" is not a date`,
		`line 3, column "account": the account has no name`,
		`line 4, column "enabled": "maybe" is not true or false`,
		`line 5, column "kind": "robot" is not a kind of account`,
		`line 5, column "mfa": "perhaps" is not true or false`,
		`line 6, column "account": JDOE appears twice (first on line 2)`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
	if emitted != 0 {
		t.Errorf("%d accounts passed on from a bad file", emitted)
	}

	_, err = ingest.ReadAccounts("accounts-truncated.csv", testdata(t, "accounts-truncated.csv"), ingest.FormatAccounts, count)
	if err == nil || !strings.Contains(err.Error(), "truncated") || !strings.Contains(err.Error(), "line 3") {
		t.Errorf("truncated: %v", err)
	}

	// The wrong export: an Okta file read as Entra ID users names the columns it lacks.
	_, err = ingest.ReadAccounts("okta-users.csv", testdata(t, "okta-users.csv"), ingest.FormatEntraUsers, count)
	if err == nil || !strings.Contains(err.Error(), `no column "userPrincipalName" or "accountEnabled"`) {
		t.Errorf("wrong format: %v", err)
	}

	// Empty, header only.
	for _, in := range []string{"", "account,enabled\r\n"} {
		if _, err := ingest.ReadAccounts("x.csv", strings.NewReader(in), ingest.FormatAccounts, count); err == nil || !errs.Is(err, errs.Invalid) {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func TestReadAccountsRefusesAnEndlessLine(t *testing.T) {
	r := &countingReader{r: endless{}}
	_, err := ingest.ReadAccounts("huge.csv", io.MultiReader(strings.NewReader("account,enabled\nJDOE,yes\n"), r), ingest.FormatAccounts, func(*ingest.Account) error { return nil })
	if err == nil || !errs.Is(err, errs.TooLarge) || !strings.Contains(err.Error(), "a line longer than 4 MiB") {
		t.Fatalf("endless line: %v", err)
	}
	if r.n > 16<<20 {
		t.Errorf("read %d MiB before refusing", r.n>>20)
	}
}

// A cell longer than MaxCell is a problem of its row, named by line and
// column: no account carries it onto a page.
func TestReadAccountsBoundsCells(t *testing.T) {
	doc := "account,name,enabled\nJDOE,Jo Doe,yes\nBIG," + strings.Repeat("n", ingest.MaxCell+1) + ",yes\n"
	_, err := ingest.ReadAccounts("big.csv", strings.NewReader(doc), ingest.FormatAccounts, func(*ingest.Account) error { return nil })
	if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), `line 3, column "name": 65537 bytes long; a cell Safeguard keeps is at most 64 KiB`) ||
		strings.Count(errs.Message(err), "65537 bytes") != 1 {
		t.Errorf("a 64 KiB + 1 name: %v", err)
	}
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func FuzzReadAccounts(f *testing.F) {
	for _, name := range []string{"entra-users.csv", "entra-mfa.csv", "ad-users.csv", "okta-users.csv", "google-users.csv", "accounts.csv", "accounts-bad.csv", "accounts-truncated.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, format := range ingest.AccountFormats {
			if format == ingest.FormatEntraMFA {
				n := 0
				info, err := ingest.ReadMFARegistrations("f.csv", bytes.NewReader(data), func(m *ingest.MFARegistration) error {
					if m.Login == "" {
						t.Fatal("a registration with no user")
					}
					n++
					return nil
				})
				if err == nil && (info.Records != n || n == 0) {
					t.Fatalf("%d rows, info says %d", n, info.Records)
				}
				continue
			}
			n := 0
			info, err := ingest.ReadAccounts("f.csv", bytes.NewReader(data), format, func(a *ingest.Account) error {
				if a.Login == "" || a.Source != format {
					t.Fatalf("account %+v", a)
				}
				for _, d := range []string{a.Created, a.LastLogin, a.PasswordSet} {
					if d != "" && len(d) != 10 {
						t.Fatalf("date %q", d)
					}
				}
				n++
				return nil
			})
			if err == nil && (info.Records != n || n == 0) {
				t.Fatalf("%s: %d accounts, info says %d", format, n, info.Records)
			}
		}
	})
}

// What Windows PowerShell 5.1 writes with Export-Csv -NoTypeInformation
// -Encoding UTF8 — a byte-order mark, then a quoted header, CRLF — and
// PowerShell 7's default (no mark, quoted, CRLF) are recognised and read.
func TestReadPowerShellExports(t *testing.T) {
	header := `"UserPrincipalName","DisplayName","AccountEnabled","Mail"`
	row := `"raj@riverside.example","Raj Kumar","True","raj@riverside.example"`
	for name, body := range map[string]string{
		"Windows PowerShell 5.1": "\ufeff" + header + "\r\n" + row + "\r\n",
		"PowerShell 7":           header + "\r\n" + row + "\r\n",
	} {
		if got := ingest.Detect([]byte(body)); got != ingest.FormatEntraUsers {
			t.Errorf("%s: detected as %q", name, got)
			continue
		}
		var got []*ingest.Account
		if _, err := ingest.ReadAccounts("users.csv", strings.NewReader(body), ingest.FormatEntraUsers, func(a *ingest.Account) error { got = append(got, a); return nil }); err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if len(got) != 1 || got[0].Login != "raj@riverside.example" || !got[0].Enabled || got[0].Name != "Raj Kumar" {
			t.Errorf("%s: %+v", name, got)
		}
	}
}
