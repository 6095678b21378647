-- The open findings and the keys of the order to fix them are kept on the
-- findings when imports land (and when the KEV catalog, the EPSS scores or
-- an asset change), so the findings page reads a page of that order
-- through one index instead of sorting every open finding.
--
-- is_open: 1 for the findings of the newest import that covered their
-- place. The rank_ columns sort ascending in the order to fix: KEV-listed
-- first (rank_kev 0), then EPSS (rank_epss is minus the score, 1 when the
-- CVE has none), CVSS (minus it), the asset's criticality (minus 4 for
-- critical down to 0 for none) and the ePHI records it holds (minus them).
ALTER TABLE findings ADD COLUMN is_open INTEGER NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN rank_kev INTEGER NOT NULL DEFAULT 1;
ALTER TABLE findings ADD COLUMN rank_epss DOUBLE PRECISION NOT NULL DEFAULT 1;
ALTER TABLE findings ADD COLUMN rank_cvss DOUBLE PRECISION NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN rank_crit INTEGER NOT NULL DEFAULT 0;
ALTER TABLE findings ADD COLUMN rank_records BIGINT NOT NULL DEFAULT 0;

UPDATE findings SET is_open = 1 WHERE EXISTS (SELECT 1 FROM finding_places p
    WHERE p.org_id = findings.org_id AND p.place = findings.place AND p.import_id = findings.import_id);

UPDATE findings SET
    rank_kev = CASE WHEN EXISTS (SELECT 1 FROM kev_entries k WHERE k.cve = findings.cve) THEN 0 ELSE 1 END,
    rank_epss = COALESCE(-(SELECT e.epss FROM epss_scores e WHERE e.cve = findings.cve), 1),
    rank_cvss = -cvss,
    rank_crit = -COALESCE((SELECT CASE a.criticality WHEN 'critical' THEN 4 WHEN 'high' THEN 3 WHEN 'moderate' THEN 2 WHEN 'low' THEN 1 ELSE 0 END
        FROM assets a WHERE a.id = findings.asset_id), 0),
    rank_records = -COALESCE((SELECT a.records FROM assets a WHERE a.id = findings.asset_id), 0)
WHERE is_open = 1;

-- The order to fix, of the open findings only: a page of it is a range of
-- this index, and the KEV-listed ones its first stretch.
CREATE INDEX findings_open_order ON findings (org_id, rank_kev, rank_epss, rank_cvss, rank_crit, rank_records, id) WHERE is_open = 1;

-- What the two indexes below served (an asset's findings, a CVE's) is
-- now found through the open findings' places and their order: each index
-- a finding is written to costs its import.
DROP INDEX findings_org_cve;
DROP INDEX findings_org_asset;

-- How many findings each organisation has open, kept with them.
CREATE TABLE finding_tallies (
    org_id        TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    open_findings BIGINT NOT NULL DEFAULT 0
);

INSERT INTO finding_tallies (org_id, open_findings)
SELECT org_id, count(*) FROM findings WHERE is_open = 1 GROUP BY org_id;
