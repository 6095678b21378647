-- The runs of the organisation's backup jobs as its backup software's
-- reports list them (Veeam's sessions, Safeguard's generic CSV). Reports
-- overlap: a run already held (the same job and start) is kept as first
-- imported. backup_jobs is each job's summary, kept up to date by each
-- import, which the contingency plan's page and checks read.
CREATE TABLE backup_runs (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    import_id  TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
    source     TEXT NOT NULL,
    line       INTEGER NOT NULL,
    job_key    TEXT NOT NULL,
    job        TEXT NOT NULL,
    job_id     TEXT NOT NULL DEFAULT '',
    system     TEXT NOT NULL DEFAULT '',
    started    TEXT NOT NULL,
    finished   TEXT NOT NULL DEFAULT '',
    result     TEXT NOT NULL,
    offline    TEXT NOT NULL DEFAULT '',
    target     TEXT NOT NULL DEFAULT '',
    bytes      BIGINT NOT NULL DEFAULT 0,
    detail     TEXT NOT NULL DEFAULT '',
    UNIQUE (org_id, job_key, started)
);

CREATE TABLE backup_jobs (
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    job_key      TEXT NOT NULL,
    job          TEXT NOT NULL,
    job_id       TEXT NOT NULL DEFAULT '',
    system       TEXT NOT NULL DEFAULT '',
    source       TEXT NOT NULL,
    runs         INTEGER NOT NULL,
    last_run     TEXT NOT NULL,
    last_result  TEXT NOT NULL,
    last_success TEXT NOT NULL DEFAULT '',
    failures     INTEGER NOT NULL DEFAULT 0,
    last_offline TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, job_key)
);
