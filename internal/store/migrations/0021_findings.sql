-- What an asset is known by to scanners: hostnames, FQDNs, IP addresses,
-- image names (a JSON array).
ALTER TABLE assets ADD COLUMN identifiers TEXT NOT NULL DEFAULT '[]';

-- Scanner findings, each from one import (data_imports) and matched to an
-- asset of the inventory when its host or target is one of the asset's
-- names or identifiers; asset_id is '' when unmatched.
CREATE TABLE findings (
    id        TEXT PRIMARY KEY,
    org_id    TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    import_id TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
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
);

CREATE INDEX findings_import ON findings (import_id);
CREATE INDEX findings_org_cve ON findings (org_id, cve);
CREATE INDEX findings_org_asset ON findings (org_id, asset_id);
