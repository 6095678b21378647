package store_test

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/ingest"
	"github.com/safeguard-health/safeguard/internal/org"
	"github.com/safeguard-health/safeguard/internal/risk"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
)

// scan is a scanner file's findings: host → vulnerability ids.
type scan map[string][]string

// importHosts imports a scan on day (days after a fixed start), saying it
// covered every host of the scan (one with no vulnerabilities was scanned
// clean); a scan with a host "!fail" fails half-way, as a truncated file
// does.
func importHosts(t *testing.T, s *store.Store, o *org.Organization, d int, name string, sc scan) error {
	t.Helper()
	return importScannerHosts(t, s, o, "nessus", d, name, sc)
}

// importScannerHosts is importHosts of another scanner's scan.
func importScannerHosts(t *testing.T, s *store.Store, o *org.Organization, scanner string, d int, name string, sc scan) error {
	t.Helper()
	at := day(d)
	scoped := s.WithClock(func() time.Time { return at }).Scope(o)
	_, err := scoped.ImportFindings(context.Background(), scanner, name, name+"-sha", 1, func(emit func(ingest.Finding) error) (*ingest.ScanInfo, error) {
		for _, host := range slices.Sorted(maps.Keys(sc)) {
			if host == "!fail" {
				return nil, errs.New(errs.Invalid, name+": truncated")
			}
			for _, v := range sc[host] {
				if err := emit(ingest.Finding{Scanner: scanner, Host: host, VulnID: v, CVE: "CVE-2026-" + v, Severity: "high", CVSS: 7.5, Title: v}); err != nil {
					return nil, err
				}
			}
		}
		info := &ingest.ScanInfo{Scanner: scanner, SHA256: name + "-sha"}
		for host := range sc {
			info.Scanned = append(info.Scanned, ingest.Scanned{Host: host})
		}
		return info, nil
	})
	return err
}

// day is the time of the import made on day.
func day(n int) time.Time { return time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC).AddDate(0, 0, n) }

// everyFinding is every finding of the organisation, and when each import
// was made.
func everyFinding(t *testing.T, ctx context.Context, sc *store.Scoped) ([]*store.Finding, map[string]time.Time) {
	t.Helper()
	all, err := sc.Findings(ctx, "", 100000)
	if err != nil {
		t.Fatal(err)
	}
	imports, err := sc.DataImports(ctx, 1000)
	if err != nil {
		t.Fatal(err)
	}
	when := map[string]time.Time{}
	for _, d := range imports {
		when[d.ID] = d.ImportedAt
	}
	return all, when
}

// recomputed is what the open findings are by definition, worked out
// from every finding: those of their scanner's newest import that covered
// their place (asset, or host and target) — reporting on it, or scanning
// it clean (clean: scanner and place → when) — each with the day its
// place first reported its vulnerability, to any scanner.
func recomputed(t *testing.T, ctx context.Context, sc *store.Scoped, clean map[string][]time.Time) map[string]string {
	t.Helper()
	all, when := everyFinding(t, ctx, sc)
	key := func(f *store.Finding) string {
		if f.AssetID != "" {
			return f.Scanner + " " + f.AssetID
		}
		return f.Scanner + " " + f.Host + "|" + f.Target
	}
	newest, first := map[string]time.Time{}, map[string]time.Time{}
	for k, times := range clean {
		for _, at := range times {
			if at.After(newest[k]) {
				newest[k] = at
			}
		}
	}
	// When a place first reported a vulnerability is by any scanner: a
	// CVE an agent reports today was there when a network scan found it.
	firstKey := func(f *store.Finding) string {
		_, k, _ := strings.Cut(key(f), " ")
		return k + " " + f.VulnID
	}
	for _, f := range all {
		k, at := key(f), when[f.ImportID]
		if at.After(newest[k]) {
			newest[k] = at
		}
		if v, ok := first[firstKey(f)]; !ok || at.Before(v) {
			first[firstKey(f)] = at
		}
	}
	out := map[string]string{}
	for _, f := range all {
		if k := key(f); when[f.ImportID].Equal(newest[k]) {
			out[f.ID] = first[firstKey(f)].Format(time.DateOnly)
		}
	}
	return out
}

// recomputedTrend is the trend by definition, from every finding: for
// each place, what its newest import reported that the one before did not
// (new), the reverse (fixed), and both (still open), with their days.
func recomputedTrend(t *testing.T, ctx context.Context, sc *store.Scoped, clean map[string][]time.Time) map[string]string {
	t.Helper()
	all, when := everyFinding(t, ctx, sc)
	type mark struct{ vuln, cve, pkg string }
	scans := map[string]map[time.Time]map[mark]bool{} // place → scan → what it reported
	name := map[string]string{}
	for _, f := range all {
		k := f.Scanner + " " + f.AssetID
		name[k] = f.Scanner + " " + f.AssetID
		if f.AssetID == "" {
			k = f.Scanner + " " + f.Host + "|" + f.Target
			name[k] = f.Scanner + " " + strings.Trim(f.Host+" "+f.Target, " ")
		}
		if scans[k] == nil {
			scans[k] = map[time.Time]map[mark]bool{}
		}
		at := when[f.ImportID]
		if scans[k][at] == nil {
			scans[k][at] = map[mark]bool{}
		}
		scans[k][at][mark{f.VulnID, f.CVE, f.Package}] = true
	}
	for k, times := range clean {
		for _, at := range times {
			if scans[k] != nil { // a place never reported on is not in the trend
				scans[k][at] = map[mark]bool{}
			}
		}
	}
	out := map[string]string{}
	for k, byTime := range scans {
		times := slices.SortedFunc(maps.Keys(byTime), func(a, b time.Time) int { return b.Compare(a) })
		cur, prev, previous := byTime[times[0]], map[mark]bool{}, ""
		if len(times) > 1 {
			prev, previous = byTime[times[1]], times[1].Format(time.DateOnly)
		}
		var n, fixed, still int
		for m := range cur {
			if prev[m] {
				still++
			} else {
				n++
			}
		}
		for m := range prev {
			if !cur[m] {
				fixed++
			}
		}
		out[name[k]] = fmt.Sprintf("%s %s new %d fixed %d still %d", times[0].Format(time.DateOnly), previous, n, fixed, still)
	}
	return out
}

// keptTrend is the trend as the API reads it, two places a page, most
// fixed first; the totals and the count of places agree with the pages.
func keptTrend(t *testing.T, ctx context.Context, sc *store.Scoped) map[string]string {
	t.Helper()
	out := map[string]string{}
	var first *store.Trend
	var n, fixed, still int
	prev := [2]int{1 << 30, 1 << 30}
	for after := ""; ; {
		tr, err := sc.FindingsTrend(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if first == nil {
			first = tr
		}
		for _, p := range tr.Places {
			k := p.Scanner + " " + p.Place
			if p.AssetID != "" {
				k = p.Scanner + " " + p.AssetID
			}
			out[k] = fmt.Sprintf("%s %s new %d fixed %d still %d", p.Newest, p.Previous, p.New, p.Fixed, p.Still)
			if p.Fixed > prev[0] || p.Fixed == prev[0] && p.New > prev[1] {
				t.Errorf("%s (fixed %d, new %d) after one with %v", p.Place, p.Fixed, p.New, prev)
			}
			prev = [2]int{p.Fixed, p.New}
			n, fixed, still = n+p.New, fixed+p.Fixed, still+p.Still
		}
		if tr.Next == "" {
			break
		}
		after = tr.Next
	}
	if first.Count != len(out) || first.New != n || first.Fixed != fixed || first.Still != still {
		t.Errorf("the trend's tally: %d places, %d new, %d fixed, %d still; its pages: %d, %d, %d, %d", first.Count, first.New, first.Fixed, first.Still, len(out), n, fixed, still)
	}
	return out
}

// kept is the open findings as the pages read them, page by page, in the
// order to fix: the state kept when each import landed. The tally the
// checks read agrees.
func kept(t *testing.T, ctx context.Context, sc *store.Scoped) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, f := range storetest.EveryOpen(t, ctx, sc) {
		out[f.ID] = f.FirstSeen
	}
	if n, err := sc.OpenFindings(ctx); err != nil || n != len(out) {
		t.Errorf("the tally says %d open, the pages %d (%v)", n, len(out), err)
	}
	return out
}

// The open findings and the trend kept at write time agree with their recomputation
// from every finding after every kind of import: a first scan, a later
// scan of some of the hosts (closing what it no longer reports, keeping
// when the rest were first seen), a scan of a new host, a host matched to
// an asset, a file imported again, a failed import, a host scanned clean,
// and another organisation's scans.
func TestFindingsStateKeptAtWriteTime(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		o := storetest.Clinic("riverside")
		other := storetest.Clinic("lakeside")
		for _, x := range []*org.Organization{o, other} {
			if err := s.CreateOrganization(ctx, x); err != nil {
				t.Fatal(err)
			}
		}
		sc := s.Scope(o)
		if err := sc.CreateAsset(ctx, &risk.Asset{Name: "EHR gateway", Type: risk.System, Identifiers: []string{"gw.riverside.example"}}); err != nil {
			t.Fatal(err)
		}
		clean := map[string][]time.Time{}
		check := func(step string, wantOpen int) {
			t.Helper()
			want, got := recomputed(t, ctx, sc, clean), kept(t, ctx, sc)
			if !maps.Equal(want, got) {
				t.Errorf("%s: kept %v\nrecomputed %v", step, got, want)
			}
			if len(got) != wantOpen {
				t.Errorf("%s: %d open, want %d", step, len(got), wantOpen)
			}
			if want, got := recomputedTrend(t, ctx, sc, clean), keptTrend(t, ctx, sc); !maps.Equal(want, got) {
				t.Errorf("%s: trend kept %v\nrecomputed %v", step, got, want)
			}
			// The hosts no asset matched: those with findings, and those
			// scanned clean (the gateway is the inventory's).
			all, _ := everyFinding(t, ctx, sc)
			unmatched := map[string]bool{}
			for _, f := range all {
				if f.AssetID == "" {
					unmatched[f.Host+"|"+f.Target] = true
				}
			}
			for k := range clean {
				if _, pl, _ := strings.Cut(k, " "); pl != "gw.riverside.example|" {
					unmatched[pl] = true
				}
			}
			if n, err := sc.UnmatchedPlaces(ctx); err != nil || n != len(unmatched) {
				t.Errorf("%s: %d hosts kept as not in the inventory (%v), recomputed %d: %v", step, n, err, len(unmatched), unmatched)
			}
		}
		steps := []struct {
			day     int
			name    string
			scanner string // "" for nessus
			scan    scan
			fails   bool
			open    int
			because string
		}{
			{0, "week-1.nessus", "", scan{"10.0.0.1": {"A", "B", "C", "A"}, "gw.riverside.example": {"A", "D"}}, false, 6, "a first scan (A reported twice on one host: one finding new)"},
			{7, "week-2.nessus", "", scan{"10.0.0.1": {"A", "E"}}, false, 4, "10.0.0.1 rescanned: B and C fixed, E new; the gateway untouched"},
			{8, "week-2-again.nessus", "", scan{"10.0.0.1": {"A", "E"}}, false, 4, "another file with the same findings, a day later"},
			{9, "cut.nessus", "", scan{"10.0.0.1": {"Z"}, "!fail": nil}, true, 4, "a failed import changes nothing"},
			{14, "week-3.nessus", "", scan{"10.0.0.2": {"A"}, "gw.riverside.example": {"D", "F"}}, false, 5, "a new host, and the gateway (an asset) rescanned"},
			{21, "week-4.nessus", "", scan{"10.0.0.1": {"B"}}, false, 4, "B back on 10.0.0.1, first seen in week 1"},
			{24, "week-4-clean.nessus", "", scan{"10.0.0.2": {}, "10.0.0.9": {}}, false, 3, "10.0.0.2 scanned clean: its A fixed; 10.0.0.9 never had a finding"},
			{25, "agent.json", "defender", scan{"10.0.0.1": {"B", "G"}}, false, 5, "an endpoint agent's scan of 10.0.0.1 adds its own findings and closes none of Nessus's"},
			{26, "agent-clean.json", "defender", scan{"10.0.0.1": {}, "gw.riverside.example": {}}, false, 3, "the agent's clean scan closes its own findings only"},
			{27, "week-5.nessus", "", scan{"10.0.0.1": {"H"}}, false, 3, "Nessus's rescan closes Nessus's B, not the agent's (already closed)"},
		}
		for _, st := range steps {
			scanner := cmp.Or(st.scanner, "nessus")
			err := importScannerHosts(t, s, o, scanner, st.day, st.name, st.scan)
			if st.fails != (err != nil) {
				t.Fatalf("%s: %v", st.name, err)
			}
			if err == nil {
				for host, vulns := range st.scan {
					if len(vulns) == 0 {
						clean[scanner+" "+host+"|"] = append(clean[scanner+" "+host+"|"], day(st.day))
					}
				}
			}
			check(st.name+" ("+st.because+")", st.open)
		}
		// The same file again is recognised: nothing is written.
		if err := importHosts(t, s, o, 22, "week-4.nessus", scan{"10.0.0.1": {"B"}}); err != nil {
			t.Fatal(err)
		}
		check("week-4 imported again", 3)
		// B reappeared in week 4 after being fixed in week 2: first seen in week 1.
		got := kept(t, ctx, sc)
		weeks := slices.Sorted(maps.Values(got))
		if !slices.Contains(weeks, "2026-03-01") {
			t.Errorf("first seen days: %v", weeks)
		}
		// Another organisation's scans of the same host close nothing here.
		if err := importHosts(t, s, other, 30, "lakeside.nessus", scan{"10.0.0.1": {"Q"}}); err != nil {
			t.Fatal(err)
		}
		check("another organisation's scan of the same address", 3)
		if n := len(kept(t, ctx, s.Scope(other))); n != 1 {
			t.Errorf("lakeside: %d open", n)
		}
	})
}
