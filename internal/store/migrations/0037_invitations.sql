-- Invitations to join an organisation: a user becomes a member only by
-- accepting one (the link holds a random token; the database keeps its
-- SHA-256). Each is single-use and expires; revoking or answering one
-- ends it.
CREATE TABLE invitations (
    id          TEXT PRIMARY KEY,
    org_id      TEXT NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    email       TEXT NOT NULL,
    role        TEXT NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    invited_by  TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    -- how it ended: '' while open, else accepted, declined or revoked
    outcome     TEXT NOT NULL DEFAULT '',
    ended_at    TEXT NOT NULL DEFAULT '',
    ended_by    TEXT NOT NULL DEFAULT ''
);

CREATE INDEX invitations_org ON invitations (org_id, created_at);
