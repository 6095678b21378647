package auth

import (
	"bufio"
	_ "embed"
	"fmt"
	"math"
	"slices"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/trustelem/zxcvbn"
)

// commonPasswords is Openwall's list of common passwords (Solar Designer,
// 1996–2011, "assumed to be in the public domain"), as Debian's john-data
// package ships it in /usr/share/john/password.lst.
//
//go:embed common-passwords.txt
var commonPasswords string

var blocklist = func() map[string]bool {
	m := map[string]bool{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswords))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#!comment:") {
			continue
		}
		m[strings.ToLower(line)] = true
	}
	return m
}()

// PasswordPolicy follows NIST SP 800-63B Rev. 4 (section 3.1.1.2): length
// over composition, no composition rules, no periodic change, a check
// against commonly used and compromised values and against words from the
// context of the service; every printing character and space allowed. On
// top of the blocklist, zxcvbn's estimate of guessability refuses what an
// attacker's rules find quickly (keyboard walks, a common word with a
// sequence after it), naming what made it easy.
type PasswordPolicy struct {
	// MinLength is 15 where the password may be the only factor and may be
	// 8 where it is always one of two (SP 800-63B Rev. 4: "at least 15
	// characters" for single-factor use, 8 when used with MFA).
	MinLength int
	// MaxLength must allow at least 64 characters.
	MaxLength int
}

// DefaultPasswordPolicy assumes a password may be used alone.
var DefaultPasswordPolicy = PasswordPolicy{MinLength: 15, MaxLength: 256}

// Check returns an Invalid error saying what is wrong with password, or nil.
// context holds words a password must not be (the user's email and name, the
// organisation's name): guessable from the account itself.
func (p PasswordPolicy) Check(password string, context ...string) error {
	pw := norm.NFKC.String(password)
	n := utf8.RuneCountInString(pw)
	switch {
	case !utf8.ValidString(password):
		return errs.New(errs.Invalid, "the password is not valid text")
	case n < p.MinLength:
		return errs.New(errs.Invalid, fmt.Sprintf("the password must be at least %d characters long (a passphrase of several words is easiest to remember)", p.MinLength))
	case n > p.MaxLength:
		return errs.New(errs.Invalid, fmt.Sprintf("the password must be at most %d characters long", p.MaxLength))
	}
	lower := strings.ToLower(pw)
	if blocklist[lower] {
		return errs.New(errs.Invalid, "the password is on a list of commonly used passwords; choose another")
	}
	if unit := repeatedUnit(lower); unit != "" && (len([]rune(unit)) <= 4 || blocklist[unit]) {
		return errs.New(errs.Invalid, "the password repeats a short or common pattern; choose another")
	}
	if sequential(lower) {
		return errs.New(errs.Invalid, "the password is a run of consecutive characters; choose another")
	}
	for _, c := range contextWords(context) {
		if tooClose(lower, c) {
			return errs.New(errs.Invalid, "the password is too close to your name, email or organisation; choose another")
		}
	}
	for _, c := range []string{"safeguard", "hipaa"} {
		if tooClose(lower, c) {
			return errs.New(errs.Invalid, "the password is too close to the name of this service; choose another")
		}
	}
	return guessable(pw, append(contextWords(context), "safeguard", "hipaa"))
}

// minGuesses is how many guesses an attacker must be expected to need:
// zxcvbn's strongest score (10^10 and more), which it rates as strong
// protection even against an offline attack on a slow hash.
const minGuesses = 1e10

// guessable refuses a password that zxcvbn (Dropbox's estimate of how an
// attacker guesses: common passwords, words, names, keyboard patterns,
// sequences, repeats, dates) expects to fall in fewer than minGuesses
// guesses, saying what made it easy.
func guessable(pw string, context []string) error {
	r := zxcvbn.PasswordStrength(pw, context)
	if r.Guesses >= minGuesses {
		return nil
	}
	names := map[string]string{"dictionary": "common passwords, words or names", "spatial": "keyboard patterns", "repeat": "repeated text",
		"sequence": "runs of characters", "date": "dates", "regex": "recent years"}
	var made []string
	for _, m := range r.Sequence {
		if n, ok := names[m.Pattern]; ok && !slices.Contains(made, n) {
			made = append(made, n)
		}
	}
	why := ""
	if len(made) > 0 {
		why = ": it is made of " + strings.Join(made, " and ")
	}
	return errs.New(errs.Invalid, fmt.Sprintf("the password is easy to guess (about 10^%.0f guesses%s); a few words only you would put together are stronger", math.Floor(math.Log10(max(r.Guesses, 1))), why))
}

// tooClose reports whether the password is little more than word: what is
// left once every occurrence of word is taken out is under 8 characters.
func tooClose(password, word string) bool {
	if len([]rune(word)) < 4 || !strings.Contains(password, word) {
		return false
	}
	return utf8.RuneCountInString(strings.ReplaceAll(password, word, "")) < 8
}

// repeatedUnit returns the shortest unit the password is a repetition of
// ("ab" for "abababab"), or "" if it is not one.
func repeatedUnit(pw string) string {
	r := []rune(pw)
	for n := 1; n <= len(r)/2; n++ {
		if len(r)%n == 0 && strings.Repeat(string(r[:n]), len(r)/n) == pw {
			return string(r[:n])
		}
	}
	return ""
}

// sequential reports whether every character follows the one before it, up
// or down ("abcdefgh", "98765432").
func sequential(pw string) bool {
	r := []rune(pw)
	if len(r) < 3 {
		return false
	}
	step := r[1] - r[0]
	if step != 1 && step != -1 {
		return false
	}
	for i := 2; i < len(r); i++ {
		if r[i]-r[i-1] != step {
			return false
		}
	}
	return true
}

// contextWords lower-cases the context and splits emails into their parts.
func contextWords(context []string) []string {
	var out []string
	for _, c := range context {
		c = strings.ToLower(strings.TrimSpace(c))
		if c == "" {
			continue
		}
		out = append(out, c)
		if local, _, ok := strings.Cut(c, "@"); ok {
			out = append(out, local)
		}
	}
	return out
}
