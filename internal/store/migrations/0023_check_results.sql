-- The results of the automated checks (identity, vulnerabilities): one row
-- per check per run, with its counts, and the records behind each verdict.
CREATE TABLE check_results (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    run_id      TEXT NOT NULL,
    check_id    TEXT NOT NULL,
    status      TEXT NOT NULL CHECK (status IN ('pass', 'fail', 'unknown')),
    goal_status TEXT NOT NULL,
    counts      TEXT NOT NULL,
    detail      TEXT NOT NULL,
    records     INTEGER NOT NULL,
    ran_at      TEXT NOT NULL
);

CREATE INDEX check_results_org ON check_results (org_id, check_id, ran_at);

CREATE TABLE check_records (
    result_id TEXT NOT NULL REFERENCES check_results (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    kind      TEXT NOT NULL,
    record_id TEXT NOT NULL,
    label     TEXT NOT NULL,
    reason    TEXT NOT NULL,
    weight    INTEGER NOT NULL,
    PRIMARY KEY (result_id, seq)
);

-- Settings of the checks an organisation changed (thresholds), as JSON.
CREATE TABLE check_settings (
    org_id   TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    settings TEXT NOT NULL
);
