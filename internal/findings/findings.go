// Package findings is the findings service: the open findings in the
// order to fix them, each with why it stands where it does. The store
// reads them in that order; the explanation is the service's.
package findings

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/check"
	"github.com/safeguard-health/safeguard/internal/errs"
)

// Source reads the open findings in the remediation order.
type Source interface {
	Remediation(ctx context.Context, at check.Cursor, limit int) ([]*check.Priority, int, error)
}

// A Page is a stretch of the remediation order, with the cursors of the
// pages on either side ("" where there is none).
type Page struct {
	Rows  []*check.Priority `json:"findings"`
	Total int               `json:"total"` // open in all
	Next  string            `json:"next,omitempty"`
	Prev  string            `json:"prev,omitempty"`
}

// Token is the cursor of a row: the pages after and before it start there.
func Token(p *check.Priority) string { return strconv.Itoa(p.Rank) + "." + p.ID }

// parseToken reads a cursor Token made.
func parseToken(field, tok string) (check.Cursor, error) {
	rank, id, ok := strings.Cut(tok, ".")
	n, err := strconv.Atoi(rank)
	if !ok || err != nil || n < 1 || id == "" {
		return check.Cursor{}, errs.New(errs.Invalid, field+": not a cursor this list gave (pass its next or prev as they are)")
	}
	return check.Cursor{ID: id, Rank: n}, nil
}

// Remediation lists at most limit (0: 100) open findings in the order to
// fix them, from the top, after the cursor after or before the cursor
// before (at most one of them), with how many are open in all; each row's
// Why explains its place and what put it ahead of the next. A page is a
// range of an index whatever its depth: the cursors name rows, not
// counts of rows to skip. Errors: Invalid for a cursor this list did not
// give.
func Remediation(ctx context.Context, src Source, after, before string, limit int) (*Page, error) {
	if limit <= 0 {
		limit = 100
	}
	if after != "" && before != "" {
		return nil, errs.New(errs.Invalid, "after, before: give one of them")
	}
	if before != "" {
		at, err := parseToken("before", before)
		if err != nil {
			return nil, err
		}
		at.Back = true
		back, total, err := src.Remediation(ctx, at, limit+1) // one more, to know whether a page comes before
		if err != nil {
			return nil, err
		}
		if len(back) > 0 {
			more := len(back) > limit
			rows := back[:min(limit, len(back))]
			slices.Reverse(rows)
			// The row after the page (the cursor's), so the last row says
			// what put it ahead.
			next, _, err := src.Remediation(ctx, check.Cursor{ID: rows[len(rows)-1].ID, Rank: rows[len(rows)-1].Rank}, 1)
			if err != nil {
				return nil, err
			}
			Explain(append(rows, next...))
			p := &Page{Rows: rows, Total: total, Next: Token(rows[len(rows)-1])}
			if more {
				p.Prev = Token(rows[0])
			}
			return p, nil
		}
		after = "" // nothing before it: the top of the order
	}
	var at check.Cursor
	if after != "" {
		var err error
		if at, err = parseToken("after", after); err != nil {
			return nil, err
		}
	}
	rows, total, err := src.Remediation(ctx, at, limit+1) // one more, so the last row says what put it ahead of the next
	if err != nil {
		return nil, err
	}
	Explain(rows)
	p := &Page{Rows: rows[:min(limit, len(rows))], Total: total}
	if len(rows) > limit {
		p.Next = Token(p.Rows[limit-1])
	}
	if len(p.Rows) > 0 && p.Rows[0].Rank > 1 {
		p.Prev = Token(p.Rows[0])
	}
	return p, nil
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
