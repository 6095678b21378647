package checkrun

import (
	"fmt"
	"strings"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/inventory"
)

// InventoryResult judges assets.inventory from a reconciliation: not met
// when the data shows something the inventory lacks; partly met when only
// assets go unseen; met when both agree; unknown without devices or scans
// to compare. The records are the missing things (heavier) and the unseen
// assets.
func InventoryResult(rec *inventory.Reconciliation, sink RecordSink) (*check.Result, error) {
	c, _ := check.ByID("assets.inventory")
	r := &check.Result{Check: c, Counts: map[string]int{"missing": len(rec.Missing), "unseen": len(rec.Stale),
		"devices": rec.Sources["devices"], "scanned": rec.Sources["scanned"], "endpoints": rec.Sources["endpoints"]}, Records: []check.Record{}}
	kinds := map[string]int{}
	for _, m := range rec.Missing {
		kinds[m.Kind]++
		reason := fmt.Sprintf("a %s %s shows, that no asset of the inventory names", m.Kind, m.Source)
		if m.LastSeen != "" {
			reason += ", last seen " + m.LastSeen
		}
		if m.Detail != "" {
			reason += " (" + m.Detail + ")"
		}
		r.Records = append(r.Records, check.Record{Kind: m.Kind, ID: m.Key, Label: m.Name, Reason: reason, Weight: 2})
	}
	for _, s := range rec.Stale {
		reason := fmt.Sprintf("no scan or device export has seen it (%s) in the last %d days", strings.Join(s.Names, ", "), rec.Window)
		if s.LastSeen == "" {
			reason = fmt.Sprintf("no scan or device export has ever seen it (%s)", strings.Join(s.Names, ", "))
		} else {
			reason += "; last seen " + s.LastSeen
		}
		r.Records = append(r.Records, check.Record{Kind: "asset", ID: s.AssetID, Label: s.Name, Reason: reason, Weight: 1})
	}
	var parts []string
	for _, k := range []string{"device", "host", "endpoint"} {
		if kinds[k] > 0 {
			parts = append(parts, plural(kinds[k], k, k+"s"))
		}
	}
	switch {
	case rec.Sources["devices"]+rec.Sources["scanned"]+rec.Sources["endpoints"] == 0:
		r.GoalStatus, r.Detail = assessment.Unknown, "nothing to compare the inventory with: import a device export or a scan"
	case len(rec.Missing) > 0:
		r.GoalStatus = assessment.NotMet
		r.Detail = "missing from the inventory: " + strings.Join(parts, ", ")
		if len(rec.Stale) > 0 {
			r.Detail += fmt.Sprintf("; %s unseen in %d days", plural(len(rec.Stale), "asset", "assets"), rec.Window)
		}
	case len(rec.Stale) > 0:
		r.GoalStatus = assessment.PartlyMet
		r.Detail = fmt.Sprintf("%s unseen by any scan or device export in %d days", plural(len(rec.Stale), "asset", "assets"), rec.Window)
	default:
		r.GoalStatus = assessment.Met
		r.Detail = fmt.Sprintf("the inventory names every device, scanned host and TLS endpoint, and each was seen within %d days", rec.Window)
	}
	r.Status = verdict(r.GoalStatus)
	if err := finish(r, sink); err != nil {
		return nil, err
	}
	return r, nil
}
