-- The organisation's managed devices as its device managers' exports list
-- them (Intune, Jamf Pro, a generic CSV): an import of an export replaces
-- the devices of that source, as an account export does. Each keeps what
-- the export says of its operating system, disk encryption, last check-in,
-- primary user (matched to the roster by email) and EDR.
CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    import_id   TEXT NOT NULL REFERENCES data_imports (id) ON DELETE CASCADE,
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
    person_id   TEXT REFERENCES people (id) ON DELETE SET NULL,
    edr         TEXT NOT NULL DEFAULT '',
    edr_product TEXT NOT NULL DEFAULT '',
    ownership   TEXT NOT NULL DEFAULT '',
    compliance  TEXT NOT NULL DEFAULT '',
    model       TEXT NOT NULL DEFAULT ''
);

CREATE INDEX devices_source ON devices (org_id, source);
