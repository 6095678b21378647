-- The organisation's profile (what tailoring reads: scale, the facts that
-- decide which provisions apply, ePHI systems, officials), kept as one JSON
-- document; and the tailoring decisions a person overrode, with why.
CREATE TABLE org_profiles (
    org_id     TEXT PRIMARY KEY REFERENCES organizations (id) ON DELETE CASCADE,
    profile    TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE tailoring_overrides (
    org_id        TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    item_id       TEXT NOT NULL,
    applicable    BOOLEAN NOT NULL,
    justification TEXT NOT NULL,
    created_by    TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (org_id, item_id)
);
