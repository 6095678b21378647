-- How many hosts and targets the organisation's scans reported that no
-- asset of the inventory matched, kept when an import lands: the do-next
-- list asks for them to be added to the inventory without reading every
-- place at read time.
ALTER TABLE finding_tallies ADD COLUMN unmatched_places BIGINT NOT NULL DEFAULT 0;

UPDATE finding_tallies SET unmatched_places = (SELECT count(DISTINCT p.place) FROM finding_places p
    WHERE p.org_id = finding_tallies.org_id AND p.place LIKE '%|%');
