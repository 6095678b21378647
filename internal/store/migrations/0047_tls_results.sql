-- What the TLS of each of the organisation's endpoints (host:port) showed:
-- one row per endpoint of each probe Safeguard made, or of each imported
-- testssl.sh or sslyze report, with the whole judged result (versions,
-- suites, certificate, HSTS, findings) as JSON. The checks read each
-- endpoint's newest result of each source; the older ones are the history.
CREATE TABLE tls_results (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    run_id     TEXT NOT NULL,
    endpoint   TEXT NOT NULL,
    source     TEXT NOT NULL,
    status     TEXT NOT NULL CHECK (status IN ('pass', 'warn', 'fail', 'unknown')),
    profile    TEXT NOT NULL,
    result     TEXT NOT NULL,
    import_id  TEXT REFERENCES data_imports (id) ON DELETE CASCADE,
    checked_at TEXT NOT NULL
);

CREATE INDEX tls_results_newest ON tls_results (org_id, endpoint, source, checked_at);
