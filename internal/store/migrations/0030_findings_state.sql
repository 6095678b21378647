-- What the checks and pages read of the findings is kept when an import
-- lands, instead of recomputed from every finding at each read.
--
-- place is where a finding is: its asset, or its host and target when no
-- asset of the inventory matched; scanned_at is when its import was made.
ALTER TABLE findings ADD COLUMN place TEXT NOT NULL DEFAULT '';
ALTER TABLE findings ADD COLUMN scanned_at TEXT NOT NULL DEFAULT '';

UPDATE findings SET place = CASE WHEN asset_id <> '' THEN asset_id ELSE host || '|' || target END,
    scanned_at = (SELECT d.imported_at FROM data_imports d WHERE d.id = findings.import_id);

-- An import's findings by place: how the open ones are found.
DROP INDEX findings_import;
CREATE INDEX findings_import_place ON findings (import_id, place);

-- The newest import that reported on each place (its findings there are
-- the open ones) and the one before it (what the trend compares with;
-- '' when the place was scanned once).
CREATE TABLE finding_places (
    org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    place           TEXT NOT NULL,
    import_id       TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
    scanned_at      TEXT NOT NULL,
    prev_import_id  TEXT NOT NULL DEFAULT '',
    prev_scanned_at TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, place)
);

-- When each place first reported each vulnerability.
CREATE TABLE finding_firsts (
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    place      TEXT NOT NULL,
    vuln_id    TEXT NOT NULL,
    first_seen TEXT NOT NULL,
    PRIMARY KEY (org_id, place, vuln_id)
);

-- The findings already imported: each place's two newest imports, and
-- when each vulnerability was first reported there.
CREATE INDEX findings_backfill ON findings (org_id, place, scanned_at);

INSERT INTO finding_places (org_id, place, import_id, scanned_at)
SELECT n.org_id, n.place,
    (SELECT min(f.import_id) FROM findings f WHERE f.org_id = n.org_id AND f.place = n.place AND f.scanned_at = n.at), n.at
FROM (SELECT org_id, place, max(scanned_at) AS at FROM findings GROUP BY org_id, place) n;

UPDATE finding_places SET prev_scanned_at = COALESCE((SELECT max(f.scanned_at) FROM findings f
    WHERE f.org_id = finding_places.org_id AND f.place = finding_places.place AND f.scanned_at < finding_places.scanned_at), '');
UPDATE finding_places SET prev_import_id = (SELECT min(f.import_id) FROM findings f
    WHERE f.org_id = finding_places.org_id AND f.place = finding_places.place AND f.scanned_at = finding_places.prev_scanned_at)
WHERE prev_scanned_at <> '';

INSERT INTO finding_firsts (org_id, place, vuln_id, first_seen)
SELECT org_id, place, vuln_id, min(scanned_at) FROM findings GROUP BY org_id, place, vuln_id;

DROP INDEX findings_backfill;
