-- The VEX statements an organisation imported (each as the JSON of
-- ingest.VEXStatement, in the order of its document), and on a finding the
-- statement that closed it ("not_affected: vulnerable_code_not_present"):
-- the newest statement matching a finding decides whether it is to be
-- fixed, when the statements land and when scans report it again.
CREATE TABLE vex_statements (
    org_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    import_id TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
    seq       INTEGER NOT NULL,
    vuln_id   TEXT NOT NULL,
    statement TEXT NOT NULL,
    issued_at TEXT NOT NULL,
    PRIMARY KEY (import_id, seq)
);
CREATE INDEX vex_statements_org ON vex_statements (org_id, issued_at);

ALTER TABLE findings ADD COLUMN vex TEXT NOT NULL DEFAULT '';
