-- The reports mail providers send about the organisation's domains. DMARC
-- aggregate reports (RFC 7489 appendix C): one row each, with the policy
-- the reporter found published, and its records: a source IP's messages
-- with their results. A report sent twice (the same reporter's address and
-- report id) is kept once.
CREATE TABLE dmarc_reports (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    import_id   TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
    reporter    TEXT NOT NULL,
    email       TEXT NOT NULL,
    report_id   TEXT NOT NULL,
    domain      TEXT NOT NULL,
    begin_at    TEXT NOT NULL,
    end_at      TEXT NOT NULL,
    policy      TEXT NOT NULL,
    records     INTEGER NOT NULL,
    messages    INTEGER NOT NULL,
    UNIQUE (org_id, email, report_id)
);

CREATE INDEX dmarc_reports_period ON dmarc_reports (org_id, domain, begin_at);

CREATE TABLE dmarc_records (
    report_id     TEXT NOT NULL REFERENCES dmarc_reports (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    source_ip     TEXT NOT NULL,
    messages      INTEGER NOT NULL,
    disposition   TEXT NOT NULL,
    dkim          TEXT NOT NULL,
    spf           TEXT NOT NULL,
    header_from   TEXT NOT NULL,
    envelope_from TEXT NOT NULL,
    detail        TEXT NOT NULL,
    PRIMARY KEY (report_id, seq)
);

-- What the pages and the alignment check read, kept as reports land: each
-- day's messages from each source for each domain (the header From:
-- domain), how many passed DMARC (aligned DKIM or SPF), by which, and what
-- the receivers did with the rest.
CREATE TABLE dmarc_sources (
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    domain      TEXT NOT NULL,
    day         TEXT NOT NULL,
    source_ip   TEXT NOT NULL,
    messages    INTEGER NOT NULL,
    passed      INTEGER NOT NULL,
    dkim_passed INTEGER NOT NULL,
    spf_passed  INTEGER NOT NULL,
    quarantined INTEGER NOT NULL,
    rejected    INTEGER NOT NULL,
    PRIMARY KEY (org_id, domain, day, source_ip)
);

-- SMTP TLS reports (RFC 8460): one row each, and each policy's sessions.
CREATE TABLE tls_reports (
    id        TEXT PRIMARY KEY,
    org_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    import_id TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
    reporter  TEXT NOT NULL,
    contact   TEXT NOT NULL,
    report_id TEXT NOT NULL,
    begin_at  TEXT NOT NULL,
    end_at    TEXT NOT NULL,
    UNIQUE (org_id, reporter, report_id)
);

CREATE INDEX tls_reports_period ON tls_reports (org_id, begin_at);

CREATE TABLE tls_report_policies (
    report_id   TEXT NOT NULL REFERENCES tls_reports (id) ON DELETE CASCADE,
    seq         INTEGER NOT NULL,
    policy_type TEXT NOT NULL,
    domain      TEXT NOT NULL,
    mx_host     TEXT NOT NULL,
    successes   INTEGER NOT NULL,
    failures    INTEGER NOT NULL,
    detail      TEXT NOT NULL,
    PRIMARY KEY (report_id, seq)
);
