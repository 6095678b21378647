// Package inventory is the service that reconciles the organisation's
// ePHI inventory (HPH CPG enhanced goal 1, asset inventory) with what its
// data shows: the devices its device managers list, the hosts its scans
// reported and the TLS endpoints it has that no asset of the inventory
// names; and the assets with names to be seen by that none of them has
// seen in a while. It adds what is missing to the inventory in one
// action, recorded with its audit entry.
package inventory

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/tlscheck"
)

// DefaultWindow is how many days an asset may go unseen by any scan or
// device export before it is named.
const DefaultWindow = 90

// Records is what reconciliation reads (store.Scoped implements it).
type Records interface {
	Assets(ctx context.Context) ([]*risk.Asset, error)
	ScannedPlaces(ctx context.Context) ([]store.ScannedPlace, error)
	EachDevice(ctx context.Context, fn func(*store.Device) error) error
	Profile(ctx context.Context) (*org.Profile, error)
	TLSResults(ctx context.Context) ([]*store.TLSResult, error)
}

// Store is what adding to the inventory needs.
type Store interface {
	Records
	CreateAssets(ctx context.Context, assets []*risk.Asset, why string) error
}

// Missing is something the organisation's data shows that no asset of
// the inventory names.
type Missing struct {
	Key         string   `json:"key"`  // kind:name, what the add action takes
	Kind        string   `json:"kind"` // device, host, endpoint
	Name        string   `json:"name"`
	Identifiers []string `json:"identifiers"` // what the new asset would be known by
	Source      string   `json:"source"`      // the export, scanner or probe that shows it
	LastSeen    string   `json:"last_seen,omitempty"`
	Detail      string   `json:"detail,omitempty"`
}

// Stale is an asset with names to be seen by, in the inventory longer than
// the window, that no scan, device export or TLS probe has seen within it.
type Stale struct {
	AssetID  string   `json:"asset"`
	Name     string   `json:"name"`
	Names    []string `json:"identifiers"`
	LastSeen string   `json:"last_seen,omitempty"` // "" for never
}

// Reconciliation is what the inventory lacks and what it holds unseen.
type Reconciliation struct {
	Window  int       `json:"window_days"`
	Missing []Missing `json:"missing"`
	Stale   []Stale   `json:"stale"`
	// Sources counts what was compared: devices, scanned places, endpoints.
	Sources map[string]int `json:"sources"`
}

// Reconcile compares the inventory with the devices, scanned hosts and TLS
// endpoints, as of now, naming assets unseen for window days (DefaultWindow
// when 0).
func Reconcile(ctx context.Context, rs Records, now time.Time, window int) (*Reconciliation, error) {
	if window <= 0 {
		window = DefaultWindow
	}
	out := &Reconciliation{Window: window, Missing: []Missing{}, Stale: []Stale{}, Sources: map[string]int{}}
	assets, err := rs.Assets(ctx)
	if err != nil {
		return nil, err
	}
	// What each asset is known by.
	known := map[string]string{} // lower-case name or identifier → asset id
	for _, a := range assets {
		known[strings.ToLower(a.Name)] = a.ID
		for _, id := range a.Identifiers {
			known[strings.ToLower(strings.TrimSpace(id))] = a.ID
		}
	}
	lastSeen := map[string]string{} // asset id → newest day seen
	seen := func(assetID, day string) {
		if day > lastSeen[assetID] {
			lastSeen[assetID] = day
		}
	}
	added := map[string]bool{}
	add := func(m Missing) {
		if !added[m.Key] {
			added[m.Key] = true
			out.Missing = append(out.Missing, m)
		}
	}

	// Devices.
	if err := rs.EachDevice(ctx, func(d *store.Device) error {
		out.Sources["devices"]++
		ids := []string{strings.ToLower(d.Name)}
		if d.Serial != "" {
			ids = append(ids, strings.ToLower(d.Serial))
		}
		for _, id := range ids {
			if a, ok := known[id]; ok {
				seen(a, d.LastSeen)
				return nil
			}
		}
		detail := d.OS
		if d.OSVersion != "" {
			detail += " " + d.OSVersion
		}
		if d.UserName != "" || d.User != "" {
			detail += ", used by " + firstOf(d.UserName, d.User)
		}
		add(Missing{Key: "device:" + strings.ToLower(d.Name), Kind: "device", Name: d.Name, Identifiers: withoutEmpty(d.Name, d.Serial), Source: ingest.FormatLabel(d.Source), LastSeen: d.LastSeen, Detail: detail})
		return nil
	}); err != nil {
		return nil, err
	}

	// Scanned places.
	places, err := rs.ScannedPlaces(ctx)
	if err != nil {
		return nil, err
	}
	for _, p := range places {
		out.Sources["scanned"]++
		day := dayOf(p.ScannedAt)
		if p.AssetID != "" {
			seen(p.AssetID, day)
			continue
		}
		name := firstOf(p.Host, p.Target)
		if a, ok := known[strings.ToLower(name)]; ok { // added since the scan
			seen(a, day)
			continue
		}
		detail := ""
		if p.Target != "" && p.Target != name {
			detail = "target " + p.Target
		}
		add(Missing{Key: "host:" + strings.ToLower(name), Kind: "host", Name: name, Identifiers: withoutEmpty(p.Host), Source: "scans", LastSeen: day, Detail: detail})
	}

	// TLS endpoints: those the profile lists, and those results name.
	p, err := rs.Profile(ctx)
	if err != nil {
		return nil, err
	}
	results, err := rs.TLSResults(ctx)
	if err != nil {
		return nil, err
	}
	endpoints := map[string]string{} // endpoint → day last checked
	for _, e := range p.TLSEndpoints {
		endpoints[e] = "" // listed; a result below dates it
	}
	for _, r := range results {
		if r.Status == tlscheck.Unknown {
			continue // not reached: nothing there to inventory
		}
		if d := r.CheckedAt.UTC().Format(time.DateOnly); d > endpoints[r.Endpoint] {
			endpoints[r.Endpoint] = d
		}
	}
	var eps []string
	for e := range endpoints {
		eps = append(eps, e)
	}
	slices.Sort(eps)
	for _, e := range eps {
		out.Sources["endpoints"]++
		host, _, err := net.SplitHostPort(e)
		if err != nil {
			host = e
		}
		if a, ok := known[strings.ToLower(host)]; ok {
			seen(a, endpoints[e])
			continue
		}
		add(Missing{Key: "endpoint:" + strings.ToLower(host), Kind: "endpoint", Name: host, Identifiers: []string{host}, Source: "TLS endpoints", LastSeen: endpoints[e], Detail: "serves TLS at " + e})
	}

	// Assets with names to be seen by, unseen within the window (an asset
	// added within it has not had the time to be).
	if out.Sources["devices"]+out.Sources["scanned"] > 0 {
		cutoff := now.UTC().AddDate(0, 0, -window)
		for _, a := range assets {
			if len(a.Identifiers) == 0 || a.CreatedAt.After(cutoff) {
				continue // a cloud service, a facility: nothing scans or manages it
			}
			if last := lastSeen[a.ID]; last < cutoff.Format(time.DateOnly) {
				out.Stale = append(out.Stale, Stale{AssetID: a.ID, Name: a.Name, Names: a.Identifiers, LastSeen: last})
			}
		}
	}
	return out, nil
}

// Add adds to the inventory the missing things whose keys are given (all
// of them when keys holds "all"), as the reconciliation of now finds them,
// in one transaction with its audit entry. It returns the assets added.
// Errors: Invalid when a key is not among the missing.
func Add(ctx context.Context, st Store, now time.Time, keys []string) ([]*risk.Asset, error) {
	rec, err := Reconcile(ctx, st, now, 0)
	if err != nil {
		return nil, err
	}
	all := slices.Contains(keys, "all")
	want := map[string]bool{}
	for _, k := range keys {
		want[k] = true
	}
	var assets []*risk.Asset
	for _, m := range rec.Missing {
		if !all && !want[m.Key] {
			continue
		}
		delete(want, m.Key)
		a := &risk.Asset{Name: m.Name, Identifiers: m.Identifiers, Criticality: risk.CriticalityModerate,
			Description: fmt.Sprintf("Added from reconciliation: %s found by %s%s.", m.Kind, m.Source, detail(m))}
		switch m.Kind {
		case "device":
			a.Type = risk.Device
		case "endpoint":
			a.Type, a.InternetFacing = risk.Application, true
		default:
			a.Type = risk.System
		}
		assets = append(assets, a)
	}
	delete(want, "all")
	for k := range want {
		return nil, errs.New(errs.Invalid, fmt.Sprintf("%s is not missing from the inventory (it was added, or nothing shows it)", k))
	}
	if len(assets) == 0 {
		return nil, errs.New(errs.Invalid, "nothing is missing from the inventory")
	}
	if err := st.CreateAssets(ctx, assets, "reconciliation: found by device exports, scans or TLS probes and missing from the inventory"); err != nil {
		return nil, err
	}
	return assets, nil
}

func detail(m Missing) string {
	if m.Detail == "" {
		return ""
	}
	return " (" + m.Detail + ")"
}

func dayOf(t string) string {
	if len(t) >= 10 {
		return t[:10]
	}
	return t
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func withoutEmpty(ss ...string) []string {
	out := []string{}
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}
