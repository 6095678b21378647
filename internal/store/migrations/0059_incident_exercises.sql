-- Tabletop exercises of the incident response plan: planned, held, and
-- their findings, each tracked by a plan action of the risk register
-- (internal/incident.Exercise as JSON).
CREATE TABLE incident_exercises (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title      TEXT NOT NULL,
    planned_on TEXT NOT NULL DEFAULT '',
    held_on    TEXT NOT NULL DEFAULT '',
    body       TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE INDEX incident_exercises_org ON incident_exercises (org_id, held_on);
