-- The newest configuration baseline results of each organisation's
-- systems: each control of CISA's SCuBA baselines as ScubaGear found it in
-- the organisation's Microsoft 365 tenant. An import replaces the
-- source's controls whole.
CREATE TABLE config_controls (
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    import_id   TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
    source      TEXT NOT NULL,
    tenant      TEXT NOT NULL,
    control_id  TEXT NOT NULL,
    product     TEXT NOT NULL,
    requirement TEXT NOT NULL,
    result      TEXT NOT NULL,
    criticality TEXT NOT NULL,
    details     TEXT NOT NULL,
    assessed_at TEXT NOT NULL,
    PRIMARY KEY (org_id, source, control_id)
);
