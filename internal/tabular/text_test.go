package tabular_test

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/tabular"
)

// Text passes UTF-8 through whatever the reads cut, and names the line of
// the first byte that is not UTF-8 or a character the file ends inside.
func TestTextRefusesWhatIsNotUTF8(t *testing.T) {
	good := "name\nJosé Müller\n日本語,🙂\n"
	got, err := io.ReadAll(tabular.Text("a.csv", iotest.OneByteReader(strings.NewReader(good))))
	if err != nil || string(got) != good {
		t.Errorf("UTF-8 read a byte at a time: %q, %v", got, err)
	}
	for name, tc := range map[string]struct{ data, want string }{
		"Latin-1":        {"name\nOk\nJos\xe9\n", "a.csv: line 3 is not UTF-8 text (byte 0xE9)"},
		"surrogate":      {"\xed\xa0\x80\n", "a.csv: line 1 is not UTF-8 text (byte 0xED)"},
		"ends inside":    {"name\nJos\xc3", "a.csv: line 2 is not UTF-8 text (the file ends inside a character)"},
		"overlong slash": {"a\n\n\xc0\xaf", "a.csv: line 3 is not UTF-8 text (byte 0xC0)"},
	} {
		for _, one := range []bool{false, true} {
			var r io.Reader = strings.NewReader(tc.data)
			if one {
				r = iotest.OneByteReader(r)
			}
			_, err := io.ReadAll(tabular.Text("a.csv", r))
			if !errs.Is(err, errs.Invalid) || !strings.Contains(errs.Message(err), tc.want) {
				t.Errorf("%s (a byte at a time: %v): %v, want %q", name, one, err, tc.want)
			}
		}
	}
}
