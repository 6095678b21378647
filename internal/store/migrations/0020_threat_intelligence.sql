-- Files imported from outside (the KEV catalog, EPSS scores, and later
-- account exports and scanner output): what, when, by whom, with the
-- file's hash, so a re-import of the same file is recognised. org_id is
-- empty for the installation-wide catalogs.
CREATE TABLE data_imports (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    filename    TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size_bytes  BIGINT NOT NULL,
    records     INTEGER NOT NULL,
    version     TEXT NOT NULL DEFAULT '',
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    UNIQUE (org_id, kind, sha256)
);

-- The CISA Known Exploited Vulnerabilities catalog, replaced whole by each
-- import of a new version.
CREATE TABLE kev_entries (
    cve             TEXT PRIMARY KEY,
    vendor          TEXT NOT NULL,
    product         TEXT NOT NULL,
    name            TEXT NOT NULL,
    date_added      TEXT NOT NULL,
    due_date        TEXT NOT NULL,
    ransomware      TEXT NOT NULL,
    description     TEXT NOT NULL,
    required_action TEXT NOT NULL,
    notes           TEXT NOT NULL,
    cwes            TEXT NOT NULL
);

-- FIRST EPSS scores, replaced whole by each import.
CREATE TABLE epss_scores (
    cve        TEXT PRIMARY KEY,
    epss       DOUBLE PRECISION NOT NULL,
    percentile DOUBLE PRECISION NOT NULL
);
