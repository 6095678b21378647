-- The register's order and its level filter are kept on the risks when
-- they are written (and when the organisation's scales change), so a page
-- of the register is a range of one index, not every risk sorted.
--
-- impact: the highest of the C, I and A impacts (what the rating uses).
-- rank_band and rank_score sort ascending in the register's default
-- order, highest level first: rank_band is minus the index of the risk's
-- band in the scales (1 when not rated), rank_score minus likelihood
-- times impact. This file and its PostgreSQL twin differ only in how
-- they read the matrix from the scales' JSON.
ALTER TABLE risks ADD COLUMN impact INTEGER NOT NULL DEFAULT 0;
ALTER TABLE risks ADD COLUMN rank_band INTEGER NOT NULL DEFAULT 1;
ALTER TABLE risks ADD COLUMN rank_score INTEGER NOT NULL DEFAULT 0;

UPDATE risks SET impact = CASE WHEN impact_c >= impact_i AND impact_c >= impact_a THEN impact_c WHEN impact_i >= impact_a THEN impact_i ELSE impact_a END;
UPDATE risks SET rank_score = -(likelihood * impact);

-- An organisation without its own scales rates on the default matrix
-- (risk.Default).
UPDATE risks SET rank_band = CASE WHEN likelihood > 0 AND impact > 0 THEN -COALESCE(json_extract(
        COALESCE((SELECT s.scales FROM risk_settings s WHERE s.org_id = risks.org_id),
            '{"matrix":[[0,0,1,1,2],[0,1,1,2,3],[1,1,2,3,3],[1,2,3,3,4],[2,3,3,4,4]]}'),
        '$.matrix[' || (likelihood - 1) || '][' || (impact - 1) || ']'), -1) ELSE 1 END;

-- The register in its default order; the ratings it ends with let the
-- count and the heat map of a filtered register, and the risk overview's
-- sums of the open risks by current and target rating, read the index
-- alone.
CREATE INDEX risks_order ON risks (org_id, status, rank_band, rank_score, number, likelihood, impact, target_likelihood, target_impact);

-- The open accepted risks by the date their acceptance runs out.
CREATE INDEX risks_accepted ON risks (org_id, accepted_until) WHERE status = 'open' AND response = 'accept';

-- The owners the register offers to filter on.
CREATE INDEX risks_owner ON risks (org_id, owner);
