-- Risk analysis and risk management (164.308(a)(1)(ii)(A) and (B)).
-- risk_settings holds the organisation's rating scales and matrix (JSON)
-- and how many months a final analysis stands before its periodic review.
CREATE TABLE risk_settings (
    org_id        TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    scales        TEXT NOT NULL,
    review_months INTEGER NOT NULL,
    updated_at    TEXT NOT NULL,
    updated_by    TEXT NOT NULL
);

-- The ePHI inventory. Names are unique within an organisation, ignoring case.
CREATE TABLE assets (
    id              TEXT PRIMARY KEY,
    org_id          TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT NOT NULL,
    type            TEXT NOT NULL,
    description     TEXT NOT NULL DEFAULT '',
    creates         BOOLEAN NOT NULL,
    receives        BOOLEAN NOT NULL,
    maintains       BOOLEAN NOT NULL,
    transmits       BOOLEAN NOT NULL,
    records         BIGINT NOT NULL DEFAULT 0,
    owner           TEXT NOT NULL DEFAULT '',
    location        TEXT NOT NULL DEFAULT '',
    vendor          TEXT NOT NULL DEFAULT '',
    criticality     TEXT NOT NULL,
    internet_facing BOOLEAN NOT NULL,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE UNIQUE INDEX assets_name ON assets (org_id, lower(name));

-- Data flows: ePHI moving from one asset to another.
CREATE TABLE asset_flows (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    from_asset  TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    to_asset    TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    description TEXT NOT NULL DEFAULT '',
    encrypted   BOOLEAN NOT NULL
);

CREATE INDEX asset_flows_org ON asset_flows (org_id);

-- Vulnerabilities and predisposing conditions; those proposed from an
-- assessment name the item and the assessment.
CREATE TABLE vulnerabilities (
    id            TEXT PRIMARY KEY,
    org_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title         TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL CHECK (status IN ('proposed', 'confirmed', 'dismissed')),
    item_id       TEXT NOT NULL DEFAULT '',
    assessment_id TEXT NOT NULL DEFAULT '',
    created_at    TEXT NOT NULL
);

CREATE INDEX vulnerabilities_org ON vulnerabilities (org_id, created_at);

-- The risk register. number is the organisation's R-nnn; items is a JSON
-- array of the requirements and CPGs the plan satisfies.
CREATE TABLE risks (
    id                   TEXT PRIMARY KEY,
    org_id               TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    number               INTEGER NOT NULL,
    title                TEXT NOT NULL,
    description          TEXT NOT NULL DEFAULT '',
    threat_id            TEXT NOT NULL,
    current_measures     TEXT NOT NULL DEFAULT '',
    likelihood           INTEGER NOT NULL,
    impact_c             INTEGER NOT NULL,
    impact_i             INTEGER NOT NULL,
    impact_a             INTEGER NOT NULL,
    likelihood_rationale TEXT NOT NULL DEFAULT '',
    impact_rationale     TEXT NOT NULL DEFAULT '',
    owner                TEXT NOT NULL DEFAULT '',
    response             TEXT NOT NULL DEFAULT '',
    response_notes       TEXT NOT NULL DEFAULT '',
    accepted_by          TEXT NOT NULL DEFAULT '',
    accepted_until       TEXT NOT NULL DEFAULT '',
    target_likelihood    INTEGER NOT NULL,
    target_impact        INTEGER NOT NULL,
    items                TEXT NOT NULL,
    status               TEXT NOT NULL CHECK (status IN ('open', 'closed')),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    UNIQUE (org_id, number)
);

-- A risk's assets: an asset a risk names cannot be deleted.
CREATE TABLE risk_assets (
    risk_id  TEXT NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    asset_id TEXT NOT NULL REFERENCES assets (id),
    PRIMARY KEY (risk_id, asset_id)
);

CREATE INDEX risk_assets_asset ON risk_assets (asset_id);

CREATE TABLE risk_vulnerabilities (
    risk_id          TEXT NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    vulnerability_id TEXT NOT NULL REFERENCES vulnerabilities (id),
    PRIMARY KEY (risk_id, vulnerability_id)
);

CREATE INDEX risk_vulnerabilities_vuln ON risk_vulnerabilities (vulnerability_id);

-- The plan: actions (milestones) of each risk.
CREATE TABLE risk_actions (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    risk_id      TEXT NOT NULL REFERENCES risks (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    owner        TEXT NOT NULL DEFAULT '',
    due          TEXT NOT NULL DEFAULT '',
    status       TEXT NOT NULL CHECK (status IN ('planned', 'in-progress', 'done', 'cancelled')),
    completed_on TEXT NOT NULL DEFAULT '',
    notes        TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL
);

CREATE INDEX risk_actions_org ON risk_actions (org_id, risk_id);

-- Risk analyses: dated, versioned documents. A final one keeps the frozen
-- document (JSON) and its SHA-256.
CREATE TABLE risk_analyses (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    title        TEXT NOT NULL,
    scope        TEXT NOT NULL,
    method       TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('draft', 'final')),
    previous_id  TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,
    finalized_at TEXT NOT NULL DEFAULT '',
    finalized_by TEXT NOT NULL DEFAULT '',
    approver     TEXT NOT NULL DEFAULT '',
    review_by    TEXT NOT NULL DEFAULT '',
    snapshot     TEXT NOT NULL DEFAULT '',
    sha256       TEXT NOT NULL DEFAULT '',
    UNIQUE (org_id, version)
);

CREATE UNIQUE INDEX risk_analyses_one_draft ON risk_analyses (org_id) WHERE status = 'draft';
