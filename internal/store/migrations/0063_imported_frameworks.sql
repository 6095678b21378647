-- Frameworks an organisation imported as OSCAL catalogs or profiles (NIST
-- SP 800-53 Rev. 5 and its baselines), to assess against beside the
-- built-in ones. resolved is the catalog as OSCAL JSON (a profile's
-- resolved one), which later profiles importing it are resolved against;
-- framework is the framework made of it (internal/catalog.Framework as
-- JSON). stem is the file's name without folder or extension, lower case,
-- which a profile's imports name.
CREATE TABLE imported_frameworks (
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    id          TEXT NOT NULL,
    model       TEXT NOT NULL,
    title       TEXT NOT NULL,
    version     TEXT NOT NULL,
    file        TEXT NOT NULL,
    stem        TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    controls    INTEGER NOT NULL,
    resolved    TEXT NOT NULL,
    framework   TEXT NOT NULL,
    imported_at TEXT NOT NULL,
    imported_by TEXT NOT NULL,
    PRIMARY KEY (org_id, id)
);

CREATE INDEX imported_frameworks_stem ON imported_frameworks (org_id, stem);
