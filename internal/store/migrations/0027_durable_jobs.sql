-- Background work runs on River's queue (its own tables, migrated beside
-- these): an import job now names the sealed upload it reads, keeps how far
-- it has read and how many attempts it took, and says when the checks it
-- enqueued ran and what they changed. Uploads and other blobs are kept in
-- the database (or a folder, or a bucket), sealed, in chunks (0028).
ALTER TABLE import_jobs ADD COLUMN blob_key TEXT NOT NULL DEFAULT '';
ALTER TABLE import_jobs ADD COLUMN sha256 TEXT NOT NULL DEFAULT '';
ALTER TABLE import_jobs ADD COLUMN read_bytes BIGINT NOT NULL DEFAULT 0;
ALTER TABLE import_jobs ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE import_jobs ADD COLUMN started_at TEXT NOT NULL DEFAULT '';
ALTER TABLE import_jobs ADD COLUMN checks_state TEXT NOT NULL DEFAULT '';
ALTER TABLE import_jobs ADD COLUMN checks_at TEXT NOT NULL DEFAULT '';
ALTER TABLE import_jobs ADD COLUMN checks_summary TEXT NOT NULL DEFAULT '';

CREATE TABLE blobs (
    key        TEXT PRIMARY KEY,
    size_bytes BIGINT NOT NULL DEFAULT 0,
    complete   INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL
);
