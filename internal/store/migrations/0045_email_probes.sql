-- What the checks of the organisation's email domains found in the DNS and
-- at its mail servers: one row per domain and check of each probe, with
-- the whole result (the records read, every lookup, the fix) as JSON. The
-- checks read each domain's newest; the older ones are the history.
CREATE TABLE email_probes (
    id        TEXT PRIMARY KEY,
    org_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    probe_id  TEXT NOT NULL,
    domain    TEXT NOT NULL,
    check_id  TEXT NOT NULL,
    status    TEXT NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'unknown', 'info')),
    result    TEXT NOT NULL,
    resolver  TEXT NOT NULL,
    probed_at TEXT NOT NULL
);

CREATE INDEX email_probes_newest ON email_probes (org_id, domain, check_id, probed_at);
