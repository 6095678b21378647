package checkrun_test

import (
	"strings"
	"testing"

	"github.com/safeguard-health/safeguard/internal/assessment"
	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/checkrun"
)

// The alignment check from the aggregate reports' sources: met at 98%
// with no sender of the organisation's failing; partly met from 90%; not
// met below; unknown without reports. The sources that fail are its
// records, each saying what p=reject would refuse and what the source is.
func TestAlignmentThresholds(t *testing.T) {
	src := func(domain, ip string, messages, passed int64) *check.DMARCSource {
		return &check.DMARCSource{Domain: domain, SourceIP: ip, Messages: messages, Passed: passed, DKIMPassed: passed, First: "2026-11-20", Last: "2026-12-04"}
	}
	domains := []string{"riverside.example", "reminders.example"}
	for _, c := range []struct {
		name    string
		sources []*check.DMARCSource
		want    assessment.GoalStatus
		records int
		says    string
	}{
		{"none", nil, assessment.Unknown, 0, "no DMARC aggregate report of the last 30 days"},
		{"clean", []*check.DMARCSource{src("riverside.example", "198.51.100.25", 1000, 1000), src("riverside.example", "203.0.113.9", 10, 0)}, assessment.Met, 1, "p=reject would refuse 10, 0 of them"},
		{"own sender failing", []*check.DMARCSource{src("riverside.example", "198.51.100.25", 1000, 1000), src("mail.reminders.example", "203.0.113.40", 100, 60)}, assessment.PartlyMet, 1, "p=reject would refuse 40, 40 of them from sources that also send aligned mail"},
		{"mostly failing", []*check.DMARCSource{src("riverside.example", "198.51.100.25", 100, 80), src("other.example", "192.0.2.1", 5000, 0)}, assessment.NotMet, 1, "80.0% passed"},
	} {
		r, err := checkrun.AlignmentResult(domains, c.sources, nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.GoalStatus != c.want || len(r.Records) != c.records || !strings.Contains(r.Detail, c.says) {
			t.Errorf("%s: %s, %d records, %q; want %s, %d records, saying %q", c.name, r.GoalStatus, len(r.Records), r.Detail, c.want, c.records, c.says)
		}
	}
	r, _ := checkrun.AlignmentResult(domains, []*check.DMARCSource{src("mail.reminders.example", "203.0.113.40", 100, 60)}, nil)
	if len(r.Records) != 1 || r.Records[0].Label != "203.0.113.40 as mail.reminders.example" || !strings.Contains(r.Records[0].Reason, "the organisation's own sender, likely") {
		t.Errorf("the failing source: %+v", r.Records)
	}
}
