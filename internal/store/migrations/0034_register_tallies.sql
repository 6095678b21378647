-- How many assets each organisation's inventory holds, and how many of
-- them create, receive, maintain or transmit ePHI: kept with the assets
-- when they are written, so the risk overview and the inventory page
-- count a hospital's 100,000 assets without reading them.
CREATE TABLE inventory_tallies (
    org_id TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    assets BIGINT NOT NULL DEFAULT 0,
    ephi   BIGINT NOT NULL DEFAULT 0
);

INSERT INTO inventory_tallies (org_id, assets, ephi)
SELECT org_id, count(*), sum(CASE WHEN creates OR receives OR maintains OR transmits THEN 1 ELSE 0 END) FROM assets GROUP BY org_id;

-- The assets added since a date (the ePHI added since the last analysis).
CREATE INDEX assets_created ON assets (org_id, created_at);

-- The register counted by status, level and current and target rating,
-- kept as risks are written (and recounted when the scales change): the
-- risk overview's sums and the heat map of the register by status and
-- level read these few rows, not the risks.
CREATE TABLE risk_cells (
    org_id            TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    status            TEXT NOT NULL,
    rank_band         INTEGER NOT NULL,
    likelihood        INTEGER NOT NULL,
    impact            INTEGER NOT NULL,
    target_likelihood INTEGER NOT NULL,
    target_impact     INTEGER NOT NULL,
    risks             BIGINT NOT NULL,
    PRIMARY KEY (org_id, status, rank_band, likelihood, impact, target_likelihood, target_impact)
);

INSERT INTO risk_cells (org_id, status, rank_band, likelihood, impact, target_likelihood, target_impact, risks)
SELECT org_id, status, rank_band, likelihood, impact, target_likelihood, target_impact, count(*) FROM risks
GROUP BY org_id, status, rank_band, likelihood, impact, target_likelihood, target_impact;

-- An asset's data flows, found from either end (and an asset's deletion,
-- which takes its flows with it, finds them the same way).
CREATE INDEX asset_flows_from ON asset_flows (from_asset, org_id);
CREATE INDEX asset_flows_to ON asset_flows (to_asset, org_id);

-- The register counted by threat (the threat catalog's page).
CREATE INDEX risks_threat ON risks (org_id, threat_id);
