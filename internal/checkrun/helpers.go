package checkrun

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
)

// sortRecords orders records heaviest first, then by label.
func sortRecords(rs []check.Record) {
	slices.SortFunc(rs, func(a, b check.Record) int {
		return cmp.Or(cmp.Compare(b.Weight, a.Weight), cmp.Compare(a.Label, b.Label), cmp.Compare(a.ID, b.ID))
	})
}

// finish sorts a result's records heaviest first and counts them; with a
// sink, it hands them to it in that order and keeps none.
func finish(r *check.Result, sink RecordSink) error {
	sortRecords(r.Records)
	r.RecordCount = len(r.Records)
	if sink == nil {
		return nil
	}
	for _, rec := range r.Records {
		if err := sink(r.Check.ID, rec); err != nil {
			return err
		}
	}
	r.Records = []check.Record{}
	return nil
}

// verdicts are the names a check found failing, only warned and not
// checked, each in the order found.
type verdicts struct{ failing, warned, unknown []string }

// status is the goal's: not met when a name fails, unknown when one was
// not checked, partly met when one only warns, met otherwise.
func (v *verdicts) status() assessment.GoalStatus {
	switch {
	case len(v.failing) > 0:
		return assessment.NotMet
	case len(v.unknown) > 0:
		return assessment.Unknown
	case len(v.warned) > 0:
		return assessment.PartlyMet
	}
	return assessment.Met
}

// parts words them for a detail ("failing (a, b)"), the not checked as
// unchecked says, at most clip names each (all when 0).
func (v *verdicts) parts(unchecked string, clip int) []string {
	var out []string
	for _, g := range []struct {
		what  string
		names []string
	}{{"failing", v.failing}, {"warned", v.warned}, {unchecked, v.unknown}} {
		if len(g.names) == 0 {
			continue
		}
		names := g.names
		if clip > 0 {
			names = clipNames(names, clip)
		}
		out = append(out, fmt.Sprintf("%s (%s)", g.what, strings.Join(names, ", ")))
	}
	return out
}

// verdict is a check's status from its goal status.
func verdict(g assessment.GoalStatus) check.Status {
	switch g {
	case assessment.Met:
		return check.Pass
	case assessment.Unknown:
		return check.Unknown
	}
	return check.Fail
}

func plural(n int, one, many string) string {
	if n == 1 {
		return fmt.Sprintf("%d %s", n, one)
	}
	return fmt.Sprintf("%d %s", n, many)
}

// daysBetween is the number of days from day a to day b (YYYY-MM-DD);
// 0 when either is not a date.
func daysBetween(a, b string) int {
	ta, err1 := time.Parse(time.DateOnly, a)
	tb, err2 := time.Parse(time.DateOnly, b)
	if err1 != nil || err2 != nil {
		return 0
	}
	return int(tb.Sub(ta).Hours() / 24)
}
