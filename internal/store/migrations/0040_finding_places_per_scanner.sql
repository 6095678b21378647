-- Each scanner's newest scan of a place decides its own findings there:
-- an endpoint agent's export (or a container scanner's report) no longer
-- closes what a network scanner found on the same asset, nor the other
-- way round. finding_places is keyed by the scanner too ("nessus" for a
-- .nessus file and a Tenable CSV alike, "qualys" for Qualys's three
-- formats), and rebuilt from the findings; a place a scanner covered clean
-- keeps that scan as its newest, but not as a previous one (only the
-- newest of such scans was kept).
CREATE TABLE finding_places_by_scanner (
    org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    scanner         TEXT NOT NULL,
    place           TEXT NOT NULL,
    import_id       TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
    scanned_at      TEXT NOT NULL,
    prev_import_id  TEXT NOT NULL DEFAULT '',
    prev_scanned_at TEXT NOT NULL DEFAULT '',
    trend_new       BIGINT NOT NULL DEFAULT 0,
    trend_fixed     BIGINT NOT NULL DEFAULT 0,
    trend_still     BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (org_id, scanner, place)
);

CREATE INDEX findings_backfill ON findings (org_id, scanner, place, scanned_at);

-- Each scanner's newest import with findings at each place.
INSERT INTO finding_places_by_scanner (org_id, scanner, place, import_id, scanned_at)
SELECT n.org_id, n.scanner, n.place,
    (SELECT min(f.import_id) FROM findings f WHERE f.org_id = n.org_id AND f.scanner = n.scanner AND f.place = n.place AND f.scanned_at = n.at), n.at
FROM (SELECT org_id, scanner, place, max(scanned_at) AS at FROM findings GROUP BY org_id, scanner, place) n;

-- A newer import that covered a place clean.
INSERT INTO finding_places_by_scanner (org_id, scanner, place, import_id, scanned_at)
SELECT p.org_id, CASE d.kind WHEN 'qualys-csv' THEN 'qualys' WHEN 'qualys-scan' THEN 'qualys' WHEN 'tenable-csv' THEN 'nessus' ELSE d.kind END,
    p.place, p.import_id, p.scanned_at
FROM finding_places p JOIN data_imports d ON d.id = p.import_id
WHERE NOT EXISTS (SELECT 1 FROM findings f WHERE f.import_id = p.import_id AND f.place = p.place)
ON CONFLICT (org_id, scanner, place) DO UPDATE SET import_id = excluded.import_id, scanned_at = excluded.scanned_at
WHERE excluded.scanned_at > finding_places_by_scanner.scanned_at;

UPDATE finding_places_by_scanner SET prev_scanned_at = COALESCE((SELECT max(f.scanned_at) FROM findings f
    WHERE f.org_id = finding_places_by_scanner.org_id AND f.scanner = finding_places_by_scanner.scanner
    AND f.place = finding_places_by_scanner.place AND f.scanned_at < finding_places_by_scanner.scanned_at), '');
UPDATE finding_places_by_scanner SET prev_import_id = (SELECT min(f.import_id) FROM findings f
    WHERE f.org_id = finding_places_by_scanner.org_id AND f.scanner = finding_places_by_scanner.scanner
    AND f.place = finding_places_by_scanner.place AND f.scanned_at = finding_places_by_scanner.prev_scanned_at)
WHERE prev_scanned_at <> '';

-- The findings another scanner's scan had closed are open again, with
-- the keys of the order to fix (as migration 0031 gave the open ones).
UPDATE findings SET
    rank_kev = CASE WHEN EXISTS (SELECT 1 FROM kev_entries k WHERE k.cve = findings.cve) THEN 0 ELSE 1 END,
    rank_epss = COALESCE(-(SELECT e.epss FROM epss_scores e WHERE e.cve = findings.cve), 1),
    rank_cvss = -cvss,
    rank_crit = -COALESCE((SELECT CASE a.criticality WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'moderate' THEN 2 WHEN 'low' THEN 1 ELSE 0 END
        FROM assets a WHERE a.id = findings.asset_id), 0),
    rank_records = -COALESCE((SELECT a.records FROM assets a WHERE a.id = findings.asset_id), 0),
    is_open = 1
WHERE is_open = 0 AND EXISTS (SELECT 1 FROM finding_places_by_scanner p
    WHERE p.org_id = findings.org_id AND p.scanner = findings.scanner AND p.place = findings.place AND p.import_id = findings.import_id);

DROP INDEX findings_backfill;
DROP TABLE finding_places;
ALTER TABLE finding_places_by_scanner RENAME TO finding_places;

WITH marks AS (
    SELECT DISTINCT p.org_id, p.scanner, p.place, f.vuln_id, f.cve, f.package, 1 AS cur, 0 AS prev
    FROM finding_places p JOIN findings f ON f.import_id = p.import_id AND f.place = p.place
    UNION ALL
    SELECT DISTINCT p.org_id, p.scanner, p.place, f.vuln_id, f.cve, f.package, 0, 1
    FROM finding_places p JOIN findings f ON f.import_id = p.prev_import_id AND f.place = p.place
    WHERE p.prev_import_id <> ''
), pairs AS (
    SELECT org_id, scanner, place, max(cur) AS cur, max(prev) AS prev FROM marks GROUP BY org_id, scanner, place, vuln_id, cve, package
), counts AS (
    SELECT org_id, scanner, place, sum(CASE WHEN cur = 1 AND prev = 0 THEN 1 ELSE 0 END) AS n,
        sum(CASE WHEN cur = 0 AND prev = 1 THEN 1 ELSE 0 END) AS fixed, sum(CASE WHEN cur = 1 AND prev = 1 THEN 1 ELSE 0 END) AS still
    FROM pairs GROUP BY org_id, scanner, place
)
UPDATE finding_places SET trend_new = c.n, trend_fixed = c.fixed, trend_still = c.still
FROM counts c WHERE finding_places.org_id = c.org_id AND finding_places.scanner = c.scanner AND finding_places.place = c.place;

UPDATE finding_tallies SET open_findings = (SELECT count(*) FROM findings f WHERE f.org_id = finding_tallies.org_id AND f.is_open = 1),
    trend_places = COALESCE((SELECT sum(CASE WHEN trend_new + trend_fixed + trend_still > 0 THEN 1 ELSE 0 END) FROM finding_places p WHERE p.org_id = finding_tallies.org_id), 0),
    trend_new = COALESCE((SELECT sum(trend_new) FROM finding_places p WHERE p.org_id = finding_tallies.org_id), 0),
    trend_fixed = COALESCE((SELECT sum(trend_fixed) FROM finding_places p WHERE p.org_id = finding_tallies.org_id), 0),
    trend_still = COALESCE((SELECT sum(trend_still) FROM finding_places p WHERE p.org_id = finding_tallies.org_id), 0);

-- The trend's places, most fixed first, then most new: a page of them is
-- a range of this index.
CREATE INDEX finding_places_trend ON finding_places (org_id, trend_fixed, trend_new, scanner, place);
