-- The organisation's incident response plan, every version kept whole
-- (JSON, internal/incident.Plan): a version is approved once, by whom and
-- on what day; the newest approved one is the plan in force.
CREATE TABLE incident_plans (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    version     INTEGER NOT NULL,
    body        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    created_by  TEXT NOT NULL,
    approved_by TEXT NOT NULL DEFAULT '',
    approved_on TEXT NOT NULL DEFAULT '',
    UNIQUE (org_id, version)
);
