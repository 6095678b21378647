-- The register of security incidents (45 CFR 164.308(a)(6)): each with
-- its number in the organisation, its timeline (UTC; NULL until reached),
-- what it touched, and its breach assessment (164.402) and, for a breach,
-- the facts its notification clock turns on and the notices sent
-- (164.404–410), each as JSON (internal/incident).
CREATE TABLE incidents (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    number        INTEGER NOT NULL,
    title         TEXT NOT NULL,
    summary       TEXT NOT NULL DEFAULT '',
    threat_id     TEXT NOT NULL DEFAULT '',
    detected_at   TEXT NOT NULL,
    contained_at  TEXT,
    eradicated_at TEXT,
    recovered_at  TEXT,
    records       BIGINT NOT NULL DEFAULT 0,
    phi           BOOLEAN NOT NULL DEFAULT FALSE,
    owner         TEXT NOT NULL DEFAULT '',
    notes         TEXT NOT NULL DEFAULT '',
    assessment    TEXT NOT NULL DEFAULT '',
    breach        TEXT NOT NULL DEFAULT '',
    closed_on     TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL,
    UNIQUE (org_id, number)
);

CREATE INDEX incidents_org ON incidents (org_id, detected_at);

-- The inventory assets an incident touched, and the evidence linked to it.
CREATE TABLE incident_assets (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    asset_id    TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, asset_id)
);

CREATE TABLE incident_evidence (
    incident_id TEXT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
    evidence_id TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    PRIMARY KEY (incident_id, evidence_id)
);

CREATE INDEX incident_assets_asset ON incident_assets (asset_id);
CREATE INDEX incident_evidence_evidence ON incident_evidence (evidence_id);
