-- Evidence versions are kept in the blob store (the database's blob
-- tables by default, or a bucket) under blob_key; versions stored before
-- keep their sealed content in content, where blob_key is ''.
ALTER TABLE evidence_versions ADD COLUMN blob_key TEXT NOT NULL DEFAULT '';
