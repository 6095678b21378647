package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Blobs are byte streams kept in the database in chunks: uploads waiting
// for their import when no bucket is configured. The store keeps what it
// is given; the blob package seals it before.

// CreateBlob starts a blob under key, empty and incomplete. Errors:
// Conflict when the key is taken.
func (s *Store) CreateBlob(ctx context.Context, key string) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO blobs (key, created_at) VALUES (?, ?)`), key, formatTime(s.now().UTC()))
	return translate(err, "blob")
}

// PutBlobChunk stores the seq-th chunk of an incomplete blob.
func (s *Store) PutBlobChunk(ctx context.Context, key string, seq int, data []byte) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`INSERT INTO blob_chunks (blob_key, seq, data) VALUES (?, ?, ?)`), key, seq, data)
	return translate(err, "blob chunk")
}

// CompleteBlob marks a blob whole, size bytes long: only then can it be
// read.
func (s *Store) CompleteBlob(ctx context.Context, key string, size int64) error {
	_, err := s.write.ExecContext(ctx, s.rebind(`UPDATE blobs SET complete = 1, size_bytes = ? WHERE key = ?`), size, key)
	return translate(err, "blob")
}

// BlobComplete says whether the blob is whole. Errors: NotFound.
func (s *Store) BlobComplete(ctx context.Context, key string) (bool, error) {
	var complete int
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT complete FROM blobs WHERE key = ?`), key).Scan(&complete)
	if errors.Is(err, sql.ErrNoRows) {
		return false, errs.New(errs.NotFound, "the stored file is gone")
	}
	return complete == 1, translate(err, "blob")
}

// BlobChunk returns the seq-th chunk of a blob, and false past its last.
func (s *Store) BlobChunk(ctx context.Context, key string, seq int) ([]byte, bool, error) {
	var data []byte
	err := s.reader(ctx).QueryRowContext(ctx, s.rebind(`SELECT data FROM blob_chunks WHERE blob_key = ? AND seq = ?`), key, seq).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	return data, err == nil, translate(err, "blob chunk")
}

// DeleteBlob removes a blob and its chunks; a blob already gone is no
// error.
func (s *Store) DeleteBlob(ctx context.Context, key string) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM blob_chunks WHERE blob_key = ?`), key); err != nil {
			return translate(err, "blob chunks")
		}
		_, err := tx.ExecContext(ctx, s.rebind(`DELETE FROM blobs WHERE key = ?`), key)
		return translate(err, "blob")
	})
}

// unfinishedGrace is how much longer than a whole blob one still being
// written is kept from a sweep: a large upload over a slow link takes
// hours.
const unfinishedGrace = 24 * time.Hour

// BlobKeys returns the keys of the blobs under prefix created before
// before; a blob not yet whole only once it is a day older than that.
func (s *Store) BlobKeys(ctx context.Context, prefix string, before time.Time) ([]string, error) {
	return s.queryStrings(ctx, "blobs", `SELECT key FROM blobs WHERE substr(key, 1, ?) = ? AND created_at < ? AND (complete = 1 OR created_at < ?) ORDER BY key`,
		len(prefix), prefix, formatTime(before.UTC()), formatTime(before.Add(-unfinishedGrace).UTC()))
}

// queryStrings runs a query of one text column on the read pool and
// returns its values; what names the records for messages.
func (s *Store) queryStrings(ctx context.Context, what, q string, args ...any) ([]string, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, s.rebind(q), args...)
	if err != nil {
		return nil, translate(err, what)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var v string
		if err := rows.Scan(&v); err != nil {
			return nil, translate(err, what)
		}
		out = append(out, v)
	}
	return out, translate(rows.Err(), what)
}
