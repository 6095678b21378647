package generate_test

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/safeguard-health/safeguard/internal/catalog/generate"
)

// primaryDir finds ../shared/data/primary beside the repository.
func primaryDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	for ; dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			p := filepath.Join(dir, "..", "shared", "data", "primary")
			if _, err := os.Stat(filepath.Join(p, generate.ECFRFile)); err != nil {
				t.Skipf("primary sources not found at %s; the generated files are checked where they are present", p)
			}
			return p
		}
	}
	t.Fatal("go.mod not found")
	return ""
}

// The embedded data files are exactly what the generator makes from the
// primary sources: nobody edited them by hand, and a new release is one
// re-run of `go run ./internal/catalog/gen`.
func TestGeneratedFilesAreCurrent(t *testing.T) {
	files, err := generate.Files(primaryDir(t))
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range files {
		got, err := os.ReadFile(filepath.Join("..", "data", name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("internal/catalog/data/%s differs from what the generator makes; run: go run ./internal/catalog/gen", name)
		}
	}
}
