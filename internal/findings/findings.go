// Package findings is the findings service: the open findings in the
// order to fix them, each with why it stands where it does. The store
// reads them in that order; the explanation is the service's.
package findings

import (
	"context"
	"fmt"
	"strings"

	"github.com/safeguard-health/safeguard/internal/check"
)

// Source reads the open findings in the remediation order.
type Source interface {
	Remediation(ctx context.Context, offset, limit int) ([]*check.Priority, int, error)
}

// Remediation lists the open findings in the order to fix them, at most
// limit (0: 100) from the offset-th, with how many are open in all; each
// row's Why explains its place and what put it ahead of the next.
func Remediation(ctx context.Context, src Source, offset, limit int) ([]*check.Priority, int, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, total, err := src.Remediation(ctx, offset, limit+1) // one more, so the last row says what put it ahead of the next
	if err != nil {
		return nil, 0, err
	}
	Explain(rows)
	return rows[:min(limit, len(rows))], total, nil
}

// Explain writes each row's Why: its standing on every key of the order,
// and the first key on which it ranks above the row after it.
func Explain(rows []*check.Priority) {
	for i, p := range rows {
		var parts []string
		if p.KEVAdded != "" {
			k := "KEV-listed since " + p.KEVAdded
			if p.KEVDue != "" {
				k += ", due " + p.KEVDue
			}
			if p.Ransomware == "Known" {
				k += ", known ransomware use"
			}
			parts = append(parts, k)
		} else {
			parts = append(parts, "not in the KEV catalog")
		}
		if p.EPSS >= 0 {
			parts = append(parts, fmt.Sprintf("EPSS %.3f (percentile %.3f)", p.EPSS, p.Percentile))
		} else {
			parts = append(parts, "no EPSS score")
		}
		if p.CVSS > 0 {
			parts = append(parts, fmt.Sprintf("CVSS %.1f", p.CVSS))
		} else {
			parts = append(parts, "no CVSS score")
		}
		if p.AssetID == "" {
			parts = append(parts, "host not in the ePHI inventory")
		} else {
			a := "asset criticality " + p.Criticality
			if p.EPHI {
				a += fmt.Sprintf(", %d ePHI records", p.Records)
			}
			if p.Internet {
				a += ", internet-facing"
			}
			parts = append(parts, a)
		}
		why := strings.Join(parts, "; ")
		if i+1 < len(rows) {
			why += "; ahead of #" + fmt.Sprint(rows[i+1].Rank) + " " + decider(p, rows[i+1])
		}
		p.Why = why
	}
}

// decider names the first key of the order on which p ranks above q.
func decider(p, q *check.Priority) string {
	switch {
	case (p.KEVAdded != "") != (q.KEVAdded != ""):
		return "as KEV-listed"
	case p.EPSS != q.EPSS:
		if q.EPSS < 0 {
			return "on EPSS (it has a score, the next has none)"
		}
		return fmt.Sprintf("on EPSS (%.3f > %.3f)", p.EPSS, q.EPSS)
	case p.CVSS != q.CVSS:
		return fmt.Sprintf("on CVSS (%.1f > %.1f)", p.CVSS, q.CVSS)
	case check.CriticalityRank(p.Criticality) != check.CriticalityRank(q.Criticality):
		return fmt.Sprintf("on asset criticality (%s > %s)", orNone(p.Criticality), orNone(q.Criticality))
	case p.Records != q.Records:
		return fmt.Sprintf("on ePHI records (%d > %d)", p.Records, q.Records)
	}
	return "tied on every key (listed in finding order)"
}

func orNone(s string) string {
	if s == "" {
		return "none"
	}
	return s
}
