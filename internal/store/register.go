package store

import (
	"context"
	"database/sql"
	"slices"
	"strconv"
	"strings"

	"github.com/safeguard-health/safeguard/internal/risk"
)

// A RiskQuery selects a stretch of the register: filtered, counted and
// sorted in the database, through the order keys kept on each risk when
// it is written (migration 0033), so that a page of a register of 20,000
// risks reads the page.
type RiskQuery struct {
	ID       string // only this risk
	Status   string // open (also ""), closed, or all
	ByLevel  bool   // keep only the risks rated in one of Bands
	Bands    []int  // band indexes of the scales (-1: not rated)
	Owner    string // ignoring case
	Asset    string // an asset id the risk names
	Threat   string // a threat id
	Response string // a response, or "none" for undecided
	Words    string // in the title or description, ignoring case
	// Likelihood and Impact keep one current rating (0: any).
	Likelihood, Impact int
	// Sort is one of risk.SortKeys ("" is number order); ties keep
	// number order, as risk.Sort does.
	Sort string
	// Threats are threat ids in the order of their names, for Sort
	// "threat"; a risk's threat not among them sorts last.
	Threats []string
	Offset  int
	Limit   int
}

// A RiskSlice is a stretch of the register and what the filter keeps.
type RiskSlice struct {
	Risks   []*risk.Risk   // in order, each naming its assets and vulnerabilities by id
	Actions []*risk.Action // the plans of those risks
	Total   int            // how many risks the filter keeps
	Cells   []risk.Cell    // the kept risks counted by current rating (no target)
}

// containsWords is a LIKE pattern for words typed into a filter, its %
// and _ taken as characters (with ESCAPE '\').
func containsWords(q string) string {
	return "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(strings.ToLower(strings.TrimSpace(q))) + "%"
}

// where is the query's filter as SQL over risks, and its arguments.
func (q *RiskQuery) where(orgID string) (string, []any) {
	var b strings.Builder
	args := []any{orgID}
	b.WriteString(` WHERE org_id = ?`)
	switch q.Status {
	case "", string(risk.Open):
		b.WriteString(` AND status = 'open'`)
	case "all":
	default:
		b.WriteString(` AND status = ?`)
		args = append(args, q.Status)
	}
	if q.ByLevel {
		if len(q.Bands) == 0 {
			b.WriteString(` AND 1 = 0`)
		} else {
			b.WriteString(` AND rank_band IN (?` + strings.Repeat(`, ?`, len(q.Bands)-1) + `)`)
			for _, band := range q.Bands {
				args = append(args, -band)
			}
		}
	}
	if q.ID != "" {
		b.WriteString(` AND id = ?`)
		args = append(args, q.ID)
	}
	if q.Owner != "" {
		b.WriteString(` AND lower(owner) = lower(?)`)
		args = append(args, q.Owner)
	}
	if q.Asset != "" {
		b.WriteString(` AND EXISTS (SELECT 1 FROM risk_assets l WHERE l.risk_id = risks.id AND l.asset_id = ?)`)
		args = append(args, q.Asset)
	}
	if q.Threat != "" {
		b.WriteString(` AND threat_id = ?`)
		args = append(args, q.Threat)
	}
	if q.Likelihood != 0 {
		b.WriteString(` AND likelihood = ?`)
		args = append(args, q.Likelihood)
	}
	if q.Impact != 0 {
		b.WriteString(` AND impact = ?`)
		args = append(args, q.Impact)
	}
	switch q.Response {
	case "":
	case "none":
		b.WriteString(` AND response = ''`)
	default:
		b.WriteString(` AND response = ?`)
		args = append(args, q.Response)
	}
	if strings.TrimSpace(q.Words) != "" {
		b.WriteString(` AND lower(title || ' ' || description) LIKE ? ESCAPE '\'`)
		args = append(args, containsWords(q.Words))
	}
	return b.String(), args
}

// orderBy is the query's sort as SQL: text compared byte by byte on both
// engines, as Go compares strings.
func (q *RiskQuery) orderBy(engine string) (string, []any) {
	collate := ""
	if engine == Postgres {
		collate = ` COLLATE "C"`
	}
	switch q.Sort {
	case "level":
		return ` ORDER BY rank_band, rank_score, number`, nil
	case "title":
		return ` ORDER BY lower(title)` + collate + `, number`, nil
	case "owner":
		return ` ORDER BY lower(owner)` + collate + `, number`, nil
	case "likelihood":
		return ` ORDER BY likelihood DESC, number`, nil
	case "impact":
		return ` ORDER BY impact DESC, number`, nil
	case "response":
		return ` ORDER BY response` + collate + `, number`, nil
	case "threat":
		if len(q.Threats) == 0 {
			break
		}
		var b strings.Builder
		var args []any
		b.WriteString(` ORDER BY CASE threat_id`)
		for i, id := range q.Threats {
			b.WriteString(` WHEN ? THEN ` + strconv.Itoa(i))
			args = append(args, id)
		}
		b.WriteString(` ELSE ` + strconv.Itoa(len(q.Threats)) + ` END, number`)
		return b.String(), args
	}
	return ` ORDER BY number`, nil
}

// riskCellsQuery counts the risks a filter (where) keeps by rating.
func riskCellsQuery(where string) string {
	return `SELECT likelihood, impact, count(*) FROM risks` + where + ` GROUP BY likelihood, impact ORDER BY likelihood, impact`
}

// tallyCellsQuery counts them from the register's tally, for a filter
// of status and level only (where, over the columns the tally shares).
func tallyCellsQuery(where string) string {
	return `SELECT likelihood, impact, sum(risks) FROM risk_cells` + where + ` GROUP BY likelihood, impact ORDER BY likelihood, impact`
}

// tallied says whether the query filters by status and level only, what
// the register's tally counts by.
func (q *RiskQuery) tallied() bool {
	return q.ID == "" && q.Owner == "" && q.Asset == "" && q.Threat == "" && q.Response == "" && strings.TrimSpace(q.Words) == ""
}

// riskPageQuery reads a window of the risks a filter keeps, in order.
func riskPageQuery(where, order string) string {
	return `SELECT ` + riskColumns + ` FROM risks` + where + order + ` LIMIT ? OFFSET ?`
}

// RiskPage reads the stretch of the register q selects, with how many
// risks its filter keeps and their ratings: a page of the register reads
// its risks, their links and plans, not every risk; the count of a
// register filtered by status and level comes from its tally, other
// filters' from the index of its order.
func (sc *Scoped) RiskPage(ctx context.Context, q RiskQuery) (*RiskSlice, error) {
	s := sc.s
	db := s.reader(ctx)
	where, args := q.where(sc.org.ID)
	out := &RiskSlice{}
	cells := riskCellsQuery(where)
	if q.tallied() {
		cells = tallyCellsQuery(where)
	}
	rows, err := db.QueryContext(ctx, s.rebind(cells), args...)
	if err != nil {
		return nil, translate(err, "risks")
	}
	for rows.Next() {
		var c risk.Cell
		if err := rows.Scan(&c.Likelihood, &c.Impact, &c.Risks); err != nil {
			rows.Close()
			return nil, translate(err, "risks")
		}
		out.Cells = append(out.Cells, c)
		out.Total += c.Risks
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, translate(err, "risks")
	}
	if q.Limit <= 0 || out.Total == 0 {
		return out, nil
	}
	order, orderArgs := q.orderBy(s.engine)
	var byID map[string]*risk.Risk
	out.Risks, byID, err = scanRisks(db.QueryContext(ctx, s.rebind(riskPageQuery(where, order)),
		append(append(args, orderArgs...), q.Limit, max(q.Offset, 0))...))
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(out.Risks))
	for i, r := range out.Risks {
		ids[i] = r.ID
	}
	err = byChunks(ids, func(marks string, idArgs []any) error {
		for _, link := range riskLinks {
			if err := link.scan(byID, func() (*sql.Rows, error) {
				return db.QueryContext(ctx, s.rebind(`SELECT risk_id, `+link.col+` FROM `+link.table+` WHERE risk_id IN (`+marks+`) ORDER BY risk_id, `+link.col), idArgs...)
			}); err != nil {
				return err
			}
		}
		rows, err := db.QueryContext(ctx, s.rebind(`SELECT `+actionColumns+` FROM risk_actions WHERE org_id = ? AND risk_id IN (`+marks+`) ORDER BY risk_id, created_at, id`),
			append([]any{sc.org.ID}, idArgs...)...)
		if err != nil {
			return translate(err, "actions")
		}
		defer rows.Close()
		actions, err := scanActions(rows)
		out.Actions = append(out.Actions, actions...)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// riskOwnersQuery lists the owners: from the index by owner, one step to
// the next owner at a time (a handful of lookups for a handful of owners,
// not a pass over every risk).
const riskOwnersQuery = `WITH RECURSIVE o (owner) AS (
		SELECT min(owner) FROM risks WHERE org_id = ? AND owner > ''
		UNION ALL
		SELECT (SELECT min(owner) FROM risks WHERE org_id = ? AND owner > o.owner) FROM o WHERE o.owner IS NOT NULL)
	SELECT owner FROM o WHERE owner IS NOT NULL`

// RiskOwners lists the owners the organisation's risks name, in order
// (byte by byte, whatever the database's collation).
func (sc *Scoped) RiskOwners(ctx context.Context) ([]string, error) {
	s := sc.s
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(riskOwnersQuery), sc.org.ID, sc.org.ID)
	if err != nil {
		return nil, translate(err, "risks")
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var o string
		if err := rows.Scan(&o); err != nil {
			return nil, translate(err, "risks")
		}
		out = append(out, o)
	}
	slices.Sort(out)
	return out, translate(rows.Err(), "risks")
}
