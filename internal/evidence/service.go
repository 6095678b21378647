package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/safeguard-health/safeguard/internal/errs"
)

// DefaultMaxBytes is the largest file the vault takes unless configured.
const DefaultMaxBytes = 25 << 20

// Service uploads, versions and opens evidence.
type Service struct {
	Blobs    Blobs  // where the content is kept, sealed
	Sealer   Sealer // opens the versions stored before the blob store
	MaxBytes int64  // DefaultMaxBytes when 0
}

// put seals a version's content into the blob store.
func (s *Service) put(ctx context.Context, v *Version, data []byte) error {
	v.BlobKey = BlobKey(v.ID)
	_, _, err := s.Blobs.Put(ctx, v.BlobKey, bytes.NewReader(data), 0)
	return err
}

// drop removes the content of a version whose record could not be
// written.
func (s *Service) drop(ctx context.Context, v *Version) {
	_ = s.Blobs.Delete(context.WithoutCancel(ctx), v.BlobKey)
}

// File is an upload: its name as the user gave it and its content.
type File struct {
	Name string
	Body io.Reader
}

// read takes the whole file within the size limit and checks its name and
// type. Errors: Invalid (empty, a bad name, a refused or mislabelled type),
// TooLarge.
func (s *Service) read(f File) (*Version, []byte, error) {
	max := s.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	name := strings.TrimSpace(filepath.Base(strings.ReplaceAll(f.Name, "\\", "/")))
	if name == "" || name == "." || name == "/" || len(name) > 255 || !utf8.ValidString(name) || strings.ContainsAny(name, "\x00\r\n\"") {
		return nil, nil, errs.New(errs.Invalid, "the file needs a name of at most 255 characters, without quotes or line breaks")
	}
	data, err := io.ReadAll(io.LimitReader(f.Body, max+1))
	if err != nil {
		return nil, nil, errs.Wrap(errs.Invalid, name+": the upload could not be read", err)
	}
	switch {
	case len(data) == 0:
		return nil, nil, errs.New(errs.Invalid, name+" is empty (0 bytes): choose the file again")
	case int64(len(data)) > max:
		return nil, nil, errs.New(errs.TooLarge, fmt.Sprintf("%s is larger than %s, the most the vault takes", name, human(max)))
	}
	ct, err := Sniff(name, data)
	if err != nil {
		return nil, nil, err
	}
	sum := sha256.Sum256(data)
	id, err := uuid.NewV7()
	if err != nil {
		return nil, nil, errs.Wrap(errs.Internal, "", err)
	}
	return &Version{ID: id.String(), Filename: name, ContentType: ct, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}, data, nil
}

func human(n int64) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d KiB", n>>10)
}

// Upload stores new evidence with its first version: checked, hashed,
// sealed, and linked to items. Nothing is written unless all of it is.
// Errors: Invalid, TooLarge.
func (s *Service) Upload(ctx context.Context, st Store, e *Evidence, f File) error {
	v, data, err := s.read(f)
	if err != nil {
		return err
	}
	if strings.TrimSpace(e.Title) == "" {
		e.Title = strings.TrimSuffix(v.Filename, filepath.Ext(v.Filename)) // a title by default
	}
	if err := e.Normalize(); err != nil {
		return err
	}
	if err := s.put(ctx, v, data); err != nil {
		return err
	}
	if err := st.CreateEvidence(ctx, e, v); err != nil {
		s.drop(ctx, v)
		return err
	}
	e.Versions = []Version{*v}
	return nil
}

// Staged is evidence whose content is sealed in the blob store and whose
// record another transaction writes (a vendor's answers with the files
// behind them): For names what it backs (a question's id).
type Staged struct {
	For      string
	Evidence *Evidence
	Version  *Version
}

// Stage checks and seals a file for a record written later, in another
// service's transaction. Errors: Invalid, TooLarge.
func (s *Service) Stage(ctx context.Context, e *Evidence, f File) (*Staged, error) {
	v, data, err := s.read(f)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(e.Title) == "" {
		e.Title = strings.TrimSuffix(v.Filename, filepath.Ext(v.Filename))
	}
	if err := e.Normalize(); err != nil {
		return nil, err
	}
	if err := s.put(ctx, v, data); err != nil {
		return nil, err
	}
	return &Staged{Evidence: e, Version: v}, nil
}

// Discard removes the content of staged evidence whose record was not
// written (what a crash leaves, the sweep removes).
func (s *Service) Discard(ctx context.Context, staged []*Staged) {
	for _, st := range staged {
		s.drop(ctx, st.Version)
	}
}

// AddVersion uploads a new version of existing evidence; the old versions
// stay. Errors: NotFound, Invalid, TooLarge.
func (s *Service) AddVersion(ctx context.Context, st Store, evidenceID string, f File) (*Version, error) {
	if _, err := st.Evidence(ctx, evidenceID); err != nil {
		return nil, err
	}
	v, data, err := s.read(f)
	if err != nil {
		return nil, err
	}
	if err := s.put(ctx, v, data); err != nil {
		return nil, err
	}
	if err := st.AddEvidenceVersion(ctx, evidenceID, v); err != nil {
		s.drop(ctx, v)
		return nil, err
	}
	return v, nil
}

// Open returns a version's content (the newest for number 0), decrypted
// and checked against its recorded SHA-256. Errors: NotFound; Internal when
// the content does not match its hash.
func (s *Service) Open(ctx context.Context, st Store, evidenceID string, number int) (*Version, []byte, error) {
	v, sealed, err := st.EvidenceContent(ctx, evidenceID, number)
	if err != nil {
		return nil, nil, err
	}
	var data []byte
	if v.BlobKey != "" {
		data, err = s.readBlob(ctx, v.BlobKey)
	} else {
		data, err = s.Sealer.Open(ctx, sealed, AAD(v.ID))
	}
	if err != nil {
		return nil, nil, errs.Wrap(errs.Internal, "evidence "+evidenceID+" version "+fmt.Sprint(v.Number)+" cannot be decrypted", err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != v.SHA256 {
		return nil, nil, errs.New(errs.Internal, "evidence "+evidenceID+" version "+fmt.Sprint(v.Number)+" does not match its recorded SHA-256")
	}
	return v, bytes.Clone(data), nil
}

func (s *Service) readBlob(ctx context.Context, key string) ([]byte, error) {
	rc, err := s.Blobs.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	return io.ReadAll(rc)
}

// Referenced is what a sweep needs of the database: the blob keys of
// every version of every organisation.
type Referenced interface {
	EvidenceBlobKeys(ctx context.Context) (map[string]bool, error)
}

// Sweep removes the content of versions that were never recorded — a
// server died between writing the content and its record — once it is an
// hour old at now, and returns how many it removed.
func (s *Service) Sweep(ctx context.Context, st Referenced, now time.Time) (int, error) {
	keep, err := st.EvidenceBlobKeys(ctx)
	if err != nil {
		return 0, err
	}
	return s.Blobs.Sweep(ctx, BlobKey(""), now.Add(-time.Hour), keep)
}
