package checkrun

import (
	"fmt"
	"strings"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/risk"
)

// CheckProposals turns failing checks into proposed vulnerabilities for
// the register, each naming the check and linked to the stored result
// whose records are its evidence (the heaviest few quoted). A check that
// already has a vulnerability, proposed, confirmed or dismissed, gets no
// second one: the Security Officer's decision stands (the store moves the
// link of one not dismissed to the newest failing result).
func CheckProposals(results []*check.Result, existing []*risk.Vulnerability) []*risk.Vulnerability {
	have := map[string]bool{}
	for _, v := range existing {
		if v.CheckID != "" {
			have[v.CheckID] = true
		}
	}
	var out []*risk.Vulnerability
	for _, r := range results {
		if r.Status != check.Fail || have[r.Check.ID] {
			continue
		}
		var b strings.Builder
		fmt.Fprintf(&b, "The check %q (%s) failed on %s: %s.", r.Check.Title, r.Check.ID, r.At.Format("2006-01-02"), r.Detail)
		if len(r.Records) > 0 {
			// Records holds the heaviest, all of them or the first few of
			// RecordCount.
			total := max(len(r.Records), r.RecordCount)
			b.WriteString("\nThe records behind it include:")
			for _, rec := range r.Records[:min(5, len(r.Records))] {
				fmt.Fprintf(&b, "\n- %s: %s", rec.Label, rec.Reason)
			}
			if total > 5 {
				fmt.Fprintf(&b, "\n- and %d more", total-5)
			}
		}
		v := &risk.Vulnerability{Title: fmt.Sprintf("%s: %s", r.Check.Title, shortDetail(r.Detail)), Description: b.String(),
			Kind: risk.Weakness, Status: risk.Proposed, CheckID: r.Check.ID, CheckResultID: r.ID}
		if len(r.Check.Items) > 0 {
			v.ItemID = r.Check.Items[0]
		}
		out = append(out, v)
	}
	return out
}

// shortDetail is a result's detail cut for a title.
func shortDetail(s string) string {
	if i := strings.Index(s, ";"); i > 0 {
		s = s[:i]
	}
	if len(s) > 120 {
		s = s[:117] + "…"
	}
	return s
}
