-- Files uploaded for a preview (an inventory, a register, a roster), kept
-- until applied: the apply reads the same bytes the preview read.
CREATE TABLE pending_uploads (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('assets', 'risks', 'roster')),
    filename   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    content    TEXT NOT NULL, -- base64
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

CREATE INDEX pending_uploads_org ON pending_uploads (org_id, created_at);
