package checkrun_test

import (
	"testing"

	"github.com/safeguard-health/safeguard/internal/catalog"
	"github.com/safeguard-health/safeguard/internal/check"
)

// Every check cites a goal and provisions the catalog holds, so that its
// pages name them as a person reads them.
func TestChecksCiteTheCatalog(t *testing.T) {
	reg, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range check.Catalog {
		ids := append([]string{}, c.Items...)
		if c.Goal != "" {
			ids = append(ids, c.Goal)
		}
		for _, id := range ids {
			if _, ok := reg.Item(id); !ok {
				t.Errorf("%s cites %s, which the catalog does not hold", c.ID, id)
			}
		}
	}
}
