package store

import (
	"context"
	"database/sql"
	"encoding/base64"

	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/vault"
)

// ActiveDataKey returns the newest data key. Errors: NotFound when there is
// none yet.
func (s *Store) ActiveDataKey(ctx context.Context) (*vault.DataKey, error) {
	return s.dataKeyWhere(ctx, `SELECT id, kek_id, wrapped FROM data_keys ORDER BY created_at DESC, id DESC LIMIT 1`)
}

// DataKey returns a data key by id. Errors: NotFound.
func (s *Store) DataKey(ctx context.Context, id string) (*vault.DataKey, error) {
	return s.dataKeyWhere(ctx, s.rebind(`SELECT id, kek_id, wrapped FROM data_keys WHERE id = ?`), id)
}

func (s *Store) dataKeyWhere(ctx context.Context, q string, args ...any) (*vault.DataKey, error) {
	var k vault.DataKey
	var wrapped string
	if err := s.reader(ctx).QueryRowContext(ctx, q, args...).Scan(&k.ID, &k.KEKID, &wrapped); err != nil {
		return nil, translate(err, "data key")
	}
	b, err := base64.StdEncoding.DecodeString(wrapped)
	if err != nil {
		return nil, errs.Wrap(errs.Internal, "data key "+k.ID+" is corrupt", err)
	}
	k.Wrapped = b
	return &k, nil
}

// CreateDataKey stores a new (wrapped) data key, which becomes the active
// one, and records it in the audit log (its id and KEK, not the key).
func (s *Store) CreateDataKey(ctx context.Context, k *vault.DataKey) error {
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		_, err := tx.ExecContext(ctx, s.rebind(`INSERT INTO data_keys (id, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?)`),
			k.ID, k.KEKID, base64.StdEncoding.EncodeToString(k.Wrapped), formatTime(s.now()))
		if err != nil {
			return change{}, translate(err, "data key")
		}
		return change{action: "key.data_key_create", target: "data_key:" + k.ID, after: map[string]string{"kek": k.KEKID}}, nil
	})
}

// DataKeys lists every data key.
func (s *Store) DataKeys(ctx context.Context) ([]*vault.DataKey, error) {
	rows, err := s.reader(ctx).QueryContext(ctx, `SELECT id, kek_id, wrapped FROM data_keys ORDER BY created_at, id`)
	if err != nil {
		return nil, translate(err, "data keys")
	}
	defer rows.Close()
	var out []*vault.DataKey
	for rows.Next() {
		var k vault.DataKey
		var wrapped string
		if err := rows.Scan(&k.ID, &k.KEKID, &wrapped); err != nil {
			return nil, translate(err, "data keys")
		}
		if k.Wrapped, err = base64.StdEncoding.DecodeString(wrapped); err != nil {
			return nil, errs.Wrap(errs.Internal, "data key "+k.ID+" is corrupt", err)
		}
		out = append(out, &k)
	}
	return out, translate(rows.Err(), "data keys")
}

// RewrapDataKeys replaces the wrapping of data keys in one transaction, so a
// rotation lands whole or not at all.
func (s *Store) RewrapDataKeys(ctx context.Context, keys []*vault.DataKey) error {
	return s.audited(ctx, func(tx *sql.Tx) (change, error) {
		ids := make([]string, 0, len(keys))
		for _, k := range keys {
			res, err := tx.ExecContext(ctx, s.rebind(`UPDATE data_keys SET kek_id = ?, wrapped = ? WHERE id = ?`),
				k.KEKID, base64.StdEncoding.EncodeToString(k.Wrapped), k.ID)
			if err != nil {
				return change{}, translate(err, "data key")
			}
			if n, _ := res.RowsAffected(); n == 0 {
				return change{}, errs.New(errs.NotFound, "data key "+k.ID+" not found")
			}
			ids = append(ids, k.ID)
		}
		return change{action: "key.rotate", target: "data_keys", after: map[string]any{"rewrapped": ids, "kek": keys[0].KEKID}}, nil
	})
}
