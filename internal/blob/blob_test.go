package blob_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"

	"github.com/safeguard-health/safeguard/internal/blob"
	"github.com/safeguard-health/safeguard/internal/blob/blobtest"
	"github.com/safeguard-health/safeguard/internal/errs"
	"github.com/safeguard-health/safeguard/internal/store"
	"github.com/safeguard-health/safeguard/internal/storetest"
	"github.com/safeguard-health/safeguard/internal/vault"
)

func sealer(s *store.Store) blob.Sealer {
	return vault.New(s, vault.Keyring{{ID: "test", Key: make([]byte, 32)}})
}

// backends gives each backend over a real store: the database's tables on
// SQLite and PostgreSQL, and a folder.
func backends(t *testing.T, fn func(t *testing.T, s *store.Store, b blob.Backend)) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		t.Run("database", func(t *testing.T) { fn(t, s, blob.Database{Rows: s}) })
		t.Run("dir", func(t *testing.T) { fn(t, s, blob.Dir{Path: t.TempDir()}) })
	})
}

// A blob reads back exactly as it was put, whatever its size relative to
// a chunk, with the SHA-256 and size of what was put.
func TestRoundTrip(t *testing.T) { backends(t, roundTrip) }

func roundTrip(t *testing.T, s *store.Store, b blob.Backend) {
	{
		ctx := context.Background()
		bs := &blob.Store{Backend: b, Sealer: sealer(s)}
		for _, size := range []int{0, 1, blob.ChunkSize - 1, blob.ChunkSize, blob.ChunkSize + 1, 2*blob.ChunkSize + 17} {
			data := make([]byte, size)
			rand.Read(data)
			key := "uploads/t-" + time.Now().Format("150405.000000000")
			sha, n, err := bs.Put(ctx, key, bytes.NewReader(data), 0)
			if err != nil {
				t.Fatalf("put %d bytes: %v", size, err)
			}
			want := sha256.Sum256(data)
			if n != int64(size) || sha != hex.EncodeToString(want[:]) {
				t.Errorf("put %d bytes: size %d, sha %s", size, n, sha)
			}
			rc, err := bs.Open(ctx, key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := io.ReadAll(rc)
			rc.Close()
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("read back %d of %d bytes: %v", len(got), size, err)
			}
			if err := bs.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			if _, err := bs.Open(ctx, key); !errs.Is(err, errs.NotFound) {
				t.Errorf("deleted blob opens: %v", err)
			}
		}
	}
}

// A Put over its bound, or whose reader fails, leaves nothing behind.
func TestPutRefusedLeavesNothing(t *testing.T) { backends(t, refusedLeavesNothing) }

func refusedLeavesNothing(t *testing.T, s *store.Store, b blob.Backend) {
	{
		ctx := context.Background()
		bs := &blob.Store{Backend: b, Sealer: sealer(s)}
		_, _, err := bs.Put(ctx, "uploads/big", bytes.NewReader(make([]byte, 3*blob.ChunkSize)), 2*blob.ChunkSize)
		if !errs.Is(err, errs.TooLarge) {
			t.Fatalf("over the bound: %v", err)
		}
		_, _, err = bs.Put(ctx, "uploads/broken", io.MultiReader(bytes.NewReader(make([]byte, blob.ChunkSize+5)), failing{}), 0)
		if err == nil {
			t.Fatal("a failing reader's Put succeeded")
		}
		keys, err := b.Keys(ctx, "uploads/", time.Now().Add(time.Hour))
		if err != nil || len(keys) != 0 {
			t.Errorf("left behind: %v %v", keys, err)
		}
	}
}

type failing struct{}

func (failing) Read([]byte) (int, error) { return 0, io.ErrClosedPipe }

// A stored file altered, cut short or moved to another key does not read.
func TestTamperingIsRefused(t *testing.T) {
	s := storetest.SQLite(t)
	ctx := context.Background()
	dir := t.TempDir()
	bs := &blob.Store{Backend: blob.Dir{Path: dir}, Sealer: sealer(s)}
	data := bytes.Repeat([]byte("ePHI "), blob.ChunkSize/2)
	if _, _, err := bs.Put(ctx, "uploads/a", bytes.NewReader(data), 0); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "uploads", "a")
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw, []byte("ePHI ")) { // a space is never in the sealed text
		t.Fatal("the stored file holds plaintext")
	}
	readAll := func(key string) error {
		rc, err := bs.Open(ctx, key)
		if err != nil {
			return err
		}
		defer rc.Close()
		_, err = io.ReadAll(rc)
		return err
	}
	for name, stored := range map[string][]byte{
		"altered":         append(append([]byte{}, raw[:100]...), append([]byte{raw[100] ^ 1}, raw[101:]...)...),
		"cut short":       raw[:len(raw)/2],
		"first part only": raw[:5+int(uint32(raw[1])<<24|uint32(raw[2])<<16|uint32(raw[3])<<8|uint32(raw[4]))],
		"extended":        append(append([]byte{}, raw...), raw[:10]...),
	} {
		if err := os.WriteFile(path, stored, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := readAll("uploads/a"); !errs.Is(err, errs.Invalid) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "uploads", "b"), raw, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := readAll("uploads/b"); !errs.Is(err, errs.Invalid) {
		t.Errorf("moved: %v", err)
	}
	if _, err := bs.Open(ctx, "../etc/passwd"); !errs.Is(err, errs.Invalid) {
		t.Errorf("a key outside the store: %v", err)
	}
}

// The same, against a real S3-compatible server (SeaweedFS on loopback).
func TestS3Backend(t *testing.T) {
	b := blobtest.S3(t, "test/")
	s := storetest.SQLite(t)
	t.Run("round trip", func(t *testing.T) { roundTrip(t, s, b) })
	t.Run("refused", func(t *testing.T) { refusedLeavesNothing(t, s, b) })
	t.Run("sweep", func(t *testing.T) { sweep(t, s, b) })
	t.Run("tampering", func(t *testing.T) {
		ctx := context.Background()
		bs := &blob.Store{Backend: b, Sealer: sealer(s)}
		if _, _, err := bs.Put(ctx, "uploads/a", bytes.NewReader([]byte("ePHI ePHI ePHI")), 0); err != nil {
			t.Fatal(err)
		}
		// The object's bytes are sealed; an object copied under another key does not open.
		src := minio.CopySrcOptions{Bucket: b.Bucket, Object: b.Prefix + "uploads/a"}
		if _, err := b.Client.CopyObject(ctx, minio.CopyDestOptions{Bucket: b.Bucket, Object: b.Prefix + "uploads/b"}, src); err != nil {
			t.Fatal(err)
		}
		rc, err := bs.Open(ctx, "uploads/b")
		if err != nil {
			t.Fatal(err)
		}
		defer rc.Close()
		if _, err := io.ReadAll(rc); !errs.Is(err, errs.Invalid) {
			t.Errorf("moved object: %v", err)
		}
	})
}

// Sweep removes what is old and not kept, and nothing else.
func TestSweep(t *testing.T) { backends(t, sweep) }

func sweep(t *testing.T, s *store.Store, b blob.Backend) {
	{
		ctx := context.Background()
		bs := &blob.Store{Backend: b, Sealer: sealer(s)}
		for _, k := range []string{"uploads/keep", "uploads/old", "other/x"} {
			if _, _, err := bs.Put(ctx, k, bytes.NewReader([]byte(k)), 0); err != nil {
				t.Fatal(err)
			}
		}
		n, err := bs.Sweep(ctx, "uploads/", time.Now().Add(-time.Hour), nil)
		if err != nil || n != 0 {
			t.Fatalf("a sweep of nothing old removed %d: %v", n, err)
		}
		n, err = bs.Sweep(ctx, "uploads/", time.Now().Add(time.Hour), map[string]bool{"uploads/keep": true})
		if err != nil || n != 1 {
			t.Fatalf("sweep removed %d: %v", n, err)
		}
		for k, want := range map[string]bool{"uploads/keep": true, "uploads/old": false, "other/x": true} {
			rc, err := bs.Open(ctx, k)
			if (err == nil) != want {
				t.Errorf("%s after the sweep: %v", k, err)
			}
			if rc != nil {
				rc.Close()
			}
		}
	}
}

// A blob still being written in the database is not swept with the whole
// ones: a large upload over a slow link takes hours.
func TestSweepSparesABlobBeingWritten(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		b := blob.Database{Rows: s}
		w, err := b.Create(ctx, "uploads/slow")
		if err != nil {
			t.Fatal(err)
		}
		defer w.Abort()
		if _, err := w.Write(make([]byte, blob.ChunkSize+1)); err != nil {
			t.Fatal(err)
		}
		if keys, err := b.Keys(ctx, "uploads/", time.Now().Add(time.Hour)); err != nil || len(keys) != 0 {
			t.Errorf("an unfinished blob an hour old is swept: %v %v", keys, err)
		}
		if keys, err := b.Keys(ctx, "uploads/", time.Now().Add(25*time.Hour)); err != nil || len(keys) != 1 {
			t.Errorf("an unfinished blob a day old is kept: %v %v", keys, err)
		}
	})
}
