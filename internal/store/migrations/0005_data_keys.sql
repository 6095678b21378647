-- Data keys for envelope encryption, each wrapped under a key-encryption key
-- that is not in the database. The newest is the active one.
CREATE TABLE data_keys (
    id         TEXT PRIMARY KEY,
    kek_id     TEXT NOT NULL,
    wrapped    TEXT NOT NULL,
    created_at TEXT NOT NULL
);
