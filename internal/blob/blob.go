// Package blob keeps files every server of an installation can read —
// uploads waiting for their import — sealed with the vault, in a backend:
// the database (the default), a folder, or an S3-compatible bucket.
//
// A blob is written as a sequence of frames, each a chunk of at most
// ChunkSize bytes sealed with AES-GCM under the vault's data key and bound
// to the blob's key, its place in the sequence and whether it is the last:
// a frame moved, reordered, altered or cut off does not open.
package blob

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"time"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// ChunkSize is the most plaintext one frame holds.
const ChunkSize = 1 << 20

// Backend keeps byte streams by key.
type Backend interface {
	// Create starts the blob key; it can be read once Commit returns.
	Create(ctx context.Context, key string) (Writer, error)
	// Open reads a committed blob. Errors: NotFound.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes a blob, committed or not; one already gone is no error.
	Delete(ctx context.Context, key string) error
	// Keys lists the blobs under prefix made before before: committed
	// ones, and ones still being written that nothing has touched since
	// (the database's wait a day longer).
	Keys(ctx context.Context, prefix string, before time.Time) ([]string, error)
	// String names the backend for messages.
	String() string
}

// Writer is a blob being written.
type Writer interface {
	io.Writer
	// Commit makes the blob readable.
	Commit() error
	// Abort drops what was written.
	Abort()
}

// Sealer seals and opens values bound to where they are kept: the vault.
type Sealer interface {
	Seal(ctx context.Context, plaintext, aad []byte) (string, error)
	Open(ctx context.Context, sealed string, aad []byte) ([]byte, error)
}

// Store seals blobs into a backend.
type Store struct {
	Backend Backend
	Sealer  Sealer
}

var keyRE = regexp.MustCompile(`^[a-z0-9][a-z0-9/._-]{0,200}$`)

func checkKey(key string) error {
	if !keyRE.MatchString(key) || containsDotDot(key) {
		return errs.New(errs.Invalid, fmt.Sprintf("blob key %q is not one Safeguard makes", key))
	}
	return nil
}

func containsDotDot(key string) bool {
	for i := 0; i+1 < len(key); i++ {
		if key[i] == '.' && key[i+1] == '.' {
			return true
		}
	}
	return false
}

// Put seals what r gives, up to max bytes (0: no bound), into the blob
// key, and returns the SHA-256 and the size of the plaintext. Nothing is
// left of a Put that fails. Errors: TooLarge past max; r's own errors.
func (s *Store) Put(ctx context.Context, key string, r io.Reader, max int64) (sha string, size int64, err error) {
	if err := checkKey(key); err != nil {
		return "", 0, err
	}
	w, err := s.Backend.Create(ctx, key)
	if err != nil {
		return "", 0, err
	}
	defer func() {
		if err != nil {
			w.Abort()
		}
	}()
	h := sha256.New()
	buf := make([]byte, ChunkSize)
	// One chunk is read ahead, so that the last frame is known as it is
	// sealed.
	n, rerr := fill(r, buf)
	for seq := 0; ; seq++ {
		if rerr != nil && rerr != io.EOF {
			return "", 0, rerr
		}
		chunk := buf[:n]
		size += int64(n)
		if max > 0 && size > max {
			return "", 0, errs.New(errs.TooLarge, fmt.Sprintf("the file is larger than the %d MiB allowed", max>>20))
		}
		h.Write(chunk)
		last := rerr == io.EOF
		var next []byte
		var nn int
		if !last {
			next = make([]byte, ChunkSize)
			nn, rerr = fill(r, next)
			if rerr != nil && rerr != io.EOF {
				return "", 0, rerr
			}
			last = nn == 0 && rerr == io.EOF
		}
		if err := s.writeFrame(ctx, w, key, seq, chunk, last); err != nil {
			return "", 0, err
		}
		if last {
			break
		}
		buf, n = next, nn
	}
	if err := w.Commit(); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// fill reads into buf until it is full or r ends: io.EOF when r ended
// cleanly, r's own error otherwise (an upload cut short says so).
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

func aad(key string, seq int, last bool) []byte {
	a := "blob:" + key + "#" + strconv.Itoa(seq)
	if last {
		a += "$"
	}
	return []byte(a)
}

func (s *Store) writeFrame(ctx context.Context, w io.Writer, key string, seq int, chunk []byte, last bool) error {
	sealed, err := s.Sealer.Seal(ctx, chunk, aad(key, seq, last))
	if err != nil {
		return err
	}
	var head [5]byte
	if last {
		head[0] = 1
	}
	binary.BigEndian.PutUint32(head[1:], uint32(len(sealed)))
	if _, err := w.Write(head[:]); err != nil {
		return err
	}
	_, err = io.WriteString(w, sealed)
	return err
}

// Open returns the plaintext of the blob key, checked frame by frame as it
// is read: a frame altered, moved or missing, or a blob cut short, is an
// Invalid error. Errors: NotFound.
func (s *Store) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	if err := checkKey(key); err != nil {
		return nil, err
	}
	rc, err := s.Backend.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	return &reader{ctx: ctx, s: s, key: key, src: rc}, nil
}

// Delete removes the blob key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return s.Backend.Delete(ctx, key)
}

// Sweep removes the blobs under prefix made before before that keep does
// not name, and returns how many it removed.
func (s *Store) Sweep(ctx context.Context, prefix string, before time.Time, keep map[string]bool) (int, error) {
	keys, err := s.Backend.Keys(ctx, prefix, before)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, k := range keys {
		if keep[k] {
			continue
		}
		if err := s.Backend.Delete(ctx, k); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

type reader struct {
	ctx  context.Context
	s    *Store
	key  string
	src  io.ReadCloser
	seq  int
	buf  []byte
	done bool
	err  error
}

// maxFrame bounds a frame's length as read: a chunk sealed and encoded.
const maxFrame = ChunkSize*2 + 1024

func (r *reader) Read(p []byte) (int, error) {
	for len(r.buf) == 0 {
		if r.err != nil {
			return 0, r.err
		}
		if r.done {
			return 0, io.EOF
		}
		r.err = r.next()
	}
	n := copy(p, r.buf)
	r.buf = r.buf[n:]
	return n, nil
}

func (r *reader) next() error {
	broken := func(why string) error {
		return errs.New(errs.Invalid, fmt.Sprintf("the stored file %s is damaged: %s", r.key, why))
	}
	var head [5]byte
	if _, err := io.ReadFull(r.src, head[:]); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return broken("it ends before its last part")
		}
		return err
	}
	last := head[0] == 1
	if head[0] > 1 {
		return broken("a part is malformed")
	}
	n := binary.BigEndian.Uint32(head[1:])
	if n > maxFrame {
		return broken("a part is malformed")
	}
	sealed := make([]byte, n)
	if _, err := io.ReadFull(r.src, sealed); err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return broken("it ends in the middle of a part")
		}
		return err
	}
	plain, err := r.s.Sealer.Open(r.ctx, string(sealed), aad(r.key, r.seq, last))
	if err != nil {
		return broken("a part does not open (" + errs.Message(err) + ")")
	}
	r.seq++
	r.buf = plain
	if last {
		var one [1]byte
		if m, _ := r.src.Read(one[:]); m > 0 {
			return broken("it goes on past its last part")
		}
		r.done = true
	}
	return nil
}

func (r *reader) Close() error { return r.src.Close() }
