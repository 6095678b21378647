-- What changed at each place between its two newest imports (findings
-- new, fixed and still open, a finding being its vulnerability id, CVE
-- and package or port) is counted when an import lands, not at each read
-- of the trend; each organisation's totals are kept with its tally.
ALTER TABLE finding_places ADD COLUMN trend_new BIGINT NOT NULL DEFAULT 0;
ALTER TABLE finding_places ADD COLUMN trend_fixed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE finding_places ADD COLUMN trend_still BIGINT NOT NULL DEFAULT 0;
ALTER TABLE finding_tallies ADD COLUMN trend_places BIGINT NOT NULL DEFAULT 0;
ALTER TABLE finding_tallies ADD COLUMN trend_new BIGINT NOT NULL DEFAULT 0;
ALTER TABLE finding_tallies ADD COLUMN trend_fixed BIGINT NOT NULL DEFAULT 0;
ALTER TABLE finding_tallies ADD COLUMN trend_still BIGINT NOT NULL DEFAULT 0;

WITH marks AS (
    SELECT DISTINCT p.org_id, p.place, f.vuln_id, f.cve, f.package, 1 AS cur, 0 AS prev
    FROM finding_places p JOIN findings f ON f.import_id = p.import_id AND f.place = p.place
    UNION ALL
    SELECT DISTINCT p.org_id, p.place, f.vuln_id, f.cve, f.package, 0, 1
    FROM finding_places p JOIN findings f ON f.import_id = p.prev_import_id AND f.place = p.place
    WHERE p.prev_import_id <> ''
), pairs AS (
    SELECT org_id, place, max(cur) AS cur, max(prev) AS prev FROM marks GROUP BY org_id, place, vuln_id, cve, package
), counts AS (
    SELECT org_id, place, sum(CASE WHEN cur = 1 AND prev = 0 THEN 1 ELSE 0 END) AS n,
        sum(CASE WHEN cur = 0 AND prev = 1 THEN 1 ELSE 0 END) AS fixed, sum(CASE WHEN cur = 1 AND prev = 1 THEN 1 ELSE 0 END) AS still
    FROM pairs GROUP BY org_id, place
)
UPDATE finding_places SET trend_new = c.n, trend_fixed = c.fixed, trend_still = c.still
FROM counts c WHERE finding_places.org_id = c.org_id AND finding_places.place = c.place;

INSERT INTO finding_tallies (org_id, trend_places, trend_new, trend_fixed, trend_still)
SELECT org_id, sum(CASE WHEN trend_new + trend_fixed + trend_still > 0 THEN 1 ELSE 0 END), sum(trend_new), sum(trend_fixed), sum(trend_still)
FROM finding_places GROUP BY org_id
ON CONFLICT (org_id) DO UPDATE SET trend_places = excluded.trend_places, trend_new = excluded.trend_new,
    trend_fixed = excluded.trend_fixed, trend_still = excluded.trend_still;

-- The trend's places, most fixed first, then most new: a page of them is
-- a range of this index.
CREATE INDEX finding_places_trend ON finding_places (org_id, trend_fixed, trend_new, place);
