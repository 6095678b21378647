-- The contingency plan of 45 CFR 164.308(a)(7): one per organisation, as
-- JSON (internal/contingency.Plan: its procedures and each system's
-- objectives and backups by inventory asset), and the restore tests, one
-- row each, kept as history.
CREATE TABLE contingency_plans (
    org_id     TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    body       TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE restore_tests (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    asset_id   TEXT NOT NULL REFERENCES assets (id) ON DELETE CASCADE,
    tested_on  TEXT NOT NULL,
    hours      DOUBLE PRECISION NOT NULL,
    lost_hours DOUBLE PRECISION NOT NULL DEFAULT 0,
    succeeded  BOOLEAN NOT NULL,
    by_whom    TEXT NOT NULL,
    notes      TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
);

CREATE INDEX restore_tests_org ON restore_tests (org_id, asset_id, tested_on);
