-- Signed checkpoints of the audit chain: the seq and hash of an entry, and
-- a MAC under a key-encryption key that is not in the database.
CREATE TABLE audit_checkpoints (
    seq    BIGINT PRIMARY KEY,
    hash   TEXT NOT NULL,
    at     TEXT NOT NULL,
    kek_id TEXT NOT NULL,
    mac    TEXT NOT NULL
);
