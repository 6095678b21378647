-- The vendor register: the organisation's vendors and business
-- associates, what ePHI each creates, receives, maintains or transmits on
-- its behalf (and for how many individuals), how it reaches the
-- organisation's systems, its criticality, the tier set by hand (0 for the
-- derived one) with why, whether it is a business associate (45 CFR
-- 160.103) or a subcontractor of one (164.308(b)) with why, and its
-- contacts (JSON). A business associate with subcontractors in the
-- register cannot be deleted before them.
CREATE TABLE vendors (
    id               TEXT PRIMARY KEY,
    org_id           TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name             TEXT NOT NULL,
    services         TEXT NOT NULL DEFAULT '',
    website          TEXT NOT NULL DEFAULT '',
    owner            TEXT NOT NULL DEFAULT '',
    notes            TEXT NOT NULL DEFAULT '',
    creates          BOOLEAN NOT NULL,
    receives         BOOLEAN NOT NULL,
    maintains        BOOLEAN NOT NULL,
    transmits        BOOLEAN NOT NULL,
    records          BIGINT NOT NULL DEFAULT 0,
    access           TEXT NOT NULL CHECK (access IN ('none', 'onsite', 'remote', 'interface')),
    criticality      TEXT NOT NULL,
    status           TEXT NOT NULL CHECK (status IN ('business-associate', 'subcontractor', 'not-business-associate', 'undetermined')),
    status_reason    TEXT NOT NULL DEFAULT '',
    subcontractor_of TEXT REFERENCES vendors (id),
    tier_override    INTEGER NOT NULL DEFAULT 0 CHECK (tier_override BETWEEN 0 AND 3),
    tier_reason      TEXT NOT NULL DEFAULT '',
    contacts         TEXT NOT NULL DEFAULT '[]',
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);

CREATE UNIQUE INDEX vendors_name ON vendors (org_id, lower(name));
CREATE INDEX vendors_subcontractor_of ON vendors (subcontractor_of);

-- The inventory's assets and data flows each vendor touches.
CREATE TABLE vendor_assets (
    vendor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    asset_id  TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    PRIMARY KEY (vendor_id, asset_id)
);

CREATE INDEX vendor_assets_asset ON vendor_assets (asset_id);

CREATE TABLE vendor_flows (
    vendor_id TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    flow_id   TEXT NOT NULL REFERENCES asset_flows (id) ON DELETE CASCADE,
    PRIMARY KEY (vendor_id, flow_id)
);

CREATE INDEX vendor_flows_flow ON vendor_flows (flow_id);
