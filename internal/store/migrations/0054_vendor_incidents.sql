-- Security incidents at vendors that touched, or may have touched, the
-- organisation: when the vendor became aware of each, when it told the
-- organisation (NULL while not yet), how many individuals' records it
-- touched and whether PHI was involved, measured against the notice
-- time the vendor's agreements promise.
CREATE TABLE vendor_incidents (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    vendor_id   TEXT NOT NULL REFERENCES vendors (id) ON DELETE CASCADE,
    summary     TEXT NOT NULL,
    aware_at    TEXT NOT NULL,
    notified_at TEXT,
    records     BIGINT NOT NULL DEFAULT 0,
    phi         BOOLEAN NOT NULL DEFAULT FALSE,
    notes       TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

CREATE INDEX vendor_incidents_vendor ON vendor_incidents (vendor_id, aware_at);
CREATE INDEX vendor_incidents_org ON vendor_incidents (org_id);
