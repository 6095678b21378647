package store_test

import (
	"go/build"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The store is repositories: neither it nor anything it imports holds a
// service or a domain rule. Those live in the services (checks run in
// checkrun, the risk analysis in riskanalysis, training evaluation in
// training, the matching rules in identity, the checks' catalog in
// check, …), which call the store or give it their data when it is
// opened; the store only reads the records' packages.
func TestStoreImportsNoService(t *testing.T) {
	const module = "github.com/safeguard-health/safeguard/"
	services := []string{"check", "checkrun", "identity", "findings", "riskanalysis", "training", "dataimport", "jobs", "notify", "report", "web", "cli"}
	seen := map[string]bool{}
	var walk func(path string, via []string)
	walk = func(path string, via []string) {
		if seen[path] {
			return
		}
		seen[path] = true
		rel := strings.TrimPrefix(path, module+"internal/")
		if slices.Contains(services, rel) {
			t.Errorf("the store reaches the service %s through %s", rel, strings.Join(via, " → "))
		}
		dir := filepath.Join("..", "..", strings.TrimPrefix(path, module))
		pkg, err := build.ImportDir(dir, 0)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		for _, imp := range pkg.Imports {
			if strings.HasPrefix(imp, module) {
				walk(imp, append(slices.Clone(via), strings.TrimPrefix(imp, module+"internal/")))
			}
		}
	}
	walk(module+"internal/store", []string{"store"})
	for _, want := range []string{"risk", "workforce", "assessment"} {
		if !seen[module+"internal/"+want] {
			t.Errorf("the store no longer reads %s: update this test's account of the layers", want)
		}
	}
}
