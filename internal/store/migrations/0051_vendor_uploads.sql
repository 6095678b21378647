-- A vendor register file previewed on its page is kept for its apply as
-- an inventory or a register file is: the kinds of pending uploads gain
-- vendors (the table rebuilt, as a CHECK cannot be altered in SQLite).
CREATE TABLE pending_uploads_new (
    id         TEXT PRIMARY KEY,
    org_id     TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    kind       TEXT NOT NULL CHECK (kind IN ('assets', 'risks', 'roster', 'vendors')),
    filename   TEXT NOT NULL,
    sha256     TEXT NOT NULL,
    content    TEXT NOT NULL, -- base64
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL
);

INSERT INTO pending_uploads_new (id, org_id, kind, filename, sha256, content, created_at, created_by)
SELECT id, org_id, kind, filename, sha256, content, created_at, created_by FROM pending_uploads;

DROP TABLE pending_uploads;

ALTER TABLE pending_uploads_new RENAME TO pending_uploads;

CREATE INDEX pending_uploads_org ON pending_uploads (org_id, created_at);
