-- The tables imports load in bulk (findings, accounts, devices) take
-- their foreign keys DEFERRABLE INITIALLY DEFERRED, checked when the
-- import's transaction commits. SQLite gives every multi-row INSERT that
-- may stop half-way a statement journal: each page it touches is first
-- copied to a temporary file, so that the statement alone can be undone.
-- Written INSERT OR FAIL (the whole transaction is undone on any error,
-- so stopping half-way loses nothing), an INSERT into these tables can no
-- longer stop half-way except on an immediate foreign key: with the keys
-- deferred, it needs no journal. The keys say the same; their actions
-- (ON DELETE CASCADE, SET NULL) run as before. SQLite cannot alter a key,
-- so each table is rebuilt with its rows and indexes.

CREATE TABLE findings_deferred (
    id        TEXT PRIMARY KEY,
    org_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    import_id TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    asset_id  TEXT NOT NULL,
    scanner   TEXT NOT NULL,
    host      TEXT NOT NULL,
    target    TEXT NOT NULL,
    vuln_id   TEXT NOT NULL,
    cve       TEXT NOT NULL,
    package   TEXT NOT NULL,
    installed TEXT NOT NULL,
    fixed     TEXT NOT NULL,
    severity  TEXT NOT NULL,
    cvss      DOUBLE PRECISION NOT NULL,
    title     TEXT NOT NULL
, place TEXT NOT NULL DEFAULT '', scanned_at TEXT NOT NULL DEFAULT '', is_open INTEGER NOT NULL DEFAULT 0, rank_kev INTEGER NOT NULL DEFAULT 1, rank_epss DOUBLE PRECISION NOT NULL DEFAULT 1, rank_cvss DOUBLE PRECISION NOT NULL DEFAULT 0, rank_crit INTEGER NOT NULL DEFAULT 0, rank_records BIGINT NOT NULL DEFAULT 0, vex TEXT NOT NULL DEFAULT '');

INSERT INTO findings_deferred SELECT * FROM findings;
DROP TABLE findings;
ALTER TABLE findings_deferred RENAME TO findings;
CREATE INDEX findings_import_place ON findings (import_id, place);
CREATE INDEX findings_open_order ON findings (org_id, rank_kev, rank_epss, rank_cvss, rank_crit, rank_records, id) WHERE is_open = 1;

CREATE TABLE accounts_deferred (
    id                 TEXT PRIMARY KEY,
    org_id             TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    import_id          TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    source             TEXT NOT NULL,
    line               INTEGER NOT NULL,
    external_id        TEXT NOT NULL,
    login              TEXT NOT NULL,
    login_key          TEXT NOT NULL,
    alt_key            TEXT NOT NULL,
    local_key          TEXT NOT NULL,
    base_key           TEXT NOT NULL,
    email              TEXT NOT NULL,
    email_key          TEXT NOT NULL,
    name               TEXT NOT NULL,
    name_key           TEXT NOT NULL,
    employee_id        TEXT NOT NULL,
    department         TEXT NOT NULL,
    title              TEXT NOT NULL,
    enabled            INTEGER NOT NULL,
    status             TEXT NOT NULL,
    kind               TEXT NOT NULL,
    created            TEXT NOT NULL,
    last_login         TEXT NOT NULL,
    login_known        INTEGER NOT NULL,
    password_set       TEXT NOT NULL,
    password_no_expiry INTEGER NOT NULL,
    mfa                TEXT NOT NULL,
    mfa_methods        TEXT NOT NULL,
    privileged         TEXT NOT NULL,
    privileged_because TEXT NOT NULL,
    mailbox            TEXT NOT NULL,
    remote             TEXT NOT NULL,
    remote_because     TEXT NOT NULL,
    groups             TEXT NOT NULL,
    person_id          TEXT NOT NULL DEFAULT '',
    match_rule         TEXT NOT NULL DEFAULT ''
, system TEXT NOT NULL DEFAULT '');

INSERT INTO accounts_deferred SELECT * FROM accounts;
DROP TABLE accounts;
ALTER TABLE accounts_deferred RENAME TO accounts;
CREATE INDEX accounts_import ON accounts (import_id);
CREATE INDEX accounts_org_source ON accounts (org_id, source);
CREATE INDEX accounts_org_local ON accounts (org_id, local_key);
CREATE INDEX accounts_org_system ON accounts (org_id, system, login_key);

CREATE TABLE devices_deferred (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    import_id   TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    source      TEXT NOT NULL,
    line        INTEGER NOT NULL,
    device_key  TEXT NOT NULL,
    name        TEXT NOT NULL,
    serial      TEXT NOT NULL DEFAULT '',
    os          TEXT NOT NULL,
    os_version  TEXT NOT NULL DEFAULT '',
    edition     TEXT NOT NULL DEFAULT '',
    encrypted   TEXT NOT NULL DEFAULT '',
    encryption  TEXT NOT NULL DEFAULT '',
    last_seen   TEXT NOT NULL DEFAULT '',
    user_login  TEXT NOT NULL DEFAULT '',
    user_email  TEXT NOT NULL DEFAULT '',
    user_name   TEXT NOT NULL DEFAULT '',
    person_id   TEXT REFERENCES people (id) ON DELETE SET NULL DEFERRABLE INITIALLY DEFERRED,
    edr         TEXT NOT NULL DEFAULT '',
    edr_product TEXT NOT NULL DEFAULT '',
    ownership   TEXT NOT NULL DEFAULT '',
    compliance  TEXT NOT NULL DEFAULT '',
    model       TEXT NOT NULL DEFAULT ''
, os_support TEXT NOT NULL DEFAULT '', os_list TEXT NOT NULL DEFAULT '');

INSERT INTO devices_deferred SELECT * FROM devices;
DROP TABLE devices;
ALTER TABLE devices_deferred RENAME TO devices;
CREATE INDEX devices_source ON devices (org_id, source);
