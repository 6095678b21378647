-- Files uploaded through the web app or the API are imported in the
-- background: each upload is a job, queued, then running, then done (with
-- what the import did) or failed (with why). How far a running job has read
-- is kept in memory by the server; the row holds its state.
CREATE TABLE import_jobs (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    filename    TEXT NOT NULL,
    format      TEXT NOT NULL DEFAULT '',
    size_bytes  BIGINT NOT NULL,
    state       TEXT NOT NULL,
    outcome     TEXT NOT NULL DEFAULT '',
    error       TEXT NOT NULL DEFAULT '',
    created_by  TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    finished_at TEXT NOT NULL DEFAULT ''
);

CREATE INDEX import_jobs_org ON import_jobs (org_id, created_at);
