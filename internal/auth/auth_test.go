package auth_test

import (
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/auth"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// fast keeps the tests quick; production uses auth.DefaultArgon2.
var fast = auth.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1}

func TestHashAndVerify(t *testing.T) {
	h := auth.NewHasher(fast, nil)
	enc, err := h.Hash("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("hash %q is not a PHC argon2id string", enc)
	}
	if ok, rehash := h.Verify("correct horse battery staple", enc); !ok || rehash {
		t.Errorf("verify right password: ok %v, rehash %v", ok, rehash)
	}
	if ok, _ := h.Verify("correct horse battery stapler", enc); ok {
		t.Error("a wrong password verified")
	}
	again, _ := h.Hash("correct horse battery staple")
	if again == enc {
		t.Error("two hashes of one password are equal: no salt")
	}
	// A stronger cost asks for a rehash at the next login.
	if ok, rehash := auth.NewHasher(auth.Argon2Params{MemoryKiB: 2048, Time: 1, Threads: 1}, nil).Verify("correct horse battery staple", enc); !ok || !rehash {
		t.Errorf("after a cost change: ok %v, rehash %v", ok, rehash)
	}
	// NFKC: the same characters typed differently verify.
	uni, _ := h.Hash("ｐａｓｓｐｈｒａｓｅ with wide letters")
	if ok, _ := h.Verify("passphrase with wide letters", uni); !ok {
		t.Error("NFKC-equivalent password did not verify")
	}
}

func TestPepper(t *testing.T) {
	peppered := auth.NewHasher(fast, []byte("install-secret"))
	enc, _ := peppered.Hash("correct horse battery staple")
	if ok, _ := peppered.Verify("correct horse battery staple", enc); !ok {
		t.Fatal("peppered password did not verify")
	}
	if ok, _ := auth.NewHasher(fast, nil).Verify("correct horse battery staple", enc); ok {
		t.Error("verified without the pepper")
	}
	if ok, _ := auth.NewHasher(fast, []byte("other")).Verify("correct horse battery staple", enc); ok {
		t.Error("verified with another pepper")
	}
}

func TestVerifyRejectsMalformedHashes(t *testing.T) {
	h := auth.NewHasher(fast, nil)
	for _, enc := range []string{
		"", "plain", "$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5a2V5a2V5",
		"$argon2id$v=19$m=1024,t=1,p=1$!!$a2V5",
	} {
		if ok, _ := h.Verify("x", enc); ok {
			t.Errorf("malformed hash %q verified", enc)
		}
	}
}

func FuzzVerify(f *testing.F) {
	h := auth.NewHasher(fast, nil)
	good, _ := h.Hash("correct horse battery staple")
	f.Add("correct horse battery staple", good)
	f.Add("x", "$argon2id$v=19$m=1,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, pw, enc string) {
		h.Verify(pw, enc) // must not panic or exhaust memory
	})
}

func TestPasswordPolicy(t *testing.T) {
	p := auth.DefaultPasswordPolicy
	for _, tc := range []struct {
		pw   string
		want string // "" accepts
	}{
		{"correct horse battery staple", ""},
		{"Tr0ub4dor&3", "at least 15"},
		{"passwordpassword", "repeats a short or common pattern"},
		{"abcdefghijklmnop", "run of consecutive characters"},
		{"my dog likes long walks", ""},
		{strings.Repeat("a", 20), "repeats a short or common pattern"},
		{strings.Repeat("1234", 4), "repeats a short or common pattern"},
		{"jane.doe@clinic.example", "too close to your name"},
		{"jane.doe.clinic", "too close to your name"},
		{"safeguard-2026!!", "name of this service"},
		{strings.Repeat("long passphrase ", 20), "at most 256"},
		{"\xff\xfe not text at all", "not valid text"},
		{"ünïcödé pässphrâse wörks", ""},
		// Long enough, on no list, and easy to guess all the same.
		{"123456789012345", "easy to guess"},
		{"qwertyuiopasdfgh", "easy to guess"},
		{"1qaz2wsx3edc4rfv", "common passwords, words or names"},
		{"Password1234567!", "common passwords, words or names"},
		{"a quiet river under the old bridge", ""},
	} {
		err := p.Check(tc.pw, "Jane Doe", "jane.doe@clinic.example", "Riverside Family Clinic")
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%q rejected: %v", tc.pw, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errs.Is(err, errs.Invalid)):
			t.Errorf("%q: err = %v, want it to say %q", tc.pw, err, tc.want)
		}
	}
	// The shipped list is loaded.
	if err := (auth.PasswordPolicy{MinLength: 8, MaxLength: 64}).Check("baseball"); err == nil {
		t.Error("baseball, from the common-password list, was accepted")
	}
}

func TestRoles(t *testing.T) {
	for in, want := range map[string]auth.Role{"owner": auth.Owner, "Security-Officer": auth.SecurityOfficer, " auditor ": auth.Auditor} {
		if r, err := auth.ParseRole(in); err != nil || r != want {
			t.Errorf("ParseRole(%q) = %v, %v", in, r, err)
		}
	}
	if _, err := auth.ParseRole("admin"); !errs.Is(err, errs.Invalid) || !strings.Contains(err.Error(), "security_officer") {
		t.Errorf("ParseRole(admin) = %v", err)
	}
}

func TestRandomPassword(t *testing.T) {
	a, b := auth.RandomPassword(), auth.RandomPassword()
	if a == b || len(a) < 20 {
		t.Errorf("random passwords %q, %q", a, b)
	}
	if err := auth.DefaultPasswordPolicy.Check(a); err != nil {
		t.Errorf("a generated password fails the policy: %v", err)
	}
}

// The role table, written out as the product defines the roles: the owner
// manages the organisation; the security officer runs the program; the
// auditor reads everything, the audit log included, and changes nothing;
// contributors answer and upload evidence; workforce members see the
// organisation only (their own training comes with the workforce pages).
func TestRoleGrants(t *testing.T) {
	all := []auth.Permission{auth.ViewOrg, auth.ViewMembers, auth.ManageMembers, auth.ViewAudit, auth.ManageSettings, auth.ManageTokens,
		auth.ViewProgram, auth.EditProfile, auth.ManageAssessments, auth.Answer, auth.UploadEvidence}
	program := []auth.Permission{auth.ViewProgram, auth.EditProfile, auth.ManageAssessments, auth.Answer, auth.UploadEvidence}
	want := map[auth.Role][]auth.Permission{
		auth.Owner:           all,
		auth.SecurityOfficer: append([]auth.Permission{auth.ViewOrg, auth.ViewMembers}, program...),
		auth.Auditor:         {auth.ViewOrg, auth.ViewMembers, auth.ViewAudit, auth.ViewProgram},
		auth.Contributor:     {auth.ViewOrg, auth.ViewProgram, auth.Answer, auth.UploadEvidence},
		auth.Workforce:       {auth.ViewOrg},
	}
	for _, r := range auth.Roles {
		granted := map[auth.Permission]bool{}
		for _, p := range want[r.Role] {
			granted[p] = true
		}
		for _, p := range all {
			if r.Role.Can(p) != granted[p] {
				t.Errorf("%s can %s: %v, want %v", r.Role, p, r.Role.Can(p), granted[p])
			}
			if p.Privileged() && r.Role.Can(p) && r.Role != auth.Owner {
				t.Errorf("%s holds privileged %s: only owners may", r.Role, p)
			}
		}
	}
	if auth.Role("admin").Can(auth.ViewOrg) {
		t.Error("an unknown role is granted something")
	}
}
