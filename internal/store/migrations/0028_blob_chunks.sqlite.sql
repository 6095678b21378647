-- The chunks of a blob kept in the database, in order.
CREATE TABLE blob_chunks (
    blob_key TEXT NOT NULL REFERENCES blobs (key) ON DELETE CASCADE,
    seq      INTEGER NOT NULL,
    data     BLOB NOT NULL,
    PRIMARY KEY (blob_key, seq)
);
