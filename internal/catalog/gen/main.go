// Command gen builds the catalog's generated data files from the publishers'
// own machine-readable exports:
//
//   - the eCFR XML of 45 CFR Part 164 Subpart C (the HIPAA Security Rule):
//     citations, titles, Required/Addressable and text;
//   - NIST's CPRT export of SP 800-66 Rev. 2: which paragraphs are standards,
//     and each standard's key activities, descriptions, sample questions and
//     related publications;
//   - NIST's CSF 2.0 reference-tool export: functions, categories and
//     subcategories.
//
// A new release of any of them is one re-run:
//
//	go run ./internal/catalog/gen -primary ../shared/data/primary -out internal/catalog/data
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/safeguard-health/safeguard/internal/catalog/generate"
)

func main() {
	primary := flag.String("primary", "../shared/data/primary", "folder holding the primary-source exports")
	out := flag.String("out", "internal/catalog/data", "folder to write the generated catalog files to")
	flag.Parse()
	if err := run(*primary, *out); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func run(primary, out string) error {
	files, err := generate.Files(primary)
	if err != nil {
		return err
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
