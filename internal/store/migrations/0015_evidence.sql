-- The evidence vault. Each upload is a version; versions are never
-- replaced. content is sealed by the vault (AES-256-GCM under a data key),
-- bound to its version's id; sha256 is of the plaintext.
CREATE TABLE evidence (
    id           TEXT PRIMARY KEY,
    org_id       TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    title        TEXT NOT NULL,
    description  TEXT NOT NULL DEFAULT '',
    owner        TEXT NOT NULL DEFAULT '',
    collected_on TEXT NOT NULL DEFAULT '',
    review_by    TEXT NOT NULL DEFAULT '',
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL
);

CREATE INDEX evidence_org ON evidence (org_id, created_at);

CREATE TABLE evidence_versions (
    id           TEXT PRIMARY KEY,
    evidence_id  TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    version      INTEGER NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    size_bytes   BIGINT NOT NULL,
    sha256       TEXT NOT NULL,
    content      TEXT NOT NULL,
    uploaded_at  TEXT NOT NULL,
    uploaded_by  TEXT NOT NULL,
    UNIQUE (evidence_id, version)
);

CREATE TABLE evidence_links (
    evidence_id TEXT NOT NULL REFERENCES evidence (id) ON DELETE CASCADE,
    item_id     TEXT NOT NULL,
    linked_at   TEXT NOT NULL,
    linked_by   TEXT NOT NULL,
    PRIMARY KEY (evidence_id, item_id)
);

CREATE INDEX evidence_links_item ON evidence_links (item_id);
