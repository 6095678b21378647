package blob

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// Rows is what the database backend needs of the store.
type Rows interface {
	CreateBlob(ctx context.Context, key string) error
	PutBlobChunk(ctx context.Context, key string, seq int, data []byte) error
	CompleteBlob(ctx context.Context, key string, size int64) error
	BlobComplete(ctx context.Context, key string) (bool, error)
	BlobChunk(ctx context.Context, key string, seq int) ([]byte, bool, error)
	DeleteBlob(ctx context.Context, key string) error
	BlobKeys(ctx context.Context, prefix string, before time.Time) ([]string, error)
	Where() string
}

// Database keeps blobs in the database's blob tables, a row a chunk:
// every server of the database reads them.
type Database struct{ Rows Rows }

func (d Database) String() string { return "the database (" + d.Rows.Where() + ")" }

func (d Database) Create(ctx context.Context, key string) (Writer, error) {
	if err := d.Rows.CreateBlob(ctx, key); err != nil {
		return nil, err
	}
	return &rowWriter{ctx: ctx, rows: d.Rows, key: key}, nil
}

func (d Database) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	complete, err := d.Rows.BlobComplete(ctx, key)
	if err != nil {
		return nil, err
	}
	if !complete {
		return nil, errs.New(errs.NotFound, "the stored file "+key+" was never completed")
	}
	return &rowReader{ctx: ctx, rows: d.Rows, key: key}, nil
}

func (d Database) Delete(ctx context.Context, key string) error { return d.Rows.DeleteBlob(ctx, key) }

func (d Database) Keys(ctx context.Context, prefix string, before time.Time) ([]string, error) {
	return d.Rows.BlobKeys(ctx, prefix, before)
}

// rowWriter stores what it is given in chunks of about ChunkSize, each its
// own statement: a large upload holds no transaction open.
type rowWriter struct {
	ctx  context.Context
	rows Rows
	key  string
	buf  bytes.Buffer
	seq  int
	size int64
}

func (w *rowWriter) Write(p []byte) (int, error) {
	w.buf.Write(p)
	w.size += int64(len(p))
	for w.buf.Len() >= ChunkSize {
		if err := w.flush(ChunkSize); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (w *rowWriter) flush(n int) error {
	chunk := bytes.Clone(w.buf.Next(n))
	if err := w.rows.PutBlobChunk(w.ctx, w.key, w.seq, chunk); err != nil {
		return err
	}
	w.seq++
	return nil
}

func (w *rowWriter) Commit() error {
	if w.buf.Len() > 0 {
		if err := w.flush(w.buf.Len()); err != nil {
			return err
		}
	}
	return w.rows.CompleteBlob(w.ctx, w.key, w.size)
}

func (w *rowWriter) Abort() { _ = w.rows.DeleteBlob(context.WithoutCancel(w.ctx), w.key) }

type rowReader struct {
	ctx  context.Context
	rows Rows
	key  string
	seq  int
	buf  []byte
	eof  bool
}

func (r *rowReader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.eof {
			return 0, io.EOF
		}
		chunk, ok, err := r.rows.BlobChunk(r.ctx, r.key, r.seq)
		if err != nil {
			return 0, err
		}
		if !ok {
			r.eof = true
			continue
		}
		r.seq++
		r.buf = chunk
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *rowReader) Close() error { return nil }

// Dir keeps blobs as files under a folder: for one server (the embedded
// SQLite default, whose uploads would otherwise wait for the database's
// one writer), or a folder every server mounts.
type Dir struct{ Path string }

func (d Dir) String() string { return "the folder " + d.Path }

const partial = ".partial"

func (d Dir) path(key string) string { return filepath.Join(d.Path, filepath.FromSlash(key)) }

func (d Dir) Create(_ context.Context, key string) (Writer, error) {
	p := d.path(key)
	if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
		return nil, errs.Wrap(errs.Unavailable, "the upload folder "+d.Path+" cannot be written", err)
	}
	f, err := os.OpenFile(p+partial, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, "the upload folder "+d.Path+" cannot be written", err)
	}
	return &fileWriter{f: f, path: p}, nil
}

func (d Dir) Open(_ context.Context, key string) (io.ReadCloser, error) {
	f, err := os.Open(d.path(key))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errs.New(errs.NotFound, "the stored file "+key+" is gone")
	}
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, "the stored file "+key+" cannot be read", err)
	}
	return f, nil
}

func (d Dir) Delete(_ context.Context, key string) error {
	p := d.path(key)
	for _, name := range []string{p, p + partial} {
		if err := os.Remove(name); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return errs.Wrap(errs.Unavailable, "the stored file "+key+" cannot be removed", err)
		}
	}
	return nil
}

func (d Dir) Keys(_ context.Context, prefix string, before time.Time) ([]string, error) {
	var keys []string
	root := d.path(prefix)
	if _, err := os.Stat(root); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		info, err := e.Info()
		if err != nil || !info.ModTime().Before(before) {
			return err
		}
		rel, err := filepath.Rel(d.Path, p)
		if err != nil {
			return err
		}
		keys = append(keys, strings.TrimSuffix(filepath.ToSlash(rel), partial))
		return nil
	})
	if err != nil {
		return nil, errs.Wrap(errs.Unavailable, fmt.Sprintf("the upload folder %s cannot be listed", d.Path), err)
	}
	return keys, nil
}

type fileWriter struct {
	f    *os.File
	path string
}

func (w *fileWriter) Write(p []byte) (int, error) { return w.f.Write(p) }

func (w *fileWriter) Commit() error {
	if err := w.f.Sync(); err != nil {
		w.Abort()
		return errs.Wrap(errs.Unavailable, "the upload cannot be stored", err)
	}
	if err := w.f.Close(); err != nil {
		os.Remove(w.f.Name())
		return errs.Wrap(errs.Unavailable, "the upload cannot be stored", err)
	}
	if err := os.Rename(w.f.Name(), w.path); err != nil {
		os.Remove(w.f.Name())
		return errs.Wrap(errs.Unavailable, "the upload cannot be stored", err)
	}
	return nil
}

func (w *fileWriter) Abort() {
	w.f.Close()
	os.Remove(w.f.Name())
}
